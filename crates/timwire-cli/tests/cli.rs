//! Runs the `timwire` binary: the demo, decode/encode known answers and round trips, capture
//! inspection and replay, and every kind of bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_timwire");

struct Output {
    code: i32,
    raw: Vec<u8>,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn timwire");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    let o = Output {
        code: out.status.code().unwrap_or(-1),
        raw: out.stdout.clone(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!o.stderr.contains("panicked"), "panic: {}", o.stderr);
    assert!(
        !o.stderr.contains("RUST_BACKTRACE"),
        "backtrace: {}",
        o.stderr
    );
    o
}

/// A failure: the exit code, and exactly one stderr line containing `needle`.
fn assert_fails(o: &Output, code: i32, needle: &str) {
    assert_eq!(o.code, code, "stderr: {}", o.stderr);
    assert_eq!(
        o.stderr.lines().count(),
        1,
        "one line expected: {:?}",
        o.stderr
    );
    assert!(o.stderr.starts_with("timwire: error: "), "{:?}", o.stderr);
    assert!(
        o.stderr.contains(needle),
        "{needle:?} not in {:?}",
        o.stderr
    );
}

fn ok(args: &[&str]) -> String {
    let o = run(args, b"");
    assert_eq!(o.code, 0, "{args:?} failed: {}", o.stderr);
    o.stdout
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/demo.twcap")
}

fn json_lines(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `[u16 len][bytes]`.
fn s(text: &str) -> String {
    format!("{:04x}{}", text.len(), hex(text.as_bytes()))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

// Known-answer frames, message framing (header + body), as hex.
fn connack_long() -> String {
    format!(
        "200000{}{}{}",
        s("u1"),
        s("sess"),
        hex(&1_700_000_000_123i64.to_be_bytes())
    )
}
fn server_publish() -> String {
    // qos 1, date 0x6553F100, timMsg to alice, msgId 5, TimMessage{msType 2, odType 1}.
    format!("326553f100{}{}000508021001", s("timMsg"), s("alice"))
}
fn server_puback() -> String {
    format!("4000026553f100000001f4{}", s("UID-1"))
}
fn queryack() -> String {
    // qos 1, msgId 3, status 0, TimMessageList{messageList: [{msType 2, odType 1}]}.
    "6200036553f10000001204080210 01".replace(' ', "")
}

/// Stream framing of a message-framed hex frame, via the tool itself.
fn to_stream(message_hex: &str, from: &str) -> String {
    let j = ok(&[
        "decode",
        "--framing",
        "message",
        "--from",
        from,
        "--json",
        message_hex,
    ]);
    let o = run(&["encode", "--framing", "stream"], j.as_bytes());
    assert_eq!(o.code, 0, "{}", o.stderr);
    o.stdout.trim().to_string()
}

#[test]
fn demo_runs_every_step_over_tcp_and_websocket() {
    let started = std::time::Instant::now();
    let out = ok(&["demo"]);
    assert!(started.elapsed().as_secs() < 20);
    for transport in ["[tcp]", "[ws]"] {
        let lines: Vec<&str> = out.lines().filter(|l| l.starts_with(transport)).collect();
        let has = |what: &str| lines.iter().any(|l| l.contains(what));
        for step in [
            "C→S CONNECT ",
            "S→C CONNACK ",
            "C→S PUBLISH     qos=1 msgId=1 topic=\"timMsg\"",
            "S→C PUBACK ",
            "S→C PUBLISH     qos=1 msgId=1 date=",
            "C→S PUBACK ",
            "topic=\"timPres\"",
            "C→S QUERY ",
            "S→C QUERYACK    qos=1",
            "C→S QUERYCON ",
            "C→S PINGREQ",
            "S→C PINGRESP",
            "C→S DISCONNECT",
            "every request answered",
        ] {
            assert!(has(step), "{transport} lacks {step:?}:\n{out}");
        }
    }
    for payload in [
        "payload TimMessage {",
        "payload TimPresence {",
        "payload TimReq {",
        "payload TimMessageList {",
    ] {
        assert!(out.contains(payload), "no {payload:?}");
    }
    assert!(out.contains("tcp (stream framing) on 127.0.0.1:"));
    assert!(out.contains("ws (message framing) on 127.0.0.1:"));
}

#[test]
fn demo_record_writes_a_capture_that_inspects_clean() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.twcap");
    let path = path.to_str().unwrap();
    let out = ok(&[
        "demo",
        "--only",
        "ws",
        "--record-transport",
        "ws",
        "--record",
        path,
    ]);
    assert!(out.contains("recorded 17 frames"), "{out}");
    let inspect = ok(&["inspect", path]);
    assert!(inspect.contains("message framing"));
    assert!(inspect.contains("unanswered msgIds: none"), "{inspect}");
}

#[test]
fn decode_known_answers() {
    // docs/PROTOCOL.md §2.2 examples, stream framing.
    let j = json_lines(&ok(&["decode", "--json", "C0 C0 00", "40 42 02 01 02"]));
    assert_eq!(j[0]["type"], "PINGREQ");
    assert_eq!(j[0]["from"], "client");
    assert_eq!(j[1]["type"], "PUBACK");
    assert_eq!(j[1]["msgId"], 0x0102);
    // Human output.
    let text = ok(&["decode", "C0C000"]);
    assert!(text.contains("C→S PINGREQ"), "{text}");

    let j = json_lines(&ok(&[
        "decode",
        "--json",
        "--framing",
        "message",
        "--from",
        "server",
        &connack_long(),
    ]));
    assert_eq!(j[0]["type"], "CONNACK");
    assert_eq!(j[0]["status"], 0);
    assert_eq!(j[0]["statusName"], "ACCEPTED");
    assert_eq!(j[0]["userId"], "u1");
    assert_eq!(j[0]["sessionId"], "sess");
    assert_eq!(j[0]["timestamp"], 1_700_000_000_123i64);

    let j = json_lines(&ok(&[
        "decode",
        "--json",
        "--framing",
        "message",
        "--from",
        "server",
        &server_publish(),
    ]));
    let p = &j[0];
    assert_eq!(
        (p["type"].as_str(), p["qos"].as_u64(), p["dup"].as_bool()),
        (Some("PUBLISH"), Some(1), Some(false))
    );
    assert_eq!(p["date"], 0x6553_F100u32);
    assert_eq!(p["topic"], "timMsg");
    assert_eq!(p["targetId"], "alice");
    assert_eq!(p["msgId"], 5);
    assert_eq!(p["data"], "08021001");
    assert_eq!(p["payloadType"], "TimMessage");
    assert_eq!(p["payload"]["msType"], 2);
    assert_eq!(p["payload"]["odType"], 1);

    let j = json_lines(&ok(&[
        "decode",
        "--json",
        "--framing",
        "message",
        &server_puback(),
    ]));
    assert_eq!(j[0]["from"], "server"); // auto: too long for a client PUBACK
    assert_eq!(j[0]["millisecond"], 500);
    assert_eq!(j[0]["messageUId"], "UID-1");

    let j = json_lines(&ok(&[
        "decode",
        "--json",
        "--framing",
        "message",
        "--query-topic",
        "timPull",
        &queryack(),
    ]));
    assert_eq!(j[0]["type"], "QUERYACK");
    assert_eq!(j[0]["qos"], 1);
    assert_eq!(j[0]["msgId"], 3);
    assert_eq!(j[0]["queryTopic"], "timPull");
    assert_eq!(j[0]["payloadType"], "TimMessageList");
    assert_eq!(j[0]["payload"]["messageList"][0]["msType"], 2);

    // A QUERY and its QUERYACK in one input: the topic is remembered by msgId.
    let query = to_stream(&format!("50{}{}0003", s("timPull"), s("alice")), "client");
    let ack = to_stream(&queryack(), "server");
    let j = json_lines(&ok(&["decode", "--json", &query, &ack]));
    assert_eq!(j[1]["payloadType"], "TimMessageList");
}

#[test]
fn decode_json_then_encode_reproduces_the_bytes() {
    let cesu8_topic = format!("32{}{}0001", "0006eda0bdedb880", s("b")); // "😀" as CESU-8
    let vectors: Vec<(String, &str)> = vec![
        ("c0".into(), "client"),
        ("400102".into(), "client"),
        (connack_long(), "server"),
        ("2000 04".replace(' ', ""), "server"),
        ("208000".into(), "server"), // reserved byte set
        (server_publish(), "server"),
        (
            format!("3a6553f100{}{}0006aa", s("ppMsgP"), s("bob")),
            "server",
        ), // syncMsg, raw data
        (server_puback(), "server"),
        (queryack(), "server"),
        ("700007".into(), "client"),
        (
            format!(
                "10{}03c2001e{}{}{}",
                s("RCloud"),
                s("dev"),
                s("app"),
                s("tok")
            ),
            "client",
        ),
        (format!("82000a{}01", s("s_msg")), "client"),
        ("9000 0a 01 80".replace(' ', ""), "server"),
        (format!("a2000a{}", s("s_msg")), "client"),
        ("b0000a".into(), "server"),
        ("d0".into(), "server"),
        ("e00004".into(), "client"),
        ("e0ff01".into(), "server"),
        (cesu8_topic, "client"),
    ];
    for (message, from) in &vectors {
        for framing in ["message", "stream"] {
            let input = if framing == "message" {
                message.clone()
            } else {
                to_stream(message, from)
            };
            let json = ok(&[
                "decode",
                "--json",
                "--framing",
                framing,
                "--from",
                from,
                &input,
            ]);
            let o = run(&["encode", "--framing", framing], json.as_bytes());
            assert_eq!(o.code, 0, "{message} {framing}: {}", o.stderr);
            assert_eq!(
                o.stdout.trim(),
                input,
                "{framing} round trip of {message}: {json}"
            );
            // Binary output is the same bytes.
            let o = run(
                &["encode", "--framing", framing, "--output-format", "binary"],
                json.as_bytes(),
            );
            assert_eq!(hex(&o.raw), input);
        }
    }
}

/// Every seed of the message_decode fuzz corpus (`fuzz/corpus/message_decode`: `client-*` and
/// `server-*`, one message-framed frame each, every packet type) goes through `decode --json`
/// and back through `encode` byte for byte; in stream framing the frames decode to the same JSON.
#[test]
fn decode_json_then_encode_reproduces_the_fuzz_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/message_decode");
    let mut total = 0;
    for from in ["client", "server"] {
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .starts_with(&format!("{from}-"))
            })
            .collect();
        names.sort();
        let frames: Vec<String> = names
            .iter()
            .map(|p| hex(&std::fs::read(p).unwrap()))
            .collect();
        assert!(!frames.is_empty(), "no {from} seeds in {}", dir.display());
        total += frames.len();
        let mut args = vec!["decode", "--json", "--framing", "message", "--from", from];
        args.extend(frames.iter().map(String::as_str));
        let json = ok(&args);
        assert_eq!(json.lines().count(), frames.len(), "{json}");
        let o = run(&["encode", "--framing", "message"], json.as_bytes());
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert_eq!(o.stdout.lines().collect::<Vec<_>>(), frames, "{json}");

        let o = run(&["encode", "--framing", "stream"], json.as_bytes());
        assert_eq!(o.code, 0, "{}", o.stderr);
        let stream: Vec<&str> = o.stdout.lines().collect();
        let mut args = vec!["decode", "--json", "--framing", "stream", "--from", from];
        args.extend(stream);
        assert_eq!(ok(&args), json);
    }
    assert!(total >= 17, "only {total} seeds");
}

#[test]
fn decode_reads_hex_and_binary_files_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("frames.bin");
    std::fs::write(&bin, [0xC0, 0xC0, 0x00, 0x40, 0x42, 0x02, 0x01, 0x02]).unwrap();
    let out = ok(&["decode", "--json", "--input", bin.to_str().unwrap()]);
    assert_eq!(json_lines(&out).len(), 2);
    let hexfile = dir.path().join("frames.hex");
    std::fs::write(&hexfile, "c0\n4000 07\n").unwrap();
    let out = ok(&[
        "decode",
        "--json",
        "--framing",
        "message",
        "-i",
        hexfile.to_str().unwrap(),
    ]);
    assert_eq!(json_lines(&out)[1]["msgId"], 7);
    let o = run(&["decode", "--json"], b"c0c000\n");
    assert_eq!(o.code, 0);
    assert_eq!(json_lines(&o.stdout)[0]["type"], "PINGREQ");
}

#[test]
fn encode_from_payload_without_data() {
    let json = r#"{"from":"client","type":"PUBLISH","qos":1,"topic":"timMsg","targetId":"bob","msgId":9,
                  "payload":{"msType":2,"odType":1,"dataString":"hi"}}"#;
    let o = run(&["encode", "--framing", "message"], json.as_bytes());
    assert_eq!(o.code, 0, "{}", o.stderr);
    let back = json_lines(&ok(&[
        "decode",
        "--json",
        "--framing",
        "message",
        o.stdout.trim(),
    ]));
    assert_eq!(back[0]["payload"]["dataString"], "hi");
    assert_eq!(back[0]["msgId"], 9);
}

#[test]
fn bad_input_gets_one_line_and_an_exit_code() {
    assert_fails(&run(&["decode", "c0zz"], b""), 1, "invalid hex");
    assert_fails(&run(&["decode", "c0c"], b""), 1, "odd number of hex digits");
    // Truncated: a PUBACK announcing 2 body bytes with 1 present; a body too short for its type.
    assert_fails(&run(&["decode", "40420201"], b""), 1, "truncated frame");
    assert_fails(
        &run(
            &["decode", "--framing", "message", "--from", "client", "4001"],
            b"",
        ),
        1,
        "truncated field `msgId`",
    );
    // Wrong framing, both ways.
    assert_fails(
        &run(&["decode", "400102"], b""),
        1,
        "wrong framing? the input decodes with --framing message",
    );
    assert_fails(
        &run(&["decode", "--framing", "message", "c0c000"], b""),
        1,
        "--framing stream",
    );
    assert_fails(
        &run(&["decode", "--from", "client", "2022020000"], b""),
        1,
        "CONNACK is not sent by the client",
    );
    assert_fails(
        &run(&["decode", "--framing", "message", "00"], b""),
        1,
        "reserved message type",
    );
    assert_fails(&run(&["decode"], b""), 1, "no input");
    assert_fails(&run(&["encode"], b"{\"type\":"), 1, "invalid JSON");
    assert_fails(
        &run(&["encode"], br#"{"type":"NOPE"}"#),
        1,
        "unknown frame type",
    );
    assert_fails(
        &run(&["encode"], br#"{"type":"QUERY","topic":"t","msgId":1}"#),
        1,
        "missing field `targetId`",
    );
    assert_fails(
        &run(&["encode"], br#"{"type":"PINGREQ","qos":9}"#),
        1,
        "qos",
    );
    assert_fails(
        &run(&["inspect", "/nonexistent/x.twcap"], b""),
        3,
        "cannot open",
    );
    // Not a capture.
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.twcap");
    std::fs::write(&junk, b"hello, this is not a capture file").unwrap();
    assert_fails(
        &run(&["inspect", junk.to_str().unwrap()], b""),
        1,
        "bad magic",
    );
    // Usage errors are clap's (exit 2).
    assert_eq!(run(&["decode", "--framing", "sideways", "c0"], b"").code, 2);
}

/// Record offsets of a capture: (offset, total length) per record.
fn records(file: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 16;
    while at < file.len() {
        let len = u32::from_be_bytes(file[at + 11..at + 15].try_into().unwrap()) as usize;
        out.push((at, 15 + len + 4));
        at += 15 + len + 4;
    }
    out
}

#[test]
fn sample_capture_inspects_and_replays() {
    let path = sample();
    let path = path.to_str().unwrap();
    let meta = std::fs::metadata(path).unwrap();
    assert!(meta.len() < 4096, "the sample should stay small");
    let out = ok(&["inspect", path]);
    assert!(out.contains("stream framing"));
    assert!(out.contains("summary: 17 records, 2 connections"), "{out}");
    assert!(out.contains("C→S PUBLISH            2"), "{out}");
    assert!(out.contains("unanswered msgIds: none"));
    let out = ok(&["inspect", "--payloads", path]);
    assert!(out.contains("payload TimMessageList"));
    let out = ok(&["replay", "--repeat", "3", "--payloads", path]);
    assert!(out.contains("17 frames"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("frames/s: ")));
    assert!(out.lines().any(|l| l.starts_with("bytes/s: ")));
}

#[test]
fn inspect_reports_unanswered_msg_ids() {
    // Drop the record holding the server's PUBACK (record 5) and rewrite the rest.
    let file = std::fs::read(sample()).unwrap();
    let recs = records(&file);
    let mut cut = file[..16].to_vec();
    for (i, (at, len)) in recs.iter().enumerate() {
        if i != 5 {
            cut.extend_from_slice(&file[*at..at + len]);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.twcap");
    std::fs::write(&path, cut).unwrap();
    let out = ok(&["inspect", "--summary-only", path.to_str().unwrap()]);
    assert!(out.contains("unanswered msgIds: 1"), "{out}");
    assert!(
        out.contains("conn 1: record 4 C→S PUBLISH msgId=1 waits for S→C PUBACK"),
        "{out}"
    );
}

#[test]
fn flipped_byte_is_reported_at_its_record() {
    let file = std::fs::read(sample()).unwrap();
    let recs = records(&file);
    let dir = tempfile::tempdir().unwrap();
    for target in [0usize, 6, recs.len() - 1] {
        let (at, _) = recs[target];
        let mut damaged = file.clone();
        damaged[at + 15] ^= 0x20; // the frame's first byte
        let path = dir.path().join(format!("flip{target}.twcap"));
        std::fs::write(&path, &damaged).unwrap();
        let p = path.to_str().unwrap();
        let needle = format!("record {target} at byte {at}: CRC mismatch");
        assert_fails(&run(&["inspect", p], b""), 1, &needle);
        assert_fails(&run(&["replay", p], b""), 1, &needle);
        // Skipping: the other records are still there, and the damage is reported.
        let out = ok(&["inspect", "--skip-damaged", "--summary-only", p]);
        assert!(
            out.contains(&format!("summary: {} records", recs.len() - 1)),
            "{out}"
        );
        assert!(out.contains(&format!("damaged: {needle}")), "{out}");
        let out = ok(&["replay", "--skip-damaged", p]);
        assert!(out.contains(&format!("{} frames", recs.len() - 1)), "{out}");
    }
    // A truncated tail.
    let path = dir.path().join("short.twcap");
    std::fs::write(&path, &file[..file.len() - 3]).unwrap();
    let last = recs.len() - 1;
    assert_fails(
        &run(&["inspect", path.to_str().unwrap()], b""),
        1,
        &format!("record {last} at byte {}: truncated", recs[last].0),
    );
}

//! `timwire load` and `timwire serve`: every message delivered once, with and without chaos,
//! for both profiles and transports (small sizes; the full-size figures are in BENCHMARKS.md).

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_timwire");

/// The summary line's numbers: sent, delivered, lost, duplicates.
fn summary(stdout: &str) -> (u64, u64, u64, u64) {
    let line = stdout.lines().last().unwrap_or_default();
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words.len(), 14, "{line}");
    let labels: Vec<&str> = [0, 2, 4, 6, 8, 10, 11, 13]
        .iter()
        .map(|&i| words[i])
        .collect();
    assert_eq!(
        labels,
        [
            "sent",
            "delivered",
            "lost",
            "duplicates",
            "p50",
            "ms",
            "p99",
            "ms"
        ]
    );
    for i in [9, 12] {
        assert!(words[i].parse::<f64>().is_ok_and(|ms| ms >= 0.0), "{line}");
    }
    let n = |i: usize| words[i].parse::<u64>().unwrap();
    (n(1), n(3), n(5), n(7))
}

/// Runs `timwire load` with `args`; returns the exit code, stdout and stderr.
fn load(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).arg("load").args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

/// The number before `word` in the stats line on stderr.
fn count_before(stderr: &str, word: &str) -> u64 {
    let words: Vec<&str> = stderr.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| w.trim_end_matches(',') == word)
        .unwrap_or_else(|| panic!("no {word:?} in {stderr}"));
    words[at - 1].parse().unwrap()
}

#[test]
fn load_delivers_everything_once() {
    for profile in ["tim", "rongcloud"] {
        for transport in ["tcp", "ws"] {
            let args = [
                "--profile",
                profile,
                "--transport",
                transport,
                "--connections",
                "20",
                "--messages",
                "2000",
                "--payload",
                "100",
                "--qos",
                "1",
                "--stall",
                "20",
            ];
            let (code, stdout, stderr) = load(&args);
            assert_eq!(code, 0, "{profile} {transport}: {stdout}{stderr}");
            assert_eq!(
                summary(&stdout),
                (2000, 2000, 0, 0),
                "{profile} {transport}"
            );
        }
    }
}

#[test]
fn load_with_chaos_loses_nothing() {
    for profile in ["tim", "rongcloud"] {
        for transport in ["tcp", "ws"] {
            let args = [
                "--profile",
                profile,
                "--transport",
                transport,
                "--connections",
                "20",
                "--messages",
                "6000",
                "--payload",
                "200",
                "--qos",
                "1",
                "--chaos",
                "--stall",
                "20",
            ];
            let (code, stdout, stderr) = load(&args);
            assert_eq!(code, 0, "{profile} {transport}: {stdout}{stderr}");
            assert_eq!(
                summary(&stdout),
                (6000, 6000, 0, 0),
                "{profile} {transport}"
            );
            // The chaos did cut connections, and the clients came back.
            assert!(count_before(&stderr, "cuts") > 0, "{stderr}");
            assert!(count_before(&stderr, "reconnects") > 0, "{stderr}");
        }
    }
}

#[test]
fn load_reports_loss_and_fails_when_nothing_arrives() {
    // A port nobody listens on: every message is lost, and the exit code says so.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let addr = free.to_string();
    let args = [
        "--server",
        &addr,
        "--connections",
        "3",
        "--messages",
        "30",
        "--stall",
        "1",
    ];
    let (code, stdout, stderr) = load(&args);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let (sent, delivered, lost, duplicates) = summary(&stdout);
    assert_eq!((delivered, lost, duplicates), (0, 30, 0));
    assert!(sent <= 30);
}

#[test]
fn serve_relays_for_load_clients() {
    for (profile, transport) in [("tim", "tcp"), ("rongcloud", "ws")] {
        let mut serve = Command::new(BIN)
            .args([
                "serve",
                "--profile",
                profile,
                "--tcp",
                "127.0.0.1:0",
                "--ws",
                "127.0.0.1:0",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(serve.stdout.take().unwrap()).lines();
        let mut addrs = Vec::new();
        for _ in 0..2 {
            let line = lines.next().unwrap().unwrap();
            let words: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(words.first(), Some(&"listening"), "{line}");
            addrs.push((words[1].to_owned(), words[2].to_owned()));
        }
        let addr = &addrs.iter().find(|(t, _)| t == transport).unwrap().1;
        let args = [
            "--server",
            addr,
            "--profile",
            profile,
            "--transport",
            transport,
            "--connections",
            "10",
            "--messages",
            "500",
            "--stall",
            "20",
        ];
        let (code, stdout, stderr) = load(&args);
        // Ctrl-C: a graceful shutdown and the closing line.
        let _ = Command::new("kill")
            .args(["-INT", &serve.id().to_string()])
            .status();
        let rest: Vec<String> = lines.map(Result::unwrap).collect();
        let status = serve.wait().unwrap();
        assert_eq!(code, 0, "{profile}: {stdout}{stderr}");
        assert_eq!(summary(&stdout), (500, 500, 0, 0), "{profile}");
        assert!(status.success(), "{rest:?}");
        let closing = rest.last().unwrap();
        assert!(closing.contains("messages 500 "), "{closing}");
    }
}

/// Starts `timwire serve` with `args`; returns the process and its first listener's address.
fn serve(args: &[&str]) -> (std::process::Child, std::net::SocketAddr) {
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next().unwrap().unwrap();
    let addr = line.split_whitespace().nth(2).unwrap().parse().unwrap();
    (child, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_history_and_pull_from_its_store() {
    use bytes::Bytes;
    use prost::Message as _;
    use timwire::proto::rongcloud::{
        DownStreamMessages, HistoryMsgInput, HistoryMsgOuput, SyncRequestMsg, UpStreamMessage,
    };
    use timwire::{ClientPublish, Connect, QoS, Query};
    use timwire_session::{Config, Profile};
    use timwire_tokio::{Transport, client};

    let (mut server, addr) = serve(&["--profile", "rongcloud", "--tcp", "127.0.0.1:0"]);
    let guard = std::time::Duration::from_secs(30);
    let connect = |user: &str| {
        let config =
            client::ClientConfig::new(Config::new(Profile::RongCloud), Transport::Tcp, addr)
                .with_connect(Connect::new(user.to_owned()));
        client::spawn(config)
    };
    // alice sends bob three messages while bob is offline.
    let (alice, mut alice_events) = connect("alice");
    let mut acked = 0;
    while acked < 3 {
        match tokio::time::timeout(guard, alice_events.recv())
            .await
            .unwrap()
            .unwrap()
        {
            client::Event::Connected { .. } => {
                for (tag, text) in [b"one", b"two", b"six"].iter().enumerate() {
                    let up = UpStreamMessage {
                        session_id: 3,
                        classname: "RC:TxtMsg".into(),
                        content: Bytes::from_static(&text[..]),
                        ..Default::default()
                    };
                    let publish = ClientPublish::new(
                        QoS::AtLeastOnce,
                        "ppMsgP",
                        "bob",
                        0,
                        Bytes::from(up.encode_to_vec()),
                    );
                    alice.publish(publish, tag as u64).await.unwrap();
                }
            }
            client::Event::Acked { ack, .. } => {
                assert!(ack.status.is_success());
                assert!(ack.message_uid.is_some());
                acked += 1;
            }
            other => panic!("{other:?}"),
        }
    }
    alice.close();

    // bob comes online: his history with alice, oldest first, and a pull from 0.
    let (bob, mut bob_events) = connect("bob");
    let mut history = None;
    let mut pulled = None;
    while history.is_none() || pulled.is_none() {
        match tokio::time::timeout(guard, bob_events.recv())
            .await
            .unwrap()
            .unwrap()
        {
            client::Event::Connected { .. } => {
                let input = HistoryMsgInput {
                    target_id: Some("alice".into()),
                    time: Some(0),
                    count: Some(10),
                    order: Some(1),
                };
                let query = Query::new(
                    QoS::AtLeastOnce,
                    "qryPMsg",
                    "alice",
                    0,
                    Bytes::from(input.encode_to_vec()),
                );
                bob.query(query, 1).await.unwrap();
                let sync = SyncRequestMsg {
                    sync_time: 0,
                    ispolling: false,
                    ..Default::default()
                };
                let query = Query::new(
                    QoS::AtLeastOnce,
                    "pullMsg",
                    "bob",
                    0,
                    Bytes::from(sync.encode_to_vec()),
                );
                bob.query(query, 2).await.unwrap();
            }
            client::Event::Answered { tag: 1, ack, .. } => {
                history = Some(HistoryMsgOuput::decode(&ack.data[..]).unwrap());
            }
            client::Event::Answered { tag: 2, ack, .. } => {
                pulled = Some(DownStreamMessages::decode(&ack.data[..]).unwrap());
            }
            other => panic!("{other:?}"),
        }
    }
    bob.close();
    let history = history.unwrap();
    let contents: Vec<&[u8]> = history.list.iter().map(|m| &m.content[..]).collect();
    assert_eq!(contents, [&b"one"[..], b"two", b"six"]);
    assert!(history.list.iter().all(|m| m.from_user_id == "alice"));
    assert_eq!(history.has_msg, 0);
    let pulled = pulled.unwrap();
    let contents: Vec<&[u8]> = pulled.list.iter().map(|m| &m.content[..]).collect();
    assert_eq!(contents, [&b"one"[..], b"two", b"six"]);
    assert_eq!(pulled.finished, Some(true));
    assert_eq!(pulled.sync_time, pulled.list.last().unwrap().data_time);
    let _ = server.kill();
    let _ = server.wait();
}

#[test]
fn load_at_a_set_rate_delivers_everything_once() {
    for profile in ["tim", "rongcloud"] {
        let args = [
            "--profile",
            profile,
            "--connections",
            "10",
            "--messages",
            "400",
            "--rate",
            "2000",
            "--stall",
            "20",
        ];
        let (code, stdout, stderr) = load(&args);
        assert_eq!(code, 0, "{profile}: {stdout}{stderr}");
        assert_eq!(summary(&stdout), (400, 400, 0, 0), "{profile}");
        assert!(stderr.contains(", 2000 msgs/s:"), "{stderr}");
    }
    // A rate of 0 is refused.
    let (code, _, stderr) = load(&["--rate", "0"]);
    assert_eq!(code, 2, "{stderr}");
}

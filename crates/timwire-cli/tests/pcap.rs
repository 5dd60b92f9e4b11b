//! tcpdump/Wireshark captures: the committed demo captures against the demo's own recording,
//! synthetic captures for every reassembly case and link type, bad input, and the Wireshark
//! dissector under tshark.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use bytes::Bytes;
use serde_json::Value;
use timwire::capture::Reader;
use timwire::header::MessageType;
use timwire::{Framing, Role};
use timwire_cli::pcap::synth::{self, Link, Tcp};
use timwire_cli::pcap::{self, Capture, ClientBy, Error, Options};

const BIN: &str = env!("CARGO_BIN_EXE_timwire");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn read(bytes: &[u8]) -> Capture {
    pcap::read(bytes, &Options::default()).expect("the capture reads")
}

/// Per connection: (sender, frame) in order.
type Conversations = Vec<Vec<(Role, Bytes)>>;

fn by_connection(records: impl IntoIterator<Item = (u16, Role, Bytes)>) -> Conversations {
    let mut map: BTreeMap<u16, Vec<(Role, Bytes)>> = BTreeMap::new();
    for (conn, sender, frame) in records {
        map.entry(conn).or_default().push((sender, frame));
    }
    let mut out: Conversations = map.into_values().collect();
    out.sort_by_key(|v| {
        v.iter()
            .map(|(r, b)| (*r == Role::Server, b.clone()))
            .collect::<Vec<_>>()
    });
    out
}

fn twcap(path: &Path) -> (Framing, Conversations) {
    let reader = Reader::new(std::fs::File::open(path).unwrap()).unwrap();
    let framing = reader.framing();
    let records: Vec<_> = reader.map(|r| r.unwrap()).collect();
    (
        framing,
        by_connection(
            records
                .into_iter()
                .map(|r| (r.connection, r.sender, r.frame)),
        ),
    )
}

fn pcap_conversations(c: &Capture) -> Conversations {
    by_connection(
        c.records
            .iter()
            .map(|r| (r.conn, r.sender, r.frame.clone())),
    )
}

#[test]
fn demo_captures_match_the_demo_recording() {
    for (capture, recording) in [
        ("demo-tcp.pcap", "demo-tcp.twcap"),
        ("demo-ws.pcap", "demo-ws.twcap"),
        ("demo-ws.pcapng", "demo-ws.twcap"),
        ("demo-tcp-any.pcap", "demo-tcp-any.twcap"),
    ] {
        let c = read(&std::fs::read(fixture(capture)).unwrap());
        let (framing, expected) = twcap(&fixture(recording));
        assert_eq!(c.connections.len(), 2, "{capture}");
        assert!(
            c.connections.iter().all(|k| k.framing == framing),
            "{capture}"
        );
        assert!(c.connections.iter().all(|k| k.client_by == ClientBy::Syn));
        assert_eq!(pcap_conversations(&c), expected, "{capture}");
        assert!(c.notes.is_empty(), "{capture}: {:?}", c.notes);
        assert_eq!(c.records.len(), 17);
    }
}

fn cli(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The timeline lines of `inspect` without the record index and time columns.
fn timeline(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.contains("C→S") || l.contains("S→C"))
        .filter(|l| !l.trim_start().starts_with("C→S") && !l.trim_start().starts_with("S→C"))
        .map(|l| l.split_whitespace().skip(2).collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn inspect_convert_replay_and_decode_read_pcap() {
    for (capture, recording) in [
        ("demo-tcp.pcap", "demo-tcp.twcap"),
        ("demo-ws.pcapng", "demo-ws.twcap"),
    ] {
        let cap = fixture(capture);
        let (ok, out, err) = cli(&["inspect", cap.to_str().unwrap()]);
        assert!(ok, "{err}");
        assert!(out.contains("2 RMTP connections"), "{out}");
        assert!(out.contains("conn 0: 127.0.0.1:"), "{out}");
        assert!(out.contains("unanswered msgIds: none"), "{out}");
        // the same frames in the same order per connection as the demo's recording
        let (ok, rec_out, _) = cli(&["inspect", fixture(recording).to_str().unwrap()]);
        assert!(ok);
        let per_conn = |text: &str| {
            let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for l in timeline(text) {
                let (conn, rest) = l.split_once(' ').unwrap();
                // sessionIds name the demo's own connection numbers; times differ per run
                m.entry(conn.to_owned()).or_default().push(rest.to_owned());
            }
            let mut v: Vec<_> = m.into_values().collect();
            v.sort();
            v
        };
        assert_eq!(per_conn(&out), per_conn(&rec_out), "{capture}");

        let dir = tempfile::tempdir().unwrap();
        let converted = dir.path().join("out.twcap");
        let (ok, out, err) = cli(&[
            "convert",
            cap.to_str().unwrap(),
            converted.to_str().unwrap(),
        ]);
        assert!(ok, "{err}");
        assert!(out.contains("17 frames of 2 connections"), "{out}");
        assert_eq!(twcap(&converted), twcap(&fixture(recording)));

        let (ok, out, err) = cli(&["replay", cap.to_str().unwrap(), "--payloads"]);
        assert!(ok, "{err}");
        assert!(out.contains(": 17 frames,"), "{out}");

        let (ok, out, err) = cli(&["decode", "-i", cap.to_str().unwrap()]);
        assert!(ok, "{err}");
        assert_eq!(out.lines().filter(|l| l.starts_with('#')).count(), 17);
        assert!(out.contains("#5 [conn 1 127.0.0.1:"), "{out}");
    }
}

// ---- synthetic captures ----

/// A CONNECT in stream framing: protocolId "RCloud", version 3, clean session, keepAlive 30,
/// clientId "alice-phone123".
fn connect() -> Vec<u8> {
    let mut body = vec![0, 6];
    body.extend_from_slice(b"RCloud");
    body.extend_from_slice(&[3, 0x02, 0, 30, 0, 14]);
    body.extend_from_slice(b"alice-phone123");
    let len = body.len() as u8;
    assert!(len < 128);
    let mut frame = vec![0x10, 0x10 ^ len, len];
    frame.extend(body);
    frame
}

/// A conversation of stream frames (client, server alternating as given).
fn frames() -> Vec<(Role, Vec<u8>)> {
    // taken from the demo's TCP recording, conn 0: every frame of one connection
    let (_, conv) = twcap(&fixture("demo-tcp.twcap"));
    conv.into_iter()
        .max_by_key(Vec::len)
        .unwrap()
        .into_iter()
        .map(|(r, b)| (r, b.to_vec()))
        .collect()
}

struct Conv {
    client: SocketAddr,
    server: SocketAddr,
    c_seq: u32,
    s_seq: u32,
    time: u64,
    out: Vec<Tcp>,
}

impl Conv {
    fn new(client: &str, server: &str, c_isn: u32, s_isn: u32) -> Self {
        Self {
            client: client.parse().unwrap(),
            server: server.parse().unwrap(),
            c_seq: c_isn,
            s_seq: s_isn,
            time: 1_700_000_000_000_000,
            out: Vec::new(),
        }
    }

    fn handshake(&mut self) {
        self.time += 10;
        let mut syn = Tcp::data(self.time, self.client, self.server, self.c_seq, b"");
        syn.syn = true;
        syn.ack = None;
        self.out.push(syn);
        let mut synack = Tcp::data(self.time, self.server, self.client, self.s_seq, b"");
        synack.syn = true;
        self.out.push(synack);
        self.c_seq = self.c_seq.wrapping_add(1);
        self.s_seq = self.s_seq.wrapping_add(1);
    }

    /// Sends bytes in segments of at most `mss`.
    fn send(&mut self, from: Role, bytes: &[u8], mss: usize) {
        for chunk in bytes.chunks(mss) {
            self.time += 10;
            let (src, dst, seq) = match from {
                Role::Client => (self.client, self.server, &mut self.c_seq),
                Role::Server => (self.server, self.client, &mut self.s_seq),
            };
            self.out.push(Tcp::data(self.time, src, dst, *seq, chunk));
            *seq = seq.wrapping_add(chunk.len() as u32);
        }
    }

    fn fin(&mut self, from: Role) {
        self.time += 10;
        let (src, dst, seq) = match from {
            Role::Client => (self.client, self.server, self.c_seq),
            Role::Server => (self.server, self.client, self.s_seq),
        };
        let mut fin = Tcp::data(self.time, src, dst, seq, b"");
        fin.fin = true;
        self.out.push(fin);
    }
}

fn demo_conv(client: &str, server: &str, c_isn: u32, mss: usize) -> Conv {
    let mut c = Conv::new(client, server, c_isn, 7_000);
    c.handshake();
    for (role, f) in frames() {
        c.send(role, &f, mss);
    }
    c.fin(Role::Client);
    c.fin(Role::Server);
    c
}

fn expected() -> Conversations {
    vec![
        frames()
            .into_iter()
            .map(|(r, b)| (r, Bytes::from(b)))
            .collect(),
    ]
}

#[test]
fn every_link_type_both_ip_versions_both_file_formats() {
    for link in Link::ALL {
        for (client, server) in [
            ("10.0.0.1:50000", "10.0.0.2:9000"),
            ("[2001:db8::1]:50000", "[2001:db8::2]:9000"),
        ] {
            let conv = demo_conv(client, server, 1_000, 7);
            for file in [
                synth::pcap_of(link, &conv.out),
                synth::pcapng_of(link, &conv.out),
            ] {
                let c = read(&file);
                assert_eq!(pcap_conversations(&c), expected(), "{link:?} {client}");
                assert_eq!(c.connections[0].client, client.parse().unwrap());
                assert!(c.notes.is_empty(), "{link:?}: {:?}", c.notes);
            }
        }
    }
}

#[test]
fn reordered_segments() {
    let mut conv = demo_conv("10.0.0.1:50000", "10.0.0.2:9000", 1_000, 5);
    // swap neighbours of the same direction after the handshake
    let n = conv.out.len();
    let mut i = 2;
    while i + 1 < n - 2 {
        if conv.out[i].src == conv.out[i + 1].src {
            conv.out.swap(i, i + 1);
            i += 2;
        } else {
            i += 1;
        }
    }
    let c = read(&synth::pcap_of(Link::Ethernet, &conv.out));
    assert_eq!(pcap_conversations(&c), expected());
    assert!(c.notes.is_empty(), "{:?}", c.notes);
}

#[test]
fn retransmissions_and_overlaps() {
    let mut conv = demo_conv("10.0.0.1:50000", "10.0.0.2:9000", 1_000, 6);
    let copies: Vec<Tcp> = conv.out.iter().skip(2).step_by(4).cloned().collect();
    conv.out.extend(copies);
    // an overlapping segment: the bytes of two segments at once
    let (a, b) = (conv.out[3].clone(), conv.out[4].clone());
    if a.src == b.src {
        let mut both = a.clone();
        both.payload.extend_from_slice(&b.payload);
        conv.out.insert(6, both);
    }
    let c = read(&synth::pcap_of(Link::Raw, &conv.out));
    assert_eq!(pcap_conversations(&c), expected());
    assert!(
        c.notes.iter().all(|n| n.text.contains("retransmitted")),
        "{:?}",
        c.notes
    );
    assert!(!c.notes.is_empty());
}

#[test]
fn sequence_numbers_wrap() {
    let conv = demo_conv("10.0.0.1:50000", "10.0.0.2:9000", u32::MAX - 40, 9);
    let c = read(&synth::pcapng_of(Link::Sll2, &conv.out));
    assert_eq!(pcap_conversations(&c), expected());
}

#[test]
fn start_not_captured_client_by_connect() {
    let mut conv = Conv::new("10.0.0.1:50000", "10.0.0.2:9000", 5_000, 9_000);
    // no handshake: the capture starts with the CONNECT
    for (role, f) in frames() {
        conv.send(role, &f, 1000);
    }
    let c = read(&synth::pcap_of(Link::Null, &conv.out));
    assert_eq!(pcap_conversations(&c), expected());
    assert_eq!(c.connections[0].client_by, ClientBy::Connect);
    // told outright
    let c = pcap::read(
        &synth::pcap_of(Link::Null, &conv.out),
        &Options {
            server_port: Some(9000),
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(c.connections[0].client_by, ClientBy::ServerPort);
    assert_eq!(pcap_conversations(&c), expected());
}

#[test]
fn start_not_captured_mid_frame_resynchronises() {
    let mut conv = Conv::new("10.0.0.1:50000", "10.0.0.2:9000", 5_000, 9_000);
    let all = frames();
    for (role, f) in &all {
        conv.send(*role, f, 1000);
    }
    // the capture starts 2 bytes into the first client frame
    conv.out[0].payload.drain(..2);
    conv.out[0].seq += 2;
    let c = pcap::read(
        &synth::pcap_of(Link::Ethernet, &conv.out),
        &Options {
            server_port: Some(9000),
            ..Options::default()
        },
    )
    .unwrap();
    let mut want = expected();
    want[0].remove(0);
    assert_eq!(pcap_conversations(&c), want);
    assert!(
        c.notes
            .iter()
            .any(|n| n.text.contains("resumed at a frame boundary")),
        "{:?}",
        c.notes
    );
}

#[test]
fn gap_is_reported_and_stream_framing_resumes() {
    let conv = demo_conv("10.0.0.1:50000", "10.0.0.2:9000", 1_000, 10_000);
    let all = frames();
    // packets: SYN, SYN-ACK, then one per frame; drop the 5th frame (a client PUBLISH)
    let lost = 4;
    assert_eq!(all[lost].0, Role::Client);
    let offset: usize = all[..lost]
        .iter()
        .filter(|(r, _)| *r == Role::Client)
        .map(|(_, f)| f.len())
        .sum();
    let mut packets = conv.out.clone();
    packets.remove(2 + lost);
    let c = read(&synth::pcap_of(Link::Ethernet, &packets));
    let mut want = expected();
    want[0].remove(lost);
    assert_eq!(pcap_conversations(&c), want);
    let gap = c
        .notes
        .iter()
        .find(|n| n.text.starts_with("gap of"))
        .expect("the gap is reported");
    assert_eq!(gap.conn, Some(0));
    assert_eq!(gap.sender, Some(Role::Client));
    assert_eq!(gap.offset, Some(offset as u64));
    assert_eq!(
        gap.text,
        format!("gap of {} bytes (not captured)", all[lost].1.len())
    );
    assert!(
        gap.to_string()
            .starts_with(&format!("conn 0 C→S byte {offset}: gap of"))
    );
}

#[test]
fn gap_inside_a_frame_resumes_at_the_next_boundary() {
    let conv = demo_conv("10.0.0.1:50000", "10.0.0.2:9000", 1_000, 4);
    let mut packets = conv.out.clone();
    // drop a segment in the middle of the first CONNECT (client bytes 4..8)
    packets.remove(3);
    let c = read(&synth::pcap_of(Link::Ethernet, &packets));
    let mut want = expected();
    want[0].remove(0);
    assert_eq!(pcap_conversations(&c), want);
    assert!(
        c.notes.iter().any(|n| n.text.contains("cut by a gap")),
        "{:?}",
        c.notes
    );
    assert!(
        c.notes.iter().any(|n| n.text.contains("resumed")),
        "{:?}",
        c.notes
    );
}

#[test]
fn rst_ends_a_direction() {
    let mut conv = demo_conv("10.0.0.1:50000", "10.0.0.2:9000", 1_000, 10_000);
    conv.out.pop();
    conv.out.pop();
    let mut rst = Tcp::data(conv.time + 1, conv.server, conv.client, conv.s_seq, b"");
    rst.rst = true;
    conv.out.push(rst);
    let c = read(&synth::pcap_of(Link::Ethernet, &conv.out));
    assert_eq!(pcap_conversations(&c), expected());
    assert!(
        c.notes.iter().any(|n| n.text.contains("RST")),
        "{:?}",
        c.notes
    );
}

/// A WebSocket frame.
fn ws_frame(fin: bool, opcode: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut out = vec![if fin { 0x80 } else { 0 } | opcode];
    let m = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => out.push(m | n as u8),
        n if n < 65536 => {
            out.push(m | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(m | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    let mut body = payload.to_vec();
    if let Some(k) = mask {
        out.extend_from_slice(&k);
        for (i, b) in body.iter_mut().enumerate() {
            *b ^= k[i % 4];
        }
    }
    out.extend_from_slice(&body);
    out
}

/// Message framing: the stream frames without checksum and length.
fn message_frames() -> Vec<(Role, Vec<u8>)> {
    let (_, conv) = twcap(&fixture("demo-ws.twcap"));
    conv.into_iter()
        .max_by_key(Vec::len)
        .unwrap()
        .into_iter()
        .map(|(r, b)| (r, b.to_vec()))
        .collect()
}

fn ws_conv() -> Conv {
    let mut c = Conv::new("[::1]:50000", "[::1]:8080", 1, 2);
    c.handshake();
    c.send(
        Role::Client,
        b"GET /rmtp HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        1000,
    );
    c.send(
        Role::Server,
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
        1000,
    );
    for (i, (role, f)) in message_frames().into_iter().enumerate() {
        let mask = (role == Role::Client).then_some([1, 2, 3, (i % 256) as u8]);
        let mut bytes = Vec::new();
        if i == 4 && f.len() > 4 {
            // fragmented, with a ping between the fragments
            bytes.extend(ws_frame(false, 2, &f[..3], mask));
            bytes.extend(ws_frame(true, 9, b"hi", mask));
            bytes.extend(ws_frame(false, 0, &f[3..4], mask));
            bytes.extend(ws_frame(true, 0, &f[4..], mask));
        } else {
            bytes.extend(ws_frame(true, 2, &f, mask));
        }
        if i == 2 {
            bytes.extend(ws_frame(true, 1, b"a text message", mask));
        }
        c.send(role, &bytes, 7);
    }
    c.send(
        Role::Client,
        &ws_frame(true, 8, &[0x03, 0xe8], Some([9, 9, 9, 9])),
        100,
    );
    c.send(Role::Server, &ws_frame(true, 8, &[0x03, 0xe8], None), 100);
    c
}

#[test]
fn websocket_upgrade_masking_fragments_and_close() {
    let conv = ws_conv();
    let c = read(&synth::pcapng_of(Link::Loop, &conv.out));
    let want = vec![
        message_frames()
            .into_iter()
            .map(|(r, b)| (r, Bytes::from(b)))
            .collect::<Vec<_>>(),
    ];
    assert_eq!(pcap_conversations(&c), want);
    assert_eq!(c.connections[0].framing, Framing::Message);
    assert_eq!(c.connections[0].ws_target.as_deref(), Some("/rmtp"));
    assert_eq!(c.skipped.text_messages, 1);
    assert!(c.notes.is_empty(), "{:?}", c.notes);
}

#[test]
fn websocket_frame_announcing_2_pow_63_bytes_is_damage() {
    let mut conv = ws_conv();
    let mut huge = vec![0x82, 0x7f];
    huge.extend_from_slice(&(1u64 << 63).to_be_bytes());
    huge.extend_from_slice(b"tiny");
    // before the close frames
    let close_c = conv.out.len() - 2;
    let mut seg = conv.out[close_c].clone();
    seg.payload = huge.clone();
    conv.out.insert(close_c, seg);
    for t in conv.out.iter_mut().skip(close_c + 1) {
        if t.src == conv.client {
            t.seq = t.seq.wrapping_add(huge.len() as u32);
        }
    }
    let c = read(&synth::pcap_of(Link::Ethernet, &conv.out));
    let note = c
        .notes
        .iter()
        .find(|n| n.text.contains("announces"))
        .expect("reported");
    assert!(note.text.contains("9223372036854775808"), "{note}");
    assert!(note.text.contains("damaged"), "{note}");
    assert_eq!(c.records.len(), message_frames().len());
}

#[test]
fn gap_in_websocket_marks_the_direction_damaged() {
    let mut conv = ws_conv();
    // drop a client segment in the middle of the messages
    let i = conv
        .out
        .iter()
        .enumerate()
        .filter(|(_, t)| t.src == conv.client && !t.payload.is_empty())
        .map(|(i, _)| i)
        .nth(30)
        .unwrap();
    conv.out.remove(i);
    let c = read(&synth::pcap_of(Link::Ethernet, &conv.out));
    assert!(
        c.notes
            .iter()
            .any(|n| n.sender == Some(Role::Client) && n.text.contains("marked damaged")),
        "{:?}",
        c.notes
    );
    // the server's direction is whole
    let server = c
        .records
        .iter()
        .filter(|r| r.sender == Role::Server)
        .count();
    let want = message_frames()
        .iter()
        .filter(|(r, _)| *r == Role::Server)
        .count();
    assert_eq!(server, want);
}

#[test]
fn other_traffic_is_counted_and_skipped() {
    let mut conv = demo_conv("10.0.0.1:50000", "10.0.0.2:9000", 1_000, 100);
    let mut http = Conv::new("10.0.0.1:50001", "10.0.0.2:80", 1, 1);
    http.handshake();
    http.send(Role::Client, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 100);
    http.send(
        Role::Server,
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        100,
    );
    let mut other = Conv::new("10.0.0.1:50002", "10.0.0.2:5432", 1, 1);
    other.handshake();
    other.send(Role::Client, b"\x00\x00\x00\x08\x04\xd2\x16\x2f", 100);
    conv.out.extend(http.out);
    conv.out.extend(other.out);
    let mut packets: Vec<(u64, Vec<u8>)> = conv
        .out
        .iter()
        .map(|t| (t.time_us, synth::link_packet(Link::Ethernet, t)))
        .collect();
    // an ARP packet and a UDP packet
    let mut arp = vec![0xff; 6];
    arp.extend([0, 0, 0, 0, 0, 1, 0x08, 0x06]);
    arp.extend([0u8; 28]);
    packets.push((0, arp));
    let mut udp = Vec::new();
    etherparse::PacketBuilder::ethernet2([0; 6], [0; 6])
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .udp(53, 53)
        .write(&mut udp, b"dns")
        .unwrap();
    packets.push((0, udp));
    let c = read(&synth::pcap(1, &packets));
    assert_eq!(pcap_conversations(&c), expected());
    assert_eq!(c.skipped.connections, 2);
    assert_eq!(c.skipped.packets.values().sum::<u64>(), 2);
}

// ---- bad input ----

#[test]
fn truncated_pcap_headers() {
    let file = synth::pcap_of(
        Link::Ethernet,
        &demo_conv("10.0.0.1:1", "10.0.0.2:2", 0, 50).out,
    );
    for len in [4, 10, 23] {
        assert!(matches!(
            pcap::read(&file[..len], &Options::default()),
            Err(Error::TruncatedHeader { .. })
        ));
    }
    let ng = synth::pcapng_of(
        Link::Ethernet,
        &demo_conv("10.0.0.1:1", "10.0.0.2:2", 0, 50).out,
    );
    for len in [4, 20] {
        assert!(pcap::read(&ng[..len], &Options::default()).is_err());
    }
    // and the CLI says so
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.pcap");
    std::fs::write(&path, &file[..10]).unwrap();
    let (ok, _, err) = cli(&["inspect", path.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("truncated pcap header: 10 bytes, the header needs 24"),
        "{err}"
    );
}

#[test]
fn a_record_longer_than_the_file_stops_reading_there() {
    let conv = demo_conv("10.0.0.1:1", "10.0.0.2:2", 0, 10_000);
    let mut file = synth::pcap_of(Link::Ethernet, &conv.out);
    // the last record (the server's FIN) announces more than is left
    let last_len = synth::link_packet(Link::Ethernet, conv.out.last().unwrap()).len();
    let at = file.len() - last_len - 8;
    file[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let c = read(&file);
    assert_eq!(pcap_conversations(&c), expected());
    assert!(
        c.notes.iter().any(|n| n.text.contains("cut short")),
        "{:?}",
        c.notes
    );
    // and a file cut inside a record
    let full = synth::pcapng_of(Link::Ethernet, &conv.out);
    let c = read(&full[..full.len() - 10]);
    assert!(
        c.notes.iter().any(|n| n.text.contains("cut short")),
        "{:?}",
        c.notes
    );
}

#[test]
fn unknown_link_type() {
    let file = synth::pcap(147, &[(0, vec![1, 2, 3])]);
    let e = pcap::read(&file, &Options::default()).unwrap_err();
    assert!(matches!(e, Error::UnknownLinkType { linktype: 147 }));
    assert!(e.to_string().contains("unsupported link type"), "{e}");
    // in pcapng, per interface: its packets are counted and skipped
    let c = read(&synth::pcapng(147, &[(0, vec![1, 2, 3])]));
    assert_eq!(c.skipped.packets.values().sum::<u64>(), 1);
}

#[test]
fn tcp_header_with_a_bad_data_offset_is_skipped() {
    let conv = demo_conv("10.0.0.1:1", "10.0.0.2:2", 0, 10_000);
    let mut packets: Vec<(u64, Vec<u8>)> = conv
        .out
        .iter()
        .map(|t| (t.time_us, synth::link_packet(Link::Raw, t)))
        .collect();
    // data offset 1 and 4 (below 5), and 15 (60 bytes, past the end of a SYN)
    for (packet, offset) in [(2, 0x10u8), (3, 0x40), (0, 0xf0)] {
        let mut bad = synth::link_packet(Link::Raw, &conv.out[packet]);
        bad[20 + 12] = offset;
        packets.push((0, bad));
    }
    let c = read(&synth::pcap(101, &packets));
    assert_eq!(pcap_conversations(&c), expected());
    assert_eq!(c.skipped.packets.values().sum::<u64>(), 3);
}

// ---- the Wireshark dissector ----

fn tshark_available() -> bool {
    let found = Command::new("tshark").arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "tshark is missing and CI is set: .ci/run installs it (apt-get install tshark)"
        );
        eprintln!("note: tshark is not installed; the dissector test is skipped");
    }
    found
}

const FIELDS: &[(&str, &str)] = &[
    ("timwire.direction", "from"),
    ("timwire.type", "type"),
    ("timwire.dup", "dup"),
    ("timwire.qos", "qos"),
    ("timwire.retain", "retain"),
    ("timwire.msgid", "msgId"),
    ("timwire.topic", "topic"),
    ("timwire.targetid", "targetId"),
    ("timwire.status", "status"),
    ("timwire.date", "date"),
    ("timwire.millisecond", "millisecond"),
    ("timwire.messageuid", "messageUId"),
    ("timwire.protocolid", "protocolId"),
    ("timwire.version", "version"),
    ("timwire.keepalive", "keepAlive"),
    ("timwire.clientid", "clientId"),
    ("timwire.appid", "appId"),
    ("timwire.token", "token"),
    ("timwire.userid", "userId"),
    ("timwire.sessionid", "sessionId"),
    ("timwire.timestamp", "timestamp"),
    ("timwire.data", "data"),
];

fn tshark(file: &Path, extra: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contrib/wireshark/timwire.lua");
    let mut args = vec![
        "-X".to_owned(),
        format!("lua_script:{}", script.display()),
        "-r".to_owned(),
        file.display().to_string(),
        "-Y".to_owned(),
        "timwire".to_owned(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = Command::new("tshark").args(&args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "tshark failed: {err}");
    assert!(!err.contains("Lua: Error"), "{err}");
    String::from_utf8(out.stdout).unwrap()
}

/// What `timwire decode --json` says of each field, as tshark prints it.
fn expected_fields(j: &Value) -> Vec<String> {
    FIELDS
        .iter()
        .map(|(_, key)| match (key, j.get(key)) {
            (&"from", Some(Value::String(s))) => {
                if s == "client" { "C→S" } else { "S→C" }.to_owned()
            }
            (&"type", Some(Value::String(s))) => {
                // The type's number, as tshark prints it: named by the header crate's table.
                (0..=15u8)
                    .find(|&n| MessageType::from_nibble(n).name() == Some(s.as_str()))
                    .unwrap()
                    .to_string()
            }
            (_, Some(Value::Bool(b))) => u8::from(*b).to_string(),
            (_, Some(Value::String(s))) => s.clone(),
            (_, Some(v @ Value::Number(_))) => v.to_string(),
            _ => String::new(),
        })
        .collect()
}

#[test]
fn tshark_dissects_every_frame_like_timwire() {
    if !tshark_available() {
        return;
    }
    for capture in [
        "demo-tcp.pcap",
        "demo-ws.pcap",
        "demo-ws.pcapng",
        "demo-tcp-any.pcap",
    ] {
        let path = fixture(capture);
        let mut args = vec!["-T", "fields", "-E", "occurrence=f"];
        for (f, _) in FIELDS {
            args.extend(["-e", f]);
        }
        let got: Vec<Vec<String>> = tshark(&path, &args)
            .lines()
            .map(|l| l.split('\t').map(str::to_owned).collect())
            .collect();
        let (ok, json, err) = cli(&["decode", "-i", path.to_str().unwrap(), "--json"]);
        assert!(ok, "{err}");
        let want: Vec<Vec<String>> = json
            .lines()
            .map(|l| expected_fields(&serde_json::from_str(l).unwrap()))
            .collect();
        assert_eq!(got.len(), 17, "{capture}");
        assert_eq!(got, want, "{capture}");
    }
    // the column a person scans
    let info = tshark(
        &fixture("demo-tcp.pcap"),
        &["-T", "fields", "-e", "_ws.col.Info"],
    );
    assert!(
        info.lines()
            .any(|l| l == "PUBLISH msgId=1 topic=timMsg → bob"),
        "{info}"
    );
}

#[test]
fn tshark_reassembles_split_frames_and_flags_bad_checksums() {
    if !tshark_available() {
        return;
    }
    // every frame cut into 3-byte segments, and one PINGREQ with a wrong checksum
    let mut conv = Conv::new("10.0.0.1:50000", "10.0.0.2:9000", 1, 1);
    conv.handshake();
    conv.send(Role::Client, &connect(), 3);
    conv.send(Role::Server, &[0x20, 0x22, 0x02, 0x00, 0x00], 3);
    conv.send(Role::Client, &[0xC0, 0xC1, 0x00, 0xC0, 0xC0, 0x00], 6);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("split.pcap");
    std::fs::write(&path, synth::pcap_of(Link::Ethernet, &conv.out)).unwrap();
    let out = tshark(
        &path,
        &[
            "-T",
            "fields",
            "-e",
            "timwire.type",
            "-e",
            "timwire.checksum.ok",
            "-e",
            "timwire.clientid",
            "-e",
            "_ws.expert.message",
        ],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("1\t1\talice-phone123"), "{out}");
    assert!(lines[1].starts_with("2\t1"), "{out}");
    assert!(lines[2].starts_with("12,12\t0,1"), "{out}");
    assert!(
        lines[2].contains("Bad checksum 0xc1 (expected 0xc0)"),
        "{out}"
    );
}

#[test]
fn tshark_reads_synthetic_captures() {
    if !tshark_available() {
        return;
    }
    let types = |frames: &[(Role, Vec<u8>)]| -> Vec<String> {
        frames
            .iter()
            .map(|(r, f)| {
                let dir = if *r == Role::Client { "C→S" } else { "S→C" };
                format!("{dir} {}", f[0] >> 4)
            })
            .collect()
    };
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // IPv6 over SLL2, every frame cut into 7-byte segments
        (
            "v6-sll2.pcapng",
            synth::pcapng_of(
                Link::Sll2,
                &demo_conv("[2001:db8::1]:50000", "[2001:db8::2]:9000", 1, 7).out,
            ),
            types(&frames()),
        ),
        // WebSocket over IPv6 loopback (BSD loop), fragmented message, ping, text, close
        (
            "ws-loop.pcap",
            synth::pcap_of(Link::Loop, &ws_conv().out),
            types(&message_frames()),
        ),
    ];
    for (name, bytes, want) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = tshark(
            &path,
            &[
                "-T",
                "fields",
                "-e",
                "timwire.direction",
                "-e",
                "timwire.type",
            ],
        );
        let got: Vec<String> = out
            .lines()
            .flat_map(|l| {
                let (d, t) = l.split_once('\t').unwrap();
                d.split(',')
                    .zip(t.split(','))
                    .map(|(d, t)| format!("{d} {t}"))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn convert_mixed_transports_to_stream_framing() {
    let mut packets = demo_conv("10.0.0.1:50000", "10.0.0.2:9000", 1, 100).out;
    let mut ws = ws_conv();
    // the same IP version for one link: move the WebSocket conversation to IPv4
    for t in &mut ws.out {
        let (c, s) = ("10.0.0.3".parse().unwrap(), "10.0.0.4".parse().unwrap());
        let from_client = t.src.port() == 50000;
        t.src = SocketAddr::new(if from_client { c } else { s }, t.src.port());
        t.dst = SocketAddr::new(if from_client { s } else { c }, t.dst.port());
        t.time_us += 1_000_000;
    }
    packets.extend(ws.out);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("mixed.pcap");
    std::fs::write(&input, synth::pcap_of(Link::Ethernet, &packets)).unwrap();
    let output = dir.path().join("mixed.twcap");
    let (ok, out, err) = cli(&["convert", input.to_str().unwrap(), output.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("of 2 connections (stream framing)"), "{out}");
    assert!(out.contains("10.0.0.3:50000 → 10.0.0.4:8080 (ws)"), "{out}");
    assert!(out.contains("skipped: 1 WebSocket text messages"), "{out}");
    let (framing, conv) = twcap(&output);
    assert_eq!(framing, Framing::Stream);
    // the WebSocket frames, re-encoded with the stream prefix, are the TCP ones
    assert_eq!(conv.len(), 2);
    let tcp_frames: Vec<_> = frames().into_iter().map(|(_, f)| f).collect();
    let (ok, inspect, err) = cli(&["inspect", output.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(
        inspect.contains("summary: 22 records, 2 connections"),
        "{inspect}"
    );
    assert!(
        tcp_frames
            .iter()
            .all(|f| conv.iter().any(|c| c.iter().any(|(_, g)| g == f)))
    );
}

/// Writes synthetic seeds for the `capture` fuzz target next to the demo captures:
/// `cargo test -p timwire-cli --test pcap -- --ignored write_fuzz_seeds`.
#[test]
#[ignore = "writes fuzz/corpus/capture/"]
fn write_fuzz_seeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/capture");
    std::fs::create_dir_all(&dir).unwrap();
    let mut gap = demo_conv("10.0.0.1:50000", "10.0.0.2:9000", u32::MAX - 20, 9).out;
    gap.remove(7);
    gap.swap(3, 4);
    let seeds = [
        (
            "synth-ethernet-gap-wrap.pcap",
            synth::pcap_of(Link::Ethernet, &gap),
        ),
        (
            "synth-sll-v6.pcapng",
            synth::pcapng_of(
                Link::Sll,
                &demo_conv("[2001:db8::1]:50000", "[2001:db8::2]:9000", 1, 40).out,
            ),
        ),
        (
            "synth-ws-loop.pcap",
            synth::pcap_of(Link::Loop, &ws_conv().out),
        ),
        (
            "synth-ws-null.pcapng",
            synth::pcapng_of(Link::Null, &ws_conv().out),
        ),
        (
            "synth-raw-nosyn.pcap",
            synth::pcap_of(
                Link::Raw,
                &demo_conv("10.0.0.1:1", "10.0.0.2:2", 5, 1000).out[2..],
            ),
        ),
    ];
    for (name, bytes) in seeds {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

#[test]
fn tshark_dissects_subscriptions_wills_and_server_disconnects() {
    if !tshark_available() {
        return;
    }
    // CONNECT with a will, appId and token; SUBSCRIBE/SUBACK, UNSUBSCRIBE/UNSUBACK; a
    // S→C DISCONNECT (stream framing, each checksum = header ^ length)
    let str16 = |s: &str| {
        let mut v = (s.len() as u16).to_be_bytes().to_vec();
        v.extend_from_slice(s.as_bytes());
        v
    };
    let frame = |header: u8, body: Vec<u8>| {
        let len = body.len() as u8;
        assert!(len < 128);
        let mut f = vec![header, header ^ len, len];
        f.extend(body);
        f
    };
    let mut connect = str16("RCloud");
    connect.extend([3, 0x80 | 0x40 | 0x20 | 0x08 | 0x04 | 0x02, 0, 60]);
    for s in ["dev", "will/topic", "bye", "app", "tok"] {
        connect.extend(str16(s));
    }
    let mut subscribe = vec![0, 7];
    subscribe.extend(str16("a/b"));
    subscribe.push(1);
    let mut unsubscribe = vec![0, 8];
    unsubscribe.extend(str16("a/b"));
    let frames = [
        (Role::Client, frame(0x10, connect)),
        (Role::Server, frame(0x20, vec![0, 0])),
        (Role::Client, frame(0x82, subscribe)),
        (Role::Server, frame(0x90, vec![0, 7, 1, 0x80])),
        (Role::Client, frame(0xA2, unsubscribe)),
        (Role::Server, frame(0xB0, vec![0, 8])),
        (Role::Server, frame(0xE0, vec![0, 1])),
    ];
    let mut conv = Conv::new("10.0.0.1:50000", "10.0.0.2:9000", 1, 1);
    conv.handshake();
    for (role, f) in &frames {
        conv.send(*role, f, 1000);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("subs.pcap");
    std::fs::write(&path, synth::pcap_of(Link::Ethernet, &conv.out)).unwrap();
    // timwire decodes every one of them
    let (ok, out, err) = cli(&["decode", "-i", path.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with('#')).count(),
        7,
        "{out}"
    );
    let fields = [
        "timwire.direction",
        "timwire.type",
        "timwire.qos",
        "timwire.msgid",
        "timwire.topic",
        "timwire.subscribe_qos",
        "timwire.granted_qos",
        "timwire.status",
        "timwire.connect_flags.will",
        "timwire.connect_flags.will_qos",
        "timwire.connect_flags.will_retain",
        "timwire.willtopic",
        "timwire.will",
        "timwire.appid",
        "timwire.token",
        "timwire.clientid",
    ];
    let mut args = vec!["-T", "fields"];
    for f in fields {
        args.extend(["-e", f]);
    }
    let got = tshark(&path, &args);
    let want = [
        "C→S\t1\t0\t\t\t\t\t\t1\t1\t1\twill/topic\tbye\tapp\ttok\tdev",
        "S→C\t2\t0\t\t\t\t\t0\t\t\t\t\t\t\t\t",
        "C→S\t8\t1\t7\ta/b\t1\t\t\t\t\t\t\t\t\t\t",
        "S→C\t9\t0\t7\t\t\t0x01,0x80\t\t\t\t\t\t\t\t\t",
        "C→S\t10\t1\t8\ta/b\t\t\t\t\t\t\t\t\t\t\t",
        "S→C\t11\t0\t8\t\t\t\t\t\t\t\t\t\t\t\t",
        "S→C\t14\t0\t\t\t\t\t1\t\t\t\t\t\t\t\t",
    ];
    assert_eq!(got.lines().collect::<Vec<_>>(), want, "{got}");
}

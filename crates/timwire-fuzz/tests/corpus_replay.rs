//! Replays every committed corpus file and crash regression through the fuzz target bodies, on
//! stable, as part of `cargo test`. `write_seed_corpus` (ignored) regenerates the seeds:
//! `cargo test -p timwire-fuzz --test corpus_replay -- --ignored write_seed_corpus`.

use std::fs;
use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};
use prost::Message as _;
use timwire::proto::tim;
use timwire::signal::*;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn replay_committed_corpora_and_regressions() {
    let mut total = 0;
    for (name, target) in timwire_fuzz::TARGETS {
        let corpus = files(&fuzz_dir().join("corpus").join(name));
        assert!(!corpus.is_empty(), "no committed seed corpus for {name}");
        let regressions = files(&fuzz_dir().join("regressions").join(name));
        for file in corpus.iter().chain(&regressions) {
            let data = fs::read(file).unwrap();
            // A panic here names the file through the test output.
            eprintln!("{name}: {}", file.display());
            target(&data);
            total += 1;
        }
    }
    assert!(total > 0);
}

fn client_samples() -> Vec<ClientPacket> {
    let mut connect = Connect::new("device-1");
    connect.app_id = Some("tim.example".into());
    connect.token = Some("token".into());
    connect.will = Some(Will {
        topic: "lwt".into(),
        message: "bye".into(),
        qos: QoS::AtLeastOnce,
        retain: true,
    });
    let message = tim::TimMessage {
        ms_type: 2,
        od_type: 1,
        data_string: Some("hi 😀".into()),
        ..Default::default()
    };
    vec![
        connect.into(),
        ClientPublish::new(
            QoS::AtLeastOnce,
            "timMsg",
            "bob",
            2,
            Bytes::from(message.encode_to_vec()),
        )
        .into(),
        ClientPublish::new(
            QoS::AtLeastOnce,
            "ppMsgP",
            "bob",
            3,
            Bytes::from_static(b"\x08\x03\x12\x09RC:TxtMsg\x1a\x02{}"),
        )
        .into(),
        ClientPubAck::new(0x0102).into(),
        Query::new(
            QoS::AtLeastOnce,
            "pullMsg",
            "u1",
            1,
            Bytes::from_static(b"\x08\x00\x10\x00"),
        )
        .into(),
        QueryCon::new(7).into(),
        Subscribe::new(
            9,
            Subscriptions::new([("s_msg", QoS::AtLeastOnce), ("s_ntf", QoS::AtMostOnce)]).unwrap(),
        )
        .into(),
        Unsubscribe::new(10, Topics::new(["s_msg"]).unwrap()).into(),
        PingReq::default().into(),
        Disconnect::new(DisconnectStatus::LOGOUT).into(),
    ]
}

fn server_samples() -> Vec<ServerPacket> {
    vec![
        ConnAck::new(ConnAckStatus::ACCEPTED).into(),
        ConnAck::accepted("u1", "session-1", 1_700_000_000_123).into(),
        ServerPublish::new(
            QoS::AtLeastOnce,
            1_700_000_000,
            "s_msg",
            "alice",
            5,
            Bytes::from_static(b"\x0a\x01x"),
        )
        .into(),
        ServerPubAck {
            flags: Flags::NONE,
            msg_id: 2,
            date: 1_700_000_000,
            status: AckStatus::SUCCESS,
            millisecond: 500,
            message_uid: Some("BFD2-J3K4".into()),
        }
        .into(),
        ServerPubAck {
            flags: Flags::NONE,
            msg_id: 2,
            date: 1,
            status: AckStatus::NOT_IN_GROUP,
            millisecond: 0,
            message_uid: None,
        }
        .into(),
        QueryAck::new(
            QoS::AtLeastOnce,
            1,
            1_700_000_000,
            AckStatus::SUCCESS,
            Bytes::from_static(b"\x0a\x00"),
        )
        .into(),
        SubAck::new(9, Bytes::from_static(&[1, 0, 0x80])).into(),
        UnsubAck::new(10).into(),
        PingResp::default().into(),
        Disconnect::new(DisconnectStatus::OTHER_DEVICE_LOGIN).into(),
    ]
}

fn write(target: &str, name: &str, data: &[u8]) {
    let dir = fuzz_dir().join("corpus").join(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(name), data).unwrap();
}

#[test]
#[ignore = "writes files: run by hand to regenerate the seed corpora"]
fn write_seed_corpus() {
    let options = EncodeOptions::default();
    let mut stream = BytesMut::new();
    for (i, p) in client_samples().iter().enumerate() {
        write(
            "message_decode",
            &format!("client-{i:02}"),
            &p.to_bytes(Framing::Message, &options).unwrap(),
        );
        p.encode(Framing::Stream, &options, &mut stream).unwrap();
    }
    for (i, p) in server_samples().iter().enumerate() {
        write(
            "message_decode",
            &format!("server-{i:02}"),
            &p.to_bytes(Framing::Message, &options).unwrap(),
        );
        p.encode(Framing::Stream, &options, &mut stream).unwrap();
    }
    // [limit selector = default][3 chunk sizes][stream]; and one frame per file, byte by byte.
    write(
        "stream_decoder",
        "all-frames",
        &[&[17u8, 3, 1, 5, 64][..], &stream].concat(),
    );
    write("stream_decoder", "pingreq", &[17, 1, 1, 0xC0, 0xC0, 0x00]);
    write(
        "stream_decoder",
        "puback-small-limit",
        &[1, 0, 0x40, 0x42, 0x02, 0x01, 0x02],
    );

    let message = tim::TimMessage {
        ms_type: 2,
        od_type: 1,
        mid: Some(1 << 60),
        data_string: Some("hi".into()),
        to_list: vec!["a".into()],
        ..Default::default()
    };
    let presence = tim::TimPresence {
        sub_status: Some(1),
        show: Some(2),
        status: Some("away".into()),
        ..Default::default()
    };
    // [selector: tim, client publish][topic index][data]; index 0 = timMsg, 2 = timPres.
    write(
        "payload_decode",
        "tim-message",
        &[&[0u8, 0][..], &message.encode_to_vec()].concat(),
    );
    write(
        "payload_decode",
        "tim-presence",
        &[&[0u8, 2][..], &presence.encode_to_vec()].concat(),
    );
    write(
        "payload_decode",
        "rongcloud-upstream",
        &[&[1u8, 0][..], b"\x08\x03\x12\x09RC:TxtMsg\x1a\x02{}"].concat(),
    );

    // The sample capture of the CLI, strict ([0x13]: 1 MiB limit) and skipping damage ([0x93]).
    let capture = fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../timwire-cli/tests/data/demo.twcap"),
    )
    .unwrap();
    write(
        "capture_reader",
        "demo-strict",
        &[&[0x13u8][..], &capture].concat(),
    );
    write(
        "capture_reader",
        "demo-skip-damaged",
        &[&[0x93u8][..], &capture].concat(),
    );
    let mut damaged = capture.clone();
    damaged[40] ^= 0xFF;
    write(
        "capture_reader",
        "demo-flipped-byte",
        &[&[0x93u8][..], &damaged].concat(),
    );

    for (i, seed) in [
        &b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09"[..],
        b"\x01timMsg bob hello",
        b"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8",
    ]
    .iter()
    .enumerate()
    {
        write("roundtrip", &format!("seed-{i}"), seed);
    }
}

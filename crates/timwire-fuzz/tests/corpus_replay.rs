//! Replays every committed corpus file and crash regression through the fuzz target bodies, on
//! stable, as part of `cargo test`. `write_seed_corpus` (ignored) regenerates the seeds:
//! `cargo test -p timwire-fuzz --test corpus_replay -- --ignored write_seed_corpus`.

use std::fs;
use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};
use prost::Message as _;
use timwire::proto::{conversation, rongcloud, tim};
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

    for (name, data) in payload_view_seeds() {
        write("payload_view", &name, &data);
    }

    // [selector: sender with a domain, message number 20][the client's TimMessage]
    for (name, message) in relay_patch_seeds() {
        write("relay_patch", name, &[&[41u8][..], &message].concat());
    }

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

/// The selector byte of `payload_view` that picks the message type `name`.
fn view_selector(name: &str) -> u8 {
    let index = timwire_fuzz::view_types()
        .iter()
        .position(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("{name} is not in for_each_message!"));
    u8::try_from(index).unwrap()
}

/// Seeds of `payload_view`: `[selector][payload]`, valid encodings of several message types
/// (nested, repeated, maps, a oneof, proto2 required fields, a double), the same payloads
/// concatenated (protobuf merge), and malformed ones.
fn payload_view_seeds() -> Vec<(String, Vec<u8>)> {
    let tid = |node: &str| tim::Tid {
        domain: Some("tim.example".into()),
        node: node.into(),
        resource: Some("phone".into()),
        extend: [("k".to_string(), "v".to_string())].into(),
        ..Default::default()
    };
    let message = tim::TimMessage {
        ms_type: 2,
        od_type: 1,
        mid: Some(1 << 60),
        from_tid: Some(tid("alice")),
        to_tid: Some(tid("bob")),
        data_binary: Some(Bytes::from_static(b"\x00\xff")),
        data_string: Some("hi 😀 中文".into()),
        extend: [("lang".to_string(), "en".to_string())].into(),
        extra: [("blob".to_string(), Bytes::from_static(b"\x01"))].into(),
        to_list: vec!["bob".into(), "carol".into()],
        ..Default::default()
    };
    let list = tim::TimMessageList {
        id: Some(7),
        message_list: vec![message.clone(), tim::TimMessage::default()],
    };
    let presence = tim::TimPresence {
        sub_status: Some(1),
        show: Some(2),
        status: Some("away".into()),
        from_tid: Some(tid("alice")),
        to_list: vec!["x".into()],
        ..Default::default()
    };
    let down = rongcloud::DownStreamMessage {
        from_user_id: "u1".into(),
        r#type: 3,
        group_id: Some("g1".into()),
        classname: "RC:TxtMsg".into(),
        content: Bytes::from_static(br#"{"content":"hi"}"#),
        data_time: 1_700_000_000_000,
        status: 2,
        msg_id: Some("BFD2-J3K4".into()),
        ..Default::default()
    };
    let downs = rongcloud::DownStreamMessages {
        list: vec![down.clone(), down.clone()],
        sync_time: 1_700_000_000_001,
        finished: Some(true),
    };
    let up = rongcloud::UpStreamMessage {
        session_id: 3,
        classname: "RC:TxtMsg".into(),
        content: Bytes::from_static(b"{}"),
        user_id: vec!["a".into(), "b".into()],
        push_ext: Some(rongcloud::PushExtra {
            title: Some("t".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let location = conversation::Location {
        title: "here".into(),
        latitude: 31.2,
        longitude: -121.5,
    };
    let jump = conversation::HistoryJumpRequest {
        conversation_id: "GROUPteam1".into(),
        direction: 1,
        count: 15,
        anchor: Some(conversation::history_jump_request::Anchor::Time(
            1_700_000_000_000,
        )),
    };
    let valid: Vec<(&str, &str, Vec<u8>)> = vec![
        ("tim-message", "tim.TimMessage", message.encode_to_vec()),
        (
            "tim-message-list",
            "tim.TimMessageList",
            list.encode_to_vec(),
        ),
        ("tim-presence", "tim.TimPresence", presence.encode_to_vec()),
        ("tim-tid", "tim.Tid", tid("n").encode_to_vec()),
        (
            "rc-downstream",
            "rongcloud.DownStreamMessage",
            down.encode_to_vec(),
        ),
        (
            "rc-downstreams",
            "rongcloud.DownStreamMessages",
            downs.encode_to_vec(),
        ),
        (
            "rc-upstream",
            "rongcloud.UpStreamMessage",
            up.encode_to_vec(),
        ),
        (
            "conv-location",
            "timwire.conversation.Location",
            location.encode_to_vec(),
        ),
        (
            "conv-jump",
            "timwire.conversation.HistoryJumpRequest",
            jump.encode_to_vec(),
        ),
    ];
    let mut seeds = Vec::new();
    let mut seed = |name: String, type_name: &str, payload: &[u8]| {
        seeds.push((name, [&[view_selector(type_name)][..], payload].concat()));
    };
    for (name, type_name, bytes) in &valid {
        seed(name.to_string(), type_name, bytes);
        // Concatenation is merge: scalars twice, nested messages twice, maps and lists grow.
        seed(
            format!("{name}-twice"),
            type_name,
            &[&bytes[..], bytes].concat(),
        );
        // Truncated in the middle.
        seed(
            format!("{name}-truncated"),
            type_name,
            &bytes[..bytes.len() / 2],
        );
    }
    // Empty payloads: every proto2 required field missing, defaults everywhere.
    for type_name in [
        "rongcloud.DownStreamMessage",
        "tim.TimMessage",
        "rongcloud.SyncRequestMsg",
    ] {
        seed(format!("empty-{type_name}"), type_name, &[]);
    }
    // Malformed: wire type 7, field number 0, an 11-byte varint, a length past the end,
    // invalid UTF-8 in a string (TimMessage.dataString), an unknown group and nested unknown
    // groups past the recursion limit, a wrong wire type on a known field, an end group alone.
    let malformed: [(&str, &str, Vec<u8>); 9] = [
        ("wire-type-7", "tim.TimMessage", vec![0x0F, 0x01]),
        ("field-number-0", "tim.TimMessage", vec![0x00, 0x01]),
        (
            "varint-11-bytes",
            "tim.TimMessage",
            [&[0x08u8][..], &[0xFF; 10], &[0x01]].concat(),
        ),
        ("length-past-end", "tim.TimMessage", vec![0x52, 0x05, b'a']),
        (
            "invalid-utf8",
            "tim.TimMessage",
            vec![0x52, 0x02, 0xC3, 0x28],
        ),
        (
            "unknown-group",
            "tim.Tid",
            vec![0xA3, 0x06, 0x08, 0x01, 0xA4, 0x06],
        ),
        (
            "groups-101-deep",
            "tim.Tid",
            [[0xA3u8, 0x06].repeat(101), [0xA4u8, 0x06].repeat(101)].concat(),
        ),
        (
            "wrong-wire-type",
            "tim.TimMessage",
            vec![0x32, 0x00, 0x30, 0x01],
        ),
        (
            "end-group-alone",
            "rongcloud.DownStreamMessages",
            vec![0x0C],
        ),
    ];
    for (name, type_name, bytes) in malformed {
        seed(name.to_string(), type_name, &bytes);
    }
    seeds
}

/// Client TimMessages as a tim server relays them: user → user, user → room with a map, a
/// list and binary data, a stream (no `mid` set), and one whose bytes repeat fields, put the
/// server's fields first and end with unknown fields.
fn relay_patch_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let tid = |node: &str, domain: Option<&str>| tim::Tid {
        node: node.into(),
        domain: domain.map(Into::into),
        ..Default::default()
    };
    let user = tim::TimMessage {
        ms_type: 2,
        od_type: 1,
        to_tid: Some(tid("bob", Some("claimed"))),
        data_string: Some("hello 😀".into()),
        ..Default::default()
    };
    let room = tim::TimMessage {
        ms_type: 3,
        od_type: 1,
        room_tid: Some(tid("room-7", None)),
        data_binary: Some(vec![7u8; 40].into()),
        extend: [("k".to_owned(), "v".to_owned())].into_iter().collect(),
        to_list: vec!["carol".into(), "dave".into()],
        udtype: Some(-1),
        ..Default::default()
    };
    let stream = tim::TimMessage {
        od_type: 5,
        data_string: Some("typing".into()),
        ..user.clone()
    };
    let mut messy = tim::TimMessage {
        id: Some(-9),
        mid: Some(3),
        from_tid: Some(tid("mallory", Some("x"))),
        timestamp: Some(1),
        ..Default::default()
    }
    .encode_to_vec();
    messy.extend(user.encode_to_vec());
    messy.extend(
        tim::TimMessage {
            to_tid: Some(tim::Tid {
                resource: Some("phone".into()),
                ..Default::default()
            }),
            data_string: Some("again".into()),
            ..Default::default()
        }
        .encode_to_vec(),
    );
    // Unknown fields: 20 (varint) and 99 (length-delimited).
    messy.extend([0xA0, 0x01, 0x05, 0x9A, 0x06, 0x02, b'h', b'i']);
    vec![
        ("user", user.encode_to_vec()),
        ("room", room.encode_to_vec()),
        ("stream", stream.encode_to_vec()),
        ("repeated-and-unknown", messy),
    ]
}

/// The `relay_patch` seeds get past prost and the relay's rules, so the fuzzer starts from
/// inputs that reach the patch (and does not only mutate rejected ones).
#[test]
fn relay_patch_seeds_reach_the_patch() {
    use timwire_session::relay::UidGenerator;
    use timwire_session::relay::tim::Forwarded;

    let sender = tim::Tid {
        node: "alice".into(),
        ..Default::default()
    };
    for (name, bytes) in relay_patch_seeds() {
        let message = tim::TimMessage::decode(&bytes[..]).expect(name);
        let stamp = UidGenerator::new(1).next(1_000).unwrap();
        let forwarded = Forwarded::new(&sender, message, stamp, 20)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .with_client_bytes(&bytes);
        let payload = forwarded.publish(1).data;
        let sent = tim::TimMessage::decode(payload.clone()).unwrap();
        assert_eq!(&sent, forwarded.message(), "{name}");
        if name == "repeated-and-unknown" {
            // This client sent dataString twice; a re-encoding writes only the last value, the
            // patch copies both occurrences as they came: this seed went through the patch.
            assert_ne!(payload, forwarded.message().encode_to_vec(), "{name}");
            let has = |needle: &[u8]| payload.windows(needle.len()).any(|w| w == needle);
            assert!(
                has("hello 😀".as_bytes()) && has(b"again"),
                "{name}: not the client's bytes"
            );
        }
    }
}

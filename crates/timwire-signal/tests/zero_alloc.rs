//! Decoding a frame whose strings are valid UTF-8 allocates nothing, from `&[u8]` and from
//! `Bytes`, in both framings; the stream decoder does not grow its buffer for a rejected frame.

use std::alloc::System;

use bytes::{Bytes, BytesMut};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use timwire_signal::*;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Runs `f` and counts the allocations (and reallocations) it made. The counter is
/// process-wide, so this file holds a single `#[test]` that runs the checks one after another.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let region = Region::new(GLOBAL);
    let out = f();
    let stats = region.change();
    (out, stats.allocations + stats.reallocations)
}

fn client_samples() -> Vec<ClientPacket> {
    let mut connect = Connect::new("device-1");
    connect.app_id = Some("app".into());
    connect.token = Some("token-中文".into());
    connect.will = Some(Will {
        topic: "lwt".into(),
        message: "bye".into(),
        qos: QoS::AtLeastOnce,
        retain: false,
    });
    vec![
        connect.into(),
        ClientPublish::new(
            QoS::AtLeastOnce,
            "ppMsgP",
            "bob-😀",
            2,
            Bytes::from(vec![7u8; 1024]),
        )
        .into(),
        ClientPubAck::new(3).into(),
        Query::new(
            QoS::AtLeastOnce,
            "pullMsg",
            "u1",
            4,
            Bytes::from_static(b"\x08\x00"),
        )
        .into(),
        QueryCon::new(5).into(),
        Subscribe::new(
            6,
            Subscriptions::new([("s_msg", QoS::AtLeastOnce), ("s_ntf", QoS::AtMostOnce)]).unwrap(),
        )
        .into(),
        Unsubscribe::new(7, Topics::new(["s_msg"]).unwrap()).into(),
        PingReq::default().into(),
        Disconnect::new(DisconnectStatus::LOGOUT).into(),
    ]
}

fn server_samples() -> Vec<ServerPacket> {
    vec![
        ConnAck::accepted("u1", "session", 1_700_000_000_000).into(),
        ServerPublish::new(
            QoS::AtLeastOnce,
            1_700_000_000,
            "s_msg",
            "alice",
            2,
            Bytes::from(vec![1u8; 65536]),
        )
        .into(),
        ServerPubAck {
            flags: Flags::NONE,
            msg_id: 2,
            date: 1,
            status: AckStatus::SUCCESS,
            millisecond: 3,
            message_uid: Some("UID".into()),
        }
        .into(),
        QueryAck::new(
            QoS::AtLeastOnce,
            4,
            1,
            AckStatus::SUCCESS,
            Bytes::from_static(b"\x0a\x00"),
        )
        .into(),
        SubAck::new(6, Bytes::from_static(&[1, 0])).into(),
        UnsubAck::new(7).into(),
        PingResp::default().into(),
        Disconnect::new(DisconnectStatus::OTHER_DEVICE_LOGIN).into(),
    ]
}

fn encode_all<P: Encode>(packets: &[P], framing: Framing) -> Vec<Bytes> {
    packets
        .iter()
        .map(|p| p.to_bytes(framing, &EncodeOptions::default()).unwrap())
        .collect()
}

/// A `Bytes` made from a `Vec` (as `to_bytes` returns) is promoted to a shared buffer the first
/// time it is cloned or sliced: one allocation per buffer, made by the bytes crate, not per
/// field. Frames split off by the stream decoder (and a clone of any frame) are already shared.
fn shared(frame: &Bytes) -> Bytes {
    let handle = frame.clone();
    let (_, n) = allocations(|| handle.clone());
    assert_eq!(n, 0, "the frame is shared now");
    handle
}

fn message_framing_decodes_without_allocating() {
    for frame in encode_all(&client_samples(), Framing::Message) {
        let frame = shared(&frame);
        let (decoded, n) = allocations(|| ClientPacket::from_message(frame.clone()).map(drop));
        assert!(decoded.is_ok());
        assert_eq!(n, 0, "Bytes decode of {:#04x} allocated", frame[0]);
        let (decoded, n) =
            allocations(|| ClientPacket::<&[u8]>::from_message(&frame[..]).map(drop));
        assert!(decoded.is_ok());
        assert_eq!(n, 0, "slice decode of {:#04x} allocated", frame[0]);
    }
    for frame in encode_all(&server_samples(), Framing::Message) {
        let frame = shared(&frame);
        let (decoded, n) = allocations(|| ServerPacket::from_message(frame.clone()).map(drop));
        assert!(decoded.is_ok());
        assert_eq!(n, 0, "Bytes decode of {:#04x} allocated", frame[0]);
        let (decoded, n) =
            allocations(|| ServerPacket::<&[u8]>::from_message(&frame[..]).map(drop));
        assert!(decoded.is_ok());
        assert_eq!(n, 0);
    }
    // The one-time promotion of a Vec-backed frame is the only allocation even then.
    let fresh = Bytes::from(encode_all(&server_samples()[1..2], Framing::Message)[0].to_vec());
    let (decoded, n) = allocations(|| ServerPacket::from_message(fresh).map(drop));
    assert!(decoded.is_ok());
    assert_eq!(n, 1, "only the bytes crate's shared-buffer promotion");
}

fn stream_framing_decodes_without_allocating() {
    let mut wire = BytesMut::new();
    for frame in encode_all(&server_samples(), Framing::Stream) {
        wire.extend_from_slice(&frame);
    }
    let decoder = StreamDecoder::new();
    let count = server_samples().len();
    // The read buffer's first split promotes it to a shared buffer (one allocation per
    // connection buffer, by the bytes crate); every frame after that costs nothing.
    let (first, n) = allocations(|| decoder.decode_packet::<ServerPacket>(&mut wire).unwrap());
    assert!(first.is_some());
    assert!(n <= 1, "first frame: {n} allocations");
    drop(first);
    let (decoded, n) = allocations(|| {
        let mut out = 0;
        while let Some(p) = decoder.decode_packet::<ServerPacket>(&mut wire).unwrap() {
            drop(p);
            out += 1;
        }
        out
    });
    assert_eq!(decoded, count - 1);
    assert_eq!(n, 0, "stream decode allocated");
}

fn cesu8_text_is_the_one_case_that_copies() {
    let p = ClientPacket::from(ClientPublish::new(
        QoS::AtMostOnce,
        "😀",
        "b",
        1,
        Bytes::new(),
    ));
    let cesu = EncodeOptions {
        text: TextEncoding::Cesu8,
        ..EncodeOptions::default()
    };
    let frame = p.to_bytes(Framing::Message, &cesu).unwrap();
    let (decoded, n) = allocations(|| ClientPacket::from_message(frame.clone()).unwrap());
    assert_eq!(decoded, p);
    assert!(n >= 1, "CESU-8 text must be decoded into an owned string");
}

fn a_huge_length_is_rejected_without_allocating() {
    let prefix = header::stream::StreamPrefix::new(Header::from_byte(0x30), 268_435_455).unwrap();
    let mut buf = BytesMut::with_capacity(64);
    buf.extend_from_slice(prefix.as_bytes());
    let (result, n) = allocations(|| StreamDecoder::new().decode(&mut buf));
    assert!(matches!(result, Err(DecodeError::FrameTooLarge { .. })));
    assert_eq!(n, 0);
    assert_eq!(buf.capacity(), 64);
}

fn decoded_fields_share_the_frame_allocation() {
    let frame = encode_all(&client_samples()[1..2], Framing::Message).remove(0);
    let range = frame.as_ptr_range();
    let ClientPacket::Publish(p) = ClientPacket::from_message(frame.clone()).unwrap() else {
        panic!()
    };
    // The payload is a slice of the frame.
    assert!(
        range.contains(&p.data.as_ptr()),
        "data not inside the frame"
    );
    // A short string (up to INLINE_TEXT bytes) is copied inline: no reference on the frame.
    assert!(p.target_id.len() <= INLINE_TEXT);
    assert!(p.target_id.is_inline(), "short targetId not inline");
    assert!(!range.contains(&p.target_id.as_ptr()));
    // A well-known topic is interned: no UTF-8 check, no reference on the frame.
    assert!(known_topics::intern(p.topic.as_bytes()).is_some());
    assert!(!p.topic.is_shared() && !range.contains(&p.topic.as_ptr()));

    // Longer strings, well-known topic or not, share the frame like the payload.
    let long_topic = "custom/topic/with/a/longer/name";
    let long_target = "user-0123456789abcdef0123456789abcdef";
    let custom = ClientPacket::from(ClientPublish::new(
        QoS::AtMostOnce,
        long_topic,
        long_target,
        1,
        Bytes::from_static(b"data"),
    ));
    let frame = shared(
        &custom
            .to_bytes(Framing::Message, &EncodeOptions::default())
            .unwrap(),
    );
    let range = frame.as_ptr_range();
    let (decoded, n) = allocations(|| ClientPacket::from_message(frame.clone()).unwrap());
    assert_eq!(decoded, custom);
    assert_eq!(n, 0);
    let ClientPacket::Publish(p) = decoded else {
        panic!()
    };
    for (name, text) in [("topic", &p.topic), ("targetId", &p.target_id)] {
        assert!(text.len() > INLINE_TEXT);
        assert!(text.is_shared(), "{name} not shared");
        assert!(
            range.contains(&text.as_ptr()),
            "{name} not inside the frame"
        );
    }
}

#[test]
fn decoding_does_not_allocate() {
    message_framing_decodes_without_allocating();
    stream_framing_decodes_without_allocating();
    cesu8_text_is_the_one_case_that_copies();
    a_huge_length_is_rejected_without_allocating();
    decoded_fields_share_the_frame_allocation();
}

//! Fixtures shared by the benchmark binaries of `timwire-benches`: the same messages, built once,
//! for timwire and for the peer codecs it is compared with.
//!
//! Like with like: a timwire client PUBLISH carries `[str topic][str targetId][u16 msgId][data]`;
//! the rumqttc (MQTT 3.1.1) PUBLISH at qos 1 carries `[str topic][u16 pkid][payload]`. The MQTT
//! topic is [`MQTT_TOPIC`], 24 bytes, so both bodies have the same length (28 bytes + payload)
//! and both decoders read the same number of string bytes (22 vs 24). timwire interns the topic
//! (a well-known one), so it checks 16 of them as UTF-8 where rumqttc checks 24. The timwire
//! frame is one byte longer (its checksum byte).
//!
//! Buffers: a socket read buffer that a decoder has split frames off before is a *shared*
//! `BytesMut`; splitting it again costs a reference count, not an allocation. A `BytesMut` built
//! from a slice is still backed by a plain `Vec`, and its first split allocates once (the bytes
//! crate's promotion to a shared buffer). [`shared_buffer`] builds the first kind, the steady
//! state of a connection; [`fresh_buffer`] the second. The timing benches use shared buffers for
//! every codec alike; the `alloc` bench counts both kinds.

pub mod broker;
pub mod peers;

use bytes::{BufMut, Bytes, BytesMut};
use timwire_signal::{
    ClientPacket, ClientPubAck, ClientPublish, Encode, EncodeOptions, Framing, PingReq, QoS, Query,
    QueryCon, Subscribe, Subscriptions,
};

/// The PUBLISH topic of the timwire frames (RongCloud's private-message topic).
pub const TOPIC: &str = "ppMsgP";
/// The PUBLISH target id of the timwire frames (16 bytes).
pub const TARGET: &str = "user-0123456789a";
/// The MQTT topic of the rumqttc frames: 24 bytes, so the bodies have equal length.
pub const MQTT_TOPIC: &str = "ppMsgP/user-0123456789a/";
/// The msgId / packet identifier of every frame.
pub const MSG_ID: u16 = 0x1234;
/// The body limit given to every decoder: timwire's default (1 MiB). rumqttc's own default
/// (10 KiB) would reject the 64 KiB frames.
pub const MAX_BODY: usize = timwire_signal::DEFAULT_MAX_BODY;

/// The payload sizes of the PUBLISH benches, with their labels.
pub const PAYLOAD_SIZES: [(&str, usize); 3] = [("64B", 64), ("1KiB", 1024), ("64KiB", 64 * 1024)];

/// A deterministic payload of `len` bytes.
pub fn payload(len: usize) -> Bytes {
    (0..len)
        .map(|i| (i % 251) as u8)
        .collect::<Vec<u8>>()
        .into()
}

/// The timwire client PUBLISH (qos 1) with a payload of `len` bytes.
pub fn timwire_publish(len: usize) -> ClientPacket {
    ClientPublish::new(QoS::AtLeastOnce, TOPIC, TARGET, MSG_ID, payload(len)).into()
}

/// `packet` in stream framing (TCP), as bytes.
pub fn timwire_frame(packet: &ClientPacket) -> Vec<u8> {
    packet
        .to_bytes(Framing::Stream, &EncodeOptions::default())
        .expect("fixture encodes")
        .to_vec()
}

/// The rumqttc PUBLISH (qos 1) with a payload of `len` bytes.
pub fn rumqttc_publish(len: usize) -> rumqttc::Packet {
    let mut publish =
        rumqttc::Publish::from_bytes(MQTT_TOPIC, rumqttc::QoS::AtLeastOnce, payload(len));
    publish.pkid = MSG_ID;
    rumqttc::Packet::Publish(publish)
}

/// `packet` as MQTT 3.1.1 bytes.
pub fn rumqttc_frame(packet: &rumqttc::Packet) -> Vec<u8> {
    let mut buf = BytesMut::new();
    packet.write(&mut buf, MAX_BODY).expect("fixture encodes");
    buf.to_vec()
}

/// A tokio-util `LengthDelimitedCodec` frame (4-byte big-endian length) with a body of `len`
/// bytes: framing and nothing else, the floor of any framed decoder.
pub fn length_delimited_frame(len: usize) -> Vec<u8> {
    let mut frame = Vec::with_capacity(len.saturating_add(4));
    frame.put_u32(u32::try_from(len).expect("fixture length fits in u32"));
    frame.extend_from_slice(&payload(len));
    frame
}

/// A unique, already shared `BytesMut` holding exactly `frames`: the steady state of a socket
/// read buffer (see the crate docs). Building it allocates; splitting frames off it does not.
pub fn shared_buffer(frames: &[u8]) -> BytesMut {
    let mut buf = BytesMut::with_capacity(frames.len().saturating_add(1));
    buf.put_u8(0);
    buf.extend_from_slice(frames);
    // The first split promotes the Vec to a shared buffer; the split-off byte is dropped at
    // once, so `buf` is the only owner again.
    drop(buf.split_to(1));
    buf
}

/// A `BytesMut` still backed by a plain `Vec`: its first split allocates (the bytes crate's
/// promotion to a shared buffer).
pub fn fresh_buffer(frames: &[u8]) -> BytesMut {
    BytesMut::from(frames)
}

/// One kind of frame in the mixed stream, built for timwire and for rumqttc alike.
#[derive(Debug, Clone, Copy)]
pub enum MixedKind {
    /// PUBLISH with this payload length.
    Publish(usize),
    /// QUERY (rumqttc: a PUBLISH) with this payload length.
    Query(usize),
    /// PUBACK.
    PubAck,
    /// QUERYCON (rumqttc: a PUBACK, the same two-byte body).
    QueryCon,
    /// SUBSCRIBE to two topics.
    Subscribe,
    /// PINGREQ.
    PingReq,
}

/// The repeating pattern of the mixed stream: mostly small messages and their acks, some
/// queries, a keep-alive and a subscription, one larger message.
pub const MIXED_PATTERN: [MixedKind; 10] = [
    MixedKind::Publish(64),
    MixedKind::PubAck,
    MixedKind::Publish(256),
    MixedKind::PingReq,
    MixedKind::Query(32),
    MixedKind::QueryCon,
    MixedKind::Publish(64),
    MixedKind::PubAck,
    MixedKind::Subscribe,
    MixedKind::Publish(1024),
];

/// How many frames the mixed stream holds.
pub const MIXED_FRAMES: usize = 1000;

fn mixed_kinds() -> impl Iterator<Item = MixedKind> {
    MIXED_PATTERN.iter().copied().cycle().take(MIXED_FRAMES)
}

/// The timwire packets of the mixed stream.
pub fn timwire_mixed() -> Vec<ClientPacket> {
    mixed_kinds()
        .map(|kind| match kind {
            MixedKind::Publish(len) => timwire_publish(len),
            MixedKind::Query(len) => {
                Query::new(QoS::AtLeastOnce, "pullMsg", TARGET, MSG_ID, payload(len)).into()
            }
            MixedKind::PubAck => ClientPubAck::new(MSG_ID).into(),
            MixedKind::QueryCon => QueryCon::new(MSG_ID).into(),
            MixedKind::Subscribe => Subscribe::new(
                MSG_ID,
                Subscriptions::new([("s_msg", QoS::AtLeastOnce), ("s_ntf", QoS::AtMostOnce)])
                    .expect("fixture subscriptions"),
            )
            .into(),
            MixedKind::PingReq => PingReq::default().into(),
        })
        .collect()
}

/// The rumqttc packets of the mixed stream (same kinds, same payload and topic lengths).
pub fn rumqttc_mixed() -> Vec<rumqttc::Packet> {
    mixed_kinds()
        .map(|kind| match kind {
            MixedKind::Publish(len) => rumqttc_publish(len),
            MixedKind::Query(len) => {
                // "pullMsg" + TARGET + 2 bytes of prefix, as one MQTT topic.
                let mut publish = rumqttc::Publish::from_bytes(
                    "pullMsg/user-0123456789a/x",
                    rumqttc::QoS::AtLeastOnce,
                    payload(len),
                );
                publish.pkid = MSG_ID;
                rumqttc::Packet::Publish(publish)
            }
            MixedKind::PubAck | MixedKind::QueryCon => {
                rumqttc::Packet::PubAck(rumqttc::PubAck::new(MSG_ID))
            }
            MixedKind::Subscribe => {
                let mut subscribe = rumqttc::Subscribe::new("s_msg", rumqttc::QoS::AtLeastOnce);
                subscribe.pkid = MSG_ID;
                subscribe.add("s_ntf".into(), rumqttc::QoS::AtMostOnce);
                rumqttc::Packet::Subscribe(subscribe)
            }
            MixedKind::PingReq => rumqttc::Packet::PingReq,
        })
        .collect()
}

/// Concatenated stream-framed timwire frames.
pub fn timwire_stream(packets: &[ClientPacket]) -> Vec<u8> {
    let options = EncodeOptions::default();
    let mut buf = BytesMut::new();
    for packet in packets {
        packet
            .encode(Framing::Stream, &options, &mut buf)
            .expect("fixture encodes");
    }
    buf.to_vec()
}

/// Concatenated MQTT 3.1.1 frames.
pub fn rumqttc_stream(packets: &[rumqttc::Packet]) -> Vec<u8> {
    let mut buf = BytesMut::new();
    for packet in packets {
        packet.write(&mut buf, MAX_BODY).expect("fixture encodes");
    }
    buf.to_vec()
}

/// Protobuf payload fixtures.
pub mod proto {
    use bytes::Bytes;
    use timwire_proto::rongcloud::{DownStreamMessage, DownStreamMessages, UpStreamMessage};
    use timwire_proto::tim::{Tid, TimMessage};

    const TEXT_CONTENT: &str = r#"{"content":"Hello, this is a short text message 你好 with some unicode.","extra":"","user":{"id":"user-0123456789a","name":"Alice"}}"#;

    /// A chat message in tim's model: sender, receiver, a 128-byte binary body, a text body,
    /// a timestamp and two extension entries.
    pub fn tim_message() -> TimMessage {
        TimMessage {
            ms_type: 2,
            od_type: 1,
            id: Some(1),
            mid: Some(1_700_000_000_123),
            bn_type: Some(1),
            from_tid: Some(Tid {
                node: "user-0123456789a".into(),
                domain: Some("tim.example".into()),
                resource: Some("ios".into()),
                termtyp: Some(2),
                ..Default::default()
            }),
            to_tid: Some(Tid {
                node: "user-fedcba98765".into(),
                domain: Some("tim.example".into()),
                ..Default::default()
            }),
            data_binary: Some(super::payload(128)),
            data_string: Some("Hello, this is a short text message 你好".into()),
            timestamp: Some(1_700_000_000_123_456_789),
            extend: [
                ("k1".to_string(), "v1".to_string()),
                ("trace".to_string(), "abc123".to_string()),
            ]
            .into_iter()
            .collect(),
            ..Default::default()
        }
    }

    /// The 1 KiB-class TimMessage of the whole-message benchmark: [`tim_message`] with a
    /// 640-byte text body (mixed ASCII and CJK) and a 128-byte binary body.
    pub fn tim_message_1k() -> TimMessage {
        let mut text = String::new();
        while text.len() < 640 {
            text.push_str("Hello, this is a longer text message 你好, ");
        }
        TimMessage {
            data_string: Some(text),
            to_list: vec!["user-fedcba98765".into(), "user-0123456789b".into()],
            ..tim_message()
        }
    }

    /// Reads every field of a TimMessage view, as a handler would: strings, maps, lists,
    /// nested ids. Returns a sum so that nothing is optimised away.
    pub fn walk_tim_message(m: &timwire_proto::tim::TimMessageView<'_>) -> usize {
        let tid = |t: &Option<timwire_proto::tim::TidView<'_>>| {
            t.map_or(0, |t| {
                t.node.len()
                    + t.domain.map_or(0, str::len)
                    + t.resource.map_or(0, str::len)
                    + t.extend()
                        .iter()
                        .map(|(k, v)| k.len() + v.len())
                        .sum::<usize>()
            })
        };
        m.ms_type as usize
            + tid(&m.from_tid)
            + tid(&m.to_tid)
            + tid(&m.room_tid)
            + m.data_binary.map_or(0, <[u8]>::len)
            + m.data_string.map_or(0, str::len)
            + m.extend()
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
            + m.extra()
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
            + m.to_list().iter().map(str::len).sum::<usize>()
    }

    /// Reads every field of an UpStreamMessage view.
    pub fn walk_up_stream_message(m: &timwire_proto::rongcloud::UpStreamMessageView<'_>) -> usize {
        m.session_id as usize
            + m.classname.len()
            + m.content.len()
            + m.push_text.map_or(0, str::len)
            + m.user_id().iter().map(str::len).sum::<usize>()
            + m.client_unique_id.map_or(0, |v| v as usize)
    }

    /// Reads every field of every message of a DownStreamMessages view.
    pub fn walk_down_stream_messages(
        m: &timwire_proto::rongcloud::DownStreamMessagesView<'_>,
    ) -> usize {
        m.list()
            .iter()
            .map(|d| {
                d.from_user_id.len()
                    + d.r#type as usize
                    + d.classname.len()
                    + d.content.len()
                    + d.data_time as usize
                    + d.status as usize
                    + d.msg_id.map_or(0, str::len)
                    + d.direction.map_or(0, |v| v as usize)
            })
            .sum::<usize>()
            + m.sync_time as usize
    }

    /// A text message as a RongCloud client uploads it (`RC:TxtMsg` JSON content).
    pub fn up_stream_message() -> UpStreamMessage {
        UpStreamMessage {
            session_id: 3,
            classname: "RC:TxtMsg".into(),
            content: Bytes::from_static(TEXT_CONTENT.as_bytes()),
            push_text: Some("Hello, this is a short text message".into()),
            user_id: vec!["user-fedcba98765".into()],
            client_unique_id: Some(1_700_000_000_123),
            ..Default::default()
        }
    }

    /// One received message, as in a pull answer.
    pub fn down_stream_message(i: usize) -> DownStreamMessage {
        DownStreamMessage {
            from_user_id: format!("user-{i:011}"),
            r#type: 1,
            group_id: None,
            classname: "RC:TxtMsg".into(),
            content: Bytes::from_static(TEXT_CONTENT.as_bytes()),
            data_time: 1_700_000_000_000 + i as i64,
            status: 3,
            extra: None,
            msg_id: Some(format!("BQ2C-{i:04}-AAAA-BBBB")),
            direction: Some(1),
            client_unique_id: Some(1_700_000_000_000 + i as i64),
            ..Default::default()
        }
    }

    /// A pull answer with `n` messages.
    pub fn down_stream_messages(n: usize) -> DownStreamMessages {
        DownStreamMessages {
            list: (0..n).map(down_stream_message).collect(),
            sync_time: 1_700_000_000_999,
            finished: Some(true),
        }
    }
}

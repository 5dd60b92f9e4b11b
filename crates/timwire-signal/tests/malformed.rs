//! Malformed input: at least one case per error variant, each asserting the specific error,
//! and that nothing is consumed when framing fails.

mod common;

use bytes::{Bytes, BytesMut};
use common::{cat, message, s, stream};
use timwire_signal::*;

fn client(frame: &[u8]) -> Result<ClientPacket<&[u8]>, DecodeError> {
    ClientPacket::from_message(frame)
}

fn server(frame: &[u8]) -> Result<ServerPacket<&[u8]>, DecodeError> {
    ServerPacket::from_message(frame)
}

/// Feeds `input` to a stream decoder and checks the error and that nothing was consumed.
fn stream_error(input: &[u8], decoder: StreamDecoder) -> DecodeError {
    let mut buf = BytesMut::from(input);
    let err = decoder.decode(&mut buf).unwrap_err();
    assert_eq!(&buf[..], input, "a framing error must consume nothing");
    err
}

#[test]
fn checksum_mismatch() {
    assert_eq!(
        stream_error(&[0xC0, 0xC1, 0x00], StreamDecoder::new()),
        DecodeError::ChecksumMismatch {
            expected: 0xC0,
            found: 0xC1
        }
    );
}

#[test]
fn length_with_a_fifth_byte() {
    // Rejected as soon as the fourth length byte says "more follows".
    assert_eq!(
        stream_error(&[0x30, 0x30, 0xFF, 0xFF, 0xFF, 0xFF], StreamDecoder::new()),
        DecodeError::LengthTooLong
    );
}

#[test]
fn non_minimal_length() {
    assert_eq!(
        stream_error(&[0xC0, 0xC0, 0x80, 0x00], StreamDecoder::new()),
        DecodeError::NonMinimalLength { len: 2 }
    );
}

#[test]
fn frame_too_large_before_any_body_byte() {
    // A header claiming 256 MiB - 1: rejected from the prefix alone, with no body buffered.
    let prefix =
        timwire_signal::header::stream::StreamPrefix::new(Header::from_byte(0x30), 268_435_455)
            .unwrap();
    let mut buf = BytesMut::from(prefix.as_bytes());
    let capacity_before = buf.capacity();
    assert_eq!(
        StreamDecoder::new().decode(&mut buf),
        Err(DecodeError::FrameTooLarge {
            len: 268_435_455,
            max: DEFAULT_MAX_BODY
        })
    );
    assert_eq!(
        buf.capacity(),
        capacity_before,
        "nothing reserved for the rejected body"
    );
    // The limit is configurable.
    let frame = stream(0x40, &[0x00, 0x01]);
    assert_eq!(
        stream_error(&frame, StreamDecoder::with_max_body(1)),
        DecodeError::FrameTooLarge { len: 2, max: 1 }
    );
    assert!(
        StreamDecoder::with_max_body(2)
            .decode(&mut BytesMut::from(&frame[..]))
            .unwrap()
            .is_some()
    );
}

#[test]
fn empty_message() {
    assert_eq!(client(&[]), Err(DecodeError::EmptyMessage));
    assert_eq!(
        Frame::from_message(Bytes::new()),
        Err(DecodeError::EmptyMessage)
    );
}

#[test]
fn reserved_types() {
    for header in [0x00, 0x0F, 0xF0, 0xFF] {
        let kind = MessageType::from_nibble(header >> 4);
        assert_eq!(client(&[header]), Err(DecodeError::ReservedType(kind)));
        assert_eq!(server(&[header]), Err(DecodeError::ReservedType(kind)));
    }
    // The raw frame layer keeps them.
    assert_eq!(
        Frame::from_message(&[0xF3u8][..]).unwrap().header.kind,
        MessageType::RESERVED_15
    );
}

#[test]
fn wrong_direction() {
    assert_eq!(
        client(&[0x20, 0x00, 0x00]),
        Err(DecodeError::WrongDirection {
            kind: MessageType::CONNACK,
            sender: Role::Client
        })
    );
    assert_eq!(
        server(&[0xC0]),
        Err(DecodeError::WrongDirection {
            kind: MessageType::PINGREQ,
            sender: Role::Server
        })
    );
}

#[test]
fn truncated_fields_name_the_field_and_offset() {
    let t = |kind, field, offset| DecodeError::Truncated {
        kind,
        field,
        offset,
    };
    assert_eq!(
        client(&[0x40, 0x01]).unwrap_err(),
        t(MessageType::PUBACK, "msgId", 0)
    );
    // Topic length says 6, only 3 bytes follow.
    assert_eq!(
        client(&message(0x30, &[0x00, 0x06, b'p', b'p', b'M'])).unwrap_err(),
        t(MessageType::PUBLISH, "topic", 0)
    );
    let body = cat(&[&s("ppMsgP"), &s("bob"), &[0x00]]);
    assert_eq!(
        client(&message(0x30, &body)).unwrap_err(),
        t(MessageType::PUBLISH, "msgId", 13)
    );
    assert_eq!(
        server(&message(0x30, &[0, 0, 0])).unwrap_err(),
        t(MessageType::PUBLISH, "date", 0)
    );
    assert_eq!(
        server(&[0x40, 0, 1, 0, 0, 0, 0, 0, 0]).unwrap_err(),
        t(MessageType::PUBACK, "millisecond", 8)
    );
    // A CONNACK long form missing its timestamp.
    let body = cat(&[&[0, 0], &s("u"), &s("s"), &[0, 0, 0]]);
    assert_eq!(
        server(&message(0x20, &body)).unwrap_err(),
        t(MessageType::CONNACK, "timestamp", 8)
    );
    assert_eq!(
        client(&[0xE0, 0x00]).unwrap_err(),
        t(MessageType::DISCONNECT, "status", 1)
    );
    // CONNECT with the token flag but no token.
    let body = cat(&[&s("RCloud"), &[3, 0x40, 0, 30], &s("dev")]);
    assert_eq!(
        client(&message(0x10, &body)).unwrap_err(),
        t(MessageType::CONNECT, "token", 17)
    );
    // SUBSCRIBE entry missing its qos byte (mochi-mqtt #501 class of bug).
    let body = cat(&[&[0, 1], &s("topic")]);
    assert_eq!(
        client(&message(0x82, &body)).unwrap_err(),
        t(MessageType::SUBSCRIBE, "qos", 9)
    );
    // A stream frame truncated in the middle of the body is "need more", not an error.
    let frame = stream(0x40, &[0x00, 0x01]);
    assert!(
        StreamDecoder::new()
            .decode(&mut BytesMut::from(&frame[..3]))
            .unwrap()
            .is_none()
    );
}

#[test]
fn trailing_bytes() {
    let t = |kind, offset, count| DecodeError::TrailingBytes {
        kind,
        offset,
        count,
    };
    // A PINGREQ with a body (netty #16851 class of bug).
    assert_eq!(
        client(&[0xC0, 0x00, 0x00]).unwrap_err(),
        t(MessageType::PINGREQ, 0, 2)
    );
    assert_eq!(
        client(&[0x40, 0x00, 0x01, 0xFF]).unwrap_err(),
        t(MessageType::PUBACK, 2, 1)
    );
    assert_eq!(
        client(&[0xE0, 0x00, 0x01, 0x00]).unwrap_err(),
        t(MessageType::DISCONNECT, 2, 1)
    );
    assert_eq!(
        server(&[0xB0, 0x00, 0x01, 0x00]).unwrap_err(),
        t(MessageType::UNSUBACK, 2, 1)
    );
    let body = cat(&[
        &[0, 1],
        &0u32.to_be_bytes(),
        &[0, 0, 0, 0],
        &s("uid"),
        &[0xAA],
    ]);
    assert_eq!(
        server(&message(0x40, &body)).unwrap_err(),
        t(MessageType::PUBACK, 15, 1)
    );
}

#[test]
fn invalid_text() {
    let body = cat(&[&[0x00, 0x02, 0xFF, 0xFE], &s("bob"), &[0, 1]]);
    assert_eq!(
        client(&message(0x30, &body)),
        Err(DecodeError::InvalidText {
            kind: MessageType::PUBLISH,
            field: "topic",
            offset: 2
        })
    );
    // A lone high surrogate in CESU-8 form.
    let body = cat(&[&s("t"), &[0x00, 0x03, 0xED, 0xA0, 0xBD], &[0, 1]]);
    assert_eq!(
        client(&message(0x30, &body)),
        Err(DecodeError::InvalidText {
            kind: MessageType::PUBLISH,
            field: "targetId",
            offset: 5
        })
    );
    // From `Bytes` too.
    let frame = Bytes::from(message(0x30, &body));
    assert!(matches!(
        ClientPacket::from_message(frame),
        Err(DecodeError::InvalidText { .. })
    ));
}

#[test]
fn invalid_qos_in_subscribe() {
    let body = cat(&[&[0, 1], &s("a"), &[4]]);
    assert_eq!(
        client(&message(0x82, &body)),
        Err(DecodeError::InvalidQos {
            kind: MessageType::SUBSCRIBE,
            offset: 5,
            value: 4
        })
    );
}

#[test]
fn invalid_connect_flags() {
    for flags in [0x01, 0x08, 0x18, 0x20, 0xFF] {
        let body = cat(&[&s("RCloud"), &[3, flags, 0, 30], &s("dev")]);
        assert_eq!(
            client(&message(0x10, &body)),
            Err(DecodeError::InvalidConnectFlags { flags })
        );
    }
}

#[test]
fn empty_lists() {
    assert_eq!(
        client(&[0x82, 0, 1]),
        Err(DecodeError::EmptyList {
            kind: MessageType::SUBSCRIBE
        })
    );
    assert_eq!(
        client(&[0xA2, 0, 1]),
        Err(DecodeError::EmptyList {
            kind: MessageType::UNSUBSCRIBE
        })
    );
    assert_eq!(
        server(&[0x90, 0, 1]),
        Err(DecodeError::EmptyList {
            kind: MessageType::SUBACK
        })
    );
}

#[test]
fn unexpected_eof() {
    // Reported by the tokio codec's decode_eof; constructed here for its message.
    let e = DecodeError::UnexpectedEof { buffered: 3 };
    assert_eq!(
        e.to_string(),
        "stream ended inside a frame (3 bytes buffered)"
    );
}

#[test]
fn a_malformed_body_consumes_exactly_its_frame() {
    // PUBACK with a trailing byte, then a good PINGREQ: the stream stays in sync.
    let mut buf = BytesMut::from(&cat(&[&stream(0x40, &[0, 1, 0xFF]), &stream(0xC0, &[])])[..]);
    let d = StreamDecoder::new();
    assert!(matches!(
        d.decode_packet::<ClientPacket>(&mut buf),
        Err(DecodeError::TrailingBytes { .. })
    ));
    assert!(matches!(
        d.decode_packet::<ClientPacket>(&mut buf),
        Ok(Some(ClientPacket::PingReq(_)))
    ));
    assert!(buf.is_empty());
}

#[test]
fn encode_errors_write_nothing() {
    let long = "x".repeat(65_536);
    let p = ClientPacket::<&[u8]>::from(ClientPublish::new(
        QoS::AtMostOnce,
        long.as_str(),
        "b",
        1,
        &[][..],
    ));
    let mut dst = Vec::new();
    assert_eq!(
        p.encode(Framing::Stream, &EncodeOptions::default(), &mut dst),
        Err(EncodeError::StringTooLong {
            field: "topic",
            len: 65_536
        })
    );
    assert!(dst.is_empty());
    // 65,535 bytes is fine; CESU-8 growth past the limit is caught too.
    let max = "x".repeat(65_535);
    let ok = ClientPacket::<&[u8]>::from(ClientPublish::new(
        QoS::AtMostOnce,
        max.as_str(),
        "b",
        1,
        &[][..],
    ));
    assert!(
        ok.to_bytes(Framing::Stream, &EncodeOptions::default())
            .is_ok()
    );
    let emoji = "\u{1F600}".repeat(16_384); // 65,536 bytes of UTF-8
    assert_eq!(text::encoded_len(&emoji, TextEncoding::Cesu8), 98_304);

    let big = vec![0u8; 2048];
    let p = ClientPacket::<&[u8]>::from(ClientPublish::new(QoS::AtMostOnce, "t", "b", 1, &big[..]));
    let small = EncodeOptions {
        max_body: 1024,
        ..EncodeOptions::default()
    };
    assert_eq!(
        p.encode(Framing::Message, &small, &mut dst),
        Err(EncodeError::FrameTooLarge {
            len: 2048 + 8,
            max: 1024
        })
    );
    let unlimited = EncodeOptions {
        max_body: usize::MAX,
        ..EncodeOptions::default()
    };
    let huge = Frame::new(Header::from_byte(0x30), Bytes::from(vec![0u8; 268_435_456]));
    assert_eq!(
        huge.encoded_len(Framing::Stream, &unlimited),
        Err(EncodeError::BodyTooLong { len: 268_435_456 })
    );
    let mut fixed = [0u8; 2];
    assert_eq!(
        p.encode(
            Framing::Message,
            &EncodeOptions::default(),
            &mut &mut fixed[..]
        ),
        Err(EncodeError::BufferTooSmall {
            needed: 2048 + 9,
            available: 2
        })
    );
    assert_eq!(
        Subscriptions::new([]),
        Err(EncodeError::EmptyList {
            kind: MessageType::SUBSCRIBE
        })
    );
    assert_eq!(
        Topics::new([]),
        Err(EncodeError::EmptyList {
            kind: MessageType::UNSUBSCRIBE
        })
    );
    let empty_suback = ServerPacket::<&[u8]>::from(SubAck::new(1, &[][..]));
    assert_eq!(
        empty_suback.encoded_len(Framing::Stream, &EncodeOptions::default()),
        Err(EncodeError::EmptyList {
            kind: MessageType::SUBACK
        })
    );
    assert!(dst.is_empty());
}

//! Byte-exact known answers for every message type, in both directions and both framings.
//! Expected bytes are written out by hand from docs/PROTOCOL.md §4 (and its examples, §8).

mod common;

use bytes::Bytes;
use common::{cat, message, s, stream};
use timwire_signal::*;

fn opts() -> EncodeOptions {
    EncodeOptions::default()
}

/// Encodes `packet` in both framings, compares with the expected bytes, and decodes them back
/// (from a slice and from `Bytes`). `Other` is the opposite direction's packet type, which must
/// refuse the frame unless its type exists both ways.
fn check<'a, P, Other>(packet: P, header: u8, body: &[u8])
where
    P: Decode<&'a [u8]> + Encode + PartialEq + std::fmt::Debug,
    Other: Decode<&'a [u8]> + std::fmt::Debug,
{
    // Leaked so that decoded packets may borrow them for as long as `packet` lives.
    let expected_msg: &'static [u8] = message(header, body).leak();
    let expected_stream: &'static [u8] = stream(header, body).leak();
    assert_eq!(
        packet.to_bytes(Framing::Message, &opts()).unwrap()[..],
        expected_msg[..],
        "{packet:?}"
    );
    assert_eq!(
        packet.to_bytes(Framing::Stream, &opts()).unwrap()[..],
        expected_stream[..],
        "{packet:?}"
    );
    assert_eq!(
        packet.encoded_len(Framing::Stream, &opts()).unwrap(),
        expected_stream.len()
    );
    assert_eq!(P::from_message(expected_msg).unwrap(), packet);
    let (frame, used) = StreamDecoder::new()
        .decode_slice(expected_stream)
        .unwrap()
        .unwrap();
    assert_eq!(used, expected_stream.len());
    assert_eq!(P::decode(&frame).unwrap(), packet);
    let kind = frame.header.kind;
    if !matches!(
        kind,
        MessageType::PUBLISH | MessageType::PUBACK | MessageType::DISCONNECT
    ) {
        let sender = <Other as Decode<&[u8]>>::SENDER;
        assert_eq!(
            Other::from_message(expected_msg).unwrap_err(),
            DecodeError::WrongDirection { kind, sender }
        );
    }
}

fn check_client(packet: ClientPacket<&'static [u8]>, header: u8, body: &[u8]) {
    check::<_, ServerPacket<&[u8]>>(packet, header, body);
    // The shared (`Bytes`) form re-encodes to the same bytes.
    let shared = ClientPacket::from_message(Bytes::from(message(header, body))).unwrap();
    assert_eq!(
        shared.to_bytes(Framing::Message, &opts()).unwrap()[..],
        message(header, body)[..]
    );
    // Decoding a frame it owns (the "to end" field takes over the body) and one it borrows
    // give the same packet.
    let frame = Frame::from_message(Bytes::from(message(header, body))).unwrap();
    assert_eq!(
        ClientPacket::decode_owned(frame.clone()).unwrap(),
        ClientPacket::decode(&frame).unwrap()
    );
    assert_eq!(shared, ClientPacket::decode(&frame).unwrap());
}

fn check_server(packet: ServerPacket<&'static [u8]>, header: u8, body: &[u8]) {
    check::<_, ClientPacket<&[u8]>>(packet, header, body);
    let shared = ServerPacket::from_message(Bytes::from(message(header, body))).unwrap();
    assert_eq!(
        shared.to_bytes(Framing::Message, &opts()).unwrap()[..],
        message(header, body)[..]
    );
    // Decoding a frame it owns (the "to end" field takes over the body) and one it borrows
    // give the same packet.
    let frame = Frame::from_message(Bytes::from(message(header, body))).unwrap();
    assert_eq!(
        ServerPacket::decode_owned(frame.clone()).unwrap(),
        ServerPacket::decode(&frame).unwrap()
    );
    assert_eq!(shared, ServerPacket::decode(&frame).unwrap());
}

#[test]
fn protocol_md_framing_examples() {
    // docs/PROTOCOL.md §2.2: PINGREQ `C0 C0 00`; client PUBACK msgId 0x0102 `40 42 02 01 02`.
    let ping = ClientPacket::<&[u8]>::PingReq(PingReq::default());
    assert_eq!(
        ping.to_bytes(Framing::Stream, &opts()).unwrap()[..],
        [0xC0, 0xC0, 0x00]
    );
    let ack = ClientPacket::<&[u8]>::PubAck(ClientPubAck::new(0x0102));
    assert_eq!(
        ack.to_bytes(Framing::Stream, &opts()).unwrap()[..],
        [0x40, 0x42, 0x02, 0x01, 0x02]
    );
    // docs/PROTOCOL.md §8 over WebSocket: `C0`, `D0`, `40 01 02`, `70 00 07`.
    assert_eq!(
        ping.to_bytes(Framing::Message, &opts()).unwrap()[..],
        [0xC0]
    );
    assert_eq!(
        ack.to_bytes(Framing::Message, &opts()).unwrap()[..],
        [0x40, 0x01, 0x02]
    );
    let pong = ServerPacket::<&[u8]>::PingResp(PingResp::default());
    assert_eq!(
        pong.to_bytes(Framing::Message, &opts()).unwrap()[..],
        [0xD0]
    );
    let con = ClientPacket::<&[u8]>::QueryCon(QueryCon::new(7));
    assert_eq!(
        con.to_bytes(Framing::Message, &opts()).unwrap()[..],
        [0x70, 0x00, 0x07]
    );
}

#[test]
fn client_simple_messages() {
    check_client(PingReq::default().into(), 0xC0, &[]);
    check_client(ClientPubAck::new(0x0102).into(), 0x40, &[0x01, 0x02]);
    check_client(QueryCon::new(7).into(), 0x70, &[0x00, 0x07]);
    check_client(
        Disconnect::new(DisconnectStatus::LOGOUT).into(),
        0xE0,
        &[0x00, 0x04],
    );
    // Flags survive on every type.
    let ping = PingReq {
        flags: Flags {
            dup: true,
            qos: QoS::Default,
            retain: true,
        },
    };
    check_client(ping.into(), 0xCF, &[]);
}

#[test]
fn client_publish_rmtp_example() {
    // docs/PROTOCOL.md §8: `32 | 00 06 "ppMsgP" | 00 03 "bob" | 00 02 | <UpStreamMessage>`.
    let data: &[u8] = &[0x08, 0x03, 0x12, 0x09];
    let body = cat(&[&s("ppMsgP"), &s("bob"), &[0x00, 0x02], data]);
    assert_eq!(
        &body[..8],
        &[0x00, 0x06, b'p', b'p', b'M', b's', b'g', b'P']
    );
    check_client(
        ClientPublish::new(QoS::AtLeastOnce, "ppMsgP", "bob", 2, data).into(),
        0x32,
        &body,
    );
    // Empty data is allowed ("to end" may be zero bytes).
    let body = cat(&[&s("t"), &s(""), &[0xFF, 0xFF]]);
    check_client(
        ClientPublish::new(QoS::AtMostOnce, "t", "", 0xFFFF, &[][..]).into(),
        0x30,
        &body,
    );
}

#[test]
fn client_query_rmtp_example() {
    // docs/PROTOCOL.md §8: `52 | 00 07 "pullMsg" | 00 02 "u1" | 00 01 | <SyncRequestMsg>`.
    let data: &[u8] = &[0x08, 0x00];
    let body = cat(&[&s("pullMsg"), &s("u1"), &[0x00, 0x01], data]);
    check_client(
        Query::new(QoS::AtLeastOnce, "pullMsg", "u1", 1, data).into(),
        0x52,
        &body,
    );
}

#[test]
fn connect_every_flag_combination() {
    for bits in 0u8..=255 {
        let has_will = bits & 0x04 != 0;
        if bits & 0x01 != 0 || (!has_will && bits & 0x38 != 0) {
            continue; // invalid combinations: see malformed.rs
        }
        let mut c = Connect::<&[u8]>::new("dev-1");
        c.keep_alive = 0x1234;
        c.clean_session = bits & 0x02 != 0;
        c.will = has_will.then(|| Will {
            topic: "lwt".into(),
            message: "gone".into(),
            qos: QoS::from_bits(bits >> 3),
            retain: bits & 0x20 != 0,
        });
        c.app_id = (bits & 0x80 != 0).then(|| "app".into());
        c.token = (bits & 0x40 != 0).then(|| "tok".into());
        let mut body = cat(&[&s("RCloud"), &[3, bits, 0x12, 0x34], &s("dev-1")]);
        if has_will {
            body.extend(cat(&[&s("lwt"), &s("gone")]));
        }
        if bits & 0x80 != 0 {
            body.extend(s("app"));
        }
        if bits & 0x40 != 0 {
            body.extend(s("tok"));
        }
        assert_eq!(c.connect_flags(), bits);
        check_client(c.into(), 0x10, &body);
    }
}

#[test]
fn subscribe_and_unsubscribe_with_several_topics() {
    let topics = Subscriptions::new([
        ("s_msg", QoS::AtLeastOnce),
        ("s_ntf", QoS::AtMostOnce),
        ("x", QoS::Default),
    ])
    .unwrap();
    let body = cat(&[
        &[0x00, 0x09],
        &s("s_msg"),
        &[1],
        &s("s_ntf"),
        &[0],
        &s("x"),
        &[3],
    ]);
    let sub = Subscribe::new(9, topics);
    assert_eq!(sub.topics.len(), 3);
    let bytes = ClientPacket::from(sub.clone())
        .to_bytes(Framing::Message, &opts())
        .unwrap();
    assert_eq!(bytes[..], message(0x82, &body)[..]);
    assert_eq!(
        ClientPacket::from_message(bytes).unwrap(),
        ClientPacket::Subscribe(sub)
    );
    let body: &'static [u8] = body.leak();
    let borrowed = Subscribe::<&[u8]>::new(9, Subscriptions::from_wire(&body[2..]).unwrap());
    check_client(borrowed.into(), 0x82, body);

    let body = cat(&[&[0x00, 0x0A], &s("s_msg"), &s("s_ntf")]);
    let unsub = Unsubscribe::new(10, Topics::new(["s_msg", "s_ntf"]).unwrap());
    let names: Vec<String> = unsub.topics.iter().map(|t| t.to_string()).collect();
    assert_eq!(names, ["s_msg", "s_ntf"]);
    let bytes = ClientPacket::from(unsub.clone())
        .to_bytes(Framing::Message, &opts())
        .unwrap();
    assert_eq!(bytes[..], message(0xA2, &body)[..]);
    let body: &'static [u8] = body.leak();
    let borrowed = Unsubscribe::<&[u8]>::new(10, Topics::from_wire(&body[2..]).unwrap());
    check_client(borrowed.into(), 0xA2, body);
}

#[test]
fn connack_short_and_long() {
    check_server(
        ConnAck::new(ConnAckStatus::ACCEPTED).into(),
        0x20,
        &[0x00, 0x00],
    );
    check_server(
        ConnAck::new(ConnAckStatus::TOKEN_INCORRECT).into(),
        0x20,
        &[0x00, 0x04],
    );
    let ts: i64 = 1_700_000_000_123;
    let body = cat(&[&[0x00, 0x00], &s("u1"), &s("sess"), &ts.to_be_bytes()]);
    check_server(ConnAck::accepted("u1", "sess", ts).into(), 0x20, &body);
    // The reserved byte is kept on read and written back (RongCloud's unused writer put 128
    // there); it does not change the status.
    let odd = ServerPacket::from_message(&[0x20u8, 0x80, 0x00][..]).unwrap();
    assert_eq!(
        odd,
        ServerPacket::ConnAck(ConnAck {
            reserved: 0x80,
            ..ConnAck::new(ConnAckStatus::ACCEPTED)
        })
    );
    check_server(odd, 0x20, &[0x80, 0x00]);
}

#[test]
fn server_publish_and_sync_msg() {
    let date: u32 = 0x6553_F100;
    let data: &[u8] = &[0x0A, 0x01, b'x'];
    let body = cat(&[
        &date.to_be_bytes(),
        &s("s_msg"),
        &s("alice"),
        &[0x00, 0x05],
        data,
    ]);
    let p = ServerPublish::new(QoS::AtLeastOnce, date, "s_msg", "alice", 5, data);
    assert!(p.needs_ack() && !p.is_sync_msg());
    check_server(p.into(), 0x32, &body);
    // syncMsg: dup bit on a server PUBLISH (0x3A = PUBLISH | dup | qos 1).
    let body = cat(&[
        &date.to_be_bytes(),
        &s("ppMsgP"),
        &s("bob"),
        &[0x00, 0x06],
        data,
    ]);
    let frame: &'static [u8] = message(0x3A, &body).leak();
    let ServerPacket::Publish(sync) = ServerPacket::from_message(frame).unwrap() else {
        panic!("not a publish")
    };
    assert!(sync.is_sync_msg() && !sync.needs_ack());
    check_server(sync.into(), 0x3A, &body);
}

#[test]
fn server_puback_with_and_without_message_uid() {
    let body = cat(&[
        &[0x00, 0x02],
        &0x6553_F100u32.to_be_bytes(),
        &[0x00, 0x00],
        &[0x01, 0xF4],
        &s("BFD2-J3K4"),
    ]);
    let ack = ServerPubAck::<&[u8]> {
        flags: Flags::NONE,
        msg_id: 2,
        date: 0x6553_F100,
        status: AckStatus::SUCCESS,
        millisecond: 500,
        message_uid: Some("BFD2-J3K4".into()),
    };
    assert_eq!(ack.timestamp_ms(), 0x6553_F100u64 * 1000 + 500);
    check_server(ack.clone().into(), 0x40, &body);
    let body = cat(&[
        &[0x00, 0x02],
        &0x6553_F100u32.to_be_bytes(),
        &[0x57, 0x86],
        &[0x01, 0xF4],
    ]);
    let failed = ServerPubAck {
        status: AckStatus::NOT_IN_GROUP,
        message_uid: None,
        ..ack
    };
    assert_eq!(failed.status.value(), 0x5786);
    check_server(failed.into(), 0x40, &body);
}

#[test]
fn server_queryack_suback_unsuback_pingresp_disconnect() {
    let data: &[u8] = &[0x0A, 0x00];
    let body = cat(&[
        &[0x00, 0x01],
        &1_700_000_000u32.to_be_bytes(),
        &[0x00, 0x00],
        data,
    ]);
    check_server(
        QueryAck::new(QoS::AtLeastOnce, 1, 1_700_000_000, AckStatus::SUCCESS, data).into(),
        0x62,
        &body,
    );
    check_server(
        SubAck::new(9, &[1u8, 0, 0x80][..]).into(),
        0x90,
        &[0x00, 0x09, 1, 0, 0x80],
    );
    check_server(UnsubAck::new(10).into(), 0xB0, &[0x00, 0x0A]);
    check_server(PingResp::default().into(), 0xD0, &[]);
    check_server(
        Disconnect::new(DisconnectStatus::OTHER_DEVICE_LOGIN).into(),
        0xE0,
        &[0x00, 0x01],
    );
}

#[test]
fn cesu8_strings_decode_to_text_and_encode_on_request() {
    // "hi😀" with the emoji as two 3-byte surrogates, as RongCloud's web SDK 2.x writes it.
    let cesu: &[u8] = &[b'h', b'i', 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80];
    let mut body = vec![0x00, 0x08];
    body.extend_from_slice(cesu);
    body.extend(cat(&[&s("bob"), &[0x00, 0x01]]));
    let packet = ClientPacket::from_message(Bytes::from(message(0x30, &body))).unwrap();
    let ClientPacket::Publish(p) = &packet else {
        panic!()
    };
    assert_eq!(&p.topic[..], "hi\u{1F600}");
    // Re-encoded as CESU-8 it is the input again; as UTF-8 it is 2 bytes shorter.
    let cesu_opts = EncodeOptions {
        text: TextEncoding::Cesu8,
        ..opts()
    };
    assert_eq!(
        packet.to_bytes(Framing::Message, &cesu_opts).unwrap()[..],
        message(0x30, &body)[..]
    );
    assert_eq!(
        packet.to_bytes(Framing::Message, &opts()).unwrap().len(),
        body.len() + 1 - 2
    );
    // Topic lists too.
    let list = Subscriptions::new([("a\u{1F600}", QoS::AtLeastOnce)]).unwrap();
    let sub = ClientPacket::from(Subscribe::new(1, list));
    let bytes = sub.to_bytes(Framing::Stream, &cesu_opts).unwrap();
    let back: ClientPacket = StreamDecoder::new()
        .decode_packet(&mut bytes::BytesMut::from(&bytes[..]))
        .unwrap()
        .unwrap();
    assert_eq!(back, sub);
}

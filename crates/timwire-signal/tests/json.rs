//! The JSON form of packets (feature `serde`): the exact JSON of every message type, what
//! reading accepts and defaults, what it rejects, and the reserved byte kept through JSON.
#![cfg(feature = "serde")]

use bytes::Bytes;
use serde_json::{Value, json};
use timwire_signal::*;

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

fn client(value: Value) -> Result<ClientPacket, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

fn server(value: Value) -> Result<ServerPacket, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// `packet` writes `expected` (as text, so the field order counts too), and reads back from it
/// to the same packet and the same bytes in both text encodings.
fn known_client(packet: ClientPacket, expected: &str) {
    assert_eq!(serde_json::to_string(&packet).unwrap(), expected);
    let back: ClientPacket = serde_json::from_str(expected).unwrap();
    assert_eq!(back, packet);
    for text in [TextEncoding::Utf8, TextEncoding::Cesu8] {
        let options = EncodeOptions {
            text,
            ..EncodeOptions::default()
        };
        assert_eq!(
            back.to_bytes(Framing::Message, &options).unwrap(),
            packet.to_bytes(Framing::Message, &options).unwrap()
        );
    }
}

fn known_server(packet: ServerPacket, expected: &str) {
    assert_eq!(serde_json::to_string(&packet).unwrap(), expected);
    let back: ServerPacket = serde_json::from_str(expected).unwrap();
    assert_eq!(back, packet);
    let options = EncodeOptions::default();
    assert_eq!(
        back.to_bytes(Framing::Message, &options).unwrap(),
        packet.to_bytes(Framing::Message, &options).unwrap()
    );
}

const FLAGS: &str = r#""dup":false,"qos":0,"retain":false"#;
const QOS1: &str = r#""dup":false,"qos":1,"retain":false"#;

#[test]
fn client_packets_known_json() {
    let mut connect = Connect::new("dev");
    connect.app_id = Some("app".into());
    connect.token = Some("tok".into());
    known_client(
        connect.clone().into(),
        &format!(
            r#"{{"type":"CONNECT",{FLAGS},"protocolId":"RCloud","version":3,"cleanSession":true,"keepAlive":30,"clientId":"dev","appId":"app","token":"tok"}}"#
        ),
    );
    connect.will = Some(Will {
        topic: "w".into(),
        message: "bye".into(),
        qos: QoS::ExactlyOnce,
        retain: true,
    });
    connect.app_id = None;
    connect.clean_session = false;
    known_client(
        connect.into(),
        &format!(
            r#"{{"type":"CONNECT",{FLAGS},"protocolId":"RCloud","version":3,"cleanSession":false,"keepAlive":30,"clientId":"dev","willTopic":"w","will":"bye","willQos":2,"willRetain":true,"token":"tok"}}"#
        ),
    );
    let data = Bytes::from_static(&[0x08, 0xFF, 0x00]);
    known_client(
        ClientPublish::new(QoS::AtLeastOnce, "timMsg", "bob", 9, data.clone()).into(),
        &format!(
            r#"{{"type":"PUBLISH",{QOS1},"msgId":9,"topic":"timMsg","targetId":"bob","data":"08ff00"}}"#
        ),
    );
    known_client(
        ClientPubAck::new(0x0102).into(),
        &format!(r#"{{"type":"PUBACK",{FLAGS},"msgId":258}}"#),
    );
    known_client(
        Query::new(QoS::AtLeastOnce, "timPull", "alice", 3, Bytes::new()).into(),
        &format!(
            r#"{{"type":"QUERY",{QOS1},"msgId":3,"topic":"timPull","targetId":"alice","data":""}}"#
        ),
    );
    known_client(
        QueryCon {
            flags: Flags::from_bits(0b1001),
            msg_id: 7,
        }
        .into(),
        r#"{"type":"QUERYCON","dup":true,"qos":0,"retain":true,"msgId":7}"#,
    );
    let list = Subscriptions::new([("s_msg", QoS::AtLeastOnce), ("😀", QoS::Default)]).unwrap();
    known_client(
        Subscribe::new(10, list).into(),
        &format!(
            r#"{{"type":"SUBSCRIBE",{QOS1},"msgId":10,"subscriptions":[{{"topic":"s_msg","qos":1}},{{"topic":"😀","qos":3}}]}}"#
        ),
    );
    let topics = Topics::new(["s_msg", "s_ntf"]).unwrap();
    known_client(
        Unsubscribe {
            flags: Flags::qos(QoS::AtLeastOnce),
            msg_id: 11,
            topics,
        }
        .into(),
        &format!(r#"{{"type":"UNSUBSCRIBE",{QOS1},"msgId":11,"topics":["s_msg","s_ntf"]}}"#),
    );
    known_client(
        PingReq::default().into(),
        &format!(r#"{{"type":"PINGREQ",{FLAGS}}}"#),
    );
    known_client(
        // A status without a name has no statusName.
        Disconnect::new(DisconnectStatus::new(200)).into(),
        &format!(r#"{{"type":"DISCONNECT",{FLAGS},"status":200}}"#),
    );
}

#[test]
fn server_packets_known_json() {
    known_server(
        ConnAck::new(ConnAckStatus::TOKEN_INCORRECT).into(),
        &format!(r#"{{"type":"CONNACK",{FLAGS},"status":4,"statusName":"TOKEN_INCORRECT"}}"#),
    );
    known_server(
        ConnAck::accepted("u1", "sess", -5).into(),
        &format!(
            r#"{{"type":"CONNACK",{FLAGS},"status":0,"statusName":"ACCEPTED","userId":"u1","sessionId":"sess","timestamp":-5}}"#
        ),
    );
    known_server(
        ServerPublish::new(
            QoS::AtLeastOnce,
            0x6553_F100,
            "timMsg",
            "alice",
            5,
            Bytes::from_static(&[8, 2]),
        )
        .into(),
        &format!(
            r#"{{"type":"PUBLISH",{QOS1},"msgId":5,"date":1700000000,"topic":"timMsg","targetId":"alice","data":"0802"}}"#
        ),
    );
    known_server(
        ServerPubAck::new(1, 2, AckStatus::NOT_IN_GROUP, 3).into(),
        &format!(
            r#"{{"type":"PUBACK",{FLAGS},"msgId":1,"date":2,"status":22406,"statusName":"NOT_IN_GROUP","millisecond":3}}"#
        ),
    );
    known_server(
        ServerPubAck::new(1, 2, AckStatus::new(65000), 3)
            .with_message_uid("UID-1")
            .into(),
        &format!(
            r#"{{"type":"PUBACK",{FLAGS},"msgId":1,"date":2,"status":65000,"millisecond":3,"messageUId":"UID-1"}}"#
        ),
    );
    known_server(
        QueryAck::new(
            QoS::AtLeastOnce,
            3,
            4,
            AckStatus::SUCCESS,
            Bytes::from_static(&[0xAB]),
        )
        .into(),
        &format!(
            r#"{{"type":"QUERYACK",{QOS1},"msgId":3,"date":4,"status":0,"statusName":"SUCCESS","data":"ab"}}"#
        ),
    );
    known_server(
        SubAck::new(10, Bytes::from_static(&[1, 0x80])).into(),
        &format!(r#"{{"type":"SUBACK",{FLAGS},"msgId":10,"granted":[1,128]}}"#),
    );
    known_server(
        UnsubAck {
            flags: Flags::NONE,
            msg_id: 11,
        }
        .into(),
        &format!(r#"{{"type":"UNSUBACK",{FLAGS},"msgId":11}}"#),
    );
    known_server(
        PingResp::default().into(),
        &format!(r#"{{"type":"PINGRESP",{FLAGS}}}"#),
    );
    known_server(
        Disconnect::new(DisconnectStatus::OTHER_DEVICE_LOGIN).into(),
        &format!(r#"{{"type":"DISCONNECT",{FLAGS},"status":1,"statusName":"OTHER_DEVICE_LOGIN"}}"#),
    );
}

#[test]
fn reserved_bytes_survive_decode_json_and_encode() {
    for wire in [&[0x20u8, 0x80, 0x00][..], &[0xE0, 0xFF, 0x01][..]] {
        let packet = ServerPacket::from_message(Bytes::copy_from_slice(wire)).unwrap();
        let j = to_json(&packet);
        assert_eq!(j["reserved"], wire[1]);
        let back = server(j).unwrap();
        assert_eq!(back, packet);
        let bytes = back
            .to_bytes(Framing::Message, &EncodeOptions::default())
            .unwrap();
        assert_eq!(bytes, wire);
    }
    let packet = ClientPacket::from_message(Bytes::from_static(&[0xE0, 0x05, 0x04])).unwrap();
    let ClientPacket::Disconnect(d) = &packet else {
        panic!("{packet:?}")
    };
    assert_eq!((d.reserved, d.status.value()), (5, 4));
    assert_eq!(client(to_json(&packet)).unwrap(), packet);
}

#[test]
fn borrowed_packets_write_the_same_json() {
    let wire = ClientPacket::from(ClientPublish::new(
        QoS::AtLeastOnce,
        "ppMsgP",
        "bob",
        2,
        Bytes::from_static(b"\x08\x03"),
    ))
    .to_bytes(Framing::Message, &EncodeOptions::default())
    .unwrap();
    let borrowed = ClientPacket::<&[u8]>::from_message(&wire[..]).unwrap();
    let shared = ClientPacket::from_message(wire.clone()).unwrap();
    assert_eq!(to_json(&borrowed), to_json(&shared));
    assert_eq!(to_json(&borrowed)["data"], "0803");
}

#[test]
fn messages_alone_have_no_tag_and_codes_are_numbers() {
    let ack = ClientPubAck::new(4);
    assert_eq!(
        to_json(&ack),
        json!({"dup": false, "qos": 0, "retain": false, "msgId": 4})
    );
    let back: ClientPubAck = serde_json::from_value(to_json(&ack)).unwrap();
    assert_eq!(back, ack);
    assert_eq!(to_json(&AckStatus::NOT_IN_GROUP), json!(22406));
    assert_eq!(to_json(&ErrorCode::new(-1)), json!(-1));
    let status: ConnAckStatus = serde_json::from_value(json!(6)).unwrap();
    assert_eq!(status, ConnAckStatus::REDIRECT);
    let text: Text = serde_json::from_value(json!("héllo")).unwrap();
    assert_eq!((&text[..], to_json(&text)), ("héllo", json!("héllo")));
    let topics: Topics = serde_json::from_value(json!(["a", "b"])).unwrap();
    assert_eq!(to_json(&topics), json!(["a", "b"]));
}

#[test]
fn reading_defaults_and_leniency() {
    // CONNECT defaults to `Connect::new`'s fields.
    let p = client(json!({"type": "CONNECT", "clientId": "dev"})).unwrap();
    assert_eq!(p, ClientPacket::from(Connect::new("dev")));
    // Flags, data and reserved default; unknown fields and statusName are ignored.
    let p = client(json!({
        "type": "PUBLISH", "topic": "t", "targetId": "b", "msgId": 1, "from": "client", "payload": {}
    }))
    .unwrap();
    assert_eq!(
        p,
        ClientPacket::from(ClientPublish::new(
            QoS::AtMostOnce,
            "t",
            "b",
            1,
            Bytes::new()
        ))
    );
    let with_null = client(json!({
        "type": "PUBLISH", "topic": "t", "targetId": "b", "msgId": 1, "data": null
    }))
    .unwrap();
    assert_eq!(with_null, p);
    let p = server(json!({"type": "DISCONNECT", "status": 2, "statusName": "nonsense"})).unwrap();
    assert_eq!(
        p,
        ServerPacket::from(Disconnect::new(DisconnectStatus::new(2)))
    );
    // Upper-case hex; a timestamp as a string (canonical protobuf JSON's 64-bit form).
    let p = server(json!({
        "type": "QUERYACK", "msgId": 1, "date": 2, "status": 0, "data": "0A0b"
    }))
    .unwrap();
    let ServerPacket::QueryAck(q) = &p else {
        panic!("{p:?}")
    };
    assert_eq!(&q.data[..], &[0x0A, 0x0B]);
    let p = server(json!({
        "type": "CONNACK", "status": 0, "userId": "u", "sessionId": "s",
        "timestamp": "-9223372036854775808"
    }))
    .unwrap();
    assert_eq!(p, ServerPacket::from(ConnAck::accepted("u", "s", i64::MIN)));
}

#[test]
fn reading_rejects_what_the_wire_cannot_carry() {
    let cases: Vec<(Result<(), String>, &str)> = vec![
        (client(json!({"type": "PINGREQ", "qos": 4})).map(drop), "qos 4 is not 0..=3"),
        (client(json!({"type": "PINGREQ", "qos": 256})).map(drop), "qos 256"),
        (client(json!({"type": "NOPE"})).map(drop), "unknown variant `NOPE`"),
        (client(json!({"msgId": 1})).map(drop), "missing field `type`"),
        // The enum of the other direction has no such type.
        (client(json!({"type": "CONNACK", "status": 0})).map(drop), "unknown variant `CONNACK`"),
        (
            client(json!({"type": "QUERY", "topic": "t", "msgId": 1})).map(drop),
            "missing field `targetId`",
        ),
        (
            client(json!({"type": "CONNECT", "clientId": "d", "will": "bye"})).map(drop),
            "missing field `willTopic`",
        ),
        (
            client(json!({"type": "CONNECT", "clientId": "d", "willQos": 1})).map(drop),
            "without a will",
        ),
        (
            client(json!({"type": "PUBLISH", "topic": "t", "targetId": "b", "msgId": 1, "data": "0g"}))
                .map(drop),
            "field `data`: invalid hex",
        ),
        (
            client(json!({"type": "SUBSCRIBE", "msgId": 1, "subscriptions": []})).map(drop),
            "empty",
        ),
        (
            client(json!({"type": "SUBSCRIBE", "msgId": 1, "subscriptions": [{"topic": "t", "qos": 5}]}))
                .map(drop),
            "qos 5 is not 0..=3",
        ),
        (
            client(json!({"type": "UNSUBSCRIBE", "msgId": 1, "topics": ["x".repeat(65_536)]}))
                .map(drop),
            "topic",
        ),
        (
            server(json!({"type": "CONNACK", "status": 0, "userId": "u"})).map(drop),
            "missing field `sessionId`",
        ),
        (
            server(json!({"type": "CONNACK", "status": 0, "userId": "u", "sessionId": "s", "timestamp": "soon"}))
                .map(drop),
            "is not a 64-bit integer",
        ),
        (server(json!({"type": "CONNACK", "status": 256})).map(drop), "256"),
        (server(json!({"type": "SUBACK", "msgId": 1, "granted": []})).map(drop), "granted"),
        (server(json!({"type": "DISCONNECT", "status": 1, "reserved": -1})).map(drop), "-1"),
    ];
    for (i, (result, needle)) in cases.into_iter().enumerate() {
        let error = result.expect_err(needle);
        assert!(
            error.contains(needle),
            "case {i}: {needle:?} not in {error:?}"
        );
    }
}

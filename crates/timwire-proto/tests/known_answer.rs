//! Known-answer tests: bytes written out by hand from the protobuf encoding rules (tag =
//! field_number << 3 | wire_type; wire type 0 varint, 2 length-delimited; varints 7 bits per
//! byte, least significant group first, high bit = "more"; negative int32/int64 are 10-byte
//! varints of the two's complement; no sint fields occur in these schemas, so no zig-zag).
//! Each test checks both ways: encode(struct) == bytes and decode(bytes) == struct.

use std::collections::HashMap;
use std::fmt::Debug;

use bytes::Bytes;
use prost::Message;
use timwire_proto::conversation::{self, Conversation, MessageType, Scene};
use timwire_proto::rongcloud::{ChannelType, DownStreamMessage, SyncRequestMsg, UpStreamMessage};
use timwire_proto::tim::{Tid, TimAuth, TimMessage, TimPresence};

fn check<M: Message + Default + PartialEq + Debug>(msg: &M, expected: &[u8]) {
    assert_eq!(msg.encode_to_vec(), expected, "encode");
    assert_eq!(msg.encoded_len(), expected.len(), "encoded_len");
    let decoded = M::decode(Bytes::copy_from_slice(expected)).expect("decode");
    assert_eq!(&decoded, msg, "decode");
}

fn tid(node: &str) -> Tid {
    Tid {
        node: node.into(),
        ..Default::default()
    }
}

#[test]
fn tim_message() {
    let msg = TimMessage {
        ms_type: 2,
        od_type: 1,
        id: Some(300),
        from_tid: Some(tid("alice")),
        to_tid: Some(tid("bob")),
        data_binary: Some(Bytes::from_static(&[1, 2])),
        data_string: Some("hi".into()),
        is_offline: Some(false),
        timestamp: Some(1_000_000_000),
        udtype: Some(-1),
        extra: HashMap::from([("k".to_owned(), Bytes::from_static(b"v"))]),
        to_list: vec!["c".into()],
        ..Default::default()
    };
    #[rustfmt::skip]
    let expected = [
        0x08, 0x02,                         // 1 msType (varint) = 2
        0x10, 0x01,                         // 2 odType = 1
        0x18, 0xAC, 0x02,                   // 3 id = 300 = 0b10_0101100 -> AC 02
        0x32, 0x07,                         // 6 fromTid (len-delimited), 7 bytes:
            0x0A, 0x05, b'a', b'l', b'i', b'c', b'e', //   Tid 1 node = "alice"
        0x3A, 0x05,                         // 7 toTid, 5 bytes:
            0x0A, 0x03, b'b', b'o', b'b',   //   Tid 1 node = "bob"
        0x4A, 0x02, 0x01, 0x02,             // 9 dataBinary = 01 02
        0x52, 0x02, b'h', b'i',             // 10 dataString = "hi"
        0x58, 0x00,                         // 11 isOffline = false (optional: present although 0)
        0x60, 0x80, 0x94, 0xEB, 0xDC, 0x03, // 12 timestamp = 1_000_000_000 ns
        0x68, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // 13 udtype = -1: 10-byte varint
              0xFF, 0xFF, 0xFF, 0xFF, 0x01,
        0x82, 0x01, 0x06,                   // 16 extra (tag 130 = 82 01), one entry of 6 bytes:
            0x0A, 0x01, b'k',               //   key = "k"
            0x12, 0x01, b'v',               //   value = "v"
        0x8A, 0x01, 0x01, b'c',             // 17 ToList (tag 138 = 8A 01) = ["c"]
    ];
    check(&msg, &expected);
}

#[test]
fn tim_message_required_zero_fields_are_omitted() {
    // proto3 plain fields (tim's required msType/odType) at 0 are not written.
    check(&TimMessage::default(), &[]);
}

#[test]
fn tim_presence() {
    let p = TimPresence {
        id: Some(7),
        offline: Some(true),
        sub_status: Some(1),
        to_tid: Some(Tid {
            node: "bob".into(),
            domain: Some("d".into()),
            ..Default::default()
        }),
        show: Some(4),
        status: Some("on".into()),
        ..Default::default()
    };
    #[rustfmt::skip]
    let expected = [
        0x08, 0x07,                         // 1 id = 7
        0x10, 0x01,                         // 2 offline = true
        0x18, 0x01,                         // 3 subStatus = 1 (SUBSTATUS_REQ)
        0x2A, 0x08,                         // 5 toTid, 8 bytes:
            0x0A, 0x03, b'b', b'o', b'b',   //   1 node = "bob"
            0x12, 0x01, b'd',               //   2 domain = "d"
        0x38, 0x04,                         // 7 show = 4 (SHOW_DND)
        0x42, 0x02, b'o', b'n',             // 8 status = "on"
    ];
    check(&p, &expected);
}

#[test]
fn tim_auth() {
    let a = TimAuth {
        name: Some("tim1".into()),
        pwd: Some("123".into()),
        termtyp: Some(1),
        token: Some("tok".into()),
        ..Default::default()
    };
    #[rustfmt::skip]
    let expected = [
        0x0A, 0x04, b't', b'i', b'm', b'1', // 1 name = "tim1"
        0x12, 0x03, b'1', b'2', b'3',       // 2 pwd = "123"
        0x28, 0x01,                         // 5 termtyp = 1
        0x32, 0x03, b't', b'o', b'k',       // 6 token = "tok" (a string at tim's current IDL)
    ];
    check(&a, &expected);
}

#[test]
fn up_stream_message() {
    let m = UpStreamMessage {
        session_id: 3,
        classname: "RC:TxtMsg".into(),
        content: Bytes::from_static(br#"{"content":"hi"}"#),
        user_id: vec!["u1".into()],
        config_flag: Some(1),
        ..Default::default()
    };
    #[rustfmt::skip]
    let expected = [
        0x08, 0x03,                         // 1 sessionId = 3 (persisted | counted)
        0x12, 0x09,                         // 2 classname, 9 bytes
            b'R', b'C', b':', b'T', b'x', b't', b'M', b's', b'g',
        0x1A, 0x10,                         // 3 content, 16 bytes of JSON
            b'{', b'"', b'c', b'o', b'n', b't', b'e', b'n', b't', b'"',
            b':', b'"', b'h', b'i', b'"', b'}',
        0x32, 0x02, b'u', b'1',             // 6 userId = ["u1"]
        0x48, 0x01,                         // 9 configFlag = 1 (push)
    ];
    check(&m, &expected);
}

#[test]
fn down_stream_message() {
    let m = DownStreamMessage {
        from_user_id: "a".into(),
        r#type: ChannelType::Group as i32,
        group_id: Some("g".into()),
        classname: "RC:TxtMsg".into(),
        content: Bytes::from_static(b"{}"),
        data_time: 1000,
        status: 0x30,
        msg_id: Some("M1".into()),
        direction: Some(1),
        plantform: Some(2),
        ..Default::default()
    };
    #[rustfmt::skip]
    let expected = [
        0x0A, 0x01, b'a',                   // 1 fromUserId = "a"
        0x10, 0x03,                         // 2 type = GROUP (3)
        0x1A, 0x01, b'g',                   // 3 groupId = "g"
        0x22, 0x09,                         // 4 classname, 9 bytes
            b'R', b'C', b':', b'T', b'x', b't', b'M', b's', b'g',
        0x2A, 0x02, b'{', b'}',             // 5 content = "{}"
        0x30, 0xE8, 0x07,                   // 6 dataTime = 1000 = 7*128 + 104 -> E8 07
        0x38, 0x30,                         // 7 status = 0x30 (persisted | counted)
        0x4A, 0x02, b'M', b'1',             // 9 msgId = "M1"
        0x50, 0x01,                         // 10 direction = 1
        0x58, 0x02,                         // 11 plantform = 2 (engine 4.4.2 field)
    ];
    check(&m, &expected);
}

#[test]
fn down_stream_message_required_fields_always_written() {
    // proto2 `required` fields are written even when they hold the default value.
    #[rustfmt::skip]
    let expected = [
        0x0A, 0x00, // 1 fromUserId = ""
        0x10, 0x01, // 2 type = PERSON: a proto2 enum defaults to its first value, not 0
        0x22, 0x00, // 4 classname = ""
        0x2A, 0x00, // 5 content = empty
        0x30, 0x00, // 6 dataTime = 0
        0x38, 0x00, // 7 status = 0
    ];
    check(&DownStreamMessage::default(), &expected);
}

#[test]
fn sync_request_msg() {
    let m = SyncRequestMsg {
        sync_time: 1_000_000_000,
        ispolling: false,
        is_pull_send: Some(true),
        send_box_sync_time: Some(0),
        ..Default::default()
    };
    #[rustfmt::skip]
    let expected = [
        0x08, 0x80, 0x94, 0xEB, 0xDC, 0x03, // 1 syncTime = 1_000_000_000
        0x10, 0x00,                         // 2 ispolling = false (required: always written)
        0x20, 0x01,                         // 4 isPullSend = true
        0x30, 0x00,                         // 6 sendBoxSyncTime = 0 (optional, present)
    ];
    check(&m, &expected);
}

#[test]
fn conversation() {
    let c = Conversation {
        id: "C2Cbob".into(),
        scene: Scene::P2p as i32,
        to: "bob".into(),
        update_time: 1000,
        unread: 2,
        last_message: Some(conversation::Message {
            id_client: "c1".into(),
            r#type: MessageType::Text as i32,
            content: "hi".into(),
            ..Default::default()
        }),
        custom: "{}".into(),
    };
    #[rustfmt::skip]
    let expected = [
        0x0A, 0x06, b'C', b'2', b'C', b'b', b'o', b'b', // 1 id = "C2Cbob"
        0x10, 0x01,                         // 2 scene = P2P
        0x1A, 0x03, b'b', b'o', b'b',       // 3 to = "bob"
        0x20, 0xE8, 0x07,                   // 4 update_time = 1000
        0x28, 0x02,                         // 5 unread = 2
        0x32, 0x0A,                         // 6 last_message, 10 bytes:
            0x1A, 0x02, b'c', b'1',         //   3 id_client = "c1"
            0x28, 0x01,                     //   5 type = TEXT
            0x5A, 0x02, b'h', b'i',         //   11 content = "hi"
        0x3A, 0x02, b'{', b'}',             // 7 custom = "{}"
    ];
    check(&c, &expected);
}

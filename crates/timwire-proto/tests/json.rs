//! Canonical protobuf JSON (feature `serde`): 64-bit integers are strings, bytes are base64,
//! names are lowerCamelCase (tim's own names kept), enum-typed fields by name.
#![cfg(feature = "serde")]

use std::collections::HashMap;

use bytes::Bytes;
use serde_json::{Value, json};
use timwire_proto::conversation::{self, HistoryJumpRequest, Scene, history_jump_request};
use timwire_proto::rongcloud::{ChannelType, DownStreamMessage, SyncRequestMsg};
use timwire_proto::tim::{Tid, TimMessage, TimStream};

#[test]
fn tim_message_json() {
    let msg = TimMessage {
        ms_type: 2,
        od_type: 1,
        id: Some(9_007_199_254_740_993), // 2^53 + 1: not representable as a JS number
        from_tid: Some(Tid {
            node: "alice".into(),
            ..Default::default()
        }),
        data_binary: Some(Bytes::from_static(&[1, 2, 3])),
        is_offline: Some(false),
        timestamp: Some(-5),
        extra: HashMap::from([("k".to_owned(), Bytes::from_static(b"\xff"))]),
        to_list: vec!["c".into()],
        ..Default::default()
    };
    let v = serde_json::to_value(&msg).unwrap();
    assert_eq!(
        v,
        json!({
            "msType": 2,
            "odType": 1,
            "id": "9007199254740993",
            "fromTid": {"node": "alice"},
            "dataBinary": "AQID",
            "isOffline": false,
            "timestamp": "-5",
            "extra": {"k": "/w=="},
            "ToList": ["c"],
        })
    );
    assert_eq!(serde_json::from_value::<TimMessage>(v).unwrap(), msg);
}

#[test]
fn int64_accepts_numbers_and_strings_on_input() {
    let m: TimMessage = serde_json::from_str(r#"{"msType":2,"id":42,"mid":"43"}"#).unwrap();
    assert_eq!((m.id, m.mid), (Some(42), Some(43)));
}

#[test]
fn tim_stream_keeps_tim_names() {
    let s = TimStream {
        id: 1,
        v_node: "room".into(),
        from_node: "bob".into(),
        body: Some(Bytes::from_static(b"hi")),
        ..Default::default()
    };
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(
        v,
        json!({"id": "1", "VNode": "room", "body": "aGk=", "fromNode": "bob"})
    );
}

#[test]
fn rongcloud_json() {
    let m = DownStreamMessage {
        from_user_id: "a".into(),
        r#type: ChannelType::Group as i32,
        classname: "RC:TxtMsg".into(),
        content: Bytes::from_static(b"{}"),
        data_time: 1_700_000_000_000,
        status: 0x30,
        plantform: Some(1),
        ..Default::default()
    };
    let v = serde_json::to_value(&m).unwrap();
    assert_eq!(
        v,
        json!({
            "fromUserId": "a",
            "type": "GROUP",
            "classname": "RC:TxtMsg",
            "content": "e30=",
            "dataTime": "1700000000000",
            "status": "48",
            "plantform": 1,
        })
    );
    let s = SyncRequestMsg {
        sync_time: 5,
        ispolling: false,
        send_box_sync_time: Some(6),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(s).unwrap(),
        json!({"syncTime": "5", "ispolling": false, "sendBoxSyncTime": "6"})
    );
}

#[test]
fn conversation_json_is_lower_camel_case() {
    let m = conversation::Message {
        conversation_id: "C2Cbob".into(),
        id_client: "c1".into(),
        scene: Scene::P2p as i32,
        time: 1,
        need_read_receipt: true,
        ..Default::default()
    };
    let v = serde_json::to_value(&m).unwrap();
    assert_eq!(
        v,
        json!({
            "conversationId": "C2Cbob",
            "idClient": "c1",
            "scene": "SCENE_P2P",
            "time": "1",
            "needReadReceipt": true,
        })
    );
    let jump = HistoryJumpRequest {
        conversation_id: "GROUPg".into(),
        anchor: Some(history_jump_request::Anchor::Sequence(u64::MAX)),
        count: 15,
        ..Default::default()
    };
    let v = serde_json::to_value(&jump).unwrap();
    assert_eq!(v["sequence"], Value::from("18446744073709551615"));
    assert_eq!(
        serde_json::from_value::<HistoryJumpRequest>(v).unwrap(),
        jump
    );
}

#[test]
fn unnamed_enum_value_has_no_json_form() {
    // A documented pbjson limitation: an enum-typed field holding a value its enum does not
    // name cannot be written as JSON (the binary form keeps it). tim's code fields are int32
    // for this reason.
    let m = DownStreamMessage {
        r#type: 10, // ULTRA_GROUP in newer RongCloud SDKs, not in the 2.5.3 ChannelType
        ..Default::default()
    };
    assert!(serde_json::to_value(&m).is_err());
}

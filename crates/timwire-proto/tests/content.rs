//! RongCloud content objects: real-shaped JSON, a round trip per ObjectName, unknown kept raw.

use serde_json::{Value, json};
use timwire_proto::content::{self, Content, ContentError, object_name};
use timwire_proto::rongcloud::flags::MessageTag;

#[test]
fn parses_a_real_shaped_text_message() {
    // As RongCloud's web SDK writes it: content, extra, user, mentionedInfo.
    let raw = br#"{"content":"hello @bob","extra":"{\"k\":1}",
        "user":{"id":"u1","name":"Alice","portrait":"https://x/a.png"},
        "mentionedInfo":{"type":2,"userIdList":["bob"],"mentionedContent":"@you"},
        "isBurnAfterRead":false}"#;
    let c = Content::parse("RC:TxtMsg", raw).unwrap();
    let Content::Text(t) = &c else {
        panic!("not text: {c:?}")
    };
    assert_eq!(t.content, "hello @bob");
    assert_eq!(t.extra.as_deref(), Some(r#"{"k":1}"#));
    let user = t.user.as_ref().unwrap();
    assert_eq!(user.id.as_deref(), Some("u1"));
    assert_eq!(user.name.as_deref(), Some("Alice"));
    let m = t.mentioned_info.as_ref().unwrap();
    assert_eq!(m.kind, Some(2));
    assert_eq!(m.user_id_list, ["bob"]);
    // A member the struct does not name is kept.
    assert_eq!(t.other["isBurnAfterRead"], json!(false));
    // And written back: same JSON value as the input.
    let back: Value = serde_json::from_slice(&c.to_json().unwrap()).unwrap();
    assert_eq!(back, serde_json::from_slice::<Value>(raw).unwrap());
    assert_eq!(c.object_name(), "RC:TxtMsg");
}

/// One real-shaped sample per ObjectName, written with RongCloud's member names.
fn samples() -> Vec<(&'static str, Value)> {
    vec![
        ("RC:TxtMsg", json!({"content": "hi", "extra": ""})),
        (
            "RC:ImgMsg",
            json!({"content": "/9j/4AAQ", "imageUri": "https://x/i.jpg", "extra": ""}),
        ),
        (
            "RC:GIFMsg",
            json!({"gifDataSize": 34563, "remoteUrl": "https://x/a.gif", "width": 960, "height": 555}),
        ),
        (
            "RC:VcMsg",
            json!({"content": "IyFBTVIK", "duration": 7, "extra": ""}),
        ),
        (
            "RC:HQVCMsg",
            json!({"remoteUrl": "https://x/v.aac", "duration": 7, "extra": ""}),
        ),
        (
            "RC:FileMsg",
            json!({"name": "a.pdf", "size": 1024, "type": "pdf", "fileUrl": "https://x/a.pdf"}),
        ),
        (
            "RC:LBSMsg",
            json!({"latitude": 39.9139, "longitude": 116.3917, "poi": "Beijing", "content": "/9j/"}),
        ),
        (
            "RC:ImgTextMsg",
            json!({"title": "T", "content": "C", "imageUri": "https://x/i.png", "url": "https://x"}),
        ),
        (
            "RC:SightMsg",
            json!({"sightUrl": "https://x/v.mp4", "content": "/9j/", "duration": 10,
                   "size": 2048, "name": "v.mp4"}),
        ),
        (
            "RC:InfoNtf",
            json!({"message": "Alice joined", "extra": ""}),
        ),
        (
            "RC:ContactNtf",
            json!({"operation": "ContactOperationRequest", "sourceUserId": "a",
                   "targetUserId": "b", "message": "hi", "extra": ""}),
        ),
        (
            "RC:ProfileNtf",
            json!({"operation": "Update", "data": "{\"name\":\"A\"}", "extra": ""}),
        ),
        ("RC:CmdNtf", json!({"name": "refresh", "data": "x"})),
        (
            "RC:GrpNtf",
            json!({"operatorUserId": "a", "operation": "Add", "data": {"targetUserIds": ["b"]},
                   "message": "a added b", "extra": ""}),
        ),
        ("RC:CmdMsg", json!({"name": "sync", "data": "1"})),
        (
            "RC:ReadNtf",
            json!({"lastMessageSendTime": 1_700_000_000_000_i64, "messageUId": "5GSB-RPM1-KP8H-9JHF", "type": 1}),
        ),
        ("RC:TypSts", json!({"typingContentType": "RC:TxtMsg"})),
        (
            "RC:RRRspMsg",
            json!({"receiptMessageDic": {"a": ["5GSB-RPM1-KP8H-9JHF"]}}),
        ),
        (
            "RC:RcCmd",
            json!({"messageUId": "5GSB-RPM1-KP8H-9JHF", "conversationType": 1,
                   "targetId": "b", "sentTime": 1_700_000_000_000_i64}),
        ),
    ]
}

#[test]
fn every_object_name_round_trips() {
    let samples = samples();
    assert_eq!(samples.len(), object_name::ALL.len());
    for (name, value) in samples {
        let raw = serde_json::to_vec(&value).unwrap();
        let c = Content::parse(name, &raw).unwrap();
        assert!(
            !matches!(c, Content::Unknown { .. }),
            "{name} parsed as unknown"
        );
        assert_eq!(c.object_name(), name);
        // Typed -> JSON gives the same value back ...
        assert_eq!(c.to_json_value().unwrap(), value, "{name}");
        // ... and JSON -> typed gives the same struct.
        assert_eq!(
            Content::parse(name, &c.to_json().unwrap()).unwrap(),
            c,
            "{name}"
        );
    }
}

#[test]
fn typed_members_are_not_left_in_other() {
    let c = Content::parse(
        "RC:SightMsg",
        br#"{"sightUrl":"u","duration":3,"size":9,"name":"n","content":"t"}"#,
    )
    .unwrap();
    let Content::Sight(s) = c else { panic!() };
    assert!(s.other.is_empty(), "{:?}", s.other);
    assert_eq!(
        (s.sight_url.as_deref(), s.duration, s.size),
        (Some("u"), Some(3), Some(9))
    );
}

#[test]
fn unknown_object_name_is_kept_raw() {
    let raw = br#"{"anything":[1,2,{"x":null}],"n":1.5}"#;
    let c = Content::parse("App:Custom", raw).unwrap();
    assert_eq!(
        c,
        Content::Unknown {
            object_name: "App:Custom".into(),
            json: serde_json::from_slice(raw).unwrap(),
        }
    );
    assert_eq!(c.object_name(), "App:Custom");
    assert_eq!(
        serde_json::from_slice::<Value>(&c.to_json().unwrap()).unwrap(),
        serde_json::from_slice::<Value>(raw).unwrap()
    );
    assert_eq!(content::default_tag("App:Custom"), None);
    assert_eq!(c.default_tag(), MessageTag::PERSISTED | MessageTag::COUNTED);
}

#[test]
fn invalid_content_is_a_typed_error() {
    let err = Content::parse("RC:TxtMsg", b"not json").unwrap_err();
    assert!(
        matches!(&err, ContentError::Invalid { object_name, .. } if object_name == "RC:TxtMsg")
    );
    // Right JSON, wrong shape: `duration` must be a number.
    assert!(matches!(
        Content::parse("RC:VcMsg", br#"{"content":"","duration":"long"}"#),
        Err(ContentError::Invalid { .. })
    ));
    assert!(Content::parse("App:Custom", b"{").is_err());
}

#[test]
fn default_flags() {
    let both = MessageTag::PERSISTED | MessageTag::COUNTED;
    for name in [
        "RC:TxtMsg",
        "RC:ImgMsg",
        "RC:GIFMsg",
        "RC:VcMsg",
        "RC:HQVCMsg",
        "RC:FileMsg",
        "RC:LBSMsg",
        "RC:ImgTextMsg",
        "RC:SightMsg",
    ] {
        assert_eq!(content::default_tag(name), Some(both), "{name}");
    }
    for name in [
        "RC:InfoNtf",
        "RC:ContactNtf",
        "RC:ProfileNtf",
        "RC:CmdNtf",
        "RC:GrpNtf",
        "RC:RcCmd",
    ] {
        assert_eq!(
            content::default_tag(name),
            Some(MessageTag::PERSISTED),
            "{name}"
        );
    }
    // Status messages and commands: neither persisted nor counted.
    for name in ["RC:CmdMsg", "RC:ReadNtf", "RC:TypSts", "RC:RRRspMsg"] {
        assert_eq!(
            content::default_tag(name),
            Some(MessageTag::EMPTY),
            "{name}"
        );
    }
}

//! The topic registry end to end: frames in, typed payloads out.

use bytes::{Bytes, BytesMut};
use timwire::proto::content::Content;
use timwire::proto::rongcloud::{DownStreamMessages, SyncRequestMsg, UpStreamMessage};
use timwire::proto::{Message as _, tim};
use timwire::registry::{Carrier, Payload, PayloadType, Profile};
use timwire::*;

#[test]
fn stream_frame_to_rc_txtmsg_text() {
    // The client side: an RC:TxtMsg to "bob" over TCP (docs/PROTOCOL.md §8's example).
    let up = UpStreamMessage {
        session_id: 3,
        classname: "RC:TxtMsg".into(),
        content: Bytes::from_static(br#"{"content":"hello, bob","extra":""}"#),
        ..Default::default()
    };
    let publish = ClientPublish::new(
        QoS::AtLeastOnce,
        "ppMsgP",
        "bob",
        2,
        Bytes::from(up.encode_to_vec()),
    );
    let mut wire = BytesMut::new();
    ClientPacket::from(publish)
        .encode(Framing::Stream, &EncodeOptions::default(), &mut wire)
        .unwrap();
    assert_eq!(wire[0], 0x32);

    // The server side: frame → packet → payload → content → text.
    let packet: ClientPacket = StreamDecoder::new()
        .decode_packet(&mut wire)
        .unwrap()
        .unwrap();
    let Payload::UpStreamMessage(up) = Profile::RongCloud.decode_client(&packet).unwrap().unwrap()
    else {
        panic!("not an UpStreamMessage")
    };
    let content = Content::parse(&up.classname, &up.content).unwrap();
    let Content::Text(text) = content else {
        panic!("not a text message")
    };
    assert_eq!(text.content, "hello, bob");
}

#[test]
fn tim_profile_table() {
    let p = Profile::Tim;
    for carrier in [
        Carrier::ClientPublish,
        Carrier::ServerPublish { sync: false },
    ] {
        assert_eq!(
            p.payload_type("timMsg", carrier),
            Some(PayloadType::TimMessage)
        );
        assert_eq!(
            p.payload_type("timPres", carrier),
            Some(PayloadType::TimPresence)
        );
        assert_eq!(
            p.payload_type("timStrm", carrier),
            Some(PayloadType::TimStream)
        );
    }
    let q = |t| {
        (
            p.payload_type(t, Carrier::Query),
            p.payload_type(t, Carrier::QueryAck),
        )
    };
    assert_eq!(
        q("timPull"),
        (Some(PayloadType::TimReq), Some(PayloadType::TimMessageList))
    );
    assert_eq!(q("timOffl"), (None, Some(PayloadType::TimMessageList)));
    assert_eq!(
        q("timNodes"),
        (Some(PayloadType::TimNodes), Some(PayloadType::TimNodes))
    );
    assert_eq!(
        q("timBiz"),
        (Some(PayloadType::TimReq), Some(PayloadType::TimAck))
    );
    assert_eq!(
        q("timVroom"),
        (Some(PayloadType::TimReq), Some(PayloadType::TimAck))
    );
    // RongCloud topics mean nothing in the tim profile.
    assert_eq!(p.payload_type("ppMsgP", Carrier::ClientPublish), None);
}

#[test]
fn rongcloud_profile_table() {
    let p = Profile::RongCloud;
    for topic in [
        "ppMsgP",
        "pdMsgP",
        "pgMsgP",
        "chatMsg",
        "pcMsgP",
        "pmcMsgN",
        "pmpMsgN",
        "prMsgS",
        "prMsgP",
        "ppMsgS",
        "pgMsgS",
        "recallMsg",
    ] {
        assert_eq!(
            p.payload_type(topic, Carrier::ClientPublish),
            Some(PayloadType::UpStreamMessage),
            "{topic}"
        );
        // A dup-flagged server PUBLISH on a send topic is a sync copy: UpStreamMessage.
        assert_eq!(
            p.payload_type(topic, Carrier::ServerPublish { sync: true }),
            Some(PayloadType::UpStreamMessage)
        );
        assert_eq!(
            p.payload_type(topic, Carrier::ServerPublish { sync: false }),
            None
        );
    }
    let down = |t| p.payload_type(t, Carrier::ServerPublish { sync: false });
    assert_eq!(down("s_ntf"), Some(PayloadType::NotifyMsg));
    assert_eq!(down("s_msg"), Some(PayloadType::DownStreamMessage));
    assert_eq!(down("s_stat"), Some(PayloadType::GetUserStatusOutput));
    assert_eq!(down("s_cmd"), Some(PayloadType::ChrmNotifyMsg));
    let q = |t| {
        (
            p.payload_type(t, Carrier::Query),
            p.payload_type(t, Carrier::QueryAck),
        )
    };
    assert_eq!(
        q("pullMsg"),
        (
            Some(PayloadType::SyncRequestMsg),
            Some(PayloadType::DownStreamMessages)
        )
    );
    assert_eq!(
        q("chrmPull"),
        (
            Some(PayloadType::ChrmPullMsg),
            Some(PayloadType::DownStreamMessages)
        )
    );
    for t in [
        "qryPMsg", "qryDMsg", "qryGMsg", "qryCMsg", "qrySMsg", "qryCHMsg",
    ] {
        assert_eq!(
            q(t),
            (
                Some(PayloadType::HistoryMsgInput),
                Some(PayloadType::HistoryMsgOuput)
            )
        );
    }
    assert_eq!(
        q("qryRelation"),
        (
            Some(PayloadType::RelationsInput),
            Some(PayloadType::RelationsOutput)
        )
    );
    assert_eq!(
        q("joinChrm"),
        (Some(PayloadType::ChrmInput), Some(PayloadType::ChrmOutput))
    );
    assert_eq!(
        q("exitChrm"),
        (Some(PayloadType::ChrmInput), Some(PayloadType::ChrmOutput))
    );
    assert!(p.topics().next().is_some());
}

#[test]
fn queryack_is_decoded_by_the_query_topic() {
    let sync = SyncRequestMsg {
        sync_time: 1_700_000_000_000,
        ispolling: false,
        ..Default::default()
    };
    let query = ClientPacket::<Bytes>::from(Query::new(
        QoS::AtLeastOnce,
        "pullMsg",
        "u1",
        7,
        Bytes::from(sync.encode_to_vec()),
    ));
    let Payload::SyncRequestMsg(got) = Profile::RongCloud.decode_client(&query).unwrap().unwrap()
    else {
        panic!()
    };
    assert_eq!(got, sync);

    let answer = DownStreamMessages {
        list: vec![],
        sync_time: 5,
        ..Default::default()
    };
    let ack = ServerPacket::<Bytes>::from(QueryAck::new(
        QoS::AtLeastOnce,
        7,
        1,
        AckStatus::SUCCESS,
        Bytes::from(answer.encode_to_vec()),
    ));
    let decoded = Profile::RongCloud
        .decode_server(&ack, Some("pullMsg"))
        .unwrap()
        .unwrap();
    assert_eq!(decoded, Payload::DownStreamMessages(answer.clone()));
    // Without the query's topic the data stays raw.
    assert_eq!(
        Profile::RongCloud
            .decode_server(&ack, None)
            .unwrap()
            .unwrap(),
        Payload::Raw(Bytes::from(answer.encode_to_vec()))
    );
    // Packets without data have no payload.
    assert!(
        Profile::RongCloud
            .decode_server(&ServerPacket::<Bytes>::from(PingResp::default()), None)
            .is_none()
    );
}

#[test]
fn bad_data_for_a_known_topic_is_a_named_error() {
    let err = Profile::Tim
        .decode(
            "timMsg",
            Carrier::ClientPublish,
            Bytes::from_static(&[0xFF, 0xFF]),
        )
        .unwrap_err();
    assert_eq!(err.payload, "TimMessage");
    assert_eq!(err.topic, "timMsg");
    assert!(
        err.to_string()
            .starts_with("`timMsg` data is not a valid TimMessage")
    );
}

#[test]
fn payload_bytes_fields_share_the_frame() {
    let m = tim::TimMessage {
        data_binary: Some(Bytes::from_static(b"0123456789")),
        ..Default::default()
    };
    let frame = ClientPacket::<Bytes>::from(ClientPublish::new(
        QoS::AtMostOnce,
        "timMsg",
        "x",
        1,
        Bytes::from(m.encode_to_vec()),
    ))
    .to_bytes(Framing::Message, &EncodeOptions::default())
    .unwrap();
    let packet = ClientPacket::from_message(frame.clone()).unwrap();
    let Payload::TimMessage(got) = Profile::Tim.decode_client(&packet).unwrap().unwrap() else {
        panic!()
    };
    assert!(
        frame
            .as_ptr_range()
            .contains(&got.data_binary.unwrap().as_ptr())
    );
}

#[cfg(feature = "serde")]
#[test]
fn payload_json_is_canonical() {
    let m = tim::TimMessage {
        mid: Some(9_007_199_254_740_993),
        ..Default::default()
    };
    let json = Payload::TimMessage(m.clone()).to_json();
    assert_eq!(json["mid"], "9007199254740993");
    assert_eq!(
        Payload::from_json(PayloadType::TimMessage, json).unwrap(),
        Payload::TimMessage(m)
    );
}

#[test]
fn every_registry_topic_is_interned() {
    // The registry reads the table the signal layer interns topics from, so every topic with a
    // known payload decodes without touching the frame.
    for profile in [Profile::Tim, Profile::RongCloud] {
        for topic in profile.topics().map(|t| t.name) {
            assert_eq!(
                timwire::signal::known_topics::intern(topic.as_bytes()),
                Some(topic),
                "{profile:?} topic {topic} is not in known_topics::ALL"
            );
        }
    }
}

#[test]
fn every_payload_the_topic_tables_name_is_a_registry_type() {
    use timwire::signal::known_topics::{self, TopicKind};
    let mut named = 0;
    for topic in known_topics::RONGCLOUD.iter().chain(known_topics::TIM) {
        let names = match topic.kind {
            TopicKind::Send { payload, .. } | TopicKind::Publish { payload } => {
                [Some(payload), None]
            }
            TopicKind::ServerPublish { payload } => [payload, None],
            TopicKind::Query { request, answer } => [request, answer],
        };
        for name in names.into_iter().flatten() {
            let payload = PayloadType::from_name(name);
            assert!(payload.is_some(), "{}: no payload type {name}", topic.name);
            assert_eq!(payload.map(PayloadType::name), Some(name));
            named += 1;
        }
    }
    assert!(named > 0);
    assert_eq!(PayloadType::from_name("NoSuchMessage"), None);
}

#[test]
fn topic_info_names_the_conversation_type_of_send_topics() {
    let p = Profile::RongCloud;
    let of = |name| {
        p.topics()
            .find(|t| t.name == name)
            .map(|t| t.conversation_type)
    };
    assert_eq!(of("ppMsgP"), Some(Some(1)));
    assert_eq!(of("pgMsgP"), Some(Some(3)));
    assert_eq!(of("chatMsg"), Some(Some(4)));
    assert_eq!(of("recallMsg"), Some(None));
    assert_eq!(of("s_msg"), Some(None));
    assert!(Profile::Tim.topics().all(|t| t.conversation_type.is_none()));
}

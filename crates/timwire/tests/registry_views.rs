//! The registry's view path: borrowed packets give borrowed payload views, owned packets give
//! owned payloads that share the frame, and both agree with the prost path.

use bytes::{Bytes, BytesMut};
use timwire::proto::Message as _;
use timwire::proto::rongcloud::{DownStreamMessage, DownStreamMessages, UpStreamMessage};
use timwire::proto::tim::{Tid, TimMessage};
use timwire::proto::view::ViewErrorKind;
use timwire::registry::{
    Carrier, OwnedPayload, Payload, PayloadDecodeError, PayloadView, Profile, TopicInfo,
};
use timwire::*;

fn tim_message() -> TimMessage {
    TimMessage {
        ms_type: 2,
        od_type: 1,
        from_tid: Some(Tid {
            node: "alice".into(),
            domain: Some("tim.example".into()),
            ..Default::default()
        }),
        to_tid: Some(Tid {
            node: "bob".into(),
            ..Default::default()
        }),
        data_string: Some("héllo, 世界 🙂".into()),
        data_binary: Some(Bytes::from_static(b"\x00\x01binary")),
        to_list: vec!["bob".into(), "carol".into()],
        extend: [("k".to_string(), "v".to_string())].into(),
        extra: [("blob".to_string(), Bytes::from_static(b"\xff\x00"))].into(),
        ..Default::default()
    }
}

fn inside(outer: &[u8], inner: &[u8]) -> bool {
    let o = outer.as_ptr_range();
    let i = inner.as_ptr_range();
    o.start <= i.start && i.end <= o.end
}

#[test]
fn borrowed_packet_gives_views_into_the_frame() {
    let data = Bytes::from(tim_message().encode_to_vec());
    let publish = ClientPublish::new(QoS::AtLeastOnce, "timMsg", "bob", 7, data);
    let frame = ClientPacket::from(publish)
        .to_bytes(Framing::Message, &EncodeOptions::default())
        .unwrap();

    let packet = ClientPacket::<&[u8]>::from_message(&frame[..]).unwrap();
    let Some(Ok(PayloadView::TimMessage(view))) = Profile::Tim.view_client(&packet) else {
        panic!("not a TimMessage view")
    };
    let text = view.data_string.unwrap();
    assert_eq!(text, "héllo, 世界 🙂");
    assert!(
        inside(&frame, text.as_bytes()),
        "the string is not borrowed from the frame"
    );
    assert!(inside(&frame, view.data_binary.unwrap()));
    assert_eq!(view.from_tid.unwrap().node, "alice");
    assert_eq!(view.to_list().iter().collect::<Vec<_>>(), ["bob", "carol"]);
    assert_eq!(view.extra().get("blob"), Some(&b"\xff\x00"[..]));
    // The same payload as prost's path.
    assert_eq!(view.to_message(), tim_message());
}

#[test]
fn owned_packet_gives_an_owned_payload_sharing_the_frame() {
    let data = Bytes::from(tim_message().encode_to_vec());
    let publish = ClientPublish::new(QoS::AtLeastOnce, "timMsg", "bob", 7, data);
    let mut wire = BytesMut::new();
    ClientPacket::from(publish)
        .encode(Framing::Stream, &EncodeOptions::default(), &mut wire)
        .unwrap();
    let packet: ClientPacket = StreamDecoder::new()
        .decode_packet(&mut wire)
        .unwrap()
        .unwrap();
    let ClientPacket::Publish(publish) = &packet else {
        panic!()
    };

    let owned = Profile::Tim.owned_client(&packet).unwrap().unwrap();
    drop(wire); // the payload outlives the read buffer
    let OwnedPayload::TimMessage(message) = &owned else {
        panic!("{owned:?}")
    };
    assert_eq!(
        message.bytes().as_ptr(),
        publish.data.as_ptr(),
        "the data was copied"
    );
    let view = message.view();
    assert!(inside(&publish.data, view.data_string.unwrap().as_bytes()));

    // Conversion keeps `bytes` fields shared with the frame.
    let Payload::TimMessage(prost_form) = owned.to_payload() else {
        panic!()
    };
    assert_eq!(prost_form, tim_message());
    assert!(inside(
        &publish.data,
        prost_form.data_binary.as_ref().unwrap()
    ));

    // And the registry's view of the owned payload is the same.
    assert!(matches!(owned.view(), PayloadView::TimMessage(_)));
    assert_eq!(owned.view().to_payload(), owned.to_payload());
}

#[test]
fn every_topic_views_like_prost() {
    let up = UpStreamMessage {
        session_id: 3,
        classname: "RC:TxtMsg".into(),
        content: Bytes::from_static(br#"{"content":"hi"}"#),
        push_text: Some("hi".into()),
        ..Default::default()
    }
    .encode_to_vec();
    let downs = DownStreamMessages {
        list: (0..3)
            .map(|i| DownStreamMessage {
                from_user_id: format!("user{i}"),
                classname: "RC:TxtMsg".into(),
                content: Bytes::from(format!(r#"{{"content":"{i}"}}"#)),
                data_time: 1_700_000_000_000 + i,
                ..Default::default()
            })
            .collect(),
        sync_time: 42,
        ..Default::default()
    }
    .encode_to_vec();
    let tim = tim_message().encode_to_vec();
    for profile in [Profile::Tim, Profile::RongCloud] {
        for TopicInfo {
            name: topic,
            carrier,
            payload: payload_type,
            ..
        } in profile.topics()
        {
            // Each type on an empty body (every type decodes it), and the samples on the topics
            // that carry them.
            let mut samples: Vec<&[u8]> = vec![&[]];
            match payload_type.name() {
                "TimMessage" => samples.push(&tim),
                "UpStreamMessage" => samples.push(&up),
                "DownStreamMessages" => samples.push(&downs),
                _ => {}
            }
            for data in samples {
                let by_prost = profile
                    .decode(topic, carrier, Bytes::copy_from_slice(data))
                    .unwrap();
                let view = profile.view(topic, carrier, data).unwrap();
                assert_eq!(view.payload_type(), Some(payload_type), "{topic}");
                assert_eq!(view.to_payload(), by_prost, "{topic} {carrier:?}");
                let owned = profile
                    .decode_owned(topic, carrier, Bytes::copy_from_slice(data))
                    .unwrap();
                assert_eq!(owned.to_payload(), by_prost, "{topic} {carrier:?}");
            }
        }
    }
}

#[test]
fn unknown_topics_stay_raw_borrowed() {
    let data = [1u8, 2, 3];
    let view = Profile::Tim
        .view("nope", Carrier::ClientPublish, &data)
        .unwrap();
    let PayloadView::Raw(raw) = view else {
        panic!()
    };
    assert_eq!(raw.as_ptr(), data.as_ptr());
}

#[test]
fn bad_data_is_a_named_view_error() {
    // TimMessage field 10 (dataString) with invalid UTF-8.
    let data = [0x52, 0x02, 0xc3, 0x28];
    let err = Profile::Tim
        .view("timMsg", Carrier::ClientPublish, &data)
        .unwrap_err();
    assert_eq!(err.topic, "timMsg");
    assert_eq!(err.payload, "TimMessage");
    let PayloadDecodeError::View(view_err) = &err.source else {
        panic!("{err:?}")
    };
    assert_eq!(view_err.kind(), ViewErrorKind::InvalidUtf8);
    assert_eq!(view_err.message(), "TimMessage");
    assert_eq!(view_err.field(), "dataString");
    assert_eq!(view_err.offset(), 2);
    assert!(err.to_string().contains("TimMessage.dataString"), "{err}");
    // prost rejects it too.
    assert!(
        Profile::Tim
            .decode(
                "timMsg",
                Carrier::ClientPublish,
                Bytes::copy_from_slice(&data)
            )
            .is_err()
    );
}

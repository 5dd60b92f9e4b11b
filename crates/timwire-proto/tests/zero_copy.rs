//! Decoding from `Bytes` shares the frame's allocation; decoding from `&[u8]` copies.

use std::collections::HashMap;

use bytes::Bytes;
use prost::Message;
use timwire_proto::rongcloud::UpStreamMessage;
use timwire_proto::tim::{TimMessage, TimStream};

fn inside(frame: &Bytes, field: &Bytes) -> bool {
    let range = frame.as_ptr_range();
    !field.is_empty()
        && range.contains(&field.as_ptr())
        && field.as_ptr() as usize + field.len() <= range.end as usize
}

#[test]
fn bytes_fields_point_into_the_frame() {
    let msg = TimMessage {
        ms_type: 2,
        od_type: 1,
        data_binary: Some(Bytes::from(vec![7u8; 64])),
        extra: HashMap::from([("k".to_owned(), Bytes::from_static(b"value"))]),
        ..Default::default()
    };
    let frame = Bytes::from(msg.encode_to_vec());
    let got = TimMessage::decode(frame.clone()).unwrap();
    assert_eq!(got, msg);
    assert!(inside(&frame, got.data_binary.as_ref().unwrap()));
    assert!(inside(&frame, &got.extra["k"]));

    let stream = TimStream {
        id: 1,
        v_node: "v".into(),
        body: Some(Bytes::from_static(b"payload")),
        from_node: "f".into(),
        ..Default::default()
    };
    let frame = Bytes::from(stream.encode_to_vec());
    let got = TimStream::decode(frame.clone()).unwrap();
    assert!(inside(&frame, got.body.as_ref().unwrap()));

    let up = UpStreamMessage {
        classname: "RC:TxtMsg".into(),
        content: Bytes::from_static(br#"{"content":"hi"}"#),
        ..Default::default()
    };
    let frame = Bytes::from(up.encode_to_vec());
    let got = UpStreamMessage::decode(frame.clone()).unwrap();
    assert!(inside(&frame, &got.content));
}

#[test]
fn decoding_from_a_slice_copies() {
    let msg = TimMessage {
        data_binary: Some(Bytes::from_static(b"copied")),
        ..Default::default()
    };
    let buf = msg.encode_to_vec();
    let got = TimMessage::decode(buf.as_slice()).unwrap();
    let data = got.data_binary.unwrap();
    assert_eq!(&data[..], b"copied");
    assert!(!buf.as_ptr_range().contains(&data.as_ptr()));
}

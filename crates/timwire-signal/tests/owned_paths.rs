//! `StreamDecoder::decode_packet` parses a PUBLISH where it lies in the read buffer before taking
//! the frame off (the relay's hot path, `FromStream`); every other frame, and a PUBLISH with a
//! long or non-UTF-8 string, is split off and decoded over its `Bytes` (`Decode::decode_owned`).
//! Both paths must give the same result for every input: the same packet or the same error,
//! and the same number of bytes consumed. Inputs are PUBLISH bodies built field by field (every
//! string length around the inline size, ASCII, CJK, emoji, CESU-8, invalid UTF-8, truncated
//! anywhere, trailing garbage) and arbitrary frames of every type.

use bytes::{BufMut, BytesMut};
use proptest::prelude::*;
use timwire_signal::header::stream::StreamPrefix;
use timwire_signal::*;

/// A stream frame with `header` and `body`.
fn frame(header: u8, body: &[u8]) -> Vec<u8> {
    let prefix = StreamPrefix::new(Header::from_byte(header), body.len() as u64).expect("fits");
    let mut out = prefix.as_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

/// A string field's bytes: valid UTF-8 of many lengths, CESU-8 surrogates, or invalid bytes.
fn string_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => "[a-zA-Z0-9_]{0,40}".prop_map(String::into_bytes),
        2 => "[a-z\u{4e00}-\u{4e20}\u{1F600}-\u{1F64F}]{0,12}".prop_map(String::into_bytes),
        // A well-known topic (interned on both paths).
        1 => prop::sample::select(vec!["ppMsgP", "timMsg", "s_msg", "pgMsgP"])
            .prop_map(|t| t.as_bytes().to_vec()),
        // An emoji in CESU-8 (a surrogate pair, 6 bytes): decoded, so owned.
        1 => Just(vec![0x61, 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]),
        1 => prop::collection::vec(any::<u8>(), 0..30),
    ]
}

/// A PUBLISH body, laid out field by field, then possibly cut short or extended.
fn publish_body(with_date: bool) -> impl Strategy<Value = Vec<u8>> {
    (
        any::<u32>(),
        string_bytes(),
        string_bytes(),
        any::<u16>(),
        prop::collection::vec(any::<u8>(), 0..64),
        prop_oneof![4 => Just(None), 1 => (0usize..80).prop_map(Some)],
    )
        .prop_map(move |(date, topic, target, msg_id, data, cut)| {
            let mut body = Vec::new();
            if with_date {
                body.put_u32(date);
            }
            for s in [&topic, &target] {
                body.put_u16(s.len() as u16);
                body.extend_from_slice(s);
            }
            body.put_u16(msg_id);
            body.extend_from_slice(&data);
            if let Some(cut) = cut {
                body.truncate(cut);
            }
            body
        })
}

/// Decodes `wire` both ways as `P` and checks that they agree.
fn same_both_ways<P>(wire: &[u8], general: impl Fn(Frame) -> Result<P, DecodeError>)
where
    P: FromStream + PartialEq + std::fmt::Debug,
{
    let decoder = StreamDecoder::new();
    let mut fast_buf = BytesMut::from(wire);
    let fast = decoder.decode_packet::<P>(&mut fast_buf);
    let mut general_buf = BytesMut::from(wire);
    let slow = match decoder.decode(&mut general_buf) {
        Ok(Some(frame)) => general(frame).map(Some),
        Ok(None) => Ok(None),
        Err(e) => Err(e),
    };
    assert_eq!(fast, slow, "{wire:02x?}");
    assert_eq!(
        fast_buf.len(),
        general_buf.len(),
        "consumed differently: {wire:02x?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn client_publish_same_both_ways(flags in 0u8..16, body in publish_body(false)) {
        let wire = frame(0x30 | flags, &body);
        same_both_ways::<ClientPacket>(&wire, ClientPacket::decode_owned);
        // A frame after it is read the same way too.
        let mut two = wire.clone();
        two.extend_from_slice(&wire);
        same_both_ways::<ClientPacket>(&two[wire.len()..], ClientPacket::decode_owned);
    }

    #[test]
    fn server_publish_same_both_ways(flags in 0u8..16, body in publish_body(true)) {
        let wire = frame(0x30 | flags, &body);
        same_both_ways::<ServerPacket>(&wire, ServerPacket::decode_owned);
    }

    #[test]
    fn any_frame_same_both_ways(header: u8, body in prop::collection::vec(any::<u8>(), 0..48), cut in 0usize..60) {
        let mut wire = frame(header, &body);
        wire.truncate(cut.max(1));
        same_both_ways::<ClientPacket>(&wire, ClientPacket::decode_owned);
        same_both_ways::<ServerPacket>(&wire, ServerPacket::decode_owned);
    }
}

/// The hot path's PUBLISH keeps short strings inline and well-known topics static, and its data
/// is the frame's one reference on the read buffer.
#[test]
fn hot_path_publish_shares_only_its_data() {
    let publish = ClientPublish::<bytes::Bytes>::new(
        QoS::AtLeastOnce,
        "ppMsgP",
        "user-0123456789a",
        7,
        bytes::Bytes::from(vec![9u8; 300]),
    );
    let wire = ClientPacket::from(publish.clone())
        .to_bytes(Framing::Stream, &EncodeOptions::default())
        .unwrap();
    let mut buf = BytesMut::from(&wire[..]);
    let start = buf.as_ptr() as usize;
    let Some(ClientPacket::Publish(p)) = StreamDecoder::new().decode_packet(&mut buf).unwrap()
    else {
        panic!("a PUBLISH")
    };
    assert_eq!(p, publish);
    assert!(p.target_id.is_inline());
    assert!(known_topics::intern(p.topic.as_bytes()).is_some() && !p.topic.is_shared());
    let data_at = p.data.as_ptr() as usize;
    assert!(
        data_at > start && data_at < start + wire.len(),
        "data not in the read buffer"
    );
    assert!(buf.is_empty());
}

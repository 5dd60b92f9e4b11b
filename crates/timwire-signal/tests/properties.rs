//! Property tests: every typed packet round-trips byte-exactly in both framings and both text
//! encodings; every strict prefix of a stream frame is "need more"; a stream of many frames fed
//! in arbitrary chunks decodes to the same packets.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use timwire_signal::Text;
use timwire_signal::*;

fn text() -> impl Strategy<Value = Text> {
    // ASCII, CJK (3-byte UTF-8) and emoji (4-byte UTF-8, 6-byte CESU-8).
    "[a-zA-Z0-9_:@#\u{4e00}-\u{4e20}\u{1F600}-\u{1F64F}]{0,24}".prop_map(Text::from)
}

fn data() -> impl Strategy<Value = Bytes> {
    prop::collection::vec(any::<u8>(), 0..96).prop_map(Bytes::from)
}

fn flags() -> impl Strategy<Value = Flags> {
    (0u8..16).prop_map(Flags::from_bits)
}

fn qos() -> impl Strategy<Value = QoS> {
    (0u8..4).prop_map(QoS::from_bits)
}

fn topic_list() -> impl Strategy<Value = Vec<(String, QoS)>> {
    prop::collection::vec(("[a-z_\u{1F600}]{0,12}", qos()), 1..5)
}

fn connect() -> impl Strategy<Value = Connect> {
    let will = prop::option::of((text(), text(), qos(), any::<bool>()).prop_map(
        |(topic, message, qos, retain)| Will {
            topic,
            message,
            qos,
            retain,
        },
    ));
    (
        flags(),
        text(),
        any::<u8>(),
        any::<bool>(),
        any::<u16>(),
        text(),
        will,
        prop::option::of(text()),
        prop::option::of(text()),
    )
        .prop_map(
            |(
                flags,
                protocol_id,
                version,
                clean_session,
                keep_alive,
                client_id,
                will,
                app_id,
                token,
            )| Connect {
                flags,
                protocol_id,
                version,
                clean_session,
                keep_alive,
                client_id,
                will,
                app_id,
                token,
            },
        )
}

fn client_packet() -> impl Strategy<Value = ClientPacket> {
    prop_oneof![
        connect().prop_map(ClientPacket::Connect),
        (flags(), text(), text(), any::<u16>(), data()).prop_map(
            |(flags, topic, target_id, msg_id, data)| ClientPublish {
                flags,
                topic,
                target_id,
                msg_id,
                data
            }
            .into()
        ),
        (flags(), any::<u16>()).prop_map(|(flags, msg_id)| ClientPubAck { flags, msg_id }.into()),
        (flags(), text(), text(), any::<u16>(), data()).prop_map(
            |(flags, topic, target_id, msg_id, data)| Query {
                flags,
                topic,
                target_id,
                msg_id,
                data
            }
            .into()
        ),
        (flags(), any::<u16>()).prop_map(|(flags, msg_id)| QueryCon { flags, msg_id }.into()),
        (flags(), any::<u16>(), topic_list()).prop_map(|(flags, msg_id, list)| {
            let topics = Subscriptions::new(list.iter().map(|(t, q)| (t.as_str(), *q))).unwrap();
            Subscribe {
                flags,
                msg_id,
                topics,
            }
            .into()
        }),
        (flags(), any::<u16>(), topic_list()).prop_map(|(flags, msg_id, list)| {
            let topics = Topics::new(list.iter().map(|(t, _)| t.as_str())).unwrap();
            Unsubscribe {
                flags,
                msg_id,
                topics,
            }
            .into()
        }),
        flags().prop_map(|flags| PingReq { flags }.into()),
        (flags(), any::<u8>(), any::<u8>()).prop_map(|(flags, s, reserved)| Disconnect {
            flags,
            status: DisconnectStatus::new(s),
            reserved,
        }
        .into()),
    ]
}

fn server_packet() -> impl Strategy<Value = ServerPacket> {
    prop_oneof![
        (
            flags(),
            any::<u8>(),
            prop::option::of((text(), text(), any::<i64>())),
            any::<u8>(),
        )
            .prop_map(|(flags, status, session, reserved)| {
                ConnAck {
                    flags,
                    status: ConnAckStatus::new(status),
                    session: session.map(|(user_id, session_id, timestamp)| ConnAckSession {
                        user_id,
                        session_id,
                        timestamp,
                    }),
                    reserved,
                }
                .into()
            }),
        (flags(), any::<u32>(), text(), text(), any::<u16>(), data()).prop_map(
            |(flags, date, topic, target_id, msg_id, data)| {
                ServerPublish {
                    flags,
                    date,
                    topic,
                    target_id,
                    msg_id,
                    data,
                }
                .into()
            }
        ),
        (
            flags(),
            any::<u16>(),
            any::<u32>(),
            any::<u16>(),
            any::<u16>(),
            prop::option::of(text())
        )
            .prop_map(|(flags, msg_id, date, status, millisecond, message_uid)| {
                ServerPubAck {
                    flags,
                    msg_id,
                    date,
                    status: AckStatus::new(status),
                    millisecond,
                    message_uid,
                }
                .into()
            }),
        (flags(), any::<u16>(), any::<u32>(), any::<u16>(), data()).prop_map(
            |(flags, msg_id, date, status, data)| {
                QueryAck {
                    flags,
                    msg_id,
                    date,
                    status: AckStatus::new(status),
                    data,
                }
                .into()
            }
        ),
        (
            flags(),
            any::<u16>(),
            prop::collection::vec(any::<u8>(), 1..8)
        )
            .prop_map(|(flags, msg_id, granted)| SubAck {
                flags,
                msg_id,
                granted: Bytes::from(granted)
            }
            .into()),
        (flags(), any::<u16>()).prop_map(|(flags, msg_id)| UnsubAck { flags, msg_id }.into()),
        flags().prop_map(|flags| PingResp { flags }.into()),
        (flags(), any::<u8>(), any::<u8>()).prop_map(|(flags, s, reserved)| Disconnect {
            flags,
            status: DisconnectStatus::new(s),
            reserved,
        }
        .into()),
    ]
}

fn encodings() -> [EncodeOptions; 2] {
    [
        EncodeOptions::default(),
        EncodeOptions {
            text: TextEncoding::Cesu8,
            ..EncodeOptions::default()
        },
    ]
}

/// decode(encode(p)) == p in both framings and encodings, encode(decode(bytes)) == bytes, and
/// the announced length is the written length.
fn round_trip<P>(packet: &P) -> Result<(), TestCaseError>
where
    P: Encode + FromStream + PartialEq + std::fmt::Debug,
{
    for options in encodings() {
        for framing in [Framing::Message, Framing::Stream] {
            let bytes = packet.to_bytes(framing, &options).unwrap();
            prop_assert_eq!(bytes.len(), packet.encoded_len(framing, &options).unwrap());
            let decoded = match framing {
                Framing::Message => P::from_message(bytes.clone()).unwrap(),
                Framing::Stream => {
                    let mut buf = BytesMut::from(&bytes[..]);
                    let p = StreamDecoder::new()
                        .decode_packet::<P>(&mut buf)
                        .unwrap()
                        .unwrap();
                    prop_assert!(buf.is_empty());
                    p
                }
            };
            prop_assert_eq!(&decoded, packet);
            prop_assert_eq!(decoded.to_bytes(framing, &options).unwrap(), bytes);
        }
    }
    Ok(())
}

/// Every strict prefix of the stream frame is "need more", and nothing is consumed.
fn prefixes_need_more<P: Encode>(packet: &P) -> Result<(), TestCaseError> {
    let bytes = packet
        .to_bytes(Framing::Stream, &EncodeOptions::default())
        .unwrap();
    for cut in 0..bytes.len() {
        let mut buf = BytesMut::from(&bytes[..cut]);
        prop_assert_eq!(
            StreamDecoder::new().decode(&mut buf),
            Ok(None),
            "cut at {}",
            cut
        );
        prop_assert_eq!(&buf[..], &bytes[..cut]);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn client_packets_round_trip(p in client_packet()) {
        round_trip(&p)?;
        prefixes_need_more(&p)?;
        // The borrowed form agrees with the shared one.
        let bytes = p.to_bytes(Framing::Message, &EncodeOptions::default()).unwrap();
        let borrowed = ClientPacket::<&[u8]>::from_message(&bytes[..]).unwrap();
        prop_assert_eq!(borrowed.to_bytes(Framing::Message, &EncodeOptions::default()).unwrap(), bytes);
    }

    #[test]
    fn server_packets_round_trip(p in server_packet()) {
        round_trip(&p)?;
        prefixes_need_more(&p)?;
    }

    #[test]
    fn streams_decode_the_same_in_any_chunking(
        packets in prop::collection::vec(server_packet(), 1..24),
        chunks in prop::collection::vec(1usize..40, 1..64),
    ) {
        let mut wire = BytesMut::new();
        for p in &packets {
            p.encode(Framing::Stream, &EncodeOptions::default(), &mut wire).unwrap();
        }
        let wire = wire.freeze();
        let decoder = StreamDecoder::new();
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let mut pos = 0;
        let mut sizes = chunks.iter().cycle();
        while pos < wire.len() {
            let n = (*sizes.next().unwrap()).min(wire.len() - pos);
            buf.extend_from_slice(&wire[pos..pos + n]);
            pos += n;
            while let Some(p) = decoder.decode_packet::<ServerPacket>(&mut buf).unwrap() {
                out.push(p);
            }
        }
        prop_assert!(buf.is_empty());
        prop_assert_eq!(out, packets);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = ClientPacket::<&[u8]>::from_message(&bytes[..]);
        let _ = ServerPacket::<&[u8]>::from_message(&bytes[..]);
        let mut buf = BytesMut::from(&bytes[..]);
        while let Ok(Some(frame)) = StreamDecoder::new().decode(&mut buf) {
            let _ = ClientPacket::decode(&frame);
            let _ = ServerPacket::decode(&frame);
        }
    }
}

/// The JSON form (feature `serde`): packet → JSON → packet gives the same packet and the same
/// bytes, JSON → packet → JSON the same text, CBOR (field counts written ahead) gives the same
/// packet, and a packet borrowing its frame writes the same JSON as one sharing it.
#[cfg(feature = "serde")]
mod json {
    use super::*;
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    /// `borrowed_json`: the JSON of the packet decoded from a borrowed message.
    fn json_round_trip<P>(
        packet: &P,
        borrowed_json: fn(&[u8]) -> String,
    ) -> Result<(), TestCaseError>
    where
        P: Encode + Decode<Bytes> + Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let json = serde_json::to_string(packet).unwrap();
        let from_text: P = serde_json::from_str(&json).unwrap();
        let value = serde_json::to_value(packet).unwrap();
        let from_value: P = serde_json::from_value(value).unwrap();
        for back in [&from_text, &from_value] {
            prop_assert_eq!(back, packet, "{}", &json);
            for options in encodings() {
                for framing in [Framing::Message, Framing::Stream] {
                    prop_assert_eq!(
                        back.to_bytes(framing, &options).unwrap(),
                        packet.to_bytes(framing, &options).unwrap()
                    );
                }
            }
            prop_assert_eq!(serde_json::to_string(back).unwrap(), json.clone());
        }
        // CBOR writes each struct's field count ahead: the counts announced must be exact.
        let mut cbor = Vec::new();
        ciborium::into_writer(packet, &mut cbor).unwrap();
        let from_cbor: P = ciborium::from_reader(&cbor[..]).unwrap();
        prop_assert_eq!(&from_cbor, packet);
        // From the wire: decoded packets of either backing write the same JSON.
        let wire = packet
            .to_bytes(Framing::Message, &EncodeOptions::default())
            .unwrap();
        let shared = P::from_message(wire.clone()).unwrap();
        prop_assert_eq!(serde_json::to_string(&shared).unwrap(), json.clone());
        prop_assert_eq!(borrowed_json(&wire), json);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn client_packets_round_trip_through_json(p in client_packet()) {
            json_round_trip(&p, |wire| {
                serde_json::to_string(&ClientPacket::<&[u8]>::from_message(wire).unwrap()).unwrap()
            })?;
        }

        #[test]
        fn server_packets_round_trip_through_json(p in server_packet()) {
            json_round_trip(&p, |wire| {
                serde_json::to_string(&ServerPacket::<&[u8]>::from_message(wire).unwrap()).unwrap()
            })?;
        }
    }
}

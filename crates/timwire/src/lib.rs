//! timwire: encode and decode RongCloud's RMTP instant-messaging protocol and the protobuf
//! payloads it carries, from one dependency.
//!
//! | module | what |
//! |---|---|
//! | [`header`] | the header byte, remaining-length varint, stream checksum (`timwire-header`) |
//! | [`signal`] | framing and the 14 signalling messages in both directions (`timwire-signal`) |
//! | [`proto`] | protobuf payloads: tim's model, RongCloud's schema, conversations, content objects (`timwire-proto`) |
//! | [`registry`] | which payload a frame's `data` holds, by topic, for the RongCloud and tim profiles |
//! | [`session`] | msgId allocation, acknowledgement rules, sync-message pairing, QUERY topics for QUERYACKs |
//! | [`capture`] | `.twcap` capture files: streaming reader and writer with a CRC-32 per record |
//!
//! Every type at the root of [`signal`] is re-exported at the top, with [`time`] (wire times
//! from `SystemTime`) and, with feature `tokio`, [`codec`]. Feature `serde` gives payloads their
//! canonical protobuf JSON and every packet its JSON form (`Serialize`/`Deserialize`, from
//! timwire-signal's feature of the same name).
//!
//! The protocol (header byte, framing, every body per direction, codes, session rules, topics) is
//! described in [`signal::protocol`], the repository's `docs/PROTOCOL.md`.
//!
//! # Decoding a frame down to its payload
//!
//! ```
//! use bytes::{Bytes, BytesMut};
//! use timwire::proto::{Message as _, tim::TimMessage};
//! use timwire::registry::{Payload, Profile};
//! use timwire::{ClientPacket, ClientPublish, Encode, EncodeOptions, Framing, QoS, StreamDecoder};
//!
//! // A client publishes a tim message (the tim profile's `timMsg` topic) over TCP.
//! let message = TimMessage { ms_type: 2, od_type: 1, data_string: Some("hello".into()), ..Default::default() };
//! let publish = ClientPublish::new(QoS::AtLeastOnce, "timMsg", "bob", 1, Bytes::from(message.encode_to_vec()));
//! let mut wire = BytesMut::new();
//! ClientPacket::from(publish).encode(Framing::Stream, &EncodeOptions::default(), &mut wire).unwrap();
//!
//! // The server takes the frame off its socket buffer and decodes the payload by topic.
//! let packet: ClientPacket = StreamDecoder::new().decode_packet(&mut wire).unwrap().unwrap();
//! match Profile::Tim.decode_client(&packet).unwrap().unwrap() {
//!     Payload::TimMessage(m) => assert_eq!(m.data_string.as_deref(), Some("hello")),
//!     other => panic!("unexpected {other:?}"),
//! }
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod capture;
pub mod registry;
pub mod session;

pub use timwire_header as header;
pub use timwire_proto as proto;
pub use timwire_signal as signal;

// Every public type at timwire-signal's root (its modules stay reachable under [`signal`]).
/// Wire times from `SystemTime` (CONNACK ms, PUBLISH s, PUBACK s + ms), saturating.
pub use timwire_signal::time;
pub use timwire_signal::{
    AckStatus, Backing, ClientPacket, ClientPubAck, ClientPublish, ConnAck, ConnAckSession,
    ConnAckStatus, Connect, DEFAULT_MAX_BODY, Decode, DecodeError, Disconnect, DisconnectStatus,
    Encode, EncodeError, EncodeOptions, ErrorCode, Flags, Frame, Framing, Header, MessageType,
    PingReq, PingResp, QoS, Query, QueryAck, QueryCon, Role, ServerPacket, ServerPubAck,
    ServerPublish, StreamDecoder, SubAck, Subscribe, Subscriptions, TextEncoding, Topics, UnsubAck,
    Unsubscribe, Will,
};

#[cfg(feature = "tokio")]
pub use timwire_signal::codec;

// The README's examples run as doc tests, so they cannot drift from the code. The crate's
// README.md is a symlink to the workspace README, so the packaged crate carries it too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

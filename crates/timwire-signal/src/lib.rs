//! RMTP signalling: the 14 framed messages CONNECT … DISCONNECT of RongCloud's MQTT-derived
//! protocol, in both directions, over message framing (WebSocket) and stream framing (TCP).
//!
//! Layers, bottom up:
//!
//! | layer | types |
//! |---|---|
//! | header byte, varint, checksum | [`timwire_header`] (re-exported: [`Header`], [`Flags`], [`QoS`], [`MessageType`]) |
//! | framing | [`Frame`] (message framing: [`Frame::from_message`]), [`StreamDecoder`] (stream framing) |
//! | typed packets | [`ClientPacket`] (what a client sends), [`ServerPacket`] (what a server sends), one struct per message |
//! | codes | [`codes`]: [`ConnAckStatus`], [`DisconnectStatus`], [`AckStatus`], [`ErrorCode`] |
//! | async | [`codec`] (feature `tokio`): tokio-util `Decoder`/`Encoder` for both roles |
//!
//! The protocol itself (header byte, framing, every body per direction, codes, session rules,
//! topics) is described in [`protocol`], the repository's `docs/PROTOCOL.md`.
//!
//! # Zero copy
//!
//! Packets are generic over their [`Backing`]: decoded from `&'a [u8]` they borrow it
//! (`Cow<'a, str>` text, `&'a [u8]` data); decoded from [`Bytes`](bytes::Bytes) their data
//! shares the frame's allocation and their strings are [`Text`]: short ones (up to
//! [`INLINE_TEXT`] bytes) copied inline, longer ones sharing the frame. Decoding a frame whose
//! strings are UTF-8 allocates nothing. Only CESU-8 text (see [`text`]) is copied. Well-known
//! topics (`ppMsgP`, `timMsg`, …; see [`known_topics`]) come out as static strings, which share
//! nothing at all.
//!
//! # Decoding and encoding
//!
//! ```
//! use bytes::{Bytes, BytesMut};
//! use timwire_signal::{
//!     ClientPacket, ClientPublish, Decode, Encode, EncodeOptions, Framing, QoS, StreamDecoder,
//! };
//!
//! // A client sends a text message to "bob" with msgId 2 and asks for a PUBACK (qos 1).
//! let publish = ClientPublish::new(QoS::AtLeastOnce, "ppMsgP", "bob", 2, Bytes::from_static(b"\x08\x03"));
//! let packet = ClientPacket::Publish(publish);
//! let options = EncodeOptions::default();
//!
//! // Over WebSocket: one frame per message, no length.
//! let ws = packet.to_bytes(Framing::Message, &options).unwrap();
//! assert_eq!(&ws[..3], &[0x32, 0x00, 0x06]);
//! assert_eq!(ClientPacket::from_message(ws).unwrap(), packet);
//!
//! // Over TCP: checksum and remaining length; the server decodes incrementally.
//! let mut tcp = BytesMut::new();
//! packet.encode(Framing::Stream, &options, &mut tcp).unwrap();
//! let decoded: ClientPacket = StreamDecoder::new().decode_packet(&mut tcp).unwrap().unwrap();
//! let ClientPacket::Publish(p) = &decoded else { unreachable!() };
//! assert_eq!((&p.topic[..], &p.target_id[..], p.msg_id), ("ppMsgP", "bob", 2));
//! ```
//!
//! # Features
//!
//! All off by default.
//!
//! | feature | what |
//! |---|---|
//! | `tokio` | [`codec`]: tokio-util `Decoder`/`Encoder` for both roles, and `codec::FrameWriter` |
//! | `arbitrary` | `Arbitrary` for `ClientPacket<Bytes>` and `ServerPacket<Bytes>`, for structure-aware fuzzing |
//! | `serde` | every packet's JSON form: `Serialize` for [`ClientPacket`], [`ServerPacket`] and each message over any [`Backing`], `Deserialize` for the [`Bytes`](bytes::Bytes)-backed ones; also [`Text`], [`Subscriptions`], [`Topics`] and the codes |
//!
//! # JSON (feature `serde`)
//!
//! The packet enums are tagged by `type` (the message type's name); every message has its
//! header flags as `dup`, `qos` and `retain`, then its fields under the `camelCase` names of
//! [`protocol`] §4 (the `timwire` command-line tool's JSON), `data` in lowercase hex, codes as
//! their number with `statusName` beside them, CONNACK's and DISCONNECT's `reserved` byte only
//! when it is not 0. Reading ignores unknown fields and `statusName`, lets `dup`, `qos`,
//! `retain`, `reserved` and `data` default to false, 0 and empty (CONNECT's `protocolId`,
//! `version`, `cleanSession` and `keepAlive` to [`Connect::new`]'s), and rejects what the wire
//! cannot carry (a qos above 3, half a will or CONNACK session, an empty topic list). A packet
//! read back from its JSON equals the packet and encodes to the same bytes.
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! use bytes::Bytes;
//! use timwire_signal::{Decode, Encode, EncodeOptions, Framing, QoS, ServerPacket, ServerPublish};
//!
//! let data = Bytes::from_static(&[0x08, 0x02]);
//! let publish = ServerPublish::new(QoS::AtLeastOnce, 1_700_000_000, "timMsg", "alice", 5, data);
//! let packet = ServerPacket::from(publish);
//! let json = serde_json::to_string(&packet).unwrap();
//! assert_eq!(
//!     json,
//!     r#"{"type":"PUBLISH","dup":false,"qos":1,"retain":false,"msgId":5,"date":1700000000,"topic":"timMsg","targetId":"alice","data":"0802"}"#
//! );
//! let back: ServerPacket = serde_json::from_str(&json).unwrap();
//! assert_eq!(back, packet);
//!
//! // A CONNACK whose reserved byte is not 0 keeps it, through JSON too.
//! let wire = Bytes::from_static(&[0x20, 0x80, 0x00]);
//! let odd = ServerPacket::from_message(wire.clone()).unwrap();
//! let json = serde_json::to_string(&odd).unwrap();
//! assert_eq!(
//!     json,
//!     r#"{"type":"CONNACK","dup":false,"qos":0,"retain":false,"status":0,"statusName":"ACCEPTED","reserved":128}"#
//! );
//! let back: ServerPacket = serde_json::from_str(&json).unwrap();
//! assert_eq!(back.to_bytes(Framing::Message, &EncodeOptions::default()).unwrap(), wire);
//! # }
//! ```
//!
//! # Errors
//!
//! [`DecodeError`] says what was wrong and where (field and offset); no input makes a decoder
//! panic. [`DecodeError::is_recoverable`] says whether the stream is still in sync (a malformed
//! body: its frame was consumed) or not (a framing error: close the connection). [`EncodeError`] is returned before anything is written.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Decode paths face untrusted input: no indexing, unchecked arithmetic or panics outside tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

mod backing;
pub mod codes;
mod encode;
mod error;
mod frame;
pub mod known_topics;
mod packet;
pub mod queue;
#[doc = include_str!("../PROTOCOL.md")]
// `docs/PROTOCOL.md` of the repository (the crate's PROTOCOL.md links to it, and packaging copies
// it in), rendered here so that it reads the same in a clone and in the API docs.
pub mod protocol {}
mod role;
mod shared_text;
pub mod stream;
pub mod text;
pub mod time;
mod wire;

#[cfg(feature = "tokio")]
pub mod codec;
#[cfg(feature = "tokio")]
mod frame_writer;

#[cfg(feature = "arbitrary")]
mod fuzzing;

#[cfg(feature = "serde")]
mod serde_impls;

pub use backing::Backing;
pub use codes::{AckStatus, ConnAckStatus, DisconnectStatus, ErrorCode};
pub use encode::{Encode, EncodeOptions, Framing};
pub use error::{DecodeError, EncodeError};
pub use frame::Frame;
pub use packet::{
    ClientPacket, ClientPubAck, ClientPublish, ConnAck, ConnAckSession, Connect, Decode,
    Disconnect, FromStream, PingReq, PingResp, Query, QueryAck, QueryCon, ServerPacket,
    ServerPubAck, ServerPublish, SubAck, Subscribe, Subscriptions, Topics, UnsubAck, Unsubscribe,
    Will,
};
pub use role::Role;
pub use shared_text::{INLINE_TEXT, Text};
pub use stream::StreamDecoder;
pub use text::TextEncoding;
pub use timwire_header::{Flags, Header, MessageType, QoS};
pub use {bytes, bytestring, timwire_header as header};

/// The default maximum body length, for encoders ([`EncodeOptions::max_body`]) and decoders
/// ([`StreamDecoder::new`]): 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

//! Typed packets, one module per message, one enum per direction.
//!
//! What a client sends ([`ClientPacket`]) and what a server sends ([`ServerPacket`]) have
//! different layouts for PUBLISH and PUBACK and different sets of types, so each direction has
//! its own enum: a server cannot encode a client-only layout by mistake.
//!
//! Every message keeps its header [`Flags`], so whatever dup/qos/retain bits a peer sent
//! survive a decode/encode round trip.

use bytes::{BufMut, Bytes, BytesMut};
use timwire_header::{Flags, Header, MessageType};

use crate::Role;
use crate::backing::Backing;
use crate::encode::{Encode, EncodeOptions, Framing, sealed};
use crate::error::{DecodeError, EncodeError};
use crate::frame::Frame;
use crate::text::TextEncoding;
use crate::wire::Reader;

mod addressed;
mod connack;
mod connect;
mod disconnect;
mod ping;
mod puback;
mod publish;
mod query;
mod queryack;
mod querycon;
mod suback;
mod subscribe;
mod topics;
mod unsuback;
mod unsubscribe;

pub use connack::{ConnAck, ConnAckSession};
pub use connect::{Connect, Will};
pub use disconnect::Disconnect;
pub use ping::{PingReq, PingResp};
pub use puback::{ClientPubAck, ServerPubAck};
pub use publish::{ClientPublish, ServerPublish};
pub use query::Query;
pub use queryack::QueryAck;
pub use querycon::QueryCon;
pub use suback::SubAck;
pub use subscribe::Subscribe;
pub use topics::{Subscriptions, Topics};
pub use unsuback::UnsubAck;
pub use unsubscribe::Unsubscribe;

/// What every message module needs.
mod prelude {
    pub(super) use bytes::{BufMut, Bytes};
    pub(super) use timwire_header::{Flags, MessageType, QoS};

    pub(super) use super::{Body, ReadBody};
    pub(super) use crate::backing::Backing;
    pub(super) use crate::error::{DecodeError, EncodeError};
    pub(super) use crate::text::TextEncoding;
    pub(super) use crate::wire::{Reader, put_text, sum, text_len};
}

/// One message's type, header flags, and how its body is sized and written: with
/// [`ReadBody`], a message module's whole layout. [`Encode`] follows from it (the blanket impls
/// below), and the packet enums dispatch to it.
///
/// Writing does not depend on where a packet's fields live, so this trait has no backing
/// parameter; reading does, hence the separate [`ReadBody`].
pub(crate) trait Body {
    /// The header's message type.
    const KIND: MessageType;
    /// The header flags this message is written with.
    fn flags(&self) -> Flags;
    /// The exact body length in `text` encoding; checks every string.
    fn len(&self, text: TextEncoding) -> Result<usize, EncodeError>;
    /// Writes the body; runs only after [`len`](Self::len) succeeded.
    fn write<M: BufMut>(&self, dst: &mut M, text: TextEncoding);

    /// The "to end" payload, when it is a shared [`Bytes`] (zero-copy encoding shares it).
    fn shared_rest(&self) -> Option<&Bytes> {
        None
    }

    /// Writes the body except the [`shared_rest`](Self::shared_rest) payload that ends it. A
    /// message that has such a payload writes with `write_prefix` and then the payload.
    fn write_prefix<M: BufMut>(&self, dst: &mut M, text: TextEncoding) {
        self.write(dst, text);
    }
}

/// How a message's body is read from a `B`-backed frame.
pub(crate) trait ReadBody<B: Backing>: Body + Sized {
    /// Reads the fields in order; [`decode_body`](Self::decode_body) checks that none is left.
    fn read(flags: Flags, r: &mut Reader<'_, B>) -> Result<Self, DecodeError>;

    /// The "to end" field (PUBLISH and QUERYACK data, SUBACK list), for messages that have one.
    fn rest_mut(&mut self) -> Option<&mut B> {
        None
    }

    /// Decodes a whole body it borrows: the layout must use every byte.
    #[inline]
    fn decode_body(flags: Flags, body: &B) -> Result<Self, DecodeError> {
        let mut r = Reader::new(Self::KIND, body);
        let message = Self::read(flags, &mut r)?;
        r.finish()?;
        Ok(message)
    }

    /// Decodes a whole body it owns: the same result as [`decode_body`](Self::decode_body), but
    /// the "to end" field takes over the body itself, narrowed to its bytes. For [`Bytes`] that
    /// saves taking (and later dropping) one reference to the buffer.
    #[inline]
    fn decode_owned_body(flags: Flags, body: B) -> Result<Self, DecodeError> {
        let (mut message, rest_start) = {
            let mut r = Reader::deferring_rest(Self::KIND, &body);
            let message = Self::read(flags, &mut r)?;
            let rest_start = r.deferred_rest();
            r.finish()?;
            (message, rest_start)
        };
        if let (Some(start), Some(slot)) = (rest_start, message.rest_mut()) {
            let end = body.as_ref().len();
            // `start` came from reading this body, so the range is in bounds; were it not,
            // the placeholder (an empty slice) would stay.
            if let Ok(rest) = body.into_slice(start..end) {
                *slot = rest;
            }
        }
        Ok(message)
    }
}

impl<T: Body> sealed::WriteBody for T {
    #[inline]
    fn write_body<M: BufMut>(&self, dst: &mut M, text: TextEncoding) {
        self.write(dst, text);
    }

    #[inline]
    fn shared_rest(&self) -> Option<&Bytes> {
        Body::shared_rest(self)
    }

    #[inline]
    fn write_body_prefix<M: BufMut>(&self, dst: &mut M, text: TextEncoding) {
        self.write_prefix(dst, text);
    }
}

impl<T: Body> Encode for T {
    fn header(&self) -> Header {
        Header::new(T::KIND, self.flags())
    }

    #[inline]
    fn body_len(&self, text: TextEncoding) -> Result<usize, EncodeError> {
        self.len(text)
    }
}

/// Decoding by direction, for code generic over the packet type (such as codecs).
pub trait Decode<B: Backing>: Sized {
    /// Who sends packets of this type.
    const SENDER: Role;

    /// Decodes a frame's body according to its header.
    fn decode(frame: &Frame<B>) -> Result<Self, DecodeError>;

    /// Decodes a frame it takes by value. Same result as [`decode`](Self::decode); a packet's
    /// last "to end" field (PUBLISH data, …) then takes over the frame's body instead of sharing
    /// it, which for [`Bytes`] saves taking and dropping one reference to the buffer.
    fn decode_owned(frame: Frame<B>) -> Result<Self, DecodeError> {
        Self::decode(&frame)
    }

    /// Decodes one whole transport message (message framing).
    fn from_message(message: B) -> Result<Self, DecodeError> {
        Self::decode_owned(Frame::from_message(message)?)
    }
}

/// One enum per direction, from its list of `Variant(Message) = TYPE` rows: the enum, its
/// `kind` and `flags`, [`Decode`] (by header type), [`Encode`], and a `From` per message.
///
/// This stays a macro. `kind`, `flags`, `decode`, `decode_owned`, the body writer, `body_len`,
/// `encoded_len` and `encode` are each a `match` with one arm per variant (nine in
/// `ClientPacket`, eight in `ServerPacket`) that differ only in the variant's name, and every
/// message needs its `From`. Written out for both enums that is some 250 lines in which a missed
/// or swapped arm is easy to overlook; here the row list is the only place that names a message,
/// so adding one is one line. Each message's layout stays in its own module, in its [`Body`] and
/// [`ReadBody`] impls.
macro_rules! packet_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $sender:expr, other = [$($other:ident),*], {
            $( $variant:ident($ty:ty) = $kind:ident, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name<B: Backing = Bytes> {
            $(
                #[doc = concat!("`", stringify!($kind), "`.")]
                $variant($ty),
            )*
        }

        impl<B: Backing> $name<B> {
            #[inline]
            fn wrong_type(kind: MessageType) -> DecodeError {
                match kind {
                    $( MessageType::$other )|* => DecodeError::WrongDirection {
                        kind,
                        sender: $sender,
                    },
                    kind => DecodeError::ReservedType(kind),
                }
            }

            /// The message type.
            pub fn kind(&self) -> MessageType {
                match self {
                    $( Self::$variant(_) => MessageType::$kind, )*
                }
            }

            /// The header flags.
            pub fn flags(&self) -> Flags {
                match self {
                    $( Self::$variant(m) => m.flags(), )*
                }
            }
        }

        impl<B: Backing> Decode<B> for $name<B> {
            const SENDER: Role = $sender;

            #[inline(always)]
            fn decode(frame: &Frame<B>) -> Result<Self, DecodeError> {
                let flags = frame.header.flags;
                match frame.header.kind {
                    $( MessageType::$kind => Ok(Self::$variant(<$ty>::decode_body(flags, &frame.body)?)), )*
                    kind => Err(Self::wrong_type(kind)),
                }
            }

            #[inline(always)]
            fn decode_owned(frame: Frame<B>) -> Result<Self, DecodeError> {
                let flags = frame.header.flags;
                match frame.header.kind {
                    $( MessageType::$kind => Ok(Self::$variant(<$ty>::decode_owned_body(flags, frame.body)?)), )*
                    kind => Err(Self::wrong_type(kind)),
                }
            }
        }

        impl<B: Backing> sealed::WriteBody for $name<B> {
            fn write_body<M: BufMut>(&self, dst: &mut M, text: TextEncoding) {
                match self {
                    $( Self::$variant(m) => m.write(dst, text), )*
                }
            }

            fn shared_rest(&self) -> Option<&Bytes> {
                match self {
                    $( Self::$variant(m) => Body::shared_rest(m), )*
                }
            }

            fn write_body_prefix<M: BufMut>(&self, dst: &mut M, text: TextEncoding) {
                match self {
                    $( Self::$variant(m) => m.write_prefix(dst, text), )*
                }
            }
        }

        impl<B: Backing> Encode for $name<B> {
            fn header(&self) -> Header {
                Header::new(self.kind(), self.flags())
            }

            fn body_len(&self, text: TextEncoding) -> Result<usize, EncodeError> {
                match self {
                    $( Self::$variant(m) => m.len(text), )*
                }
            }

            // Dispatch once, then run the message's own (monomorphised) encoder, rather than
            // matching on the variant for the length, the header and the body in turn.
            fn encoded_len(&self, framing: Framing, options: &EncodeOptions) -> Result<usize, EncodeError> {
                match self {
                    $( Self::$variant(m) => m.encoded_len(framing, options), )*
                }
            }

            #[inline]
            fn encode<M: BufMut>(
                &self,
                framing: Framing,
                options: &EncodeOptions,
                dst: &mut M,
            ) -> Result<usize, EncodeError> {
                match self {
                    $( Self::$variant(m) => m.encode(framing, options, dst), )*
                }
            }
        }

        $(
            impl<B: Backing> From<$ty> for $name<B> {
                fn from(m: $ty) -> Self {
                    Self::$variant(m)
                }
            }
        )*
    };
}

packet_enum! {
    /// A packet a client sends (and a server decodes).
    ///
    /// ```
    /// use timwire_signal::{ClientPacket, ClientPubAck, Decode, Encode, EncodeOptions, Framing};
    /// let ack = ClientPacket::<&[u8]>::from(ClientPubAck::new(0x0102));
    /// let bytes = ack.to_bytes(Framing::Stream, &EncodeOptions::default()).unwrap();
    /// assert_eq!(&bytes[..], &[0x40, 0x42, 0x02, 0x01, 0x02]);
    /// assert_eq!(ClientPacket::from_message(&[0x40u8, 0x01, 0x02][..]).unwrap(), ack);
    /// ```
    ClientPacket, Role::Client, other = [CONNACK, QUERYACK, SUBACK, UNSUBACK, PINGRESP], {
        Connect(Connect<B>) = CONNECT,
        Publish(ClientPublish<B>) = PUBLISH,
        PubAck(ClientPubAck) = PUBACK,
        Query(Query<B>) = QUERY,
        QueryCon(QueryCon) = QUERYCON,
        Subscribe(Subscribe<B>) = SUBSCRIBE,
        Unsubscribe(Unsubscribe<B>) = UNSUBSCRIBE,
        PingReq(PingReq) = PINGREQ,
        Disconnect(Disconnect) = DISCONNECT,
    }
}

packet_enum! {
    /// A packet a server sends (and a client decodes).
    ///
    /// ```
    /// use timwire_signal::{Decode, ServerPacket, ConnAckStatus};
    /// // A short CONNACK over WebSocket: accepted, no session fields.
    /// let packet = ServerPacket::from_message(&[0x20u8, 0x00, 0x00][..]).unwrap();
    /// let ServerPacket::ConnAck(ack) = packet else { panic!() };
    /// assert_eq!(ack.status, ConnAckStatus::ACCEPTED);
    /// assert!(ack.session.is_none());
    /// ```
    ServerPacket, Role::Server, other = [CONNECT, QUERY, QUERYCON, SUBSCRIBE, UNSUBSCRIBE, PINGREQ], {
        ConnAck(ConnAck<B>) = CONNACK,
        Publish(ServerPublish<B>) = PUBLISH,
        PubAck(ServerPubAck<B>) = PUBACK,
        QueryAck(QueryAck<B>) = QUERYACK,
        SubAck(SubAck<B>) = SUBACK,
        UnsubAck(UnsubAck) = UNSUBACK,
        PingResp(PingResp) = PINGRESP,
        Disconnect(Disconnect) = DISCONNECT,
    }
}

/// The packet types [`StreamDecoder::decode_packet`](crate::StreamDecoder::decode_packet)
/// takes off a read buffer: [`ClientPacket`] and [`ServerPacket`] (sealed).
///
/// The result is always the packet [`Decode::decode_owned`] gives for the frame. A PUBLISH
/// (the relay's hot path) is parsed where it lies in the buffer, its short strings copied
/// inline, and only then is the frame taken off, once, as its data; every other frame is split
/// off first and decoded over its `Bytes` (BENCHMARKS.md, run 14).
pub trait FromStream: Decode<Bytes> + sealed_stream::Sealed {
    /// The hot path for the frame `src[..frame_len]` (header `header`, body from `prefix_len`):
    /// `Some` with the packet, the frame consumed (also when it fails to decode); `None`, with
    /// nothing consumed, for frames that take the general path.
    #[doc(hidden)]
    fn take_fast(
        header: Header,
        src: &mut BytesMut,
        prefix_len: usize,
        frame_len: usize,
    ) -> Option<Result<Self, DecodeError>>;
}

mod sealed_stream {
    /// Only the packet enums are [`FromStream`](super::FromStream).
    pub trait Sealed {}
    impl Sealed for super::ClientPacket {}
    impl Sealed for super::ServerPacket {}
}

impl FromStream for ClientPacket {
    #[inline(always)]
    fn take_fast(
        header: Header,
        src: &mut BytesMut,
        prefix_len: usize,
        frame_len: usize,
    ) -> Option<Result<Self, DecodeError>> {
        match header.kind {
            MessageType::PUBLISH => publish::take_client(header.flags, src, prefix_len, frame_len)
                .map(|r| r.map(Self::Publish)),
            _ => None,
        }
    }
}

impl FromStream for ServerPacket {
    #[inline(always)]
    fn take_fast(
        header: Header,
        src: &mut BytesMut,
        prefix_len: usize,
        frame_len: usize,
    ) -> Option<Result<Self, DecodeError>> {
        match header.kind {
            MessageType::PUBLISH => publish::take_server(header.flags, src, prefix_len, frame_len)
                .map(|r| r.map(Self::Publish)),
            _ => None,
        }
    }
}

impl<B: Backing> ClientPacket<B> {
    /// The msgId, for the types that carry one.
    pub fn msg_id(&self) -> Option<u16> {
        match self {
            Self::Publish(m) => Some(m.msg_id),
            Self::PubAck(m) => Some(m.msg_id),
            Self::Query(m) => Some(m.msg_id),
            Self::QueryCon(m) => Some(m.msg_id),
            Self::Subscribe(m) => Some(m.msg_id),
            Self::Unsubscribe(m) => Some(m.msg_id),
            Self::Connect(_) | Self::PingReq(_) | Self::Disconnect(_) => None,
        }
    }
}

impl<B: Backing> ServerPacket<B> {
    /// The msgId, for the types that carry one.
    pub fn msg_id(&self) -> Option<u16> {
        match self {
            Self::Publish(m) => Some(m.msg_id),
            Self::PubAck(m) => Some(m.msg_id),
            Self::QueryAck(m) => Some(m.msg_id),
            Self::SubAck(m) => Some(m.msg_id),
            Self::UnsubAck(m) => Some(m.msg_id),
            Self::ConnAck(_) | Self::PingResp(_) | Self::Disconnect(_) => None,
        }
    }
}

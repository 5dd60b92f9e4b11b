//! tokio-util codecs for stream framing (feature `tokio`).
//!
//! [`ClientCodec`] is what a client puts on its socket: it decodes [`ServerPacket`]s and
//! encodes [`ClientPacket`]s. [`ServerCodec`] is the mirror image. [`FrameCodec`] moves raw
//! [`Frame`]s for tools that do not type the body.
//!
//! ```no_run
//! # async fn demo() -> Result<(), timwire_signal::codec::CodecError> {
//! use futures::{SinkExt, StreamExt};
//! use tokio_util::codec::Framed;
//! use timwire_signal::codec::ClientCodec;
//! use timwire_signal::{ClientPacket, PingReq, ServerPacket};
//!
//! let socket = tokio::net::TcpStream::connect("127.0.0.1:8883").await?;
//! let mut framed = Framed::new(socket, ClientCodec::new());
//! framed.send(ClientPacket::from(PingReq::default())).await?;
//! if let Some(ServerPacket::PingResp(_)) = framed.next().await.transpose()? {
//!     println!("pong");
//! }
//! # Ok(()) }
//! ```
//!
//! # Sending
//!
//! A codec encodes its direction's packets by value when they are [`Bytes`]-backed (what
//! building one with owned strings and data gives, and what [`ClientPacket::from`] a message
//! without borrowed fields infers), and by reference for any backing: `framed.send(&packet)`
//! sends a packet that borrows its strings and data (`ClientPacket<&[u8]>`), or one that is
//! kept after it is sent.
//!
//! ```
//! use futures::{SinkExt, StreamExt};
//! use tokio_util::codec::Framed;
//! use timwire_signal::codec::{ClientCodec, ServerCodec};
//! use timwire_signal::{ClientPacket, ClientPublish, PingReq, PingResp, QoS, ServerPacket};
//!
//! let (client_io, server_io) = tokio::io::duplex(1024);
//! let mut client = Framed::new(client_io, ClientCodec::new());
//! let mut server = Framed::new(server_io, ServerCodec::new());
//! futures::executor::block_on(async {
//!     // No `ClientPacket::<Bytes>` needed.
//!     client.send(ClientPacket::from(PingReq::default())).await?;
//!     assert!(matches!(server.next().await.unwrap()?, ClientPacket::PingReq(_)));
//!     server.send(ServerPacket::from(PingResp::default())).await?;
//!     assert!(matches!(client.next().await.unwrap()?, ServerPacket::PingResp(_)));
//!
//!     // A packet that borrows its fields goes by reference.
//!     let data = [0x08, 0x01];
//!     let publish = ClientPacket::from(ClientPublish::new(QoS::AtLeastOnce, "timMsg", "bob", 7, &data[..]));
//!     client.send(&publish).await?;
//!     assert_eq!(server.next().await.unwrap()?.msg_id(), Some(7));
//!     Ok::<_, timwire_signal::codec::CodecError>(())
//! })
//! .unwrap();
//! ```
//!
//! # Errors and the stream: skipping a malformed frame
//!
//! tokio-util's [`Framed`](tokio_util::codec::Framed) and
//! [`FramedRead`](tokio_util::codec::FramedRead) end the stream after the decoder's first error
//! (they yield the error, then `None`), even when the error was in one frame's body and the
//! frames after it are intact. [`DecodeError::is_recoverable`] tells the two cases apart:
//!
//! * **not recoverable** (checksum, remaining length, over-limit body, end of stream inside a
//!   frame): the decoder consumed nothing and the stream position is lost; close the connection.
//! * **recoverable** (a whole frame arrived, its body is malformed: truncated field, trailing
//!   bytes, bad text, wrong direction, …): exactly that frame was consumed, the next frame can be
//!   read.
//!
//! To go on after a recoverable error, wrap the codec in [`Recovering`]: its items are
//! `Result<Rx, DecodeError>`, a recoverable error comes out as an `Err` *item* and the stream
//! goes on; a framing error is still the stream's error, after which it ends. Encoding is
//! unchanged, so `Framed::new(socket, Recovering::new(ServerCodec::new()))` reads and writes.
//!
//! ```
//! use bytes::{Bytes, BytesMut};
//! use futures::StreamExt;
//! use tokio_util::codec::FramedRead;
//! use timwire_signal::codec::{Recovering, ServerCodec};
//! use timwire_signal::{ClientPacket, ClientPubAck, Encode, EncodeOptions, Framing, PingReq};
//!
//! // What a client sent: a PUBACK, a PUBACK whose body lacks a byte, a PINGREQ.
//! let mut wire = BytesMut::new();
//! let options = EncodeOptions::default();
//! ClientPacket::<Bytes>::from(ClientPubAck::new(7)).encode(Framing::Stream, &options, &mut wire).unwrap();
//! wire.extend_from_slice(&[0x40, 0x41, 0x01, 0x08]);
//! ClientPacket::<Bytes>::from(PingReq::default()).encode(Framing::Stream, &options, &mut wire).unwrap();
//!
//! // `&[u8]` is an `AsyncRead`; on a server this is the socket (or its read half).
//! let mut frames = FramedRead::new(&wire[..], Recovering::new(ServerCodec::new()));
//! let received = futures::executor::block_on(async {
//!     let mut received = Vec::new();
//!     while let Some(item) = frames.next().await {
//!         match item {
//!             Ok(Ok(packet)) => received.push(packet),
//!             Ok(Err(malformed)) => assert!(malformed.is_recoverable()), // log, count, go on
//!             Err(fatal) => panic!("stream out of sync, close the connection: {fatal}"),
//!         }
//!     }
//!     received
//! });
//! assert_eq!(received.len(), 2);
//! assert_eq!(received[0].msg_id(), Some(7));
//! assert!(matches!(received[1], ClientPacket::PingReq(_)));
//! ```

use std::marker::PhantomData;

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::backing::Backing;
use crate::encode::{Encode, EncodeOptions, Framing};
use crate::error::{DecodeError, EncodeError};
use crate::frame::Frame;
use crate::packet::{ClientPacket, ServerPacket};
use crate::stream::StreamDecoder;

pub use crate::frame_writer::{DEFAULT_HIGH_WATER, FrameWriter};

/// What can go wrong on a framed connection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The transport failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The peer sent bytes that do not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A packet could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

/// A stream-framing codec that decodes `Rx` and encodes `Tx` (see the aliases).
#[derive(Debug)]
pub struct RmtpCodec<Rx, Tx> {
    decoder: StreamDecoder,
    options: EncodeOptions,
    _types: PhantomData<fn(Tx) -> Rx>,
}

/// A client's codec: decodes what a server sends, encodes what a client sends.
pub type ClientCodec = RmtpCodec<ServerPacket, ClientPacket>;
/// A server's codec: decodes what a client sends, encodes what a server sends.
pub type ServerCodec = RmtpCodec<ClientPacket, ServerPacket>;
/// A codec for raw frames in both directions.
pub type FrameCodec = RmtpCodec<Frame, Frame>;

impl<Rx, Tx> RmtpCodec<Rx, Tx> {
    /// A codec with the default 1 MiB body limit both ways and UTF-8 text.
    pub fn new() -> Self {
        Self::with_options(StreamDecoder::new(), EncodeOptions::default())
    }

    /// A codec with the given decoder limit and encoder options.
    pub fn with_options(decoder: StreamDecoder, options: EncodeOptions) -> Self {
        Self {
            decoder,
            options,
            _types: PhantomData,
        }
    }
}

impl<Rx, Tx> Default for RmtpCodec<Rx, Tx> {
    fn default() -> Self {
        Self::new()
    }
}

impl<Rx, Tx> Clone for RmtpCodec<Rx, Tx> {
    fn clone(&self) -> Self {
        Self::with_options(self.decoder, self.options)
    }
}

/// What an [`RmtpCodec`] decodes: raw frames, or typed packets.
///
/// The packet impls use [`StreamDecoder::decode_packet`], the fastest owned path (see
/// [`FromStream`](crate::FromStream)): a PUBLISH is parsed in the read buffer and then takes the
/// frame over as its data, every other packet's last "to end" field takes over the frame's body
/// ([`Decode::decode_owned`](crate::Decode::decode_owned)); the same packets as [`Decode::decode`](crate::Decode::decode) gives, for fewer
/// reference counts. A frame that fails to decode is consumed, so the codec reads on from the
/// next one.
pub trait Incoming: Sized {
    /// Takes the next item off `src`, or `Ok(None)` when its frame is not complete yet.
    fn decode_from(
        decoder: &StreamDecoder,
        src: &mut BytesMut,
    ) -> Result<Option<Self>, DecodeError>;
}

impl Incoming for Frame<Bytes> {
    fn decode_from(
        decoder: &StreamDecoder,
        src: &mut BytesMut,
    ) -> Result<Option<Self>, DecodeError> {
        decoder.decode(src)
    }
}

impl Incoming for ClientPacket<Bytes> {
    fn decode_from(
        decoder: &StreamDecoder,
        src: &mut BytesMut,
    ) -> Result<Option<Self>, DecodeError> {
        decoder.decode_packet(src)
    }
}

impl Incoming for ServerPacket<Bytes> {
    fn decode_from(
        decoder: &StreamDecoder,
        src: &mut BytesMut,
    ) -> Result<Option<Self>, DecodeError> {
        decoder.decode_packet(src)
    }
}

impl<Rx: Incoming, Tx> Decoder for RmtpCodec<Rx, Tx> {
    type Item = Rx;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Rx>, CodecError> {
        Ok(Rx::decode_from(&self.decoder, src)?)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Rx>, CodecError> {
        match self.decode(src)? {
            Some(item) => Ok(Some(item)),
            None if src.is_empty() => Ok(None),
            None => Err(DecodeError::UnexpectedEof {
                buffered: src.len(),
            }
            .into()),
        }
    }
}

fn encode_into<T: Encode>(
    item: &T,
    options: &EncodeOptions,
    dst: &mut BytesMut,
) -> Result<(), CodecError> {
    let len = item.encoded_len(Framing::Stream, options)?;
    dst.reserve(len);
    item.encode(Framing::Stream, options, dst)?;
    Ok(())
}

// Sending: by value for `Bytes`-backed packets, by reference for any backing. One by-value impl
// per direction, not one per backing, so that `framed.send(ClientPacket::from(PingReq::default()))`
// needs no type annotation: a message without borrowed fields converts into a packet of any
// backing, and with a second by-value impl the compiler could not pick one.

impl<Rx> Encoder<ClientPacket<Bytes>> for RmtpCodec<Rx, ClientPacket> {
    type Error = CodecError;

    fn encode(&mut self, item: ClientPacket<Bytes>, dst: &mut BytesMut) -> Result<(), CodecError> {
        encode_into(&item, &self.options, dst)
    }
}

impl<Rx, B: Backing> Encoder<&ClientPacket<B>> for RmtpCodec<Rx, ClientPacket> {
    type Error = CodecError;

    fn encode(&mut self, item: &ClientPacket<B>, dst: &mut BytesMut) -> Result<(), CodecError> {
        encode_into(item, &self.options, dst)
    }
}

impl<Rx> Encoder<ServerPacket<Bytes>> for RmtpCodec<Rx, ServerPacket> {
    type Error = CodecError;

    fn encode(&mut self, item: ServerPacket<Bytes>, dst: &mut BytesMut) -> Result<(), CodecError> {
        encode_into(&item, &self.options, dst)
    }
}

impl<Rx, B: Backing> Encoder<&ServerPacket<B>> for RmtpCodec<Rx, ServerPacket> {
    type Error = CodecError;

    fn encode(&mut self, item: &ServerPacket<B>, dst: &mut BytesMut) -> Result<(), CodecError> {
        encode_into(item, &self.options, dst)
    }
}

impl<Rx, B: Backing> Encoder<Frame<B>> for RmtpCodec<Rx, Frame> {
    type Error = CodecError;

    fn encode(&mut self, item: Frame<B>, dst: &mut BytesMut) -> Result<(), CodecError> {
        encode_into(&item, &self.options, dst)
    }
}

/// A codec adapter that turns recoverable decode errors into items, so the stream goes on after
/// a malformed frame (see [the module docs](self#errors-and-the-stream-skipping-a-malformed-frame)).
///
/// Its items are `Result<Rx, DecodeError>`: `Ok` for a decoded packet, `Err` for a whole frame
/// whose body did not decode ([`DecodeError::is_recoverable`]), which was consumed. Errors after
/// which the stream position is lost (checksum, length, over-limit body, end of stream inside a
/// frame) and I/O errors stay errors of the codec, so `Framed` still ends the stream on them.
/// Encoding goes to the wrapped codec unchanged.
///
/// ```
/// use bytes::BytesMut;
/// use tokio_util::codec::Decoder;
/// use timwire_signal::codec::{Recovering, ServerCodec};
/// use timwire_signal::ClientPacket;
///
/// let mut codec = Recovering::new(ServerCodec::new());
/// // A PUBACK with a one-byte body (msgId needs two), then a PINGREQ.
/// let mut buf = BytesMut::from(&[0x40, 0x41, 0x01, 0x07, 0xC0, 0xC0, 0x00][..]);
/// let bad = codec.decode(&mut buf).unwrap().unwrap();
/// assert!(bad.unwrap_err().is_recoverable());
/// let ping = codec.decode(&mut buf).unwrap().unwrap().unwrap();
/// assert!(matches!(ping, ClientPacket::PingReq(_)));
///
/// // A bad checksum is still the codec's error.
/// let mut buf = BytesMut::from(&[0xC0, 0x00, 0x00][..]);
/// assert!(codec.decode(&mut buf).is_err());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Recovering<C> {
    inner: C,
}

impl<C> Recovering<C> {
    /// Wraps `codec`.
    pub const fn new(codec: C) -> Self {
        Self { inner: codec }
    }

    /// The wrapped codec.
    pub const fn get_ref(&self) -> &C {
        &self.inner
    }

    /// The wrapped codec, mutably.
    pub fn get_mut(&mut self) -> &mut C {
        &mut self.inner
    }

    /// Unwraps the codec.
    pub fn into_inner(self) -> C {
        self.inner
    }
}

/// Moves a recoverable decode error from the codec's error into the item.
fn recover<T>(
    result: Result<Option<T>, CodecError>,
) -> Result<Option<Result<T, DecodeError>>, CodecError> {
    match result {
        Ok(item) => Ok(item.map(Ok)),
        Err(CodecError::Decode(e)) if e.is_recoverable() => Ok(Some(Err(e))),
        Err(e) => Err(e),
    }
}

impl<Rx: Incoming, Tx> Decoder for Recovering<RmtpCodec<Rx, Tx>> {
    type Item = Result<Rx, DecodeError>;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, CodecError> {
        recover(self.inner.decode(src))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, CodecError> {
        recover(self.inner.decode_eof(src))
    }
}

impl<T, C: Encoder<T>> Encoder<T> for Recovering<C> {
    type Error = C::Error;

    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<(), C::Error> {
        self.inner.encode(item, dst)
    }
}

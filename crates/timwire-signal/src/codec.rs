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
//! framed.send(ClientPacket::<bytes::Bytes>::from(PingReq::default())).await?;
//! if let Some(ServerPacket::PingResp(_)) = framed.next().await.transpose()? {
//!     println!("pong");
//! }
//! # Ok(()) }
//! ```

use std::marker::PhantomData;

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::backing::Backing;
use crate::error::{DecodeError, EncodeError};
use crate::frame::Frame;
use crate::packet::{ClientPacket, Decode, Encode, EncodeOptions, Framing, ServerPacket};
use crate::stream::StreamDecoder;

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

/// Decodes the next frame, typed as `Rx`.
///
/// The packet impls take the frame by value ([`Decode::decode_owned`]): a packet's last "to end"
/// field (PUBLISH data, …) takes over the frame's body instead of sharing it, one reference-count
/// pair fewer per frame than [`Decode::decode`], with the same result.
pub trait Incoming: Sized {
    /// Decodes a raw frame.
    fn from_frame(frame: Frame<Bytes>) -> Result<Self, DecodeError>;
}

impl Incoming for Frame<Bytes> {
    fn from_frame(frame: Frame<Bytes>) -> Result<Self, DecodeError> {
        Ok(frame)
    }
}

impl Incoming for ClientPacket<Bytes> {
    fn from_frame(frame: Frame<Bytes>) -> Result<Self, DecodeError> {
        Self::decode_owned(frame)
    }
}

impl Incoming for ServerPacket<Bytes> {
    fn from_frame(frame: Frame<Bytes>) -> Result<Self, DecodeError> {
        Self::decode_owned(frame)
    }
}

impl<Rx: Incoming, Tx> Decoder for RmtpCodec<Rx, Tx> {
    type Item = Rx;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Rx>, CodecError> {
        match self.decoder.decode(src)? {
            Some(frame) => Ok(Some(Rx::from_frame(frame)?)),
            None => Ok(None),
        }
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

impl<Rx, B: Backing> Encoder<ClientPacket<B>> for RmtpCodec<Rx, ClientPacket> {
    type Error = CodecError;

    fn encode(&mut self, item: ClientPacket<B>, dst: &mut BytesMut) -> Result<(), CodecError> {
        encode_into(&item, &self.options, dst)
    }
}

impl<Rx, B: Backing> Encoder<ServerPacket<B>> for RmtpCodec<Rx, ServerPacket> {
    type Error = CodecError;

    fn encode(&mut self, item: ServerPacket<B>, dst: &mut BytesMut) -> Result<(), CodecError> {
        encode_into(&item, &self.options, dst)
    }
}

impl<Rx, B: Backing> Encoder<Frame<B>> for RmtpCodec<Rx, Frame> {
    type Error = CodecError;

    fn encode(&mut self, item: Frame<B>, dst: &mut BytesMut) -> Result<(), CodecError> {
        encode_into(&item, &self.options, dst)
    }
}

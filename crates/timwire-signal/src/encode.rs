//! Encoding, shared by raw frames, every message and both packet enums: how frames are
//! delimited ([`Framing`]), the options ([`EncodeOptions`]), the [`Encode`] trait and the frame
//! head writer.
//!
//! A frame is written in two steps: its exact length first (which validates every string and
//! the size limit), then the head and body in one pass. Nothing is written when encoding fails.

use bytes::{BufMut, Bytes, BytesMut};
use timwire_header::stream::StreamPrefix;
use timwire_header::{Header, varint};

use crate::DEFAULT_MAX_BODY;
use crate::error::EncodeError;
use crate::text::TextEncoding;

/// How frames are delimited on the transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Framing {
    /// One frame per transport message (WebSocket): `[header][body]`.
    Message,
    /// A byte stream (TCP): `[header][checksum][remaining length][body]`.
    #[default]
    Stream,
}

/// How packets are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EncodeOptions {
    /// How strings are written (UTF-8 unless a peer needs CESU-8).
    pub text: TextEncoding,
    /// The longest body the encoder will write ([`DEFAULT_MAX_BODY`] by default).
    pub max_body: usize,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        Self {
            text: TextEncoding::Utf8,
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

pub(crate) mod sealed {
    use bytes::{BufMut, Bytes};

    use crate::text::TextEncoding;

    /// The body writer, kept out of the public API: it may only run after `body_len` succeeded.
    #[allow(unreachable_pub)]
    pub trait WriteBody {
        fn write_body<M: BufMut>(&self, dst: &mut M, text: TextEncoding);

        /// The body's "to end" payload when it lives in a shared [`Bytes`] (PUBLISH, QUERY and
        /// QUERYACK data, a raw frame's body): what zero-copy encoding shares instead of
        /// copying. `None` otherwise.
        fn shared_rest(&self) -> Option<&Bytes>;

        /// Writes the body except its [`shared_rest`](Self::shared_rest); only called when that
        /// is `Some`.
        fn write_body_prefix<M: BufMut>(&self, dst: &mut M, text: TextEncoding);
    }
}

/// Encoding, shared by every message, both packet enums and [`Frame`](crate::Frame).
///
/// The exact length is computed first (validating every string), then the frame is written in
/// one pass; nothing is written when encoding fails.
///
/// Every message struct ([`Connect`](crate::Connect), [`ClientPublish`](crate::ClientPublish),
/// [`PingReq`](crate::PingReq), …) implements it through one blanket impl over the crate's
/// internal per-message layout, so the implementors list shows `impl<T> Encode for T`; the packet
/// enums and [`Frame`](crate::Frame) have impls of their own.
pub trait Encode: sealed::WriteBody {
    /// The header byte this packet is sent with.
    fn header(&self) -> Header;

    /// The exact body length in `text` encoding.
    fn body_len(&self, text: TextEncoding) -> Result<usize, EncodeError>;

    /// The exact frame length: header (plus checksum and length in stream framing) and body.
    fn encoded_len(&self, framing: Framing, options: &EncodeOptions) -> Result<usize, EncodeError> {
        let body = self.body_len(options.text)?;
        frame_len(body, framing, options)
    }

    /// Writes the whole frame into `dst` and returns how many bytes it took.
    #[inline]
    fn encode<M: BufMut>(
        &self,
        framing: Framing,
        options: &EncodeOptions,
        dst: &mut M,
    ) -> Result<usize, EncodeError> {
        let body = self.body_len(options.text)?;
        let total = frame_len(body, framing, options)?;
        if dst.remaining_mut() < total {
            return Err(EncodeError::BufferTooSmall {
                needed: total,
                available: dst.remaining_mut(),
            });
        }
        write_head(dst, self.header(), body, framing)?;
        self.write_body(dst, options.text);
        Ok(total)
    }

    /// The whole frame in a new buffer, allocated once at its exact size.
    fn to_bytes(&self, framing: Framing, options: &EncodeOptions) -> Result<Bytes, EncodeError> {
        let mut dst = BytesMut::with_capacity(self.encoded_len(framing, options)?);
        self.encode(framing, options, &mut dst)?;
        Ok(dst.freeze())
    }
}

/// Writes `packet`'s frame into `dst`, except for a payload it holds in a shared [`Bytes`],
/// which is returned instead (an empty `Bytes` when there is none, and everything is written):
/// the frame on the wire is what `dst` received followed by the returned payload. Nothing is
/// written when encoding fails.
pub(crate) fn encode_split<P: Encode + ?Sized>(
    packet: &P,
    framing: Framing,
    options: &EncodeOptions,
    dst: &mut BytesMut,
) -> Result<Bytes, EncodeError> {
    let body = packet.body_len(options.text)?;
    let total = frame_len(body, framing, options)?;
    let payload = packet.shared_rest().filter(|p| !p.is_empty());
    dst.reserve(total.saturating_sub(payload.map_or(0, |p| p.len())));
    write_head(dst, packet.header(), body, framing)?;
    Ok(match payload {
        Some(payload) => {
            packet.write_body_prefix(dst, options.text);
            payload.clone()
        }
        None => {
            packet.write_body(dst, options.text);
            Bytes::new()
        }
    })
}

/// The frame length for a body of `body` bytes: checks the limit, adds the head.
#[inline(always)]
pub(crate) fn frame_len(
    body: usize,
    framing: Framing,
    options: &EncodeOptions,
) -> Result<usize, EncodeError> {
    if body > options.max_body {
        return Err(EncodeError::FrameTooLarge {
            len: body,
            max: options.max_body,
        });
    }
    let head = match framing {
        Framing::Message => 1,
        Framing::Stream => varint::encoded_len(body as u64)
            .ok_or(EncodeError::BodyTooLong { len: body })?
            .saturating_add(2),
    };
    Ok(head.saturating_add(body))
}

/// Writes what precedes the body: the header byte, and in stream framing the checksum and the
/// remaining length.
#[inline(always)]
pub(crate) fn write_head<M: BufMut>(
    dst: &mut M,
    header: Header,
    body: usize,
    framing: Framing,
) -> Result<(), EncodeError> {
    match framing {
        Framing::Message => dst.put_u8(header.to_byte()),
        Framing::Stream => {
            let prefix = StreamPrefix::new(header, body as u64)
                .map_err(|_| EncodeError::BodyTooLong { len: body })?;
            // One fixed-size write per prefix length: inline stores, where a `put_slice` of
            // the variable-length `as_bytes()` would call memcpy.
            match *prefix.as_bytes() {
                [a, b, c] => dst.put_slice(&[a, b, c]),
                [a, b, c, d] => dst.put_slice(&[a, b, c, d]),
                [a, b, c, d, e] => dst.put_slice(&[a, b, c, d, e]),
                ref bytes => dst.put_slice(bytes),
            }
        }
    }
    Ok(())
}

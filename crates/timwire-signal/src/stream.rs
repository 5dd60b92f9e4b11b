//! Stream framing (TCP): an incremental decoder that checks limits before buffering.
//!
//! The decoder frames first and parses second: it peeks the prefix (header, checksum, remaining
//! length) without consuming anything, rejects a bad checksum or an over-limit length at once,
//! waits until the whole frame is buffered, then splits it off and hands out the body as a
//! slice of that allocation.
//!
//! * Partial input is "need more" (`Ok(None)`) with **nothing consumed**; the buffer reserves only
//!   the bytes the pending frame still lacks, at most [`MAX_RESERVE`] (64 KiB) at a time, so
//!   memory follows the bytes received rather than the length a peer announced.
//! * Several frames in the buffer come out one per call; the rest stays buffered.
//! * A framing error (checksum, length) consumes nothing: the stream position is lost, and the
//!   connection should be closed. A malformed *body* inside a well-delimited frame consumes
//!   exactly that frame, so the stream stays in sync and the caller may choose to go on.
//!   [`DecodeError::is_recoverable`] tells the two cases apart.
//!
//! ```
//! use bytes::BytesMut;
//! use timwire_signal::{ClientPacket, StreamDecoder};
//!
//! let decoder = StreamDecoder::new();
//! // A PINGREQ, then the first two bytes of a PUBACK.
//! let mut buf = BytesMut::from(&[0xC0, 0xC0, 0x00, 0x40, 0x42][..]);
//! let ping: ClientPacket = decoder.decode_packet(&mut buf).unwrap().unwrap();
//! assert!(matches!(ping, ClientPacket::PingReq(_)));
//! assert!(decoder.decode_packet::<ClientPacket>(&mut buf).unwrap().is_none());
//! assert_eq!(buf.len(), 2); // nothing consumed
//! buf.extend_from_slice(&[0x02, 0x01, 0x02]);
//! let ack: ClientPacket = decoder.decode_packet(&mut buf).unwrap().unwrap();
//! assert_eq!(ack.msg_id(), Some(0x0102));
//! ```

use bytes::{Buf, Bytes, BytesMut};
use timwire_header::stream::{self, MAX_PREFIX_LEN, StreamPrefix};

use crate::DEFAULT_MAX_BODY;
use crate::error::DecodeError;
use crate::frame::Frame;
use crate::packet::FromStream;

/// The most [`StreamDecoder::decode`] reserves at once for a frame that is still arriving.
pub const MAX_RESERVE: usize = 64 * 1024;

/// What [`StreamDecoder::peek`] found at the start of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peek {
    /// A whole frame is buffered.
    Complete {
        /// The frame's prefix.
        prefix: StreamPrefix,
        /// Prefix plus body.
        frame_len: usize,
    },
    /// At least `missing` more bytes are needed.
    NeedMore {
        /// How many bytes the buffer lacks at least (exact once the prefix is complete).
        missing: usize,
    },
}

/// A frame borrowing a slice, and how many bytes of the slice it took.
pub type BorrowedFrame<'a> = (Frame<&'a [u8]>, usize);

/// The incremental stream-framing decoder. Cheap to copy; holds only its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamDecoder {
    max_body: usize,
}

impl Default for StreamDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl StreamDecoder {
    /// A decoder with the default body limit, [`DEFAULT_MAX_BODY`] (1 MiB).
    pub const fn new() -> Self {
        Self {
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// A decoder that rejects bodies longer than `max_body` bytes.
    pub const fn with_max_body(max_body: usize) -> Self {
        Self { max_body }
    }

    /// The body limit.
    pub const fn max_body(&self) -> usize {
        self.max_body
    }

    /// Looks at the start of `src` without consuming it: is a whole frame there?
    // Always inlined: called out of line, its result came back through memory and the decode
    // stalled reading it (perf: a tenth of an owned PUBLISH decode).
    #[inline(always)]
    pub fn peek(&self, src: &[u8]) -> Result<Peek, DecodeError> {
        let Some(prefix) = stream::peek(src)? else {
            // At most 6 prefix bytes; ask for one more at a time past the first three.
            let missing = 3usize.saturating_sub(src.len()).max(1);
            return Ok(Peek::NeedMore {
                missing: missing.min(MAX_PREFIX_LEN),
            });
        };
        let frame_len = self.frame_len(&prefix)?;
        match frame_len.checked_sub(src.len()) {
            Some(missing) if missing > 0 => Ok(Peek::NeedMore { missing }),
            _ => Ok(Peek::Complete { prefix, frame_len }),
        }
    }

    /// The whole frame's length, once the body length is checked against the limit.
    #[inline]
    fn frame_len(&self, prefix: &StreamPrefix) -> Result<usize, DecodeError> {
        let body_len = prefix.remaining_length();
        if u64::from(body_len) > self.max_body as u64 {
            return Err(DecodeError::FrameTooLarge {
                len: u64::from(body_len),
                max: self.max_body,
            });
        }
        // At most 6 + 268,435,455: fits in usize on every supported platform.
        Ok(usize::try_from(prefix.frame_len()).unwrap_or(usize::MAX))
    }

    /// Takes the next frame off the front of `src`, or returns `Ok(None)` (nothing consumed,
    /// room reserved for the missing bytes) when it is not all there yet.
    #[inline(always)]
    pub fn decode(&self, src: &mut BytesMut) -> Result<Option<Frame<Bytes>>, DecodeError> {
        match self.peek(src)? {
            Peek::NeedMore { missing } => {
                // Room for what the frame still lacks, in steps of at most MAX_RESERVE: a peer
                // that announces a large body but sends little makes the buffer grow with what
                // actually arrives, not with what was announced.
                src.reserve(missing.min(MAX_RESERVE));
                Ok(None)
            }
            Peek::Complete { prefix, frame_len } => Ok(Some(take_frame(src, &prefix, frame_len))),
        }
    }

    /// Like [`decode`](Self::decode), over a borrowed slice: the frame borrows `src`, and the
    /// second value says how many bytes it took.
    ///
    /// The fastest way to decode (no reference counting at all; see BENCHMARKS.md) when each
    /// packet is handled before the buffer moves on:
    ///
    /// ```
    /// use bytes::{Buf, BytesMut};
    /// use timwire_signal::{ClientPacket, Decode, StreamDecoder};
    ///
    /// let decoder = StreamDecoder::new();
    /// // Two PUBACKs and the first byte of a third frame.
    /// let mut buf = BytesMut::from(&[0x40, 0x42, 0x02, 0x00, 0x07, 0x40, 0x42, 0x02, 0x00, 0x08, 0xC0][..]);
    /// let mut acked = Vec::new();
    /// while let Some((frame, used)) = decoder.decode_slice(&buf).unwrap() {
    ///     let packet = ClientPacket::<&[u8]>::decode(&frame).unwrap();
    ///     acked.extend(packet.msg_id());
    ///     buf.advance(used);
    /// }
    /// assert_eq!(acked, [7, 8]);
    /// assert_eq!(&buf[..], &[0xC0]); // the partial frame stays buffered
    /// ```
    #[inline(always)]
    pub fn decode_slice<'a>(
        &self,
        src: &'a [u8],
    ) -> Result<Option<BorrowedFrame<'a>>, DecodeError> {
        // Not through `peek`: nothing to reserve here, and the shorter path is measurably faster.
        let Some(prefix) = stream::peek(src)? else {
            return Ok(None);
        };
        let frame_len = self.frame_len(&prefix)?;
        match src.get(prefix.len()..frame_len) {
            Some(body) => Ok(Some((Frame::new(prefix.header(), body), frame_len))),
            None => Ok(None),
        }
    }

    /// Takes the next frame off `src` and decodes it as `P` ([`ClientPacket`](crate::ClientPacket)
    /// on a server, [`ServerPacket`](crate::ServerPacket) on a client).
    ///
    /// A frame that does not decode is consumed: the next call reads the frame after it. A
    /// PUBLISH is parsed before it is taken off `src` ([`FromStream`]).
    #[inline(always)]
    pub fn decode_packet<P: FromStream>(
        &self,
        src: &mut BytesMut,
    ) -> Result<Option<P>, DecodeError> {
        match self.peek(src)? {
            Peek::NeedMore { missing } => {
                src.reserve(missing.min(MAX_RESERVE));
                Ok(None)
            }
            Peek::Complete { prefix, frame_len } => {
                let prefix_len = prefix.len().min(frame_len);
                match P::take_fast(prefix.header(), src, prefix_len, frame_len) {
                    Some(packet) => packet.map(Some),
                    None => P::decode_owned(take_frame(src, &prefix, frame_len)).map(Some),
                }
            }
        }
    }
}

/// Takes the complete frame `..frame_len` (prefix `prefix`) off `src`: split off whole, the
/// prefix dropped from the front before freezing, so one reference count is taken on the shared
/// buffer and there is no slice of a slice. A frame without a body (PINGREQ, PINGRESP) takes
/// none: nothing to share (a reference costs two atomic operations).
#[inline(always)]
fn take_frame(src: &mut BytesMut, prefix: &StreamPrefix, frame_len: usize) -> Frame<Bytes> {
    if frame_len <= prefix.len() {
        src.advance(frame_len);
        return Frame::new(prefix.header(), Bytes::new());
    }
    let mut frame = src.split_to(frame_len);
    let prefix_len = prefix.len().min(frame.len());
    frame.advance(prefix_len);
    Frame::new(prefix.header(), frame.freeze())
}

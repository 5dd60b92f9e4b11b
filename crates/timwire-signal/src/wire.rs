//! Field-level reading and writing shared by every message module.
//!
//! Reading works on a body that framing has already bounded, so a short body is always an error
//! ([`DecodeError::Truncated`]) and never "need more" (the nom-`Incomplete` trap the stream decoder
//! must not fall into). Fixed-width fields are read with nom's *complete* parsers.

use bytes::BufMut;
use nom::IResult;
use nom::number::complete::{be_i64, be_u8, be_u16, be_u32};
use timwire_header::MessageType;

use crate::backing::Backing;
use crate::error::{DecodeError, EncodeError};
use crate::text::{self, MAX_STRING_LEN, TextEncoding};

/// Where a [`Reader`]'s body lives: borrowed from a frame the caller keeps, or owned (a frame
/// the decoder took by value), in which case the last "to end" field takes the body itself.
pub(crate) enum Src<'b, B> {
    Borrowed(&'b B),
    Owned(B),
}

/// A cursor over one frame body.
pub(crate) struct Reader<'b, B> {
    src: Src<'b, B>,
    pos: usize,
    kind: MessageType,
}

impl<'b, B: Backing> Reader<'b, B> {
    pub(crate) fn new(kind: MessageType, body: &'b B) -> Self {
        Self::from_src(kind, Src::Borrowed(body))
    }

    pub(crate) fn from_src(kind: MessageType, src: Src<'b, B>) -> Self {
        Self { src, pos: 0, kind }
    }

    #[inline]
    fn body(&self) -> &B {
        match &self.src {
            Src::Borrowed(body) => body,
            Src::Owned(body) => body,
        }
    }

    #[inline]
    fn input(&self) -> &[u8] {
        self.body().as_ref()
    }

    pub(crate) fn kind(&self) -> MessageType {
        self.kind
    }

    pub(crate) fn offset(&self) -> usize {
        self.pos
    }

    #[inline]
    fn remaining(&self) -> &[u8] {
        self.input().get(self.pos..).unwrap_or_default()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.remaining().is_empty()
    }

    pub(crate) fn truncated(&self, field: &'static str) -> DecodeError {
        DecodeError::Truncated {
            kind: self.kind,
            field,
            offset: self.pos,
        }
    }

    /// Runs one of nom's *complete* parsers on the rest of the body and advances past what it
    /// read. nom's unit error type keeps failure free of allocation; the specific error
    /// (field and offset) is built here, only on failure.
    #[inline]
    fn parse<O>(
        &mut self,
        field: &'static str,
        parser: impl for<'i> Fn(&'i [u8]) -> IResult<&'i [u8], O, ()>,
    ) -> Result<O, DecodeError> {
        let remaining = self.remaining();
        let before = remaining.len();
        match parser(remaining) {
            Ok((rest, out)) => {
                self.pos = self.pos.saturating_add(before.saturating_sub(rest.len()));
                Ok(out)
            }
            Err(_) => Err(self.truncated(field)),
        }
    }

    #[inline]
    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        self.parse(field, |i| be_u8(i))
    }

    #[inline]
    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        self.parse(field, |i| be_u16(i))
    }

    #[inline]
    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        self.parse(field, |i| be_u32(i))
    }

    #[inline]
    pub(crate) fn i64(&mut self, field: &'static str) -> Result<i64, DecodeError> {
        self.parse(field, |i| be_i64(i))
    }

    /// `[u16 length][bytes]` as text: shared when UTF-8, decoded (copied) when CESU-8.
    #[inline]
    pub(crate) fn text(&mut self, field: &'static str) -> Result<B::Text, DecodeError> {
        let start = self.pos;
        let len = usize::from(self.u16(field)?);
        let from = self.pos;
        let Some(to) = from
            .checked_add(len)
            .filter(|&end| end <= self.input().len())
        else {
            return Err(DecodeError::Truncated {
                kind: self.kind,
                field,
                offset: start,
            });
        };
        self.pos = to;
        match self.body().text(from..to) {
            Some(text) => Ok(text),
            None => self.text_fallback(field, from, to),
        }
    }

    /// Not UTF-8: CESU-8 (decoded, so copied) or an error. Kept out of the hot path.
    #[cold]
    #[inline(never)]
    fn text_fallback(
        &self,
        field: &'static str,
        from: usize,
        to: usize,
    ) -> Result<B::Text, DecodeError> {
        let raw = self.input().get(from..to).unwrap_or_default();
        text::decode_cesu8(raw)
            .map(B::Text::from)
            .ok_or(DecodeError::InvalidText {
                kind: self.kind,
                field,
                offset: from,
            })
    }

    /// Everything left, sharing the body ("to end" fields). An owned body is handed over
    /// itself, narrowed to the rest (for `Bytes`: no new reference to the buffer); the reader
    /// keeps an empty body, which is all it can still be asked about.
    pub(crate) fn rest(&mut self) -> B {
        let end = self.input().len();
        let start = self.pos;
        self.pos = end;
        match &mut self.src {
            Src::Owned(body) => {
                let empty = body.slice(0..0).unwrap_or_else(|| body.clone());
                let whole = std::mem::replace(body, empty);
                match whole.into_slice(start..end) {
                    Ok(rest) => rest,
                    // Cannot happen (start <= end = the body's length); put the body back.
                    Err(whole) => {
                        *body = whole;
                        self.since(start)
                    }
                }
            }
            Src::Borrowed(_) => self.since(start),
        }
    }

    /// The bytes read since `start`, sharing the body.
    pub(crate) fn since(&self, start: usize) -> B {
        let body = self.body();
        body.slice(start..self.pos)
            .unwrap_or_else(|| body.slice(0..0).unwrap_or_else(|| body.clone()))
    }

    /// Fails with [`DecodeError::TrailingBytes`] unless the body is used up.
    pub(crate) fn finish(self) -> Result<(), DecodeError> {
        match self.remaining().len() {
            0 => Ok(()),
            count => Err(DecodeError::TrailingBytes {
                kind: self.kind,
                offset: self.pos,
                count,
            }),
        }
    }
}

/// The encoded size of a string field, prefix included, or an error if it is too long.
#[inline]
pub(crate) fn text_len(
    field: &'static str,
    s: &str,
    encoding: TextEncoding,
) -> Result<usize, EncodeError> {
    let len = text::encoded_len(s, encoding);
    if len > MAX_STRING_LEN {
        return Err(EncodeError::StringTooLong { field, len });
    }
    Ok(len.saturating_add(2))
}

/// Writes `[u16 length][bytes]`; the length was checked by [`text_len`].
#[inline]
pub(crate) fn put_text<M: BufMut>(dst: &mut M, s: &str, encoding: TextEncoding) {
    match encoding {
        // The common case, inline: the length is the byte length, the bytes are copied as is.
        TextEncoding::Utf8 => {
            dst.put_u16(u16::try_from(s.len()).unwrap_or(u16::MAX));
            dst.put_slice(s.as_bytes());
        }
        TextEncoding::Cesu8 => {
            let len = u16::try_from(text::encoded_len(s, encoding)).unwrap_or(u16::MAX);
            dst.put_u16(len);
            text::put(dst, s, encoding);
        }
    }
}

/// Sums field sizes; saturates (and so fails the size checks) instead of overflowing.
pub(crate) fn sum(parts: impl IntoIterator<Item = usize>) -> usize {
    parts.into_iter().fold(0usize, usize::saturating_add)
}

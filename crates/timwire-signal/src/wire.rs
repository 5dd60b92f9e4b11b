//! Field-level reading and writing shared by every message module.
//!
//! Reading runs nom's *complete* parsers over a body that framing has already bounded, so a short
//! body is always an error ([`DecodeError::Truncated`]) and never "need more" (the nom-`Incomplete`
//! trap the stream decoder must not fall into).

use bytes::BufMut;
use nom::IResult;
use nom::number::complete::{be_i64, be_u8, be_u16, be_u32};
use timwire_header::MessageType;

use crate::backing::Backing;
use crate::error::{DecodeError, EncodeError};
use crate::text::{self, MAX_STRING_LEN, TextEncoding};

/// A cursor over one frame body.
pub(crate) struct Reader<'b, B> {
    body: &'b B,
    input: &'b [u8],
    pos: usize,
    kind: MessageType,
}

impl<'b, B: Backing> Reader<'b, B> {
    pub(crate) fn new(kind: MessageType, body: &'b B) -> Self {
        Self {
            body,
            input: body.as_ref(),
            pos: 0,
            kind,
        }
    }

    pub(crate) fn kind(&self) -> MessageType {
        self.kind
    }

    pub(crate) fn offset(&self) -> usize {
        self.pos
    }

    fn remaining(&self) -> &'b [u8] {
        self.input.get(self.pos..).unwrap_or_default()
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

    fn parse<O>(
        &mut self,
        field: &'static str,
        parser: fn(&'b [u8]) -> IResult<&'b [u8], O>,
    ) -> Result<O, DecodeError> {
        let (rest, out) = parser(self.remaining()).map_err(|_| self.truncated(field))?;
        self.pos = self.input.len().saturating_sub(rest.len());
        Ok(out)
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        self.parse(field, be_u8)
    }

    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        self.parse(field, be_u16)
    }

    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        self.parse(field, be_u32)
    }

    pub(crate) fn i64(&mut self, field: &'static str) -> Result<i64, DecodeError> {
        self.parse(field, be_i64)
    }

    /// `[u16 length][bytes]` as text: shared when UTF-8, decoded (copied) when CESU-8.
    pub(crate) fn text(&mut self, field: &'static str) -> Result<B::Text, DecodeError> {
        let start = self.pos;
        let len = usize::from(self.u16(field)?);
        let from = self.pos;
        let to = from
            .checked_add(len)
            .filter(|&end| end <= self.input.len())
            .ok_or(DecodeError::Truncated {
                kind: self.kind,
                field,
                offset: start,
            })?;
        self.pos = to;
        if let Some(text) = self.body.text(from..to) {
            return Ok(text);
        }
        let raw = self.input.get(from..to).unwrap_or_default();
        text::decode_cesu8(raw)
            .map(B::Text::from)
            .ok_or(DecodeError::InvalidText {
                kind: self.kind,
                field,
                offset: from,
            })
    }

    /// Everything left, sharing the body ("to end" fields).
    pub(crate) fn rest(&mut self) -> B {
        let end = self.input.len();
        let start = self.pos;
        self.pos = end;
        self.since(start)
    }

    /// The bytes read since `start`, sharing the body.
    pub(crate) fn since(&self, start: usize) -> B {
        self.body
            .slice(start..self.pos)
            .unwrap_or_else(|| self.body.slice(0..0).unwrap_or_else(|| self.body.clone()))
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
pub(crate) fn put_text<M: BufMut>(dst: &mut M, s: &str, encoding: TextEncoding) {
    let len = u16::try_from(text::encoded_len(s, encoding)).unwrap_or(u16::MAX);
    dst.put_u16(len);
    text::put(dst, s, encoding);
}

/// Sums field sizes; saturates (and so fails the size checks) instead of overflowing.
pub(crate) fn sum(parts: impl IntoIterator<Item = usize>) -> usize {
    parts.into_iter().fold(0usize, usize::saturating_add)
}

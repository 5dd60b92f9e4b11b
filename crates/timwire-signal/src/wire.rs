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
use crate::known_topics;
use crate::text::{self, MAX_STRING_LEN, TextEncoding};

/// A cursor over one frame body: what is left to read is a slice of it, so reading a field
/// is a split of that slice, and offsets (for errors and shared slices) are computed from the
/// length left.
pub(crate) struct Reader<'b, B> {
    body: &'b B,
    input: &'b [u8],
    rest: &'b [u8],
    kind: MessageType,
    /// Owned decoding: [`rest`](Self::rest) leaves the "to end" bytes where they are and
    /// records where they start, so that the caller can hand over the body itself
    /// (see `Body::decode_owned_body`).
    defer_rest: bool,
    rest_start: Option<usize>,
}

impl<'b, B: Backing> Reader<'b, B> {
    pub(crate) fn new(kind: MessageType, body: &'b B) -> Self {
        let input = body.as_ref();
        Self {
            body,
            input,
            rest: input,
            kind,
            defer_rest: false,
            rest_start: None,
        }
    }

    /// A reader whose [`rest`](Self::rest) returns an empty placeholder and records the range
    /// instead, read back with [`deferred_rest`](Self::deferred_rest).
    pub(crate) fn deferring_rest(kind: MessageType, body: &'b B) -> Self {
        Self {
            defer_rest: true,
            ..Self::new(kind, body)
        }
    }

    pub(crate) fn kind(&self) -> MessageType {
        self.kind
    }

    /// How many bytes of the body have been read.
    #[inline]
    pub(crate) fn offset(&self) -> usize {
        self.offset_of(self.rest)
    }

    /// The offset at which `tail`, a tail of the body, starts.
    #[inline]
    fn offset_of(&self, tail: &[u8]) -> usize {
        self.input.len().saturating_sub(tail.len())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    pub(crate) fn truncated(&self, field: &'static str) -> DecodeError {
        DecodeError::Truncated {
            kind: self.kind,
            field,
            offset: self.offset(),
        }
    }

    /// Runs one of nom's *complete* parsers on the rest of the body and advances past what it
    /// read. nom's unit error type keeps failure free of allocation; the specific error
    /// (field and offset) is built here, only on failure.
    #[inline]
    fn parse<O>(
        &mut self,
        field: &'static str,
        parser: impl Fn(&'b [u8]) -> IResult<&'b [u8], O, ()>,
    ) -> Result<O, DecodeError> {
        match parser(self.rest) {
            Ok((rest, out)) => {
                self.rest = rest;
                Ok(out)
            }
            Err(_) => Err(self.truncated(field)),
        }
    }

    #[inline]
    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        self.parse(field, be_u8)
    }

    #[inline]
    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        self.parse(field, be_u16)
    }

    #[inline]
    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        self.parse(field, be_u32)
    }

    #[inline]
    pub(crate) fn i64(&mut self, field: &'static str) -> Result<i64, DecodeError> {
        self.parse(field, be_i64)
    }

    /// `[u16 length][bytes]` as text: shared when UTF-8, decoded (copied) when CESU-8.
    #[inline]
    pub(crate) fn text(&mut self, field: &'static str) -> Result<B::Text, DecodeError> {
        let (from, raw) = self.string(field)?;
        self.text_at(field, from, raw)
    }

    /// A topic: a well-known one becomes a static string (see [`known_topics`]), which neither
    /// needs a UTF-8 check nor shares the buffer; any other is read like [`text`](Self::text).
    #[inline]
    pub(crate) fn topic(&mut self, field: &'static str) -> Result<B::Text, DecodeError> {
        let (from, raw) = self.string(field)?;
        match known_topics::intern(raw) {
            Some(known) => Ok(B::static_text(known)),
            None => self.text_at(field, from, raw),
        }
    }

    /// Reads a `[u16 length]` prefix and the bytes it announces, unchecked (no UTF-8 check).
    #[inline]
    pub(crate) fn raw_string(&mut self, field: &'static str) -> Result<&'b [u8], DecodeError> {
        self.string(field).map(|(_, raw)| raw)
    }

    /// Reads a `[u16 length]` prefix and the bytes it announces; returns their offset and them.
    #[inline]
    fn string(&mut self, field: &'static str) -> Result<(usize, &'b [u8]), DecodeError> {
        let before = self.rest;
        let len = usize::from(self.u16(field)?);
        let Some((raw, rest)) = self.rest.split_at_checked(len) else {
            return Err(DecodeError::Truncated {
                kind: self.kind,
                field,
                offset: self.offset_of(before),
            });
        };
        let from = self.offset();
        self.rest = rest;
        Ok((from, raw))
    }

    /// The text `raw`, read by [`string`](Self::string) at `from`.
    #[inline]
    fn text_at(
        &self,
        field: &'static str,
        from: usize,
        raw: &[u8],
    ) -> Result<B::Text, DecodeError> {
        let to = from.saturating_add(raw.len());
        match self.body.text_of(raw, from..to) {
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
        let raw = self.input.get(from..to).unwrap_or_default();
        text::decode_cesu8(raw)
            .map(B::Text::from)
            .ok_or(DecodeError::InvalidText {
                kind: self.kind,
                field,
                offset: from,
            })
    }

    /// Everything left, sharing the body ("to end" fields). When deferring (owned decoding),
    /// an empty slice that takes no reference, and the start is recorded instead.
    #[inline]
    pub(crate) fn rest(&mut self) -> B {
        let start = self.offset();
        // Only the length of `rest` matters from here on (offsets are computed from it).
        self.rest = &[];
        if self.defer_rest {
            self.rest_start = Some(start);
            return B::empty();
        }
        self.since(start)
    }

    /// Where the "to end" field deferred by [`rest`](Self::rest) starts, if one was read.
    pub(crate) fn deferred_rest(&self) -> Option<usize> {
        self.rest_start
    }

    /// The bytes read since `start`, sharing the body.
    #[inline]
    pub(crate) fn since(&self, start: usize) -> B {
        let body = self.body;
        body.slice(start..self.offset())
            .unwrap_or_else(|| body.slice(0..0).unwrap_or_else(|| body.clone()))
    }

    /// Fails with [`DecodeError::TrailingBytes`] unless the body is used up.
    #[inline]
    pub(crate) fn finish(self) -> Result<(), DecodeError> {
        match self.rest.len() {
            0 => Ok(()),
            count => Err(DecodeError::TrailingBytes {
                kind: self.kind,
                offset: self.offset(),
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
#[inline(always)]
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

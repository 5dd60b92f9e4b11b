//! The wire-format cursor under every view: varints, keys, lengths and skipping, with exactly
//! prost's acceptance rules and error classes.
//!
//! A `Reader` holds the *whole* input and a position. Nested messages and packed lists are read
//! against an end offset, but their fields are read against the whole input, as prost does
//! (`merge_loop`): a field that runs past its message's end but not past the input is read and
//! then reported as [`ViewErrorKind::DelimitedLengthExceeded`], so both decoders name the same
//! error for the same input.

use super::error::{ViewError, ViewErrorKind};

/// How deep messages and groups may nest: prost's `RECURSION_LIMIT`.
pub const RECURSION_LIMIT: u32 = 100;

/// A field's wire type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireType {
    /// 0: a varint.
    Varint,
    /// 1: eight little-endian bytes.
    SixtyFourBit,
    /// 2: a varint length and that many bytes.
    LengthDelimited,
    /// 3: the start of a group.
    StartGroup,
    /// 4: the end of a group.
    EndGroup,
    /// 5: four little-endian bytes.
    ThirtyTwoBit,
}

/// The remaining nesting allowance (prost's `DecodeContext`).
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct Ctx(u32);

impl Ctx {
    /// The allowance of an outermost message.
    pub const TOP: Ctx = Ctx(RECURSION_LIMIT);

    /// Fails when no nesting is left.
    #[inline]
    pub fn check(self, offset: usize) -> Result<(), ViewError> {
        if self.0 == 0 {
            Err(ViewError::new(ViewErrorKind::RecursionLimit, offset))
        } else {
            Ok(())
        }
    }

    /// The allowance one level down.
    #[inline]
    pub fn enter(self) -> Ctx {
        Ctx(self.0.saturating_sub(1))
    }
}

/// A cursor over the whole input.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Where the last key read started.
    key_start: usize,
}

impl<'a> Reader<'a> {
    /// A cursor at the start of `buf`.
    #[inline]
    pub fn new(buf: &'a [u8]) -> Self {
        Self {
            buf,
            pos: 0,
            key_start: 0,
        }
    }

    /// The current offset.
    #[inline(always)]
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Whether the cursor is before `end`.
    #[inline(always)]
    pub fn before(&self, end: usize) -> bool {
        self.pos < end
    }

    /// Whether the whole input has been read.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    #[inline]
    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    #[cold]
    fn err(&self, kind: ViewErrorKind) -> ViewError {
        ViewError::new(kind, self.pos)
    }

    /// A varint: at most 10 bytes, the tenth at most 1 (prost's `decode_varint`).
    #[inline(always)]
    pub fn varint(&mut self) -> Result<u64, ViewError> {
        match self.buf.get(self.pos..) {
            Some([b, ..]) if *b < 0x80 => {
                self.pos += 1;
                Ok(u64::from(*b))
            }
            Some([b0, b1, ..]) if *b1 < 0x80 => {
                self.pos += 2;
                Ok(u64::from(b0 & 0x7f) | (u64::from(*b1) << 7))
            }
            _ => self.varint_slow(),
        }
    }

    fn varint_slow(&mut self) -> Result<u64, ViewError> {
        // Ten bytes at hand (the common case inside a message): no bounds checks in the loop.
        if let Some(bytes) = self
            .buf
            .get(self.pos..)
            .and_then(|rest| rest.first_chunk::<10>())
        {
            let mut value = 0u64;
            for (count, &byte) in bytes.iter().enumerate() {
                value |= u64::from(byte & 0x7f) << (count * 7);
                if byte < 0x80 {
                    if count == 9 && byte >= 0x02 {
                        return Err(self.err(ViewErrorKind::InvalidVarint));
                    }
                    self.pos += count + 1;
                    return Ok(value);
                }
            }
            return Err(self.err(ViewErrorKind::InvalidVarint));
        }
        self.varint_tail()
    }

    /// A varint within the last ten bytes of the input.
    #[cold]
    fn varint_tail(&mut self) -> Result<u64, ViewError> {
        let mut value = 0u64;
        for count in 0..10u32 {
            let Some(&byte) = self.buf.get(self.pos + count as usize) else {
                return Err(self.err(ViewErrorKind::InvalidVarint));
            };
            value |= u64::from(byte & 0x7f) << (count * 7);
            if byte < 0x80 {
                if count == 9 && byte >= 0x02 {
                    return Err(self.err(ViewErrorKind::InvalidVarint));
                }
                self.pos += count as usize + 1;
                return Ok(value);
            }
        }
        Err(self.err(ViewErrorKind::InvalidVarint))
    }

    /// A field key: field number and wire type (prost's `decode_key`).
    #[inline(always)]
    pub fn key(&mut self) -> Result<(u32, WireType), ViewError> {
        self.key_start = self.pos;
        // One-byte keys (fields 1-15) are nearly all of them.
        if let Some(&b) = self.buf.get(self.pos) {
            if (8..0x80).contains(&b) {
                let wire_type = match b & 7 {
                    0 => Some(WireType::Varint),
                    1 => Some(WireType::SixtyFourBit),
                    2 => Some(WireType::LengthDelimited),
                    3 => Some(WireType::StartGroup),
                    4 => Some(WireType::EndGroup),
                    5 => Some(WireType::ThirtyTwoBit),
                    _ => None,
                };
                if let Some(wire_type) = wire_type {
                    self.pos += 1;
                    return Ok((u32::from(b >> 3), wire_type));
                }
            }
        }
        self.key_slow()
    }

    #[inline(never)]
    fn key_slow(&mut self) -> Result<(u32, WireType), ViewError> {
        let start = self.pos;
        let key = self.varint()?;
        let Ok(key) = u32::try_from(key) else {
            return Err(ViewError::new(ViewErrorKind::InvalidKey, start));
        };
        let wire_type = match key & 7 {
            0 => WireType::Varint,
            1 => WireType::SixtyFourBit,
            2 => WireType::LengthDelimited,
            3 => WireType::StartGroup,
            4 => WireType::EndGroup,
            5 => WireType::ThirtyTwoBit,
            _ => return Err(ViewError::new(ViewErrorKind::InvalidWireType, start)),
        };
        let tag = key >> 3;
        if tag == 0 {
            return Err(ViewError::new(ViewErrorKind::InvalidTag, start));
        }
        Ok((tag, wire_type))
    }

    /// Where the last key read started.
    #[inline(always)]
    pub fn key_start(&self) -> usize {
        self.key_start
    }

    /// The input from the start of `earlier` (a slice of it, or empty for "from `start`") to
    /// the cursor: the stretch a repeated field's occurrences cover so far.
    #[inline]
    pub fn span_since(&self, earlier: &'a [u8], start: usize) -> &'a [u8] {
        let from = if earlier.is_empty() {
            start
        } else {
            (earlier.as_ptr() as usize).saturating_sub(self.buf.as_ptr() as usize)
        };
        self.slice(from, self.pos)
    }

    /// Fails unless `actual` is `expected` (prost's `check_wire_type`).
    #[inline(always)]
    pub fn expect(&self, expected: WireType, actual: WireType) -> Result<(), ViewError> {
        if expected == actual {
            Ok(())
        } else {
            Err(self.err(ViewErrorKind::UnexpectedWireType))
        }
    }

    /// A length prefix, checked against what is left of the input; returns the end offset.
    #[inline(always)]
    pub fn length(&mut self) -> Result<usize, ViewError> {
        let len = self.varint()?;
        match usize::try_from(len) {
            Ok(len) if len <= self.remaining() => Ok(self.pos + len),
            _ => Err(self.err(ViewErrorKind::BufferUnderflow)),
        }
    }

    /// A length-delimited value (string or bytes): the slice it covers.
    #[inline(always)]
    pub fn delimited(&mut self) -> Result<&'a [u8], ViewError> {
        let end = self.length()?;
        let out = self.buf.get(self.pos..end).unwrap_or_default();
        self.pos = end;
        Ok(out)
    }

    /// The slice from `start` to `end` of the input (empty if out of range, which a checked
    /// `end` never is).
    #[inline(always)]
    pub fn slice(&self, start: usize, end: usize) -> &'a [u8] {
        self.buf.get(start..end).unwrap_or_default()
    }

    /// Fails unless the cursor is exactly at `end` (after a nested message or packed list).
    #[inline(always)]
    pub fn finish(&self, end: usize) -> Result<(), ViewError> {
        if self.pos == end {
            Ok(())
        } else {
            Err(self.err(ViewErrorKind::DelimitedLengthExceeded))
        }
    }

    /// Four little-endian bytes.
    #[inline]
    pub fn fixed32(&mut self) -> Result<u32, ViewError> {
        match self
            .buf
            .get(self.pos..)
            .and_then(|rest| rest.first_chunk::<4>())
        {
            Some(bytes) => {
                self.pos += 4;
                Ok(u32::from_le_bytes(*bytes))
            }
            None => Err(self.err(ViewErrorKind::BufferUnderflow)),
        }
    }

    /// Eight little-endian bytes.
    #[inline]
    pub fn fixed64(&mut self) -> Result<u64, ViewError> {
        match self
            .buf
            .get(self.pos..)
            .and_then(|rest| rest.first_chunk::<8>())
        {
            Some(bytes) => {
                self.pos += 8;
                Ok(u64::from_le_bytes(*bytes))
            }
            None => Err(self.err(ViewErrorKind::BufferUnderflow)),
        }
    }

    /// Skips a field the schema does not know (prost's `skip_field`, recursion check included).
    pub fn skip(&mut self, tag: u32, wire_type: WireType, ctx: Ctx) -> Result<(), ViewError> {
        ctx.check(self.pos)?;
        let len: u64 = match wire_type {
            WireType::Varint => {
                self.varint()?;
                0
            }
            WireType::ThirtyTwoBit => 4,
            WireType::SixtyFourBit => 8,
            WireType::LengthDelimited => self.varint()?,
            WireType::StartGroup => loop {
                let (inner_tag, inner_wire_type) = self.key()?;
                if inner_wire_type == WireType::EndGroup {
                    if inner_tag != tag {
                        return Err(self.err(ViewErrorKind::UnexpectedEndGroup));
                    }
                    break 0;
                }
                self.skip(inner_tag, inner_wire_type, ctx.enter())?;
            },
            WireType::EndGroup => return Err(self.err(ViewErrorKind::UnexpectedEndGroup)),
        };
        match usize::try_from(len) {
            Ok(len) if len <= self.remaining() => {
                self.pos += len;
                Ok(())
            }
            _ => Err(self.err(ViewErrorKind::BufferUnderflow)),
        }
    }
}

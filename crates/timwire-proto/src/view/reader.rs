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

impl WireType {
    /// Its number on the wire (the low three bits of a key).
    #[inline(always)]
    pub const fn number(self) -> u32 {
        match self {
            Self::Varint => 0,
            Self::SixtyFourBit => 1,
            Self::LengthDelimited => 2,
            Self::StartGroup => 3,
            Self::EndGroup => 4,
            Self::ThirtyTwoBit => 5,
        }
    }
}

/// Packs the low 7 bits of each of the eight bytes of `word` (little-endian) into 56 bits.
#[inline(always)]
fn pack_groups(word: u64) -> u64 {
    let x = word & 0x7f7f_7f7f_7f7f_7f7f;
    let x = (x & 0x007f_007f_007f_007f) | ((x & 0x7f00_7f00_7f00_7f00) >> 1);
    let x = (x & 0x0000_3fff_0000_3fff) | ((x & 0x3fff_0000_3fff_0000) >> 2);
    (x & 0x0000_0000_0fff_ffff) | ((x & 0x0fff_ffff_0000_0000) >> 4)
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

    /// Whether one more level of nesting is allowed (what [`check`](Self::check) tests).
    #[inline(always)]
    pub fn allows(self) -> bool {
        self.0 != 0
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
        // Byte by byte (`get(pos)`, not `get(pos..)`): one bounds check per byte.
        match self.buf.get(self.pos) {
            Some(&b0) if b0 < 0x80 => {
                self.pos += 1;
                Ok(u64::from(b0))
            }
            Some(&b0) => match self.buf.get(self.pos + 1) {
                Some(&b1) if b1 < 0x80 => {
                    self.pos += 2;
                    Ok(u64::from(b0 & 0x7f) | (u64::from(b1) << 7))
                }
                _ => self.varint_slow(),
            },
            None => self.varint_slow(),
        }
    }

    /// A varint of three bytes or more, or at the end of the input. With eight bytes at hand
    /// (every varint of a message but its last few bytes), the length comes from the first
    /// byte without a continuation bit, found in one 8-byte word, and the 7-bit groups are
    /// packed together with three mask-and-shift steps instead of a loop.
    #[inline(never)]
    fn varint_slow(&mut self) -> Result<u64, ViewError> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let Some(word) = rest.first_chunk::<8>() else {
            return self.varint_tail();
        };
        let word = u64::from_le_bytes(*word);
        let stops = !word & 0x8080_8080_8080_8080;
        if stops == 0 {
            return self.varint_long(word);
        }
        // `bits` is 8 times the varint's length in bytes: 8..=64.
        let bits = stops.trailing_zeros() + 1;
        self.pos += (bits / 8) as usize;
        Ok(pack_groups(word & (u64::MAX >> (64 - bits))))
    }

    /// A varint of nine or ten bytes, whose first eight (all with a continuation bit) are
    /// `word`.
    #[cold]
    fn varint_long(&mut self, word: u64) -> Result<u64, ViewError> {
        let low = pack_groups(word);
        let at = |i: usize| {
            self.pos
                .checked_add(i)
                .and_then(|j| self.buf.get(j))
                .copied()
        };
        match (at(8), at(9)) {
            (Some(b8), _) if b8 < 0x80 => {
                self.pos += 9;
                Ok(low | (u64::from(b8) << 56))
            }
            // The tenth byte holds bit 63 only: at most 1 (prost's rule).
            (Some(b8), Some(b9)) if b9 < 0x02 => {
                self.pos += 10;
                Ok(low | (u64::from(b8 & 0x7f) << 56) | (u64::from(b9) << 63))
            }
            _ => Err(self.err(ViewErrorKind::InvalidVarint)),
        }
    }

    /// A varint within the last eight bytes of the input (the last field of a message often
    /// is): the same word-at-a-time decode on what is left, padded with zeros; a varint that
    /// needs a padding byte ran past the end.
    #[inline]
    fn varint_tail(&mut self) -> Result<u64, ViewError> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let word = match self.buf.last_chunk::<8>() {
            // The input's last eight bytes, shifted so that `rest` (shorter) is at the bottom.
            Some(last) => u64::from_le_bytes(*last)
                .checked_shr(8 * (8 - rest.len().min(8)) as u32)
                .unwrap_or(0),
            None => rest
                .iter()
                .rev()
                .fold(0u64, |word, &b| (word << 8) | u64::from(b)),
        };
        let stops = !word & 0x8080_8080_8080_8080;
        // Fewer than eight bytes: at least the top one is padding, so `stops` is never 0.
        let bits = stops.trailing_zeros() + 1;
        let len = (bits / 8) as usize;
        if len <= rest.len() {
            self.pos += len;
            Ok(pack_groups(word & (u64::MAX >> (64 - bits))))
        } else {
            Err(self.err(ViewErrorKind::InvalidVarint))
        }
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

    /// The next field key, when it is one or two bytes long (fields 1 to 2047, nearly all of
    /// them): its value (`field << 3 | wire type`) and its length. `(0, 0)` otherwise, and 0 is
    /// no valid key, so generated code matches the value against the keys it expects and takes
    /// the general path ([`key`](Self::key)) for anything else: a field number 0, a wire type
    /// the field cannot have, a longer key, the end of the input.
    #[inline(always)]
    pub fn peek_key(&self) -> (u32, usize) {
        match self.buf.get(self.pos) {
            Some(&b0) if b0 < 0x80 => (u32::from(b0), 1),
            Some(&b0) => match self.buf.get(self.pos + 1) {
                Some(&b1) if b1 < 0x80 => (u32::from(b0 & 0x7f) | (u32::from(b1) << 7), 2),
                _ => (0, 0),
            },
            None => (0, 0),
        }
    }

    /// Moves past a key of `len` bytes that [`peek_key`](Self::peek_key) returned. Unlike
    /// [`key`](Self::key) it does not record where the key started (most fields never ask):
    /// a caller that needs it takes [`pos`](Self::pos) first.
    #[inline(always)]
    pub fn bump_key(&mut self, len: usize) {
        self.pos += len;
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

    /// The entry of a map field whose key and value are both length-delimited, when it has
    /// the shape encoders give it: a one-byte length, then field 1 and field 2 in that order,
    /// each with a one-byte key and a one-byte length, filling the entry exactly. Returns the
    /// key's and the value's bytes and the offset after the entry, without moving the cursor;
    /// `None` for any other shape (which the general path then reads).
    #[inline(always)]
    pub fn map_entry(&self) -> Option<(&'a [u8], &'a [u8], usize)> {
        let rest = self.buf.get(self.pos..)?;
        let [len, 0x0a, key_len, rest @ ..] = rest else {
            return None;
        };
        let (len, key_len) = (usize::from(*len), usize::from(*key_len));
        if len >= 0x80 || key_len >= 0x80 {
            return None;
        }
        let (key, rest) = rest.split_at_checked(key_len)?;
        let [0x12, value_len, rest @ ..] = rest else {
            return None;
        };
        let value_len = usize::from(*value_len);
        // The entry's length covers both fields exactly (a longer entry has more fields).
        if value_len >= 0x80 || len != key_len + value_len + 4 {
            return None;
        }
        let value = rest.get(..value_len)?;
        Some((key, value, self.pos + 1 + len))
    }

    /// Moves the cursor to `pos`, an offset [`map_entry`](Self::map_entry) returned.
    #[inline(always)]
    pub fn skip_to(&mut self, pos: usize) {
        self.pos = pos;
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

    /// Enters a nested message or map entry as prost does: the wire type must be
    /// length-delimited, nesting must be allowed (`ctx`), and the length must fit; returns the
    /// offset where it ends.
    #[inline(always)]
    pub fn enter(&mut self, wire_type: WireType, ctx: Ctx) -> Result<usize, ViewError> {
        self.enter_body(wire_type, ctx).map(|(_, end)| end)
    }

    /// [`enter`](Self::enter), returning the nested message's body as well as its end (one
    /// bounds check for both).
    #[inline(always)]
    pub fn enter_body(
        &mut self,
        wire_type: WireType,
        ctx: Ctx,
    ) -> Result<(&'a [u8], usize), ViewError> {
        self.expect(WireType::LengthDelimited, wire_type)?;
        ctx.check(self.pos)?;
        let len = self.varint()?;
        let start = self.pos;
        let body = usize::try_from(len).ok().and_then(|len| {
            let end = start.checked_add(len)?;
            Some((self.buf.get(start..end)?, end))
        });
        body.ok_or_else(|| self.err(ViewErrorKind::BufferUnderflow))
    }

    /// A length-delimited value (string or bytes): the slice it covers.
    #[inline(always)]
    pub fn delimited(&mut self) -> Result<&'a [u8], ViewError> {
        let len = self.varint()?;
        let start = self.pos;
        let end = usize::try_from(len)
            .ok()
            .and_then(|len| start.checked_add(len));
        match end.and_then(|end| Some((self.buf.get(start..end)?, end))) {
            Some((out, end)) => {
                self.pos = end;
                Ok(out)
            }
            None => Err(self.err(ViewErrorKind::BufferUnderflow)),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every varint length from 1 to 10 bytes, each with and without ten bytes after its start
    /// (the word-at-a-time path and the byte-at-a-time tail), the tenth byte's limit, and
    /// overlong and truncated inputs: the same value, length and acceptance as prost.
    #[test]
    fn varints_agree_with_prost() {
        let mut cases: Vec<Vec<u8>> = Vec::new();
        for shift in 0..64 {
            for value in [1u64 << shift, (1u64 << shift) - 1, !0u64 >> shift] {
                let mut encoded = Vec::new();
                prost::encoding::encode_varint(value, &mut encoded);
                cases.push(encoded);
            }
        }
        for tenth in 0..=0xffu8 {
            let mut v = vec![0xff; 9];
            v.push(tenth);
            cases.push(v);
        }
        cases.push(vec![0x80; 11]);
        cases.push(vec![0x80; 3]);
        cases.push(vec![
            0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
        ]);
        for case in cases {
            for padding in [0usize, 12] {
                let mut input = case.clone();
                input.extend(std::iter::repeat_n(0x55, padding));
                let mut r = Reader::new(&input);
                let ours = r.varint().map(|v| (v, r.pos()));
                let mut buf = &input[..];
                let theirs =
                    prost::encoding::decode_varint(&mut buf).map(|v| (v, input.len() - buf.len()));
                assert_eq!(ours.is_ok(), theirs.is_ok(), "{input:02x?}");
                if let (Ok(ours), Ok(theirs)) = (ours, theirs) {
                    assert_eq!(ours, theirs, "{input:02x?}");
                }
            }
        }
    }
}

//! The prefix of a stream-framed frame: `[header][checksum][remaining length]`.
//!
//! `checksum = header XOR every byte of the encoded remaining length`, as RongCloud's push stack
//! writes it. [`peek`] reads a prefix from borrowed input without consuming anything, so a stream
//! decoder can check the length against its limit before it buffers a single body byte.
//!
//! ```
//! use timwire_header::stream::{self, StreamPrefix};
//! use timwire_header::{Header, MessageType};
//!
//! // A client PUBACK for msgId 0x0102 (docs/PROTOCOL.md §2.2): 40 42 02 01 02.
//! let prefix = stream::peek(&[0x40, 0x42, 0x02, 0x01, 0x02]).unwrap().unwrap();
//! assert_eq!(prefix.header().kind, MessageType::PUBACK);
//! assert_eq!(prefix.remaining_length(), 2);
//! assert_eq!(prefix.len(), 3);
//! assert_eq!(stream::checksum(0x40, &[0x02]), 0x42);
//! assert!(stream::peek(&[0x40, 0x42]).unwrap().is_none()); // need more
//! ```

use core::fmt;

use crate::Header;
use crate::varint::{self, VarintError};

/// The most bytes a prefix takes: header, checksum and a 4-byte varint.
pub const MAX_PREFIX_LEN: usize = 2 + varint::MAX_LEN;

/// Why a stream prefix is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrefixError {
    /// The remaining length is malformed (or, when encoding, too large).
    Length(VarintError),
    /// The checksum byte does not match the header and length bytes.
    ChecksumMismatch {
        /// What the header and length bytes require.
        expected: u8,
        /// What the frame carried.
        found: u8,
    },
}

impl fmt::Display for PrefixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length(e) => fmt::Display::fmt(e, f),
            Self::ChecksumMismatch { expected, found } => {
                write!(
                    f,
                    "checksum mismatch: expected {expected:#04x}, found {found:#04x}"
                )
            }
        }
    }
}

impl core::error::Error for PrefixError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Length(e) => Some(e),
            Self::ChecksumMismatch { .. } => None,
        }
    }
}

impl From<VarintError> for PrefixError {
    fn from(e: VarintError) -> Self {
        Self::Length(e)
    }
}

/// The checksum of a header byte and its encoded remaining length.
#[inline]
pub fn checksum(header: u8, length_bytes: &[u8]) -> u8 {
    length_bytes.iter().fold(header, |acc, b| acc ^ b)
}

/// A complete, valid stream prefix, held inline (at most six bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamPrefix {
    bytes: [u8; MAX_PREFIX_LEN],
    len: u8,
    remaining: u32,
}

impl StreamPrefix {
    /// Builds the prefix for a body of `remaining_length` bytes.
    #[inline]
    pub fn new(header: Header, remaining_length: u64) -> Result<Self, VarintError> {
        let length = varint::encode(remaining_length)?;
        let byte0 = header.to_byte();
        // The value is at most varint::MAX, so it fits in a u32.
        Ok(Self::assemble(
            byte0,
            checksum(byte0, length.as_slice()),
            length.as_slice(),
            remaining_length as u32,
        ))
    }

    /// Lays out validated parts; `length` is 1..=4 bytes.
    #[inline]
    fn assemble(header: u8, checksum: u8, length: &[u8], remaining: u32) -> Self {
        let (bytes, len) = match *length {
            [a] => ([header, checksum, a, 0, 0, 0], 3),
            [a, b] => ([header, checksum, a, b, 0, 0], 4),
            [a, b, c] => ([header, checksum, a, b, c, 0], 5),
            [a, b, c, d, ..] => ([header, checksum, a, b, c, d], 6),
            // Never called with an empty length; the arm only completes the match.
            [] => ([header, checksum, 0, 0, 0, 0], 2),
        };
        Self {
            bytes,
            len,
            remaining,
        }
    }

    /// The prefix bytes: header, checksum, varint.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes
            .get(..usize::from(self.len))
            .unwrap_or(&self.bytes)
    }

    /// How many bytes the prefix takes (3..=6).
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Always false: a prefix takes at least three bytes.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The header byte, decoded.
    pub fn header(&self) -> Header {
        Header::from_byte(self.bytes[0])
    }

    /// The checksum byte.
    pub fn checksum(&self) -> u8 {
        self.bytes[1]
    }

    /// The body length announced by the prefix.
    pub fn remaining_length(&self) -> u32 {
        self.remaining
    }

    /// Prefix plus body: the whole frame's length on the wire.
    pub fn frame_len(&self) -> u64 {
        u64::from(self.len).saturating_add(u64::from(self.remaining))
    }
}

/// Reads a stream prefix from the start of `input` without consuming anything.
///
/// `Ok(None)` means `input` ends inside the prefix. Errors are reported as soon as the bytes that
/// prove them are present: a fifth length byte, a non-minimal length, a wrong checksum.
#[inline(always)]
pub fn peek(input: &[u8]) -> Result<Option<StreamPrefix>, PrefixError> {
    // Fast paths: one- and two-byte lengths (bodies under 16 KiB: nearly every frame).
    match *input {
        [header, found, len0, ..] if len0 < 0x80 => {
            return checked(header, found, [len0, 0, 0, 0], 3, u32::from(len0));
        }
        [header, found, len0, len1, ..] if len1 < 0x80 && len1 != 0 => {
            let remaining = u32::from(len0 & 0x7F) | (u32::from(len1) << 7);
            return checked(header, found, [len0, len1, 0, 0], 4, remaining);
        }
        _ => {}
    }
    let [header, found, length_bytes @ ..] = input else {
        return Ok(None);
    };
    let (header, found) = (*header, *found);
    let Some((remaining, used)) = varint::decode(length_bytes)? else {
        return Ok(None);
    };
    let used_bytes = length_bytes.get(..used).unwrap_or(length_bytes);
    let expected = checksum(header, used_bytes);
    if expected != found {
        return Err(PrefixError::ChecksumMismatch { expected, found });
    }
    Ok(Some(StreamPrefix::assemble(
        header, found, used_bytes, remaining,
    )))
}

/// A prefix from a header, checksum and up to four length bytes (unused ones 0, so that they
/// do not change the XOR), once the checksum is verified.
#[inline(always)]
fn checked(
    header: u8,
    found: u8,
    length: [u8; 4],
    len: u8,
    remaining: u32,
) -> Result<Option<StreamPrefix>, PrefixError> {
    let [a, b, c, d] = length;
    let expected = header ^ a ^ b ^ c ^ d;
    if expected != found {
        return Err(PrefixError::ChecksumMismatch { expected, found });
    }
    Ok(Some(StreamPrefix {
        bytes: [header, found, a, b, c, d],
        len,
        remaining,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Flags, MessageType};

    #[test]
    fn spec_examples() {
        // docs/PROTOCOL.md §2.2
        let ping = StreamPrefix::new(Header::new(MessageType::PINGREQ, Flags::NONE), 0).unwrap();
        assert_eq!(ping.as_bytes(), &[0xC0, 0xC0, 0x00]);
        let puback = StreamPrefix::new(Header::from_byte(0x40), 2).unwrap();
        assert_eq!(puback.as_bytes(), &[0x40, 0x42, 0x02]);
        assert_eq!(peek(&[0xC0, 0xC0, 0x00]), Ok(Some(ping)));
    }

    #[test]
    fn multi_byte_length_checksum() {
        // 321 = C1 02: checksum = 0x32 ^ 0xC1 ^ 0x02 = 0xF1
        let p = StreamPrefix::new(Header::from_byte(0x32), 321).unwrap();
        assert_eq!(p.as_bytes(), &[0x32, 0xF1, 0xC1, 0x02]);
        assert_eq!(p.frame_len(), 325);
        assert_eq!(peek(p.as_bytes()), Ok(Some(p)));
        let max = StreamPrefix::new(Header::from_byte(0x30), u64::from(varint::MAX)).unwrap();
        assert_eq!(max.len(), MAX_PREFIX_LEN);
        assert_eq!(
            peek(max.as_bytes()).unwrap().unwrap().remaining_length(),
            varint::MAX
        );
    }

    #[test]
    fn malformed_prefixes() {
        assert_eq!(peek(&[]), Ok(None));
        assert_eq!(peek(&[0xC0]), Ok(None));
        assert_eq!(peek(&[0xC0, 0xC0]), Ok(None));
        assert_eq!(peek(&[0x30, 0x00, 0x80]), Ok(None));
        assert_eq!(
            peek(&[0xC0, 0xC1, 0x00]),
            Err(PrefixError::ChecksumMismatch {
                expected: 0xC0,
                found: 0xC1
            })
        );
        assert_eq!(
            peek(&[0x30, 0x30, 0x80, 0x00]),
            Err(PrefixError::Length(VarintError::NonMinimal { len: 2 }))
        );
        assert_eq!(
            peek(&[0x30, 0x30, 0xFF, 0xFF, 0xFF, 0xFF]),
            Err(PrefixError::Length(VarintError::TooManyBytes))
        );
        assert_eq!(
            StreamPrefix::new(Header::from_byte(0x30), 1 << 28),
            Err(VarintError::TooLarge { value: 1 << 28 })
        );
    }
}

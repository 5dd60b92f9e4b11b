//! The remaining-length varint of stream framing (MQTT's "variable byte integer").
//!
//! Seven bits per byte, least significant group first, bit 7 set when another byte follows;
//! 1 to 4 bytes, so at most [`MAX`] = 268,435,455. Decoding enforces the minimal form (`80 00`
//! is rejected), so every accepted length has exactly one encoding and a decode/encode round trip
//! reproduces the input bytes.
//!
//! ```
//! use timwire_header::varint;
//! let encoded = varint::encode(321).unwrap();
//! assert_eq!(encoded.as_slice(), &[0xC1, 0x02]);
//! assert_eq!(varint::decode(&[0xC1, 0x02, 0xFF]), Ok(Some((321, 2))));
//! assert_eq!(varint::decode(&[0xC1]), Ok(None)); // need more bytes
//! assert_eq!(varint::decode(&[0x80, 0x00]), Err(varint::VarintError::NonMinimal { len: 2 }));
//! ```

use core::fmt;

/// The largest encodable value: four bytes of seven bits.
pub const MAX: u32 = 268_435_455;
/// The most bytes a varint may take.
pub const MAX_LEN: usize = 4;

/// Why a varint could not be decoded or encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum VarintError {
    /// The fourth byte still had its continuation bit set: a fifth byte would follow.
    TooManyBytes,
    /// The value was written in `len` bytes where fewer suffice (its last byte is `00`).
    NonMinimal {
        /// How many bytes the varint took.
        len: usize,
    },
    /// Encoding `value` needs more than four bytes.
    TooLarge {
        /// The value that was asked for.
        value: u64,
    },
}

impl fmt::Display for VarintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooManyBytes => {
                f.write_str("remaining length has a fifth byte (at most 4 are allowed)")
            }
            Self::NonMinimal { len } => {
                write!(f, "remaining length is not minimally encoded ({len} bytes)")
            }
            Self::TooLarge { value } => {
                write!(f, "remaining length {value} exceeds the maximum {MAX}")
            }
        }
    }
}

impl core::error::Error for VarintError {}

/// An encoded varint: up to four bytes held inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoded {
    bytes: [u8; MAX_LEN],
    len: u8,
}

impl Encoded {
    /// The encoded bytes.
    pub fn as_slice(&self) -> &[u8] {
        self.bytes
            .get(..usize::from(self.len))
            .unwrap_or(&self.bytes)
    }

    /// How many bytes the encoding takes (1..=4).
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Always false: a varint takes at least one byte.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// How many bytes `value` takes, or `None` above [`MAX`].
#[inline]
pub const fn encoded_len(value: u64) -> Option<usize> {
    match value {
        0..=0x7F => Some(1),
        0x80..=0x3FFF => Some(2),
        0x4000..=0x1F_FFFF => Some(3),
        0x20_0000..=0x0FFF_FFFF => Some(4),
        _ => None,
    }
}

/// Encodes `value` in its minimal form.
#[inline]
pub fn encode(value: u64) -> Result<Encoded, VarintError> {
    let Some(len) = encoded_len(value) else {
        return Err(VarintError::TooLarge { value });
    };
    // Unrolled (this runs once per encoded frame): seven-bit groups, low first, bit 7 set on
    // every group but the last.
    let group = |shift: u32| ((value >> shift) & 0x7F) as u8;
    let (g0, g1, g2, g3) = (group(0), group(7), group(14), group(21));
    let bytes = match len {
        1 => [g0, 0, 0, 0],
        2 => [g0 | 0x80, g1, 0, 0],
        3 => [g0 | 0x80, g1 | 0x80, g2, 0],
        _ => [g0 | 0x80, g1 | 0x80, g2 | 0x80, g3],
    };
    // `len` is 1..=4 by construction.
    Ok(Encoded {
        bytes,
        len: len as u8,
    })
}

/// Decodes a varint from the start of `input`.
///
/// Returns `Ok(Some((value, bytes_used)))`, or `Ok(None)` when `input` ends before the varint
/// does (feed more bytes and call again). Structural errors are reported as soon as the bytes
/// that prove them are present, so a bad length never waits for more input.
#[inline]
pub fn decode(input: &[u8]) -> Result<Option<(u32, usize)>, VarintError> {
    const SHIFTS: [u32; MAX_LEN] = [0, 7, 14, 21];
    let mut value: u32 = 0;
    for ((&byte, shift), len) in input.iter().zip(SHIFTS).zip(1usize..) {
        value |= u32::from(byte & 0x7F) << shift;
        if byte & 0x80 == 0 {
            if len > 1 && byte == 0 {
                return Err(VarintError::NonMinimal { len });
            }
            return Ok(Some((value, len)));
        }
    }
    if input.len() >= MAX_LEN {
        Err(VarintError::TooManyBytes)
    } else {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_encode_and_decode() {
        let cases: [(u64, &[u8]); 8] = [
            (0, &[0x00]),
            (127, &[0x7F]),
            (128, &[0x80, 0x01]),
            (16_383, &[0xFF, 0x7F]),
            (16_384, &[0x80, 0x80, 0x01]),
            (2_097_151, &[0xFF, 0xFF, 0x7F]),
            (2_097_152, &[0x80, 0x80, 0x80, 0x01]),
            (268_435_455, &[0xFF, 0xFF, 0xFF, 0x7F]),
        ];
        for (value, bytes) in cases {
            let encoded = encode(value).unwrap();
            assert_eq!(encoded.as_slice(), bytes);
            assert_eq!(encoded.len(), bytes.len());
            assert_eq!(decode(bytes), Ok(Some((value as u32, bytes.len()))));
            assert_eq!(encoded_len(value), Some(bytes.len()));
        }
    }

    #[test]
    fn too_large_values_are_errors() {
        assert_eq!(
            encode(268_435_456),
            Err(VarintError::TooLarge { value: 268_435_456 })
        );
        assert_eq!(
            encode(u64::MAX),
            Err(VarintError::TooLarge { value: u64::MAX })
        );
        assert_eq!(encoded_len(268_435_456), None);
    }

    #[test]
    fn malformed_inputs() {
        assert_eq!(decode(&[]), Ok(None));
        assert_eq!(decode(&[0x80]), Ok(None));
        assert_eq!(decode(&[0xFF, 0xFF, 0xFF]), Ok(None));
        assert_eq!(
            decode(&[0xFF, 0xFF, 0xFF, 0xFF]),
            Err(VarintError::TooManyBytes)
        );
        assert_eq!(
            decode(&[0x80, 0x80, 0x80, 0x80, 0x01]),
            Err(VarintError::TooManyBytes)
        );
        assert_eq!(
            decode(&[0x80, 0x00]),
            Err(VarintError::NonMinimal { len: 2 })
        );
        assert_eq!(
            decode(&[0xFF, 0x80, 0x00]),
            Err(VarintError::NonMinimal { len: 3 })
        );
        assert_eq!(
            decode(&[0x80, 0x80, 0x80, 0x00]),
            Err(VarintError::NonMinimal { len: 4 })
        );
    }

    #[test]
    fn exhaustive_round_trip_of_small_values_and_all_two_byte_inputs() {
        for value in 0..=20_000u64 {
            let e = encode(value).unwrap();
            assert_eq!(decode(e.as_slice()), Ok(Some((value as u32, e.len()))));
        }
        // Every 1- and 2-byte input: decoded ones re-encode to exactly the consumed bytes.
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let input = [a, b];
                if let Ok(Some((value, used))) = decode(&input) {
                    assert_eq!(encode(u64::from(value)).unwrap().as_slice(), &input[..used]);
                }
            }
        }
    }
}

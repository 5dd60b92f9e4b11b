//! Strings on the wire: `[u16 length][bytes]`, UTF-8, with CESU-8 tolerated.
//!
//! RongCloud's web SDK 2.x writes every UTF-16 code unit on its own, so a character outside the
//! Basic Multilingual Plane (an emoji) becomes two 3-byte surrogate sequences: CESU-8, as Java's
//! `writeUTF` does. Its reader cannot decode 4-byte UTF-8 either. So timwire:
//!
//! * decodes standard UTF-8 without copying;
//! * also accepts CESU-8 surrogate pairs, and then decodes them to proper text (the only case that
//!   copies); a lone surrogate, or anything else that is not UTF-8, is an error;
//! * encodes UTF-8 by default, and CESU-8 when [`TextEncoding::Cesu8`] is asked for, for peers
//!   built on RongCloud's web SDK 2.x;
//! * refuses to encode a string over 65,535 bytes instead of truncating it.
//!
//! ```
//! use timwire_signal::text::{self, TextEncoding};
//! // U+1F600 as CESU-8: the surrogates D83D and DE00, three bytes each.
//! let cesu = [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80];
//! assert_eq!(text::decode_cesu8(&cesu).as_deref(), Some("\u{1F600}"));
//! assert_eq!(text::encoded_len("\u{1F600}", TextEncoding::Utf8), 4);
//! assert_eq!(text::encoded_len("\u{1F600}", TextEncoding::Cesu8), 6);
//! ```

use bytes::BufMut;

/// How strings are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TextEncoding {
    /// Standard UTF-8.
    #[default]
    Utf8,
    /// CESU-8: characters above U+FFFF as two 3-byte surrogates (what Java's `writeUTF` and
    /// RongCloud's web SDK 2.x write and expect).
    Cesu8,
}

/// The largest string length a u16 prefix can carry.
pub const MAX_STRING_LEN: usize = u16::MAX as usize;

/// The byte length of `s` in `encoding` (without the u16 prefix).
#[inline]
pub fn encoded_len(s: &str, encoding: TextEncoding) -> usize {
    match encoding {
        TextEncoding::Utf8 => s.len(),
        // Each 4-byte UTF-8 character becomes 6 bytes.
        TextEncoding::Cesu8 => {
            let astral = s.chars().filter(|c| c.len_utf8() == 4).count();
            s.len().saturating_add(astral.saturating_mul(2))
        }
    }
}

/// Writes the bytes of `s` in `encoding` (without the u16 prefix).
pub(crate) fn put<M: BufMut>(dst: &mut M, s: &str, encoding: TextEncoding) {
    match encoding {
        TextEncoding::Utf8 => dst.put_slice(s.as_bytes()),
        TextEncoding::Cesu8 => {
            // Copy runs of BMP text as they are; split only the astral characters.
            let mut run_start = 0;
            for (i, c) in s.char_indices() {
                if c.len_utf8() == 4 {
                    dst.put_slice(s.as_bytes().get(run_start..i).unwrap_or_default());
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units).iter() {
                        put_surrogate(dst, *unit);
                    }
                    run_start = i.saturating_add(4);
                }
            }
            dst.put_slice(s.as_bytes().get(run_start..).unwrap_or_default());
        }
    }
}

/// A UTF-16 surrogate (0xD800..=0xDFFF) as a 3-byte sequence `1110xxxx 10xxxxxx 10xxxxxx`.
fn put_surrogate<M: BufMut>(dst: &mut M, unit: u16) {
    dst.put_slice(&[
        0xE0 | (unit >> 12) as u8,
        0x80 | ((unit >> 6) & 0x3F) as u8,
        0x80 | (unit & 0x3F) as u8,
    ]);
}

/// Decodes text that is UTF-8 except for CESU-8 surrogate pairs (which it may mix freely with
/// 4-byte UTF-8). Returns `None` for anything else, including a lone or reversed surrogate.
pub fn decode_cesu8(bytes: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                out.push_str(valid);
                return Some(out);
            }
            Err(e) => {
                let (valid, tail) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).ok()?);
                let (c, after) = surrogate_pair(tail)?;
                out.push(c);
                rest = after;
            }
        }
    }
}

/// A high surrogate `ED A0..AF xx` followed by a low surrogate `ED B0..BF xx`.
fn surrogate_pair(bytes: &[u8]) -> Option<(char, &[u8])> {
    let (pair, after) = bytes.split_first_chunk::<6>()?;
    let high = surrogate(pair.first_chunk::<3>()?, 0xA0..=0xAF)?;
    let low = surrogate(pair.last_chunk::<3>()?, 0xB0..=0xBF)?;
    let c = char::decode_utf16([high, low]).next()?.ok()?;
    Some((c, after))
}

fn surrogate(seq: &[u8; 3], second: std::ops::RangeInclusive<u8>) -> Option<u16> {
    let [a, b, c] = *seq;
    if a != 0xED || !second.contains(&b) || c & 0xC0 != 0x80 {
        return None;
    }
    Some(0xD000 | (u16::from(b & 0x3F) << 6) | u16::from(c & 0x3F))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cesu(s: &str) -> Vec<u8> {
        let mut v = Vec::new();
        put(&mut v, s, TextEncoding::Cesu8);
        v
    }

    #[test]
    fn cesu8_encodes_astral_as_surrogate_pairs() {
        assert_eq!(
            cesu("a\u{1F600}b"),
            [b'a', 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80, b'b']
        );
        assert_eq!(cesu("héllo"), "héllo".as_bytes());
        assert_eq!(
            cesu("\u{10FFFF}").len(),
            encoded_len("\u{10FFFF}", TextEncoding::Cesu8)
        );
    }

    #[test]
    fn cesu8_round_trips_mixed_text() {
        for s in [
            "",
            "plain",
            "中文",
            "\u{1F600}\u{1F601}x",
            "a\u{10000}b\u{10FFFF}",
        ] {
            assert_eq!(decode_cesu8(&cesu(s)).as_deref(), Some(s));
            assert_eq!(decode_cesu8(s.as_bytes()).as_deref(), Some(s));
        }
        // Mixed: one emoji as 4-byte UTF-8, one as CESU-8.
        let mut mixed = "\u{1F600}".as_bytes().to_vec();
        mixed.extend(cesu("\u{1F601}"));
        assert_eq!(decode_cesu8(&mixed).as_deref(), Some("\u{1F600}\u{1F601}"));
    }

    #[test]
    fn invalid_sequences_are_rejected() {
        let high = [0xED, 0xA0, 0xBD];
        let low = [0xED, 0xB8, 0x80];
        assert_eq!(decode_cesu8(&high), None, "lone high surrogate");
        assert_eq!(decode_cesu8(&low), None, "lone low surrogate");
        assert_eq!(decode_cesu8(&[low, high].concat()), None, "reversed pair");
        assert_eq!(decode_cesu8(&[0xFF]), None);
        assert_eq!(decode_cesu8(&[b'a', 0xC3]), None, "truncated UTF-8");
        assert_eq!(
            decode_cesu8(&[0xC0, 0x80]),
            None,
            "Java's modified-UTF-8 NUL is not accepted"
        );
    }
}

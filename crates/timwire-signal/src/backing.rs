//! Where a decoded packet's strings and data live.

use std::borrow::Cow;
use std::fmt::Debug;
use std::hash::Hash;
use std::ops::{Deref, Range};

use ascii::AsAsciiStr;
use bytes::Bytes;
use bytestring::ByteString;

use crate::shared_text::Text;

/// The buffer a packet is decoded from, and so the storage its fields share.
///
/// * `&'a [u8]`: fields borrow the input (`Cow<'a, str>` text, `&'a [u8]` data).
/// * [`Bytes`]: data fields are slices of the frame's allocation (`Bytes`), and text is a
///   [`Text`]: copied inline when short (up to [`INLINE_TEXT`](crate::INLINE_TEXT) bytes),
///   else a slice of the frame ([`ByteString`]). Packets are `'static` and can be sent across
///   tasks.
///
/// Text is only copied when a peer sent CESU-8 surrogate pairs (see [`crate::text`]); valid
/// UTF-8 is never copied.
pub trait Backing: Clone + Debug + PartialEq + Eq + Hash + AsRef<[u8]> {
    /// Decoded text.
    type Text: Clone
        + Debug
        + PartialEq
        + Eq
        + Hash
        + Deref<Target = str>
        + AsRef<str>
        + From<String>;

    /// The bytes at `range`, sharing this buffer, or `None` when `range` is out of bounds.
    fn slice(&self, range: Range<usize>) -> Option<Self>;

    /// The UTF-8 text at `range`, sharing this buffer, or `None` when out of bounds or not UTF-8.
    fn text(&self, range: Range<usize>) -> Option<Self::Text> {
        let raw = self.as_ref().get(range.clone())?;
        self.text_of(raw, range)
    }

    /// Like [`text`](Self::text), for a caller that has already taken `raw`, the bytes at
    /// `range` (so they are not looked up twice). `None` when `raw` is not UTF-8.
    fn text_of(&self, raw: &[u8], range: Range<usize>) -> Option<Self::Text>;

    /// An empty value that shares nothing (a placeholder).
    fn empty() -> Self;

    /// Text for a string constant, without copying it.
    fn static_text(s: &'static str) -> Self::Text;

    /// This buffer as a shared [`Bytes`], when it is one: what zero-copy encoding shares.
    fn shared(&self) -> Option<&Bytes> {
        None
    }

    /// Like [`slice`](Self::slice), but consuming `self`: for [`Bytes`] the result is this same
    /// handle narrowed, so no new reference to the buffer is taken (and none dropped later).
    /// Gives `self` back when `range` is out of bounds.
    fn into_slice(self, range: Range<usize>) -> Result<Self, Self> {
        match self.slice(range) {
            Some(slice) => Ok(slice),
            None => Err(self),
        }
    }
}

impl<'a> Backing for &'a [u8] {
    type Text = Cow<'a, str>;

    #[inline]
    fn slice(&self, range: Range<usize>) -> Option<Self> {
        let whole: &'a [u8] = self;
        whole.get(range)
    }

    #[inline]
    fn text_of(&self, _raw: &[u8], range: Range<usize>) -> Option<Self::Text> {
        // `raw` is `self[range]`, but with the caller's lifetime: take it again with `'a`.
        let whole: &'a [u8] = self;
        let bytes = whole.get(range)?;
        // Identifiers are nearly always ASCII, and an ASCII check runs word by word where
        // `str::from_utf8` goes byte by byte at unaligned offsets.
        let text = match bytes.as_ascii_str() {
            Ok(ascii) => ascii.as_str(),
            Err(_) => std::str::from_utf8(bytes).ok()?,
        };
        Some(Cow::Borrowed(text))
    }

    fn static_text(s: &'static str) -> Self::Text {
        Cow::Borrowed(s)
    }

    #[inline]
    fn empty() -> Self {
        &[]
    }
}

impl Backing for Bytes {
    type Text = Text;

    #[inline]
    fn slice(&self, range: Range<usize>) -> Option<Self> {
        // `Bytes::slice` panics out of bounds; check first.
        if range.start <= range.end && range.end <= self.len() {
            Some(Bytes::slice(self, range))
        } else {
            None
        }
    }

    #[inline]
    fn text_of(&self, bytes: &[u8], range: Range<usize>) -> Option<Self::Text> {
        if bytes.len() <= crate::INLINE_TEXT {
            let text = match bytes.as_ascii_str() {
                Ok(ascii) => ascii.as_str(),
                Err(_) => std::str::from_utf8(bytes).ok()?,
            };
            Some(Text::copied(text))
        } else {
            // `ByteString` checks the UTF-8 itself (it has no safe unchecked constructor).
            ByteString::try_from(Backing::slice(self, range)?)
                .ok()
                .map(Text::from)
        }
    }

    fn static_text(s: &'static str) -> Self::Text {
        Text::from_static(s)
    }

    #[inline]
    fn empty() -> Self {
        Bytes::new()
    }

    fn shared(&self) -> Option<&Bytes> {
        Some(self)
    }

    fn into_slice(mut self, range: Range<usize>) -> Result<Self, Self> {
        if range.start <= range.end && range.end <= self.len() {
            // Truncating a shared buffer only moves the length; advancing only the pointer.
            // A "to end" field ends where the buffer does: no truncation to do.
            if range.end < self.len() {
                self.truncate(range.end);
            }
            bytes::Buf::advance(&mut self, range.start);
            Ok(self)
        } else {
            Err(self)
        }
    }
}

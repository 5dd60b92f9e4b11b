//! [`Text`]: the string type of packets decoded from [`Bytes`](bytes::Bytes).

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use bytestring::ByteString;
use compact_str::CompactString;

/// The longest string kept inline in a [`Text`], without touching the frame's buffer: 24 bytes
/// on 64-bit targets (what [`CompactString`] stores inline).
pub const INLINE_TEXT: usize = std::mem::size_of::<CompactString>();

/// A string field of an owned packet: `'static`, cheap to clone, and decoded without an
/// allocation.
///
/// * A string of up to [`INLINE_TEXT`] bytes (user ids, topics, tokens of the short kind) is
///   **copied inline**. Copying 24 bytes costs less than taking and later releasing one
///   reference on the frame's shared buffer, which is what decoding a 1 KiB PUBLISH spent most
///   of its time on (BENCHMARKS.md, run 12): the frame's reference is now kept by the payload
///   alone.
/// * A longer string **shares the frame** ([`ByteString`]): one reference, no copy.
/// * A well-known topic is a `&'static str` (see [`known_topics`](crate::known_topics)):
///   nothing copied, nothing counted.
///
/// Equality, ordering and hashing are those of the `str`, whatever the storage.
///
/// ```
/// use timwire_signal::Text;
///
/// let id = Text::from("user-0123456789a");
/// assert_eq!(id, "user-0123456789a");
/// assert!(id.is_inline());
/// assert_eq!(&id[..4], "user");
/// ```
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    /// A constant (a well-known topic): nothing to copy or count.
    Static(&'static str),
    /// Inline, or (built from a long `String`) on the heap.
    Small(CompactString),
    /// A slice of a decoded frame.
    Shared(ByteString),
}

impl Text {
    /// A string constant: neither copied nor counted.
    pub const fn from_static(s: &'static str) -> Self {
        Self(Repr::Static(s))
    }

    /// Short decoded text, copied (inline up to [`INLINE_TEXT`] bytes).
    #[inline]
    pub(crate) fn copied(text: &str) -> Self {
        Self(Repr::Small(CompactString::new(text)))
    }

    /// The text.
    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(s) => s,
            Repr::Small(s) => s.as_str(),
            Repr::Shared(s) => s,
        }
    }

    /// Whether the text is stored inside this value (no reference to a buffer, no heap).
    pub fn is_inline(&self) -> bool {
        match &self.0 {
            Repr::Small(s) => !s.is_heap_allocated(),
            Repr::Static(_) | Repr::Shared(_) => false,
        }
    }

    /// Whether the text is a slice of a decoded frame's buffer.
    pub fn is_shared(&self) -> bool {
        matches!(self.0, Repr::Shared(_))
    }
}

impl Default for Text {
    fn default() -> Self {
        Self::from_static("")
    }
}

impl Deref for Text {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for Text {
    fn as_ref(&self) -> &[u8] {
        self.as_str().as_bytes()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Self(Repr::Small(CompactString::from(s)))
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Self(Repr::Small(CompactString::new(s)))
    }
}

impl From<ByteString> for Text {
    fn from(s: ByteString) -> Self {
        Self(Repr::Shared(s))
    }
}

impl From<Text> for String {
    fn from(t: Text) -> Self {
        t.as_str().to_owned()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_follows_length_and_equality_ignores_it() {
        let short = Text::copied("user-0123456789a");
        assert!(short.is_inline() && !short.is_shared());
        let long_text = "x".repeat(INLINE_TEXT + 1);
        let long = Text::from(ByteString::from(long_text.clone()));
        assert!(long.is_shared() && !long.is_inline());
        assert_eq!(long, Text::from(long_text.as_str()));
        assert_eq!(Text::from_static("ppMsgP"), Text::from("ppMsgP"));
        assert!(!Text::from_static("ppMsgP").is_inline());
        let static_long = Text::from_static("a constant longer than twenty-four bytes");
        assert!(!static_long.is_inline() && !static_long.is_shared());
        assert_eq!(Text::default(), "");
        let hash = |t: &Text| {
            use std::collections::hash_map::DefaultHasher;
            let mut h = DefaultHasher::new();
            t.hash(&mut h);
            h.finish()
        };
        assert_eq!(hash(&long), hash(&Text::from(long_text)));
    }
}

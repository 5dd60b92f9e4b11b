//! The topic lists of SUBSCRIBE (`[str topic][u8 qos]…`) and UNSUBSCRIBE (`[str topic]…`).
//!
//! A decoded list keeps its wire bytes (a slice of the frame) and is validated once at decode
//! time; iterating yields the entries without allocating (unless a topic was CESU-8). So decoding
//! a SUBSCRIBE allocates nothing, like every other frame.

use std::hash::{Hash, Hasher};

use super::prelude::*;

/// Reads every entry of a list that runs to the end of the body; returns the raw bytes and count.
fn scan<B: Backing>(r: &mut Reader<'_, B>, with_qos: bool) -> Result<B, DecodeError> {
    let start = r.offset();
    if r.is_empty() {
        return Err(DecodeError::EmptyList { kind: r.kind() });
    }
    while !r.is_empty() {
        r.topic("topic")?;
        if with_qos {
            let offset = r.offset();
            let value = r.u8("qos")?;
            if QoS::new(value).is_none() {
                return Err(DecodeError::InvalidQos {
                    kind: r.kind(),
                    offset,
                    value,
                });
            }
        }
    }
    Ok(r.since(start))
}

/// Iterates a list validated by [`scan`].
fn entries<B: Backing>(
    kind: MessageType,
    raw: &B,
    with_qos: bool,
) -> impl Iterator<Item = (B::Text, QoS)> + '_ {
    let mut r = Reader::new(kind, raw);
    std::iter::from_fn(move || {
        if r.is_empty() {
            return None;
        }
        // Validated at decode time: these reads cannot fail; stopping keeps the iterator total.
        let topic = r.topic("topic").ok()?;
        let qos = if with_qos {
            QoS::new(r.u8("qos").ok()?)?
        } else {
            QoS::AtMostOnce
        };
        Some((topic, qos))
    })
}

fn build<'s>(
    kind: MessageType,
    items: impl IntoIterator<Item = (&'s str, Option<QoS>)>,
) -> Result<Bytes, EncodeError> {
    let mut out = Vec::new();
    for (topic, qos) in items {
        text_len("topic", topic, TextEncoding::Utf8)?;
        put_text(&mut out, topic, TextEncoding::Utf8);
        if let Some(qos) = qos {
            out.push(qos.value());
        }
    }
    if out.is_empty() {
        return Err(EncodeError::EmptyList { kind });
    }
    Ok(Bytes::from(out))
}

// The two list types from one definition. A macro rather than one generic type: they differ in
// their item (`(topic, qos)` or `topic`) and in their constructor, and each stays a plain named
// type in the API and in error messages.
macro_rules! topic_list {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:ident, with_qos = $with_qos:literal, item = $item:ty, map = $map:expr
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name<B: Backing = Bytes> {
            raw: B,
        }

        impl<B: Backing> $name<B> {
            pub(crate) fn read(r: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
                Ok(Self { raw: scan(r, $with_qos)? })
            }

            /// Validates a list in its wire form (what follows the msgId).
            pub fn from_wire(raw: B) -> Result<Self, DecodeError> {
                let mut r = Reader::new(MessageType::$kind, &raw);
                scan(&mut r, $with_qos)?;
                Ok(Self { raw })
            }

            /// The list's bytes as they were received (or built).
            pub fn as_wire(&self) -> &[u8] {
                self.raw.as_ref()
            }

            /// The entries, in order.
            pub fn iter(&self) -> impl Iterator<Item = $item> + '_ {
                entries(MessageType::$kind, &self.raw, $with_qos).map($map)
            }

            /// How many entries there are.
            pub fn len(&self) -> usize {
                self.iter().count()
            }

            /// Always false: an empty list is rejected when decoding and building.
            pub fn is_empty(&self) -> bool {
                self.raw.as_ref().is_empty()
            }

            pub(crate) fn encoded_len(&self, text: TextEncoding) -> Result<usize, EncodeError> {
                if text == TextEncoding::Utf8 && self.raw.as_ref().is_ascii() {
                    return Ok(self.raw.as_ref().len());
                }
                let mut total = 0usize;
                for (topic, _) in entries::<B>(MessageType::$kind, &self.raw, $with_qos) {
                    total = sum([total, text_len("topic", &topic, text)?, usize::from($with_qos)]);
                }
                Ok(total)
            }

            pub(crate) fn write<M: BufMut>(&self, dst: &mut M, text: TextEncoding) {
                if text == TextEncoding::Utf8 && self.raw.as_ref().is_ascii() {
                    // ASCII is the same in UTF-8 and CESU-8: the wire form can be copied as is.
                    return dst.put_slice(self.raw.as_ref());
                }
                for (topic, qos) in entries::<B>(MessageType::$kind, &self.raw, $with_qos) {
                    put_text(dst, &topic, text);
                    if $with_qos {
                        dst.put_u8(qos.value());
                    }
                }
            }
        }

        /// Lists are equal when their entries are (whatever text encoding they arrived in).
        impl<B: Backing> PartialEq for $name<B> {
            fn eq(&self, other: &Self) -> bool {
                self.iter().eq(other.iter())
            }
        }

        impl<B: Backing> Eq for $name<B> {}

        impl<B: Backing> Hash for $name<B> {
            fn hash<H: Hasher>(&self, state: &mut H) {
                for item in self.iter() {
                    item.hash(state);
                }
            }
        }
    };
}

topic_list! {
    /// SUBSCRIBE's `[str topic][u8 qos]` entries (at least one).
    ///
    /// ```
    /// use timwire_signal::{QoS, Subscriptions};
    /// let list = Subscriptions::new([("s_msg", QoS::AtLeastOnce), ("s_ntf", QoS::AtMostOnce)]).unwrap();
    /// let topics: Vec<_> = list.iter().map(|(t, q)| (t.to_string(), q)).collect();
    /// assert_eq!(topics, [("s_msg".to_string(), QoS::AtLeastOnce), ("s_ntf".to_string(), QoS::AtMostOnce)]);
    /// ```
    Subscriptions, SUBSCRIBE, with_qos = true, item = (B::Text, QoS), map = |entry| entry
}

topic_list! {
    /// UNSUBSCRIBE's `[str topic]` entries (at least one).
    Topics, UNSUBSCRIBE, with_qos = false, item = B::Text, map = |(topic, _)| topic
}

impl Subscriptions<Bytes> {
    /// Builds a list from `(topic, qos)` pairs; fails if it is empty or a topic is too long.
    pub fn new<'s>(entries: impl IntoIterator<Item = (&'s str, QoS)>) -> Result<Self, EncodeError> {
        let raw = build(
            MessageType::SUBSCRIBE,
            entries.into_iter().map(|(t, q)| (t, Some(q))),
        )?;
        Ok(Self { raw })
    }
}

impl Topics<Bytes> {
    /// Builds a list of topics; fails if it is empty or a topic is too long.
    pub fn new<'s>(topics: impl IntoIterator<Item = &'s str>) -> Result<Self, EncodeError> {
        let raw = build(
            MessageType::UNSUBSCRIBE,
            topics.into_iter().map(|t| (t, None)),
        )?;
        Ok(Self { raw })
    }
}

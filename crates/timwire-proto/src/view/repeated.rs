//! Repeated fields and maps of a view: iterators over the input, no `Vec`, no `HashMap`.

use core::fmt;
use core::marker::PhantomData;

use super::codec::Codec;
use super::error::ViewError;
use super::reader::{Ctx, Reader, WireType};
use super::src::{Occurrences, Src};

/// A repeated field of a view: iterates its elements in input order, straight from the input
/// (packed and unpacked occurrences alike). Cheap to copy; iterating does not allocate.
///
/// The view was validated when it was decoded, so iteration cannot fail.
pub struct Repeated<'a, C> {
    src: Src<'a>,
    tag: u32,
    codec: PhantomData<C>,
}

impl<C> Clone for Repeated<'_, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for Repeated<'_, C> {}

impl<'a, C: Codec<'a>> Repeated<'a, C> {
    #[doc(hidden)]
    #[inline]
    pub fn new(src: Src<'a>, tag: u32) -> Self {
        Self {
            src,
            tag,
            codec: PhantomData,
        }
    }

    /// The elements, in input order.
    pub fn iter(&self) -> RepeatedIter<'a, C> {
        RepeatedIter {
            fields: self.src.occurrences(self.tag),
            packed: None,
            codec: PhantomData,
        }
    }

    /// How many elements there are (walks the input).
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The first element.
    pub fn first(&self) -> Option<C::Out> {
        self.iter().next()
    }

    /// The element at `index` (walks the input).
    pub fn get(&self, index: usize) -> Option<C::Out> {
        self.iter().nth(index)
    }
}

impl<'a, C: Codec<'a>> IntoIterator for Repeated<'a, C> {
    type Item = C::Out;
    type IntoIter = RepeatedIter<'a, C>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, C: Codec<'a>> fmt::Debug for Repeated<'a, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, C: Codec<'a>> PartialEq for Repeated<'a, C>
where
    C::Out: PartialEq,
{
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

/// The iterator of a [`Repeated`].
pub struct RepeatedIter<'a, C> {
    fields: Occurrences<'a>,
    /// The rest of a packed occurrence being read.
    packed: Option<Reader<'a>>,
    codec: PhantomData<C>,
}

impl<'a, C: Codec<'a>> Iterator for RepeatedIter<'a, C> {
    type Item = C::Out;

    fn next(&mut self) -> Option<C::Out> {
        loop {
            if let Some(r) = &mut self.packed {
                if !r.is_empty() {
                    match C::packed(r) {
                        Ok(value) => return Some(value),
                        Err(_) => self.packed = None,
                    }
                    continue;
                }
                self.packed = None;
            }
            let (wire_type, mut r) = self.fields.next()?;
            if wire_type == WireType::LengthDelimited && C::PACKED.is_some() {
                self.packed = r.delimited().ok().map(Reader::new);
                continue;
            }
            let mut value = C::Out::default();
            if C::merge(&mut value, wire_type, &mut r, Ctx::TOP, &Src::default(), 0).is_ok() {
                return Some(value);
            }
        }
    }
}

/// A map field of a view: iterates its entries `(key, value)` in input order, straight from
/// the input. A key that occurs more than once keeps its last value in prost's `HashMap`;
/// [`get`](Self::get) gives that value, [`iter`](Self::iter) shows every entry.
pub struct MapView<'a, K, V> {
    src: Src<'a>,
    tag: u32,
    codec: PhantomData<(K, V)>,
}

impl<K, V> Clone for MapView<'_, K, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K, V> Copy for MapView<'_, K, V> {}

impl<'a, K: Codec<'a>, V: Codec<'a>> MapView<'a, K, V> {
    #[doc(hidden)]
    #[inline]
    pub fn new(src: Src<'a>, tag: u32) -> Self {
        Self {
            src,
            tag,
            codec: PhantomData,
        }
    }

    /// Every entry, in input order (a repeated key appears more than once).
    pub fn iter(&self) -> MapIter<'a, K, V> {
        MapIter {
            fields: self.src.occurrences(self.tag),
            codec: PhantomData,
        }
    }

    /// The value of `key`: the last entry with that key, as prost keeps it.
    pub fn get(&self, key: K::Out) -> Option<V::Out>
    where
        K::Out: PartialEq,
    {
        self.iter()
            .filter(|(k, _)| *k == key)
            .last()
            .map(|(_, v)| v)
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

impl<'a, K: Codec<'a>, V: Codec<'a>> IntoIterator for MapView<'a, K, V> {
    type Item = (K::Out, V::Out);
    type IntoIter = MapIter<'a, K, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, K: Codec<'a>, V: Codec<'a>> fmt::Debug for MapView<'a, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'a, K: Codec<'a>, V: Codec<'a>> PartialEq for MapView<'a, K, V>
where
    K::Out: PartialEq,
    V::Out: PartialEq,
{
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

/// The iterator of a [`MapView`].
pub struct MapIter<'a, K, V> {
    fields: Occurrences<'a>,
    codec: PhantomData<(K, V)>,
}

impl<'a, K: Codec<'a>, V: Codec<'a>> Iterator for MapIter<'a, K, V> {
    type Item = (K::Out, V::Out);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (wire_type, mut r) = self.fields.next()?;
            if wire_type != WireType::LengthDelimited {
                continue;
            }
            if let Ok(entry) = map_entry::<K, V>(&mut r, Ctx::TOP) {
                return Some(entry);
            }
        }
    }
}

/// Reads one map entry at `r` (after its key): prost's `hash_map::merge`.
fn map_entry<'a, K: Codec<'a>, V: Codec<'a>>(
    r: &mut Reader<'a>,
    ctx: Ctx,
) -> Result<(K::Out, V::Out), ViewError> {
    ctx.check(r.pos())?;
    let end = r.length()?;
    // Only a message value needs its entry as a parent (to merge repeated occurrences).
    let entry = if !V::LEAF {
        Src::one(r.slice(r.pos(), end))
    } else {
        Src::default()
    };
    let ctx = ctx.enter();
    let mut key = K::Out::default();
    let mut value = V::Out::default();
    while r.before(end) {
        let (tag, wire_type) = r.key()?;
        match tag {
            1 => K::merge(&mut key, wire_type, r, ctx, &entry, 1)?,
            2 => V::merge(&mut value, wire_type, r, ctx, &entry, 2)?,
            _ => r.skip(tag, wire_type, ctx)?,
        }
    }
    r.finish(end)?;
    Ok((key, value))
}

/// Validates one occurrence of a repeated field (packed or not), as prost's `merge_repeated`.
#[doc(hidden)]
#[inline]
pub fn check_repeated<'a, C: Codec<'a>>(
    wire_type: WireType,
    r: &mut Reader<'a>,
    ctx: Ctx,
) -> Result<(), ViewError> {
    if wire_type == WireType::LengthDelimited && C::PACKED.is_some() {
        let end = r.length()?;
        while r.before(end) {
            C::packed(r)?;
        }
        return r.finish(end);
    }
    C::check(wire_type, r, ctx)
}

/// Validates one entry of a map field, as prost's map merge.
#[doc(hidden)]
#[inline]
pub fn check_map<'a, K: Codec<'a>, V: Codec<'a>>(
    wire_type: WireType,
    r: &mut Reader<'a>,
    ctx: Ctx,
) -> Result<(), ViewError> {
    let end = r.enter(wire_type, ctx)?;
    let ctx = ctx.enter();
    // The keys an entry's key and value come with, matched directly (the general path decides
    // the rest, as in `map_entry`).
    let key_key = 1 << 3 | K::WIRE.number();
    let value_key = 2 << 3 | V::WIRE.number();
    while r.before(end) {
        let (key, len) = r.peek_key();
        if key == key_key {
            r.bump_key(len);
            K::check(K::WIRE, r, ctx)?;
        } else if key == value_key {
            r.bump_key(len);
            V::check(V::WIRE, r, ctx)?;
        } else {
            let (tag, wire_type) = r.key()?;
            match tag {
                1 => K::check(wire_type, r, ctx)?,
                2 => V::check(wire_type, r, ctx)?,
                _ => r.skip(tag, wire_type, ctx)?,
            }
        }
    }
    r.finish(end)
}

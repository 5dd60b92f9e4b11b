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
///
/// One plain value (a string, bytes, an unpacked scalar) is read inline, as the generated fast
/// path reads a singular field; packed lists and messages take the general path, out of line.
#[doc(hidden)]
#[inline(always)]
pub fn check_repeated<'a, C: Codec<'a>>(
    wire_type: WireType,
    r: &mut Reader<'a>,
    ctx: Ctx,
) -> Result<(), ViewError> {
    // What `C::check` does for this wire type (the wire type matches, so `expect` passes and
    // the value is read), without the call.
    if C::LEAF && wire_type == C::WIRE {
        return C::value(r).map(drop);
    }
    check_repeated_general::<C>(wire_type, r, ctx)
}

/// [`check_repeated`] for packed lists, messages and unexpected wire types.
#[inline(never)]
fn check_repeated_general<'a, C: Codec<'a>>(
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
///
/// The common entry of strings or bytes is checked inline; any other takes the general path,
/// out of line.
#[doc(hidden)]
#[inline(always)]
pub fn check_map<'a, K: Codec<'a>, V: Codec<'a>>(
    wire_type: WireType,
    r: &mut Reader<'a>,
    ctx: Ctx,
) -> Result<(), ViewError> {
    // The common shape of an entry of strings or bytes (key then value, one-byte lengths),
    // checked in one step; any other entry, or one that fails (bad UTF-8, say), is read by the
    // general path below, which names the error.
    if K::LEAF
        && V::LEAF
        && K::WIRE == WireType::LengthDelimited
        && V::WIRE == WireType::LengthDelimited
        && wire_type == WireType::LengthDelimited
        && ctx.allows()
    {
        if let Some((key, value, after)) = r.map_entry() {
            if K::valid(key) && V::valid(value) {
                r.skip_to(after);
                return Ok(());
            }
        }
    }
    check_map_general::<K, V>(wire_type, r, ctx)
}

/// [`check_map`] for entries of any shape: prost's map merge, step by step.
#[inline(never)]
fn check_map_general<'a, K: Codec<'a>, V: Codec<'a>>(
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

#[cfg(test)]
mod tests {
    use super::super::codec::{Bytes, Int32, Str};
    use super::super::reader::RECURSION_LIMIT;
    use super::*;

    /// Inputs around every boundary of the inline paths: map entries of every small key and
    /// value length, each byte replaced by values that change its meaning (a continuation bit,
    /// another key, invalid UTF-8), cut at every length, and followed by more bytes.
    fn inputs() -> Vec<Vec<u8>> {
        let mut bases = Vec::new();
        for key_len in 0..4u8 {
            for value_len in 0..4u8 {
                let mut entry = vec![key_len + value_len + 4, 0x0a, key_len];
                entry.extend((0..key_len).map(|i| b'a' + i));
                entry.extend([0x12, value_len]);
                entry.extend((0..value_len).map(|i| b'k' + i));
                bases.push(entry);
            }
        }
        bases.push(vec![0x05, 0x12, 0x01, b'v', 0x0a, 0x00]); // value before key
        bases.push(vec![0x06, 0x0a, 0x00, 0x12, 0x00, 0x18, 0x01]); // an unknown field after
        bases.push(vec![0x03, 0x0a, 0x81, 0x00]); // a two-byte key length
        bases.push(vec![0x81, 0x00]); // a two-byte entry length
        let mut out = Vec::new();
        for base in bases {
            for at in 0..base.len() {
                for byte in [0x00, 0x01, 0x0a, 0x12, 0x7f, 0x80, 0xc3, 0xff] {
                    let mut v = base.clone();
                    v[at] = byte;
                    out.push(v);
                }
            }
            for end in 0..base.len() {
                out.push(base[..end].to_vec());
            }
            let mut longer = base.clone();
            longer.extend([0x0a, 0x01, b'x']);
            out.push(longer);
            out.push(base);
        }
        out
    }

    /// Runs `check` on `input` after a one-byte prefix (so offsets are not 0): its result and
    /// where the cursor ends.
    fn run(
        input: &[u8],
        check: impl Fn(&mut Reader<'_>) -> Result<(), ViewError>,
    ) -> (Result<(), ViewError>, usize) {
        let mut buf = vec![0x7a];
        buf.extend_from_slice(input);
        let mut r = Reader::new(&buf);
        r.key().expect("a one-byte key");
        let result = check(&mut r);
        (result, r.pos())
    }

    /// The inline map-entry path gives exactly what the general path gives: the same result,
    /// the same error (kind and offset), the cursor at the same place, for every input above,
    /// every wire type and with no nesting left.
    #[test]
    fn map_entries_inline_and_general_agree() {
        let mut spent = Ctx::TOP;
        for _ in 0..RECURSION_LIMIT {
            spent = spent.enter();
        }
        for input in inputs() {
            for ctx in [Ctx::TOP, spent] {
                for wire_type in [WireType::LengthDelimited, WireType::Varint] {
                    assert_eq!(
                        run(&input, |r| check_map::<Str, Str>(wire_type, r, ctx)),
                        run(&input, |r| check_map_general::<Str, Str>(wire_type, r, ctx)),
                        "map<string, string>, {wire_type:?}, {input:02x?}"
                    );
                    assert_eq!(
                        run(&input, |r| check_map::<Str, Bytes>(wire_type, r, ctx)),
                        run(&input, |r| check_map_general::<Str, Bytes>(
                            wire_type, r, ctx
                        )),
                        "map<string, bytes>, {wire_type:?}, {input:02x?}"
                    );
                }
            }
        }
    }

    /// The same for one element of a repeated field: strings, bytes and an int32 (unpacked
    /// and packed).
    #[test]
    fn repeated_elements_inline_and_general_agree() {
        for input in inputs() {
            for wire_type in [WireType::LengthDelimited, WireType::Varint] {
                let ctx = Ctx::TOP;
                assert_eq!(
                    run(&input, |r| check_repeated::<Str>(wire_type, r, ctx)),
                    run(&input, |r| check_repeated_general::<Str>(wire_type, r, ctx)),
                    "string, {wire_type:?}, {input:02x?}"
                );
                assert_eq!(
                    run(&input, |r| check_repeated::<Bytes>(wire_type, r, ctx)),
                    run(&input, |r| check_repeated_general::<Bytes>(
                        wire_type, r, ctx
                    )),
                    "bytes, {wire_type:?}, {input:02x?}"
                );
                assert_eq!(
                    run(&input, |r| check_repeated::<Int32>(wire_type, r, ctx)),
                    run(&input, |r| check_repeated_general::<Int32>(
                        wire_type, r, ctx
                    )),
                    "int32, {wire_type:?}, {input:02x?}"
                );
            }
        }
    }
}

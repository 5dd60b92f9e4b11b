//! Helpers the generated views call: message merging and `bytes` conversion.

use bytes::Bytes;

use super::View;
use super::codec::Codec;
use super::error::{Location, ViewError};
use super::reader::{Ctx, Reader, WireType};
use super::src::Src;

/// Reads one occurrence of a message field into `slot` (prost's `message::merge`): the first
/// occurrence records its body; a later one merges, and the view then stands for every
/// occurrence of the field under `parent`.
#[inline]
pub fn merge_message<'a, V: View<'a>>(
    slot: &mut V,
    wire_type: WireType,
    r: &mut Reader<'a>,
    ctx: Ctx,
    parent: &Src<'a>,
    tag: u32,
) -> Result<(), ViewError> {
    let (body, end) = r.enter_body(wire_type, ctx)?;
    let src = if slot.src().is_set() {
        parent.child(tag)
    } else {
        Src::one(body)
    };
    slot.set_src(src);
    slot.merge_body(r, end, ctx.enter())?;
    r.finish(end)
}

/// Validates one occurrence of a message field as [`merge_message`] would (same acceptance,
/// same error), keeping nothing: list elements and map values, which are read later.
#[inline]
pub fn check_message<'a, V: View<'a>>(
    wire_type: WireType,
    r: &mut Reader<'a>,
    ctx: Ctx,
) -> Result<(), ViewError> {
    let end = r.enter(wire_type, ctx)?;
    V::check_body(r, end, ctx.enter())?;
    r.finish(end)
}

/// Reads one value of a scalar, string or bytes field after its key (generated fast path); an
/// error names the field at `at`.
#[inline(always)]
pub fn value<'a, C: Codec<'a>>(
    r: &mut Reader<'a>,
    at: &'static Location,
) -> Result<C::Out, ViewError> {
    C::value(r).map_err(|e| e.within(at))
}

/// A `bytes` field for a prost message: a slice of `frame` when the value lies inside it (no
/// copy), else a copy.
#[inline]
pub fn bytes_value(value: &[u8], frame: Option<&Bytes>) -> Bytes {
    if value.is_empty() {
        return Bytes::new();
    }
    if let Some(frame) = frame {
        let outer = frame.as_ptr_range();
        let inner = value.as_ptr_range();
        if outer.start <= inner.start && inner.end <= outer.end {
            return frame.slice_ref(value);
        }
    }
    Bytes::copy_from_slice(value)
}

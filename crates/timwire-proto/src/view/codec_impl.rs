//! Helpers the generated views call: message merging and `bytes` conversion.

use bytes::Bytes;

use super::View;
use super::error::ViewError;
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
    r.expect(WireType::LengthDelimited, wire_type)?;
    ctx.check(r.pos())?;
    let end = r.length()?;
    let src = if slot.src().is_set() {
        parent.child(tag)
    } else {
        Src::one(r.slice(r.pos(), end))
    };
    slot.set_src(src);
    let ctx = ctx.enter();
    while r.before(end) {
        let (tag, wire_type) = r.key()?;
        slot.merge_field(tag, wire_type, r, ctx)?;
    }
    r.finish(end)
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

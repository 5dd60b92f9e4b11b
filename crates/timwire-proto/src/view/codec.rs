//! How one value of each protobuf field type is read: the element types of [`Repeated`] and
//! [`MapView`].
//!
//! A protobuf type does not follow from a Rust type (`int32`, `sint32` and `sfixed32` are all
//! `i32`), so lists and maps are typed by these markers: `Repeated<'a, codec::Sint32>` yields
//! `i32`s decoded with zigzag. Message views are their own codec.
//!
//! [`Repeated`]: super::Repeated
//! [`MapView`]: super::MapView

use core::fmt::Debug;

use super::error::{ViewError, ViewErrorKind};
use super::reader::{Ctx, Reader, WireType};
use super::src::Src;

/// One protobuf field type: what a value decodes to and how.
pub trait Codec<'a> {
    /// The decoded value (`i32`, `&'a str`, a message view...).
    type Out: Copy + Default + Debug + 'a;

    /// The wire type of one element in a packed list, for the scalar types that can be packed.
    #[doc(hidden)]
    const PACKED: Option<WireType>;

    /// The wire type of one value (unpacked).
    #[doc(hidden)]
    const WIRE: WireType = WireType::LengthDelimited;

    /// Whether values are plain (scalars, strings, bytes): only messages need their parent.
    #[doc(hidden)]
    const LEAF: bool = true;

    /// Reads one occurrence into `slot`: the last value wins for scalars, strings and bytes;
    /// a message merges.
    #[doc(hidden)]
    fn merge(
        slot: &mut Self::Out,
        wire_type: WireType,
        r: &mut Reader<'a>,
        ctx: Ctx,
        parent: &Src<'a>,
        tag: u32,
    ) -> Result<(), ViewError>;

    /// Reads one element of a packed list (types with [`PACKED`](Self::PACKED) only).
    #[doc(hidden)]
    fn packed(r: &mut Reader<'a>) -> Result<Self::Out, ViewError> {
        Err(ViewError::new(ViewErrorKind::UnexpectedWireType, r.pos()))
    }

    /// Reads one value whose key had the wire type this type expects (already checked): a
    /// scalar, string or bytes. Generated code calls it on its one-byte-key fast path.
    #[doc(hidden)]
    #[inline(always)]
    fn value(r: &mut Reader<'a>) -> Result<Self::Out, ViewError> {
        Self::packed(r)
    }

    /// Whether `bytes`, the whole of a length-delimited value, is a valid value of this type:
    /// strings check their UTF-8, bytes take anything. Asked only of types whose values are
    /// length-delimited and plain ([`WIRE`](Self::WIRE) `LengthDelimited`, [`LEAF`](Self::LEAF)),
    /// by the map-entry fast path ([`check_map`](super::check_map)).
    #[doc(hidden)]
    #[inline(always)]
    fn valid(_bytes: &[u8]) -> bool {
        true
    }

    /// Validates one occurrence exactly as [`merge`](Self::merge) would (same acceptance, same
    /// error), without keeping it: lists and maps are checked when a view is decoded and read
    /// later, so their elements need no value then.
    #[doc(hidden)]
    #[inline]
    fn check(wire_type: WireType, r: &mut Reader<'a>, ctx: Ctx) -> Result<(), ViewError> {
        let mut value = Self::Out::default();
        Self::merge(&mut value, wire_type, r, ctx, &Src::default(), 0)
    }
}

macro_rules! scalar {
    ($(#[$doc:meta])* $name:ident, $out:ty, $wire:ident, |$r:ident| $read:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name;

        impl<'a> Codec<'a> for $name {
            type Out = $out;
            const PACKED: Option<WireType> = Some(WireType::$wire);
            const WIRE: WireType = WireType::$wire;

            #[inline]
            fn merge(
                slot: &mut $out,
                wire_type: WireType,
                r: &mut Reader<'a>,
                _ctx: Ctx,
                _parent: &Src<'a>,
                _tag: u32,
            ) -> Result<(), ViewError> {
                r.expect(WireType::$wire, wire_type)?;
                *slot = Self::packed(r)?;
                Ok(())
            }

            #[inline]
            fn packed($r: &mut Reader<'a>) -> Result<$out, ViewError> {
                $read
            }
        }
    };
}

scalar!(
    /// `int32` (and enum fields, which prost keeps as `i32`).
    Int32, i32, Varint, |r| Ok(r.varint()? as i32)
);
scalar!(
    /// `int64`.
    Int64, i64, Varint, |r| Ok(r.varint()? as i64)
);
scalar!(
    /// `uint32`.
    Uint32, u32, Varint, |r| Ok(r.varint()? as u32)
);
scalar!(
    /// `uint64`.
    Uint64, u64, Varint, |r| r.varint()
);
scalar!(
    /// `sint32` (zigzag).
    Sint32, i32, Varint, |r| {
        let v = r.varint()? as u32;
        Ok(((v >> 1) as i32) ^ (-((v & 1) as i32)))
    }
);
scalar!(
    /// `sint64` (zigzag).
    Sint64, i64, Varint, |r| {
        let v = r.varint()?;
        Ok(((v >> 1) as i64) ^ (-((v & 1) as i64)))
    }
);
scalar!(
    /// `bool`: any non-zero varint is true.
    Bool, bool, Varint, |r| Ok(r.varint()? != 0)
);
scalar!(
    /// `fixed32`.
    Fixed32, u32, ThirtyTwoBit, |r| r.fixed32()
);
scalar!(
    /// `fixed64`.
    Fixed64, u64, SixtyFourBit, |r| r.fixed64()
);
scalar!(
    /// `sfixed32`.
    Sfixed32, i32, ThirtyTwoBit, |r| Ok(r.fixed32()? as i32)
);
scalar!(
    /// `sfixed64`.
    Sfixed64, i64, SixtyFourBit, |r| Ok(r.fixed64()? as i64)
);
scalar!(
    /// `float`.
    Float, f32, ThirtyTwoBit, |r| Ok(f32::from_bits(r.fixed32()?))
);
scalar!(
    /// `double`.
    Double, f64, SixtyFourBit, |r| Ok(f64::from_bits(r.fixed64()?))
);

/// `string`: `&'a str` into the input, UTF-8 checked once, when the view is decoded.
#[derive(Clone, Copy, Debug)]
pub struct Str;

impl<'a> Codec<'a> for Str {
    type Out = &'a str;
    const PACKED: Option<WireType> = None;

    #[inline]
    fn merge(
        slot: &mut &'a str,
        wire_type: WireType,
        r: &mut Reader<'a>,
        _ctx: Ctx,
        _parent: &Src<'a>,
        _tag: u32,
    ) -> Result<(), ViewError> {
        *slot = read_str(wire_type, r)?;
        Ok(())
    }

    #[inline(always)]
    fn value(r: &mut Reader<'a>) -> Result<&'a str, ViewError> {
        str_value(r)
    }

    #[inline(always)]
    fn valid(bytes: &[u8]) -> bool {
        smoothutf8::from_utf8(bytes).is_some()
    }

    #[inline(always)]
    fn check(wire_type: WireType, r: &mut Reader<'a>, _ctx: Ctx) -> Result<(), ViewError> {
        read_str(wire_type, r).map(drop)
    }
}

/// Reads a `string` value: wire type, length, UTF-8 (in prost's order).
#[doc(hidden)]
#[inline(always)]
pub fn read_str<'a>(wire_type: WireType, r: &mut Reader<'a>) -> Result<&'a str, ViewError> {
    r.expect(WireType::LengthDelimited, wire_type)?;
    str_value(r)
}

/// Reads a `string` value after its key: length, UTF-8.
///
/// The check is smoothutf8's: an inlined SWAR check for the short strings payloads are mostly
/// made of, and, through its `simdutf8` feature (enabled in the workspace), simdutf8's SIMD
/// validator from 128 bytes on. simdutf8 for every string was measured and rejected: its
/// dispatch and the partial last block made the view decode 37-42 % dearer on the benchmark
/// fixtures (callgrind instructions: TimMessage 1,847 -> 2,587, UpStreamMessage 675 -> 903).
#[inline(always)]
fn str_value<'a>(r: &mut Reader<'a>) -> Result<&'a str, ViewError> {
    let bytes = r.delimited()?;
    match smoothutf8::from_utf8(bytes) {
        Some(text) => Ok(text),
        None => Err(utf8_error(bytes, r.pos())),
    }
}

/// The error for `bytes` (which ended at `end`), at the first byte that is not UTF-8.
#[cold]
fn utf8_error(bytes: &[u8], end: usize) -> ViewError {
    let valid = core::str::from_utf8(bytes)
        .err()
        .map_or(0, |e| e.valid_up_to());
    ViewError::new(
        ViewErrorKind::InvalidUtf8,
        end.saturating_sub(bytes.len()) + valid,
    )
}

/// Reads a `bytes` value.
#[doc(hidden)]
#[inline(always)]
pub fn read_bytes<'a>(wire_type: WireType, r: &mut Reader<'a>) -> Result<&'a [u8], ViewError> {
    r.expect(WireType::LengthDelimited, wire_type)?;
    r.delimited()
}

/// `bytes`: `&'a [u8]` into the input.
#[derive(Clone, Copy, Debug)]
pub struct Bytes;

impl<'a> Codec<'a> for Bytes {
    type Out = &'a [u8];
    const PACKED: Option<WireType> = None;

    #[inline]
    fn merge(
        slot: &mut &'a [u8],
        wire_type: WireType,
        r: &mut Reader<'a>,
        _ctx: Ctx,
        _parent: &Src<'a>,
        _tag: u32,
    ) -> Result<(), ViewError> {
        *slot = read_bytes(wire_type, r)?;
        Ok(())
    }

    #[inline(always)]
    fn value(r: &mut Reader<'a>) -> Result<&'a [u8], ViewError> {
        r.delimited()
    }

    #[inline(always)]
    fn check(wire_type: WireType, r: &mut Reader<'a>, _ctx: Ctx) -> Result<(), ViewError> {
        read_bytes(wire_type, r).map(drop)
    }
}

//! Zero-copy views of every protobuf message: decode without allocating, convert to prost's
//! types when you need them.
//!
//! For each message `Foo` of [`tim`](crate::tim), [`rongcloud`](crate::rongcloud) and
//! [`conversation`](crate::conversation) there is a `FooView<'a>` beside it, generated from the
//! same descriptors as prost's types:
//!
//! | field | in `Foo` (prost) | in `FooView<'a>` |
//! |---|---|---|
//! | scalar, enum | `i32`, `Option<i64>`, ... | the same |
//! | `string` | `String` / `Option<String>` | `&'a str` / `Option<&'a str>`, UTF-8 checked once |
//! | `bytes` | `Bytes` / `Option<Bytes>` | `&'a [u8]` / `Option<&'a [u8]>` |
//! | message | `Option<Bar>` | `Option<BarView<'a>>` |
//! | `repeated T` | `Vec<T>` | method returning [`Repeated<'a, codec::T>`](Repeated) |
//! | `map<K, V>` | `HashMap<K, V>` | method returning [`MapView<'a, K, V>`](MapView) |
//!
//! Decoding a view allocates nothing, for any input, and accepts exactly what prost accepts,
//! with prost's rules: the last value of a scalar field seen twice wins, a message field seen
//! twice is merged, packed and unpacked repeated scalars are both read, unknown fields are
//! skipped, enum numbers are kept whether known or not, proto2 `required` is not enforced,
//! nesting stops at [`RECURSION_LIMIT`]. The whole message is validated when the view is
//! decoded, so reading it afterwards cannot fail. Errors ([`ViewError`]) name the message,
//! field and offset.
//!
//! ```
//! use timwire_proto::Message as _;
//! use timwire_proto::tim::{Tid, TimMessage, TimMessageView};
//!
//! let wire = TimMessage {
//!     ms_type: 2,
//!     from_tid: Some(Tid { node: "alice".into(), ..Default::default() }),
//!     data_string: Some("hello".into()),
//!     to_list: vec!["bob".into(), "carol".into()],
//!     extend: [("lang".to_string(), "en".to_string())].into(),
//!     ..Default::default()
//! }
//! .encode_to_vec();
//!
//! let view = TimMessageView::decode(&wire)?; // borrows `wire`, allocates nothing
//! assert_eq!(view.ms_type, 2);
//! assert_eq!(view.data_string, Some("hello"));
//! assert_eq!(view.from_tid.unwrap().node, "alice");
//! assert_eq!(view.to_list().iter().collect::<Vec<_>>(), ["bob", "carol"]);
//! assert_eq!(view.extend().get("lang"), Some("en"));
//!
//! let message: TimMessage = view.to_message(); // prost's type, when you need to own it
//! assert_eq!(message.data_string.as_deref(), Some("hello"));
//! # Ok::<(), timwire_proto::view::ViewError>(())
//! ```
//!
//! # Keeping a view: [`Owned`]
//!
//! A view borrows its input. To keep one past the input buffer, [`Owned<Foo>`](Owned) holds
//! the payload's [`Bytes`](bytes::Bytes) — in timwire a slice of the frame, so taking it costs
//! one reference-count operation for the whole message, none per field — validated once, and
//! gives the view again with [`Owned::view`].
//!
//! Why not a view with its lifetime erased, as buffa's `OwnedView` does: storing a view next
//! to the buffer it borrows is a self-referential struct, which safe Rust cannot express; buffa
//! uses `unsafe` for it, and `yoke` needs a cart type that is `StableDeref`, which `Bytes` is
//! not without an `unsafe impl`. Why not a span table (offsets instead of slices): turning a
//! span back into `&str` without `unsafe` means checking its UTF-8 again on every access, so
//! it saves little over decoding the view again, which this crate's decoder does in a fraction
//! of prost's time (BENCHMARKS.md), and it would double the generated code. So `Owned` keeps
//! the bytes and decodes again: no `unsafe`, no allocation, one reference count.
//!
//! # Repeated fields and maps
//!
//! They are not collected: [`Repeated`] and [`MapView`] walk the input each time they are
//! iterated, within the stretch of the input where the field's occurrences were seen when the
//! view was decoded. A message field that occurred more than once (protobuf merges the
//! occurrences) is walked through every occurrence, in order.
//!
//! The price of allocating nothing: iterating checks each string's UTF-8 again (safe Rust has
//! no other way from bytes to `&str`) and decodes each message element again. Decoding and then
//! reading every field of the benchmark fixtures costs 1.5–3× the decode alone (BENCHMARKS.md,
//! run 11); collect into a `Vec` yourself when a list is read many times.
//!
//! # How decoding is kept cheap
//!
//! - **Keys matched whole.** Each generated view matches the next key's value (field number and
//!   wire type, one or two bytes: fields 1 to 2047) against the keys its fields expect, and
//!   reads the value directly; anything else (another wire type, a packed list, an unknown
//!   field, a longer or invalid key) takes the general path, which decides as prost does.
//! - **Validation without a value.** Elements of repeated message fields, map entries and
//!   [`Owned::decode`] are checked by a second generated loop (`check_body`, beside each view's
//!   `merge_body`) that reads the same values in the same order, so it accepts the same inputs
//!   with the same errors, but builds no view: a list of 20 messages no longer fills and drops
//!   20 default views. [`View::validate`] is that check for a whole message.
//! - **Map entries and list elements inline.** A map entry of strings or bytes in the shape
//!   encoders give it (a one-byte length, key then value, one-byte lengths, nothing else) is
//!   checked in one step where the key loop meets it; one string, bytes or unpacked scalar of a
//!   list is read there too. Any other entry or element, and any that fails, goes to the general
//!   path out of line, which decides and names the error as before.
//! - **Small views.** A view keeps where its bytes are (`Src`, 24 bytes) only when it has a
//!   list, map or message field, the only fields that read it: `PushExtraView` is 72 bytes,
//!   `UpStreamMessageView` 256, `TimMessageView` 480 (on 64-bit targets).
//! - **UTF-8 by length.** Strings under 128 bytes are checked by smoothutf8's inlined SWAR
//!   code, longer ones by simdutf8 (SIMD, chosen at run time); see the workspace `Cargo.toml`.
//! - **No copy of the view.** A view is a few hundred bytes; [`View::decode`] returns it (one
//!   copy, as any large return value), [`View::decode_in`] fills a view in place. `decode`
//!   (and each view's inherent `decode`) is inlined into its caller while the key loop behind
//!   it (`merge_top`) is not, so a caller that reads a few fields of the returned view does not
//!   copy all of it.
//!
//! # What the generator refuses
//!
//! The view generator (`crates/xtask/src/views.rs`) stops with an error naming the message and
//! field, rather than generate something that would disagree with prost, on: `oneof` members that
//! are messages, strings or bytes (scalar members are supported), groups, nested message types
//! (map entries aside), references across packages, proto2 default values other than on enums,
//! map values of an enum whose default is not 0, and singular message fields nested deeper than
//! [`MAX_PATH`] (the schemas in `proto/` need 2). None of these occurs in `proto/` today.

pub mod codec;
mod codec_impl;
mod error;
mod owned;
mod reader;
mod repeated;
mod src;

pub use codec::Codec;
pub use error::{ViewError, ViewErrorKind};
pub use owned::Owned;
pub use reader::{RECURSION_LIMIT, WireType};
pub use repeated::{MapIter, MapView, Repeated, RepeatedIter};

#[doc(hidden)]
pub use codec_impl::{bytes_value, check_message, merge_message, value};
#[doc(hidden)]
pub use error::Location;
#[doc(hidden)]
pub use reader::{Ctx, Reader};
#[doc(hidden)]
pub use repeated::{check_map, check_repeated};
#[doc(hidden)]
pub use src::{MAX_PATH, Src};

use core::fmt::Debug;

/// A zero-copy view of one protobuf message type, borrowing its input for `'a`.
///
/// Implemented by every generated `FooView<'a>`.
pub trait View<'a>: Copy + Default + Debug + 'a {
    /// The prost type this is a view of.
    type Message: prost::Message + Default;

    /// The message's name in its `.proto` file.
    const NAME: &'static str;

    /// Decodes a view of a whole encoded message; allocates nothing.
    ///
    /// A view is a few hundred bytes (TimMessageView: 480) and returning it copies it; to
    /// decode many messages one after the other without that copy, decode each into the same
    /// view with [`decode_in`](Self::decode_in).
    #[inline(always)]
    fn decode(buf: &'a [u8]) -> Result<Self, ViewError> {
        let mut view = Self::default();
        view.merge_top(buf)?;
        Ok(view)
    }

    /// Replaces `self` with the view of `buf`, in place (no view is returned, so none is
    /// copied); allocates nothing. On an error, `self` is left holding part of the input and
    /// should not be read.
    ///
    /// ```
    /// use timwire_proto::tim::TimMessageView;
    /// use timwire_proto::view::View;
    ///
    /// let first = [0x08, 0x02]; // msType = 2
    /// let second = [0x10, 0x07]; // odType = 7
    /// let mut view = TimMessageView::default();
    /// view.decode_in(&first)?;
    /// assert_eq!((view.ms_type, view.od_type), (2, 0));
    /// view.decode_in(&second)?; // starts again from a default view
    /// assert_eq!((view.ms_type, view.od_type), (0, 7));
    /// # Ok::<(), timwire_proto::view::ViewError>(())
    /// ```
    #[inline]
    fn decode_in(&mut self, buf: &'a [u8]) -> Result<(), ViewError> {
        *self = Self::default();
        self.merge_top(buf)
    }

    /// Reads a whole message into a default view.
    #[doc(hidden)]
    #[inline(never)]
    fn merge_top(&mut self, buf: &'a [u8]) -> Result<(), ViewError> {
        self.set_src(Src::one(buf));
        self.merge_body(&mut Reader::new(buf), buf.len(), Ctx::TOP)
    }

    /// Checks that `buf` decodes as this message, exactly as [`decode`](Self::decode) would
    /// (same acceptance, same error), without building the view: what [`Owned::decode`] does.
    ///
    /// ```
    /// use timwire_proto::tim::TimMessageView;
    /// use timwire_proto::view::{View, ViewErrorKind};
    ///
    /// assert!(TimMessageView::validate(&[0x08, 0x02]).is_ok()); // msType = 2
    /// let err = TimMessageView::validate(&[0x52, 0x01, 0xff]).unwrap_err(); // dataString
    /// assert_eq!(err.kind(), ViewErrorKind::InvalidUtf8);
    /// assert_eq!(err.field(), "dataString");
    /// ```
    #[inline]
    fn validate(buf: &'a [u8]) -> Result<(), ViewError> {
        Self::check_body(&mut Reader::new(buf), buf.len(), Ctx::TOP)
    }

    /// The prost message, copying strings and bytes.
    fn to_message(&self) -> Self::Message {
        self.to_message_in(None)
    }

    /// The prost message; `bytes` fields that lie inside `frame` become slices of it instead
    /// of copies.
    #[doc(hidden)]
    fn to_message_in(&self, frame: Option<&bytes::Bytes>) -> Self::Message;

    /// Where this view's bytes are.
    #[doc(hidden)]
    fn src(&self) -> &Src<'a>;

    /// Records where this view's bytes are.
    #[doc(hidden)]
    fn set_src(&mut self, src: Src<'a>);

    /// Reads the fields from the cursor to `end` into the view (its key loop: generated views
    /// match one- and two-byte keys directly, see [`Reader::peek_key`]).
    #[doc(hidden)]
    #[inline]
    fn merge_body(&mut self, r: &mut Reader<'a>, end: usize, ctx: Ctx) -> Result<(), ViewError> {
        while r.before(end) {
            let (tag, wire_type) = r.key()?;
            self.merge_field(tag, wire_type, r, ctx)?;
        }
        Ok(())
    }

    /// Validates the fields from the cursor to `end` as [`merge_body`](Self::merge_body) would
    /// (same acceptance, same error), keeping nothing.
    #[doc(hidden)]
    #[inline]
    fn check_body(r: &mut Reader<'a>, end: usize, ctx: Ctx) -> Result<(), ViewError> {
        Self::default().merge_body(r, end, ctx)
    }

    /// Reads one field (its key already read) into the view.
    #[doc(hidden)]
    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        r: &mut Reader<'a>,
        ctx: Ctx,
    ) -> Result<(), ViewError>;
}

/// A prost message type that has a view: `<TimMessage as HasView>::View<'a>` is
/// `TimMessageView<'a>`. Lets generic code (the registry, [`Owned`]) go from one to the other.
pub trait HasView: prost::Message + Default + Sized {
    /// The view type.
    type View<'a>: View<'a, Message = Self>;

    /// Decodes a view of an encoded `Self`.
    #[inline(always)]
    fn view(buf: &[u8]) -> Result<Self::View<'_>, ViewError> {
        <Self::View<'_> as View<'_>>::decode(buf)
    }
}

/// Calls `$callback!(PathToProstType, "package.Name")` once for every message of every schema:
/// the tests and fuzz targets that must cover every type use it, so a new message is covered
/// without editing them.
///
/// ```
/// macro_rules! count { ($ty:path, $name:literal) => { COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed); } }
/// static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
/// timwire_proto::for_each_message!(count);
/// assert!(COUNT.load(std::sync::atomic::Ordering::Relaxed) > 100);
/// ```
#[macro_export]
macro_rules! for_each_message {
    ($callback:ident) => {
        $crate::__for_each_tim_message!($callback);
        $crate::__for_each_rongcloud_message!($callback);
        $crate::__for_each_conversation_message!($callback);
    };
}

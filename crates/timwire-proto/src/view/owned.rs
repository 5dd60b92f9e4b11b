//! The owned form of a view: the payload's `Bytes`, validated once.

use core::fmt;
use core::marker::PhantomData;

use bytes::Bytes;

use super::error::ViewError;
use super::{HasView, View};

/// A view that can outlive the buffer it came from: the payload's [`Bytes`] (usually a slice of
/// the frame, shared, not copied) and the knowledge that it decodes.
///
/// [`view`](Self::view) decodes the view again from those bytes on each call: it allocates
/// nothing and cannot fail, but costs a decode, so keep the view for as long as you work on
/// one message. Making an `Owned` costs one validation ([`View::validate`]: every check of a
/// decode, without building the view) plus whatever taking the `Bytes` costs — at most one
/// reference-count operation for the message, never one per field.
///
/// ```
/// use bytes::Bytes;
/// use timwire_proto::Message as _;
/// use timwire_proto::tim::{Tid, TimMessage};
/// use timwire_proto::view::Owned;
///
/// let sent = TimMessage {
///     from_tid: Some(Tid { node: "alice".into(), ..Default::default() }),
///     data_string: Some("hi".into()),
///     ..Default::default()
/// };
/// let frame = Bytes::from(sent.encode_to_vec());
/// let owned: Owned<TimMessage> = Owned::decode(frame)?; // 'static: can go in a queue
/// let view = owned.view();
/// assert_eq!(view.data_string, Some("hi"));
/// assert_eq!(view.from_tid.map(|t| t.node), Some("alice"));
/// assert_eq!(owned.to_message(), sent);
/// # Ok::<(), timwire_proto::view::ViewError>(())
/// ```
pub struct Owned<M> {
    bytes: Bytes,
    message: PhantomData<fn() -> M>,
}

impl<M: HasView> Owned<M> {
    /// Validates `bytes` as an `M` and keeps them.
    pub fn decode(bytes: Bytes) -> Result<Self, ViewError> {
        <M::View<'_> as View<'_>>::validate(&bytes)?;
        Ok(Self {
            bytes,
            message: PhantomData,
        })
    }

    /// The view, decoded again from the kept bytes (no allocation, no failure).
    pub fn view(&self) -> M::View<'_> {
        <M::View<'_> as View<'_>>::decode(&self.bytes).unwrap_or_default()
    }

    /// The prost message; its `bytes` fields are slices of the kept [`Bytes`], not copies.
    pub fn to_message(&self) -> M {
        self.view().to_message_in(Some(&self.bytes))
    }

    /// The encoded message.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// Gives the encoded message back.
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }
}

impl<M> Clone for Owned<M> {
    fn clone(&self) -> Self {
        Self {
            bytes: self.bytes.clone(),
            message: PhantomData,
        }
    }
}

impl<M: HasView> fmt::Debug for Owned<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.view(), f)
    }
}

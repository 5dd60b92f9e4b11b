//! `[str topic][str targetId][u16 msgId][data: to end]`: the addressed tail that C→S PUBLISH,
//! S→C PUBLISH (after its `[u32 date]`) and QUERY share.
//!
//! `topic` is read through the interned well-known topics ([`crate::known_topics`]); `data` is
//! opaque here and always a slice of the frame.

use super::prelude::*;

/// The four fields of an addressed tail, as read.
pub(super) struct Addressed<B: Backing> {
    pub(super) topic: B::Text,
    pub(super) target_id: B::Text,
    pub(super) msg_id: u16,
    pub(super) data: B,
}

impl<B: Backing> Addressed<B> {
    #[inline(always)]
    pub(super) fn read(r: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
        Ok(Self {
            topic: r.topic("topic")?,
            target_id: r.text("targetId")?,
            msg_id: r.u16("msgId")?,
            data: r.rest(),
        })
    }
}

/// The encoded size of an addressed tail.
#[inline]
pub(super) fn len(
    topic: &str,
    target_id: &str,
    data: &[u8],
    text: TextEncoding,
) -> Result<usize, EncodeError> {
    Ok(sum([
        text_len("topic", topic, text)?,
        text_len("targetId", target_id, text)?,
        2,
        data.len(),
    ]))
}

/// Writes an addressed tail.
#[inline]
pub(super) fn write<M: BufMut>(
    dst: &mut M,
    topic: &str,
    target_id: &str,
    msg_id: u16,
    data: &[u8],
    text: TextEncoding,
) {
    write_prefix(dst, topic, target_id, msg_id, text);
    dst.put_slice(data);
}

/// Writes an addressed tail up to its data.
#[inline]
pub(super) fn write_prefix<M: BufMut>(
    dst: &mut M,
    topic: &str,
    target_id: &str,
    msg_id: u16,
    text: TextEncoding,
) {
    put_text(dst, topic, text);
    put_text(dst, target_id, text);
    dst.put_u16(msg_id);
}

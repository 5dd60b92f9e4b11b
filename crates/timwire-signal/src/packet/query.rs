//! QUERY (type 5, C→S): a request. `[str topic][str targetId][u16 msgId][data: to end]`.

use super::addressed::{self, Addressed};
use super::prelude::*;

/// QUERY.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query<B: Backing = Bytes> {
    /// Header flags (RongCloud uses qos 1 for `pullMsg` and `chrmPull`).
    pub flags: Flags,
    /// The request kind (`pullMsg`, `qryPMsg`, `timPull`, …).
    pub topic: B::Text,
    /// Whom it is about (often the user's own id).
    pub target_id: B::Text,
    /// Chosen by the client; matches the QUERYACK.
    pub msg_id: u16,
    /// The request payload.
    pub data: B,
}

impl<B: Backing> Query<B> {
    /// A QUERY with `qos` and no other flag.
    pub fn new(
        qos: QoS,
        topic: impl Into<B::Text>,
        target_id: impl Into<B::Text>,
        msg_id: u16,
        data: B,
    ) -> Self {
        Self {
            flags: Flags::qos(qos),
            topic: topic.into(),
            target_id: target_id.into(),
            msg_id,
            data,
        }
    }
}

impl<B: Backing> Body for Query<B> {
    const KIND: MessageType = MessageType::QUERY;

    fn flags(&self) -> Flags {
        self.flags
    }

    fn len(&self, text: TextEncoding) -> Result<usize, EncodeError> {
        addressed::len(&self.topic, &self.target_id, self.data.as_ref(), text)
    }

    fn write<M: BufMut>(&self, dst: &mut M, text: TextEncoding) {
        let data = self.data.as_ref();
        addressed::write(dst, &self.topic, &self.target_id, self.msg_id, data, text);
    }

    fn shared_rest(&self) -> Option<&Bytes> {
        self.data.shared()
    }

    fn write_prefix<M: BufMut>(&self, dst: &mut M, text: TextEncoding) {
        addressed::write_prefix(dst, &self.topic, &self.target_id, self.msg_id, text);
    }
}

impl<B: Backing> ReadBody<B> for Query<B> {
    fn read(flags: Flags, r: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
        let Addressed {
            topic,
            target_id,
            msg_id,
            data,
        } = Addressed::read(r)?;
        Ok(Self {
            flags,
            topic,
            target_id,
            msg_id,
            data,
        })
    }

    fn rest_mut(&mut self) -> Option<&mut B> {
        Some(&mut self.data)
    }
}

//! QUERY (type 5, C→S): a request. `[str topic][str targetId][u16 msgId][data: to end]`.

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

impl<B: Backing> Body<B> for Query<B> {
    const KIND: MessageType = MessageType::QUERY;

    fn flags(&self) -> Flags {
        self.flags
    }

    fn read(flags: Flags, r: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
        Ok(Self {
            flags,
            topic: r.text("topic")?,
            target_id: r.text("targetId")?,
            msg_id: r.u16("msgId")?,
            data: r.rest(),
        })
    }

    fn len(&self, text: TextEncoding) -> Result<usize, EncodeError> {
        Ok(sum([
            text_len("topic", &self.topic, text)?,
            text_len("targetId", &self.target_id, text)?,
            2,
            self.data.as_ref().len(),
        ]))
    }

    fn write<M: BufMut>(&self, dst: &mut M, text: TextEncoding) {
        put_text(dst, &self.topic, text);
        put_text(dst, &self.target_id, text);
        dst.put_u16(self.msg_id);
        dst.put_slice(self.data.as_ref());
    }
}

message!(Query<B>);

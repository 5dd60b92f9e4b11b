//! UNSUBSCRIBE (type 10, C→S): `[u16 msgId]` then one or more `[str topic]` (MQTT 3.1.1
//! layout: RongCloud never sends it and publishes no layout of its own).

use super::prelude::*;
use super::topics::Topics;

/// UNSUBSCRIBE.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Unsubscribe<B: Backing = Bytes> {
    /// Header flags (MQTT 3.1.1 sends qos 1).
    pub flags: Flags,
    /// Matches the UNSUBACK.
    pub msg_id: u16,
    /// What to unsubscribe from.
    pub topics: Topics<B>,
}

impl<B: Backing> Unsubscribe<B> {
    /// An UNSUBSCRIBE with header qos 1, as MQTT 3.1.1 requires.
    pub fn new(msg_id: u16, topics: Topics<B>) -> Self {
        Self {
            flags: Flags::qos(QoS::AtLeastOnce),
            msg_id,
            topics,
        }
    }
}

impl<B: Backing> Body for Unsubscribe<B> {
    const KIND: MessageType = MessageType::UNSUBSCRIBE;

    fn flags(&self) -> Flags {
        self.flags
    }

    fn len(&self, text: TextEncoding) -> Result<usize, EncodeError> {
        Ok(sum([2, self.topics.encoded_len(text)?]))
    }

    fn write<M: BufMut>(&self, dst: &mut M, text: TextEncoding) {
        dst.put_u16(self.msg_id);
        self.topics.write(dst, text);
    }
}

impl<B: Backing> ReadBody<B> for Unsubscribe<B> {
    fn read(flags: Flags, r: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
        Ok(Self {
            flags,
            msg_id: r.u16("msgId")?,
            topics: Topics::read(r)?,
        })
    }
}

//! SUBSCRIBE (type 8, C→S): `[u16 msgId]` then one or more `[str topic][u8 qos]` (MQTT 3.1.1
//! layout: RongCloud never sends it and publishes no layout of its own).

use super::prelude::*;
use super::topics::Subscriptions;

/// SUBSCRIBE.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subscribe<B: Backing = Bytes> {
    /// Header flags (MQTT 3.1.1 sends qos 1).
    pub flags: Flags,
    /// Matches the SUBACK.
    pub msg_id: u16,
    /// What to subscribe to.
    pub topics: Subscriptions<B>,
}

impl<B: Backing> Subscribe<B> {
    /// A SUBSCRIBE with header qos 1, as MQTT 3.1.1 requires.
    pub fn new(msg_id: u16, topics: Subscriptions<B>) -> Self {
        Self {
            flags: Flags::qos(QoS::AtLeastOnce),
            msg_id,
            topics,
        }
    }
}

impl<B: Backing> Body for Subscribe<B> {
    const KIND: MessageType = MessageType::SUBSCRIBE;

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

impl<B: Backing> ReadBody<B> for Subscribe<B> {
    fn read(flags: Flags, r: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
        Ok(Self {
            flags,
            msg_id: r.u16("msgId")?,
            topics: Subscriptions::read(r)?,
        })
    }
}

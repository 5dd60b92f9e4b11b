//! UNSUBACK (type 11, S→C): answers UNSUBSCRIBE. `[u16 msgId]` (MQTT 3.1.1 layout).

use super::prelude::*;

/// UNSUBACK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnsubAck {
    /// Header flags.
    pub flags: Flags,
    /// The msgId of the UNSUBSCRIBE this answers.
    pub msg_id: u16,
}

impl UnsubAck {
    /// An UNSUBACK for `msg_id`.
    pub fn new(msg_id: u16) -> Self {
        Self {
            flags: Flags::NONE,
            msg_id,
        }
    }
}

impl Body for UnsubAck {
    const KIND: MessageType = MessageType::UNSUBACK;

    fn flags(&self) -> Flags {
        self.flags
    }

    fn len(&self, _: TextEncoding) -> Result<usize, EncodeError> {
        Ok(2)
    }

    fn write<M: BufMut>(&self, dst: &mut M, _: TextEncoding) {
        dst.put_u16(self.msg_id);
    }
}

impl<B: Backing> ReadBody<B> for UnsubAck {
    fn read(flags: Flags, r: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
        Ok(Self {
            flags,
            msg_id: r.u16("msgId")?,
        })
    }
}

//! QUERYCON (type 7, C→S): confirms a QUERYACK that arrived with qos ≥ 1. `[u16 msgId]`.

use super::prelude::*;

/// QUERYCON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueryCon {
    /// Header flags.
    pub flags: Flags,
    /// The msgId of the QUERYACK this answers.
    pub msg_id: u16,
}

impl QueryCon {
    /// A QUERYCON for `msg_id`.
    pub fn new(msg_id: u16) -> Self {
        Self {
            flags: Flags::NONE,
            msg_id,
        }
    }
}

impl Body for QueryCon {
    const KIND: MessageType = MessageType::QUERYCON;

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

impl<B: Backing> ReadBody<B> for QueryCon {
    fn read(flags: Flags, r: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
        Ok(Self {
            flags,
            msg_id: r.u16("msgId")?,
        })
    }
}

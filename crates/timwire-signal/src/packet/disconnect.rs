//! DISCONNECT (type 14, both directions): `[u8 reserved][u8 status]`.
//!
//! The same layout in both directions, so one struct serves both packet enums. The reserved
//! byte is kept in [`Disconnect::reserved`] (0 unless a peer sent otherwise) and written back as
//! it is, so a decoded DISCONNECT re-encodes byte for byte.

use super::prelude::*;
use crate::codes::DisconnectStatus;

/// DISCONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Disconnect {
    /// Header flags.
    pub flags: Flags,
    /// Why the session ends.
    pub status: DisconnectStatus,
    /// The byte before the status: 0 in DISCONNECTs built here, kept as received when decoded,
    /// and written as it is.
    pub reserved: u8,
}

impl Disconnect {
    /// A DISCONNECT with `status`.
    pub fn new(status: DisconnectStatus) -> Self {
        Self {
            flags: Flags::NONE,
            status,
            reserved: 0,
        }
    }
}

impl Body for Disconnect {
    const KIND: MessageType = MessageType::DISCONNECT;

    fn flags(&self) -> Flags {
        self.flags
    }

    fn len(&self, _: TextEncoding) -> Result<usize, EncodeError> {
        Ok(2)
    }

    fn write<M: BufMut>(&self, dst: &mut M, _: TextEncoding) {
        dst.put_u8(self.reserved);
        dst.put_u8(self.status.value());
    }
}

impl<B: Backing> ReadBody<B> for Disconnect {
    fn read(flags: Flags, r: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
        let reserved = r.u8("reserved")?;
        Ok(Self {
            flags,
            status: DisconnectStatus::new(r.u8("status")?),
            reserved,
        })
    }
}

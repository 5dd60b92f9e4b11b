//! PINGREQ (type 12, C→S) and PINGRESP (type 13, S→C): keep-alive, empty bodies.
//!
//! A body byte after the header is an error ([`DecodeError::TrailingBytes`]), so a peer cannot
//! smuggle the start of the next frame into a keep-alive.

use super::prelude::*;

/// PINGREQ: the client's keep-alive (`C0` alone over WebSocket, `C0 C0 00` over TCP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PingReq {
    /// Header flags.
    pub flags: Flags,
}

/// PINGRESP: the server's answer (`D0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PingResp {
    /// Header flags.
    pub flags: Flags,
}

impl Body for PingReq {
    const KIND: MessageType = MessageType::PINGREQ;

    fn flags(&self) -> Flags {
        self.flags
    }

    fn len(&self, _: TextEncoding) -> Result<usize, EncodeError> {
        Ok(0)
    }

    fn write<M: BufMut>(&self, _: &mut M, _: TextEncoding) {}
}

impl<B: Backing> ReadBody<B> for PingReq {
    fn read(flags: Flags, _: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
        Ok(Self { flags })
    }
}

impl Body for PingResp {
    const KIND: MessageType = MessageType::PINGRESP;

    fn flags(&self) -> Flags {
        self.flags
    }

    fn len(&self, _: TextEncoding) -> Result<usize, EncodeError> {
        Ok(0)
    }

    fn write<M: BufMut>(&self, _: &mut M, _: TextEncoding) {}
}

impl<B: Backing> ReadBody<B> for PingResp {
    fn read(flags: Flags, _: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
        Ok(Self { flags })
    }
}

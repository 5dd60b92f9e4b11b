//! PINGREQ (type 12, C→S) and PINGRESP (type 13, S→C): keep-alive, empty bodies.
//!
//! A body byte after the header is an error ([`DecodeError::TrailingBytes`]), so a peer cannot
//! smuggle the start of the next frame into a keep-alive.

use super::prelude::*;

macro_rules! empty_message {
    ($(#[$meta:meta])* $ty:ident = $kind:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $ty {
            /// Header flags.
            pub flags: Flags,
        }

        impl<B: Backing> Body<B> for $ty {
            const KIND: MessageType = MessageType::$kind;

            fn flags(&self) -> Flags {
                self.flags
            }

            fn read(flags: Flags, _: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
                Ok(Self { flags })
            }

            fn len(&self, _: TextEncoding) -> Result<usize, EncodeError> {
                Ok(0)
            }

            fn write<M: BufMut>(&self, _: &mut M, _: TextEncoding) {}
        }

        message!($ty);
    };
}

empty_message! {
    /// PINGREQ: the client's keep-alive (`C0` alone over WebSocket, `C0 C0 00` over TCP).
    PingReq = PINGREQ
}

empty_message! {
    /// PINGRESP: the server's answer (`D0`).
    PingResp = PINGRESP
}

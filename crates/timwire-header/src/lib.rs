//! The fixed part of every RMTP frame: the header byte, and for stream framing the checksum and
//! the remaining-length varint.
//!
//! ```text
//! header byte   bit 7 6 5 4 | 3   | 2 1 | 0
//!                   type    | dup | qos | retain
//! stream prefix [header][checksum][remaining length: 1..4 byte varint]
//! ```
//!
//! Everything here is a pure bit operation on borrowed input: no allocation, no I/O, no
//! dependencies, `#![no_std]`. Framing, limits and message bodies live in `timwire-signal`.
//!
//! ```
//! use timwire_header::{Header, MessageType, QoS, stream};
//!
//! // A client PUBLISH with qos 1 (RongCloud's "publish with callback").
//! let header = Header::from_byte(0x32);
//! assert_eq!(header.kind, MessageType::PUBLISH);
//! assert_eq!(header.flags.qos, QoS::AtLeastOnce);
//! assert_eq!(header.to_byte(), 0x32);
//!
//! // PINGREQ over a byte stream: header, checksum, remaining length 0.
//! let prefix = stream::StreamPrefix::new(Header::from_byte(0xC0), 0).unwrap();
//! assert_eq!(prefix.as_bytes(), &[0xC0, 0xC0, 0x00]);
//! ```
#![no_std]
#![forbid(unsafe_code)]
// Decode paths face untrusted input: no indexing, unchecked arithmetic or panics outside tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

mod header;
mod message_type;
pub mod stream;
pub mod varint;

pub use header::{Flags, Header, QoS};
pub use message_type::MessageType;

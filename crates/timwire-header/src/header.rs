use crate::MessageType;

/// Quality of service, the header's bits 2..1. All four values are valid on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum QoS {
    /// 0: fire and forget.
    #[default]
    AtMostOnce = 0,
    /// 1: acknowledged (PUBLISH → PUBACK, QUERYACK → QUERYCON).
    AtLeastOnce = 1,
    /// 2: exactly once (kept for MQTT parity; RongCloud never sends it).
    ExactlyOnce = 2,
    /// 3: RongCloud's `DEFAULT`; its enum has it, so the wire may carry it.
    Default = 3,
}

impl QoS {
    /// The QoS in the low two bits of `bits`; higher bits are ignored.
    pub const fn from_bits(bits: u8) -> Self {
        match bits & 0b11 {
            0 => Self::AtMostOnce,
            1 => Self::AtLeastOnce,
            2 => Self::ExactlyOnce,
            _ => Self::Default,
        }
    }

    /// The QoS for `value`, or `None` when it is above 3.
    pub const fn new(value: u8) -> Option<Self> {
        if value <= 3 {
            Some(Self::from_bits(value))
        } else {
            None
        }
    }

    /// The numeric value, 0..=3.
    pub const fn value(self) -> u8 {
        self as u8
    }

    /// True when the receiver must acknowledge (any value but 0), as RongCloud's SDK tests it.
    pub const fn needs_ack(self) -> bool {
        !matches!(self, Self::AtMostOnce)
    }
}

/// The header's low nibble: dup, qos and retain.
///
/// Every typed packet keeps its flags, so any header byte a peer sends survives a decode/encode
/// round trip unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags {
    /// Bit 3. On a client's PUBLISH: a retransmission. On a **server → client PUBLISH** this is
    /// RongCloud's `syncMsg`: the frame is a copy of a message the same user sent from another
    /// device. Do not PUBACK it; the server follows it with a PUBACK carrying the same msgId whose
    /// date, millisecond and messageUId complete the copy.
    pub dup: bool,
    /// Bits 2..1.
    pub qos: QoS,
    /// Bit 0.
    pub retain: bool,
}

impl Flags {
    /// No flags set (the common case for everything but PUBLISH, QUERY and QUERYACK).
    pub const NONE: Self = Self {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: false,
    };

    /// Flags with only the given QoS.
    pub const fn qos(qos: QoS) -> Self {
        Self {
            dup: false,
            qos,
            retain: false,
        }
    }

    /// Flags from the low nibble of `bits`.
    pub const fn from_bits(bits: u8) -> Self {
        Self {
            dup: bits & 0x08 != 0,
            qos: QoS::from_bits(bits >> 1),
            retain: bits & 0x01 != 0,
        }
    }

    /// The low nibble.
    pub const fn bits(self) -> u8 {
        ((self.dup as u8) << 3) | (self.qos.value() << 1) | self.retain as u8
    }
}

/// A decoded header byte: `type << 4 | dup << 3 | qos << 1 | retain`.
///
/// Decoding and encoding are total: every byte is a header and re-encodes to itself.
///
/// ```
/// use timwire_header::Header;
/// for byte in 0..=255u8 {
///     assert_eq!(Header::from_byte(byte).to_byte(), byte);
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// Bits 7..4.
    pub kind: MessageType,
    /// Bits 3..0.
    pub flags: Flags,
}

impl Header {
    /// A header of type `kind` with `flags`.
    pub const fn new(kind: MessageType, flags: Flags) -> Self {
        Self { kind, flags }
    }

    /// Splits a header byte into its fields.
    pub const fn from_byte(byte: u8) -> Self {
        Self {
            kind: MessageType::from_nibble(byte >> 4),
            flags: Flags::from_bits(byte),
        }
    }

    /// Packs the fields into a header byte.
    pub const fn to_byte(self) -> u8 {
        (self.kind.value() << 4) | self.flags.bits()
    }
}

impl From<u8> for Header {
    fn from(byte: u8) -> Self {
        Self::from_byte(byte)
    }
}

impl From<Header> for u8 {
    fn from(header: Header) -> u8 {
        header.to_byte()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips() {
        for byte in 0..=255u8 {
            let h = Header::from_byte(byte);
            assert_eq!(h.to_byte(), byte, "byte {byte:#04x}");
            assert_eq!(h.kind.value(), byte >> 4);
            assert_eq!(h.flags.dup, byte & 0x08 != 0);
            assert_eq!(h.flags.qos.value(), (byte >> 1) & 3);
            assert_eq!(h.flags.retain, byte & 1 != 0);
        }
    }

    #[test]
    fn known_bytes_from_rongcloud() {
        // docs/PROTOCOL.md §1: header bytes RongCloud's SDK sends.
        let cases = [
            (0x20, MessageType::CONNACK, Flags::NONE),
            (0xE0, MessageType::DISCONNECT, Flags::NONE),
            (0xC0, MessageType::PINGREQ, Flags::NONE),
            (0xD0, MessageType::PINGRESP, Flags::NONE),
            (0x40, MessageType::PUBACK, Flags::NONE),
            (0x70, MessageType::QUERYCON, Flags::NONE),
            (0x32, MessageType::PUBLISH, Flags::qos(QoS::AtLeastOnce)),
            (0x52, MessageType::QUERY, Flags::qos(QoS::AtLeastOnce)),
            (
                0x3F,
                MessageType::PUBLISH,
                Flags {
                    dup: true,
                    qos: QoS::Default,
                    retain: true,
                },
            ),
        ];
        for (byte, kind, flags) in cases {
            assert_eq!(
                Header::from_byte(byte),
                Header::new(kind, flags),
                "{byte:#04x}"
            );
            assert_eq!(Header::new(kind, flags).to_byte(), byte);
        }
    }

    #[test]
    fn qos_values() {
        for v in 0..=3u8 {
            assert_eq!(QoS::new(v).map(QoS::value), Some(v));
        }
        assert_eq!(QoS::new(4), None);
        assert!(!QoS::AtMostOnce.needs_ack());
        assert!(QoS::Default.needs_ack());
    }
}

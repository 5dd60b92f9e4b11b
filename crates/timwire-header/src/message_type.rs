use core::fmt;

/// The 4-bit message type of a header byte.
///
/// An open newtype: every value 0..=15 is representable, because the raw frame layer keeps any
/// type it reads (RongCloud's engine names 0 `SYMMETRIC` and 15 `RESERVER2`; neither is used on
/// the wire). The typed packet layer rejects the two reserved values.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageType(u8);

impl MessageType {
    /// 0: reserved (engine name `SYMMETRIC`, a private-cloud key negotiation; unused).
    pub const RESERVED_0: Self = Self(0);
    /// 1: client asks to connect (native clients; the web SDK authenticates in the URL).
    pub const CONNECT: Self = Self(1);
    /// 2: server answers CONNECT (or greets a WebSocket client).
    pub const CONNACK: Self = Self(2);
    /// 3: a message, either direction (layouts differ by direction).
    pub const PUBLISH: Self = Self(3);
    /// 4: acknowledges a PUBLISH (layouts differ by direction).
    pub const PUBACK: Self = Self(4);
    /// 5: client request.
    pub const QUERY: Self = Self(5);
    /// 6: server answer to a QUERY.
    pub const QUERYACK: Self = Self(6);
    /// 7: client confirms a QUERYACK sent with qos >= 1.
    pub const QUERYCON: Self = Self(7);
    /// 8: client subscribes to topics.
    pub const SUBSCRIBE: Self = Self(8);
    /// 9: server answers SUBSCRIBE.
    pub const SUBACK: Self = Self(9);
    /// 10: client unsubscribes from topics.
    pub const UNSUBSCRIBE: Self = Self(10);
    /// 11: server answers UNSUBSCRIBE.
    pub const UNSUBACK: Self = Self(11);
    /// 12: client keep-alive.
    pub const PINGREQ: Self = Self(12);
    /// 13: server keep-alive answer.
    pub const PINGRESP: Self = Self(13);
    /// 14: either side closes the session, with a status.
    pub const DISCONNECT: Self = Self(14);
    /// 15: reserved (engine name `RESERVER2`; unused).
    pub const RESERVED_15: Self = Self(15);

    /// The type in the low four bits of `nibble`; the high bits are ignored.
    pub const fn from_nibble(nibble: u8) -> Self {
        Self(nibble & 0x0F)
    }

    /// The type for `value`, or `None` if it does not fit in four bits.
    pub const fn new(value: u8) -> Option<Self> {
        if value <= 0x0F {
            Some(Self(value))
        } else {
            None
        }
    }

    /// The numeric value, 0..=15.
    pub const fn value(self) -> u8 {
        self.0
    }

    /// True for 0 and 15, which no typed packet uses.
    pub const fn is_reserved(self) -> bool {
        self.0 == 0 || self.0 == 15
    }

    /// The protocol name (`"PUBLISH"`), or `None` for a reserved value.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "CONNECT",
            2 => "CONNACK",
            3 => "PUBLISH",
            4 => "PUBACK",
            5 => "QUERY",
            6 => "QUERYACK",
            7 => "QUERYCON",
            8 => "SUBSCRIBE",
            9 => "SUBACK",
            10 => "UNSUBSCRIBE",
            11 => "UNSUBACK",
            12 => "PINGREQ",
            13 => "PINGRESP",
            14 => "DISCONNECT",
            _ => return None,
        })
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "RESERVED({})", self.0),
        }
    }
}

impl fmt::Debug for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<MessageType> for u8 {
    fn from(t: MessageType) -> u8 {
        t.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_spec_table() {
        let expected = [
            "CONNECT",
            "CONNACK",
            "PUBLISH",
            "PUBACK",
            "QUERY",
            "QUERYACK",
            "QUERYCON",
            "SUBSCRIBE",
            "SUBACK",
            "UNSUBSCRIBE",
            "UNSUBACK",
            "PINGREQ",
            "PINGRESP",
            "DISCONNECT",
        ];
        for (value, name) in (1u8..).zip(expected) {
            assert_eq!(MessageType::from_nibble(value).name(), Some(name));
        }
        assert!(MessageType::RESERVED_0.is_reserved());
        assert!(MessageType::RESERVED_15.is_reserved());
        assert_eq!(MessageType::new(16), None);
        extern crate std;
        use std::string::ToString;
        assert_eq!(MessageType::RESERVED_15.to_string(), "RESERVED(15)");
        assert_eq!(MessageType::QUERYCON.to_string(), "QUERYCON");
    }
}

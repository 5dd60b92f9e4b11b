//! Typed views of RongCloud's bit-flag fields. Each is an open newtype over the raw field
//! value: unknown bits are kept, so `from_bits(x).bits() == x` for every `x`.

use std::fmt;
use std::ops::{BitAnd, BitOr, BitOrAssign};

macro_rules! flags {
    (
        $(#[$meta:meta])*
        $name:ident($raw:ty) {
            $( $(#[$fmeta:meta])* $flag:ident = $value:expr, $is:ident; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name(pub $raw);

        impl $name {
            /// No bit set.
            pub const EMPTY: Self = Self(0);
            $( $(#[$fmeta])* pub const $flag: Self = Self($value); )*

            /// Wraps a raw field value (every bit is kept).
            pub const fn from_bits(bits: $raw) -> Self {
                Self(bits)
            }

            /// The raw field value.
            pub const fn bits(self) -> $raw {
                self.0
            }

            /// Whether every bit of `other` is set.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }

            /// `self` with `other`'s bits set (`on`) or cleared (`!on`).
            #[must_use]
            pub const fn with(self, other: Self, on: bool) -> Self {
                if on { Self(self.0 | other.0) } else { Self(self.0 & !other.0) }
            }

            $(
                #[doc = concat!("Whether [`Self::", stringify!($flag), "`] is set.")]
                pub const fn $is(self) -> bool {
                    self.contains(Self::$flag)
                }
            )*

            const NAMES: &'static [(&'static str, $raw)] = &[$((stringify!($flag), $value)),*];
        }

        impl BitOr for $name {
            type Output = Self;
            fn bitor(self, rhs: Self) -> Self {
                Self(self.0 | rhs.0)
            }
        }

        impl BitOrAssign for $name {
            fn bitor_assign(&mut self, rhs: Self) {
                self.0 |= rhs.0;
            }
        }

        impl BitAnd for $name {
            type Output = Self;
            fn bitand(self, rhs: Self) -> Self {
                Self(self.0 & rhs.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}(", stringify!($name))?;
                let mut rest = self.0;
                let mut first = true;
                for (name, bit) in Self::NAMES {
                    if rest & bit != 0 {
                        if !first { f.write_str(" | ")?; }
                        f.write_str(name)?;
                        rest &= !bit;
                        first = false;
                    }
                }
                if rest != 0 || first {
                    if !first { f.write_str(" | ")?; }
                    write!(f, "{:#x}", rest)?;
                }
                f.write_str(")")
            }
        }
    };
}

flags! {
    /// `UpStreamMessage.sessionId`: the MessageTag bits a sender sets. Status messages (typing
    /// status, read receipts) clear both PERSISTED and COUNTED. The 2.x web SDK wrote 0..3 (7
    /// with a mention), which are the same bits.
    MessageTag(i32) {
        /// Store the message (history, offline).
        PERSISTED = 0x01, is_persisted;
        /// Count it as unread.
        COUNTED = 0x02, is_counted;
        /// It mentions someone (@).
        MENTIONED = 0x04, is_mentioned;
        /// Do not notify the recipients.
        DISABLE_NOTIFICATION = 0x20, is_disable_notification;
        /// The message may carry expansion key/values.
        CAN_INCLUDE_EXPANSION = 0x40, is_can_include_expansion;
    }
}

flags! {
    /// `UpStreamMessage.configFlag` (and `DownStreamMessage.configFlag`): push options.
    ConfigFlag(i32) {
        /// Send a (VoIP) push notification.
        PUSH = 0x01, is_push;
        /// Apply the recipient's black/white list.
        FILTER_BLACK_WHITE_LIST = 0x02, is_filter_black_white_list;
        /// Do not show a title in the push notification.
        DISABLE_PUSH_TITLE = 0x04, is_disable_push_title;
        /// Show the full content in the push notification.
        FORCE_SHOW_DETAIL_CONTENT = 0x08, is_force_show_detail_content;
    }
}

flags! {
    /// `DownStreamMessage.status`: how a received message is to be handled.
    ReceivedStatus(i64) {
        /// Already received by another client of the same user.
        RETRIEVED = 0x02, is_retrieved;
        /// Stored.
        PERSISTED = 0x10, is_persisted;
        /// Counted as unread.
        COUNTED = 0x20, is_counted;
        /// Mentions the receiver (@).
        MENTIONED = 0x40, is_mentioned;
        /// Do not notify.
        DISABLE_NOTIFICATION = 0x200, is_disable_notification;
        /// May carry expansion key/values.
        CAN_INCLUDE_EXPANSION = 0x400, is_can_include_expansion;
    }
}

impl From<MessageTag> for ReceivedStatus {
    /// The status bits a receiver sees for a message sent with `tag` (same meaning, other bit
    /// positions).
    fn from(tag: MessageTag) -> Self {
        Self::EMPTY
            .with(Self::PERSISTED, tag.is_persisted())
            .with(Self::COUNTED, tag.is_counted())
            .with(Self::MENTIONED, tag.is_mentioned())
            .with(Self::DISABLE_NOTIFICATION, tag.is_disable_notification())
            .with(Self::CAN_INCLUDE_EXPANSION, tag.is_can_include_expansion())
    }
}

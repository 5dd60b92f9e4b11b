//! Relay helpers for a server: what a recipient gets when a client sends a message, the
//! sender's PUBACK, and the server's message ids and times. Sans-IO like the rest of the crate:
//! the caller passes the wall-clock time in and sends what comes out through the recipients'
//! [`ServerSession`](crate::ServerSession)s.
//!
//! | module | profile | turns | into |
//! |---|---|---|---|
//! | [`rongcloud`] | RongCloud | an UpStreamMessage PUBLISHed on `ppMsgP`, `pgMsgP`, … | the DownStreamMessage each recipient gets (`s_msg`, `pullMsg`, history), the sender's copy and PUBACK, the store's answers |
//! | [`tim`] | tim | a `timMsg` TimMessage | the TimMessage forwarded with the server's `fromTid`, id and timestamp, its recipients, the PUBACK |
//! | [`uid`] | both | the wall clock | [`Stamp`]s: a server time that never goes backwards and a messageUId (`XXXX-XXXX-XXXX-XXXX`) that always grows |
//!
//! A relay server's round for one message, RongCloud profile (tim is the same with
//! [`tim::Forwarded`]):
//!
//! 1. [`UidGenerator::next`] stamps it;
//! 2. [`rongcloud::Relayed::new`] builds what recipients get; a message the sender did not ask
//!    to persist goes to online recipients only;
//! 3. the [store](crate::store) files the recipients' copies ([`Direction::Received`]) and the
//!    sender's ([`Direction::Sent`]) under their conversations;
//! 4. each online recipient gets an `s_msg` PUBLISH (or an `s_ntf` notification and pulls);
//! 5. the sender gets the PUBACK.
//!
//! [`Direction::Received`]: crate::store::Direction::Received
//! [`Direction::Sent`]: crate::store::Direction::Sent

mod patch;
pub mod rongcloud;
pub mod tim;
pub mod uid;

pub use uid::{MessageUid, Stamp, UidExhausted, UidGenerator, UidParseError};

/// Why a client's message cannot be relayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RelayError {
    /// RongCloud: the PUBLISH's topic is not a send topic (`ppMsgP`, `pgMsgP`, …).
    #[error("topic {topic:?} is not a RongCloud send topic")]
    NotASendTopic {
        /// The topic.
        topic: String,
    },
    /// RongCloud: the PUBLISH has an empty targetId, so there is nobody to send to.
    #[error("PUBLISH on {topic:?} has an empty targetId")]
    EmptyTarget {
        /// The topic.
        topic: String,
    },
    /// tim: the message breaks one of tim's rules for what a client sends.
    #[error("tim refuses this message: {0}")]
    TimRule(timwire_proto::tim::rules::RuleViolation),
    /// tim: the msType is not one a client sends to someone (2 user, 3 room).
    #[error("tim msType {ms_type} is not user (2) or room (3)")]
    UnsupportedMsType {
        /// The msType.
        ms_type: i32,
    },
    /// tim: the target field of the msType (`toTid` for 2, `roomTid` for 3) is missing or its
    /// node is empty.
    #[error("tim msType {ms_type} message has no target node")]
    NoTimTarget {
        /// The msType.
        ms_type: i32,
    },
}

/// Unix milliseconds as the `(seconds, millisecond)` pair of a PUBACK; saturates outside what
/// `u32` seconds hold (before 1970: `(0, 0)`).
pub(crate) fn split_ms(time_ms: i64) -> (u32, u16) {
    let ms = u64::try_from(time_ms).unwrap_or(0);
    let seconds = u32::try_from(ms.checked_div(1000).unwrap_or(0)).unwrap_or(u32::MAX);
    let millisecond = u16::try_from(ms.checked_rem(1000).unwrap_or(0)).unwrap_or(0);
    (seconds, millisecond)
}

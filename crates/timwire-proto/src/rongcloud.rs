//! RongCloud's RMTP payloads (`proto/rongcloud/`), wire-compatible with the schema its web SDK
//! embeds (2.5.3, plus the optional fields engine 4.4.2 added). Names are RongCloud's
//! (`HistoryMsgOuput`, `plantform`), in Rust's snake case.
//!
//! The schema is proto2: `required` fields are plain Rust fields, `optional` ones are
//! `Option`s. Enum-typed fields (`ChannelType`) are stored as `i32` by prost, so unknown values
//! survive decoding; use the generated getters (`msg.r#type()`) or `ChannelType::try_from`.
//! `UpStreamMessage::content` / `DownStreamMessage::content` is the JSON of a content object,
//! see [`crate::content`]; the flag fields have typed views in [`flags`].

mod generated {
    #![allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic)]
    include!("generated/rongcloud.rs");
    #[cfg(feature = "serde")]
    include!("generated/rongcloud.serde.rs");
    include!("generated/rongcloud.views.rs");
}

pub use generated::*;

pub mod flags;

use flags::{ConfigFlag, MessageTag, ReceivedStatus};

impl UpStreamMessage {
    /// `session_id` as [`MessageTag`] bits (persisted, counted, mentioned, ...).
    pub fn message_tag(&self) -> MessageTag {
        MessageTag::from_bits(self.session_id)
    }

    /// `config_flag` as [`ConfigFlag`] bits (0 when absent).
    pub fn config_flags(&self) -> ConfigFlag {
        ConfigFlag::from_bits(self.config_flag.unwrap_or(0))
    }
}

impl DownStreamMessage {
    /// `status` as [`ReceivedStatus`] bits (retrieved, persisted, counted, ...).
    pub fn status_flags(&self) -> ReceivedStatus {
        ReceivedStatus::from_bits(self.status)
    }

    /// `config_flag` (engine 4.4.2) as [`ConfigFlag`] bits (0 when absent).
    pub fn config_flags(&self) -> ConfigFlag {
        ConfigFlag::from_bits(self.config_flag.unwrap_or(0))
    }
}

//! timwire's client-side conversation model (`proto/timwire/conversation.proto`): what an IM
//! SDK stores and syncs (conversations, messages, system notifications, history paging), plus
//! [`ConversationId`], the conversation id as Tencent's SDK spells it. Times are Unix
//! milliseconds.

mod generated {
    #![allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic)]
    include!("generated/timwire.conversation.rs");
    #[cfg(feature = "serde")]
    include!("generated/timwire.conversation.serde.rs");
    include!("generated/timwire.conversation.views.rs");
}

pub use generated::*;

mod id;

pub use id::{ConversationId, ConversationIdError};

/// Most messages a [`HistoryCursorRequest`] page may ask for.
pub const HISTORY_CURSOR_MAX_COUNT: u32 = 20;
/// Most messages a [`HistoryJumpRequest`] may ask for.
pub const HISTORY_JUMP_MAX_COUNT: u32 = 15;

impl HistoryCursorRequest {
    /// Whether `count` is within [`HISTORY_CURSOR_MAX_COUNT`] (and not 0).
    pub fn count_in_range(&self) -> bool {
        (1..=HISTORY_CURSOR_MAX_COUNT).contains(&self.count)
    }
}

impl HistoryJumpRequest {
    /// Whether `count` is within [`HISTORY_JUMP_MAX_COUNT`] (and not 0).
    pub fn count_in_range(&self) -> bool {
        (1..=HISTORY_JUMP_MAX_COUNT).contains(&self.count)
    }
}

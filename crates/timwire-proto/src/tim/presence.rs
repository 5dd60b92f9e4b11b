//! Presence values. tim's server defines none for `subStatus` and `show` and forwards them
//! unchanged; these are the conventions of tim's own clients, given as constants only.

/// `TimPresence::sub_status`: a subscription request.
pub const SUBSTATUS_REQ: i32 = 1;
/// `TimPresence::sub_status`: a subscription acknowledgement.
pub const SUBSTATUS_ACK: i32 = 2;

/// `TimPresence::show`: available to chat.
pub const SHOW_CHAT: i32 = 1;
/// `TimPresence::show`: away.
pub const SHOW_AWAY: i32 = 2;
/// `TimPresence::show`: extended away.
pub const SHOW_XA: i32 = 3;
/// `TimPresence::show`: do not disturb.
pub const SHOW_DND: i32 = 4;

//! QUERYCON (type 7, C→S): confirms a QUERYACK that arrived with qos ≥ 1. `[u16 msgId]`.

use super::prelude::*;

msg_id_message! {
    /// QUERYCON.
    QueryCon = QUERYCON
}

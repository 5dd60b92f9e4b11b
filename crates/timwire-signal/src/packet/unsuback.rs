//! UNSUBACK (type 11, S→C): answers UNSUBSCRIBE. `[u16 msgId]` (MQTT 3.1.1 layout).

use super::prelude::*;

msg_id_message! {
    /// UNSUBACK.
    UnsubAck = UNSUBACK
}

//! Sync copies (client): messages the same user sent from another device.
//!
//! A S→C PUBLISH with the dup bit is RongCloud's **syncMsg**: its data is the other device's
//! UpStreamMessage, and it is not PUBACKed. The server follows it with a S→C PUBACK carrying the
//! same msgId, whose date, millisecond and messageUId complete the message. The engine parks
//! the copy and reports one [`ClientEvent::Synced`](crate::ClientEvent::Synced) when the PUBACK
//! comes:
//!
//! * a S→C PUBACK is matched first against our own PUBLISHes in flight (as the SDKs do: "a
//!   PUBACK whose msgId has no pending send callback" completes a sync copy), then against the
//!   parked copies;
//! * copies on the status topics `ppMsgS`, `pgMsgS` and `chatMsgS` are reported at once with no
//!   PUBACK, as RongCloud's engine 4.x does;
//! * a copy whose PUBACK does not come within [`Config::request_timeout`](crate::Config::request_timeout)
//!   is reported without it (its `ack` is `None`) rather than lost;
//! * a second copy with the same msgId and content is a duplicate (dropped); with other content
//!   it is [`ProtocolViolation::MsgIdInUse`];
//! * at most [`Limits::max_pending_sync`](crate::Limits::max_pending_sync) copies (default 64)
//!   wait at once: one more is [`ProtocolViolation::TooManySyncCopies`].

use std::collections::HashMap;
use std::time::Instant;

use bytes::Bytes;
use timwire_signal::ServerPublish;

use crate::error::ProtocolViolation;

/// The topics whose sync copies are never completed by a PUBACK (status messages).
pub const UNPAIRED_TOPICS: [&str; 3] = ["ppMsgS", "pgMsgS", "chatMsgS"];

/// What happened to a sync copy.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Parked {
    /// Waiting for its PUBACK.
    Waiting,
    /// A copy of one already waiting.
    Duplicate,
}

#[derive(Debug, Clone)]
struct Waiting {
    publish: ServerPublish<Bytes>,
    hash: u64,
    deadline: Option<Instant>,
}

/// Sync copies awaiting their PUBACK.
#[derive(Debug, Clone)]
pub(crate) struct SyncCopies {
    waiting: HashMap<u16, Waiting>,
    limit: usize,
}

impl SyncCopies {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            waiting: HashMap::new(),
            limit,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.waiting.len()
    }

    /// Parks a copy until its PUBACK or `deadline`.
    pub(crate) fn park(
        &mut self,
        publish: ServerPublish<Bytes>,
        hash: u64,
        deadline: Option<Instant>,
    ) -> Result<Parked, ProtocolViolation> {
        let msg_id = publish.msg_id;
        if let Some(w) = self.waiting.get(&msg_id) {
            return if w.hash == hash {
                Ok(Parked::Duplicate)
            } else {
                Err(ProtocolViolation::MsgIdInUse { msg_id })
            };
        }
        if self.waiting.len() >= self.limit {
            return Err(ProtocolViolation::TooManySyncCopies { limit: self.limit });
        }
        self.waiting.insert(
            msg_id,
            Waiting {
                publish,
                hash,
                deadline,
            },
        );
        Ok(Parked::Waiting)
    }

    /// The copy a PUBACK with `msg_id` completes.
    pub(crate) fn complete(&mut self, msg_id: u16) -> Option<ServerPublish<Bytes>> {
        self.waiting.remove(&msg_id).map(|w| w.publish)
    }

    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        self.waiting.values().filter_map(|w| w.deadline).min()
    }

    /// Takes the copies whose PUBACK did not come by `now`, oldest msgId first.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<ServerPublish<Bytes>> {
        let mut due: Vec<u16> = self
            .waiting
            .iter()
            .filter(|(_, w)| w.deadline.is_some_and(|d| d <= now))
            .map(|(&id, _)| id)
            .collect();
        due.sort_unstable();
        due.into_iter().filter_map(|id| self.complete(id)).collect()
    }

    pub(crate) fn clear(&mut self) {
        self.waiting.clear();
    }
}

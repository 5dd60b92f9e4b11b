//! Request/answer pairing: QUERY → QUERYACK (→ QUERYCON), SUBSCRIBE → SUBACK, UNSUBSCRIBE →
//! UNSUBACK, and a server's answers to a client's requests.
//!
//! # Client
//!
//! [`query`](crate::ClientSession::query), [`subscribe`](crate::ClientSession::subscribe) and
//! [`unsubscribe`](crate::ClientSession::unsubscribe) take a msgId and a slot of the request
//! window ([`inflight`](crate::inflight)); the answer with the same msgId is reported as
//! [`ClientEvent::QueryAnswered`](crate::ClientEvent::QueryAnswered) (with the QUERY's topic,
//! which the QUERYACK lacks, so that its data can be decoded by topic),
//! [`Subscribed`](crate::ClientEvent::Subscribed) or [`Unsubscribed`](crate::ClientEvent::Unsubscribed);
//! no answer within the request timeout is [`TimedOut`](crate::ClientEvent::TimedOut).
//!
//! **QUERYCON is automatic.** When a QUERYACK has qos ≥ 1 the engine queues the QUERYCON with
//! its msgId as soon as the QUERYACK is processed, before the app sees the answer — what
//! RongCloud's SDKs do (web SDK 2.x `MessageHandler`, engine 4.x `_onReceiveSignal`). In the
//! RongCloud profile nothing depends on the timing: the client pulls `pullMsg` from the sync
//! time it stored, so a batch the app did not store is pulled again after a restart. A late
//! qos-1 QUERYACK (after its QUERY timed out) is still confirmed, so the server's table
//! clears, but not reported.
//!
//! The RongCloud pull cycle with the engine: `s_ntf` arrives as a
//! [`Message`](crate::ClientEvent::Message) → the app submits a qos-1 QUERY `pullMsg` with its
//! sync time → [`QueryAnswered`](crate::ClientEvent::QueryAnswered) with the
//! DownStreamMessages (QUERYCON already queued) → the app stores them and moves its sync time.
//!
//! # Server
//!
//! Each client request that needs an answer — a qos ≥ 1 PUBLISH, a QUERY, a SUBSCRIBE, an
//! UNSUBSCRIBE — is reported once and held (msgId, type, content hash) until the app answers it
//! with [`ack_publish`](crate::ServerSession::ack_publish),
//! [`answer_query`](crate::ServerSession::answer_query),
//! [`ack_subscribe`](crate::ServerSession::ack_subscribe) or
//! [`ack_unsubscribe`](crate::ServerSession::ack_unsubscribe); an answer for a msgId no such
//! request holds is [`SubmitError::NoSuchRequest`]. The
//! engine sets no deadline on the app. A QUERYACK with qos ≥ 1 keeps the slot until the
//! client's QUERYCON ([`ServerEvent::QueryConfirmed`](crate::ServerEvent::QueryConfirmed)) or
//! the request timeout ([`ServerEvent::QueryUnconfirmed`](crate::ServerEvent::QueryUnconfirmed)).
//!
//! At most [`Limits::max_incoming_pending`](crate::Limits::max_incoming_pending) (256) such
//! requests are held: one more is [`ProtocolViolation::TooManyRequests`]; a new request
//! reusing a held msgId with other content is [`ProtocolViolation::MsgIdInUse`]; a copy with
//! the same content is dropped ([`dedup`](crate::dedup)). A QUERYCON for nothing held is a
//! stray answer.

use std::collections::HashMap;
use std::time::Instant;

use timwire_signal::MessageType;

use crate::error::{ProtocolViolation, SubmitError};

/// Where a held client request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Reported to the app, awaiting its answer.
    Awaiting { kind: MessageType, hash: u64 },
    /// Answered with a qos-1 QUERYACK, awaiting the QUERYCON.
    Confirm { deadline: Option<Instant> },
}

/// What an arriving request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arrival {
    New,
    Duplicate,
}

/// The client's requests a server holds, by the client's msgIds.
#[derive(Debug, Clone)]
pub(crate) struct Incoming {
    held: HashMap<u16, Stage>,
    limit: usize,
}

impl Incoming {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            held: HashMap::new(),
            limit,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.held.len()
    }

    /// Whether a request with `msg_id` is held (awaiting the app's answer or its QUERYCON).
    pub(crate) fn holds(&self, msg_id: u16) -> bool {
        self.held.contains_key(&msg_id)
    }

    /// Classifies and, when new, holds a request.
    pub(crate) fn arrive(
        &mut self,
        kind: MessageType,
        msg_id: u16,
        hash: u64,
    ) -> Result<Arrival, ProtocolViolation> {
        if let Some(stage) = self.held.get(&msg_id) {
            return if *stage == (Stage::Awaiting { kind, hash }) {
                Ok(Arrival::Duplicate)
            } else {
                Err(ProtocolViolation::MsgIdInUse { msg_id })
            };
        }
        if self.held.len() >= self.limit {
            return Err(ProtocolViolation::TooManyRequests { limit: self.limit });
        }
        self.held.insert(msg_id, Stage::Awaiting { kind, hash });
        Ok(Arrival::New)
    }

    /// The content hash of the request of `kind` with `msg_id` awaiting the app's answer.
    pub(crate) fn awaiting(&self, kind: MessageType, msg_id: u16) -> Result<u64, SubmitError> {
        match self.held.get(&msg_id) {
            Some(&Stage::Awaiting { kind: k, hash }) if k == kind => Ok(hash),
            _ => Err(SubmitError::NoSuchRequest { kind, msg_id }),
        }
    }

    /// The app answered `msg_id`: forget it, or (qos-1 QUERYACK) await its QUERYCON.
    pub(crate) fn answered(&mut self, msg_id: u16, confirm_by: Option<Option<Instant>>) {
        match confirm_by {
            Some(deadline) => {
                self.held.insert(msg_id, Stage::Confirm { deadline });
            }
            None => {
                self.held.remove(&msg_id);
            }
        }
    }

    /// A QUERYCON: whether it confirmed a held QUERYACK.
    pub(crate) fn confirmed(&mut self, msg_id: u16) -> bool {
        if matches!(self.held.get(&msg_id), Some(Stage::Confirm { .. })) {
            self.held.remove(&msg_id);
            return true;
        }
        false
    }

    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        self.held
            .values()
            .filter_map(|s| match s {
                Stage::Confirm { deadline } => *deadline,
                Stage::Awaiting { .. } => None,
            })
            .min()
    }

    /// Forgets the QUERYACKs whose QUERYCON did not come by `now`; returns their msgIds.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<u16> {
        let mut due: Vec<u16> = self
            .held
            .iter()
            .filter(|(_, s)| matches!(s, Stage::Confirm { deadline: Some(d) } if *d <= now))
            .map(|(&id, _)| id)
            .collect();
        due.sort_unstable();
        for id in &due {
            self.held.remove(id);
        }
        due
    }

    pub(crate) fn clear(&mut self) {
        self.held.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_confirms_and_limits() {
        let t = Instant::now();
        let mut held = Incoming::new(2);
        assert_eq!(held.arrive(MessageType::QUERY, 1, 7), Ok(Arrival::New));
        assert_eq!(
            held.arrive(MessageType::QUERY, 1, 7),
            Ok(Arrival::Duplicate)
        );
        assert_eq!(
            held.arrive(MessageType::QUERY, 1, 8),
            Err(ProtocolViolation::MsgIdInUse { msg_id: 1 })
        );
        assert_eq!(
            held.arrive(MessageType::PUBLISH, 1, 7),
            Err(ProtocolViolation::MsgIdInUse { msg_id: 1 })
        );
        assert_eq!(held.arrive(MessageType::PUBLISH, 2, 7), Ok(Arrival::New));
        assert_eq!(
            held.arrive(MessageType::PUBLISH, 3, 7),
            Err(ProtocolViolation::TooManyRequests { limit: 2 })
        );
        assert_eq!(held.awaiting(MessageType::QUERY, 1), Ok(7));
        assert!(held.awaiting(MessageType::PUBLISH, 1).is_err());
        held.answered(1, Some(Some(t)));
        assert!(held.awaiting(MessageType::QUERY, 1).is_err());
        assert_eq!(held.next_timeout(), Some(t));
        assert!(held.confirmed(1));
        assert!(!held.confirmed(1));
        held.answered(2, None);
        assert_eq!(held.len(), 0);
        held.arrive(MessageType::QUERY, 4, 0).unwrap();
        held.answered(4, Some(Some(t)));
        assert_eq!(held.expire(t), vec![4]);
        assert_eq!(held.len(), 0);
    }
}

//! tim: forwarding a client's `timMsg` TimMessage with the fields tim's server sets, to the
//! recipients tim's server delivers to.
//!
//! What the server overwrites (tim's `service.go` message handler, as the reference notes
//! describe it), and what [`Forwarded::new`] does:
//!
//! | field | set to |
//! |---|---|
//! | `fromTid` | the sender's Tid (the connection's, never the client's claim) |
//! | `toTid.domain` | the sender's domain |
//! | `timestamp` | the server time in Unix **nanoseconds** (the [`Stamp`]'s milliseconds × 10⁶) |
//! | `id` | kept when the client set it (clients drop duplicates by it); otherwise the server's message number |
//! | `mid` | the server's message number, for a message that is stored (not a stream, odType 5) |
//!
//! Who receives it:
//!
//! | msType | target field | recipients | their conversation | the sender's conversation |
//! |---|---|---|---|---|
//! | 2 user → user | `toTid.node` | that user | the sender | `toTid.node` |
//! | 3 user → room | `roomTid.node` | the room's members but the sender | the room | the room |
//!
//! The sender's PUBLISH is answered by a PUBACK carrying the server time and the messageUId
//! ([`Forwarded::pub_ack`]); the recipients get the forwarded TimMessage in a qos-1 `timMsg`
//! PUBLISH, which the [engine](crate::inflight) resends until it is acknowledged.
//!
//! # Offline recipients and reconnects
//!
//! In tim the server, not the client, knows what was delivered. A relay stores every
//! recipient's copy (of a storable message) in the [store](crate::store) and, when a client
//! asks for its offline messages (`timOffl`), answers
//! [`undelivered`](crate::store::MessageStore::undelivered) pages as TimMessageLists in qos-1
//! QUERYACKs; the client's QUERYCON acknowledges the batch, and the relay then
//! [marks](crate::store::MessageStore::mark_delivered) the page's sync time delivered. A
//! message PUBLISHed to an online client is marked once the client acknowledged it and every
//! message before it; until then the engine resends it on that connection, and after a
//! reconnect it comes again as an offline message. Clients drop duplicates by the TimMessage
//! `id`, which stays the same on every copy.

use std::sync::Arc;

use bytes::Bytes;
use prost::Message;
use timwire_proto::tim::{MsType, OdType, TimMessage, rules};
use timwire_signal::{AckStatus, QoS, ServerPubAck, ServerPublish};

use super::{RelayError, Stamp, split_ms};
use crate::store::Conversation;

/// A TimMessage on its way through the server (see the [module docs](self)).
///
/// ```
/// use timwire_proto::tim::{TimMessage, Tid};
/// use timwire_session::relay::{UidGenerator, tim::Forwarded};
///
/// let alice = Tid { node: "alice".into(), domain: Some("example".into()), ..Default::default() };
/// let hello = TimMessage {
///     ms_type: 2, od_type: 1,
///     to_tid: Some(Tid { node: "bob".into(), ..Default::default() }),
///     data_string: Some("hi".into()),
///     ..Default::default()
/// };
/// let stamp = UidGenerator::new(1).next(1_795_432_394_449)?;
/// let forwarded = Forwarded::new(&alice, hello, stamp, 41)?;
/// let message = forwarded.message();
/// assert_eq!(message.from_tid.as_ref().map(|t| t.node.as_str()), Some("alice"));
/// assert_eq!(message.to_tid.as_ref().and_then(|t| t.domain.as_deref()), Some("example"));
/// assert_eq!((message.timestamp, message.id, message.mid), (Some(1_795_432_394_449_000_000), Some(41), Some(41)));
/// assert_eq!(forwarded.recipients(&[]).collect::<Vec<_>>(), ["bob"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Forwarded {
    stamp: Stamp,
    /// Shared: a server files the same message in several mailboxes ([`Self::shared`]).
    message: Arc<TimMessage>,
    /// The message's encoding, when made from the client's ([`Self::with_client_bytes`]).
    encoded: Option<Bytes>,
}

impl Forwarded {
    /// Forwards `message`, sent by the connection authenticated as `sender`, stamped with
    /// `stamp`; `number` is the server's message number (unique per server: a counter, or the
    /// store's row id).
    ///
    /// Fails with [`RelayError::TimRule`] for what tim's rules refuse from a client (a system
    /// message, a revoke or burn without `mid`), [`RelayError::NoTimTarget`] when the target
    /// field of its msType is missing or empty, [`RelayError::UnsupportedMsType`] for another
    /// msType.
    pub fn new(
        sender: &timwire_proto::tim::Tid,
        mut message: TimMessage,
        stamp: Stamp,
        number: i64,
    ) -> Result<Self, RelayError> {
        rules::check_client_send(&message).map_err(RelayError::TimRule)?;
        let target_tid = match MsType::try_from(message.ms_type) {
            Ok(MsType::User) => message.to_tid.as_ref(),
            Ok(MsType::Room) => message.room_tid.as_ref(),
            _ => {
                return Err(RelayError::UnsupportedMsType {
                    ms_type: message.ms_type,
                });
            }
        };
        if target_tid.is_none_or(|tid| tid.node.is_empty()) {
            return Err(RelayError::NoTimTarget {
                ms_type: message.ms_type,
            });
        }
        message.from_tid = Some(sender.clone());
        if let Some(to) = message.to_tid.as_mut() {
            to.domain.clone_from(&sender.domain);
        }
        message.timestamp = Some(stamp.time_ms.saturating_mul(1_000_000));
        message.id = Some(message.id.unwrap_or(number));
        if message.od_type != OdType::Stream as i32 {
            message.mid = Some(number);
        }
        Ok(Self {
            stamp,
            message: Arc::new(message),
            encoded: None,
        })
    }

    /// The sender's node, from the `fromTid` [`new`](Self::new) set (read from the message
    /// rather than kept in a copy: one string allocation less per message relayed).
    fn sender(&self) -> &str {
        self.message
            .from_tid
            .as_ref()
            .map_or("", |tid| tid.node.as_str())
    }

    /// The target's node: `toTid` (user → user) or `roomTid` (user → room), which
    /// [`new`](Self::new) checked is set and not empty.
    fn target(&self) -> &str {
        let tid = if self.message.ms_type == MsType::Room as i32 {
            self.message.room_tid.as_ref()
        } else {
            self.message.to_tid.as_ref()
        };
        tid.map_or("", |tid| tid.node.as_str())
    }

    /// Makes the recipients' encoding ([`Self::publish`]) from `original`, the client's bytes
    /// the message was decoded from, rewriting only the fields the server sets instead of
    /// encoding the whole message again (the cost of a relay's every message). The result
    /// decodes to exactly [`Self::message`]; bytes that are not a plain protobuf message leave
    /// the full encoding in place. `original` must be what the message was decoded from.
    ///
    /// ```
    /// use prost::Message;
    /// use timwire_proto::tim::{TimMessage, Tid};
    /// use timwire_session::relay::{UidGenerator, tim::Forwarded};
    ///
    /// let alice = Tid { node: "alice".into(), ..Default::default() };
    /// let original = TimMessage {
    ///     ms_type: 2, od_type: 1,
    ///     to_tid: Some(Tid { node: "bob".into(), ..Default::default() }),
    ///     data_string: Some("hi".into()),
    ///     ..Default::default()
    /// }
    /// .encode_to_vec();
    /// let stamp = UidGenerator::new(1).next(1_795_432_394_449)?;
    /// let message = TimMessage::decode(&original[..])?;
    /// let forwarded = Forwarded::new(&alice, message, stamp, 41)?.with_client_bytes(&original);
    /// let sent = TimMessage::decode(forwarded.publish(1).data)?;
    /// assert_eq!(&sent, forwarded.message());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_client_bytes(mut self, original: &[u8]) -> Self {
        self.encoded = super::patch::patch(original, &self.message).map(Bytes::from);
        self
    }

    /// The forwarded message.
    pub fn message(&self) -> &TimMessage {
        &self.message
    }

    /// The forwarded message, shared: what a server files in the sender's and the recipients'
    /// mailboxes, without a copy of the message for each.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use timwire_proto::tim::{TimMessage, Tid};
    /// use timwire_session::relay::{UidGenerator, tim::Forwarded};
    ///
    /// let alice = Tid { node: "alice".into(), ..Default::default() };
    /// let hello = TimMessage {
    ///     ms_type: 2, od_type: 1,
    ///     to_tid: Some(Tid { node: "bob".into(), ..Default::default() }),
    ///     ..Default::default()
    /// };
    /// let forwarded = Forwarded::new(&alice, hello, UidGenerator::new(1).next(1_000)?, 7)?;
    /// let (sent, received) = (forwarded.shared(), forwarded.shared());
    /// assert!(Arc::ptr_eq(&sent, &received));
    /// assert_eq!(*sent, *forwarded.message());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shared(&self) -> Arc<TimMessage> {
        Arc::clone(&self.message)
    }

    /// Server time and messageUId.
    pub fn stamp(&self) -> Stamp {
        self.stamp
    }

    /// Whether the message is stored (history, offline): everything but streams (odType 5).
    pub fn is_storable(&self) -> bool {
        rules::check_storable(&self.message).is_ok()
    }

    /// Who gets the message: `toTid.node` (user → user), or `members` (the room's roster,
    /// which the server keeps) without the sender (user → room).
    pub fn recipients<'a>(&'a self, members: &'a [String]) -> impl Iterator<Item = &'a str> {
        let room = self.message.ms_type == MsType::Room as i32;
        let (one, many): (Option<&str>, &[String]) = if room {
            (None, members)
        } else {
            (Some(self.target()), &[])
        };
        one.into_iter().chain(
            many.iter()
                .map(String::as_str)
                .filter(move |member| *member != self.sender()),
        )
    }

    /// The conversation as a recipient's mailbox files it: kind = msType, target = the sender
    /// (user → user) or the room.
    pub fn recipient_conversation(&self) -> Conversation {
        let target = if self.message.ms_type == MsType::Room as i32 {
            self.target()
        } else {
            self.sender()
        };
        Conversation::new(self.message.ms_type, target)
    }

    /// The conversation as the sender's mailbox files it: kind = msType, target = the
    /// recipient or the room.
    pub fn sender_conversation(&self) -> Conversation {
        Conversation::new(self.message.ms_type, self.target())
    }

    /// The PUBACK answering the sender's PUBLISH `msg_id`: success, the server time and the
    /// messageUId.
    pub fn pub_ack(&self, msg_id: u16) -> ServerPubAck<Bytes> {
        let (date, millisecond) = split_ms(self.stamp.time_ms);
        ServerPubAck::new(msg_id, date, AckStatus::SUCCESS, millisecond)
            .with_message_uid(self.stamp.uid.as_str())
    }

    /// The qos-1 `timMsg` PUBLISH delivering the message to a recipient (targetId = the
    /// recipient's conversation target), with the recipient connection's msgId `msg_id`.
    pub fn publish(&self, msg_id: u16) -> ServerPublish<Bytes> {
        let (date, _) = split_ms(self.stamp.time_ms);
        ServerPublish::new(
            QoS::AtLeastOnce,
            date,
            "timMsg",
            self.recipient_conversation().target,
            msg_id,
            match &self.encoded {
                Some(encoded) => encoded.clone(),
                None => Bytes::from(self.message.encode_to_vec()),
            },
        )
    }
}

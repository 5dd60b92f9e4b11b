//! Session helpers ([protocol §6](crate::signal::protocol#6-session-rules)): msgId allocation, the acknowledgement rules, sync-message
//! pairing, and remembering QUERY topics so a QUERYACK's payload can be decoded.
//!
//! None of this is enforced by decoding; these are the rules a client, a server or a tool that
//! reads captures applies on top.
//!
//! | frame | answered by |
//! |---|---|
//! | C→S PUBLISH, qos ≥ 1 | S→C PUBACK, same msgId |
//! | S→C PUBLISH, qos ≥ 1, no dup | C→S PUBACK, same msgId |
//! | S→C PUBLISH with dup (syncMsg) | not acknowledged; completed by a S→C PUBACK with the same msgId |
//! | C→S QUERY | S→C QUERYACK, same msgId |
//! | S→C QUERYACK, qos ≥ 1 | C→S QUERYCON, same msgId |
//! | C→S SUBSCRIBE / UNSUBSCRIBE | S→C SUBACK / UNSUBACK (MQTT 3.1.1) |
//!
//! ```
//! use bytes::Bytes;
//! use timwire::session::{AckTracker, MsgIdAllocator};
//! use timwire::{ClientPacket, ClientPublish, QoS, Role, ServerPacket, ServerPubAck, AckStatus, Flags};
//!
//! let mut ids = MsgIdAllocator::new();
//! let publish = ClientPublish::new(QoS::AtLeastOnce, "timMsg", "bob", ids.next_id(), Bytes::new());
//! let mut acks = AckTracker::new();
//! acks.observe_client(&ClientPacket::from(publish), 0);
//! assert_eq!(acks.unanswered().count(), 1);
//! let ack = ServerPubAck::<Bytes> {
//!     flags: Flags::NONE, msg_id: 1, date: 0, status: AckStatus::new(0), millisecond: 0, message_uid: None,
//! };
//! let answered = acks.observe_server(&ServerPacket::from(ack), 1);
//! assert_eq!(answered.map(|p| p.seq), Some(0));
//! assert_eq!(acks.unanswered().count(), 0);
//! ```

use std::collections::{HashMap, VecDeque};

use timwire_signal::{
    Backing, ClientPacket, Flags, MessageType, Role, ServerPacket, ServerPubAck, ServerPublish,
};

use crate::registry::{Payload, PayloadError, PayloadView, Profile};

/// Allocates msgIds the way RongCloud's SDKs do: 1, 2, … 65535, then 1 again (0 is never used);
/// [`reset`](Self::reset) on reconnect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MsgIdAllocator {
    next: u16,
}

impl Default for MsgIdAllocator {
    fn default() -> Self {
        Self::new()
    }
}

impl MsgIdAllocator {
    /// An allocator whose first id is 1.
    pub const fn new() -> Self {
        Self { next: 1 }
    }

    /// The next msgId.
    pub fn next_id(&mut self) -> u16 {
        let id = self.next;
        self.next = if id == u16::MAX { 1 } else { id + 1 };
        id
    }

    /// The id [`next_id`](Self::next_id) will return, without taking it.
    pub const fn peek(&self) -> u16 {
        self.next
    }

    /// Starts again at 1 (a new connection).
    pub fn reset(&mut self) {
        self.next = 1;
    }
}

/// The answer a frame waits for: who sends it and its type (same msgId).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Expected {
    /// Who must send the answer.
    pub sender: Role,
    /// The answer's type.
    pub kind: MessageType,
}

/// What answer, if any, a frame of `kind` with `flags` sent by `sender` waits for (table above).
///
/// A sync message (dup S→C PUBLISH) waits for the server's completing PUBACK.
pub fn expected_answer(sender: Role, kind: MessageType, flags: Flags) -> Option<Expected> {
    let (by, answer) = match (sender, kind) {
        (Role::Client, MessageType::PUBLISH) if flags.qos.needs_ack() => {
            (Role::Server, MessageType::PUBACK)
        }
        (Role::Server, MessageType::PUBLISH) if flags.dup => (Role::Server, MessageType::PUBACK),
        (Role::Server, MessageType::PUBLISH) if flags.qos.needs_ack() => {
            (Role::Client, MessageType::PUBACK)
        }
        (Role::Client, MessageType::QUERY) => (Role::Server, MessageType::QUERYACK),
        (Role::Server, MessageType::QUERYACK) if flags.qos.needs_ack() => {
            (Role::Client, MessageType::QUERYCON)
        }
        (Role::Client, MessageType::SUBSCRIBE) => (Role::Server, MessageType::SUBACK),
        (Role::Client, MessageType::UNSUBSCRIBE) => (Role::Server, MessageType::UNSUBACK),
        _ => return None,
    };
    Some(Expected {
        sender: by,
        kind: answer,
    })
}

/// True when a frame of `kind` sent by `sender` can answer a request (PUBACK, QUERYACK,
/// QUERYCON, SUBACK, UNSUBACK).
pub fn is_answer(kind: MessageType) -> bool {
    matches!(
        kind,
        MessageType::PUBACK
            | MessageType::QUERYACK
            | MessageType::QUERYCON
            | MessageType::SUBACK
            | MessageType::UNSUBACK
    )
}

/// A request still waiting for its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pending {
    /// The caller's sequence number of the request (a frame or record index).
    pub seq: u64,
    /// Who sent the request.
    pub sender: Role,
    /// The request's type.
    pub kind: MessageType,
    /// The request's flags.
    pub flags: Flags,
    /// The msgId the answer must carry.
    pub msg_id: u16,
    /// The answer it waits for.
    pub expected: Expected,
}

/// An answer that matched no pending request (see [`AckTracker::unexpected`]).
///
/// ```
/// use bytes::Bytes;
/// use timwire::session::{AckTracker, Unexpected};
/// use timwire::{ClientPacket, ClientPubAck, MessageType, Role};
///
/// let mut tracker = AckTracker::new();
/// // A client PUBACK for a server PUBLISH the tracker never saw.
/// tracker.observe_client(&ClientPacket::<Bytes>::from(ClientPubAck::new(9)), 6);
/// assert_eq!(
///     tracker.unexpected(),
///     [Unexpected { seq: 6, sender: Role::Client, kind: MessageType::PUBACK, msg_id: 9 }]
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Unexpected {
    /// The caller's sequence number of the answer (a frame or record index).
    pub seq: u64,
    /// Who sent the answer.
    pub sender: Role,
    /// The answer's type.
    pub kind: MessageType,
    /// The answer's msgId.
    pub msg_id: u16,
}

/// Tracks requests and their answers on one connection, by msgId alone (see the module docs).
///
/// If a request's msgId is reused before it was answered, answers match the oldest first.
///
/// # Bounded memory
///
/// Whatever a peer sends, a tracker holds at most [`max_pending`](Self::max_pending) unanswered
/// requests and [`max_unexpected`](Self::max_unexpected) unexpected answers
/// ([`DEFAULT_MAX_PENDING`] and [`DEFAULT_MAX_UNEXPECTED`] unless
/// [`with_limits`](Self::with_limits) says otherwise). A request observed while the pending
/// table is full is not tracked (its answer will then count as unexpected), and an unexpected
/// answer observed while that list is full is not kept; both are counted in
/// [`dropped`](Self::dropped) instead.
///
/// ```
/// use bytes::Bytes;
/// use timwire::session::AckTracker;
/// use timwire::{ClientPacket, ClientPubAck};
///
/// let mut tracker = AckTracker::with_limits(16, 2);
/// for seq in 0..10 {
///     // PUBACKs for server PUBLISHes the tracker never saw: strays.
///     tracker.observe_client(&ClientPacket::<Bytes>::from(ClientPubAck::new(9)), seq);
/// }
/// assert_eq!(tracker.unexpected().len(), 2);
/// assert_eq!(tracker.dropped().unexpected, 8);
/// ```
#[derive(Debug, Clone)]
pub struct AckTracker {
    pending: HashMap<(Expected, u16), VecDeque<Pending>>,
    pending_len: usize,
    unexpected: Vec<Unexpected>,
    max_pending: usize,
    max_unexpected: usize,
    dropped: Dropped,
}

/// How many entries an [`AckTracker`] did not keep because a table was full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Dropped {
    /// Requests not tracked because [`AckTracker::max_pending`] requests were unanswered.
    pub requests: u64,
    /// Unexpected answers not kept because [`AckTracker::max_unexpected`] were kept already.
    pub unexpected: u64,
}

/// The default bound on an [`AckTracker`]'s unanswered requests: 65,536 (one per msgId).
pub const DEFAULT_MAX_PENDING: usize = 65_536;

/// The default bound on the unexpected answers an [`AckTracker`] keeps: 1,024.
pub const DEFAULT_MAX_UNEXPECTED: usize = 1_024;

impl Default for AckTracker {
    fn default() -> Self {
        Self::with_limits(DEFAULT_MAX_PENDING, DEFAULT_MAX_UNEXPECTED)
    }
}

impl AckTracker {
    /// An empty tracker with the default limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty tracker that keeps at most `max_pending` unanswered requests and
    /// `max_unexpected` unexpected answers.
    pub fn with_limits(max_pending: usize, max_unexpected: usize) -> Self {
        Self {
            pending: HashMap::new(),
            pending_len: 0,
            unexpected: Vec::new(),
            max_pending,
            max_unexpected,
            dropped: Dropped::default(),
        }
    }

    /// The most unanswered requests kept.
    pub fn max_pending(&self) -> usize {
        self.max_pending
    }

    /// The most unexpected answers kept.
    pub fn max_unexpected(&self) -> usize {
        self.max_unexpected
    }

    /// How many requests wait for their answer (at most [`max_pending`](Self::max_pending)).
    pub fn pending_len(&self) -> usize {
        self.pending_len
    }

    /// What was not kept because a table was full.
    pub fn dropped(&self) -> Dropped {
        self.dropped
    }

    /// Records a frame. Returns the request it answers, if it answers one.
    ///
    /// `seq` is the caller's sequence number for the frame, reported back in [`Pending::seq`].
    pub fn observe(
        &mut self,
        sender: Role,
        kind: MessageType,
        flags: Flags,
        msg_id: Option<u16>,
        seq: u64,
    ) -> Option<Pending> {
        let msg_id = msg_id?;
        let mut answered = None;
        if is_answer(kind) {
            let key = (Expected { sender, kind }, msg_id);
            if let Some(queue) = self.pending.get_mut(&key) {
                answered = queue.pop_front();
                if queue.is_empty() {
                    self.pending.remove(&key);
                }
            }
            if answered.is_some() {
                self.pending_len = self.pending_len.saturating_sub(1);
            } else if self.unexpected.len() < self.max_unexpected {
                self.unexpected.push(Unexpected {
                    seq,
                    sender,
                    kind,
                    msg_id,
                });
            } else {
                self.dropped.unexpected = self.dropped.unexpected.saturating_add(1);
            }
        }
        if let Some(expected) = expected_answer(sender, kind, flags) {
            if self.pending_len < self.max_pending {
                self.pending
                    .entry((expected, msg_id))
                    .or_default()
                    .push_back(Pending {
                        seq,
                        sender,
                        kind,
                        flags,
                        msg_id,
                        expected,
                    });
                self.pending_len = self.pending_len.saturating_add(1);
            } else {
                self.dropped.requests = self.dropped.requests.saturating_add(1);
            }
        }
        answered
    }

    /// Records a packet sent by the client.
    pub fn observe_client<B: Backing>(
        &mut self,
        packet: &ClientPacket<B>,
        seq: u64,
    ) -> Option<Pending> {
        self.observe(
            Role::Client,
            packet.kind(),
            packet.flags(),
            packet.msg_id(),
            seq,
        )
    }

    /// Records a packet sent by the server.
    pub fn observe_server<B: Backing>(
        &mut self,
        packet: &ServerPacket<B>,
        seq: u64,
    ) -> Option<Pending> {
        self.observe(
            Role::Server,
            packet.kind(),
            packet.flags(),
            packet.msg_id(),
            seq,
        )
    }

    /// The requests not answered yet, oldest first.
    pub fn unanswered(&self) -> impl Iterator<Item = &Pending> {
        let mut all: Vec<&Pending> = self.pending.values().flatten().collect();
        all.sort_by_key(|p| p.seq);
        all.into_iter()
    }

    /// Answers that matched no request, in the order they were observed: the first
    /// [`max_unexpected`](Self::max_unexpected) of them ([`dropped`](Self::dropped) counts the
    /// rest).
    pub fn unexpected(&self) -> &[Unexpected] {
        &self.unexpected
    }

    /// Forgets everything, counters included (a new connection); the limits stay.
    pub fn reset(&mut self) {
        self.pending.clear();
        self.pending_len = 0;
        self.unexpected.clear();
        self.dropped = Dropped::default();
    }
}

/// A sync message and the server PUBACK that completes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedMessage<B: Backing> {
    /// The dup-flagged S→C PUBLISH (the copy of the user's message from another device).
    pub publish: ServerPublish<B>,
    /// The S→C PUBACK with the same msgId.
    pub ack: ServerPubAck<B>,
}

impl<B: Backing> SyncedMessage<B> {
    /// The message's send time in milliseconds, from the PUBACK (`date * 1000 + millisecond`).
    pub fn timestamp_ms(&self) -> u64 {
        self.ack.timestamp_ms()
    }

    /// The server's unique id of the message, from the PUBACK.
    pub fn message_uid(&self) -> Option<&str> {
        self.ack.message_uid.as_deref()
    }
}

/// Pairs each sync message (dup S→C PUBLISH) with the S→C PUBACK that follows it.
///
/// ```
/// use bytes::Bytes;
/// use timwire::session::SyncPairer;
/// use timwire::{AckStatus, Flags, QoS, ServerPacket, ServerPubAck, ServerPublish};
///
/// let mut sync = SyncPairer::new();
/// let mut copy = ServerPublish::new(QoS::AtLeastOnce, 1_700_000_000, "ppMsgP", "bob", 7, Bytes::new());
/// copy.flags.dup = true;
/// assert!(sync.observe_server(&ServerPacket::from(copy)).is_none());
/// let ack = ServerPubAck { flags: Flags::NONE, msg_id: 7, date: 1_700_000_000, status: AckStatus::new(0),
///     millisecond: 250, message_uid: Some("UID-7".into()) };
/// let synced = sync.observe_server(&ServerPacket::from(ack)).unwrap();
/// assert_eq!((synced.timestamp_ms(), synced.message_uid()), (1_700_000_000_250, Some("UID-7")));
/// ```
#[derive(Debug, Clone)]
pub struct SyncPairer<B: Backing> {
    waiting: HashMap<u16, ServerPublish<B>>,
}

impl<B: Backing> Default for SyncPairer<B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Backing> SyncPairer<B> {
    /// No sync message waiting.
    pub fn new() -> Self {
        Self {
            waiting: HashMap::new(),
        }
    }

    /// Records a server packet: remembers a sync message, or completes one with a PUBACK.
    ///
    /// A PUBACK whose msgId has no waiting sync message answers one of the client's own
    /// PUBLISHes instead, and returns `None`.
    pub fn observe_server(&mut self, packet: &ServerPacket<B>) -> Option<SyncedMessage<B>> {
        match packet {
            ServerPacket::Publish(p) if p.is_sync_msg() => {
                self.waiting.insert(p.msg_id, p.clone());
                None
            }
            ServerPacket::PubAck(ack) => {
                let publish = self.waiting.remove(&ack.msg_id)?;
                Some(SyncedMessage {
                    publish,
                    ack: ack.clone(),
                })
            }
            _ => None,
        }
    }

    /// How many sync messages wait for their PUBACK.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// Forgets everything (a new connection).
    pub fn reset(&mut self) {
        self.waiting.clear();
    }
}

/// Remembers each QUERY's topic by msgId, so the QUERYACK answering it (which carries no topic)
/// can be decoded through the [registry](crate::registry).
///
/// ```
/// use bytes::Bytes;
/// use timwire::registry::{Payload, Profile};
/// use timwire::session::QueryTopics;
/// use timwire::{AckStatus, ClientPacket, QoS, Query, QueryAck, ServerPacket};
///
/// let mut topics = QueryTopics::new();
/// topics.observe_client(&ClientPacket::from(Query::new(QoS::AtMostOnce, "timOffl", "alice", 3, Bytes::new())));
/// let ack = ServerPacket::from(QueryAck::new(QoS::AtLeastOnce, 3, 0, AckStatus::new(0), Bytes::new()));
/// assert_eq!(topics.topic_for(&ack), Some("timOffl"));
/// let payload = topics.decode_server(Profile::Tim, &ack).unwrap().unwrap();
/// assert!(matches!(payload, Payload::TimMessageList(_)));
/// assert_eq!(topics.topic_for(&ack), None); // answered: forgotten
/// ```
#[derive(Debug, Clone, Default)]
pub struct QueryTopics {
    topics: HashMap<u16, String>,
}

impl QueryTopics {
    /// Nothing remembered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Remembers the topic of a QUERY (other packets are ignored). At most one topic per msgId
    /// (65,536 entries) is kept.
    pub fn observe_client<B: Backing>(&mut self, packet: &ClientPacket<B>) {
        if let ClientPacket::Query(q) = packet {
            self.topics.insert(q.msg_id, q.topic.to_string());
        }
    }

    /// The topic of the QUERY that `packet` (a QUERYACK) answers, if known.
    pub fn topic_for<B: Backing>(&self, packet: &ServerPacket<B>) -> Option<&str> {
        match packet {
            ServerPacket::QueryAck(a) => self.topics.get(&a.msg_id).map(String::as_str),
            _ => None,
        }
    }

    /// Takes (forgets) the topic of the QUERY that `packet` answers.
    pub fn take<B: Backing>(&mut self, packet: &ServerPacket<B>) -> Option<String> {
        match packet {
            ServerPacket::QueryAck(a) => self.topics.remove(&a.msg_id),
            _ => None,
        }
    }

    /// Decodes a server packet's payload ([`Profile::decode_server`]), using and then forgetting
    /// the remembered topic when it is a QUERYACK.
    pub fn decode_server<B: Backing + Into<bytes::Bytes>>(
        &mut self,
        profile: Profile,
        packet: &ServerPacket<B>,
    ) -> Option<Result<Payload, PayloadError>> {
        let topic = self.take(packet);
        profile.decode_server(packet, topic.as_deref())
    }

    /// Decodes a server packet's payload as a zero-copy view ([`Profile::view_server`]),
    /// using and then forgetting the remembered topic when it is a QUERYACK.
    pub fn view_server<'a, B: Backing>(
        &mut self,
        profile: Profile,
        packet: &'a ServerPacket<B>,
    ) -> Option<Result<PayloadView<'a>, PayloadError>> {
        let topic = self.take(packet);
        profile.view_server(packet, topic.as_deref())
    }

    /// Forgets everything (a new connection).
    pub fn reset(&mut self) {
        self.topics.clear();
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use timwire_signal::{
        AckStatus, ClientPubAck, ClientPublish, QoS, Query, QueryAck, QueryCon, ServerPubAck,
        ServerPublish,
    };

    use super::*;

    fn server_ack(msg_id: u16) -> ServerPacket {
        ServerPacket::from(ServerPubAck::<Bytes> {
            flags: Flags::NONE,
            msg_id,
            date: 10,
            status: AckStatus::new(0),
            millisecond: 5,
            message_uid: Some("uid".into()),
        })
    }

    #[test]
    fn msg_id_wraps_to_one_and_resets() {
        let mut ids = MsgIdAllocator::new();
        assert_eq!(ids.next_id(), 1);
        assert_eq!(ids.next_id(), 2);
        let mut ids = MsgIdAllocator { next: 65534 };
        assert_eq!(
            [ids.next_id(), ids.next_id(), ids.next_id()],
            [65534, 65535, 1]
        );
        ids.reset();
        assert_eq!(ids.peek(), 1);
        // Every value 1..=65535 exactly once per cycle, never 0.
        let mut ids = MsgIdAllocator::new();
        let cycle: Vec<u16> = (0..65535).map(|_| ids.next_id()).collect();
        assert!(cycle.iter().copied().eq(1..=65535));
        assert_eq!(ids.next_id(), 1);
    }

    #[test]
    fn ack_rules_table() {
        let q = |qos: u8, dup: bool| Flags {
            dup,
            qos: QoS::from_bits(qos),
            retain: false,
        };
        let e = |sender, kind| Some(Expected { sender, kind });
        use MessageType as T;
        use Role::{Client as C, Server as S};
        assert_eq!(expected_answer(C, T::PUBLISH, q(0, false)), None);
        assert_eq!(expected_answer(C, T::PUBLISH, q(1, false)), e(S, T::PUBACK));
        assert_eq!(expected_answer(C, T::PUBLISH, q(3, false)), e(S, T::PUBACK));
        assert_eq!(expected_answer(S, T::PUBLISH, q(1, false)), e(C, T::PUBACK));
        assert_eq!(expected_answer(S, T::PUBLISH, q(0, false)), None);
        // Sync message: the server completes it, the client never acks it.
        assert_eq!(expected_answer(S, T::PUBLISH, q(1, true)), e(S, T::PUBACK));
        assert_eq!(expected_answer(C, T::QUERY, q(0, false)), e(S, T::QUERYACK));
        assert_eq!(
            expected_answer(S, T::QUERYACK, q(1, false)),
            e(C, T::QUERYCON)
        );
        assert_eq!(expected_answer(S, T::QUERYACK, q(0, false)), None);
        assert_eq!(expected_answer(C, T::PINGREQ, q(0, false)), None);
    }

    #[test]
    fn tracker_matches_answers_and_reports_the_rest() {
        let mut t = AckTracker::new();
        let publish = |id| {
            ClientPacket::from(ClientPublish::new(
                QoS::AtLeastOnce,
                "timMsg",
                "bob",
                id,
                Bytes::new(),
            ))
        };
        t.observe_client(&publish(1), 0);
        t.observe_client(&publish(2), 1);
        let query =
            ClientPacket::from(Query::new(QoS::AtMostOnce, "timPull", "a", 3, Bytes::new()));
        t.observe_client(&query, 2);
        assert_eq!(t.observe_server(&server_ack(1), 3).map(|p| p.seq), Some(0));
        let ack = ServerPacket::from(QueryAck::new(
            QoS::AtLeastOnce,
            3,
            0,
            AckStatus::new(0),
            Bytes::new(),
        ));
        assert_eq!(t.observe_server(&ack, 4).map(|p| p.seq), Some(2));
        // The QUERYACK (qos 1) now waits for a QUERYCON; PUBLISH 2 waits for its PUBACK.
        let left: Vec<_> = t.unanswered().map(|p| (p.kind, p.msg_id)).collect();
        assert_eq!(
            left,
            [(MessageType::PUBLISH, 2), (MessageType::QUERYACK, 3)]
        );
        t.observe_client(&ClientPacket::<Bytes>::from(QueryCon::new(3)), 5);
        // A client PUBACK for a server PUBLISH nobody sent is unexpected.
        t.observe_client(&ClientPacket::<Bytes>::from(ClientPubAck::new(9)), 6);
        assert_eq!(t.unanswered().count(), 1);
        assert_eq!(
            t.unexpected(),
            &[Unexpected {
                seq: 6,
                sender: Role::Client,
                kind: MessageType::PUBACK,
                msg_id: 9
            }]
        );
        t.reset();
        assert_eq!(t.unanswered().count(), 0);
    }

    #[test]
    fn tracker_stays_bounded_against_strays_and_reused_msg_ids() {
        const N: u64 = 1_000_000;
        let mut t = AckTracker::new();
        // A million stray PUBACKs (no PUBLISH was ever observed).
        for seq in 0..N {
            let id = (seq % 65_535) as u16 + 1;
            t.observe_client(&ClientPacket::<Bytes>::from(ClientPubAck::new(id)), seq);
        }
        assert_eq!(t.unexpected().len(), DEFAULT_MAX_UNEXPECTED);
        assert_eq!(t.dropped().unexpected, N - DEFAULT_MAX_UNEXPECTED as u64);
        assert_eq!(t.pending_len(), 0);
        // A million qos-1 PUBLISHes on a handful of reused msgIds, never answered.
        let publish = |id| {
            ClientPacket::from(ClientPublish::new(
                QoS::AtLeastOnce,
                "timMsg",
                "bob",
                id,
                Bytes::new(),
            ))
        };
        for seq in 0..N {
            t.observe_client(&publish((seq % 7) as u16 + 1), N + seq);
        }
        assert_eq!(t.pending_len(), DEFAULT_MAX_PENDING);
        assert_eq!(t.unanswered().count(), DEFAULT_MAX_PENDING);
        assert_eq!(t.dropped().requests, N - DEFAULT_MAX_PENDING as u64);
        // Answers still match, oldest first, and free room for new requests.
        let first = t.observe_server(&server_ack(1), 2 * N).unwrap();
        assert_eq!((first.seq, first.msg_id), (N, 1));
        assert_eq!(t.pending_len(), DEFAULT_MAX_PENDING - 1);
        t.observe_client(&publish(9), 2 * N + 1);
        assert_eq!(t.pending_len(), DEFAULT_MAX_PENDING);
        assert_eq!(t.dropped().requests, N - DEFAULT_MAX_PENDING as u64);
        // Small limits hold too.
        let mut small = AckTracker::with_limits(3, 2);
        for seq in 0..100 {
            small.observe_client(&publish(1), seq);
            small.observe_server(&server_ack(500), seq);
        }
        assert_eq!((small.pending_len(), small.unexpected().len()), (3, 2));
        assert_eq!(
            small.dropped(),
            Dropped {
                requests: 97,
                unexpected: 98
            }
        );
        small.reset();
        assert_eq!(
            (small.pending_len(), small.dropped()),
            (0, Dropped::default())
        );
        assert_eq!(small.max_pending(), 3);
    }

    #[test]
    fn server_publish_needs_client_puback_unless_sync() {
        let mut t = AckTracker::new();
        let normal = ServerPacket::from(ServerPublish::new(
            QoS::AtLeastOnce,
            1,
            "timMsg",
            "a",
            4,
            Bytes::new(),
        ));
        t.observe_server(&normal, 0);
        assert!(
            t.observe_client(&ClientPacket::<Bytes>::from(ClientPubAck::new(4)), 1)
                .is_some()
        );
        let mut sync = ServerPublish::new(QoS::AtLeastOnce, 1, "ppMsgP", "b", 5, Bytes::new());
        sync.flags.dup = true;
        t.observe_server(&ServerPacket::from(sync), 2);
        assert_eq!(
            t.unanswered().next().map(|p| p.expected),
            Some(Expected {
                sender: Role::Server,
                kind: MessageType::PUBACK
            })
        );
        assert!(t.observe_server(&server_ack(5), 3).is_some());
        assert_eq!(t.unanswered().count(), 0);
    }

    #[test]
    fn sync_pairing() {
        let mut pairer = SyncPairer::new();
        let mut sync = ServerPublish::new(QoS::AtLeastOnce, 1, "ppMsgP", "b", 5, Bytes::new());
        sync.flags.dup = true;
        assert!(
            pairer
                .observe_server(&ServerPacket::from(sync.clone()))
                .is_none()
        );
        assert_eq!(pairer.waiting(), 1);
        // A PUBACK with another msgId answers the client's own PUBLISH: no pair.
        assert!(pairer.observe_server(&server_ack(6)).is_none());
        let pair = pairer.observe_server(&server_ack(5)).unwrap();
        assert_eq!(pair.publish, sync);
        assert_eq!(pair.timestamp_ms(), 10_005);
        assert_eq!(pair.message_uid(), Some("uid"));
        assert_eq!(pairer.waiting(), 0);
        // A non-dup PUBLISH is not a sync message.
        let normal = ServerPublish::new(QoS::AtLeastOnce, 1, "s_msg", "b", 7, Bytes::new());
        assert!(pairer.observe_server(&ServerPacket::from(normal)).is_none());
        assert_eq!(pairer.waiting(), 0);
    }

    #[test]
    fn query_topics_decode_queryack_payloads() {
        use prost::Message as _;
        use timwire_proto::tim::{TimMessage, TimMessageList};
        let mut topics = QueryTopics::new();
        topics.observe_client(&ClientPacket::from(Query::new(
            QoS::AtMostOnce,
            "timPull",
            "alice",
            8,
            Bytes::new(),
        )));
        let list = TimMessageList {
            id: Some(1),
            message_list: vec![TimMessage::default()],
        };
        let ack = ServerPacket::from(QueryAck::new(
            QoS::AtLeastOnce,
            8,
            0,
            AckStatus::new(0),
            Bytes::from(list.encode_to_vec()),
        ));
        let other = ServerPacket::from(QueryAck::new(
            QoS::AtLeastOnce,
            9,
            0,
            AckStatus::new(0),
            Bytes::from_static(b"\x01"),
        ));
        assert_eq!(
            topics.decode_server(Profile::Tim, &other),
            Some(Ok(Payload::Raw(Bytes::from_static(b"\x01"))))
        );
        assert_eq!(
            topics.decode_server(Profile::Tim, &ack),
            Some(Ok(Payload::TimMessageList(list)))
        );
    }
}

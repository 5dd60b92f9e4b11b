//! What the engine tells the app: events, request handles and the table sizes.

use std::fmt;

use bytes::Bytes;
use timwire_signal::Text;
use timwire_signal::{
    ClientPublish, ConnAckSession, ConnAckStatus, Connect, Query, QueryAck, ServerPubAck,
    ServerPublish, SubAck, Subscribe, Unsubscribe,
};

use crate::error::CloseReason;

/// The handle of a request the app submitted, unique within a session (msgIds are reused after
/// 65,535 requests; these are not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub(crate) u64);

impl RequestId {
    /// The number: 1 for a session's first request, then 2, 3, …
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The kind of request an answer is awaited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// A qos ≥ 1 PUBLISH awaiting its PUBACK.
    Publish,
    /// A QUERY awaiting its QUERYACK.
    Query,
    /// A SUBSCRIBE awaiting its SUBACK.
    Subscribe,
    /// An UNSUBSCRIBE awaiting its UNSUBACK.
    Unsubscribe,
}

impl RequestKind {
    /// The window the request occupies.
    pub const fn window(self) -> Window {
        match self {
            Self::Publish => Window::Publish,
            Self::Query | Self::Subscribe | Self::Unsubscribe => Window::Request,
        }
    }
}

/// A window of requests awaiting their answers ([`Limits`](crate::Limits)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Window {
    /// qos ≥ 1 PUBLISHes ([`Limits::max_inflight_publishes`](crate::Limits::max_inflight_publishes)).
    Publish,
    /// Client QUERY, SUBSCRIBE and UNSUBSCRIBE
    /// ([`Limits::max_inflight_requests`](crate::Limits::max_inflight_requests)).
    Request,
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Publish => "publish",
            Self::Request => "request",
        })
    }
}

/// A sync copy: a message the same user sent from another device (a dup S→C PUBLISH, whose
/// data is that device's UpStreamMessage) and the S→C PUBACK that completes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedMessage {
    /// The dup-flagged PUBLISH.
    pub publish: ServerPublish<Bytes>,
    /// The PUBACK with the same msgId, whose date, millisecond and messageUId complete the
    /// message. `None` for a status topic (`ppMsgS`, `pgMsgS`, `chatMsgS`, never paired, as
    /// RongCloud's engine does) or when no PUBACK came within the request timeout.
    pub ack: Option<ServerPubAck<Bytes>>,
}

impl SyncedMessage {
    /// The message's send time in milliseconds, from the PUBACK (`date * 1000 + millisecond`),
    /// else from the PUBLISH's date.
    pub fn timestamp_ms(&self) -> u64 {
        match &self.ack {
            Some(ack) => ack.timestamp_ms(),
            None => u64::from(self.publish.date).saturating_mul(1000),
        }
    }

    /// The server's unique id of the message, from the PUBACK.
    pub fn message_uid(&self) -> Option<&str> {
        self.ack.as_ref()?.message_uid.as_deref()
    }
}

/// What a [`ClientSession`](crate::ClientSession) tells the app.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The server accepted the connection (CONNACK status 0), with its session fields when it
    /// sent them (userId, sessionId, server time).
    Connected {
        /// userId, sessionId and timestamp, when the CONNACK carried them.
        session: Option<ConnAckSession<Bytes>>,
    },
    /// The server refused the connection (CONNACK status ≠ 0). [`ClientEvent::Closed`]
    /// follows.
    Refused {
        /// The CONNACK status.
        status: ConnAckStatus,
    },
    /// A server PUBLISH (not a sync copy), delivered once: a resent copy the engine already
    /// delivered is dropped. A qos ≥ 1 PUBLISH was PUBACKed by the engine on arrival, as
    /// RongCloud's SDKs do.
    Message {
        /// The PUBLISH.
        publish: ServerPublish<Bytes>,
    },
    /// A sync copy, completed by its PUBACK (see [`sync`](crate::sync)).
    Synced(SyncedMessage),
    /// The server answered one of our qos ≥ 1 PUBLISHes. `ack.status` says whether it was
    /// stored (0) or refused (an SDK error code).
    PublishAcked {
        /// The request.
        id: RequestId,
        /// The server's PUBACK.
        ack: ServerPubAck<Bytes>,
    },
    /// The server answered one of our QUERYs. A qos-1 QUERYACK was already confirmed with
    /// QUERYCON by the engine.
    QueryAnswered {
        /// The request.
        id: RequestId,
        /// The QUERY's topic (the QUERYACK carries none), to decode `ack.data` by.
        topic: Text,
        /// The QUERYACK.
        ack: QueryAck<Bytes>,
    },
    /// The server answered one of our SUBSCRIBEs.
    Subscribed {
        /// The request.
        id: RequestId,
        /// The SUBACK.
        ack: SubAck<Bytes>,
    },
    /// The server answered one of our UNSUBSCRIBEs.
    Unsubscribed {
        /// The request.
        id: RequestId,
    },
    /// A request got no answer within [`Config::request_timeout`](crate::Config::request_timeout)
    /// (RongCloud's TIMEOUT, -1). Its msgId is free again; an answer arriving later is dropped.
    TimedOut {
        /// The request.
        id: RequestId,
        /// What it was.
        kind: RequestKind,
        /// The msgId it used.
        msg_id: u16,
    },
    /// A window that refused a request ([`SubmitError::WindowFull`](crate::SubmitError::WindowFull))
    /// has room again.
    WindowOpen {
        /// Which window.
        window: Window,
    },
    /// The PINGRESP to a [`ping`](crate::ClientSession::ping) the app asked for (the
    /// keep-alive's own pings are not reported).
    Pong {
        /// From queuing the PINGREQ to its PINGRESP, as the times passed in say.
        rtt: std::time::Duration,
    },
    /// The session closed; the last event.
    Closed {
        /// Why.
        reason: CloseReason,
    },
}

/// What a [`ServerSession`](crate::ServerSession) tells the app.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// A client asks to connect: check it, then call
    /// [`accept`](crate::ServerSession::accept) or [`refuse`](crate::ServerSession::refuse).
    /// Input is paused until then.
    Connect {
        /// The CONNECT.
        connect: Connect<Bytes>,
    },
    /// A client PUBLISH, delivered once (a copy still being handled, or one already answered,
    /// is dropped and, in the second case, answered again with the same PUBACK). When its qos
    /// is ≥ 1, answer it with [`ack_publish`](crate::ServerSession::ack_publish).
    Publish {
        /// The PUBLISH.
        publish: ClientPublish<Bytes>,
    },
    /// A QUERY: answer it with [`answer_query`](crate::ServerSession::answer_query).
    Query {
        /// The QUERY.
        query: Query<Bytes>,
    },
    /// A SUBSCRIBE: answer it with [`ack_subscribe`](crate::ServerSession::ack_subscribe).
    Subscribe {
        /// The SUBSCRIBE.
        subscribe: Subscribe<Bytes>,
    },
    /// An UNSUBSCRIBE: answer it with [`ack_unsubscribe`](crate::ServerSession::ack_unsubscribe).
    Unsubscribe {
        /// The UNSUBSCRIBE.
        unsubscribe: Unsubscribe<Bytes>,
    },
    /// The client PUBACKed one of our qos ≥ 1 PUBLISHes.
    Delivered {
        /// The request.
        id: RequestId,
        /// The msgId it used.
        msg_id: u16,
    },
    /// The client confirmed a qos-1 QUERYACK with QUERYCON.
    QueryConfirmed {
        /// The QUERY's (and QUERYCON's) msgId.
        msg_id: u16,
    },
    /// One of our qos ≥ 1 PUBLISHes got no PUBACK within the request timeout (after its
    /// resends, in the tim profile). Its msgId is free again.
    TimedOut {
        /// The request.
        id: RequestId,
        /// The msgId it used.
        msg_id: u16,
    },
    /// A qos-1 QUERYACK got no QUERYCON within the request timeout.
    QueryUnconfirmed {
        /// The QUERY's msgId.
        msg_id: u16,
    },
    /// The publish window has room again after [`SubmitError::WindowFull`](crate::SubmitError::WindowFull).
    WindowOpen {
        /// Which window.
        window: Window,
    },
    /// The session closed; the last event.
    Closed {
        /// Why.
        reason: CloseReason,
    },
}

/// A request that was still awaiting its answer when the session closed, given back by
/// `drain_unacknowledged` so the app can send it again on a new connection (tim) or rely on
/// the next pull (RongCloud).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unacknowledged<P> {
    /// The request's handle.
    pub id: RequestId,
    /// The packet as last queued (its msgId belongs to the closed connection).
    pub packet: P,
}

/// The sizes of a session's tables and its counters, for monitoring and tests.
///
/// Every size is bounded by its [`Limits`](crate::Limits) entry, whatever the peer sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Our qos ≥ 1 PUBLISHes awaiting their PUBACK.
    pub inflight_publishes: usize,
    /// Our QUERY/SUBSCRIBE/UNSUBSCRIBE awaiting their answer.
    pub inflight_requests: usize,
    /// The peer's requests awaiting our answer (server), including qos-1 QUERYACKs awaiting
    /// QUERYCON.
    pub incoming_pending: usize,
    /// Completed PUBLISHes remembered for duplicate detection.
    pub dedup_entries: usize,
    /// Requests remembered to recognise late answers (timed out, or answered after a resend).
    pub late_entries: usize,
    /// Sync copies awaiting their PUBACK (client).
    pub pending_sync: usize,
    /// Packets queued for `poll_transmit`.
    pub queued_transmits: usize,
    /// Events queued for `poll_event`.
    pub queued_events: usize,
    /// Bytes fed and not yet processed.
    pub buffered_input: usize,
    /// msgIds in use (ours).
    pub msg_ids_in_use: usize,
    /// Frames decoded from the peer.
    pub frames_received: u64,
    /// Packets handed out by `poll_transmit`.
    pub frames_sent: u64,
    /// PUBLISHes sent again (tim profile).
    pub retransmits: u64,
    /// Requests (or, client, sync copies) that timed out.
    pub timeouts: u64,
    /// Copies of requests from the peer that were dropped as duplicates.
    pub duplicates: u64,
    /// Answers that matched no request.
    pub stray_answers: u32,
    /// Answers that arrived after their request timed out or was answered already.
    pub late_answers: u64,
}

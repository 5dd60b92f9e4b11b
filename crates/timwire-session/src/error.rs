//! Errors: what the app is told when a request cannot be taken ([`SubmitError`]), what a peer
//! did wrong ([`ProtocolViolation`]) and why a session ended ([`CloseReason`]).

use timwire_signal::{ConnAckStatus, DecodeError, DisconnectStatus, EncodeError, MessageType};

use crate::event::Window;

/// Why the engine did not take a request from the app. Nothing was queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubmitError {
    /// The window is full: `limit` requests of this kind await their answers. Wait for
    /// [`ClientEvent::WindowOpen`](crate::ClientEvent::WindowOpen) (or the server's) and try
    /// again; the engine keeps no queue of its own.
    #[error("the {window} window is full ({limit} requests await their answer)")]
    WindowFull {
        /// Which window.
        window: Window,
        /// Its size.
        limit: usize,
    },
    /// `limit` packets are queued for transmission: drain `poll_transmit` first.
    #[error("the transmit queue is full ({limit} packets)")]
    QueueFull {
        /// The queue's limit.
        limit: usize,
    },
    /// Every msgId (1..=65535) is in use.
    #[error("no free msgId: all 65,535 are in use")]
    NoMsgId,
    /// The handshake has not completed (client: no CONNACK yet; server: not accepted yet).
    #[error("the session is not connected yet")]
    NotConnected,
    /// The session is closed.
    #[error("the session is closed")]
    Closed,
    /// The packet cannot be encoded (a string over 65,535 bytes, a body over the limit).
    #[error("the packet cannot be encoded: {0}")]
    Encode(#[from] EncodeError),
    /// Server: an answer for a msgId that no request of that type awaits.
    #[error("no {kind} with msgId {msg_id} awaits an answer")]
    NoSuchRequest {
        /// The request's type.
        kind: MessageType,
        /// The msgId the answer carried.
        msg_id: u16,
    },
    /// The call does not fit the session's state (accepting twice, refusing with ACCEPTED, …).
    #[error("not possible now: {0}")]
    InvalidState(&'static str),
}

/// A rule of the protocol the peer broke. The engine closes the session with a DISCONNECT
/// ([`Config::close_status`](crate::Config::close_status)) and reports
/// [`CloseReason::Violation`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolViolation {
    /// A frame could not be decoded (framing error, malformed body, wrong direction, a frame
    /// over the size limit).
    #[error("malformed frame: {0}")]
    Malformed(#[from] DecodeError),
    /// Server: the first packet was not CONNECT.
    #[error("expected CONNECT first, got {got}")]
    ExpectedConnect {
        /// What came instead.
        got: MessageType,
    },
    /// Server: a second CONNECT.
    #[error("second CONNECT on one connection")]
    SecondConnect,
    /// Client: the first packet from the server was not CONNACK.
    #[error("expected CONNACK first, got {got}")]
    ExpectedConnAck {
        /// What came instead.
        got: MessageType,
    },
    /// Client: a second CONNACK.
    #[error("second CONNACK on one connection")]
    SecondConnAck,
    /// A packet the protocol does not expect here (a packet type a later timwire-signal adds).
    #[error("unexpected {kind}")]
    UnexpectedPacket {
        /// Its type.
        kind: MessageType,
    },
    /// The peer has more requests awaiting our answer than [`Limits::max_incoming_pending`].
    ///
    /// [`Limits::max_incoming_pending`]: crate::Limits::max_incoming_pending
    #[error("too many requests awaiting an answer (limit {limit})")]
    TooManyRequests {
        /// The limit.
        limit: usize,
    },
    /// A request reused a msgId that still awaits an answer, with different content.
    #[error("msgId {msg_id} reused while its request is still pending")]
    MsgIdInUse {
        /// The msgId.
        msg_id: u16,
    },
    /// More answers matching nothing than [`Limits::max_stray_answers`].
    ///
    /// [`Limits::max_stray_answers`]: crate::Limits::max_stray_answers
    #[error("too many answers that match no request (limit {limit})")]
    TooManyStrayAnswers {
        /// The limit.
        limit: u32,
    },
    /// Client: more sync copies awaiting their PUBACK than [`Limits::max_pending_sync`].
    ///
    /// [`Limits::max_pending_sync`]: crate::Limits::max_pending_sync
    #[error("too many sync copies awaiting their PUBACK (limit {limit})")]
    TooManySyncCopies {
        /// The limit.
        limit: usize,
    },
    /// A packet fed with `handle_packet` needed an event while the event queue was full.
    #[error("the event queue is full (limit {limit})")]
    EventQueueFull {
        /// The limit.
        limit: usize,
    },
    /// A packet fed with `handle_packet` needed an answer while the transmit queue was full.
    #[error("the transmit queue is full (limit {limit})")]
    TransmitQueueFull {
        /// The limit.
        limit: usize,
    },
    /// More unprocessed input than [`Limits::max_buffered_input`] bytes: the peer kept sending
    /// while input was paused.
    ///
    /// [`Limits::max_buffered_input`]: crate::Limits::max_buffered_input
    #[error("more than {limit} bytes of unprocessed input")]
    InputOverflow {
        /// The limit.
        limit: usize,
    },
}

/// Why a session closed. Reported once, as the last event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CloseReason {
    /// The app called `disconnect`; a DISCONNECT with `status` was queued.
    #[error("closed locally ({status})")]
    Local {
        /// The status sent.
        status: DisconnectStatus,
    },
    /// The peer sent DISCONNECT.
    #[error("closed by the peer ({status})")]
    Peer {
        /// The status it sent.
        status: DisconnectStatus,
    },
    /// The connection was refused: client, by the server's CONNACK; server, by the app's
    /// `refuse` (the CONNACK was queued).
    #[error("connection refused ({status})")]
    Refused {
        /// The CONNACK status.
        status: ConnAckStatus,
    },
    /// The peer broke a rule; a DISCONNECT with `status` was queued.
    #[error("protocol violation: {violation} (DISCONNECT {status})")]
    Violation {
        /// What it did.
        violation: ProtocolViolation,
        /// The status sent.
        status: DisconnectStatus,
    },
    /// Client: no PINGRESP within [`Config::ping_timeout`](crate::Config::ping_timeout). No
    /// DISCONNECT is sent: the server is presumed gone.
    #[error("no PINGRESP in time: the connection is gone")]
    KeepAliveTimeout,
    /// Server: no complete frame for 1.5× the keep-alive; a DISCONNECT with `status` was
    /// queued.
    #[error("idle for 1.5x the keep-alive (DISCONNECT {status})")]
    IdleTimeout {
        /// The status sent.
        status: DisconnectStatus,
    },
    /// The handshake took longer than [`Config::handshake_timeout`](crate::Config::handshake_timeout).
    /// A server queues a DISCONNECT with [`Config::close_status`](crate::Config::close_status);
    /// a client sends nothing.
    #[error("the handshake timed out")]
    HandshakeTimeout,
}

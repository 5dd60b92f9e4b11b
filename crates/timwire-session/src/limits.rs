//! Bounded memory: the limit on every table a session keeps, and what happens when one is
//! reached.
//!
//! A session never grows with what a peer sends. Each table below has a limit in [`Limits`];
//! what happens at the limit depends on who fills the table:
//!
//! | table | filled by | at the limit | default |
//! |---|---|---|---|
//! | our qos-1 PUBLISHes awaiting their PUBACK | the app ([`publish`](crate::ClientSession::publish)) | [`SubmitError::WindowFull`], then [`Window`](crate::Window) opens with an event | 32 |
//! | our QUERY / SUBSCRIBE / UNSUBSCRIBE awaiting their answer (client) | the app | [`SubmitError::WindowFull`] | 16 |
//! | packets queued for [`poll_transmit`](crate::ClientSession::poll_transmit) | the app | [`SubmitError::QueueFull`] | 1,024 |
//! | the same queue | the peer (PINGRESP, PUBACK, QUERYCON the engine answers with) | input is paused (see below); past it: [`ProtocolViolation::TransmitQueueFull`] | 1,024 |
//! | events queued for [`poll_event`](crate::ClientSession::poll_event) | the peer | input is paused; past it: [`ProtocolViolation::EventQueueFull`] | 1,024 |
//! | bytes fed but not yet processed | the peer, through the driver | [`ProtocolViolation::InputOverflow`] | max body + 64 KiB + 6 |
//! | the peer's requests awaiting our answer (server: qos-1 PUBLISH, QUERY, SUBSCRIBE, UNSUBSCRIBE, and qos-1 QUERYACKs awaiting their QUERYCON) | the peer | [`ProtocolViolation::TooManyRequests`] | 256 |
//! | a request reusing a msgId that is still in that table with other content | the peer | [`ProtocolViolation::MsgIdInUse`] | — |
//! | sync copies awaiting their PUBACK (client) | the peer | [`ProtocolViolation::TooManySyncCopies`] | 64 |
//! | answers that match no request (counted, not stored) | the peer | [`ProtocolViolation::TooManyStrayAnswers`] | 16 |
//! | completed qos-1 PUBLISHes remembered to drop duplicates | the peer | the oldest is forgotten (a ring) | 1,024 |
//! | msgIds of requests that timed out, or were answered after a resend, remembered so their late answers are not strays | our own requests | the oldest is forgotten (a ring) | 256 |
//! | msgIds in use | the windows above | bounded by them (65,535 at most) | — |
//!
//! A [`ProtocolViolation`] closes the session: the engine drops what it had queued, queues a
//! DISCONNECT with [`Config::close_status`](crate::Config::close_status) (REMOTE_CLOSE unless
//! configured otherwise), and reports [`CloseReason::Violation`](crate::CloseReason::Violation).
//!
//! # Input backpressure
//!
//! Bytes fed with `handle_bytes` are buffered and decoded one frame at a time. Before each frame
//! the engine checks its event and transmit queues: while either is at its limit, or while a
//! server waits for the app to accept a CONNECT, it stops decoding and keeps the rest buffered,
//! and `wants_read` says `false`. A driver then stops reading the socket (TCP pushes back on the
//! peer) until the app has drained events and transmits; the next `handle_timeout` (which
//! `poll_timeout` asks for at once) or `handle_bytes` call resumes decoding. So a peer that
//! floods while not reading our answers, or an app that does not keep up, never grows a queue
//! past its limit: only the input buffer fills, and past [`Limits::max_buffered_input`] the peer
//! is disconnected. Packets fed already decoded (`handle_packet`) cannot be held back: they are
//! processed at once, and a queue over its limit is then a violation.
//!
//! [`SubmitError::WindowFull`]: crate::SubmitError::WindowFull
//! [`SubmitError::QueueFull`]: crate::SubmitError::QueueFull
//! [`ProtocolViolation`]: crate::ProtocolViolation
//! [`ProtocolViolation::TransmitQueueFull`]: crate::ProtocolViolation::TransmitQueueFull
//! [`ProtocolViolation::EventQueueFull`]: crate::ProtocolViolation::EventQueueFull
//! [`ProtocolViolation::InputOverflow`]: crate::ProtocolViolation::InputOverflow
//! [`ProtocolViolation::TooManyRequests`]: crate::ProtocolViolation::TooManyRequests
//! [`ProtocolViolation::MsgIdInUse`]: crate::ProtocolViolation::MsgIdInUse
//! [`ProtocolViolation::TooManySyncCopies`]: crate::ProtocolViolation::TooManySyncCopies
//! [`ProtocolViolation::TooManyStrayAnswers`]: crate::ProtocolViolation::TooManyStrayAnswers

use timwire_signal::DEFAULT_MAX_BODY;

/// The limits of a session's tables (see the [module docs](self) for what happens at each).
///
/// ```
/// use timwire_session::Limits;
///
/// let limits = Limits::default();
/// assert_eq!(limits.max_inflight_publishes, 32);
/// assert_eq!(limits.max_incoming_pending, 256);
/// // A server's limit on a client's outstanding requests must exceed a client's windows.
/// assert!(limits.max_incoming_pending > limits.max_inflight_publishes + limits.max_inflight_requests);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Limits {
    /// Our qos ≥ 1 PUBLISHes awaiting their PUBACK (both roles): the publish window.
    pub max_inflight_publishes: usize,
    /// Client: our QUERY, SUBSCRIBE and UNSUBSCRIBE awaiting their answer: the request window.
    pub max_inflight_requests: usize,
    /// The peer's requests awaiting our answer. A server holds each client qos ≥ 1 PUBLISH,
    /// QUERY, SUBSCRIBE and UNSUBSCRIBE until the app answers it, and each qos-1 QUERYACK until
    /// its QUERYCON. More at once is a violation, so this must exceed the peer's windows.
    pub max_incoming_pending: usize,
    /// Completed qos ≥ 1 PUBLISHes from the peer remembered (msgId, a hash of the content and
    /// our answer) to recognise a resent copy: a ring, the oldest forgotten first.
    pub dedup_memory: usize,
    /// Requests that timed out, or were answered after being resent, remembered (by answer
    /// type and msgId, with how many answers may still come) so that their late answers are
    /// dropped rather than counted as strays: a ring.
    pub late_answer_memory: usize,
    /// Client: sync copies (dup S→C PUBLISH) awaiting the PUBACK that completes them.
    pub max_pending_sync: usize,
    /// Answers (PUBACK, QUERYACK, QUERYCON, SUBACK, UNSUBACK, PINGRESP) matching nothing we
    /// sent and not late, tolerated per connection; one more is a violation. Only counted.
    pub max_stray_answers: u32,
    /// Packets queued for `poll_transmit`.
    pub max_queued_transmits: usize,
    /// Events queued for `poll_event`.
    pub max_queued_events: usize,
    /// Bytes fed with `handle_bytes` and not yet processed (a partial frame, or frames held
    /// back while input is paused). Must hold one whole frame: at least `max_body` + 6.
    pub max_buffered_input: usize,
    /// The longest frame body decoded or encoded ([`DEFAULT_MAX_BODY`], 1 MiB, by default).
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_inflight_publishes: 32,
            max_inflight_requests: 16,
            max_incoming_pending: 256,
            dedup_memory: 1024,
            late_answer_memory: 256,
            max_pending_sync: 64,
            max_stray_answers: 16,
            max_queued_transmits: 1024,
            max_queued_events: 1024,
            max_buffered_input: DEFAULT_MAX_BODY.saturating_add(64 * 1024).saturating_add(6),
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

//! The server's state machine.

use std::time::{Duration, Instant};

use bytes::Bytes;
use timwire_signal::{
    ClientPacket, ClientPublish, ConnAck, ConnAckStatus, DisconnectStatus, MessageType, PingResp,
    QueryAck, ServerPacket, ServerPubAck, ServerPublish, SubAck, UnsubAck,
};

use crate::config::Config;
use crate::dedup::Ring;
use crate::engine::{Engine, Machine, RoleEvent, RolePacket};
use crate::error::{CloseReason, ProtocolViolation, SubmitError};
use crate::event::{RequestId, RequestKind, ServerEvent, Stats, Unacknowledged, Window};
use crate::keepalive::server_idle_limit;
use crate::query::{Arrival, Incoming};

impl RoleEvent for ServerEvent {
    fn window_open(window: Window) -> Self {
        Self::WindowOpen { window }
    }

    fn closed(reason: CloseReason) -> Self {
        Self::Closed { reason }
    }
}

impl RolePacket for ServerPacket<Bytes> {
    fn mark_resend(&mut self) {
        // Never the dup bit: on a S→C PUBLISH it means "sync copy".
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    AwaitingConnect {
        deadline: Option<Instant>,
    },
    AwaitingAccept {
        deadline: Option<Instant>,
        idle: Option<Duration>,
    },
    Connected {
        idle: Option<Duration>,
    },
    Closed,
}

/// One server connection's protocol state: no I/O, no clock.
///
/// Feed it what the client sent ([`handle_bytes`](Self::handle_bytes),
/// [`handle_message`](Self::handle_message) or [`handle_packet`](Self::handle_packet)), send
/// what [`poll_transmit`](Self::poll_transmit) gives, call
/// [`handle_timeout`](Self::handle_timeout) at [`poll_timeout`](Self::poll_timeout), and
/// answer what [`poll_event`](Self::poll_event) reports: [`accept`](Self::accept) or
/// [`refuse`](Self::refuse) a CONNECT, [`ack_publish`](Self::ack_publish),
/// [`answer_query`](Self::answer_query), [`ack_subscribe`](Self::ack_subscribe),
/// [`ack_unsubscribe`](Self::ack_unsubscribe). Push messages with [`publish`](Self::publish)
/// and [`send_sync_copy`](Self::send_sync_copy).
///
/// ```
/// use std::time::Instant;
/// use bytes::Bytes;
/// use timwire_session::{Config, Profile, ServerEvent, ServerSession};
/// use timwire_signal::{AckStatus, ClientPacket, ClientPublish, ConnAck, Connect, QoS, ServerPacket, ServerPubAck};
///
/// let t0 = Instant::now();
/// let mut server = ServerSession::new(Config::new(Profile::Tim), t0);
/// server.handle_packet(t0, ClientPacket::from(Connect::new("phone")));
/// let Some(ServerEvent::Connect { connect }) = server.poll_event() else { panic!() };
/// assert_eq!(&*connect.client_id, "phone");
/// server.accept(t0, ConnAck::accepted("alice", "s1", 0)).unwrap();
/// assert!(matches!(server.poll_transmit(t0), Some(ServerPacket::ConnAck(_))));
///
/// let publish = ClientPublish::new(QoS::AtLeastOnce, "timMsg", "bob", 7, Bytes::from_static(b"hi"));
/// server.handle_packet(t0, ClientPacket::from(publish.clone()));
/// server.handle_packet(t0, ClientPacket::from(publish)); // a copy: not reported twice
/// assert!(matches!(server.poll_event(), Some(ServerEvent::Publish { .. })));
/// assert_eq!(server.poll_event(), None);
/// server.ack_publish(t0, ServerPubAck::new(7, 1_700_000_000, AckStatus::SUCCESS, 0)).unwrap();
/// assert!(matches!(server.poll_transmit(t0), Some(ServerPacket::PubAck(a)) if a.msg_id == 7));
/// assert_eq!(server.stats().duplicates, 1);
/// ```
#[derive(Debug)]
pub struct ServerSession {
    engine: Engine<ServerPacket<Bytes>, ServerEvent>,
    state: State,
    incoming: Incoming,
    /// Client PUBLISHes answered: msgId → (content hash, our PUBACK).
    dedup: Ring<u16, (u64, ServerPubAck<Bytes>)>,
}

impl ServerSession {
    /// A session that waits for the client's CONNECT.
    pub fn new(config: Config, now: Instant) -> Self {
        let deadline = now.checked_add(config.handshake_timeout);
        Self::start(config, now, State::AwaitingConnect { deadline })
    }

    /// A session for a client that sends no CONNECT (RongCloud's web SDK authenticates in the
    /// WebSocket URL): it waits for the app's [`accept`](Self::accept) or
    /// [`refuse`](Self::refuse), with [`Config::keep_alive`] as the keep-alive.
    pub fn without_connect(config: Config, now: Instant) -> Self {
        let deadline = now.checked_add(config.handshake_timeout);
        let idle = server_idle_limit(0, &config);
        Self::start(config, now, State::AwaitingAccept { deadline, idle })
    }

    fn start(config: Config, now: Instant, state: State) -> Self {
        let incoming = Incoming::new(config.limits.max_incoming_pending);
        let dedup = Ring::new(config.limits.dedup_memory);
        Self {
            engine: Engine::new(config, now),
            state,
            incoming,
            dedup,
        }
    }

    // ---- handshake -------------------------------------------------------------------------

    /// Accepts the connection: queues `connack` (its status must be ACCEPTED) and resumes
    /// input.
    pub fn accept(&mut self, now: Instant, connack: ConnAck<Bytes>) -> Result<(), SubmitError> {
        self.engine.observe(now);
        let State::AwaitingAccept { idle, .. } = self.state else {
            return Err(self.not_now("no connection awaits acceptance"));
        };
        if connack.status != ConnAckStatus::ACCEPTED {
            return Err(SubmitError::InvalidState(
                "accept needs CONNACK status ACCEPTED; use refuse",
            ));
        }
        let packet = ServerPacket::from(connack);
        self.engine.check_encode(&packet)?;
        self.engine.queue(packet);
        self.state = State::Connected { idle };
        Ok(())
    }

    /// Refuses the connection: queues a CONNACK with `status` (not ACCEPTED) and closes
    /// ([`CloseReason::Refused`]).
    pub fn refuse(&mut self, now: Instant, status: ConnAckStatus) -> Result<(), SubmitError> {
        self.engine.observe(now);
        if !matches!(self.state, State::AwaitingAccept { .. }) {
            return Err(self.not_now("no connection awaits acceptance"));
        }
        if status == ConnAckStatus::ACCEPTED {
            return Err(SubmitError::InvalidState(
                "refuse needs a status other than ACCEPTED",
            ));
        }
        self.engine.queue(ServerPacket::from(ConnAck::new(status)));
        self.close_with(CloseReason::Refused { status }, None, true);
        Ok(())
    }

    fn not_now(&self, what: &'static str) -> SubmitError {
        match self.state {
            State::Closed => SubmitError::Closed,
            _ => SubmitError::InvalidState(what),
        }
    }

    fn ready(&self) -> Result<(), SubmitError> {
        match self.state {
            State::Connected { .. } => Ok(()),
            State::Closed => Err(SubmitError::Closed),
            _ => Err(SubmitError::NotConnected),
        }
    }

    // ---- answers to the client's requests --------------------------------------------------

    /// Answers the client's qos ≥ 1 PUBLISH with `ack.msg_id`. The PUBACK is remembered, so a
    /// copy of that PUBLISH arriving later gets the same answer again.
    pub fn ack_publish(
        &mut self,
        now: Instant,
        ack: ServerPubAck<Bytes>,
    ) -> Result<(), SubmitError> {
        self.engine.observe(now);
        self.ready()?;
        let hash = self.incoming.awaiting(MessageType::PUBLISH, ack.msg_id)?;
        let packet = ServerPacket::from(ack.clone());
        self.engine.check_encode(&packet)?;
        self.incoming.answered(ack.msg_id, None);
        self.dedup.insert(ack.msg_id, (hash, ack));
        self.engine.queue(packet);
        Ok(())
    }

    /// Answers the client's QUERY with `ack.msg_id`. With qos ≥ 1 the QUERYACK awaits the
    /// client's QUERYCON ([`ServerEvent::QueryConfirmed`], or [`ServerEvent::QueryUnconfirmed`]
    /// after the request timeout).
    pub fn answer_query(&mut self, now: Instant, ack: QueryAck<Bytes>) -> Result<(), SubmitError> {
        self.engine.observe(now);
        self.ready()?;
        self.incoming.awaiting(MessageType::QUERY, ack.msg_id)?;
        let msg_id = ack.msg_id;
        let confirm = ack
            .flags
            .qos
            .needs_ack()
            .then(|| self.engine.after(self.engine.config.request_timeout));
        let packet = ServerPacket::from(ack);
        self.engine.check_encode(&packet)?;
        self.incoming.answered(msg_id, confirm);
        self.engine.queue(packet);
        Ok(())
    }

    /// Answers the client's SUBSCRIBE with `ack.msg_id`.
    pub fn ack_subscribe(&mut self, now: Instant, ack: SubAck<Bytes>) -> Result<(), SubmitError> {
        self.engine.observe(now);
        self.ready()?;
        self.incoming.awaiting(MessageType::SUBSCRIBE, ack.msg_id)?;
        let msg_id = ack.msg_id;
        let packet = ServerPacket::from(ack);
        self.engine.check_encode(&packet)?;
        self.incoming.answered(msg_id, None);
        self.engine.queue(packet);
        Ok(())
    }

    /// Answers the client's UNSUBSCRIBE with `msg_id`.
    pub fn ack_unsubscribe(&mut self, now: Instant, msg_id: u16) -> Result<(), SubmitError> {
        self.engine.observe(now);
        self.ready()?;
        self.incoming.awaiting(MessageType::UNSUBSCRIBE, msg_id)?;
        self.incoming.answered(msg_id, None);
        self.engine.queue(ServerPacket::from(UnsubAck::new(msg_id)));
        Ok(())
    }

    // ---- requests to the client ------------------------------------------------------------

    /// Sends a PUBLISH. The engine sets its msgId (pass 0) and clears its dup bit (use
    /// [`send_sync_copy`](Self::send_sync_copy) for a sync copy). qos ≥ 1 takes a slot of the
    /// publish window until the client's PUBACK ([`ServerEvent::Delivered`]) or the timeout
    /// ([`ServerEvent::TimedOut`]), resent meanwhile in the tim profile; a full window is
    /// [`SubmitError::WindowFull`]. qos 0 is sent with msgId 0 and its id appears in no event.
    ///
    /// **msgIds.** RongCloud's engine 4.4.2 takes *any* packet with a msgId above 0 as the
    /// answer to its own pending request with that msgId, a server PUBLISH included
    /// (docs/PROTOCOL.md §11). So a qos-0 PUBLISH (no answer awaited) carries msgId 0, and the
    /// msgId of a qos ≥ 1 PUBLISH or a [sync copy](Self::send_sync_copy) skips every msgId of
    /// a client request this session holds (unanswered, or awaiting its QUERYCON). A request
    /// the client sends while such a PUBLISH is on its way can still meet it: a relay for that
    /// SDK notifies with qos-0 `s_ntf` rather than pushing qos-1 `s_msg`.
    ///
    /// ```
    /// use std::time::Instant;
    /// use bytes::Bytes;
    /// use timwire_session::{Config, Profile, ServerSession};
    /// use timwire_signal::{ConnAck, QoS, ServerPublish};
    ///
    /// let now = Instant::now();
    /// let mut server = ServerSession::without_connect(Config::new(Profile::RongCloud), now);
    /// server.accept(now, ConnAck::accepted("alice", "s1", 0)).unwrap();
    /// let notify = ServerPublish::new(QoS::AtMostOnce, 0, "s_ntf", "alice", 7, Bytes::new());
    /// server.publish(now, notify).unwrap();
    /// # let _ = server.poll_transmit(now); // the CONNACK
    /// let sent = server.poll_transmit(now).unwrap();
    /// assert_eq!(sent.msg_id(), Some(0));
    /// ```
    pub fn publish(
        &mut self,
        now: Instant,
        mut publish: ServerPublish<Bytes>,
    ) -> Result<RequestId, SubmitError> {
        self.engine.observe(now);
        self.ready()?;
        publish.flags.dup = false;
        if !publish.flags.qos.needs_ack() {
            // No answer is awaited: msgId 0, which no client request has.
            publish.msg_id = 0;
            self.engine.queue_app(ServerPacket::from(publish))?;
            return Ok(self.engine.request_id());
        }
        let incoming = &self.incoming;
        let (id, _) = self.engine.submit(
            RequestKind::Publish,
            |msg_id| incoming.holds(msg_id),
            |msg_id| {
                publish.msg_id = msg_id;
                ServerPacket::from(publish)
            },
        )?;
        Ok(id)
    }

    /// Sends a sync copy — a message the user sent from another device — to this device: the
    /// PUBLISH with the dup bit, then the PUBACK (date, millisecond, messageUId) that completes
    /// it, both with a fresh msgId (returned). The client does not answer it.
    pub fn send_sync_copy(
        &mut self,
        now: Instant,
        mut publish: ServerPublish<Bytes>,
        mut ack: ServerPubAck<Bytes>,
    ) -> Result<u16, SubmitError> {
        self.engine.observe(now);
        self.ready()?;
        publish.flags.dup = true;
        // The msgId does not change the size: check first, then take one.
        self.engine
            .check_app(&ServerPacket::from(publish.clone()), 2)?;
        self.engine.check_encode(&ServerPacket::from(ack.clone()))?;
        let incoming = &self.incoming;
        let msg_id = self.engine.passing_msg_id(|id| incoming.holds(id))?;
        publish.msg_id = msg_id;
        ack.msg_id = msg_id;
        self.engine.queue(ServerPacket::from(publish));
        self.engine.queue(ServerPacket::from(ack));
        Ok(msg_id)
    }

    /// Queues a DISCONNECT with `status` (e.g. OTHER_DEVICE_LOGIN 1 when the user logged in
    /// elsewhere) after what is already queued, and closes ([`CloseReason::Local`]).
    pub fn disconnect(
        &mut self,
        now: Instant,
        status: DisconnectStatus,
    ) -> Result<(), SubmitError> {
        self.disconnect_with(now, status)
    }

    // ---- input -----------------------------------------------------------------------------

    /// Feeds bytes from the client, framed as [`Config::framing`] says (see
    /// [`ClientSession::handle_bytes`](crate::ClientSession::handle_bytes)).
    pub fn handle_bytes(&mut self, now: Instant, data: &[u8]) {
        self.input_bytes(now, data);
    }

    /// Feeds one transport message (message framing: exactly one frame, not copied); in stream
    /// framing, the same as [`handle_bytes`](Self::handle_bytes).
    pub fn handle_message(&mut self, now: Instant, message: Bytes) {
        self.input_message(now, message);
    }

    /// Processes a packet decoded by the caller, at once (it cannot be held back: check
    /// [`wants_read`](Self::wants_read) first; a queue over its limit is then a violation).
    pub fn handle_packet(&mut self, now: Instant, packet: ClientPacket<Bytes>) {
        self.input_packet(now, packet);
    }

    /// Whether the driver should read more input now: not closed, not paused (queues full, or
    /// a CONNECT awaiting the app's decision), and nothing complete waiting to be processed.
    pub fn wants_read(&self) -> bool {
        self.reads()
    }

    fn on_connected(&mut self, packet: ClientPacket<Bytes>) -> Result<(), ProtocolViolation> {
        match packet {
            ClientPacket::Connect(_) => Err(ProtocolViolation::SecondConnect),
            ClientPacket::Publish(p) => self.on_publish(p),
            ClientPacket::Query(q) => {
                let hash =
                    self.engine
                        .hasher
                        .hash(&[q.topic.as_bytes(), q.target_id.as_bytes(), &q.data]);
                self.request(
                    MessageType::QUERY,
                    q.msg_id,
                    hash,
                    ServerEvent::Query { query: q },
                )
            }
            ClientPacket::Subscribe(s) => {
                let hash = self.engine.hasher.hash(&[s.topics.as_wire()]);
                self.request(
                    MessageType::SUBSCRIBE,
                    s.msg_id,
                    hash,
                    ServerEvent::Subscribe { subscribe: s },
                )
            }
            ClientPacket::Unsubscribe(u) => {
                let hash = self.engine.hasher.hash(&[u.topics.as_wire()]);
                self.request(
                    MessageType::UNSUBSCRIBE,
                    u.msg_id,
                    hash,
                    ServerEvent::Unsubscribe { unsubscribe: u },
                )
            }
            ClientPacket::PubAck(ack) => {
                match self.engine.answered(ack.msg_id, RequestKind::Publish) {
                    Some(entry) => self.engine.deliver(ServerEvent::Delivered {
                        id: entry.id,
                        msg_id: ack.msg_id,
                    }),
                    None => self.engine.unmatched(MessageType::PUBACK, Some(ack.msg_id)),
                }
            }
            ClientPacket::QueryCon(con) => {
                if self.incoming.confirmed(con.msg_id) {
                    self.engine
                        .deliver(ServerEvent::QueryConfirmed { msg_id: con.msg_id })
                } else {
                    self.engine
                        .unmatched(MessageType::QUERYCON, Some(con.msg_id))
                }
            }
            ClientPacket::PingReq(_) => self.engine.answer(ServerPacket::from(PingResp::default())),
            other => Err(ProtocolViolation::UnexpectedPacket { kind: other.kind() }),
        }
    }

    /// A client request that awaits the app's answer: held once, copies dropped.
    fn request(
        &mut self,
        kind: MessageType,
        msg_id: u16,
        hash: u64,
        event: ServerEvent,
    ) -> Result<(), ProtocolViolation> {
        match self.incoming.arrive(kind, msg_id, hash)? {
            Arrival::New => self.engine.deliver(event),
            Arrival::Duplicate => {
                self.engine.duplicate();
                Ok(())
            }
        }
    }

    fn on_publish(&mut self, p: ClientPublish<Bytes>) -> Result<(), ProtocolViolation> {
        if !p.flags.qos.needs_ack() {
            return self.engine.deliver(ServerEvent::Publish { publish: p });
        }
        let hash = self
            .engine
            .hasher
            .hash(&[p.topic.as_bytes(), p.target_id.as_bytes(), &p.data]);
        if let Some((seen, ack)) = self.dedup.get(&p.msg_id) {
            if *seen == hash && !self.incoming_holds(p.msg_id) {
                // Answered already: the client missed the PUBACK, so send it again.
                let ack = ServerPacket::from(ack.clone());
                self.engine.answer(ack)?;
                self.engine.duplicate();
                return Ok(());
            }
            // Same msgId, other content: a new message (ids wrap after 65,535).
            self.dedup.remove(&p.msg_id);
        }
        let msg_id = p.msg_id;
        self.request(
            MessageType::PUBLISH,
            msg_id,
            hash,
            ServerEvent::Publish { publish: p },
        )
    }

    fn incoming_holds(&self, msg_id: u16) -> bool {
        [
            MessageType::PUBLISH,
            MessageType::QUERY,
            MessageType::SUBSCRIBE,
            MessageType::UNSUBSCRIBE,
        ]
        .into_iter()
        .any(|kind| self.incoming.awaiting(kind, msg_id).is_ok())
    }

    // ---- timers ----------------------------------------------------------------------------

    fn idle_deadline(&self, idle: Option<Duration>) -> Option<Instant> {
        self.engine.last_received.checked_add(idle?)
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next: the handshake
    /// timeout, the idle timeout, a PUBLISH's timeout or resend, a QUERYACK's confirmation
    /// timeout; or the last time seen, when buffered input can be processed again. `None` once
    /// closed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let role = match self.state {
            State::Closed => return None,
            State::AwaitingConnect { deadline } | State::AwaitingAccept { deadline, .. } => {
                deadline
            }
            State::Connected { idle } => self.idle_deadline(idle),
        };
        [
            role,
            self.engine.next_timeout(self.resumable()),
            self.incoming.next_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs what is due at `now`, then processes buffered input if it was paused.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.engine.observe(now);
        let now = self.engine.now;
        let status = self.engine.config.close_status;
        match self.state {
            State::Closed => return,
            State::AwaitingConnect { deadline } | State::AwaitingAccept { deadline, .. } => {
                if deadline.is_some_and(|d| d <= now) {
                    self.close_with(CloseReason::HandshakeTimeout, Some(status), false);
                    return;
                }
            }
            State::Connected { idle } => {
                if self.idle_deadline(idle).is_some_and(|d| d <= now) {
                    self.close_with(CloseReason::IdleTimeout { status }, Some(status), false);
                    return;
                }
            }
        }
        for (msg_id, id, _) in self.engine.expire_requests() {
            self.engine.notify(ServerEvent::TimedOut { id, msg_id });
        }
        for msg_id in self.incoming.expire(now) {
            self.engine.expect_late(MessageType::QUERYCON, msg_id, 1);
            self.engine.stats.timeouts = self.engine.stats.timeouts.saturating_add(1);
            self.engine.notify(ServerEvent::QueryUnconfirmed { msg_id });
        }
        self.process_input();
    }

    // ---- output ----------------------------------------------------------------------------

    /// The next packet to send, or `None`. Call until `None` after every other call.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<ServerPacket<Bytes>> {
        self.engine.poll_transmit(now)
    }

    /// The next packet to send, encoded with [`Config::framing`].
    pub fn poll_transmit_bytes(&mut self, now: Instant) -> Option<Bytes> {
        self.engine.poll_transmit_bytes(now)
    }

    /// The next event for the app, or `None`.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.engine.poll_event()
    }

    // ---- state -----------------------------------------------------------------------------

    /// Whether the app accepted the connection and the session is not closed.
    pub fn is_connected(&self) -> bool {
        matches!(self.state, State::Connected { .. })
    }

    /// Whether the session is closed (then only queued packets and events remain to poll).
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// Why the session closed.
    pub fn close_reason(&self) -> Option<&CloseReason> {
        self.engine.closed.as_ref()
    }

    /// After close: our PUBLISHes the client did not acknowledge, oldest first (to store for
    /// the next connection or as offline messages). Empty while open.
    pub fn drain_unacknowledged(&mut self) -> Vec<Unacknowledged<ServerPacket<Bytes>>> {
        self.engine.drain_unacknowledged()
    }

    /// How long the connection may stay silent (1.5× its keep-alive), once known.
    pub fn idle_limit(&self) -> Option<Duration> {
        match self.state {
            State::AwaitingAccept { idle, .. } | State::Connected { idle } => idle,
            _ => None,
        }
    }

    /// The table sizes and counters.
    pub fn stats(&self) -> Stats {
        let mut s = self.engine.stats();
        s.incoming_pending = self.incoming.len();
        s.dedup_entries = self.dedup.len();
        s
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.engine.config
    }
}

impl Machine for ServerSession {
    type In = ClientPacket<Bytes>;
    type Out = ServerPacket<Bytes>;
    type Event = ServerEvent;

    fn engine(&self) -> &Engine<Self::Out, Self::Event> {
        &self.engine
    }

    fn engine_mut(&mut self) -> &mut Engine<Self::Out, Self::Event> {
        &mut self.engine
    }

    fn holds_input(&self) -> bool {
        matches!(self.state, State::AwaitingAccept { .. })
    }

    fn on_packet(&mut self, packet: ClientPacket<Bytes>) -> Result<(), ProtocolViolation> {
        if let ClientPacket::Disconnect(d) = packet {
            self.close_with(CloseReason::Peer { status: d.status }, None, false);
            return Ok(());
        }
        match self.state {
            State::Closed => Ok(()),
            State::AwaitingConnect { deadline } => match packet {
                ClientPacket::Connect(connect) => {
                    let idle = server_idle_limit(connect.keep_alive, &self.engine.config);
                    self.state = State::AwaitingAccept { deadline, idle };
                    self.engine.deliver(ServerEvent::Connect { connect })
                }
                other => Err(ProtocolViolation::ExpectedConnect { got: other.kind() }),
            },
            State::AwaitingAccept { .. } => match packet {
                ClientPacket::Connect(_) => Err(ProtocolViolation::SecondConnect),
                other => Err(ProtocolViolation::ExpectedConnect { got: other.kind() }),
            },
            State::Connected { .. } => self.on_connected(packet),
        }
    }

    fn on_close(&mut self) {
        self.state = State::Closed;
        self.incoming.clear();
        self.dedup.clear();
    }
}

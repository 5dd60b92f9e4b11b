//! The client's state machine.

use std::time::Instant;

use bytes::Bytes;
use timwire_signal::{
    ClientPacket, ClientPubAck, ClientPublish, Connect, DisconnectStatus, MessageType, PingReq,
    Query, QueryCon, ServerPacket, ServerPubAck, ServerPublish, Subscribe, Unsubscribe,
};

use crate::config::Config;
use crate::dedup::Ring;
use crate::engine::{Engine, Machine, RoleEvent, RolePacket};
use crate::error::{CloseReason, ProtocolViolation, SubmitError};
use crate::event::{
    ClientEvent, RequestId, RequestKind, Stats, SyncedMessage, Unacknowledged, Window,
};
use crate::keepalive::{Due, Pinger};
use crate::sync::{Parked, SyncCopies, UNPAIRED_TOPICS};

impl RoleEvent for ClientEvent {
    fn window_open(window: Window) -> Self {
        Self::WindowOpen { window }
    }

    fn closed(reason: CloseReason) -> Self {
        Self::Closed { reason }
    }
}

impl RolePacket for ClientPacket<Bytes> {
    fn mark_resend(&mut self) {
        // On C→S PUBLISH the dup bit means "retransmission".
        if let Self::Publish(p) = self {
            p.flags.dup = true;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    AwaitingConnAck { deadline: Option<Instant> },
    Connected,
    Closed,
}

/// One client connection's protocol state: no I/O, no clock.
///
/// Feed it what the server sent ([`handle_bytes`](Self::handle_bytes),
/// [`handle_message`](Self::handle_message) or [`handle_packet`](Self::handle_packet)), send
/// what [`poll_transmit`](Self::poll_transmit) gives, call
/// [`handle_timeout`](Self::handle_timeout) at [`poll_timeout`](Self::poll_timeout), and act
/// on [`poll_event`](Self::poll_event). Submit requests with [`publish`](Self::publish),
/// [`query`](Self::query), [`subscribe`](Self::subscribe), [`unsubscribe`](Self::unsubscribe)
/// and [`disconnect`](Self::disconnect). The [crate docs](crate) show a driver loop.
///
/// ```
/// use std::time::{Duration, Instant};
/// use bytes::Bytes;
/// use timwire_session::{ClientEvent, ClientSession, Config, Profile};
/// use timwire_signal::{ClientPacket, ConnAck, Connect, QoS, ServerPacket, ServerPubAck, AckStatus, ClientPublish};
///
/// let t0 = Instant::now();
/// let mut client = ClientSession::new(Config::new(Profile::RongCloud), t0, Connect::new("phone")).unwrap();
/// assert!(matches!(client.poll_transmit(t0), Some(ClientPacket::Connect(_))));
/// client.handle_packet(t0, ServerPacket::from(ConnAck::accepted("alice", "s1", 0)));
/// assert!(matches!(client.poll_event(), Some(ClientEvent::Connected { .. })));
///
/// let id = client
///     .publish(t0, ClientPublish::new(QoS::AtLeastOnce, "ppMsgP", "bob", 0, Bytes::from_static(b"hi")))
///     .unwrap();
/// let Some(ClientPacket::Publish(sent)) = client.poll_transmit(t0) else { panic!() };
/// client.handle_packet(t0, ServerPacket::from(ServerPubAck::new(sent.msg_id, 1_700_000_000, AckStatus::SUCCESS, 5)));
/// assert!(matches!(client.poll_event(), Some(ClientEvent::PublishAcked { id: acked, .. }) if acked == id));
///
/// // Nothing else to do for 30 s: then a PINGREQ.
/// assert_eq!(client.poll_timeout(), Some(t0 + Duration::from_secs(30)));
/// ```
#[derive(Debug)]
pub struct ClientSession {
    engine: Engine<ClientPacket<Bytes>, ClientEvent>,
    state: State,
    pinger: Pinger,
    /// Server PUBLISHes answered: msgId → content hash.
    dedup: Ring<u16, u64>,
    sync: SyncCopies,
}

impl ClientSession {
    /// A session that sends `connect` first (native SDKs). Its `keep_alive` seconds are the ping
    /// interval (0: no pings). Fails when the CONNECT cannot be encoded.
    pub fn new(config: Config, now: Instant, connect: Connect<Bytes>) -> Result<Self, SubmitError> {
        let interval = std::time::Duration::from_secs(u64::from(connect.keep_alive));
        let mut session = Self::start(config, now, interval);
        session.engine.queue_app(ClientPacket::from(connect))?;
        Ok(session)
    }

    /// A session that sends no CONNECT and waits for the server's CONNACK (RongCloud's web SDK,
    /// which authenticates in the WebSocket URL). Pings every [`Config::keep_alive`].
    pub fn without_connect(config: Config, now: Instant) -> Self {
        let interval = config.keep_alive;
        Self::start(config, now, interval)
    }

    fn start(config: Config, now: Instant, interval: std::time::Duration) -> Self {
        let pinger = Pinger::new(interval, config.ping_timeout);
        let dedup = Ring::new(config.limits.dedup_memory);
        let sync = SyncCopies::new(config.limits.max_pending_sync);
        let deadline = now.checked_add(config.handshake_timeout);
        Self {
            engine: Engine::new(config, now),
            state: State::AwaitingConnAck { deadline },
            pinger,
            dedup,
            sync,
        }
    }

    // ---- app requests ----------------------------------------------------------------------

    fn ready(&self) -> Result<(), SubmitError> {
        match self.state {
            State::Connected => Ok(()),
            State::AwaitingConnAck { .. } => Err(SubmitError::NotConnected),
            State::Closed => Err(SubmitError::Closed),
        }
    }

    /// Sends a PUBLISH. The engine sets its msgId (pass 0) and clears its dup bit. qos ≥ 1 takes
    /// a slot of the publish window until the PUBACK ([`ClientEvent::PublishAcked`]) or the
    /// timeout ([`ClientEvent::TimedOut`]); a full window is [`SubmitError::WindowFull`]. qos 0
    /// is sent as it is: its id appears in no event.
    pub fn publish(
        &mut self,
        now: Instant,
        mut publish: ClientPublish<Bytes>,
    ) -> Result<RequestId, SubmitError> {
        self.engine.observe(now);
        self.ready()?;
        publish.flags.dup = false;
        if !publish.flags.qos.needs_ack() {
            publish.msg_id = self.engine.passing_msg_id(|_| false)?;
            self.engine.queue_app(ClientPacket::from(publish))?;
            return Ok(self.engine.request_id());
        }
        self.request(now, RequestKind::Publish, |msg_id| {
            publish.msg_id = msg_id;
            publish.into()
        })
    }

    /// Submits a request awaiting an answer, built around the msgId the engine takes.
    fn request(
        &mut self,
        now: Instant,
        kind: RequestKind,
        build: impl FnOnce(u16) -> ClientPacket<Bytes>,
    ) -> Result<RequestId, SubmitError> {
        self.engine.observe(now);
        self.ready()?;
        self.engine.submit(kind, |_| false, build).map(|(id, _)| id)
    }

    /// Sends a QUERY (msgId set by the engine); the answer is [`ClientEvent::QueryAnswered`].
    pub fn query(
        &mut self,
        now: Instant,
        mut query: Query<Bytes>,
    ) -> Result<RequestId, SubmitError> {
        self.request(now, RequestKind::Query, |msg_id| {
            query.msg_id = msg_id;
            query.into()
        })
    }

    /// Sends a SUBSCRIBE (msgId set by the engine); the answer is [`ClientEvent::Subscribed`].
    pub fn subscribe(
        &mut self,
        now: Instant,
        mut subscribe: Subscribe<Bytes>,
    ) -> Result<RequestId, SubmitError> {
        self.request(now, RequestKind::Subscribe, |msg_id| {
            subscribe.msg_id = msg_id;
            subscribe.into()
        })
    }

    /// Sends an UNSUBSCRIBE (msgId set by the engine); the answer is
    /// [`ClientEvent::Unsubscribed`].
    pub fn unsubscribe(
        &mut self,
        now: Instant,
        mut unsubscribe: Unsubscribe<Bytes>,
    ) -> Result<RequestId, SubmitError> {
        self.request(now, RequestKind::Unsubscribe, |msg_id| {
            unsubscribe.msg_id = msg_id;
            unsubscribe.into()
        })
    }

    /// Sends a PINGREQ now, whatever the keep-alive timer says, and reports its PINGRESP as
    /// [`ClientEvent::Pong`] with the round trip. It is under the keep-alive's rules: no
    /// PINGRESP within [`Config::ping_timeout`] closes the session
    /// ([`CloseReason::KeepAliveTimeout`]). When a PINGREQ is already outstanding (the
    /// keep-alive's), none is added: its PINGRESP is reported.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use timwire_session::{ClientEvent, ClientSession, Config, Profile};
    /// use timwire_signal::{ClientPacket, ConnAck, Connect, PingResp, ServerPacket};
    ///
    /// let t0 = Instant::now();
    /// let mut client = ClientSession::new(Config::new(Profile::Tim), t0, Connect::new("phone")).unwrap();
    /// client.poll_transmit(t0); // the CONNECT
    /// client.handle_packet(t0, ServerPacket::from(ConnAck::accepted("alice", "s1", 0)));
    /// client.poll_event(); // Connected
    ///
    /// client.ping(t0).unwrap();
    /// assert!(matches!(client.poll_transmit(t0), Some(ClientPacket::PingReq(_))));
    /// let t1 = t0 + Duration::from_millis(40);
    /// client.handle_packet(t1, ServerPacket::from(PingResp::default()));
    /// assert_eq!(client.poll_event(), Some(ClientEvent::Pong { rtt: Duration::from_millis(40) }));
    /// ```
    pub fn ping(&mut self, now: Instant) -> Result<(), SubmitError> {
        self.engine.observe(now);
        self.ready()?;
        if self.pinger.ping_sent.is_none() {
            self.engine
                .queue_app(ClientPacket::from(PingReq::default()))?;
            self.pinger.ping_sent = Some(self.engine.now);
        }
        self.pinger.requested = true;
        Ok(())
    }

    /// Queues a DISCONNECT with `status` (LOGOUT 4 for a user logging out) after what is
    /// already queued, and closes the session ([`CloseReason::Local`]).
    pub fn disconnect(
        &mut self,
        now: Instant,
        status: DisconnectStatus,
    ) -> Result<(), SubmitError> {
        self.disconnect_with(now, status)
    }

    // ---- input -----------------------------------------------------------------------------

    /// Feeds bytes from the server, framed as [`Config::framing`] says: stream framing buffers
    /// and splits them (any chunking; at most 64 KiB a call keeps within the default
    /// [`Limits::max_buffered_input`](crate::Limits::max_buffered_input)); message framing
    /// takes `data` as one whole frame (copied; see [`handle_message`](Self::handle_message)).
    /// Complete frames are processed at once unless input is paused ([`wants_read`](Self::wants_read)).
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
    pub fn handle_packet(&mut self, now: Instant, packet: ServerPacket<Bytes>) {
        self.input_packet(now, packet);
    }

    /// Whether the driver should read more input now: not closed, not paused, and nothing
    /// complete waiting to be processed.
    pub fn wants_read(&self) -> bool {
        self.reads()
    }

    fn on_connected(&mut self, packet: ServerPacket<Bytes>) -> Result<(), ProtocolViolation> {
        match packet {
            ServerPacket::ConnAck(_) => Err(ProtocolViolation::SecondConnAck),
            ServerPacket::Publish(p) if p.is_sync_msg() => self.on_sync_copy(p),
            ServerPacket::Publish(p) => self.on_publish(p),
            ServerPacket::PubAck(ack) => self.on_puback(ack),
            ServerPacket::QueryAck(ack) => {
                let msg_id = ack.msg_id;
                let confirm = ack.flags.qos.needs_ack();
                match self.engine.answered(msg_id, RequestKind::Query) {
                    Some(entry) => {
                        if confirm {
                            self.engine
                                .answer(ClientPacket::from(QueryCon::new(msg_id)))?;
                        }
                        let topic = match entry.packet {
                            ClientPacket::Query(q) => q.topic,
                            _ => Default::default(),
                        };
                        self.engine.deliver(ClientEvent::QueryAnswered {
                            id: entry.id,
                            topic,
                            ack,
                        })
                    }
                    None => {
                        self.engine.unmatched(MessageType::QUERYACK, Some(msg_id))?;
                        if confirm {
                            self.engine
                                .answer(ClientPacket::from(QueryCon::new(msg_id)))?;
                        }
                        Ok(())
                    }
                }
            }
            ServerPacket::SubAck(ack) => {
                match self.engine.answered(ack.msg_id, RequestKind::Subscribe) {
                    Some(entry) => self
                        .engine
                        .deliver(ClientEvent::Subscribed { id: entry.id, ack }),
                    None => self.engine.unmatched(MessageType::SUBACK, Some(ack.msg_id)),
                }
            }
            ServerPacket::UnsubAck(ack) => {
                match self.engine.answered(ack.msg_id, RequestKind::Unsubscribe) {
                    Some(entry) => self
                        .engine
                        .deliver(ClientEvent::Unsubscribed { id: entry.id }),
                    None => self
                        .engine
                        .unmatched(MessageType::UNSUBACK, Some(ack.msg_id)),
                }
            }
            ServerPacket::PingResp(_) => match self.pinger.ping_sent.take() {
                None => self.engine.unmatched(MessageType::PINGRESP, None),
                Some(sent) if std::mem::take(&mut self.pinger.requested) => {
                    let rtt = self.engine.now.saturating_duration_since(sent);
                    self.engine.deliver(ClientEvent::Pong { rtt })
                }
                Some(_) => Ok(()),
            },
            other => Err(ProtocolViolation::UnexpectedPacket { kind: other.kind() }),
        }
    }

    fn content_hash(&self, p: &ServerPublish<Bytes>) -> u64 {
        self.engine
            .hasher
            .hash(&[p.topic.as_bytes(), p.target_id.as_bytes(), &p.data])
    }

    fn on_publish(&mut self, p: ServerPublish<Bytes>) -> Result<(), ProtocolViolation> {
        if !p.flags.qos.needs_ack() {
            return self.engine.deliver(ClientEvent::Message { publish: p });
        }
        let hash = self.content_hash(&p);
        // Answered on arrival, a copy included (its PUBACK may be what the server missed).
        self.engine
            .answer(ClientPacket::from(ClientPubAck::new(p.msg_id)))?;
        if self.dedup.get(&p.msg_id) == Some(&hash) {
            self.engine.duplicate();
            return Ok(());
        }
        self.dedup.insert(p.msg_id, hash);
        self.engine.deliver(ClientEvent::Message { publish: p })
    }

    fn on_sync_copy(&mut self, p: ServerPublish<Bytes>) -> Result<(), ProtocolViolation> {
        if UNPAIRED_TOPICS.contains(&&*p.topic) {
            return self.engine.deliver(ClientEvent::Synced(SyncedMessage {
                publish: p,
                ack: None,
            }));
        }
        let hash = self.content_hash(&p);
        let deadline = self.engine.after(self.engine.config.request_timeout);
        if self.sync.park(p, hash, deadline)? == Parked::Duplicate {
            self.engine.duplicate();
        }
        Ok(())
    }

    fn on_puback(&mut self, ack: ServerPubAck<Bytes>) -> Result<(), ProtocolViolation> {
        if let Some(entry) = self.engine.answered(ack.msg_id, RequestKind::Publish) {
            return self
                .engine
                .deliver(ClientEvent::PublishAcked { id: entry.id, ack });
        }
        if let Some(publish) = self.sync.complete(ack.msg_id) {
            return self.engine.deliver(ClientEvent::Synced(SyncedMessage {
                publish,
                ack: Some(ack),
            }));
        }
        self.engine.unmatched(MessageType::PUBACK, Some(ack.msg_id))
    }

    // ---- timers ----------------------------------------------------------------------------

    /// When [`handle_timeout`](Self::handle_timeout) must be called next: the handshake
    /// timeout, the keep-alive, a request's timeout or resend, a sync copy's timeout; or the
    /// last time seen, when buffered input can be processed again. `None` once closed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let role = match self.state {
            State::Closed => return None,
            State::AwaitingConnAck { deadline } => deadline,
            State::Connected => self
                .pinger
                .deadline(self.engine.last_sent, self.engine.last_received),
        };
        [
            role,
            self.engine.next_timeout(self.resumable()),
            self.sync.next_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs what is due at `now` (early calls do nothing harmful), then processes buffered
    /// input if it was paused.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.engine.observe(now);
        let now = self.engine.now;
        match self.state {
            State::Closed => return,
            State::AwaitingConnAck { deadline } => {
                if deadline.is_some_and(|d| d <= now) {
                    self.close_with(CloseReason::HandshakeTimeout, None, false);
                    return;
                }
            }
            State::Connected => {
                match self
                    .pinger
                    .due(now, self.engine.last_sent, self.engine.last_received)
                {
                    Some(Due::Ping) => {
                        self.pinger.ping_sent = Some(now);
                        self.engine.queue(ClientPacket::from(PingReq::default()));
                    }
                    Some(Due::GiveUp) => {
                        self.close_with(CloseReason::KeepAliveTimeout, None, false);
                        return;
                    }
                    None => {}
                }
            }
        }
        for (msg_id, id, kind) in self.engine.expire_requests() {
            self.engine
                .notify(ClientEvent::TimedOut { id, kind, msg_id });
        }
        for publish in self.sync.expire(now) {
            self.engine.stats.timeouts = self.engine.stats.timeouts.saturating_add(1);
            self.engine
                .notify(ClientEvent::Synced(SyncedMessage { publish, ack: None }));
        }
        self.process_input();
    }

    // ---- output ----------------------------------------------------------------------------

    /// The next packet to send, or `None`. Call until `None` after every other call.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<ClientPacket<Bytes>> {
        self.engine.poll_transmit(now)
    }

    /// The next packet to send, encoded with [`Config::framing`] (one WebSocket message in
    /// message framing).
    pub fn poll_transmit_bytes(&mut self, now: Instant) -> Option<Bytes> {
        self.engine.poll_transmit_bytes(now)
    }

    /// The next event for the app, or `None`.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.engine.poll_event()
    }

    // ---- state -----------------------------------------------------------------------------

    /// Whether the CONNACK accepted the connection and the session is not closed.
    pub fn is_connected(&self) -> bool {
        self.state == State::Connected
    }

    /// Whether the session is closed (then only queued packets and events remain to poll).
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// Why the session closed.
    pub fn close_reason(&self) -> Option<&CloseReason> {
        self.engine.closed.as_ref()
    }

    /// After close: the requests that got no answer, oldest first, to send again on a new
    /// connection (the tim profile's resumption) — each with the msgId of the old connection,
    /// which the new session replaces. Empty while open.
    pub fn drain_unacknowledged(&mut self) -> Vec<Unacknowledged<ClientPacket<Bytes>>> {
        self.engine.drain_unacknowledged()
    }

    /// The table sizes and counters.
    pub fn stats(&self) -> Stats {
        let mut s = self.engine.stats();
        s.dedup_entries = self.dedup.len();
        s.pending_sync = self.sync.len();
        s
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.engine.config
    }

    /// The ping interval (`None`: no pings).
    pub fn keep_alive(&self) -> Option<std::time::Duration> {
        self.pinger.interval
    }
}

impl Machine for ClientSession {
    type In = ServerPacket<Bytes>;
    type Out = ClientPacket<Bytes>;
    type Event = ClientEvent;

    fn engine(&self) -> &Engine<Self::Out, Self::Event> {
        &self.engine
    }

    fn engine_mut(&mut self) -> &mut Engine<Self::Out, Self::Event> {
        &mut self.engine
    }

    fn on_packet(&mut self, packet: ServerPacket<Bytes>) -> Result<(), ProtocolViolation> {
        if let ServerPacket::Disconnect(d) = packet {
            self.close_with(CloseReason::Peer { status: d.status }, None, false);
            return Ok(());
        }
        match self.state {
            State::Closed => Ok(()),
            State::AwaitingConnAck { .. } => match packet {
                ServerPacket::ConnAck(ack) if ack.status.value() == 0 => {
                    self.state = State::Connected;
                    self.engine.last_received = self.engine.now;
                    self.engine.deliver(ClientEvent::Connected {
                        session: ack.session,
                    })
                }
                ServerPacket::ConnAck(ack) => {
                    self.engine
                        .deliver(ClientEvent::Refused { status: ack.status })?;
                    self.close_with(CloseReason::Refused { status: ack.status }, None, false);
                    Ok(())
                }
                other => Err(ProtocolViolation::ExpectedConnAck { got: other.kind() }),
            },
            State::Connected => self.on_connected(packet),
        }
    }

    fn on_close(&mut self) {
        self.state = State::Closed;
        self.sync.clear();
        self.dedup.clear();
    }
}

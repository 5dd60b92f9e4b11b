//! What both roles share: the input buffer, the transmit and event queues, the msgIds, the
//! in-flight table, the clock and the close procedure.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use timwire_signal::{
    Decode, DecodeError, Disconnect, DisconnectStatus, Encode, EncodeOptions, Frame, Framing,
    MessageType, StreamDecoder,
};

use crate::config::Config;
use crate::dedup::{ContentHasher, Ring};
use crate::error::{CloseReason, ProtocolViolation, SubmitError};
use crate::event::{RequestId, RequestKind, Stats, Unacknowledged, Window};
use crate::inflight::{Entry, Expired, Inflight, Resend};
use crate::msgid::MsgIds;

/// An event type the shared engine can raise.
pub(crate) trait RoleEvent {
    fn window_open(window: Window) -> Self;
    fn closed(reason: CloseReason) -> Self;
}

/// A packet the shared engine can send.
pub(crate) trait RolePacket: Clone + Encode + From<Disconnect> {
    /// Marks a copy of a request as a resend.
    fn mark_resend(&mut self);
}

/// An entry of the transmit queue.
#[derive(Debug, Clone)]
enum Queued<P> {
    Packet(P),
    /// The in-flight request with this msgId (looked up when handed out, so a request answered
    /// or timed out meanwhile is skipped).
    Request(u16),
}

/// Bytes fed and not yet processed.
#[derive(Debug)]
enum Input {
    Stream {
        buf: BytesMut,
        decoder: StreamDecoder,
        /// The next frame, decoded ahead so that `has_frame` is known.
        ahead: Option<Result<Frame<Bytes>, DecodeError>>,
    },
    Message {
        queue: VecDeque<Bytes>,
        bytes: usize,
    },
}

/// What a message queued in message framing costs beyond its bytes, so a flood of tiny
/// messages is bounded too.
const MESSAGE_OVERHEAD: usize = 64;

impl Input {
    fn new(framing: Framing, max_body: usize) -> Self {
        match framing {
            Framing::Message => Self::Message {
                queue: VecDeque::new(),
                bytes: 0,
            },
            Framing::Stream => Self::Stream {
                buf: BytesMut::new(),
                decoder: StreamDecoder::with_max_body(max_body),
                ahead: None,
            },
        }
    }

    fn buffered(&self) -> usize {
        match self {
            Self::Stream { buf, ahead, .. } => {
                let ahead = match ahead {
                    Some(Ok(frame)) => frame.body.len().saturating_add(1),
                    _ => 0,
                };
                buf.len().saturating_add(ahead)
            }
            Self::Message { bytes, .. } => *bytes,
        }
    }

    fn has_frame(&self) -> bool {
        match self {
            Self::Stream { ahead, .. } => ahead.is_some(),
            Self::Message { queue, .. } => !queue.is_empty(),
        }
    }

    /// Decodes the next frame ahead, if the bytes are there.
    fn look_ahead(&mut self) {
        if let Self::Stream {
            buf,
            decoder,
            ahead,
        } = self
        {
            if ahead.is_none() && !buf.is_empty() {
                *ahead = decoder.decode(buf).transpose();
            }
        }
    }

    fn next_frame(&mut self) -> Option<Result<Frame<Bytes>, DecodeError>> {
        self.look_ahead();
        match self {
            Self::Stream { ahead, .. } => ahead.take(),
            Self::Message { queue, bytes } => {
                let message = queue.pop_front()?;
                *bytes = bytes.saturating_sub(message.len().saturating_add(MESSAGE_OVERHEAD));
                Some(Frame::from_message(message))
            }
        }
    }

    fn clear(&mut self) {
        match self {
            Self::Stream { buf, ahead, .. } => {
                *buf = BytesMut::new();
                *ahead = None;
            }
            Self::Message { queue, bytes } => {
                queue.clear();
                *bytes = 0;
            }
        }
    }
}

/// The state both roles share.
#[derive(Debug)]
pub(crate) struct Engine<P, E> {
    pub(crate) config: Config,
    pub(crate) encode: EncodeOptions,
    /// The latest time seen.
    pub(crate) now: Instant,
    pub(crate) closed: Option<CloseReason>,
    outbox: VecDeque<Queued<P>>,
    events: VecDeque<E>,
    input: Input,
    pub(crate) ids: MsgIds,
    pub(crate) inflight: Inflight<P>,
    /// Answers that may still come for requests that timed out or were answered after being
    /// resent: (answer type, msgId) → how many.
    late: Ring<(MessageType, u16), u32>,
    pub(crate) hasher: ContentHasher,
    next_request: u64,
    /// Whether each window refused a request since it last had room: (publish, request).
    blocked: (bool, bool),
    /// When a packet was last handed out.
    pub(crate) last_sent: Instant,
    /// When a complete frame last came in.
    pub(crate) last_received: Instant,
    pub(crate) stats: Stats,
}

impl<P: RolePacket, E: RoleEvent> Engine<P, E> {
    pub(crate) fn new(config: Config, now: Instant) -> Self {
        let encode = config.encode_options();
        Self {
            input: Input::new(config.framing, config.limits.max_body),
            ids: MsgIds::starting_at(config.first_msg_id),
            late: Ring::new(config.limits.late_answer_memory),
            encode,
            now,
            closed: None,
            outbox: VecDeque::new(),
            events: VecDeque::new(),
            inflight: Inflight::default(),
            hasher: ContentHasher::default(),
            next_request: 0,
            blocked: (false, false),
            last_sent: now,
            last_received: now,
            stats: Stats::default(),
            config,
        }
    }

    /// Moves the clock forward (never back: an earlier `now` is ignored).
    pub(crate) fn observe(&mut self, now: Instant) {
        self.now = self.now.max(now);
    }

    pub(crate) fn after(&self, d: Duration) -> Option<Instant> {
        self.now.checked_add(d)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.is_some()
    }

    // ---- input ---------------------------------------------------------------------------

    /// Buffers input; too much is a violation.
    pub(crate) fn feed(&mut self, data: &[u8]) -> Result<(), ProtocolViolation> {
        self.check_input(data.len())?;
        match &mut self.input {
            Input::Stream { buf, .. } => buf.extend_from_slice(data),
            Input::Message { .. } => return self.feed_message(Bytes::copy_from_slice(data)),
        }
        self.input.look_ahead();
        Ok(())
    }

    /// Buffers one transport message (message framing), or bytes (stream framing).
    pub(crate) fn feed_message(&mut self, message: Bytes) -> Result<(), ProtocolViolation> {
        let cost = message.len().saturating_add(MESSAGE_OVERHEAD);
        match &mut self.input {
            Input::Stream { .. } => return self.feed(&message),
            Input::Message { .. } => self.check_input(cost)?,
        }
        if let Input::Message { queue, bytes } = &mut self.input {
            queue.push_back(message);
            *bytes = bytes.saturating_add(cost);
        }
        Ok(())
    }

    fn check_input(&self, more: usize) -> Result<(), ProtocolViolation> {
        let limit = self.config.limits.max_buffered_input;
        if self.input.buffered().saturating_add(more) > limit {
            return Err(ProtocolViolation::InputOverflow { limit });
        }
        Ok(())
    }

    /// Whether the queues leave room for another frame's answer and event.
    pub(crate) fn queues_have_room(&self) -> bool {
        self.events.len() < self.config.limits.max_queued_events
            && self.outbox.len() < self.config.limits.max_queued_transmits
    }

    pub(crate) fn has_frame(&self) -> bool {
        self.input.has_frame()
    }

    pub(crate) fn next_frame(&mut self) -> Option<Result<Frame<Bytes>, DecodeError>> {
        let frame = self.input.next_frame();
        if matches!(frame, Some(Ok(_))) {
            self.stats.frames_received = self.stats.frames_received.saturating_add(1);
            self.last_received = self.now;
        }
        frame
    }

    /// Decodes the next frame ahead after processing stopped, so `has_frame` is current.
    pub(crate) fn look_ahead(&mut self) {
        self.input.look_ahead();
    }

    // ---- output --------------------------------------------------------------------------

    /// Queues an answer the peer's packet calls for; a full queue is the peer's doing.
    pub(crate) fn answer(&mut self, packet: P) -> Result<(), ProtocolViolation> {
        let limit = self.config.limits.max_queued_transmits;
        if self.outbox.len() >= limit {
            return Err(ProtocolViolation::TransmitQueueFull { limit });
        }
        self.outbox.push_back(Queued::Packet(packet));
        Ok(())
    }

    /// Queues a packet whose number is bounded elsewhere (an app answer to a pending request,
    /// a PINGREQ, a CONNACK, a DISCONNECT).
    pub(crate) fn queue(&mut self, packet: P) {
        self.outbox.push_back(Queued::Packet(packet));
    }

    /// Queues a packet the app sends: checked for size and queue room.
    pub(crate) fn queue_app(&mut self, packet: P) -> Result<(), SubmitError> {
        self.check_app(&packet, 1)?;
        self.queue(packet);
        Ok(())
    }

    /// Checks that `packet` encodes and that `slots` packets fit in the queue.
    pub(crate) fn check_app(&self, packet: &P, slots: usize) -> Result<(), SubmitError> {
        let limit = self.config.limits.max_queued_transmits;
        if self.outbox.len().saturating_add(slots) > limit {
            return Err(SubmitError::QueueFull { limit });
        }
        self.check_encode(packet)
    }

    pub(crate) fn check_encode(&self, packet: &P) -> Result<(), SubmitError> {
        packet.encoded_len(self.config.framing, &self.encode)?;
        Ok(())
    }

    /// Takes a msgId for a packet that awaits no answer (qos 0, a sync copy): the sequence
    /// moves on, the id is free again at once.
    pub(crate) fn passing_msg_id(
        &mut self,
        avoid: impl Fn(u16) -> bool,
    ) -> Result<u16, SubmitError> {
        let id = self.allocate_avoiding(avoid)?;
        self.ids.release(id);
        Ok(id)
    }

    /// Takes the next free msgId for which `avoid` is false (a server avoids the msgIds of the
    /// client's requests it holds: RongCloud's engine 4.4.2 takes any packet with a msgId it
    /// awaits as that request's answer). The ids skipped are free again afterwards; at most
    /// as many are skipped as `avoid` is true for.
    fn allocate_avoiding(&mut self, avoid: impl Fn(u16) -> bool) -> Result<u16, SubmitError> {
        let mut skipped = Vec::new();
        let found = loop {
            let Some(id) = self.ids.allocate() else {
                break None;
            };
            if !avoid(id) {
                break Some(id);
            }
            skipped.push(id);
        };
        for id in skipped {
            self.ids.release(id);
        }
        found.ok_or(SubmitError::NoMsgId)
    }

    /// Submits a request that awaits an answer: window, queue room, msgId, size.
    /// `avoid` as in [`allocate_avoiding`](Self::allocate_avoiding).
    pub(crate) fn submit(
        &mut self,
        kind: RequestKind,
        avoid: impl Fn(u16) -> bool,
        build: impl FnOnce(u16) -> P,
    ) -> Result<(RequestId, u16), SubmitError> {
        let window = kind.window();
        let limit = match window {
            Window::Publish => self.config.limits.max_inflight_publishes,
            Window::Request => self.config.limits.max_inflight_requests,
        };
        if self.inflight.count(window) >= limit {
            *self.blocked_mut(window) = true;
            return Err(SubmitError::WindowFull { window, limit });
        }
        let queue_limit = self.config.limits.max_queued_transmits;
        if self.outbox.len() >= queue_limit {
            return Err(SubmitError::QueueFull { limit: queue_limit });
        }
        let msg_id = self.allocate_avoiding(avoid)?;
        let packet = build(msg_id);
        if let Err(e) = self.check_encode(&packet) {
            self.ids.release(msg_id);
            return Err(e);
        }
        let id = self.request_id();
        self.inflight.insert(
            msg_id,
            Entry {
                id,
                kind,
                packet,
                deadline: self.after(self.config.request_timeout),
                last_sent: None,
                sends: 0,
                queued: true,
            },
        );
        self.outbox.push_back(Queued::Request(msg_id));
        Ok((id, msg_id))
    }

    pub(crate) fn request_id(&mut self) -> RequestId {
        self.next_request = self.next_request.saturating_add(1);
        RequestId(self.next_request)
    }

    /// The next packet to send.
    pub(crate) fn poll_transmit(&mut self, now: Instant) -> Option<P> {
        self.observe(now);
        while let Some(queued) = self.outbox.pop_front() {
            let packet = match queued {
                Queued::Packet(p) => p,
                Queued::Request(msg_id) => {
                    let Some((packet, sent_before)) = self.inflight.hand_out(msg_id, self.now)
                    else {
                        continue;
                    };
                    let mut p = packet.clone();
                    if sent_before > 0 {
                        p.mark_resend();
                    }
                    p
                }
            };
            self.stats.frames_sent = self.stats.frames_sent.saturating_add(1);
            self.last_sent = self.now;
            return Some(packet);
        }
        None
    }

    /// The next packet, encoded with the configured framing.
    pub(crate) fn poll_transmit_bytes(&mut self, now: Instant) -> Option<Bytes> {
        // Every queued packet was checked when it was queued, so encoding does not fail; were
        // it to, the packet is skipped rather than the engine panicking.
        while let Some(packet) = self.poll_transmit(now) {
            if let Ok(bytes) = packet.to_bytes(self.config.framing, &self.encode) {
                return Some(bytes);
            }
        }
        None
    }

    // ---- events --------------------------------------------------------------------------

    /// Queues an event the peer's packet causes; a full queue is the peer's doing.
    pub(crate) fn deliver(&mut self, event: E) -> Result<(), ProtocolViolation> {
        let limit = self.config.limits.max_queued_events;
        if self.events.len() >= limit {
            return Err(ProtocolViolation::EventQueueFull { limit });
        }
        self.events.push_back(event);
        Ok(())
    }

    /// Queues an event whose number is bounded elsewhere (timeouts, window, close).
    pub(crate) fn notify(&mut self, event: E) {
        self.events.push_back(event);
    }

    pub(crate) fn poll_event(&mut self) -> Option<E> {
        self.events.pop_front()
    }

    /// A slot of `window` was freed: tell the app if it was refused one.
    pub(crate) fn freed(&mut self, window: Window) {
        if std::mem::take(self.blocked_mut(window)) {
            self.notify(E::window_open(window));
        }
    }

    fn blocked_mut(&mut self, window: Window) -> &mut bool {
        match window {
            Window::Publish => &mut self.blocked.0,
            Window::Request => &mut self.blocked.1,
        }
    }

    // ---- answers -------------------------------------------------------------------------

    /// Removes the request `msg_id` of `kind` that an answer matched, freeing its msgId and
    /// window slot.
    pub(crate) fn answered(&mut self, msg_id: u16, kind: RequestKind) -> Option<Entry<P>> {
        let entry = self.inflight.take(msg_id, kind)?;
        self.ids.release(msg_id);
        // A request sent more than once may be answered more than once: the extra answers
        // are late, not strays.
        self.expect_late(answer_type(kind), msg_id, entry.sends.saturating_sub(1));
        self.freed(kind.window());
        Some(entry)
    }

    /// Remembers that up to `count` answers `answer` for `msg_id` may still come, late.
    pub(crate) fn expect_late(&mut self, answer: MessageType, msg_id: u16, count: u32) {
        if count > 0 {
            self.late.insert((answer, msg_id), count);
        }
    }

    /// An answer that matched nothing: late (dropped) or stray (counted, limited).
    pub(crate) fn unmatched(
        &mut self,
        answer: MessageType,
        msg_id: Option<u16>,
    ) -> Result<(), ProtocolViolation> {
        if let Some(msg_id) = msg_id {
            if let Some(count) = self.late.remove(&(answer, msg_id)) {
                self.expect_late(answer, msg_id, count.saturating_sub(1));
                self.stats.late_answers = self.stats.late_answers.saturating_add(1);
                return Ok(());
            }
        }
        self.stats.stray_answers = self.stats.stray_answers.saturating_add(1);
        let limit = self.config.limits.max_stray_answers;
        if self.stats.stray_answers > limit {
            return Err(ProtocolViolation::TooManyStrayAnswers { limit });
        }
        Ok(())
    }

    pub(crate) fn duplicate(&mut self) {
        self.stats.duplicates = self.stats.duplicates.saturating_add(1);
    }

    // ---- timers --------------------------------------------------------------------------

    pub(crate) fn resend(&self) -> Option<Resend> {
        self.config.resends().then_some(Resend {
            interval: self.config.retransmit_interval,
            max: self.config.max_retransmits,
        })
    }

    /// The earliest in-flight deadline, or now when buffered input can be processed.
    pub(crate) fn next_timeout(&self, resumable: bool) -> Option<Instant> {
        if self.is_closed() {
            return None;
        }
        let input = resumable.then_some(self.now);
        [input, self.inflight.next_timeout(self.resend())]
            .into_iter()
            .flatten()
            .min()
    }

    /// Expires requests (queueing resends); returns the timed-out ones for the role to report.
    pub(crate) fn expire_requests(&mut self) -> Vec<(u16, RequestId, RequestKind)> {
        let Expired { timed_out, resend } = self.inflight.expire(self.now, self.resend());
        for msg_id in resend {
            self.outbox.push_back(Queued::Request(msg_id));
            self.stats.retransmits = self.stats.retransmits.saturating_add(1);
        }
        let mut reported = Vec::with_capacity(timed_out.len());
        for (msg_id, id, kind, sends) in timed_out {
            self.ids.release(msg_id);
            // Every transmission may still be answered (at least the one awaited).
            self.expect_late(answer_type(kind), msg_id, sends.max(1));
            self.stats.timeouts = self.stats.timeouts.saturating_add(1);
            self.freed(kind.window());
            reported.push((msg_id, id, kind));
        }
        reported
    }

    // ---- closing -------------------------------------------------------------------------

    /// Closes the session: `graceful` keeps what was queued, otherwise it is dropped; a
    /// DISCONNECT with `disconnect` goes last. Reports [`CloseReason`] as the last event.
    pub(crate) fn close(
        &mut self,
        reason: CloseReason,
        disconnect: Option<DisconnectStatus>,
        graceful: bool,
    ) {
        if self.is_closed() {
            return;
        }
        if !graceful {
            self.outbox.clear();
        }
        if let Some(status) = disconnect {
            self.queue(P::from(Disconnect::new(status)));
        }
        self.input.clear();
        self.late.clear();
        self.closed = Some(reason.clone());
        self.notify(E::closed(reason));
    }

    /// Closes the session for a peer's violation.
    pub(crate) fn violation(&mut self, violation: ProtocolViolation) {
        let status = self.config.close_status;
        self.close(
            CloseReason::Violation { violation, status },
            Some(status),
            false,
        );
    }

    /// After close: the requests still awaiting answers, oldest first.
    pub(crate) fn drain_unacknowledged(&mut self) -> Vec<Unacknowledged<P>> {
        if !self.is_closed() {
            return Vec::new();
        }
        self.inflight
            .drain()
            .into_iter()
            .map(|e| Unacknowledged {
                id: e.id,
                packet: e.packet,
            })
            .collect()
    }

    /// The shared part of [`Stats`].
    pub(crate) fn stats(&self) -> Stats {
        let mut s = self.stats;
        s.inflight_publishes = self.inflight.count(Window::Publish);
        s.inflight_requests = self.inflight.count(Window::Request);
        s.late_entries = self.late.len();
        s.queued_transmits = self.outbox.len();
        s.queued_events = self.events.len();
        s.buffered_input = self.input.buffered();
        s.msg_ids_in_use = self.ids.in_use();
        s
    }
}

/// The answer a request of `kind` waits for.
pub(crate) fn answer_type(kind: RequestKind) -> MessageType {
    match kind {
        RequestKind::Publish => MessageType::PUBACK,
        RequestKind::Query => MessageType::QUERYACK,
        RequestKind::Subscribe => MessageType::SUBACK,
        RequestKind::Unsubscribe => MessageType::UNSUBACK,
    }
}

/// One role's half of a session. The role handles packets and keeps its own tables; the input
/// flow (buffer, pause, decode, dispatch) and the close procedure are the same for both and
/// provided here.
pub(crate) trait Machine {
    /// What the peer sends.
    type In: Decode<Bytes>;
    /// What we send.
    type Out: RolePacket;
    /// What the app is told.
    type Event: RoleEvent;

    fn engine(&self) -> &Engine<Self::Out, Self::Event>;
    fn engine_mut(&mut self) -> &mut Engine<Self::Out, Self::Event>;

    /// Whether the role holds input back whatever the queues say (a server awaiting the app's
    /// accept).
    fn holds_input(&self) -> bool {
        false
    }

    /// Handles one packet from the peer.
    fn on_packet(&mut self, packet: Self::In) -> Result<(), ProtocolViolation>;

    /// Marks the role's state closed and forgets its tables.
    fn on_close(&mut self);

    fn paused(&self) -> bool {
        self.holds_input() || !self.engine().queues_have_room()
    }

    /// Whether the driver should read: open, not paused, nothing complete waiting.
    fn reads(&self) -> bool {
        !self.engine().is_closed() && !self.paused() && !self.engine().has_frame()
    }

    /// Whether buffered input can be processed now.
    fn resumable(&self) -> bool {
        !self.engine().is_closed() && !self.paused() && self.engine().has_frame()
    }

    /// Buffers input with `feed`, then processes what is complete.
    fn input(
        &mut self,
        now: Instant,
        feed: impl FnOnce(&mut Engine<Self::Out, Self::Event>) -> Result<(), ProtocolViolation>,
    ) {
        self.engine_mut().observe(now);
        if self.engine().is_closed() {
            return;
        }
        match feed(self.engine_mut()) {
            Ok(()) => self.process_input(),
            Err(v) => self.violate(v),
        }
    }

    fn input_bytes(&mut self, now: Instant, data: &[u8]) {
        self.input(now, |engine| engine.feed(data));
    }

    fn input_message(&mut self, now: Instant, message: Bytes) {
        self.input(now, |engine| engine.feed_message(message));
    }

    fn input_packet(&mut self, now: Instant, packet: Self::In) {
        let engine = self.engine_mut();
        engine.observe(now);
        if engine.is_closed() {
            return;
        }
        engine.stats.frames_received = engine.stats.frames_received.saturating_add(1);
        engine.last_received = engine.now;
        if let Err(v) = self.on_packet(packet) {
            self.violate(v);
        }
    }

    /// Decodes and handles buffered frames until none is complete, input pauses or the
    /// session closes.
    fn process_input(&mut self) {
        while !self.engine().is_closed() && !self.paused() {
            let Some(frame) = self.engine_mut().next_frame() else {
                break;
            };
            let result = frame
                .and_then(Self::In::decode_owned)
                .map_err(ProtocolViolation::from)
                .and_then(|packet| self.on_packet(packet));
            if let Err(v) = result {
                self.violate(v);
            }
        }
        self.engine_mut().look_ahead();
    }

    /// Closes the session (see [`Engine::close`]).
    fn close_with(
        &mut self,
        reason: CloseReason,
        disconnect: Option<DisconnectStatus>,
        graceful: bool,
    ) {
        self.on_close();
        self.engine_mut().close(reason, disconnect, graceful);
    }

    /// The app closes the session: a DISCONNECT with `status` after what is queued.
    fn disconnect_with(
        &mut self,
        now: Instant,
        status: DisconnectStatus,
    ) -> Result<(), SubmitError> {
        self.engine_mut().observe(now);
        if self.engine().is_closed() {
            return Err(SubmitError::Closed);
        }
        self.close_with(CloseReason::Local { status }, Some(status), true);
        Ok(())
    }

    /// Closes the session for the peer's violation.
    fn violate(&mut self, violation: ProtocolViolation) {
        self.on_close();
        self.engine_mut().violation(violation);
    }
}

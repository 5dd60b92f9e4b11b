//! Shared test helpers: a fake clock (an `Instant` plus offsets; nothing sleeps), engines in
//! a known state, and a pump that moves bytes between a client and a server engine.
#![allow(dead_code, unreachable_pub)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use timwire_session::{
    ClientEvent, ClientSession, CloseReason, Config, Profile, ServerEvent, ServerSession,
};
use timwire_signal::{
    ClientPacket, ConnAck, Connect, DisconnectStatus, Encode, EncodeOptions, Framing, ServerPacket,
};

/// `t0 + ms` milliseconds.
pub fn at(t0: Instant, ms: u64) -> Instant {
    t0 + Duration::from_millis(ms)
}

/// `t0 + s` seconds.
pub fn sec(t0: Instant, s: u64) -> Instant {
    t0 + Duration::from_secs(s)
}

pub fn config(profile: Profile) -> Config {
    Config::new(profile)
}

/// A client that sent CONNECT (keep-alive 30 s) and got an accepting CONNACK at `t0`; its
/// transmits and events are drained.
pub fn connected_client(config: Config, t0: Instant) -> ClientSession {
    let mut c = ClientSession::new(config, t0, Connect::new("phone")).unwrap();
    assert!(matches!(
        c.poll_transmit(t0),
        Some(ClientPacket::Connect(_))
    ));
    c.handle_packet(t0, ServerPacket::from(ConnAck::accepted("alice", "s1", 0)));
    assert!(matches!(
        c.poll_event(),
        Some(ClientEvent::Connected { .. })
    ));
    assert!(c.is_connected());
    c
}

/// A server that got a CONNECT with `keep_alive` seconds at `t0` and accepted it; its
/// transmits and events are drained.
pub fn connected_server(config: Config, t0: Instant, keep_alive: u16) -> ServerSession {
    let mut s = ServerSession::new(config, t0);
    let mut connect = Connect::new("phone");
    connect.keep_alive = keep_alive;
    s.handle_packet(t0, ClientPacket::from(connect));
    assert!(matches!(s.poll_event(), Some(ServerEvent::Connect { .. })));
    s.accept(t0, ConnAck::accepted("alice", "s1", 0)).unwrap();
    assert!(matches!(
        s.poll_transmit(t0),
        Some(ServerPacket::ConnAck(_))
    ));
    assert!(s.is_connected());
    s
}

pub fn client_out(c: &mut ClientSession, now: Instant) -> Vec<ClientPacket> {
    std::iter::from_fn(|| c.poll_transmit(now)).collect()
}

pub fn server_out(s: &mut ServerSession, now: Instant) -> Vec<ServerPacket> {
    std::iter::from_fn(|| s.poll_transmit(now)).collect()
}

pub fn client_events(c: &mut ClientSession) -> Vec<ClientEvent> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

pub fn server_events(s: &mut ServerSession) -> Vec<ServerEvent> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

/// A client packet in stream framing.
pub fn wire_c(p: impl Into<ClientPacket>) -> Bytes {
    p.into()
        .to_bytes(Framing::Stream, &EncodeOptions::default())
        .unwrap()
}

/// A server packet in stream framing.
pub fn wire_s(p: impl Into<ServerPacket>) -> Bytes {
    p.into()
        .to_bytes(Framing::Stream, &EncodeOptions::default())
        .unwrap()
}

/// The last event is `Closed`; returns its reason.
pub fn closed_reason_c(events: &[ClientEvent]) -> CloseReason {
    match events.last() {
        Some(ClientEvent::Closed { reason }) => reason.clone(),
        other => panic!("expected Closed last, got {other:?}"),
    }
}

/// The last event is `Closed`; returns its reason.
pub fn closed_reason_s(events: &[ServerEvent]) -> CloseReason {
    match events.last() {
        Some(ServerEvent::Closed { reason }) => reason.clone(),
        other => panic!("expected Closed last, got {other:?}"),
    }
}

/// The server's last transmit is a DISCONNECT with `status`, and nothing follows.
pub fn assert_server_disconnects(s: &mut ServerSession, now: Instant, status: DisconnectStatus) {
    let out = server_out(s, now);
    match out.last() {
        Some(ServerPacket::Disconnect(d)) => assert_eq!(d.status, status),
        other => panic!("expected a DISCONNECT last, got {other:?}"),
    }
    assert!(s.is_closed());
    assert_eq!(s.poll_transmit(now), None);
    assert_eq!(s.poll_timeout(), None);
}

/// The client's last transmit is a DISCONNECT with `status`.
pub fn assert_client_disconnects(c: &mut ClientSession, now: Instant, status: DisconnectStatus) {
    let out = client_out(c, now);
    match out.last() {
        Some(ClientPacket::Disconnect(d)) => assert_eq!(d.status, status),
        other => panic!("expected a DISCONNECT last, got {other:?}"),
    }
    assert!(c.is_closed());
    assert_eq!(c.poll_timeout(), None);
}

/// A client and a server engine connected by two in-memory byte pipes.
pub struct Pair {
    pub client: ClientSession,
    pub server: ServerSession,
    pub now: Instant,
    /// Every packet that crossed, in order, for assertions: (from client?, header byte).
    pub log: Vec<(bool, u8)>,
}

impl Pair {
    pub fn new(client: ClientSession, server: ServerSession, now: Instant) -> Self {
        Self {
            client,
            server,
            now,
            log: Vec::new(),
        }
    }

    /// Moves bytes both ways until neither side has anything to send; returns the events
    /// raised meanwhile.
    pub fn pump(&mut self) -> (Vec<ClientEvent>, Vec<ServerEvent>) {
        let (mut ce, mut se) = (Vec::new(), Vec::new());
        loop {
            let mut moved = false;
            while let Some(frame) = self.client.poll_transmit_bytes(self.now) {
                self.log.push((true, frame[0]));
                self.server.handle_bytes(self.now, &frame);
                moved = true;
            }
            while let Some(frame) = self.server.poll_transmit_bytes(self.now) {
                self.log.push((false, frame[0]));
                self.client.handle_bytes(self.now, &frame);
                moved = true;
            }
            // Resume input a full queue paused.
            self.client.handle_timeout(self.now);
            self.server.handle_timeout(self.now);
            ce.extend(std::iter::from_fn(|| self.client.poll_event()));
            se.extend(std::iter::from_fn(|| self.server.poll_event()));
            if !moved {
                return (ce, se);
            }
        }
    }

    /// Advances the clock to `now` and runs both engines' timers.
    pub fn advance_to(&mut self, now: Instant) {
        self.now = now;
        self.client.handle_timeout(now);
        self.server.handle_timeout(now);
    }
}

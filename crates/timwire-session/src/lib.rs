//! The RMTP session rules as a sans-IO state machine, one per connection and role, in the
//! style of quinn-proto's `Connection` and rustls's unbuffered API: the engine does no I/O and
//! reads no clock. The driver passes the current [`Instant`](std::time::Instant) into every
//! call, feeds it what the peer sent, and polls it for packets to send, the next deadline and
//! events for the app.
//!
//! | role | engine | events | requests it makes |
//! |---|---|---|---|
//! | client | [`ClientSession`] | [`ClientEvent`] | [`publish`](ClientSession::publish), [`query`](ClientSession::query), [`subscribe`](ClientSession::subscribe), [`unsubscribe`](ClientSession::unsubscribe), [`ping`](ClientSession::ping), [`disconnect`](ClientSession::disconnect) |
//! | server | [`ServerSession`] | [`ServerEvent`] | [`accept`](ServerSession::accept) / [`refuse`](ServerSession::refuse), answers ([`ack_publish`](ServerSession::ack_publish), [`answer_query`](ServerSession::answer_query), …), [`publish`](ServerSession::publish), [`send_sync_copy`](ServerSession::send_sync_copy), [`disconnect`](ServerSession::disconnect) |
//!
//! Both have the same driver surface:
//!
//! | call | what |
//! |---|---|
//! | `handle_bytes(now, &[u8])` / `handle_message(now, Bytes)` | input with the configured [`Framing`](timwire_signal::Framing) |
//! | `handle_packet(now, packet)` | input already decoded |
//! | `poll_transmit(now)` / `poll_transmit_bytes(now)` | the next packet to send (typed, or encoded) |
//! | `poll_timeout()` → `handle_timeout(now)` | the next deadline, and what to do at it |
//! | `poll_event()` | the next event for the app |
//! | `wants_read()` | whether to read more input (backpressure) |
//! | `stats()` | table sizes and counters ([`Stats`]) |
//!
//! After any call, drain `poll_transmit` and `poll_event` and re-read `poll_timeout`.
//!
//! # What the engine enforces
//!
//! One module per concern documents its rules and defaults:
//!
//! | module | rules |
//! |---|---|
//! | [`handshake`] | CONNECT first and once (server), CONNACK codes, a refused CONNACK (client), DISCONNECT both ways |
//! | [`keepalive`] | client PINGREQ after the keep-alive interval, give-up without PINGRESP; server idle close at 1.5× keep-alive |
//! | [`msgid`] | 1..=65535 then 1 again, never an id still in use |
//! | [`inflight`] | qos-1 windows with backpressure, answer matching, request timeouts, the profiles' delivery models (no resend / resend) |
//! | [`dedup`] | the peer's copies delivered once |
//! | [`query`] | QUERY/QUERYACK/QUERYCON (QUERYCON is automatic), SUBSCRIBE/UNSUBSCRIBE, a server's answers |
//! | [`sync`] | sync copies paired with their PUBACK |
//! | [`limits`] | every table bounded; a peer past a limit is disconnected; input backpressure |
//!
//! # Helpers for a relay server
//!
//! | module | what |
//! |---|---|
//! | [`relay`] | a client's message turned into what its recipients get, per profile (RongCloud's UpStreamMessage → DownStreamMessage, tim's TimMessage with the server's fields), the sender's PUBACK, server times and messageUIds |
//! | [`store`] | an in-memory, bounded message store: per-user mailboxes ordered by server time, pull after a sync time, conversation history, the conversation list |
//!
//! # A driver loop
//!
//! A tokio driver for one connection looks like this (sketch):
//!
//! ```text
//! loop {
//!     while let Some(frame) = conn.poll_transmit_bytes(Instant::now()) { socket.write_all(&frame).await? }
//!     while let Some(event) = conn.poll_event() { app.handle(event, &mut conn) }
//!     if conn.is_closed() { break }
//!     let deadline = conn.poll_timeout();
//!     select! {
//!         n = socket.read(&mut buf), if conn.wants_read() => conn.handle_bytes(Instant::now(), &buf[..n?]),
//!         _ = sleep_until(deadline), if deadline.is_some() => conn.handle_timeout(Instant::now()),
//!     }
//! }
//! ```
//!
//! The same loop runs here with a client and a server engine connected by two byte buffers and
//! a fake clock that jumps to the next deadline instead of sleeping:
//!
//! ```
//! use std::time::{Duration, Instant};
//! use bytes::Bytes;
//! use timwire_session::{ClientEvent, ClientSession, Config, Profile, ServerEvent, ServerSession};
//! use timwire_signal::{AckStatus, ClientPublish, ConnAck, Connect, DisconnectStatus, QoS, ServerPubAck};
//!
//! # fn main() -> Result<(), timwire_session::SubmitError> {
//! let start = Instant::now();
//! let mut now = start;
//! let mut client = ClientSession::new(Config::new(Profile::Tim), now, Connect::new("phone"))?;
//! let mut server = ServerSession::new(Config::new(Profile::Tim), now);
//! let (mut to_server, mut to_client) = (Vec::new(), Vec::new()); // the "sockets"
//! let mut delivered = Vec::new();
//!
//! while !(client.is_closed() && server.is_closed()) {
//!     // Write what the engines queued.
//!     while let Some(frame) = client.poll_transmit_bytes(now) { to_server.extend_from_slice(&frame) }
//!     while let Some(frame) = server.poll_transmit_bytes(now) { to_client.extend_from_slice(&frame) }
//!     // Read, while the engines want input.
//!     let mut progress = false;
//!     if server.wants_read() && !to_server.is_empty() {
//!         server.handle_bytes(now, &std::mem::take(&mut to_server));
//!         progress = true;
//!     }
//!     if client.wants_read() && !to_client.is_empty() {
//!         client.handle_bytes(now, &std::mem::take(&mut to_client));
//!         progress = true;
//!     }
//!     // The app.
//!     while let Some(event) = server.poll_event() {
//!         progress = true;
//!         match event {
//!             ServerEvent::Connect { .. } => server.accept(now, ConnAck::accepted("alice", "s1", 0))?,
//!             ServerEvent::Publish { publish } => {
//!                 delivered.push(publish.data.clone());
//!                 server.ack_publish(now, ServerPubAck::new(publish.msg_id, 1_700_000_000, AckStatus::SUCCESS, 0))?;
//!             }
//!             _ => {}
//!         }
//!     }
//!     while let Some(event) = client.poll_event() {
//!         progress = true;
//!         match event {
//!             ClientEvent::Connected { .. } => {
//!                 let hello = ClientPublish::new(QoS::AtLeastOnce, "timMsg", "bob", 0, Bytes::from_static(b"hello"));
//!                 client.publish(now, hello)?;
//!             }
//!             ClientEvent::PublishAcked { ack, .. } => {
//!                 assert!(ack.status.is_success());
//!                 client.disconnect(now, DisconnectStatus::LOGOUT)?;
//!             }
//!             _ => {}
//!         }
//!     }
//!     // Timers: when nothing else happened, "sleep" until the earliest deadline.
//!     if !progress {
//!         match [client.poll_timeout(), server.poll_timeout()].into_iter().flatten().min() {
//!             Some(deadline) => now = now.max(deadline),
//!             None => break,
//!         }
//!     }
//!     client.handle_timeout(now);
//!     server.handle_timeout(now);
//! }
//! assert_eq!(delivered, [Bytes::from_static(b"hello")]);
//! assert_eq!(now, start); // no timer had to fire
//! # Ok(())
//! # }
//! ```
//!
//! Longer runs (keep-alive, resends, hostile peers, a whole RongCloud pull cycle) are in the
//! crate's `tests/` directory.
//!
//! # What the engine leaves to the app
//!
//! Authentication (the app accepts or refuses a CONNECT), the payloads (decode `data` with
//! `timwire`'s registry by topic), what to answer a request with (status, messageUId, query
//! results), payload-level deduplication across reconnects (TimMessage `id`, messageUId), and
//! the sync time of the RongCloud pull cycle.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Peer input drives this crate: no indexing, unchecked arithmetic or panics outside tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

mod client;
mod config;
pub mod dedup;
mod engine;
mod error;
mod event;
pub mod handshake;
pub mod inflight;
mod insert_order;
pub mod keepalive;
pub mod limits;
pub mod msgid;
pub mod query;
pub mod relay;
mod server;
pub mod store;
pub mod sync;

pub use client::ClientSession;
pub use config::{Config, Profile};
pub use error::{CloseReason, ProtocolViolation, SubmitError};
pub use event::{
    ClientEvent, RequestId, RequestKind, ServerEvent, Stats, SyncedMessage, Unacknowledged, Window,
};
pub use limits::Limits;
pub use server::ServerSession;

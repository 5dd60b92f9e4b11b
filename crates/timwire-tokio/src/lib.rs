//! tokio drivers for the [`timwire_session`] engine: an RMTP [`server`] that accepts TCP
//! (stream framing) and WebSocket (message framing) connections and hands the app typed
//! events, and a [`client`] that connects over either, reconnects and resumes delivery.
//!
//! # The driver loop
//!
//! Each connection is one task that owns its engine and its socket's two halves and loops:
//!
//! 1. move the engine's packets ([`poll_transmit`](timwire_session::ServerSession::poll_transmit))
//!    into the writer, while it holds less than the high-water mark;
//! 2. move the engine's events to the app's channel, while it has room;
//! 3. `select!` on: writing what is queued, room in the event channel (when an event waits),
//!    the app's next command, the socket's next read, and the engine's
//!    [`poll_timeout`](timwire_session::ServerSession::poll_timeout) deadline.
//!
//! One turn handles a burst, not one frame: a command taken brings the others already queued
//! with it (up to 64), and a read brings the WebSocket frames already received (up to 64,
//! while the engine takes input; a TCP read takes every byte ready), so their answers leave
//! in one write. The app can take its events the same way with
//! [`Server::next_events`](server::Server::next_events).
//!
//! The engine keeps every rule and every timer (handshake, keep-alive and idle timeouts,
//! request timeouts, the tim profile's resends); the driver only moves bytes and reads the
//! clock. On TCP the writer is `timwire_signal`'s [`FrameWriter`](timwire_signal::codec::FrameWriter):
//! frames are queued as heads plus shared payloads and written with `write_vectored`. On
//! WebSocket every frame is one binary message.
//!
//! # Backpressure
//!
//! Everything a connection holds is bounded, and a slow connection stalls only itself:
//!
//! | queue | bound | when full |
//! |---|---|---|
//! | bytes waiting for the socket | `high_water` (256 KiB) | the driver stops taking the app's commands and reading input until the socket drains |
//! | the app's commands for one connection | `commands` (256) | `send` waits, `try_send` fails ([`CommandError::Full`]) |
//! | the engine's publish window | [`Limits`](timwire_session::Limits) (32) | the command is parked (and no other taken) until the peer acknowledges |
//! | events for the app | `events` | the connection stops reading its socket until the app catches up |
//! | the engine's own tables | [`Limits`](timwire_session::Limits) | input is paused, or the peer is disconnected |
//!
//! A peer that stops reading fills its own socket and queue; its commands then wait, and its
//! qos-1 pushes time out. No other connection notices.
//!
//! # Reconnect and resume
//!
//! A [`client`] reconnects after a lost connection with exponential [`Backoff`](client::Backoff)
//! and jitter, and resumes as its [`Profile`](timwire_session::Profile) says: tim resends the
//! PUBLISHes left unacknowledged ([`drain_unacknowledged`](timwire_session::ClientSession::drain_unacknowledged))
//! first thing on the new connection; RongCloud resends nothing and the app pulls from its
//! sync time on [`client::Event::Connected`]. Payload-level duplicates across connections
//! (a resend whose first copy did arrive) are the app's to drop, by TimMessage id or
//! messageUId, as the SDKs do.
//!
//! # Shutdown
//!
//! [`Server::shutdown`](server::Server::shutdown) stops the listeners, makes every connection
//! send DISCONNECT, write what it has queued (within `linger`) and close; the event stream
//! ends once the last connection has reported [`Closed`](server::Event::Closed). A client
//! stops on [`ClientHandle::disconnect`](client::ClientHandle::disconnect) (DISCONNECT, then
//! close) or when its handles are all dropped.
//!
//! # WebSocket requests
//!
//! The WebSocket acceptor shows the app the upgrade request ([`WsRequest`]: path, query,
//! headers) before any frame, and the app's [`Admit`] function decides: a client that sends
//! CONNECT, a client that does not (RongCloud's web SDK authenticates in the URL and the
//! server speaks first), or an HTTP refusal. See [`ws`]. Plain HTTP requests on the same port
//! (a web SDK's host probe and navigation) go to an [`HttpHandler`](http::HttpHandler), with
//! CORS headers; see [`http`].
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

pub mod client;
mod engine;
mod error;
pub mod http;
mod prefixed;
pub mod server;
mod transport;
pub mod ws;

pub use error::{CommandError, End, TransportError};
pub use transport::Transport;
pub use ws::{Admission, Admit, WsRequest};

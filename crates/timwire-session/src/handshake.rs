//! The handshake: CONNECT → CONNACK, and DISCONNECT in both directions.
//!
//! # Server
//!
//! * The first packet must be CONNECT. Anything else is
//!   [`ProtocolViolation::ExpectedConnect`](crate::ProtocolViolation::ExpectedConnect): the
//!   engine queues a DISCONNECT ([`Config::close_status`](crate::Config::close_status), REMOTE_CLOSE
//!   by default) and closes. A DISCONNECT is the exception: it ends the session at any time.
//! * The CONNECT is reported as [`ServerEvent::Connect`](crate::ServerEvent::Connect) and input
//!   is paused until the app calls [`accept`](crate::ServerSession::accept) (CONNACK status 0,
//!   optionally with userId, sessionId and time) or [`refuse`](crate::ServerSession::refuse)
//!   (CONNACK with a status from the code table, e.g. TOKEN_INCORRECT 4, then closed: no
//!   DISCONNECT follows a refusing CONNACK). [`check_connect`] applies the checks every server
//!   needs (protocol name and version, clientId length).
//! * A second CONNECT is [`ProtocolViolation::SecondConnect`](crate::ProtocolViolation::SecondConnect).
//! * The keep-alive is the CONNECT's `keepAlive` seconds (0: [`Config::keep_alive`](crate::Config::keep_alive)),
//!   at most [`Config::max_keep_alive`](crate::Config::max_keep_alive); see [`keepalive`](crate::keepalive).
//! * No CONNECT, or no decision by the app, within [`Config::handshake_timeout`](crate::Config::handshake_timeout)
//!   (10 s): DISCONNECT and [`CloseReason::HandshakeTimeout`](crate::CloseReason::HandshakeTimeout).
//! * [`ServerSession::without_connect`](crate::ServerSession::without_connect) is for RongCloud's
//!   web SDK, which authenticates in the WebSocket URL and never sends CONNECT: the session
//!   starts waiting for the app's accept, whose CONNACK is the first frame.
//!
//! # Client
//!
//! * [`ClientSession::new`](crate::ClientSession::new) queues the CONNECT;
//!   [`ClientSession::without_connect`](crate::ClientSession::without_connect) waits for the
//!   server's CONNACK alone (web SDK).
//! * The server's first packet must be CONNACK ([`ProtocolViolation::ExpectedConnAck`](crate::ProtocolViolation::ExpectedConnAck));
//!   a second one is [`ProtocolViolation::SecondConnAck`](crate::ProtocolViolation::SecondConnAck).
//! * CONNACK status 0: [`ClientEvent::Connected`](crate::ClientEvent::Connected) with the
//!   session fields. Any other status: [`ClientEvent::Refused`](crate::ClientEvent::Refused)
//!   with it, then [`ClientEvent::Closed`](crate::ClientEvent::Closed) with
//!   [`CloseReason::Refused`](crate::CloseReason::Refused); nothing is sent (the SDKs report the
//!   code, REDIRECT 6 meaning "ask the navigation server again").
//! * No CONNACK within the handshake timeout: [`CloseReason::HandshakeTimeout`](crate::CloseReason::HandshakeTimeout)
//!   (the SDK's RC_CONN_ACK_TIMEOUT, 31000), nothing sent.
//! * Requests are refused with [`SubmitError::NotConnected`](crate::SubmitError::NotConnected)
//!   until the CONNACK.
//!
//! # DISCONNECT
//!
//! Either side may send DISCONNECT with a status from the code table (0 RECONNECT, 1
//! OTHER_DEVICE_LOGIN, 2 CLOSURE, 3 REMOTE_CLOSE, 4 LOGOUT, 5 BLOCK, 6 REDIRECT_NEW). Received,
//! it closes the session with [`CloseReason::Peer`](crate::CloseReason::Peer) and its status;
//! nothing is answered. Sent by the app (`disconnect(status)`), it goes out after what is
//! already queued and the session closes with [`CloseReason::Local`](crate::CloseReason::Local).

use timwire_signal::{Backing, ConnAckStatus, Connect};

/// The longest clientId RongCloud's SDK accepts, in characters.
pub const MAX_CLIENT_ID_CHARS: usize = 64;

/// The checks a server applies to a CONNECT before accepting it: the protocol name is
/// `"RCloud"` and the version 3 (else UNACCEPTABLE_PROTOCOL_VERSION), and the clientId has 1 to
/// 64 characters (else IDENTIFIER_REJECTED). Authentication (appId, token) is the app's.
///
/// ```
/// use bytes::Bytes;
/// use timwire_session::handshake::check_connect;
/// use timwire_signal::{ConnAckStatus, Connect};
///
/// assert_eq!(check_connect(&Connect::<Bytes>::new("phone")), Ok(()));
/// let mut old = Connect::<Bytes>::new("phone");
/// old.version = 1;
/// assert_eq!(check_connect(&old), Err(ConnAckStatus::UNACCEPTABLE_PROTOCOL_VERSION));
/// assert_eq!(check_connect(&Connect::<Bytes>::new("")), Err(ConnAckStatus::IDENTIFIER_REJECTED));
/// ```
pub fn check_connect<B: Backing>(connect: &Connect<B>) -> Result<(), ConnAckStatus> {
    if &*connect.protocol_id != Connect::<B>::PROTOCOL_ID
        || connect.version != Connect::<B>::VERSION
    {
        return Err(ConnAckStatus::UNACCEPTABLE_PROTOCOL_VERSION);
    }
    let chars = connect.client_id.chars().count();
    if chars == 0 || chars > MAX_CLIENT_ID_CHARS {
        return Err(ConnAckStatus::IDENTIFIER_REJECTED);
    }
    Ok(())
}

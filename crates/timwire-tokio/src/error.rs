//! The drivers' errors: what failed on a transport ([`TransportError`]), why a connection
//! ended ([`End`]), and why a command did not reach its connection ([`CommandError`]).

use std::io;

use timwire_session::CloseReason;
use timwire_signal::EncodeError;

/// A transport failed: an I/O error, a WebSocket protocol error, or a frame we could not
/// encode.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The socket failed.
    #[error("I/O: {0}")]
    Io(io::Error),
    /// The WebSocket layer failed (handshake, protocol, closed).
    #[error("WebSocket: {0}")]
    WebSocket(Box<tokio_tungstenite::tungstenite::Error>),
    /// The peer sent a text WebSocket message: RMTP frames are binary.
    #[error("text WebSocket message (RMTP frames are binary)")]
    TextMessage,
    /// A packet could not be encoded.
    #[error("encode: {0}")]
    Encode(#[from] EncodeError),
    /// The client was closed ([`ClientHandle::close`](crate::client::ClientHandle::close))
    /// before a connection was made.
    #[error("closed before connecting")]
    Closed,
    /// The connection did not complete its transport handshake in time.
    #[error("the transport handshake timed out")]
    HandshakeTimeout,
}

/// Why a connection's driver stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum End {
    /// The session closed (a DISCONNECT either way, a refusal, a violation, a timeout); what
    /// it queued was written before the socket was closed.
    #[error("session closed: {0}")]
    Session(CloseReason),
    /// The peer closed the socket without a DISCONNECT.
    #[error("the peer closed the connection")]
    PeerGone,
    /// The transport failed.
    #[error("transport: {0}")]
    Transport(#[from] TransportError),
    /// The connection was aborted by [`abort`](crate::server::Connection::abort) or its
    /// client's [`kill`](crate::client::ClientHandle::kill), without a DISCONNECT.
    #[error("aborted")]
    Aborted,
}

/// A command could not be handed to its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The connection's driver has stopped.
    #[error("the connection is closed")]
    Closed,
    /// The connection's command queue is full (only from the `try_` methods): the connection
    /// is not keeping up.
    #[error("the connection's command queue is full")]
    Full,
}

impl<T> From<tokio::sync::mpsc::error::SendError<T>> for CommandError {
    fn from(_: tokio::sync::mpsc::error::SendError<T>) -> Self {
        Self::Closed
    }
}

impl<T> From<tokio::sync::mpsc::error::TrySendError<T>> for CommandError {
    fn from(e: tokio::sync::mpsc::error::TrySendError<T>) -> Self {
        match e {
            tokio::sync::mpsc::error::TrySendError::Full(_) => Self::Full,
            tokio::sync::mpsc::error::TrySendError::Closed(_) => Self::Closed,
        }
    }
}

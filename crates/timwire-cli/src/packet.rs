//! Typing raw frames: who sent them, and the typed packet for that direction.

use anyhow::{Context as _, bail};
use bytes::Bytes;
use clap::ValueEnum;
use timwire::signal::stream::Peek;
use timwire::{
    ClientPacket, Decode, DecodeError, Frame, Framing, Role, ServerPacket, StreamDecoder,
};

/// `--from`: which side sent the frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SenderArg {
    /// Sent by a client (C→S layouts).
    Client,
    /// Sent by a server (S→C layouts).
    Server,
    /// Try the client layout first, then the server's.
    Auto,
}

/// `--framing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FramingArg {
    /// `[header][body]`, one frame per transport message (WebSocket).
    Message,
    /// `[header][checksum][remaining length][body]` (TCP).
    Stream,
}

impl FramingArg {
    pub(crate) fn framing(self) -> Framing {
        match self {
            Self::Message => Framing::Message,
            Self::Stream => Framing::Stream,
        }
    }
}

/// `--profile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProfileArg {
    /// timwire's mapping of tim's model (`timMsg`, `timPull`, …).
    Tim,
    /// RongCloud's topics (`ppMsgP`, `s_msg`, `pullMsg`, …).
    Rongcloud,
}

impl ProfileArg {
    pub(crate) fn profile(self) -> timwire::registry::Profile {
        match self {
            Self::Tim => timwire::registry::Profile::Tim,
            Self::Rongcloud => timwire::registry::Profile::RongCloud,
        }
    }
}

/// A typed packet of either direction; its JSON is the packet's own (no `from`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub(crate) enum Packet {
    /// C→S.
    Client(ClientPacket),
    /// S→C.
    Server(ServerPacket),
}

impl Packet {
    pub(crate) fn sender(&self) -> Role {
        match self {
            Self::Client(_) => Role::Client,
            Self::Server(_) => Role::Server,
        }
    }
}

/// Types a frame as sent by `from`.
pub(crate) fn decode(frame: &Frame, from: SenderArg) -> Result<Packet, DecodeError> {
    match from {
        SenderArg::Client => ClientPacket::decode(frame).map(Packet::Client),
        SenderArg::Server => ServerPacket::decode(frame).map(Packet::Server),
        SenderArg::Auto => match ClientPacket::decode(frame) {
            Ok(p) => Ok(Packet::Client(p)),
            Err(client) => ServerPacket::decode(frame)
                .map(Packet::Server)
                // Report the error of the direction that owns the type.
                .map_err(|server| match client {
                    DecodeError::WrongDirection { .. } => server,
                    other => other,
                }),
        },
    }
}

/// Types a frame sent by `sender`.
pub(crate) fn decode_as(frame: &Frame, sender: Role) -> Result<Packet, DecodeError> {
    decode(
        frame,
        match sender {
            Role::Client => SenderArg::Client,
            Role::Server => SenderArg::Server,
        },
    )
}

/// The arrow for a sender.
pub(crate) fn arrow(sender: Role) -> &'static str {
    match sender {
        Role::Client => "C→S",
        Role::Server => "S→C",
    }
}

/// Splits one whole frame (a capture record, a WebSocket message) in `framing`; stream-framed
/// bytes must hold exactly one frame.
pub(crate) fn split_one(bytes: Bytes, framing: Framing, max_body: usize) -> anyhow::Result<Frame> {
    match framing {
        Framing::Message => Ok(Frame::from_message(bytes)?),
        Framing::Stream => {
            let decoder = StreamDecoder::with_max_body(max_body);
            match decoder.peek(&bytes)? {
                Peek::Complete { prefix, frame_len } if frame_len == bytes.len() => {
                    Ok(Frame::new(prefix.header(), bytes.slice(prefix.len()..)))
                }
                Peek::Complete { frame_len, .. } => bail!(
                    "{} bytes hold a {frame_len}-byte frame and {} more bytes",
                    bytes.len(),
                    bytes.len() - frame_len
                ),
                Peek::NeedMore { missing } => Err(DecodeError::UnexpectedEof {
                    buffered: bytes.len(),
                })
                .with_context(|| format!("truncated frame: at least {missing} more bytes needed")),
            }
        }
    }
}

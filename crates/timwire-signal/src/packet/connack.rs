//! CONNACK (type 2, S→C): the server's answer to CONNECT, or its greeting to a WebSocket client.
//!
//! `[u8 reserved][u8 status]`, optionally followed by `[str userId][str sessionId][i64 timestamp]`
//! (all three or none). The reserved byte is kept in [`ConnAck::reserved`] (0 unless a peer sent
//! otherwise) and written back as it is, so a decoded CONNACK re-encodes byte for byte.

use std::time::SystemTime;

use super::prelude::*;
use crate::codes::ConnAckStatus;
use crate::time;

/// CONNACK.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConnAck<B: Backing = Bytes> {
    /// Header flags.
    pub flags: Flags,
    /// The outcome.
    pub status: ConnAckStatus,
    /// The long form's session fields.
    pub session: Option<ConnAckSession<B>>,
    /// The byte before the status: 0 in CONNACKs built here, kept as received when decoded
    /// (RongCloud's unused writer put 128 there), and written as it is.
    pub reserved: u8,
}

/// The fields of a long CONNACK.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConnAckSession<B: Backing = Bytes> {
    /// The authenticated user (the tim profile: the account node).
    pub user_id: B::Text,
    /// The server's session id.
    pub session_id: B::Text,
    /// Server time in milliseconds; clients use it as "connected at" and for clock skew.
    pub timestamp: i64,
}

impl<B: Backing> ConnAck<B> {
    /// A short CONNACK with `status`.
    pub fn new(status: ConnAckStatus) -> Self {
        Self {
            flags: Flags::NONE,
            status,
            session: None,
            reserved: 0,
        }
    }

    /// An accepting CONNACK in the long form.
    pub fn accepted(
        user_id: impl Into<B::Text>,
        session_id: impl Into<B::Text>,
        timestamp: i64,
    ) -> Self {
        Self {
            flags: Flags::NONE,
            status: ConnAckStatus::ACCEPTED,
            session: Some(ConnAckSession {
                user_id: user_id.into(),
                session_id: session_id.into(),
                timestamp,
            }),
            reserved: 0,
        }
    }
}

impl<B: Backing> ConnAck<B> {
    /// An accepting CONNACK in the long form, with `time` as its timestamp (milliseconds since
    /// the Unix epoch). Saturates, never panics: a time before the epoch gives a negative
    /// timestamp, one beyond `i64` milliseconds gives `i64::MIN` or `i64::MAX`
    /// ([`time::unix_millis`]).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use timwire_signal::ConnAck;
    ///
    /// let t = UNIX_EPOCH + Duration::from_millis(1_795_432_394_449);
    /// let ack: ConnAck = ConnAck::accepted_at("bob", "tcp-0", t);
    /// assert_eq!(ack.session.unwrap().timestamp, 1_795_432_394_449);
    /// ```
    pub fn accepted_at(
        user_id: impl Into<B::Text>,
        session_id: impl Into<B::Text>,
        time: SystemTime,
    ) -> Self {
        Self::accepted(user_id, session_id, time::unix_millis(time))
    }
}

impl<B: Backing> ConnAckSession<B> {
    /// Sets `timestamp` (milliseconds) from `time`, saturating like
    /// [`ConnAck::accepted_at`].
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use timwire_signal::ConnAck;
    ///
    /// let mut ack: ConnAck = ConnAck::accepted("bob", "tcp-0", 0);
    /// let session = ack.session.take().unwrap().with_time(UNIX_EPOCH - Duration::from_millis(5));
    /// assert_eq!(session.timestamp, -5);
    /// ```
    pub fn with_time(mut self, time: SystemTime) -> Self {
        self.timestamp = time::unix_millis(time);
        self
    }
}

impl<B: Backing> Body for ConnAck<B> {
    const KIND: MessageType = MessageType::CONNACK;

    fn flags(&self) -> Flags {
        self.flags
    }

    fn len(&self, text: TextEncoding) -> Result<usize, EncodeError> {
        let session = match &self.session {
            Some(s) => sum([
                text_len("userId", &s.user_id, text)?,
                text_len("sessionId", &s.session_id, text)?,
                8,
            ]),
            None => 0,
        };
        Ok(sum([2, session]))
    }

    fn write<M: BufMut>(&self, dst: &mut M, text: TextEncoding) {
        dst.put_u8(self.reserved);
        dst.put_u8(self.status.value());
        if let Some(s) = &self.session {
            put_text(dst, &s.user_id, text);
            put_text(dst, &s.session_id, text);
            dst.put_i64(s.timestamp);
        }
    }
}

impl<B: Backing> ReadBody<B> for ConnAck<B> {
    fn read(flags: Flags, r: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
        let reserved = r.u8("reserved")?;
        let status = ConnAckStatus::new(r.u8("status")?);
        let session = if r.is_empty() {
            None
        } else {
            Some(ConnAckSession {
                user_id: r.text("userId")?,
                session_id: r.text("sessionId")?,
                timestamp: r.i64("timestamp")?,
            })
        };
        Ok(Self {
            flags,
            status,
            session,
            reserved,
        })
    }
}

//! PUBACK (type 4): acknowledges a PUBLISH, with different layouts per direction.
//!
//! C→S `[u16 msgId]`; S→C `[u16 msgId][u32 date][u16 status][u16 millisecond][str messageUId]`,
//! where the messageUId may be absent (the body ends after millisecond).

use super::prelude::*;
use std::time::SystemTime;

use crate::codes::AckStatus;
use crate::time;

/// PUBACK sent by a client (for a server PUBLISH with qos ≥ 1 and no dup): `[u16 msgId]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientPubAck {
    /// Header flags.
    pub flags: Flags,
    /// The msgId of the server PUBLISH this answers.
    pub msg_id: u16,
}

impl ClientPubAck {
    /// A PUBACK for `msg_id`.
    pub fn new(msg_id: u16) -> Self {
        Self {
            flags: Flags::NONE,
            msg_id,
        }
    }
}

impl Body for ClientPubAck {
    const KIND: MessageType = MessageType::PUBACK;

    fn flags(&self) -> Flags {
        self.flags
    }

    fn len(&self, _: TextEncoding) -> Result<usize, EncodeError> {
        Ok(2)
    }

    fn write<M: BufMut>(&self, dst: &mut M, _: TextEncoding) {
        dst.put_u16(self.msg_id);
    }
}

impl<B: Backing> ReadBody<B> for ClientPubAck {
    fn read(flags: Flags, r: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
        Ok(Self {
            flags,
            msg_id: r.u16("msgId")?,
        })
    }
}

/// PUBACK sent by a server: the outcome of a client's PUBLISH, or the completion of a sync
/// message with the same msgId.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerPubAck<B: Backing = Bytes> {
    /// Header flags.
    pub flags: Flags,
    /// The acknowledged PUBLISH's msgId.
    pub msg_id: u16,
    /// Server time, seconds.
    pub date: u32,
    /// 0 for success, otherwise an SDK error code.
    pub status: AckStatus,
    /// The milliseconds to add to `date`.
    pub millisecond: u16,
    /// The server's unique id of the stored message, when there is one.
    pub message_uid: Option<B::Text>,
}

impl<B: Backing> ServerPubAck<B> {
    /// A PUBACK for `msg_id` with no flag and no messageUId (see
    /// [`with_message_uid`](Self::with_message_uid)); `date` is in seconds, `millisecond` the
    /// milliseconds to add to it. [`at`](Self::at) takes both from a [`SystemTime`].
    ///
    /// ```
    /// use timwire_signal::{AckStatus, Decode, Encode, EncodeOptions, Framing, ServerPacket, ServerPubAck};
    ///
    /// let ack: ServerPubAck = ServerPubAck::new(1, 1_795_432_394, AckStatus::SUCCESS, 449)
    ///     .with_message_uid("TIM-1001");
    /// assert_eq!(ack.timestamp_ms(), 1_795_432_394_449);
    /// let packet = ServerPacket::from(ack.clone());
    /// let wire = packet.to_bytes(Framing::Message, &EncodeOptions::default()).unwrap();
    /// assert_eq!(ServerPacket::from_message(wire).unwrap(), ServerPacket::from(ack));
    /// ```
    pub fn new(msg_id: u16, date: u32, status: AckStatus, millisecond: u16) -> Self {
        Self {
            flags: Flags::NONE,
            msg_id,
            date,
            status,
            millisecond,
            message_uid: None,
        }
    }

    /// A PUBACK for `msg_id` dated `time` (see [`with_time`](Self::with_time) for how times
    /// outside the fields' range are handled).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use timwire_signal::{AckStatus, ServerPubAck};
    ///
    /// let t = UNIX_EPOCH + Duration::from_millis(1_795_432_394_449);
    /// let ack: ServerPubAck = ServerPubAck::at(1, AckStatus::SUCCESS, t);
    /// assert_eq!((ack.date, ack.millisecond), (1_795_432_394, 449));
    /// ```
    pub fn at(msg_id: u16, status: AckStatus, time: SystemTime) -> Self {
        Self::new(msg_id, 0, status, 0).with_time(time)
    }

    /// Sets `date` (seconds) and `millisecond` from `time`. Saturates, never panics: a time
    /// before the Unix epoch gives `(0, 0)`, one past what `u32` seconds can say (2106) gives
    /// `(u32::MAX, 999)` ([`time::unix_seconds_millis`]).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use timwire_signal::{AckStatus, ServerPubAck};
    ///
    /// let ack: ServerPubAck = ServerPubAck::new(1, 0, AckStatus::SUCCESS, 0)
    ///     .with_time(UNIX_EPOCH - Duration::from_secs(1));
    /// assert_eq!((ack.date, ack.millisecond), (0, 0));
    /// ```
    pub fn with_time(mut self, time: SystemTime) -> Self {
        (self.date, self.millisecond) = time::unix_seconds_millis(time);
        self
    }

    /// Sets the server's unique id of the stored message.
    ///
    /// ```
    /// use timwire_signal::{AckStatus, ServerPubAck};
    ///
    /// let ack: ServerPubAck = ServerPubAck::new(1, 0, AckStatus::SUCCESS, 0).with_message_uid("TIM-1");
    /// assert_eq!(ack.message_uid.as_deref(), Some("TIM-1"));
    /// ```
    pub fn with_message_uid(mut self, message_uid: impl Into<B::Text>) -> Self {
        self.message_uid = Some(message_uid.into());
        self
    }

    /// The send time in milliseconds: `date * 1000 + millisecond`.
    pub fn timestamp_ms(&self) -> u64 {
        u64::from(self.date)
            .saturating_mul(1000)
            .saturating_add(u64::from(self.millisecond))
    }
}

impl<B: Backing> Body for ServerPubAck<B> {
    const KIND: MessageType = MessageType::PUBACK;

    fn flags(&self) -> Flags {
        self.flags
    }

    fn len(&self, text: TextEncoding) -> Result<usize, EncodeError> {
        let uid = match &self.message_uid {
            Some(uid) => text_len("messageUId", uid, text)?,
            None => 0,
        };
        Ok(sum([2 + 4 + 2 + 2, uid]))
    }

    fn write<M: BufMut>(&self, dst: &mut M, text: TextEncoding) {
        dst.put_u16(self.msg_id);
        dst.put_u32(self.date);
        dst.put_u16(self.status.value());
        dst.put_u16(self.millisecond);
        if let Some(uid) = &self.message_uid {
            put_text(dst, uid, text);
        }
    }
}

impl<B: Backing> ReadBody<B> for ServerPubAck<B> {
    fn read(flags: Flags, r: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
        Ok(Self {
            flags,
            msg_id: r.u16("msgId")?,
            date: r.u32("date")?,
            status: AckStatus::new(r.u16("status")?),
            millisecond: r.u16("millisecond")?,
            message_uid: if r.is_empty() {
                None
            } else {
                Some(r.text("messageUId")?)
            },
        })
    }
}

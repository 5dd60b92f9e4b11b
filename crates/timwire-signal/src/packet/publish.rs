//! PUBLISH (type 3): a message, with different layouts per direction.
//!
//! C→S `[str topic][str targetId][u16 msgId][data: to end]`;
//! S→C `[u32 date][str topic][str targetId][u16 msgId][data: to end]`.
//! `data` is opaque here (normally a protobuf message) and always a slice of the input.

use std::time::SystemTime;

use super::addressed::{self, Addressed};
use super::prelude::*;
use crate::time;

/// PUBLISH sent by a client.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientPublish<B: Backing = Bytes> {
    /// Header flags: qos ≥ 1 asks for a PUBACK; dup marks a retransmission.
    pub flags: Flags,
    /// What kind of message this is (RongCloud: `ppMsgP`, `pgMsgP`, …; tim: `timMsg`, …).
    pub topic: B::Text,
    /// The conversation target.
    pub target_id: B::Text,
    /// Chosen by the sender; matches the PUBACK.
    pub msg_id: u16,
    /// The payload.
    pub data: B,
}

impl<B: Backing> ClientPublish<B> {
    /// A PUBLISH with `qos` and no other flag.
    pub fn new(
        qos: QoS,
        topic: impl Into<B::Text>,
        target_id: impl Into<B::Text>,
        msg_id: u16,
        data: B,
    ) -> Self {
        Self {
            flags: Flags::qos(qos),
            topic: topic.into(),
            target_id: target_id.into(),
            msg_id,
            data,
        }
    }
}

impl<B: Backing> Body for ClientPublish<B> {
    const KIND: MessageType = MessageType::PUBLISH;

    fn flags(&self) -> Flags {
        self.flags
    }

    #[inline]
    fn len(&self, text: TextEncoding) -> Result<usize, EncodeError> {
        addressed::len(&self.topic, &self.target_id, self.data.as_ref(), text)
    }

    #[inline]
    fn write<M: BufMut>(&self, dst: &mut M, text: TextEncoding) {
        let data = self.data.as_ref();
        addressed::write(dst, &self.topic, &self.target_id, self.msg_id, data, text);
    }

    fn shared_rest(&self) -> Option<&Bytes> {
        self.data.shared()
    }

    fn write_prefix<M: BufMut>(&self, dst: &mut M, text: TextEncoding) {
        addressed::write_prefix(dst, &self.topic, &self.target_id, self.msg_id, text);
    }
}

impl<B: Backing> ReadBody<B> for ClientPublish<B> {
    #[inline]
    fn read(flags: Flags, r: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
        let Addressed {
            topic,
            target_id,
            msg_id,
            data,
        } = Addressed::read(r)?;
        Ok(Self {
            flags,
            topic,
            target_id,
            msg_id,
            data,
        })
    }

    fn rest_mut(&mut self) -> Option<&mut B> {
        Some(&mut self.data)
    }
}

/// PUBLISH sent by a server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerPublish<B: Backing = Bytes> {
    /// Header flags. `dup` here is RongCloud's **syncMsg**: see [`ServerPublish::is_sync_msg`].
    pub flags: Flags,
    /// Server time in seconds.
    pub date: u32,
    /// What kind of message this is (RongCloud: `s_msg`, `s_ntf`, …; tim: `timMsg`, …).
    pub topic: B::Text,
    /// The conversation target.
    pub target_id: B::Text,
    /// Chosen by the server; a client with qos ≥ 1 (and no dup) answers with this msgId.
    pub msg_id: u16,
    /// The payload.
    pub data: B,
}

impl<B: Backing> ServerPublish<B> {
    /// A PUBLISH with `qos` and no other flag.
    pub fn new(
        qos: QoS,
        date: u32,
        topic: impl Into<B::Text>,
        target_id: impl Into<B::Text>,
        msg_id: u16,
        data: B,
    ) -> Self {
        Self {
            flags: Flags::qos(qos),
            date,
            topic: topic.into(),
            target_id: target_id.into(),
            msg_id,
            data,
        }
    }

    /// Sets `date` (seconds) from `time`. Saturates, never panics: a time before the Unix epoch
    /// gives 0, one past what `u32` seconds can say (2106) gives `u32::MAX`
    /// ([`time::unix_seconds`]).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use bytes::Bytes;
    /// use timwire_signal::{QoS, ServerPublish};
    ///
    /// let t = UNIX_EPOCH + Duration::from_millis(1_795_432_394_449);
    /// let publish = ServerPublish::new(QoS::AtLeastOnce, 0, "timMsg", "alice", 3, Bytes::new()).with_time(t);
    /// assert_eq!(publish.date, 1_795_432_394);
    /// ```
    pub fn with_time(mut self, time: SystemTime) -> Self {
        self.date = time::unix_seconds(time);
        self
    }

    /// True when the dup bit marks a **sync message**: a copy of a message the same user sent
    /// from another device. Its payload is that device's UpStreamMessage. Do not PUBACK it; the
    /// server follows it with a PUBACK carrying the same msgId, whose date, millisecond and
    /// messageUId complete it.
    pub fn is_sync_msg(&self) -> bool {
        self.flags.dup
    }

    /// True when the client must answer with a PUBACK: qos ≥ 1 and not a sync message.
    pub fn needs_ack(&self) -> bool {
        self.flags.qos.needs_ack() && !self.is_sync_msg()
    }
}

impl<B: Backing> Body for ServerPublish<B> {
    const KIND: MessageType = MessageType::PUBLISH;

    fn flags(&self) -> Flags {
        self.flags
    }

    fn len(&self, text: TextEncoding) -> Result<usize, EncodeError> {
        let tail = addressed::len(&self.topic, &self.target_id, self.data.as_ref(), text)?;
        Ok(sum([4, tail]))
    }

    fn write<M: BufMut>(&self, dst: &mut M, text: TextEncoding) {
        self.write_prefix(dst, text);
        dst.put_slice(self.data.as_ref());
    }

    fn shared_rest(&self) -> Option<&Bytes> {
        self.data.shared()
    }

    fn write_prefix<M: BufMut>(&self, dst: &mut M, text: TextEncoding) {
        dst.put_u32(self.date);
        addressed::write_prefix(dst, &self.topic, &self.target_id, self.msg_id, text);
    }
}

impl<B: Backing> ReadBody<B> for ServerPublish<B> {
    fn read(flags: Flags, r: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
        let date = r.u32("date")?;
        let Addressed {
            topic,
            target_id,
            msg_id,
            data,
        } = Addressed::read(r)?;
        Ok(Self {
            flags,
            date,
            topic,
            target_id,
            msg_id,
            data,
        })
    }

    fn rest_mut(&mut self) -> Option<&mut B> {
        Some(&mut self.data)
    }
}

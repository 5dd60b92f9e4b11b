//! PUBACK (type 4): acknowledges a PUBLISH, with different layouts per direction.
//!
//! C→S `[u16 msgId]`; S→C `[u16 msgId][u32 date][u16 status][u16 millisecond][str messageUId]`,
//! where the messageUId may be absent (the body ends after millisecond).

use super::prelude::*;
use crate::codes::AckStatus;

msg_id_message! {
    /// PUBACK sent by a client (for a server PUBLISH with qos ≥ 1 and no dup).
    ClientPubAck = PUBACK
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
    /// The send time in milliseconds: `date * 1000 + millisecond`.
    pub fn timestamp_ms(&self) -> u64 {
        u64::from(self.date)
            .saturating_mul(1000)
            .saturating_add(u64::from(self.millisecond))
    }
}

impl<B: Backing> Body<B> for ServerPubAck<B> {
    const KIND: MessageType = MessageType::PUBACK;

    fn flags(&self) -> Flags {
        self.flags
    }

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

message!(ServerPubAck<B>);

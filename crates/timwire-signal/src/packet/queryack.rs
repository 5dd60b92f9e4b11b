//! QUERYACK (type 6, S→C): the answer to a QUERY.
//! `[u16 msgId][u32 date][u16 status][data: to end]`.

use super::prelude::*;
use crate::codes::AckStatus;

/// QUERYACK.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QueryAck<B: Backing = Bytes> {
    /// Header flags: qos ≥ 1 asks the client for a QUERYCON.
    pub flags: Flags,
    /// The QUERY's msgId.
    pub msg_id: u16,
    /// Server time, seconds.
    pub date: u32,
    /// 0 for success, otherwise an SDK error code.
    pub status: AckStatus,
    /// The response payload.
    pub data: B,
}

impl<B: Backing> QueryAck<B> {
    /// A QUERYACK with `qos` and no other flag.
    pub fn new(qos: QoS, msg_id: u16, date: u32, status: AckStatus, data: B) -> Self {
        Self {
            flags: Flags::qos(qos),
            msg_id,
            date,
            status,
            data,
        }
    }
}

impl<B: Backing> Body for QueryAck<B> {
    const KIND: MessageType = MessageType::QUERYACK;

    fn flags(&self) -> Flags {
        self.flags
    }

    fn len(&self, _: TextEncoding) -> Result<usize, EncodeError> {
        Ok(sum([2 + 4 + 2, self.data.as_ref().len()]))
    }

    fn write<M: BufMut>(&self, dst: &mut M, text: TextEncoding) {
        self.write_prefix(dst, text);
        dst.put_slice(self.data.as_ref());
    }

    fn shared_rest(&self) -> Option<&Bytes> {
        self.data.shared()
    }

    fn write_prefix<M: BufMut>(&self, dst: &mut M, _: TextEncoding) {
        dst.put_u16(self.msg_id);
        dst.put_u32(self.date);
        dst.put_u16(self.status.value());
    }
}

impl<B: Backing> ReadBody<B> for QueryAck<B> {
    fn read(flags: Flags, r: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
        Ok(Self {
            flags,
            msg_id: r.u16("msgId")?,
            date: r.u32("date")?,
            status: AckStatus::new(r.u16("status")?),
            data: r.rest(),
        })
    }

    fn rest_mut(&mut self) -> Option<&mut B> {
        Some(&mut self.data)
    }
}

//! SUBACK (type 9, S→C): `[u16 msgId]` then one or more `[u8 grantedQos]` (MQTT 3.1.1 layout).

use super::prelude::*;

/// SUBACK.
///
/// The granted-qos bytes are kept as received (MQTT uses 0x80 for "refused"), as a slice of the
/// frame.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubAck<B: Backing = Bytes> {
    /// Header flags.
    pub flags: Flags,
    /// The SUBSCRIBE's msgId.
    pub msg_id: u16,
    /// One byte per requested topic, at least one.
    pub granted: B,
}

impl<B: Backing> SubAck<B> {
    /// A SUBACK granting `granted` (one byte per topic).
    pub fn new(msg_id: u16, granted: B) -> Self {
        Self {
            flags: Flags::NONE,
            msg_id,
            granted,
        }
    }

    /// The granted values, in order.
    pub fn granted_qos(&self) -> impl Iterator<Item = u8> + '_ {
        self.granted.as_ref().iter().copied()
    }
}

impl<B: Backing> Body for SubAck<B> {
    const KIND: MessageType = MessageType::SUBACK;

    fn flags(&self) -> Flags {
        self.flags
    }

    fn len(&self, _: TextEncoding) -> Result<usize, EncodeError> {
        if self.granted.as_ref().is_empty() {
            return Err(EncodeError::EmptyList {
                kind: MessageType::SUBACK,
            });
        }
        Ok(sum([2, self.granted.as_ref().len()]))
    }

    fn write<M: BufMut>(&self, dst: &mut M, _: TextEncoding) {
        dst.put_u16(self.msg_id);
        dst.put_slice(self.granted.as_ref());
    }
}

impl<B: Backing> ReadBody<B> for SubAck<B> {
    fn read(flags: Flags, r: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
        let msg_id = r.u16("msgId")?;
        if r.is_empty() {
            return Err(DecodeError::EmptyList {
                kind: MessageType::SUBACK,
            });
        }
        Ok(Self {
            flags,
            msg_id,
            granted: r.rest(),
        })
    }

    fn rest_mut(&mut self) -> Option<&mut B> {
        Some(&mut self.granted)
    }
}

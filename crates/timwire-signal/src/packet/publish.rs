//! PUBLISH (type 3): a message, with different layouts per direction.
//!
//! C→S `[str topic][str targetId][u16 msgId][data: to end]`;
//! S→C `[u32 date][str topic][str targetId][u16 msgId][data: to end]`.
//! `data` is opaque here (normally a protobuf message) and always a slice of the input.

use std::time::SystemTime;

use ascii::AsAsciiStr;
use bytes::BytesMut;

use super::addressed::{self, Addressed};
use super::prelude::*;
use crate::known_topics;
use crate::shared_text::Text;
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

    #[inline]
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

    #[inline]
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

/// A PUBLISH parsed where it lies in a read buffer, with its strings already owned: what
/// [`take_client`] and [`take_server`] build the packet from once the frame is taken off.
struct Parsed {
    date: u32,
    topic: Text,
    target_id: Text,
    msg_id: u16,
    /// Where the data starts, in the body.
    data_start: usize,
}

/// Parses the PUBLISH body `body` (with a leading `date` for a server's) borrowed, and owns its
/// strings: short ones copied inline, well-known topics as `&'static str`. The layout is the one
/// [`Addressed::read`] reads, field for field through the same [`Reader`], so a frame that fails
/// here fails with the same error. `Ok(None)` for what only the general path does: a string
/// longer than [`INLINE_TEXT`](crate::INLINE_TEXT) (it shares the buffer) or not UTF-8 (CESU-8
/// or an error); the caller then decodes the frame that way.
#[inline(always)]
fn parse(body: &[u8], with_date: bool) -> Result<Option<Parsed>, DecodeError> {
    let mut r = Reader::new(MessageType::PUBLISH, &body);
    let date = if with_date { r.u32("date")? } else { 0 };
    // Each string is checked as soon as it is read, as the general path does, so that an
    // invalid one is reported before any later field is looked at.
    let topic = r.raw_string("topic")?;
    let topic = match known_topics::intern(topic) {
        Some(known) => Text::from_static(known),
        None => match short_text(topic) {
            Some(topic) => topic,
            None => return Ok(None),
        },
    };
    let Some(target_id) = short_text(r.raw_string("targetId")?) else {
        return Ok(None);
    };
    let msg_id = r.u16("msgId")?;
    let data_start = r.offset();
    Ok(Some(Parsed {
        date,
        topic,
        target_id,
        msg_id,
        data_start,
    }))
}

/// `raw` as an inline [`Text`] when it is short and UTF-8.
#[inline(always)]
fn short_text(raw: &[u8]) -> Option<Text> {
    if raw.len() > crate::INLINE_TEXT {
        return None;
    }
    let text = match raw.as_ascii_str() {
        Ok(ascii) => ascii.as_str(),
        Err(_) => std::str::from_utf8(raw).ok()?,
    };
    Some(Text::copied(text))
}

/// Takes the frame `..frame_len` off `src` and returns the data, which starts at `data_start`:
/// the frame's one reference on the buffer, or none for empty data.
#[inline(always)]
fn take_data(src: &mut BytesMut, data_start: usize, frame_len: usize) -> Bytes {
    if data_start >= frame_len {
        bytes::Buf::advance(src, frame_len);
        return Bytes::new();
    }
    let mut frame = src.split_to(frame_len);
    bytes::Buf::advance(&mut frame, data_start);
    frame.freeze()
}

/// Runs [`parse`] on the body `src[prefix_len..frame_len]`; on error the frame is consumed.
#[inline(always)]
fn parse_in(
    src: &mut BytesMut,
    prefix_len: usize,
    frame_len: usize,
    with_date: bool,
) -> Option<Result<Parsed, DecodeError>> {
    let body = src.get(prefix_len..frame_len)?;
    match parse(body, with_date) {
        Ok(Some(parsed)) => Some(Ok(parsed)),
        Ok(None) => None,
        Err(e) => {
            bytes::Buf::advance(src, frame_len);
            Some(Err(e))
        }
    }
}

/// The relay's hot path: a client's PUBLISH (its body `src[prefix_len..frame_len]`) decoded as
/// [`Decode::decode_owned`](super::Decode::decode_owned) would, but parsed where it lies before
/// the frame is taken off `src`. `None` (nothing consumed) when it needs the general path.
#[inline(always)]
pub(crate) fn take_client(
    flags: Flags,
    src: &mut BytesMut,
    prefix_len: usize,
    frame_len: usize,
) -> Option<Result<ClientPublish, DecodeError>> {
    // Plain code, not `Result::map` with a closure: the closure was compiled out of line and
    // its 120-byte result copied back with wider loads than its stores (a store-forwarding
    // stall that perf put at a tenth of the decode).
    let p = match parse_in(src, prefix_len, frame_len, false)? {
        Ok(p) => p,
        Err(e) => return Some(Err(e)),
    };
    let data = take_data(src, prefix_len.saturating_add(p.data_start), frame_len);
    Some(Ok(ClientPublish {
        flags,
        topic: p.topic,
        target_id: p.target_id,
        msg_id: p.msg_id,
        data,
    }))
}

/// [`take_client`] for a server's PUBLISH.
#[inline(always)]
pub(crate) fn take_server(
    flags: Flags,
    src: &mut BytesMut,
    prefix_len: usize,
    frame_len: usize,
) -> Option<Result<ServerPublish, DecodeError>> {
    let p = match parse_in(src, prefix_len, frame_len, true)? {
        Ok(p) => p,
        Err(e) => return Some(Err(e)),
    };
    let data = take_data(src, prefix_len.saturating_add(p.data_start), frame_len);
    Some(Ok(ServerPublish {
        flags,
        date: p.date,
        topic: p.topic,
        target_id: p.target_id,
        msg_id: p.msg_id,
        data,
    }))
}

//! The signalling layer's errors: one for decoding, one for encoding.

use timwire_header::MessageType;
use timwire_header::stream::PrefixError;
use timwire_header::varint::VarintError;

use crate::Role;

/// Why bytes could not be decoded into a frame or a packet.
///
/// Offsets count from the first body byte: the byte after the header in message framing, after
/// the remaining length in stream framing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Stream framing: the checksum byte does not match the header and length bytes.
    #[error("checksum mismatch: expected {expected:#04x}, found {found:#04x}")]
    ChecksumMismatch {
        /// What the header and length bytes require.
        expected: u8,
        /// What the frame carried.
        found: u8,
    },
    /// Stream framing: the remaining length has a fifth byte.
    #[error("remaining length has a fifth byte (at most 4 are allowed)")]
    LengthTooLong,
    /// Stream framing: the remaining length is not in its minimal form (e.g. `80 00`).
    #[error("remaining length is not minimally encoded ({len} bytes)")]
    NonMinimalLength {
        /// How many bytes the length took.
        len: usize,
    },
    /// Stream framing: the body is longer than the decoder's limit. Detected from the length
    /// field, before any body byte is buffered.
    #[error("frame body of {len} bytes exceeds the limit of {max} bytes")]
    FrameTooLarge {
        /// The announced body length.
        len: u64,
        /// The configured maximum.
        max: usize,
    },
    /// Message framing: the transport message is empty (not even a header byte).
    #[error("empty message: a frame needs at least its header byte")]
    EmptyMessage,
    /// The stream ended inside a frame.
    #[error("stream ended inside a frame ({buffered} bytes buffered)")]
    UnexpectedEof {
        /// How many bytes of the unfinished frame were buffered.
        buffered: usize,
    },
    /// The header's type is reserved (0 or 15); no typed packet has it.
    #[error("reserved message type {0}")]
    ReservedType(MessageType),
    /// The message type exists, but `sender` never sends it (e.g. a CONNACK from a client).
    #[error("{kind} is not sent by the {sender}")]
    WrongDirection {
        /// The frame's type.
        kind: MessageType,
        /// Who was expected to have sent the frame.
        sender: Role,
    },
    /// The body ends inside field `field`.
    #[error("{kind}: truncated field `{field}` at offset {offset}")]
    Truncated {
        /// The frame's type.
        kind: MessageType,
        /// The field being read.
        field: &'static str,
        /// Where the field starts.
        offset: usize,
    },
    /// Bytes are left after the last field of a layout that does not run "to end".
    #[error("{kind}: {count} trailing bytes at offset {offset}")]
    TrailingBytes {
        /// The frame's type.
        kind: MessageType,
        /// Where the unexpected bytes start.
        offset: usize,
        /// How many there are.
        count: usize,
    },
    /// A string field is neither UTF-8 nor CESU-8.
    #[error("{kind}: field `{field}` at offset {offset} is not valid UTF-8 or CESU-8 text")]
    InvalidText {
        /// The frame's type.
        kind: MessageType,
        /// The field being read.
        field: &'static str,
        /// Where the string's bytes start (after its length).
        offset: usize,
    },
    /// A QoS byte in a SUBSCRIBE body is above 3.
    #[error("{kind}: invalid qos {value} at offset {offset}")]
    InvalidQos {
        /// The frame's type.
        kind: MessageType,
        /// Where the byte is.
        offset: usize,
        /// The byte.
        value: u8,
    },
    /// CONNECT flags set the reserved bit 0x01, or will-qos/will-retain without the will flag.
    #[error("CONNECT: invalid flags {flags:#04x}")]
    InvalidConnectFlags {
        /// The flags byte.
        flags: u8,
    },
    /// A SUBSCRIBE, UNSUBSCRIBE or SUBACK body has no entries after its msgId.
    #[error("{kind}: the list after msgId is empty")]
    EmptyList {
        /// The frame's type.
        kind: MessageType,
    },
}

impl DecodeError {
    /// Whether the stream is still in sync after this error, so the next frame can be read.
    ///
    /// The rule: an error found *inside a well-delimited frame* is recoverable; the frame (and
    /// only it) was consumed, and the bytes after it are the next frame. An error in the
    /// *framing* is not: the decoder consumed nothing, it cannot know where the next frame
    /// starts, and decoding the same buffer again fails the same way; close the connection.
    ///
    /// | variant | recoverable | why |
    /// |---|---|---|
    /// | [`ChecksumMismatch`](Self::ChecksumMismatch), [`LengthTooLong`](Self::LengthTooLong), [`NonMinimalLength`](Self::NonMinimalLength) | no | the prefix is corrupt: the frame's end is unknown |
    /// | [`FrameTooLarge`](Self::FrameTooLarge) | no | detected from the length, before the body is buffered; nothing is consumed |
    /// | [`UnexpectedEof`](Self::UnexpectedEof) | no | the stream has ended |
    /// | [`EmptyMessage`](Self::EmptyMessage) | yes | message framing: the transport delimits messages, the next one is intact |
    /// | [`ReservedType`](Self::ReservedType), [`WrongDirection`](Self::WrongDirection), [`Truncated`](Self::Truncated), [`TrailingBytes`](Self::TrailingBytes), [`InvalidText`](Self::InvalidText), [`InvalidQos`](Self::InvalidQos), [`InvalidConnectFlags`](Self::InvalidConnectFlags), [`EmptyList`](Self::EmptyList) | yes | the body of a whole frame is malformed; that frame was consumed |
    ///
    /// A server may answer a recoverable error (log it, count it, disconnect a peer that keeps
    /// sending them) and go on reading; the tokio codec's
    /// [`Recovering`](crate::codec::Recovering) adapter (feature `tokio`) does exactly that.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use timwire_signal::{ClientPacket, StreamDecoder};
    ///
    /// let decoder = StreamDecoder::new();
    /// // A PUBACK whose body is one byte short (msgId needs two), then a PINGREQ.
    /// let mut buf = BytesMut::from(&[0x40, 0x41, 0x01, 0x07, 0xC0, 0xC0, 0x00][..]);
    /// let err = decoder.decode_packet::<ClientPacket>(&mut buf).unwrap_err();
    /// assert!(err.is_recoverable());
    /// let ping: ClientPacket = decoder.decode_packet(&mut buf).unwrap().unwrap();
    /// assert!(matches!(ping, ClientPacket::PingReq(_)));
    ///
    /// // A bad checksum: nothing is consumed, the stream cannot go on.
    /// let mut buf = BytesMut::from(&[0xC0, 0x00, 0x00][..]);
    /// let err = decoder.decode_packet::<ClientPacket>(&mut buf).unwrap_err();
    /// assert!(!err.is_recoverable());
    /// assert_eq!(buf.len(), 3);
    /// ```
    pub const fn is_recoverable(&self) -> bool {
        match self {
            Self::ChecksumMismatch { .. }
            | Self::LengthTooLong
            | Self::NonMinimalLength { .. }
            | Self::FrameTooLarge { .. }
            | Self::UnexpectedEof { .. } => false,
            Self::EmptyMessage
            | Self::ReservedType(_)
            | Self::WrongDirection { .. }
            | Self::Truncated { .. }
            | Self::TrailingBytes { .. }
            | Self::InvalidText { .. }
            | Self::InvalidQos { .. }
            | Self::InvalidConnectFlags { .. }
            | Self::EmptyList { .. } => true,
        }
    }
}

impl From<PrefixError> for DecodeError {
    fn from(e: PrefixError) -> Self {
        match e {
            PrefixError::ChecksumMismatch { expected, found } => {
                Self::ChecksumMismatch { expected, found }
            }
            PrefixError::Length(v) => v.into(),
            // PrefixError is non_exhaustive; map any future variant to the closest meaning.
            _ => Self::LengthTooLong,
        }
    }
}

impl From<VarintError> for DecodeError {
    fn from(e: VarintError) -> Self {
        match e {
            VarintError::NonMinimal { len } => Self::NonMinimalLength { len },
            _ => Self::LengthTooLong,
        }
    }
}

/// Why a packet could not be encoded. Nothing is written when encoding fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A string field is longer than its u16 length prefix can say.
    #[error("field `{field}` is {len} bytes long; strings are limited to 65535 bytes")]
    StringTooLong {
        /// The field.
        field: &'static str,
        /// Its encoded length.
        len: usize,
    },
    /// The body is longer than the encoder's limit.
    #[error("frame body of {len} bytes exceeds the limit of {max} bytes")]
    FrameTooLarge {
        /// The body length.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// Stream framing: the body is longer than a 4-byte remaining length can say (268,435,455).
    #[error("frame body of {len} bytes exceeds the stream framing maximum of 268435455 bytes")]
    BodyTooLong {
        /// The body length.
        len: usize,
    },
    /// A SUBSCRIBE, UNSUBSCRIBE or SUBACK with no entries.
    #[error("{kind}: the list after msgId must not be empty")]
    EmptyList {
        /// The packet's type.
        kind: MessageType,
    },
    /// The destination buffer cannot take the whole frame.
    #[error("destination has room for {available} bytes, the frame needs {needed}")]
    BufferTooSmall {
        /// The frame's length.
        needed: usize,
        /// `BufMut::remaining_mut()` of the destination.
        available: usize,
    },
}

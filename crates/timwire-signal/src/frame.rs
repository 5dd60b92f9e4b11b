//! The raw frame: a header and its body bytes, with no interpretation of the body.
//!
//! Tools that do not want typing (proxies, recorders, the CLI's hex dump) work at this level;
//! it keeps any header byte, including the reserved types 0 and 15.

use bytes::{BufMut, Bytes};
use timwire_header::Header;

use crate::backing::Backing;
use crate::encode::{Encode, sealed};
use crate::error::{DecodeError, EncodeError};
use crate::text::TextEncoding;

/// A header and the body that follows it.
///
/// ```
/// use timwire_signal::{Encode, EncodeOptions, Frame, Framing};
/// let frame = Frame::from_message(&[0xC0u8][..]).unwrap(); // PINGREQ over WebSocket
/// let stream = frame.to_bytes(Framing::Stream, &EncodeOptions::default()).unwrap();
/// assert_eq!(&stream[..], &[0xC0, 0xC0, 0x00]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Frame<B = Bytes> {
    /// The header byte, decoded.
    pub header: Header,
    /// The body: a slice of the input.
    pub body: B,
}

impl<B: Backing> Frame<B> {
    /// A frame from its parts.
    pub fn new(header: Header, body: B) -> Self {
        Self { header, body }
    }

    /// Splits one transport message (message framing) into header and body, without copying.
    pub fn from_message(message: B) -> Result<Self, DecodeError> {
        let bytes = message.as_ref();
        let (&first, _) = bytes.split_first().ok_or(DecodeError::EmptyMessage)?;
        let body = message
            .slice(1..bytes.len())
            .ok_or(DecodeError::EmptyMessage)?;
        Ok(Self {
            header: Header::from_byte(first),
            body,
        })
    }
}

impl<B: Backing> sealed::WriteBody for Frame<B> {
    fn write_body<M: BufMut>(&self, dst: &mut M, _: TextEncoding) {
        dst.put_slice(self.body.as_ref());
    }

    /// The whole body is the payload.
    fn shared_rest(&self) -> Option<&Bytes> {
        self.body.shared()
    }

    fn write_body_prefix<M: BufMut>(&self, _: &mut M, _: TextEncoding) {}
}

impl<B: Backing> Encode for Frame<B> {
    fn header(&self) -> Header {
        self.header
    }

    fn body_len(&self, _: TextEncoding) -> Result<usize, EncodeError> {
        Ok(self.body.as_ref().len())
    }
}

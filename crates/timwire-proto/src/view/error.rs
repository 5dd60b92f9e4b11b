//! Why a view could not be decoded, and where.

use core::fmt;

/// What was wrong with the input. The classes are prost's: when both decoders reject an input,
/// they reject it for the same reason (the differential tests hold the two to that).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ViewErrorKind {
    /// A varint ran past the end of the input, was longer than 10 bytes, or overflowed 64 bits.
    InvalidVarint,
    /// A field key was larger than `u32::MAX`.
    InvalidKey,
    /// A field key named field number 0.
    InvalidTag,
    /// A field key named wire type 6 or 7.
    InvalidWireType,
    /// A known field arrived with a wire type its type cannot have.
    UnexpectedWireType,
    /// A length or a fixed-width value ran past the end of the input.
    BufferUnderflow,
    /// A field inside a length-delimited message or packed list ran past that length.
    DelimitedLengthExceeded,
    /// An end-group key without its start, or with another field number.
    UnexpectedEndGroup,
    /// A `string` field was not UTF-8.
    InvalidUtf8,
    /// Messages or groups were nested deeper than [`RECURSION_LIMIT`](super::RECURSION_LIMIT).
    RecursionLimit,
}

impl ViewErrorKind {
    /// A short description, the same words prost uses for the same error.
    pub fn description(self) -> &'static str {
        match self {
            Self::InvalidVarint => "invalid varint",
            Self::InvalidKey => "invalid key value",
            Self::InvalidTag => "invalid tag value: 0",
            Self::InvalidWireType => "invalid wire type value",
            Self::UnexpectedWireType => "invalid wire type",
            Self::BufferUnderflow => "buffer underflow",
            Self::DelimitedLengthExceeded => "delimited length exceeded",
            Self::UnexpectedEndGroup => "unexpected end group tag",
            Self::InvalidUtf8 => "invalid string value: data is not UTF-8 encoded",
            Self::RecursionLimit => "recursion limit reached",
        }
    }
}

/// A view decoding error: what was wrong ([`kind`](Self::kind)), in which message and field
/// (the innermost one being decoded), and at which byte offset of the input.
///
/// Decoding a view never allocates, and neither does its error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ViewError {
    kind: ViewErrorKind,
    offset: usize,
    message: &'static str,
    field: &'static str,
    tag: u32,
}

impl ViewError {
    pub(crate) fn new(kind: ViewErrorKind, offset: usize) -> Self {
        Self { kind, offset, message: "", field: "", tag: 0 }
    }

    /// Records the message and field being decoded, unless an inner one already did.
    #[doc(hidden)]
    #[cold]
    pub fn within(mut self, message: &'static str, field: &'static str, tag: u32) -> Self {
        if self.message.is_empty() {
            self.message = message;
            self.field = field;
            self.tag = tag;
        }
        self
    }

    /// What was wrong.
    pub fn kind(&self) -> ViewErrorKind {
        self.kind
    }

    /// Byte offset in the decoded input where the problem was found.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The protobuf name of the innermost message being decoded (`"TimMessage"`), or `""` when
    /// the error was in a field key of the outermost message.
    pub fn message(&self) -> &'static str {
        self.message
    }

    /// The field being decoded, as named in the `.proto` file (`"fromTid"`), `""` for a field
    /// the schema does not know, or for an error in a field key.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// The field number being decoded (0 when the error was in a field key).
    pub fn tag(&self) -> u32 {
        self.tag
    }
}

impl fmt::Display for ViewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("protobuf view: ")?;
        match (self.message.is_empty(), self.field.is_empty()) {
            (true, _) => {}
            (false, false) => write!(f, "{}.{} (field {}): ", self.message, self.field, self.tag)?,
            (false, true) => write!(f, "{} unknown field {}: ", self.message, self.tag)?,
        }
        write!(f, "{} at offset {}", self.kind.description(), self.offset)
    }
}

impl std::error::Error for ViewError {}

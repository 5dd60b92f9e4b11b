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

/// Where a view error happened: a message and one of its fields, as named in the `.proto`
/// file. Generated code passes `&'static` locations, so an error carries a pointer, not names.
#[doc(hidden)]
#[derive(Debug, PartialEq, Eq)]
pub struct Location {
    /// The message name (`"TimMessage"`).
    pub message: &'static str,
    /// The field name (`"fromTid"`), `""` for a field the schema does not know.
    pub field: &'static str,
    /// The field number (0 for a field the schema does not know).
    pub tag: u32,
}

/// A view decoding error: what was wrong ([`kind`](Self::kind)), in which message and field
/// (the innermost one being decoded), and at which byte offset of the input.
///
/// Decoding a view never allocates, and neither does its error; it is 16 bytes, so a
/// `Result<(), ViewError>` comes back in registers on the hot path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ViewError {
    location: Option<&'static Location>,
    /// Saturates at `u32::MAX` (inputs over 4 GiB are not protobuf payloads in practice).
    offset: u32,
    kind: ViewErrorKind,
}

impl ViewError {
    #[cold]
    pub(crate) fn new(kind: ViewErrorKind, offset: usize) -> Self {
        let offset = u32::try_from(offset).unwrap_or(u32::MAX);
        Self {
            location: None,
            offset,
            kind,
        }
    }

    /// Records the message and field being decoded, unless an inner one already did.
    #[doc(hidden)]
    #[cold]
    pub fn within(mut self, location: &'static Location) -> Self {
        if self.location.is_none() {
            self.location = Some(location);
        }
        self
    }

    /// What was wrong.
    pub fn kind(&self) -> ViewErrorKind {
        self.kind
    }

    /// Byte offset in the decoded input where the problem was found (saturating at
    /// `u32::MAX`).
    pub fn offset(&self) -> usize {
        self.offset as usize
    }

    /// The protobuf name of the innermost message being decoded (`"TimMessage"`), or `""` when
    /// the error was in a field key of the outermost message.
    pub fn message(&self) -> &'static str {
        self.location.map_or("", |l| l.message)
    }

    /// The field being decoded, as named in the `.proto` file (`"fromTid"`); `""` for a field
    /// the schema does not know, or for an error in a field key.
    pub fn field(&self) -> &'static str {
        self.location.map_or("", |l| l.field)
    }

    /// The number of the field being decoded; 0 for a field the schema does not know, or for
    /// an error in a field key.
    pub fn tag(&self) -> u32 {
        self.location.map_or(0, |l| l.tag)
    }
}

impl fmt::Display for ViewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("protobuf view: ")?;
        match self.location {
            None => {}
            Some(l) if l.field.is_empty() => write!(f, "{} unknown field: ", l.message)?,
            Some(l) => write!(f, "{}.{} (field {}): ", l.message, l.field, l.tag)?,
        }
        write!(f, "{} at offset {}", self.kind.description(), self.offset)
    }
}

impl std::error::Error for ViewError {}

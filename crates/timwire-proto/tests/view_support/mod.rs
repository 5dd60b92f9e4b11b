//! Shared by the view test binaries (`tests/view_*.rs`): the differential check of a view
//! against prost, every message type, the descriptor set, arbitrary messages of any type
//! (prost-reflect), and a raw field tree to splice and damage encodings.
//!
//! Each binary uses part of it.
#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::fmt::{Debug, Write as _};
use std::path::Path;
use std::sync::OnceLock;

use bytes::Bytes;
use proptest::prelude::*;
use prost::Message;
use prost_reflect::{
    DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, Value,
};
use timwire_proto::view::{HasView, Owned, View, ViewError, ViewErrorKind};

// ---------------------------------------------------------------------------------------------
// The differential check
// ---------------------------------------------------------------------------------------------

/// What both decoders did with an input, when they agreed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Both accepted it, and the view converts to prost's value.
    Accepted,
    /// Both rejected it, with this error class.
    Rejected(ViewErrorKind),
}

/// One message type: its protobuf full name and the checks instantiated for its prost type.
pub struct Entry {
    /// `package.Name`.
    pub name: &'static str,
    /// The differential: `Err` describes a disagreement.
    pub check: fn(&[u8]) -> Result<Outcome, String>,
    /// Decodes with prost and encodes again.
    pub reencode: fn(&[u8]) -> Result<Vec<u8>, prost::DecodeError>,
    /// The view's error, if the view rejects the input.
    pub view_error: fn(&[u8]) -> Option<ViewError>,
    /// prost's error, if prost rejects the input.
    pub prost_error: fn(&[u8]) -> Option<prost::DecodeError>,
}

impl Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every message type of every schema (`timwire_proto::for_each_message!`).
pub fn entries() -> &'static [Entry] {
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        let mut entries = Vec::new();
        macro_rules! push {
            ($ty:path, $name:literal) => {
                entries.push(Entry {
                    name: $name,
                    check: check::<$ty>,
                    reencode: reencode::<$ty>,
                    view_error: view_error::<$ty>,
                    prost_error: prost_error::<$ty>,
                });
            };
        }
        timwire_proto::for_each_message!(push);
        entries
    })
}

/// The entry of `package.Name`.
pub fn entry(name: &str) -> &'static Entry {
    entries()
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no message type {name}"))
}

fn reencode<M: Message + Default>(bytes: &[u8]) -> Result<Vec<u8>, prost::DecodeError> {
    M::decode(bytes).map(|m| m.encode_to_vec())
}

fn view_error<M: HasView>(bytes: &[u8]) -> Option<ViewError> {
    M::view(bytes).err()
}

fn prost_error<M: Message + Default>(bytes: &[u8]) -> Option<prost::DecodeError> {
    M::decode(bytes).err()
}

/// Decodes `bytes` as an `M` with prost, as a view (`FooView::decode`) and as an
/// [`Owned<M>`] from `Bytes`, and compares: both accept or both reject; accepted values are
/// equal (the view's `to_message()` and `Owned::to_message()` against prost's); rejections
/// have the same class. Reading the whole view (its `Debug`, which walks every repeated field
/// and map) must work too.
pub fn check<M>(bytes: &[u8]) -> Result<Outcome, String>
where
    M: HasView + PartialEq + Debug,
{
    let prost = M::decode(bytes);
    let view = M::view(bytes);
    let owned = Owned::<M>::decode(Bytes::copy_from_slice(bytes));
    match (&prost, &view) {
        (Ok(expected), Ok(view)) => {
            let got = view.to_message();
            if !same_message(&got, expected) {
                return Err(format!(
                    "values differ:\n  prost {expected:?}\n  view  {got:?}"
                ));
            }
            let owned = owned.map_err(|e| format!("the view decodes but Owned fails: {e}"))?;
            let got = owned.to_message();
            if !same_message(&got, expected) {
                return Err(format!(
                    "values differ:\n  prost {expected:?}\n  Owned {got:?}"
                ));
            }
            let mut text = String::new();
            write!(text, "{view:?}").map_err(|e| e.to_string())?;
            Ok(Outcome::Accepted)
        }
        (Err(expected), Err(got)) => {
            let class = prost_error_kind(expected);
            if class != Some(got.kind()) {
                return Err(format!(
                    "error classes differ:\n  prost {expected} ({class:?})\n  view  {got} ({:?})",
                    got.kind()
                ));
            }
            match owned {
                Err(owned) if owned == *got => Ok(Outcome::Rejected(got.kind())),
                other => Err(format!(
                    "the view fails with {got} but Owned gives {:?}",
                    other.map(|_| "Ok")
                )),
            }
        }
        (Ok(expected), Err(got)) => Err(format!(
            "prost accepts, the view rejects:\n  prost {expected:?}\n  view  {got} ({:?})",
            got.kind()
        )),
        (Err(expected), Ok(got)) => Err(format!(
            "prost rejects, the view accepts:\n  prost {expected}\n  view  {:?}",
            got.to_message()
        )),
    }
}

/// Runs the differential of `entry` on `bytes`; on a disagreement, the message names the type
/// and gives the input in hex.
pub fn differential(entry: &Entry, bytes: &[u8]) -> Result<Outcome, String> {
    (entry.check)(bytes).map_err(|e| format!("{}: input {}\n{e}", entry.name, hex(bytes)))
}

/// Whether two prost messages are the same value: `==`, or the same encoding (a `NaN` in a
/// float field is never `==` to itself; maps encode in hash order, so `==` comes first).
pub fn same_message<M: Message + PartialEq>(a: &M, b: &M) -> bool {
    a == b || a.encode_to_vec() == b.encode_to_vec()
}

/// The [`ViewErrorKind`] of a prost `DecodeError`: its description (after
/// `failed to decode Protobuf message: ` and the `Message.field: ` stack) is one of
/// [`ViewErrorKind::description`], the three that carry values matched on their prefix.
pub fn prost_error_kind(error: &prost::DecodeError) -> Option<ViewErrorKind> {
    let description = prost_description(error);
    ALL_KINDS.into_iter().find(|kind| {
        let words = kind.description();
        match *kind {
            ViewErrorKind::InvalidWireType | ViewErrorKind::InvalidKey => description
                .strip_prefix(words)
                .is_some_and(|n| n.starts_with(": ")),
            ViewErrorKind::UnexpectedWireType => description
                .strip_prefix(words)
                .is_some_and(|n| n.starts_with(": ") && n.contains(" (expected ")),
            _ => description == words,
        }
    })
}

/// Every error class; the two "invalid wire type" ones most specific first.
pub const ALL_KINDS: [ViewErrorKind; 10] = [
    ViewErrorKind::InvalidWireType,
    ViewErrorKind::UnexpectedWireType,
    ViewErrorKind::InvalidVarint,
    ViewErrorKind::InvalidKey,
    ViewErrorKind::InvalidTag,
    ViewErrorKind::BufferUnderflow,
    ViewErrorKind::DelimitedLengthExceeded,
    ViewErrorKind::UnexpectedEndGroup,
    ViewErrorKind::InvalidUtf8,
    ViewErrorKind::RecursionLimit,
];

/// prost's `(message, field)` stack, innermost first (Rust names: `TimMessage`, `from_tid`).
pub fn prost_stack(error: &prost::DecodeError) -> Vec<(String, String)> {
    let text = error.to_string();
    let mut rest = text
        .strip_prefix("failed to decode Protobuf message: ")
        .unwrap_or(&text);
    let mut stack = Vec::new();
    while let Some((frame, tail)) = rest.split_once(": ") {
        let Some((message, field)) = frame.split_once('.') else {
            break;
        };
        let ident = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '#')
        };
        if !ident(message) || !ident(field) {
            break;
        }
        stack.push((message.to_string(), field.to_string()));
        rest = tail;
    }
    stack
}

/// prost's description, without the prefix and the stack.
pub fn prost_description(error: &prost::DecodeError) -> String {
    let text = error.to_string();
    let mut rest = text
        .strip_prefix("failed to decode Protobuf message: ")
        .unwrap_or(&text);
    for _ in prost_stack(error) {
        rest = rest.split_once(": ").map_or(rest, |(_, tail)| tail);
    }
    rest.to_string()
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

// ---------------------------------------------------------------------------------------------
// Descriptors
// ---------------------------------------------------------------------------------------------

/// The descriptors of every schema: `src/generated/descriptor.bin` (written with the generated
/// code), or, when it is absent, `proto/` compiled by protox.
pub fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let bin = manifest.join("src/generated/descriptor.bin");
        if let Ok(bytes) = std::fs::read(&bin) {
            if let Ok(pool) = DescriptorPool::decode(&bytes[..]) {
                if entries()
                    .iter()
                    .all(|e| pool.get_message_by_name(e.name).is_some())
                {
                    return pool;
                }
            }
        }
        let proto = manifest.join("../../proto");
        let mut files = Vec::new();
        let mut dirs = vec![proto.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("proto/ is readable") {
                let path = entry.expect("a directory entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "proto") {
                    files.push(
                        path.strip_prefix(&proto)
                            .expect("under proto/")
                            .to_path_buf(),
                    );
                }
            }
        }
        files.sort();
        let set = protox::compile(&files, [&proto]).expect("proto/ compiles");
        DescriptorPool::from_file_descriptor_set(set).expect("a valid descriptor set")
    })
}

/// The descriptor of `package.Name`.
pub fn descriptor(name: &str) -> MessageDescriptor {
    pool()
        .get_message_by_name(name)
        .unwrap_or_else(|| panic!("{name} is not in the descriptor set"))
}

// ---------------------------------------------------------------------------------------------
// Arbitrary messages of any type
// ---------------------------------------------------------------------------------------------

/// Nesting depth of generated messages: deeper than any path of timwire's schemas
/// (TimMessageList → TimMessage → Tid → map entry), so every field can be reached.
pub const DEPTH: u32 = 5;

/// Arbitrary `DynamicMessage`s of `desc`: a random subset of the fields (required ones may be
/// missing, a oneof keeps the last member set), each with an arbitrary value of its kind:
/// integers over their whole range, floats including NaN, infinities and -0, strings with
/// non-ASCII text, bytes, enum numbers known and unknown, lists and maps of 0–3 elements
/// (small key spaces, so merged encodings repeat keys), nested messages to `depth`.
pub fn message(desc: &MessageDescriptor, depth: u32) -> BoxedStrategy<DynamicMessage> {
    let fields: Vec<BoxedStrategy<Option<(FieldDescriptor, Value)>>> = desc
        .fields()
        .map(|field| {
            let value = field_value(&field, depth);
            proptest::option::weighted(0.6, value)
                .prop_map(move |v| v.map(|v| (field.clone(), v)))
                .boxed()
        })
        .collect();
    let desc = desc.clone();
    fields
        .prop_map(move |values| {
            let mut message = DynamicMessage::new(desc.clone());
            for (field, value) in values.into_iter().flatten() {
                message.set_field(&field, value);
            }
            message
        })
        .boxed()
}

fn field_value(field: &FieldDescriptor, depth: u32) -> BoxedStrategy<Value> {
    if field.is_map() {
        let Kind::Message(entry) = field.kind() else {
            unreachable!("a map field's kind is its entry message")
        };
        let key = map_key(&entry.map_entry_key_field().kind());
        let value = single(&entry.map_entry_value_field().kind(), depth);
        proptest::collection::vec((key, value), 0..4)
            .prop_map(|entries| Value::Map(entries.into_iter().collect::<HashMap<_, _>>()))
            .boxed()
    } else if field.is_list() {
        proptest::collection::vec(single(&field.kind(), depth), 0..4)
            .prop_map(Value::List)
            .boxed()
    } else {
        single(&field.kind(), depth)
    }
}

/// Strings: short ASCII from a small alphabet (so keys repeat), any chars, and fixed
/// non-ASCII text (2-, 3- and 4-byte UTF-8).
pub fn text() -> BoxedStrategy<String> {
    prop_oneof![
        "[ab]{0,2}",
        proptest::collection::vec(any::<char>(), 0..8).prop_map(String::from_iter),
        Just("é中文😀".to_string()),
        "\\PC{0,12}",
    ]
    .boxed()
}

fn map_key(kind: &Kind) -> BoxedStrategy<MapKey> {
    match kind {
        Kind::String => text().prop_map(MapKey::String).boxed(),
        Kind::Bool => any::<bool>().prop_map(MapKey::Bool).boxed(),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => prop_oneof![-2..3i32, any::<i32>()]
            .prop_map(MapKey::I32)
            .boxed(),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => prop_oneof![-2..3i64, any::<i64>()]
            .prop_map(MapKey::I64)
            .boxed(),
        Kind::Uint32 | Kind::Fixed32 => prop_oneof![0..3u32, any::<u32>()]
            .prop_map(MapKey::U32)
            .boxed(),
        Kind::Uint64 | Kind::Fixed64 => prop_oneof![0..3u64, any::<u64>()]
            .prop_map(MapKey::U64)
            .boxed(),
        other => unreachable!("{other:?} cannot be a map key"),
    }
}

fn single(kind: &Kind, depth: u32) -> BoxedStrategy<Value> {
    match kind {
        Kind::Double => any::<f64>().prop_map(Value::F64).boxed(),
        Kind::Float => any::<f32>().prop_map(Value::F32).boxed(),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
            prop_oneof![-2..3i32, any::<i32>(), Just(i32::MIN), Just(i32::MAX)]
                .prop_map(Value::I32)
                .boxed()
        }
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => {
            prop_oneof![-2..3i64, any::<i64>(), Just(i64::MIN), Just(i64::MAX)]
                .prop_map(Value::I64)
                .boxed()
        }
        Kind::Uint32 | Kind::Fixed32 => prop_oneof![0..3u32, any::<u32>(), Just(u32::MAX)]
            .prop_map(Value::U32)
            .boxed(),
        Kind::Uint64 | Kind::Fixed64 => prop_oneof![0..3u64, any::<u64>(), Just(u64::MAX)]
            .prop_map(Value::U64)
            .boxed(),
        Kind::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Kind::String => text().prop_map(Value::String).boxed(),
        Kind::Bytes => proptest::collection::vec(any::<u8>(), 0..12)
            .prop_map(|b| Value::Bytes(b.into()))
            .boxed(),
        Kind::Enum(e) => {
            let known: Vec<i32> = e.values().map(|v| v.number()).collect();
            prop_oneof![
                3 => proptest::sample::select(known),
                1 => -3..12i32,
                1 => any::<i32>(),
            ]
            .prop_map(Value::EnumNumber)
            .boxed()
        }
        Kind::Message(m) if depth == 0 => {
            Just(Value::Message(DynamicMessage::new(m.clone()))).boxed()
        }
        Kind::Message(m) => message(m, depth - 1).prop_map(Value::Message).boxed(),
    }
}

/// A message of `desc` with every field set (lists of 3, maps of 2, strings non-ASCII, nested
/// messages to `depth`), varied by `salt`: a realistic, full encoding without randomness.
pub fn full_message(desc: &MessageDescriptor, depth: u32, salt: u64) -> DynamicMessage {
    let mut message = DynamicMessage::new(desc.clone());
    let mut members_set = Vec::new();
    for (i, field) in desc.fields().enumerate() {
        // One member per oneof, or setting the next would clear it.
        if let Some(oneof) = field.containing_oneof() {
            if members_set.contains(&oneof.name().to_string()) {
                continue;
            }
            members_set.push(oneof.name().to_string());
        }
        let salt = salt.wrapping_mul(31).wrapping_add(i as u64);
        let value = if field.is_map() {
            let Kind::Message(entry) = field.kind() else {
                unreachable!()
            };
            let key_kind = entry.map_entry_key_field().kind();
            let value_kind = entry.map_entry_value_field().kind();
            Value::Map(
                (0..2u64)
                    .map(|n| {
                        let key = match full_value(&key_kind, 0, salt + n) {
                            Value::String(s) => MapKey::String(s),
                            Value::I32(v) => MapKey::I32(v),
                            Value::I64(v) => MapKey::I64(v),
                            Value::U32(v) => MapKey::U32(v),
                            Value::U64(v) => MapKey::U64(v),
                            Value::Bool(v) => MapKey::Bool(v),
                            other => unreachable!("{other:?}"),
                        };
                        (key, full_value(&value_kind, depth, salt + n))
                    })
                    .collect(),
            )
        } else if field.is_list() {
            Value::List(
                (0..3)
                    .map(|n| full_value(&field.kind(), depth, salt + n))
                    .collect(),
            )
        } else {
            full_value(&field.kind(), depth, salt)
        };
        message.set_field(&field, value);
    }
    message
}

fn full_value(kind: &Kind, depth: u32, salt: u64) -> Value {
    let n = salt % 7;
    match kind {
        Kind::Double => Value::F64(-1234.5 - n as f64),
        Kind::Float => Value::F32(0.25 + n as f32),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Value::I32(-1_000_000 - n as i32),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(1 << 60 | n as i64),
        Kind::Uint32 | Kind::Fixed32 => Value::U32(4_000_000_000 + n as u32),
        Kind::Uint64 | Kind::Fixed64 => Value::U64(u64::MAX - n),
        Kind::Bool => Value::Bool(true),
        Kind::String => Value::String(format!("k{n}-é中文😀")),
        Kind::Bytes => Value::Bytes(Bytes::from(vec![0xA5; 3 + n as usize])),
        Kind::Enum(e) => Value::EnumNumber(e.values().last().map_or(1, |v| v.number())),
        Kind::Message(m) if depth == 0 => Value::Message(DynamicMessage::new(m.clone())),
        Kind::Message(m) => Value::Message(full_message(m, depth - 1, salt)),
    }
}

// ---------------------------------------------------------------------------------------------
// A raw field tree, to splice encodings
// ---------------------------------------------------------------------------------------------

/// One field of an encoding, its nested messages parsed (with the schema) into fields too.
#[derive(Clone, Debug)]
pub struct Field {
    /// The field number.
    pub number: u32,
    /// The value.
    pub value: Raw,
    /// The field's kind in the schema, `None` for a field the schema does not know.
    pub kind: Option<Kind>,
}

/// The value of a [`Field`].
#[derive(Clone, Debug)]
pub enum Raw {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1.
    Fixed64([u8; 8]),
    /// Wire type 5.
    Fixed32([u8; 4]),
    /// Wire type 2, not a message (string, bytes, packed list, unknown).
    Bytes(Vec<u8>),
    /// Wire type 2, a message of the schema: its fields.
    Message(Vec<Field>),
    /// Wire type 3 … 4 (unknown fields only in timwire's schemas).
    Group(Vec<Field>),
    /// Bytes written as they are, in place of a field: junk spliced in at a field boundary.
    Verbatim(Vec<u8>),
}

/// Parses a valid encoding of `desc` into fields.
pub fn parse(bytes: &[u8], desc: Option<&MessageDescriptor>) -> Vec<Field> {
    let mut pos = 0;
    let fields = parse_until(bytes, &mut pos, desc, None);
    assert_eq!(pos, bytes.len());
    fields
}

fn read_varint(bytes: &[u8], pos: &mut usize) -> u64 {
    let mut value = 0u64;
    for shift in (0..70).step_by(7) {
        let b = bytes[*pos];
        *pos += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            break;
        }
    }
    value
}

fn parse_until(
    bytes: &[u8],
    pos: &mut usize,
    desc: Option<&MessageDescriptor>,
    group: Option<u32>,
) -> Vec<Field> {
    let mut fields = Vec::new();
    while *pos < bytes.len() {
        let key = read_varint(bytes, pos);
        let number = (key >> 3) as u32;
        let known = desc.and_then(|d| d.get_field(number));
        let kind = known.as_ref().map(|f| f.kind());
        let value = match key & 7 {
            0 => Raw::Varint(read_varint(bytes, pos)),
            1 => {
                let v = bytes[*pos..*pos + 8].try_into().unwrap();
                *pos += 8;
                Raw::Fixed64(v)
            }
            5 => {
                let v = bytes[*pos..*pos + 4].try_into().unwrap();
                *pos += 4;
                Raw::Fixed32(v)
            }
            2 => {
                let len = read_varint(bytes, pos) as usize;
                let body = &bytes[*pos..*pos + len];
                *pos += len;
                match &kind {
                    Some(Kind::Message(m)) => Raw::Message(parse(body, Some(m))),
                    _ => Raw::Bytes(body.to_vec()),
                }
            }
            3 => Raw::Group(parse_until(bytes, pos, None, Some(number))),
            4 => {
                assert_eq!(group, Some(number), "valid input");
                return fields;
            }
            _ => unreachable!("valid input"),
        };
        fields.push(Field {
            number,
            value,
            kind,
        });
    }
    assert!(group.is_none(), "valid input");
    fields
}

/// Appends a varint.
pub fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Appends a field key.
pub fn put_key(out: &mut Vec<u8>, number: u32, wire_type: u8) {
    put_varint(out, u64::from(number) << 3 | u64::from(wire_type));
}

/// Encodes fields (lengths recomputed).
pub fn write(fields: &[Field]) -> Vec<u8> {
    let mut out = Vec::new();
    write_into(fields, &mut out);
    out
}

fn write_into(fields: &[Field], out: &mut Vec<u8>) {
    for field in fields {
        match &field.value {
            Raw::Varint(v) => {
                put_key(out, field.number, 0);
                put_varint(out, *v);
            }
            Raw::Fixed64(v) => {
                put_key(out, field.number, 1);
                out.extend_from_slice(v);
            }
            Raw::Fixed32(v) => {
                put_key(out, field.number, 5);
                out.extend_from_slice(v);
            }
            Raw::Bytes(v) => {
                put_key(out, field.number, 2);
                put_varint(out, v.len() as u64);
                out.extend_from_slice(v);
            }
            Raw::Message(fields) => {
                let body = write(fields);
                put_key(out, field.number, 2);
                put_varint(out, body.len() as u64);
                out.extend_from_slice(&body);
            }
            Raw::Group(fields) => {
                put_key(out, field.number, 3);
                write_into(fields, out);
                put_key(out, field.number, 4);
            }
            Raw::Verbatim(bytes) => out.extend_from_slice(bytes),
        }
    }
}

/// A small deterministic random source for mutations (proptest shrinks its seed).
#[derive(Clone, Debug)]
pub struct Dice(u64);

impl Dice {
    /// From a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits (splitmix64).
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// True with probability `percent`%.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A field number `desc` does not know: near its own numbers, or far away (up to the largest
/// field number, 2^29 - 1).
pub fn unknown_number(desc: Option<&MessageDescriptor>, rng: &mut Dice) -> u32 {
    loop {
        let n = match rng.below(4) {
            0 => 1 + rng.below(40) as u32,
            1 => 100 + rng.below(2000) as u32,
            2 => (1 << 29) - 1,
            _ => 19_000 + rng.below(1000) as u32,
        };
        if desc.is_none_or(|d| d.get_field(n).is_none()) {
            return n;
        }
    }
}

/// An unknown field of a random wire type (a group holds more unknown fields, groups among
/// them, to `depth`).
pub fn unknown_field(desc: Option<&MessageDescriptor>, rng: &mut Dice, depth: u32) -> Field {
    let number = unknown_number(desc, rng);
    let value = match rng.below(if depth == 0 { 4 } else { 5 }) {
        0 => Raw::Varint(match rng.below(3) {
            0 => rng.below(128) as u64,
            1 => u64::MAX,
            _ => rng.next(),
        }),
        1 => Raw::Fixed64(rng.next().to_le_bytes()),
        2 => Raw::Fixed32((rng.next() as u32).to_le_bytes()),
        3 => Raw::Bytes((0..rng.below(6)).map(|_| rng.next() as u8).collect()),
        _ => Raw::Group(
            (0..rng.below(4))
                .map(|_| unknown_field(None, rng, depth - 1))
                .collect(),
        ),
    };
    Field {
        number,
        value,
        kind: None,
    }
}

/// Valid rewrites of an encoding that a plain encoder never produces, applied at every level
/// of the tree: fields reversed or shuffled; a field duplicated later (a scalar then has two
/// values, the last wins; a message occurs twice and merges; a list or map grows); a message
/// field split into two occurrences of itself (so nested messages occur twice inside a field
/// that occurs twice); map entries crossed over (a repeated key with another value, a key or
/// a value missing); fields dropped (proto2 required ones, map keys and values); unknown
/// fields of every wire type, nested groups among them, interleaved.
pub fn mutate(fields: &mut Vec<Field>, desc: Option<&MessageDescriptor>, rng: &mut Dice) {
    for field in fields.iter_mut() {
        if let (Raw::Message(inner), Some(Kind::Message(m))) = (&mut field.value, &field.kind) {
            if rng.chance(70) {
                mutate(inner, Some(m), rng);
            }
        }
    }
    if fields.len() > 1 && rng.chance(20) {
        fields.reverse();
    }
    if fields.len() > 1 && rng.chance(20) {
        for i in (1..fields.len()).rev() {
            let j = rng.below(i + 1);
            fields.swap(i, j);
        }
    }
    for _ in 0..rng.below(3) {
        if fields.is_empty() {
            break;
        }
        let i = rng.below(fields.len());
        let copy = fields[i].clone();
        let at = i + 1 + rng.below(fields.len() - i);
        fields.insert(at, copy);
    }
    if rng.chance(40) {
        // Split a message field in two occurrences.
        let messages: Vec<usize> = (0..fields.len())
            .filter(|&i| matches!(fields[i].value, Raw::Message(_)))
            .collect();
        if !messages.is_empty() {
            let i = messages[rng.below(messages.len())];
            if let Raw::Message(inner) = &mut fields[i].value {
                let cut = rng.below(inner.len() + 1);
                let tail = inner.split_off(cut);
                let second = Field {
                    number: fields[i].number,
                    value: Raw::Message(tail),
                    kind: fields[i].kind.clone(),
                };
                let at = i + 1 + rng.below(fields.len() - i);
                fields.insert(at, second);
            }
        }
    }
    if rng.chance(30) {
        // Map entries crossed over: the key of one, the value of another (or neither).
        let entries: Vec<usize> = (0..fields.len())
            .filter(|&i| {
                matches!(&fields[i].kind, Some(Kind::Message(m)) if m.is_map_entry())
                    && matches!(fields[i].value, Raw::Message(_))
            })
            .collect();
        if !entries.is_empty() {
            let a = entries[rng.below(entries.len())];
            // An entry of the same map field (another map's value may have another type).
            let same: Vec<usize> = entries
                .iter()
                .copied()
                .filter(|&i| fields[i].number == fields[a].number)
                .collect();
            let b = same[rng.below(same.len())];
            let pick = |i: usize, n: u32| match &fields[i].value {
                Raw::Message(inner) => inner.iter().filter(|f| f.number == n).cloned().collect(),
                _ => Vec::new(),
            };
            let mut inner: Vec<Field> = Vec::new();
            if rng.chance(75) {
                inner.extend(pick(a, 1));
            }
            if rng.chance(75) {
                inner.extend(pick(b, 2));
            }
            let entry = Field {
                number: fields[a].number,
                value: Raw::Message(inner),
                kind: fields[a].kind.clone(),
            };
            let at = rng.below(fields.len() + 1);
            fields.insert(at, entry);
        }
    }
    if !fields.is_empty() && rng.chance(15) {
        let i = rng.below(fields.len());
        fields.remove(i);
    }
    for _ in 0..rng.below(3) {
        let unknown = unknown_field(desc, rng, 3);
        let at = rng.below(fields.len() + 1);
        fields.insert(at, unknown);
    }
}

/// Junk to splice in at a field boundary, each kind of malformed field: keys with wire types 6
/// and 7, field number 0, keys above `u32::MAX`, 10- and 11-byte varints, lengths past the
/// end, an end group alone or mismatched, a group never closed, a bad varint value.
pub fn junk(rng: &mut Dice, number: u32) -> Vec<u8> {
    let mut out = Vec::new();
    match rng.below(14) {
        0 => put_key(&mut out, number, 6 + rng.below(2) as u8),
        1 => {
            // Field number 0, wire types 0 to 5.
            out.push(rng.below(6) as u8);
            out.push(0x01);
        }
        2 => out.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x10]), // key 2^32
        3 => out.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0x0F]), // key u32::MAX: field 2^29-1, wire type 7
        4 => {
            // A 10-byte varint value (valid) and an 11-byte one (invalid).
            put_key(&mut out, number, 0);
            out.extend_from_slice(&[0xFF; 9]);
            out.push(if rng.chance(50) { 0x01 } else { 0x02 });
        }
        5 => {
            put_key(&mut out, number, 0);
            out.extend_from_slice(&[0xFF; 10]);
            out.push(0x01);
        }
        6 => {
            put_key(&mut out, number, 2);
            out.push(0x7F);
            out.push(0x61);
        }
        7 => {
            put_key(&mut out, number, 2);
            out.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
        }
        8 => put_key(&mut out, number, 4),
        9 => {
            put_key(&mut out, number, 3);
            put_key(&mut out, number + 1, 4);
        }
        10 => put_key(&mut out, number, 3),
        11 => {
            put_key(&mut out, number, 5);
            out.push(0x01);
        }
        12 => {
            // A varint key truncated by the end of its message.
            out.push(0x80 | (number as u8 & 0x7F));
        }
        _ => {
            put_key(&mut out, number, 1);
            out.extend_from_slice(&[0x01, 0x02, 0x03]);
        }
    }
    out
}

/// Damages a tree: at one level (top or nested), splices in [`junk`] for a known or unknown
/// field number, or replaces a string's bytes with invalid UTF-8, or changes a known field's
/// wire type.
pub fn damage(fields: &mut Vec<Field>, desc: Option<&MessageDescriptor>, rng: &mut Dice) {
    let nested: Vec<usize> = (0..fields.len())
        .filter(|&i| matches!(fields[i].value, Raw::Message(_)))
        .collect();
    if !nested.is_empty() && rng.chance(50) {
        let i = nested[rng.below(nested.len())];
        let m = match &fields[i].kind {
            Some(Kind::Message(m)) => Some(m.clone()),
            _ => None,
        };
        if let Raw::Message(inner) = &mut fields[i].value {
            damage(inner, m.as_ref(), rng);
            return;
        }
    }
    let known: Vec<u32> = desc
        .map(|d| d.fields().map(|f| f.number()).collect())
        .unwrap_or_default();
    match rng.below(4) {
        0 => {
            // Invalid UTF-8 in a string field.
            let strings: Vec<usize> = (0..fields.len())
                .filter(|&i| {
                    matches!(fields[i].kind, Some(Kind::String))
                        && matches!(fields[i].value, Raw::Bytes(_))
                })
                .collect();
            if let Some(&i) = strings.get(rng.below(strings.len())) {
                if let Raw::Bytes(s) = &mut fields[i].value {
                    const BAD: [&[u8]; 6] = [
                        &[0xFF],
                        &[0xC3, 0x28],
                        &[0xED, 0xA0, 0x80],
                        &[0xC0, 0x80],
                        &[0xF4, 0x90, 0x80, 0x80],
                        &[0xE4, 0xB8],
                    ];
                    let at = rng.below(s.len() + 1);
                    let bad = BAD[rng.below(BAD.len())];
                    s.splice(at..at, bad.iter().copied());
                    return;
                }
            }
            let at = rng.below(fields.len() + 1);
            fields.insert(
                at,
                Field {
                    number: 0,
                    value: Raw::Verbatim(junk(rng, 1)),
                    kind: None,
                },
            );
        }
        1 if !known.is_empty() => {
            // A known field with every wire type.
            let number = known[rng.below(known.len())];
            let value = match rng.below(5) {
                0 => Raw::Varint(1),
                1 => Raw::Fixed64([1; 8]),
                2 => Raw::Fixed32([1; 4]),
                3 => Raw::Bytes(vec![0x08, 0x01]),
                _ => Raw::Group(Vec::new()),
            };
            let at = rng.below(fields.len() + 1);
            fields.insert(
                at,
                Field {
                    number,
                    value,
                    kind: None,
                },
            );
        }
        _ => {
            let number = if !known.is_empty() && rng.chance(50) {
                known[rng.below(known.len())]
            } else {
                unknown_number(desc, rng)
            };
            let at = rng.below(fields.len() + 1);
            fields.insert(
                at,
                Field {
                    number: 0,
                    value: Raw::Verbatim(junk(rng, number)),
                    kind: None,
                },
            );
        }
    }
}

/// Byte-level damage to an encoding: a flipped byte, an inserted or deleted byte, or a
/// truncation.
pub fn damage_bytes(bytes: &mut Vec<u8>, rng: &mut Dice) {
    if bytes.is_empty() {
        bytes.push(rng.next() as u8);
        return;
    }
    let at = rng.below(bytes.len());
    match rng.below(4) {
        0 => bytes[at] ^= 1 << rng.below(8),
        1 => bytes[at] = rng.next() as u8,
        2 => bytes.insert(at, rng.next() as u8),
        _ => {
            bytes.remove(at);
        }
    }
}

/// Encodings that look like protobuf: keys with small field numbers and any wire type
/// (6 and 7 included), varints (some 10 and 11 bytes long), lengths, group starts and ends,
/// and raw bytes, concatenated.
pub fn wireish() -> BoxedStrategy<Vec<u8>> {
    let token = prop_oneof![
        4 => (1u32..24, 0u8..8).prop_map(|(n, w)| {
            let mut out = Vec::new();
            put_key(&mut out, n, w);
            out
        }),
        2 => any::<u64>().prop_map(|v| {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            out
        }),
        2 => (0u8..16).prop_map(|n| vec![n]),
        1 => (9usize..12, 0u8..3).prop_map(|(n, last)| {
            let mut out = vec![0xFF; n - 1];
            out.push(last);
            out
        }),
        2 => proptest::collection::vec(any::<u8>(), 0..6),
    ];
    proptest::collection::vec(token, 0..48)
        .prop_map(|tokens| tokens.concat())
        .boxed()
}

/// A proptest configuration with `cases` cases and no failure persistence file (the tests
/// live in a crate without a `proptest-regressions` convention).
pub fn config(cases: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}

//! The zero-copy views against prost, on every message type of every schema
//! (`timwire_proto::for_each_message!`): the view decoder must accept exactly what prost 0.14
//! accepts, give exactly prost's values (`FooView::decode(b)?.to_message() == Foo::decode(b)?`,
//! and the same through `Owned<Foo>`), and reject with prost's error class.
//!
//! - `prost_*`: arbitrary messages of every type (prost-reflect, from the descriptor set),
//!   their own encoding and prost's re-encoding.
//! - `spliced_*` and the named cases: wire-level rewrites a plain encoder never produces (fields
//!   twice, merged messages, reordered fields, unknown fields and groups, missing required
//!   fields, map entries without key or value, repeated keys, unknown enum numbers), all valid;
//!   packed and unpacked lists on a hand-built message (no schema has a repeated number).
//! - `arbitrary_*`, `damaged_*`, `truncated_*`, `groups_*`: malformed input.
//!
//! A disagreement fails with the message type, the input in hex and both results.
//!
//! Proptest cases, set explicitly (`PROPTEST_CASES` does not change them): `PER_TYPE_CASES`
//! per message type for the per-type properties (128 types, so about 3,000 cases each),
//! `BYTES_CASES` inputs for the one that runs every type on each input. Chosen so that this
//! binary runs in about 12 s in a debug build on 2 idle cores.

mod view_support;

use std::cell::RefCell;
use std::collections::HashSet;

use bytes::Bytes;
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use prost::Message as _;
use timwire_proto::conversation;
use timwire_proto::rongcloud;
use timwire_proto::tim;
use timwire_proto::view::codec;
use timwire_proto::view::{
    Ctx, HasView, Location, Owned, Reader, Repeated, Src, View, ViewError, ViewErrorKind, WireType,
    check_repeated,
};
use view_support::*;

/// Cases per message type of the per-type properties.
const PER_TYPE_CASES: u32 = 24;
/// Inputs of the properties that run every message type on each input.
const BYTES_CASES: u32 = 192;

fn for_every_type(
    cases: u32,
    mut property: impl FnMut(&'static Entry, prost_reflect::MessageDescriptor, &mut TestRunner),
) {
    for entry in entries() {
        let desc = descriptor(entry.name);
        let mut runner = TestRunner::new(config(cases));
        property(entry, desc, &mut runner);
    }
}

fn fail(message: String) -> TestCaseError {
    TestCaseError::fail(message)
}

/// `differential`, and the input must be accepted.
fn accepted(entry: &Entry, bytes: &[u8]) -> Result<(), TestCaseError> {
    match differential(entry, bytes).map_err(fail)? {
        Outcome::Accepted => Ok(()),
        Outcome::Rejected(kind) => Err(fail(format!(
            "{}: a valid encoding was rejected by both ({kind:?}): {}",
            entry.name,
            hex(bytes)
        ))),
    }
}

// ---------------------------------------------------------------------------------------------
// 1a. Arbitrary messages of every type
// ---------------------------------------------------------------------------------------------

#[test]
fn descriptor_set_has_every_type() {
    assert!(entries().len() > 100, "{} message types", entries().len());
    for entry in entries() {
        descriptor(entry.name);
    }
}

#[test]
fn prost_encodings_of_every_type_decode_as_views() {
    for_every_type(PER_TYPE_CASES, |entry, desc, runner| {
        let strategy = message(&desc, DEPTH);
        let result = runner.run(&strategy, |message| {
            // prost-reflect's own encoding (lists packed or not per the schema) ...
            let bytes = message.encode_to_vec();
            accepted(entry, &bytes)?;
            // ... and prost's: decoded into `Foo`, encoded again.
            let again = (entry.reencode)(&bytes).map_err(|e| {
                fail(format!(
                    "{}: prost rejects {}: {e}",
                    entry.name,
                    hex(&bytes)
                ))
            })?;
            accepted(entry, &again)
        });
        if let Err(e) = result {
            panic!("{}: {e}", entry.name);
        }
    });
}

#[test]
fn empty_encoding_of_every_type() {
    // Every field absent: proto2 `required` ones too (prost does not enforce them; its
    // defaults, enum ones included, are the view's).
    for entry in entries() {
        assert_eq!(differential(entry, &[]), Ok(Outcome::Accepted));
    }
}

#[test]
fn full_encodings_of_every_type() {
    for entry in entries() {
        let desc = descriptor(entry.name);
        for salt in 0..3 {
            let bytes = full_message(&desc, DEPTH, salt).encode_to_vec();
            assert_eq!(differential(entry, &bytes), Ok(Outcome::Accepted));
            // Twice: every scalar twice, every message merged, every list and map doubled.
            let twice = [&bytes[..], &bytes].concat();
            assert_eq!(differential(entry, &twice), Ok(Outcome::Accepted));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 1b. Wire-level rewrites of valid encodings
// ---------------------------------------------------------------------------------------------

#[test]
fn spliced_encodings_of_every_type() {
    for_every_type(PER_TYPE_CASES, |entry, desc, runner| {
        let strategy = (message(&desc, DEPTH), message(&desc, DEPTH), any::<u64>());
        let result = runner.run(&strategy, |(a, b, seed)| {
            let a = a.encode_to_vec();
            let b = b.encode_to_vec();
            // Concatenation is merge: every field of both, scalars last-wins, messages merged
            // at every depth, lists and maps appended (keys of a small alphabet repeat).
            let ab = [&a[..], &b].concat();
            accepted(entry, &ab)?;
            let mut rng = Dice::new(seed);
            for source in [&a, &ab] {
                let mut tree = parse(source, Some(&desc));
                for _ in 0..3 {
                    mutate(&mut tree, Some(&desc), &mut rng);
                    accepted(entry, &write(&tree))?;
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{}: {e}", entry.name);
        }
    });
}

#[test]
fn scalar_field_twice_last_wins() {
    // TimMessage.msType (1) = 2 then 7; dataString (10) = "a" then "b".
    let bytes = [0x08, 0x02, 0x52, 0x01, b'a', 0x08, 0x07, 0x52, 0x01, b'b'];
    let view = tim::TimMessageView::decode(&bytes).unwrap();
    assert_eq!(view.ms_type, 7);
    assert_eq!(view.data_string, Some("b"));
    assert_eq!(
        differential(entry("tim.TimMessage"), &bytes),
        Ok(Outcome::Accepted)
    );
}

#[test]
fn nested_messages_twice_merge_at_every_depth() {
    // Conversation.lastMessage (a Message) occurs three times; its `file` (a FileAttachment)
    // occurs in two of them, and twice inside the last: four occurrences of one nested
    // message, in two occurrences of its parent, to merge into one.
    let file = |name: &str, size: u64| conversation::FileAttachment {
        name: name.into(),
        size,
        ..Default::default()
    };
    let part = |m: conversation::Message| {
        conversation::Conversation {
            last_message: Some(m),
            ..Default::default()
        }
        .encode_to_vec()
    };
    let one = part(conversation::Message {
        id: "m1".into(),
        file: Some(file("a.txt", 0)),
        ..Default::default()
    });
    let two = part(conversation::Message {
        content: "hello".into(),
        ..Default::default()
    });
    let mut three_inner = conversation::Message {
        file: Some(file("", 42)),
        ..Default::default()
    }
    .encode_to_vec();
    three_inner.extend(
        conversation::Message {
            file: Some(file("b.txt", 0)),
            ..Default::default()
        }
        .encode_to_vec(),
    );
    let mut three = Vec::new();
    put_key(&mut three, 6, 2);
    put_varint(&mut three, three_inner.len() as u64);
    three.extend_from_slice(&three_inner);
    let bytes = [one, two, three].concat();

    let view = conversation::ConversationView::decode(&bytes).unwrap();
    let message = view.last_message.unwrap();
    assert_eq!(message.id, "m1");
    assert_eq!(message.content, "hello");
    let file = message.file.unwrap();
    assert_eq!((file.name, file.size), ("b.txt", 42));
    assert_eq!(
        differential(entry("timwire.conversation.Conversation"), &bytes),
        Ok(Outcome::Accepted)
    );
}

#[test]
fn merged_messages_keep_every_list_and_map_element() {
    // TimMessageList.messageList[0] is a TimMessage whose fromTid (a Tid) occurs twice, each
    // with one map entry: the merged Tid's map walks both occurrences.
    let tid = |k: &str| {
        tim::TimMessage {
            from_tid: Some(tim::Tid {
                extend: [(k.to_string(), "v".to_string())].into(),
                ..Default::default()
            }),
            to_list: vec![k.into()],
            ..Default::default()
        }
        .encode_to_vec()
    };
    let bytes = [tid("a"), tid("b")].concat();
    let view = tim::TimMessageView::decode(&bytes).unwrap();
    let keys: Vec<&str> = view
        .from_tid
        .unwrap()
        .extend()
        .iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys, ["a", "b"]);
    assert_eq!(view.to_list().iter().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(
        differential(entry("tim.TimMessage"), &bytes),
        Ok(Outcome::Accepted)
    );
}

#[test]
fn map_entries_repeated_key_and_missing_key_or_value() {
    // TimMessage.extend (15): map<string, string>.
    let entry_of = |fields: &[(u32, &str)]| {
        let mut body = Vec::new();
        for &(n, s) in fields {
            put_key(&mut body, n, 2);
            put_varint(&mut body, s.len() as u64);
            body.extend_from_slice(s.as_bytes());
        }
        let mut out = Vec::new();
        put_key(&mut out, 15, 2);
        put_varint(&mut out, body.len() as u64);
        out.extend_from_slice(&body);
        out
    };
    let bytes = [
        entry_of(&[(1, "k"), (2, "first")]),
        entry_of(&[(2, "no key")]),                // key "" (default)
        entry_of(&[(1, "no value")]),              // value "" (default)
        entry_of(&[]),                             // "" -> "": replaces "no key"
        entry_of(&[(2, "v2"), (1, "k")]),          // value before key; repeats "k": last wins
        entry_of(&[(1, "x"), (1, "y"), (2, "z")]), // key twice inside one entry: "y"
    ]
    .concat();
    let view = tim::TimMessageView::decode(&bytes).unwrap();
    assert_eq!(view.extend().get("k"), Some("v2"));
    assert_eq!(view.extend().get(""), Some(""));
    assert_eq!(view.extend().get("no value"), Some(""));
    assert_eq!(view.extend().get("y"), Some("z"));
    assert_eq!(view.extend().get("x"), None);
    let message = view.to_message();
    assert_eq!(message.extend.len(), 4);
    assert_eq!(
        differential(entry("tim.TimMessage"), &bytes),
        Ok(Outcome::Accepted)
    );
}

#[test]
fn enum_numbers_not_in_the_enum() {
    // DownStreamMessage.type (2) is a proto2 `required ChannelType`; Message.scene is a proto3
    // enum. Numbers the enums do not name are kept, as prost keeps them.
    for number in [0i64, 9, 1000, -1, i64::from(i32::MAX), i64::from(i32::MIN)] {
        let mut bytes = vec![0x10];
        put_varint(&mut bytes, number as u64);
        let view = rongcloud::DownStreamMessageView::decode(&bytes).unwrap();
        assert_eq!(i64::from(view.r#type), number);
        assert_eq!(
            differential(entry("rongcloud.DownStreamMessage"), &bytes),
            Ok(Outcome::Accepted)
        );
        let mut bytes = vec![0x20];
        put_varint(&mut bytes, number as u64);
        assert_eq!(
            differential(entry("timwire.conversation.Message"), &bytes),
            Ok(Outcome::Accepted)
        );
    }
}

#[test]
fn proto2_required_fields_missing() {
    // DownStreamMessage: every field is `required` except groupId and later ones; give only
    // groupId. The enum `type` takes ChannelType's default (PERSON = 1), as in prost.
    let bytes = [0x1A, 0x01, b'g'];
    let view = rongcloud::DownStreamMessageView::decode(&bytes).unwrap();
    assert_eq!(view.group_id, Some("g"));
    assert_eq!(
        view.to_message(),
        rongcloud::DownStreamMessage::decode(&bytes[..]).unwrap()
    );
    assert_eq!(
        differential(entry("rongcloud.DownStreamMessage"), &bytes),
        Ok(Outcome::Accepted)
    );
}

#[test]
fn fields_in_reverse_order_and_unknown_fields_of_every_wire_type() {
    let message = tim::TimMessage {
        ms_type: 2,
        od_type: 1,
        from_tid: Some(tim::Tid {
            node: "alice".into(),
            ..Default::default()
        }),
        data_string: Some("é".into()),
        to_list: vec!["a".into(), "b".into()],
        ..Default::default()
    };
    let desc = descriptor("tim.TimMessage");
    let mut fields = parse(&message.encode_to_vec(), Some(&desc));
    fields.reverse();
    // Unknown fields: a varint, 64-bit, length-delimited, 32-bit, and a group holding all of
    // them and a group in a group, between every two known fields.
    let unknown = |n: u32| {
        let leaves = vec![
            Field {
                number: n,
                value: Raw::Varint(u64::MAX),
                kind: None,
            },
            Field {
                number: n + 1,
                value: Raw::Fixed64([7; 8]),
                kind: None,
            },
            Field {
                number: n + 2,
                value: Raw::Bytes(b"\xff\x00".to_vec()),
                kind: None,
            },
            Field {
                number: n + 3,
                value: Raw::Fixed32([9; 4]),
                kind: None,
            },
        ];
        let mut group = leaves.clone();
        group.push(Field {
            number: n + 4,
            value: Raw::Group(leaves.clone()),
            kind: None,
        });
        let mut all = leaves;
        all.push(Field {
            number: n + 5,
            value: Raw::Group(group),
            kind: None,
        });
        all
    };
    let mut spliced = Vec::new();
    for (i, field) in fields.into_iter().enumerate() {
        spliced.extend(unknown(100 + 10 * i as u32));
        spliced.push(field);
    }
    spliced.extend(unknown(536_870_900));
    let bytes = write(&spliced);
    let view = tim::TimMessageView::decode(&bytes).unwrap();
    // Reversed, the list's elements come in reverse too.
    let reversed = tim::TimMessage {
        to_list: vec!["b".into(), "a".into()],
        ..message
    };
    assert_eq!(view.to_message(), reversed);
    assert_eq!(view.to_list().iter().collect::<Vec<_>>(), ["b", "a"]);
    assert_eq!(
        differential(entry("tim.TimMessage"), &bytes),
        Ok(Outcome::Accepted)
    );
}

#[test]
fn no_schema_has_a_repeated_number() {
    // So packed and unpacked encodings of one list are tested on the hand-built `Packed`
    // below, through the same runtime (`check_repeated`, `Repeated`, `codec::*`) the generated
    // views use. If a schema gains one, the tests above cover it too: prost-reflect encodes it
    // packed or not per the schema, and the rewrites duplicate and split its occurrences.
    let packable = |k: &prost_reflect::Kind| {
        !matches!(
            k,
            prost_reflect::Kind::String
                | prost_reflect::Kind::Bytes
                | prost_reflect::Kind::Message(_)
        )
    };
    let lists: Vec<String> = pool()
        .all_messages()
        .flat_map(|m| m.fields().collect::<Vec<_>>())
        .filter(|f| f.is_list() && packable(&f.kind()))
        .map(|f| f.full_name().to_string())
        .collect();
    assert!(lists.is_empty(), "repeated numbers now exist: {lists:?}");
}

/// Every packable scalar type, repeated: a message no schema has, to test packed and
/// unpacked lists.
#[derive(Clone, PartialEq, prost::Message)]
struct Packed {
    #[prost(int32, repeated, tag = "1")]
    int32: Vec<i32>,
    #[prost(int64, repeated, tag = "2")]
    int64: Vec<i64>,
    #[prost(uint32, repeated, tag = "3")]
    uint32: Vec<u32>,
    #[prost(uint64, repeated, tag = "4")]
    uint64: Vec<u64>,
    #[prost(sint32, repeated, tag = "5")]
    sint32: Vec<i32>,
    #[prost(sint64, repeated, tag = "6")]
    sint64: Vec<i64>,
    #[prost(bool, repeated, tag = "7")]
    bool: Vec<bool>,
    #[prost(fixed32, repeated, tag = "8")]
    fixed32: Vec<u32>,
    #[prost(fixed64, repeated, tag = "9")]
    fixed64: Vec<u64>,
    #[prost(sfixed32, repeated, tag = "10")]
    sfixed32: Vec<i32>,
    #[prost(sfixed64, repeated, tag = "11")]
    sfixed64: Vec<i64>,
    #[prost(float, repeated, tag = "12")]
    float: Vec<f32>,
    #[prost(double, repeated, tag = "13")]
    double: Vec<f64>,
}

/// `Packed`'s view, written as the generator writes views.
#[derive(Clone, Copy, Default, Debug)]
struct PackedView<'a> {
    src: Src<'a>,
}

macro_rules! packed_fields {
    ($m:ident) => {
        $m!(1, int32, Int32);
        $m!(2, int64, Int64);
        $m!(3, uint32, Uint32);
        $m!(4, uint64, Uint64);
        $m!(5, sint32, Sint32);
        $m!(6, sint64, Sint64);
        $m!(7, bool, Bool);
        $m!(8, fixed32, Fixed32);
        $m!(9, fixed64, Fixed64);
        $m!(10, sfixed32, Sfixed32);
        $m!(11, sfixed64, Sfixed64);
        $m!(12, float, Float);
        $m!(13, double, Double);
    };
}

impl<'a> View<'a> for PackedView<'a> {
    type Message = Packed;
    const NAME: &'static str = "Packed";

    fn src(&self) -> &Src<'a> {
        &self.src
    }

    fn set_src(&mut self, src: Src<'a>) {
        self.src = src;
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        r: &mut Reader<'a>,
        ctx: Ctx,
    ) -> Result<(), ViewError> {
        macro_rules! arm {
            ($tag:literal, $name:ident, $codec:ident) => {
                if tag == $tag {
                    return check_repeated::<codec::$codec>(wire_type, r, ctx).map_err(|e| {
                        e.within(&Location {
                            message: "Packed",
                            field: stringify!($name),
                            tag: $tag,
                        })
                    });
                }
            };
        }
        packed_fields!(arm);
        r.skip(tag, wire_type, ctx).map_err(|e| {
            e.within(&Location {
                message: "Packed",
                field: "",
                tag: 0,
            })
        })
    }

    fn to_message_in(&self, _frame: Option<&Bytes>) -> Packed {
        let mut message = Packed::default();
        macro_rules! collect {
            ($tag:literal, $name:ident, $codec:ident) => {
                message.$name = Repeated::<codec::$codec>::new(self.src, $tag)
                    .iter()
                    .collect();
            };
        }
        packed_fields!(collect);
        message
    }
}

impl HasView for Packed {
    type View<'a> = PackedView<'a>;
}

fn packed_entry() -> Entry {
    fn reencode(bytes: &[u8]) -> Result<Vec<u8>, prost::DecodeError> {
        Packed::decode(bytes).map(|m| m.encode_to_vec())
    }
    fn view_error(bytes: &[u8]) -> Option<ViewError> {
        Packed::view(bytes).err()
    }
    fn prost_error(bytes: &[u8]) -> Option<prost::DecodeError> {
        Packed::decode(bytes).err()
    }
    Entry {
        name: "Packed",
        check: check::<Packed>,
        reencode,
        view_error,
        prost_error,
    }
}

/// Encodes `values` as field `tag`: cut into chunks, each packed (maybe empty) or unpacked,
/// chosen by `rng`; returns the encoded chunks (to interleave with other fields').
fn chunks<T: Clone>(
    values: &[T],
    rng: &mut Dice,
    packed: impl Fn(&[T], &mut Vec<u8>),
    unpacked: impl Fn(&[T], &mut Vec<u8>),
) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = values;
    loop {
        let n = rng.below(rest.len() + 1);
        let (chunk, tail) = rest.split_at(n);
        let mut bytes = Vec::new();
        match rng.below(3) {
            0 => unpacked(chunk, &mut bytes),
            _ => packed(chunk, &mut bytes),
        }
        if !bytes.is_empty() {
            out.push(bytes);
        }
        rest = tail;
        if rest.is_empty() && rng.chance(70) {
            return out;
        }
    }
}

fn packed_strategy() -> impl Strategy<Value = Packed> {
    use proptest::collection::vec;
    (
        (
            vec(any::<i32>(), 0..5),
            vec(any::<i64>(), 0..5),
            vec(any::<u32>(), 0..5),
            vec(any::<u64>(), 0..5),
        ),
        (
            vec(any::<i32>(), 0..5),
            vec(any::<i64>(), 0..5),
            vec(any::<bool>(), 0..5),
        ),
        (
            vec(any::<u32>(), 0..5),
            vec(any::<u64>(), 0..5),
            vec(any::<i32>(), 0..5),
            vec(any::<i64>(), 0..5),
        ),
        (vec(any::<f32>(), 0..5), vec(any::<f64>(), 0..5)),
    )
        .prop_map(|((a, b, c, d), (e, f, g), (h, i, j, k), (l, m))| Packed {
            int32: a,
            int64: b,
            uint32: c,
            uint64: d,
            sint32: e,
            sint64: f,
            bool: g,
            fixed32: h,
            fixed64: i,
            sfixed32: j,
            sfixed64: k,
            float: l,
            double: m,
        })
}

/// `Packed` encoded with every list cut into packed and unpacked chunks, interleaved.
fn mixed_encoding(message: &Packed, rng: &mut Dice) -> Vec<u8> {
    use prost::encoding as e;
    let mut all: Vec<Vec<Vec<u8>>> = Vec::new();
    macro_rules! field {
        ($tag:literal, $name:ident, $module:ident) => {
            all.push(chunks(
                &message.$name,
                rng,
                |v, out| {
                    if v.is_empty() {
                        // An empty packed occurrence.
                        e::encode_key($tag, e::WireType::LengthDelimited, out);
                        out.push(0);
                    } else {
                        e::$module::encode_packed($tag, v, out)
                    }
                },
                |v, out| e::$module::encode_repeated($tag, v, out),
            ));
        };
    }
    field!(1, int32, int32);
    field!(2, int64, int64);
    field!(3, uint32, uint32);
    field!(4, uint64, uint64);
    field!(5, sint32, sint32);
    field!(6, sint64, sint64);
    field!(7, bool, bool);
    field!(8, fixed32, fixed32);
    field!(9, fixed64, fixed64);
    field!(10, sfixed32, sfixed32);
    field!(11, sfixed64, sfixed64);
    field!(12, float, float);
    field!(13, double, double);
    // Interleave: take the next chunk of a random list until all are used, keeping each
    // list's own order.
    let mut out = Vec::new();
    let mut next = vec![0usize; all.len()];
    loop {
        let open: Vec<usize> = (0..all.len()).filter(|&i| next[i] < all[i].len()).collect();
        if open.is_empty() {
            return out;
        }
        let i = open[rng.below(open.len())];
        out.extend_from_slice(&all[i][next[i]]);
        next[i] += 1;
    }
}

#[test]
fn packed_and_unpacked_lists_mixed() {
    let entry = packed_entry();
    let mut runner = TestRunner::new(config(256));
    let result = runner.run(&(packed_strategy(), any::<u64>()), |(message, seed)| {
        let mut rng = Dice::new(seed);
        let bytes = mixed_encoding(&message, &mut rng);
        accepted(&entry, &bytes)?;
        let decoded = Packed::decode(&bytes[..]).map_err(|e| fail(e.to_string()))?;
        prop_assert!(same_message(&decoded, &message), "{}", hex(&bytes));
        // Every element, in order, through the view's lists.
        let view = Packed::view(&bytes).map_err(|e| fail(e.to_string()))?;
        prop_assert!(same_message(&view.to_message(), &message));
        // And damaged: truncated everywhere, bytes flipped.
        for end in 0..bytes.len() {
            differential(&entry, &bytes[..end]).map_err(fail)?;
        }
        let mut damaged = bytes.clone();
        for _ in 0..4 {
            damage_bytes(&mut damaged, &mut rng);
            differential(&entry, &damaged).map_err(fail)?;
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn packed_lists_named_cases() {
    let entry = packed_entry();
    let cases: &[(&str, &[u8], Option<ViewErrorKind>)] = &[
        // int32 1: unpacked 1, packed [2, 3], unpacked 4.
        (
            "mixed",
            &[0x08, 0x01, 0x0A, 0x02, 0x02, 0x03, 0x08, 0x04],
            None,
        ),
        // fixed32 8: a packed length of 3 runs into the next field's bytes: prost reads the
        // element from the whole input, then finds the length exceeded.
        (
            "fixed32 length 3",
            &[0x42, 0x03, 1, 2, 3, 0x08, 0x01],
            Some(ViewErrorKind::DelimitedLengthExceeded),
        ),
        // ... and at the end of input.
        (
            "fixed32 length 3 at end",
            &[0x42, 0x03, 1, 2, 3],
            Some(ViewErrorKind::BufferUnderflow),
        ),
        // A packed varint truncated inside its length.
        (
            "varint cut",
            &[0x0A, 0x01, 0x80],
            Some(ViewErrorKind::InvalidVarint),
        ),
        (
            "varint past length",
            &[0x0A, 0x01, 0x80, 0x01],
            Some(ViewErrorKind::DelimitedLengthExceeded),
        ),
        // Wire type 1 on a varint list, 0 on a fixed64 list.
        (
            "wrong wire type",
            &[0x09, 0, 0, 0, 0, 0, 0, 0, 0],
            Some(ViewErrorKind::UnexpectedWireType),
        ),
        (
            "wrong wire type fixed",
            &[0x48, 0x01],
            Some(ViewErrorKind::UnexpectedWireType),
        ),
        // Packed bools of any varint value.
        (
            "bools",
            &[0x3A, 0x03, 0x00, 0x02, 0xFF, 0x01],
            Some(ViewErrorKind::DelimitedLengthExceeded),
        ),
        ("bools ok", &[0x3A, 0x04, 0x00, 0x02, 0xFF, 0x01], None),
    ];
    for (name, bytes, expected) in cases {
        let outcome = differential(&entry, bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = expected.map_or(Outcome::Accepted, Outcome::Rejected);
        assert_eq!(outcome, want, "{name}");
    }
    let view = Packed::view(&[0x08, 0x01, 0x0A, 0x02, 0x02, 0x03, 0x08, 0x04]).unwrap();
    assert_eq!(view.to_message().int32, [1, 2, 3, 4]);
}

// ---------------------------------------------------------------------------------------------
// 1c. Malformed input
// ---------------------------------------------------------------------------------------------

#[test]
fn arbitrary_bytes_every_type() {
    let packed = packed_entry();
    let mut runner = TestRunner::new(config(BYTES_CASES));
    let inputs = prop_oneof![proptest::collection::vec(any::<u8>(), 0..512), wireish()];
    let result = runner.run(&inputs, |bytes| {
        for entry in entries().iter().chain([&packed]) {
            differential(entry, &bytes).map_err(fail)?;
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn damaged_encodings_of_every_type() {
    // Which error classes the damage reached (both decoders agreeing), to show it reaches them.
    let seen = RefCell::new(HashSet::new());
    let record = |outcome: Outcome| {
        if let Outcome::Rejected(kind) = outcome {
            seen.borrow_mut().insert(kind);
        }
    };
    for_every_type(PER_TYPE_CASES, |entry, desc, runner| {
        let strategy = (message(&desc, DEPTH), any::<u64>());
        let result = runner.run(&strategy, |(message, seed)| {
            let bytes = message.encode_to_vec();
            // Truncated at every position.
            for end in 0..bytes.len() {
                record(differential(entry, &bytes[..end]).map_err(fail)?);
            }
            let mut rng = Dice::new(seed);
            for _ in 0..6 {
                // Malformed fields spliced in at a field boundary, at any depth; invalid UTF-8.
                let mut tree = parse(&bytes, Some(&desc));
                damage(&mut tree, Some(&desc), &mut rng);
                if rng.chance(30) {
                    damage(&mut tree, Some(&desc), &mut rng);
                }
                let damaged = write(&tree);
                record(differential(entry, &damaged).map_err(fail)?);
                // Bytes flipped, inserted, deleted.
                let mut flipped = bytes.clone();
                for _ in 0..1 + rng.below(3) {
                    damage_bytes(&mut flipped, &mut rng);
                }
                record(differential(entry, &flipped).map_err(fail)?);
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{}: {e}", entry.name);
        }
    });
    let seen = seen.into_inner();
    let missing: Vec<_> = ALL_KINDS
        .into_iter()
        .filter(|k| *k != ViewErrorKind::RecursionLimit && !seen.contains(k))
        .collect();
    assert!(missing.is_empty(), "damage never produced {missing:?}");
}

/// Wraps `fields` in `levels` nested unknown groups (field `number`).
fn nest_groups(number: u32, levels: usize, inner: Vec<Field>) -> Vec<Field> {
    let mut fields = inner;
    for _ in 0..levels {
        fields = vec![Field {
            number,
            value: Raw::Group(fields),
            kind: None,
        }];
    }
    fields
}

/// Puts a chain of `levels` nested unknown groups into the message at `path` (indexes of
/// message fields from the top), or at the top when `path` is empty.
fn insert_groups(fields: &mut Vec<Field>, path: &[usize], number: u32, levels: usize) {
    match path.split_first() {
        None => fields.insert(0, nest_groups(number, levels, Vec::new()).remove(0)),
        Some((&i, rest)) => {
            if let Raw::Message(inner) = &mut fields[i].value {
                insert_groups(inner, rest, number, levels);
            }
        }
    }
}

/// Paths to every nested message of a tree, with their depth.
fn message_paths(fields: &[Field], prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(prefix.clone());
    for (i, field) in fields.iter().enumerate() {
        if let Raw::Message(inner) = &field.value {
            prefix.push(i);
            message_paths(inner, prefix, out);
            prefix.pop();
        }
    }
}

#[test]
fn groups_nested_around_the_recursion_limit_at_every_depth() {
    // prost allows 100 levels of nesting, messages (map entries among them) and groups alike:
    // unknown groups inside a message at depth d may nest 100 - d deep. Both decoders must draw the
    // line at the same place, at every depth of every type.
    for entry in entries() {
        let desc = descriptor(entry.name);
        let bytes = full_message(&desc, DEPTH, 1).encode_to_vec();
        let tree = parse(&bytes, Some(&desc));
        let mut paths = Vec::new();
        message_paths(&tree, &mut Vec::new(), &mut paths);
        paths.sort_by_key(|p| std::cmp::Reverse(p.len()));
        paths.dedup_by_key(|p| p.len());
        for path in &paths {
            let depth = path.len();
            let mut outcomes = Vec::new();
            for levels in (99 - depth)..=(102 - depth) {
                let mut fields = tree.clone();
                insert_groups(&mut fields, path, 1000, levels);
                let outcome =
                    differential(entry, &write(&fields)).unwrap_or_else(|e| panic!("{e}"));
                outcomes.push((levels, outcome));
            }
            assert_eq!(
                outcomes,
                [
                    (99 - depth, Outcome::Accepted),
                    (100 - depth, Outcome::Accepted),
                    (
                        101 - depth,
                        Outcome::Rejected(ViewErrorKind::RecursionLimit)
                    ),
                    (
                        102 - depth,
                        Outcome::Rejected(ViewErrorKind::RecursionLimit)
                    ),
                ],
                "{} at depth {depth}",
                entry.name
            );
        }
    }
}

#[test]
fn deep_nesting_far_past_the_limit() {
    // 100,000 nested groups, and 2,000 nested length-delimited unknown fields (skipped whole,
    // not parsed): no stack overflow, the same answers.
    let groups = [0xA3u8, 0x06].repeat(100_000);
    let mut lengths = Vec::new();
    for _ in 0..2_000 {
        let mut outer = Vec::new();
        put_key(&mut outer, 100, 2);
        put_varint(&mut outer, lengths.len() as u64);
        outer.extend_from_slice(&lengths);
        lengths = outer;
    }
    for entry in entries() {
        assert_eq!(
            differential(entry, &groups),
            Ok(Outcome::Rejected(ViewErrorKind::RecursionLimit))
        );
        assert_eq!(differential(entry, &lengths), Ok(Outcome::Accepted));
    }
}

#[test]
fn owned_views_share_the_buffer() {
    // `Owned::to_message` slices bytes fields out of the kept `Bytes`; the borrowed view copies.
    let message = tim::TimMessage {
        data_binary: Some(Bytes::from_static(b"payload")),
        extra: [("k".to_string(), Bytes::from_static(b"blob"))].into(),
        ..Default::default()
    };
    let frame = Bytes::from(message.encode_to_vec());
    let owned = Owned::<tim::TimMessage>::decode(frame.clone()).unwrap();
    let got = owned.to_message();
    assert_eq!(got, message);
    let inside = frame.as_ptr_range();
    assert!(inside.contains(&got.data_binary.as_ref().unwrap().as_ptr()));
    assert!(inside.contains(&got.extra["k"].as_ptr()));
}

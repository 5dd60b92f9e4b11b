//! Bad input, case by case: the exact [`ViewErrorKind`], the message and field it names, the
//! offset, and prost's error for the same input (its description and innermost
//! `Message.field`). No case panics.

mod view_support;

use timwire_proto::view::ViewErrorKind::{self, *};
use view_support::*;

/// One bad input and what both decoders must say about it.
struct Case {
    name: &'static str,
    /// `package.Name`.
    ty: &'static str,
    input: Vec<u8>,
    kind: ViewErrorKind,
    /// The view's `message()`, `field()`, `tag()`, `offset()`.
    message: &'static str,
    field: &'static str,
    tag: u32,
    offset: usize,
    /// prost's description and innermost `(Message, field)` (Rust names), if any.
    prost: &'static str,
    prost_frame: Option<(&'static str, &'static str)>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "truncated varint value",
            ty: "tim.TimMessage",
            input: vec![0x08, 0xFF],
            kind: InvalidVarint,
            message: "TimMessage",
            field: "msType",
            tag: 1,
            offset: 1,
            prost: "invalid varint",
            prost_frame: Some(("TimMessage", "ms_type")),
        },
        Case {
            name: "truncated varint key",
            ty: "tim.TimMessage",
            input: vec![0x08, 0x01, 0xFF, 0xFF],
            kind: InvalidVarint,
            message: "",
            field: "",
            tag: 0,
            offset: 2,
            prost: "invalid varint",
            prost_frame: None,
        },
        Case {
            name: "truncated varint in a nested message",
            // fromTid (6), 2 bytes: termtyp (4) = a varint cut by the end of input.
            ty: "tim.TimMessage",
            input: vec![0x32, 0x02, 0x20, 0xFF],
            kind: InvalidVarint,
            message: "Tid",
            field: "termtyp",
            tag: 4,
            offset: 3,
            prost: "invalid varint",
            prost_frame: Some(("Tid", "termtyp")),
        },
        Case {
            name: "11-byte varint",
            ty: "tim.TimMessage",
            input: [&[0x18u8][..], &[0xFF; 10], &[0x01]].concat(),
            kind: InvalidVarint,
            message: "TimMessage",
            field: "id",
            tag: 3,
            offset: 1,
            prost: "invalid varint",
            prost_frame: Some(("TimMessage", "id")),
        },
        Case {
            name: "10-byte varint over 64 bits",
            ty: "tim.TimMessage",
            input: [&[0x18u8][..], &[0xFF; 9], &[0x02]].concat(),
            kind: InvalidVarint,
            message: "TimMessage",
            field: "id",
            tag: 3,
            offset: 1,
            prost: "invalid varint",
            prost_frame: Some(("TimMessage", "id")),
        },
        Case {
            name: "length past the end",
            // dataBinary (9): 5 bytes announced, 1 there.
            ty: "tim.TimMessage",
            input: vec![0x4A, 0x05, b'a'],
            kind: BufferUnderflow,
            message: "TimMessage",
            field: "dataBinary",
            tag: 9,
            offset: 2,
            prost: "buffer underflow",
            prost_frame: Some(("TimMessage", "data_binary")),
        },
        Case {
            name: "huge length",
            // DownStreamMessages.list (1): 2^35 - 1 bytes announced.
            ty: "rongcloud.DownStreamMessages",
            input: vec![0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x08],
            kind: BufferUnderflow,
            message: "DownStreamMessages",
            field: "list",
            tag: 1,
            offset: 6,
            prost: "buffer underflow",
            prost_frame: Some(("DownStreamMessages", "list")),
        },
        Case {
            name: "fixed64 cut",
            // Location.latitude (2, double): 3 of 8 bytes.
            ty: "timwire.conversation.Location",
            input: vec![0x11, 1, 2, 3],
            kind: BufferUnderflow,
            message: "Location",
            field: "latitude",
            tag: 2,
            offset: 1,
            prost: "buffer underflow",
            prost_frame: Some(("Location", "latitude")),
        },
        Case {
            name: "field past its message's end",
            // fromTid (6), 1 byte, holding the start of domain (2) = "a", which runs 2 bytes
            // past it (but not past the input): read, then the length is exceeded.
            ty: "tim.TimMessage",
            input: vec![0x32, 0x01, 0x12, 0x01, b'a'],
            kind: DelimitedLengthExceeded,
            message: "TimMessage",
            field: "fromTid",
            tag: 6,
            offset: 5,
            prost: "delimited length exceeded",
            prost_frame: Some(("TimMessage", "from_tid")),
        },
        Case {
            name: "wrong wire type on a message field",
            ty: "tim.TimMessage",
            input: vec![0x30, 0x01],
            kind: UnexpectedWireType,
            message: "TimMessage",
            field: "fromTid",
            tag: 6,
            offset: 1,
            prost: "invalid wire type: Varint (expected LengthDelimited)",
            prost_frame: Some(("TimMessage", "from_tid")),
        },
        Case {
            name: "wrong wire type on a scalar field",
            // msType (1) with wire type 5.
            ty: "tim.TimMessage",
            input: vec![0x0D, 1, 2, 3, 4],
            kind: UnexpectedWireType,
            message: "TimMessage",
            field: "msType",
            tag: 1,
            offset: 1,
            prost: "invalid wire type: ThirtyTwoBit (expected Varint)",
            prost_frame: Some(("TimMessage", "ms_type")),
        },
        Case {
            name: "wrong wire type on a map field",
            ty: "tim.TimMessage",
            input: vec![0x78, 0x01],
            kind: UnexpectedWireType,
            message: "TimMessage",
            field: "extend",
            tag: 15,
            offset: 1,
            prost: "invalid wire type: Varint (expected LengthDelimited)",
            prost_frame: Some(("TimMessage", "extend")),
        },
        Case {
            name: "end group on a known field",
            // msType (1) with wire type 4: prost checks the field's wire type first.
            ty: "tim.TimMessage",
            input: vec![0x0C],
            kind: UnexpectedWireType,
            message: "TimMessage",
            field: "msType",
            tag: 1,
            offset: 1,
            prost: "invalid wire type: EndGroup (expected Varint)",
            prost_frame: Some(("TimMessage", "ms_type")),
        },
        Case {
            name: "invalid UTF-8 in a string",
            // dataString (10) = "a" C3 28: the second byte is not UTF-8.
            ty: "tim.TimMessage",
            input: vec![0x52, 0x03, b'a', 0xC3, 0x28],
            kind: InvalidUtf8,
            message: "TimMessage",
            field: "dataString",
            tag: 10,
            offset: 3,
            prost: "invalid string value: data is not UTF-8 encoded",
            prost_frame: Some(("TimMessage", "data_string")),
        },
        Case {
            name: "invalid UTF-8 in a map key",
            // extend (15) entry: key = FF.
            ty: "tim.TimMessage",
            input: vec![0x7A, 0x03, 0x0A, 0x01, 0xFF],
            kind: InvalidUtf8,
            message: "TimMessage",
            field: "extend",
            tag: 15,
            offset: 4,
            prost: "invalid string value: data is not UTF-8 encoded",
            prost_frame: Some(("TimMessage", "extend")),
        },
        Case {
            name: "invalid UTF-8 in a repeated string",
            // ToList (17) = "ok", then a surrogate (ED A0 80).
            ty: "tim.TimMessage",
            input: vec![
                0x8A, 0x01, 0x02, b'o', b'k', 0x8A, 0x01, 0x03, 0xED, 0xA0, 0x80,
            ],
            kind: InvalidUtf8,
            message: "TimMessage",
            field: "ToList",
            tag: 17,
            offset: 8,
            prost: "invalid string value: data is not UTF-8 encoded",
            prost_frame: Some(("TimMessage", "to_list")),
        },
        Case {
            name: "field number 0",
            ty: "tim.TimMessage",
            input: vec![0x00, 0x01],
            kind: InvalidTag,
            message: "",
            field: "",
            tag: 0,
            offset: 0,
            prost: "invalid tag value: 0",
            prost_frame: None,
        },
        Case {
            name: "field number 0 in a nested message",
            ty: "tim.TimMessage",
            input: vec![0x32, 0x02, 0x02, 0x00],
            kind: InvalidTag,
            message: "TimMessage",
            field: "fromTid",
            tag: 6,
            offset: 2,
            prost: "invalid tag value: 0",
            prost_frame: Some(("TimMessage", "from_tid")),
        },
        Case {
            name: "wire type 6",
            ty: "tim.TimMessage",
            input: vec![0x0E, 0x01],
            kind: InvalidWireType,
            message: "",
            field: "",
            tag: 0,
            offset: 0,
            prost: "invalid wire type value: 6",
            prost_frame: None,
        },
        Case {
            name: "wire type 7 in a nested message",
            ty: "rongcloud.DownStreamMessages",
            input: vec![0x0A, 0x01, 0x0F],
            kind: InvalidWireType,
            message: "DownStreamMessages",
            field: "list",
            tag: 1,
            offset: 2,
            prost: "invalid wire type value: 7",
            prost_frame: Some(("DownStreamMessages", "list")),
        },
        Case {
            name: "key above u32::MAX",
            ty: "tim.TimMessage",
            input: vec![0x80, 0x80, 0x80, 0x80, 0x10],
            kind: InvalidKey,
            message: "",
            field: "",
            tag: 0,
            offset: 0,
            prost: "invalid key value: 4294967296",
            prost_frame: None,
        },
        Case {
            name: "end group alone",
            // Field 100 (unknown), wire type 4.
            ty: "tim.TimMessage",
            input: vec![0xA4, 0x06],
            kind: UnexpectedEndGroup,
            message: "TimMessage",
            field: "",
            tag: 0,
            offset: 2,
            prost: "unexpected end group tag",
            prost_frame: None,
        },
        Case {
            name: "end group of another field",
            ty: "tim.Tid",
            input: vec![0xA3, 0x06, 0x08, 0x01, 0xAC, 0x06],
            kind: UnexpectedEndGroup,
            message: "Tid",
            field: "",
            tag: 0,
            offset: 6,
            prost: "unexpected end group tag",
            prost_frame: None,
        },
        Case {
            name: "group never closed",
            ty: "tim.Tid",
            input: vec![0xA3, 0x06, 0x08, 0x01],
            kind: InvalidVarint,
            message: "Tid",
            field: "",
            tag: 0,
            offset: 4,
            prost: "invalid varint",
            prost_frame: None,
        },
        Case {
            name: "unknown groups 101 deep",
            // The 101st start-group key ends at 202: the limit is found there.
            ty: "tim.Tid",
            input: [[0xA3u8, 0x06].repeat(101), [0xA4u8, 0x06].repeat(101)].concat(),
            kind: RecursionLimit,
            message: "Tid",
            field: "",
            tag: 0,
            offset: 202,
            prost: "recursion limit reached",
            prost_frame: None,
        },
        Case {
            name: "unknown groups 100 deep inside a nested message",
            // TimMessage.fromTid holds 100 nested groups: 101 levels in all.
            ty: "tim.TimMessage",
            input: {
                let groups = [[0xA3u8, 0x06].repeat(100), [0xA4u8, 0x06].repeat(100)].concat();
                let mut input = vec![0x32];
                put_varint(&mut input, groups.len() as u64);
                input.extend(groups);
                input
            },
            kind: RecursionLimit,
            message: "Tid",
            field: "",
            tag: 0,
            offset: 3 + 200,
            prost: "recursion limit reached",
            prost_frame: Some(("TimMessage", "from_tid")),
        },
    ]
}

#[test]
fn each_bad_input_is_named_exactly() {
    let mut failures = Vec::new();
    for case in cases() {
        let entry = entry(case.ty);
        let view = std::panic::catch_unwind(|| (entry.view_error)(&case.input));
        let Ok(view) = view else {
            failures.push(format!("{}: the view decoder panicked", case.name));
            continue;
        };
        let Some(view) = view else {
            failures.push(format!(
                "{}: the view accepted {}",
                case.name,
                hex(&case.input)
            ));
            continue;
        };
        let got = (
            view.kind(),
            view.message(),
            view.field(),
            view.tag(),
            view.offset(),
        );
        let want = (case.kind, case.message, case.field, case.tag, case.offset);
        if got != want {
            failures.push(format!(
                "{}: view {view} is {got:?}, want {want:?}",
                case.name
            ));
        }
        // The display names all of it.
        let text = view.to_string();
        if !text.contains(case.kind.description())
            || !text.contains(&format!("offset {}", case.offset))
        {
            failures.push(format!("{}: view error reads {text:?}", case.name));
        }

        let prost = (entry.prost_error)(&case.input).expect("prost rejects it too");
        let frame = prost_stack(&prost).into_iter().next();
        let frame = frame.as_ref().map(|(m, f)| (m.as_str(), f.as_str()));
        if prost_description(&prost) != case.prost || frame != case.prost_frame {
            failures.push(format!("{}: prost says {prost}", case.name));
        }
        if prost_error_kind(&prost) != Some(case.kind) {
            failures.push(format!(
                "{}: prost's class {:?}",
                case.name,
                prost_error_kind(&prost)
            ));
        }
        // And the differential agrees.
        if let Err(e) = differential(entry, &case.input) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn one_hundred_nested_groups_are_accepted() {
    for levels in [1usize, 50, 99, 100] {
        let input = [[0xA3u8, 0x06].repeat(levels), [0xA4u8, 0x06].repeat(levels)].concat();
        assert_eq!(
            differential(entry("tim.Tid"), &input),
            Ok(Outcome::Accepted)
        );
    }
    // 99 inside a nested message (100 levels in all) too.
    let groups = [[0xA3u8, 0x06].repeat(99), [0xA4u8, 0x06].repeat(99)].concat();
    let mut input = vec![0x32];
    put_varint(&mut input, groups.len() as u64);
    input.extend(groups);
    assert_eq!(
        differential(entry("tim.TimMessage"), &input),
        Ok(Outcome::Accepted)
    );
}

#[test]
fn every_prefix_of_a_bad_input_is_handled() {
    // No case panics when cut short either, and the two decoders still agree.
    for case in cases() {
        let entry = entry(case.ty);
        for end in 0..=case.input.len() {
            if let Err(e) = differential(entry, &case.input[..end]) {
                panic!("{}: {e}", case.name);
            }
        }
    }
}

/// `fromTid`, `from_tid`, `r#type`, `ChrmKVEntity` and `ChrmKvEntity` alike.
fn normalized(name: &str) -> String {
    name.replace("r#", "").replace('_', "").to_lowercase()
}

#[test]
fn error_locations_match_prosts_innermost_field() {
    // Over damaged encodings of every type, wherever both reject: the view's message and field
    // are prost's innermost `Message.field` (proto names against Rust ones). Two differences by
    // design: a oneof member is named by the view (`sequence`), its oneof by prost (`anchor`);
    // an unknown field is blamed on its message by the view (`Tid`, field ""), while prost
    // names the field holding that message (`TimMessage.from_tid`), or nothing at the top.
    let mut checked = 0;
    let mut failures = Vec::new();
    for entry in entries() {
        let desc = descriptor(entry.name);
        let bytes = prost::Message::encode_to_vec(&full_message(&desc, DEPTH, 0));
        let mut inputs: Vec<Vec<u8>> = (0..bytes.len()).map(|end| bytes[..end].to_vec()).collect();
        let mut rng = Dice::new(entry.name.len() as u64);
        for _ in 0..24 {
            let mut tree = parse(&bytes, Some(&desc));
            damage(&mut tree, Some(&desc), &mut rng);
            inputs.push(write(&tree));
            let mut flipped = bytes.clone();
            damage_bytes(&mut flipped, &mut rng);
            inputs.push(flipped);
        }
        for input in inputs {
            let (Some(view), Some(prost)) =
                ((entry.view_error)(&input), (entry.prost_error)(&input))
            else {
                continue;
            };
            checked += 1;
            let frame = prost_stack(&prost).into_iter().next();
            let ok = match (view.message(), view.field(), &frame) {
                ("", _, frame) => frame.is_none(),
                (message, "", None) => normalized(message) == normalized(desc.name()),
                (message, "", Some((parent, field))) => {
                    // `field` of `parent` holds a `message` (or a map of them).
                    let holds = |kind: prost_reflect::Kind| match kind {
                        prost_reflect::Kind::Message(k) if k.is_map_entry() => {
                            matches!(k.map_entry_value_field().kind(), prost_reflect::Kind::Message(v)
                                if normalized(v.name()) == normalized(message))
                        }
                        prost_reflect::Kind::Message(k) => {
                            normalized(k.name()) == normalized(message)
                        }
                        _ => false,
                    };
                    pool().all_messages().any(|m| {
                        normalized(m.name()) == normalized(parent)
                            && m.fields().any(|f| {
                                normalized(f.name()) == normalized(field) && holds(f.kind())
                            })
                    })
                }
                (message, field, Some((pm, pf))) => {
                    let oneof = pool()
                        .all_messages()
                        .filter(|m| m.name() == message)
                        .flat_map(|m| m.fields().collect::<Vec<_>>())
                        .find(|f| f.name() == field)
                        .and_then(|f| f.containing_oneof())
                        .map(|o| o.name().to_string());
                    normalized(message) == normalized(pm)
                        && (normalized(field) == normalized(pf)
                            || oneof.is_some_and(|o| normalized(&o) == normalized(pf)))
                }
                (_, _, None) => false,
            };
            if !ok {
                failures.push(format!(
                    "{}: view {view}, prost {prost}: {}",
                    entry.name,
                    hex(&input)
                ));
            }
        }
    }
    assert!(checked > 1000, "{checked}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

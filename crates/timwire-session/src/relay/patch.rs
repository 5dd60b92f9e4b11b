//! tim: the forwarded TimMessage's bytes made from the client's bytes, rewriting only the
//! fields the server sets, instead of encoding the whole message again.
//!
//! The server changes five fields of what a client sends ([`Forwarded::new`](super::tim::Forwarded::new)):
//! `id` (3), `mid` (4), `fromTid` (6), `toTid` (7) and `timestamp` (12). [`patch`] copies every
//! other field the TimMessage schema knows (1–17) from the client's bytes as they are, drops
//! every occurrence of those five and of unknown fields (as a decode and re-encode would), and
//! appends the five from the forwarded message. Protobuf readers accept fields in any order, so
//! the result decodes to exactly the forwarded message (the tests check it against
//! `encode_to_vec`); it is the same bytes whenever only the five fields moved. A client message
//! that cannot be walked (a group, a truncated field) gets `None`: the caller encodes it whole.
//!
//! The `relay_patch` fuzz target (`fuzz/README.md`) feeds it arbitrary client bytes and checks
//! that whatever it makes decodes to the forwarded message.

use prost::Message;
use timwire_proto::tim::{Tid, TimMessage};

/// The field numbers the server rewrites: id, mid, fromTid, toTid, timestamp.
const REWRITTEN: [u32; 5] = [3, 4, 6, 7, 12];
/// The highest field number of TimMessage (`ToList`).
const LAST_FIELD: u32 = 17;

/// `original` (the client's encoding of what became `message`) with the server's fields taken
/// from `message`; `None` when `original` is not a plain protobuf message.
pub(crate) fn patch(original: &[u8], message: &TimMessage) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(original.len().checked_add(64)?);
    let mut rest = original;
    while !rest.is_empty() {
        let start = rest;
        let key = read_varint(&mut rest)?;
        let number = u32::try_from(key >> 3).ok()?;
        let value_len = match key & 7 {
            0 => {
                read_varint(&mut rest)?;
                0
            }
            1 => 8,
            2 => usize::try_from(read_varint(&mut rest)?).ok()?,
            5 => 4,
            _ => return None, // groups (3, 4) and invalid wire types
        };
        rest = rest.get(value_len..)?;
        let field_len = start.len().checked_sub(rest.len())?;
        let keep = (1..=LAST_FIELD).contains(&number) && !REWRITTEN.contains(&number);
        if keep {
            out.extend_from_slice(start.get(..field_len)?);
        }
    }
    if let Some(id) = message.id {
        put_int64(&mut out, 3, id);
    }
    if let Some(mid) = message.mid {
        put_int64(&mut out, 4, mid);
    }
    if let Some(from) = &message.from_tid {
        put_tid(&mut out, 6, from);
    }
    if let Some(to) = &message.to_tid {
        put_tid(&mut out, 7, to);
    }
    if let Some(timestamp) = message.timestamp {
        put_int64(&mut out, 12, timestamp);
    }
    Some(out)
}

fn read_varint(buf: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = buf.split_first()?;
        *buf = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// An int64 field: varint wire type, negative values as their two's complement.
fn put_int64(out: &mut Vec<u8>, number: u32, value: i64) {
    put_varint(out, u64::from(number) << 3);
    put_varint(out, u64::from_ne_bytes(value.to_ne_bytes()));
}

/// A Tid field: its key, then prost's own length-delimited encoding of the Tid (so a field
/// added to the schema is written without a change here).
fn put_tid(out: &mut Vec<u8>, number: u32, tid: &Tid) {
    put_varint(out, (u64::from(number) << 3) | 2);
    // Encoding into a Vec only fails when the Vec cannot grow, which aborts first.
    let _ = tid.encode_length_delimited(out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn tid(node: &str, domain: Option<&str>) -> Tid {
        Tid {
            node: node.into(),
            domain: domain.map(Into::into),
            ..Default::default()
        }
    }

    /// What the server does to a client message (as `Forwarded::new`).
    fn forward(mut m: TimMessage) -> TimMessage {
        m.from_tid = Some(tid("alice", None));
        if let Some(to) = m.to_tid.as_mut() {
            to.domain = None;
        }
        m.timestamp = Some(1_795_432_394_449_000_000);
        m.id = Some(m.id.unwrap_or(41));
        m.mid = Some(41);
        m
    }

    fn check(original: &[u8]) {
        let client = TimMessage::decode(original).expect("a valid client message");
        let forwarded = forward(client);
        let patched = patch(original, &forwarded).expect("walkable");
        assert_eq!(
            TimMessage::decode(&patched[..]).ok(),
            Some(forwarded.clone())
        );
        assert_eq!(patched.len(), forwarded.encoded_len());
    }

    #[test]
    fn plain_messages_decode_to_the_forwarded_message() {
        let mut extend = HashMap::new();
        extend.insert("k".to_owned(), "v".to_owned());
        let messages = [
            TimMessage {
                ms_type: 2,
                od_type: 1,
                to_tid: Some(Tid {
                    resource: Some("phone".into()),
                    termtyp: Some(-3),
                    ..tid("bob", Some("claimed"))
                }),
                data_string: Some("hello".into()),
                ..Default::default()
            },
            TimMessage {
                ms_type: 2,
                od_type: 1,
                id: Some(-7),
                mid: Some(3),
                from_tid: Some(tid("mallory", Some("x"))),
                to_tid: Some(Tid {
                    extend: HashMap::from([("a".to_owned(), "b".to_owned())]),
                    ..tid("bob", None)
                }),
                data_binary: Some(vec![0u8; 300].into()),
                timestamp: Some(5),
                extend,
                to_list: vec!["a".into(), "b".into()],
                room_tid: Some(Tid {
                    node: "room".into(),
                    resource: Some("r".into()),
                    termtyp: Some(-3),
                    ..Default::default()
                }),
                udtype: Some(-1),
                ..Default::default()
            },
        ];
        for m in messages {
            check(&m.encode_to_vec());
        }
    }

    #[test]
    fn repeated_and_unknown_fields_are_dropped_as_a_decode_would() {
        let first = TimMessage {
            ms_type: 2,
            od_type: 1,
            to_tid: Some(tid("bob", Some("d"))),
            from_tid: Some(tid("mallory", Some("x"))),
            id: Some(9),
            ..Default::default()
        };
        let second = TimMessage {
            to_tid: Some(Tid {
                resource: Some("phone".into()),
                ..Default::default()
            }),
            timestamp: Some(1),
            data_string: Some("again".into()),
            ..Default::default()
        };
        let mut bytes = first.encode_to_vec();
        // Unknown field 30 (varint) and 31 (fixed32): skipped by a decode, dropped here.
        bytes.extend_from_slice(&[0xf0, 0x01, 0x05, 0xfd, 0x01, 1, 2, 3, 4]);
        bytes.extend_from_slice(&second.encode_to_vec());
        check(&bytes);
    }

    #[test]
    fn what_cannot_be_walked_is_refused() {
        let forwarded = forward(TimMessage::default());
        // A group start, a truncated length, a varint without its end.
        for bad in [&[0x0b_u8][..], &[0x52, 0x05, b'a'], &[0x08, 0x80]] {
            assert_eq!(patch(bad, &forwarded), None);
        }
    }
}

//! Untrusted lengths and nesting cannot make timwire allocate out of proportion to its input.
//! The allocation counter is process-wide, so this file holds a single test.

use std::alloc::System;

use bytes::{Bytes, BytesMut};
use prost::Message as _;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use timwire::header::stream::StreamPrefix;
use timwire::proto::{rongcloud, tim};
use timwire::signal::stream::MAX_RESERVE;
use timwire::{DecodeError, Header, StreamDecoder};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated (new allocations and reallocation growth) while running `f`.
fn allocated<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let region = Region::new(GLOBAL);
    let out = f();
    let stats = region.change();
    // stats_alloc counts a reallocation's growth in `bytes_allocated` too.
    (out, stats.bytes_allocated)
}

/// A small constant: room for an error value and its message, never for the claimed size.
const SMALL: usize = 1024;

fn header_claiming_256_mib() {
    let prefix = StreamPrefix::new(Header::from_byte(0x30), 268_435_455).unwrap();
    // The default limit (1 MiB) rejects it from the prefix alone.
    let mut buf = BytesMut::from(prefix.as_bytes());
    let (result, bytes) = allocated(|| StreamDecoder::new().decode(&mut buf));
    assert!(matches!(
        result,
        Err(DecodeError::FrameTooLarge {
            len: 268_435_455,
            ..
        })
    ));
    assert!(bytes <= SMALL, "{bytes} bytes allocated");
    // Even with no limit at all, "need more" reserves at most MAX_RESERVE, not 256 MiB.
    let mut buf = BytesMut::from(prefix.as_bytes());
    let (result, bytes) = allocated(|| StreamDecoder::with_max_body(usize::MAX).decode(&mut buf));
    assert!(matches!(result, Ok(None)));
    assert!(bytes <= MAX_RESERVE + SMALL, "{bytes} bytes allocated");
    assert!(buf.capacity() <= MAX_RESERVE + 64);
}

fn protobuf_claiming_a_huge_length() {
    // TimMessage field 9 (`dataBinary`, bytes) with a length of 2^35 - 1, then 3 bytes.
    let input = Bytes::from_static(&[0x4A, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3]);
    let (result, bytes) = allocated(|| tim::TimMessage::decode(input.clone()));
    assert!(result.is_err());
    assert!(bytes <= SMALL, "{bytes} bytes allocated");
    // A repeated message field (DownStreamMessages.list) announcing 2 GiB.
    let input = Bytes::from_static(&[0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x08]);
    let (result, bytes) = allocated(|| rongcloud::DownStreamMessages::decode(input.clone()));
    assert!(result.is_err());
    assert!(bytes <= SMALL, "{bytes} bytes allocated");
}

fn deeply_nested_protobuf() {
    // 100,000 nested groups of an unknown field: prost's recursion limit (100) stops it with an
    // error, without a stack overflow and without allocating per level.
    // Field 100 (unknown to TimMessage), wire type 3 (start group): tag 803 = varint A3 06.
    let input = Bytes::from([0xA3u8, 0x06].repeat(100_000));
    let (result, bytes) = allocated(|| tim::TimMessage::decode(input.clone()));
    let err = result.unwrap_err();
    assert!(err.to_string().contains("recursion limit"), "{err}");
    assert!(bytes <= SMALL, "{bytes} bytes allocated");
    // Nested known messages (TimMessageList → TimMessage → Tid) are bounded by the schema: no
    // message of timwire's schemas contains itself.
    let inner = tim::TimMessage {
        from_tid: Some(tim::Tid {
            node: "a".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let list = tim::TimMessageList {
        message_list: vec![inner; 3],
        ..Default::default()
    };
    assert_eq!(
        tim::TimMessageList::decode(Bytes::from(list.encode_to_vec())).unwrap(),
        list
    );
}

#[test]
fn untrusted_lengths_and_nesting_are_bounded() {
    header_claiming_256_mib();
    protobuf_claiming_a_huge_length();
    deeply_nested_protobuf();
}

//! Decoding a view allocates nothing, for every message type and any input: realistic
//! encodings (strings, maps, repeated and nested fields, merged occurrences) decoded, then read
//! whole — every field, every element of every repeated field and map, through the view's
//! `Debug` written to `io::sink()` — borrowed and through `Owned`; and malformed input, whose
//! errors (and their `Display`) allocate nothing either.
//!
//! The allocation counter is process-wide, so this file holds a single `#[test]`.

mod view_support;

use std::alloc::System;
use std::io::Write as _;

use bytes::Bytes;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use prost::Message as _;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use timwire_proto::view::{HasView, Owned};
use view_support::*;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// What one run of `f` allocated: allocations, reallocations and bytes.
fn allocated<T>(f: impl FnOnce() -> T) -> (T, (usize, usize, usize)) {
    let region = Region::new(GLOBAL);
    let out = f();
    let stats = region.change();
    (
        out,
        (
            stats.allocations,
            stats.reallocations,
            stats.bytes_allocated,
        ),
    )
}

/// Decodes `bytes` as a view of `M` and reads all of it, then the same through an `Owned<M>`
/// of `shared` (the same bytes; cloning a `Bytes` that is already shared is a reference count).
/// Returns whether the input decoded, and the length of what was read (so the walk is real).
fn walk<M: HasView>(bytes: &[u8], shared: &Bytes) -> (bool, usize) {
    let mut sink = Counter(0);
    match M::view(bytes) {
        Ok(view) => {
            let _ = write!(sink, "{view:?}");
            if let Ok(owned) = Owned::<M>::decode(shared.clone()) {
                let view = owned.view();
                let _ = write!(sink, "{view:?}");
                let _ = write!(std::io::sink(), "{:?}", owned);
            }
            (true, sink.0)
        }
        Err(error) => {
            let _ = write!(
                sink,
                "{error} {} {} {}",
                error.message(),
                error.field(),
                error.offset()
            );
            let _ = Owned::<M>::decode(shared.clone());
            (false, sink.0)
        }
    }
}

/// An `io::Write` that counts bytes and keeps none (like `io::sink()`).
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

type Walk = fn(&[u8], &Bytes) -> (bool, usize);

fn walks() -> Vec<(&'static str, Walk)> {
    let mut walks: Vec<(&'static str, Walk)> = Vec::new();
    macro_rules! push {
        ($ty:path, $name:literal) => {
            walks.push(($name, walk::<$ty>));
        };
    }
    timwire_proto::for_each_message!(push);
    walks
}

/// A `Bytes` of `bytes` that is already shared, so cloning it only counts a reference.
fn shared(bytes: &[u8]) -> Bytes {
    let b = Bytes::from(bytes.to_vec());
    drop(b.clone());
    b
}

#[test]
fn views_decode_and_read_without_allocating() {
    let walks = walks();
    let mut runner = TestRunner::deterministic();
    let mut failures = Vec::new();
    let (mut good, mut bad) = (0usize, 0usize);
    for (name, walk) in &walks {
        let desc = descriptor(name);
        // Realistic encodings: every field set, with salts; merged (twice); arbitrary ones.
        let mut valid: Vec<Vec<u8>> = (0..3)
            .map(|salt| full_message(&desc, DEPTH, salt).encode_to_vec())
            .collect();
        valid.push([&valid[0][..], &valid[1]].concat());
        let strategy = message(&desc, DEPTH);
        for _ in 0..8 {
            let tree = strategy.new_tree(&mut runner).expect("a value");
            valid.push(tree.current().encode_to_vec());
        }
        // Malformed: every prefix of one, and damaged ones.
        let mut malformed: Vec<Vec<u8>> = (0..valid[0].len())
            .map(|end| valid[0][..end].to_vec())
            .collect();
        let mut rng = Dice::new(name.len() as u64);
        for bytes in &valid {
            for _ in 0..4 {
                let mut tree = parse(bytes, Some(&desc));
                damage(&mut tree, Some(&desc), &mut rng);
                malformed.push(write(&tree));
                let mut flipped = bytes.clone();
                damage_bytes(&mut flipped, &mut rng);
                malformed.push(flipped);
            }
        }
        malformed.push([0xA3u8, 0x06].repeat(200));

        for (bytes, must_decode) in valid
            .iter()
            .map(|b| (b, true))
            .chain(malformed.iter().map(|b| (b, false)))
        {
            let frame = shared(bytes);
            let ((decoded, read), (allocations, reallocations, total)) =
                allocated(|| walk(bytes, &frame));
            if must_decode && !decoded {
                failures.push(format!(
                    "{name}: a valid encoding did not decode: {}",
                    hex(bytes)
                ));
            }
            if decoded && must_decode && !bytes.is_empty() && read == 0 {
                failures.push(format!("{name}: nothing read"));
            }
            if allocations + reallocations + total != 0 {
                failures.push(format!(
                    "{name}: {allocations} allocations, {reallocations} reallocations, {total} bytes \
                     ({}): {}",
                    if decoded { "decoded" } else { "rejected" },
                    hex(bytes)
                ));
            }
            if decoded {
                good += 1;
            } else {
                bad += 1;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        good > 10 * walks.len() && bad > 10 * walks.len(),
        "{good} decoded, {bad} rejected"
    );
    eprintln!(
        "{} types: {good} inputs decoded and read, {bad} rejected, 0 bytes allocated",
        walks.len()
    );
}

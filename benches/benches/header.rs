//! `timwire-header`: the header byte, the remaining-length varint and the stream prefix.
//!
//! These are sub-nanosecond to few-nanosecond operations; each bench runs the operation over a
//! small array of inputs (all 256 header bytes, one varint per encoded length) so the figure is
//! per batch, and BENCHMARKS.md divides by the batch size.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use timwire_header::stream::{self, StreamPrefix};
use timwire_header::{Header, varint};

/// One value per varint length (1, 2, 3 and 4 bytes), at the top of each range.
const VARINT_VALUES: [u64; 4] = [127, 16_383, 2_097_151, 268_435_455];

fn header(c: &mut Criterion) {
    let mut g = c.benchmark_group("header");
    let bytes: Vec<u8> = (0..=255).collect();
    let headers: Vec<Header> = bytes.iter().map(|&b| Header::from_byte(b)).collect();
    g.throughput(Throughput::Elements(256));
    g.bench_function("decode/256 bytes", |b| {
        b.iter(|| {
            for &byte in black_box(&bytes) {
                black_box(Header::from_byte(byte));
            }
        })
    });
    g.bench_function("encode/256 headers", |b| {
        b.iter(|| {
            for &header in black_box(&headers) {
                black_box(header.to_byte());
            }
        })
    });
    g.finish();
}

fn varint(c: &mut Criterion) {
    let mut g = c.benchmark_group("varint");
    let encoded: Vec<varint::Encoded> = VARINT_VALUES
        .iter()
        .map(|&v| varint::encode(v).expect("in range"))
        .collect();
    g.throughput(Throughput::Elements(VARINT_VALUES.len() as u64));
    g.bench_function("encode/1-4 bytes", |b| {
        b.iter(|| {
            for &value in black_box(&VARINT_VALUES) {
                let _ = black_box(varint::encode(value));
            }
        })
    });
    g.bench_function("decode/1-4 bytes", |b| {
        b.iter(|| {
            for e in black_box(&encoded) {
                let _ = black_box(varint::decode(e.as_slice()));
            }
        })
    });
    g.finish();
}

fn prefix(c: &mut Criterion) {
    let mut g = c.benchmark_group("stream prefix");
    let header = Header::from_byte(0x32);
    let prefixes: Vec<StreamPrefix> = VARINT_VALUES
        .iter()
        .map(|&v| StreamPrefix::new(header, v).expect("in range"))
        .collect();
    g.throughput(Throughput::Elements(VARINT_VALUES.len() as u64));
    g.bench_function("encode/1-4 byte length", |b| {
        b.iter(|| {
            for &value in black_box(&VARINT_VALUES) {
                let _ = black_box(StreamPrefix::new(header, value));
            }
        })
    });
    g.bench_function("peek/1-4 byte length", |b| {
        b.iter(|| {
            for p in black_box(&prefixes) {
                let _ = black_box(stream::peek(p.as_bytes()));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, header, varint, prefix);
criterion_main!(benches);

//! Stream framing (TCP) decode and encode: timwire against rumqttc's MQTT 3.1.1 codec,
//! tokio-util's `LengthDelimitedCodec` (framing only) and a plain memcpy of the frame.
//!
//! Decode benches: every codec in a group gets the same setup, outside the timing: a unique,
//! already shared `BytesMut` holding exactly one frame (`shared_buffer`, the steady state of a
//! socket read buffer), built in batches of `batch(len)` buffers. The timing covers the decode
//! and the drop of what it returned (`decode_bench` drops it inside the routine; criterion would
//! otherwise drop it after the clock stops). The `setup floor` bench runs the same setup and
//! batch with a routine that only reads the buffer's length: the harness's own cost per
//! iteration, and `read first byte` what touching the frame costs. The `split + freeze` bench
//! takes the frame off the buffer as a `Bytes` and drops it: one reference taken and released,
//! the least that any decoder handing out owned (`'static`) frames pays.
//!
//! Encode benches: every codec writes into a `BytesMut` whose capacity was reserved once and
//! which is cleared before each write, so no bench allocates.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use criterion::measurement::WallTime;
use criterion::{
    BatchSize, BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main,
};
use timwire_benches::*;
use timwire_signal::{
    ClientPacket, Decode, Encode, EncodeOptions, Framing, PingReq, StreamDecoder,
};
use tokio_util::codec::{Decoder, Encoder, LengthDelimitedCodec};

/// Buffers per timed batch: enough to amortise the clock reads, few enough that a batch of the
/// largest frames (8 x 64 KiB) stays in L2.
fn batch(frame_len: usize) -> BatchSize {
    BatchSize::NumIterations(if frame_len > 16 * 1024 { 8 } else { 256 })
}

fn length_delimited_codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(MAX_BODY)
        .new_codec()
}

/// One decode bench: `routine` runs on a fresh shared buffer holding `frame`.
fn decode_bench<O>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    frame: &[u8],
    size: BatchSize,
    mut routine: impl FnMut(&mut BytesMut) -> O,
) {
    g.throughput(Throughput::Bytes(frame.len() as u64));
    g.bench_function(name, |b| {
        b.iter_batched_ref(
            || shared_buffer(frame),
            |buf| drop(black_box(routine(buf))),
            size,
        )
    });
}

/// The decode group of one frame kind: timwire (from `BytesMut` and from `&[u8]`), rumqttc,
/// LengthDelimitedCodec, split + freeze, memcpy, and the setup floor.
fn decode_group(c: &mut Criterion, label: &str, timwire: &ClientPacket, mqtt: &rumqttc::Packet) {
    let tw_frame = timwire_frame(timwire);
    let mqtt_frame = rumqttc_frame(mqtt);
    let body_len = timwire
        .body_len(Default::default())
        .expect("fixture encodes");
    let ld_frame = length_delimited_frame(body_len);
    let size = batch(tw_frame.len());
    let decoder = StreamDecoder::new();
    let mut g = c.benchmark_group(format!("decode {label}"));
    if tw_frame.len() > 16 * 1024 {
        // The untimed setup (a 64 KiB buffer per iteration) costs ~20x the timed decode: cap
        // the measured time so the group does not take minutes. Stated in BENCHMARKS.md.
        g.measurement_time(Duration::from_secs(1));
    }

    decode_bench(&mut g, "timwire", &tw_frame, size, |buf| {
        decoder
            .decode_packet::<ClientPacket>(buf)
            .expect("valid")
            .expect("complete")
    });
    decode_bench(&mut g, "timwire (&[u8])", &tw_frame, size, |buf| {
        let (frame, _used) = decoder
            .decode_slice(&buf[..])
            .expect("valid")
            .expect("complete");
        // Returned so that its drop is timed like the other codecs' results.
        ClientPacket::<&[u8]>::decode(&frame)
            .map(|p| p.msg_id())
            .expect("valid")
    });
    decode_bench(&mut g, "rumqttc", &mqtt_frame, size, |buf| {
        rumqttc::Packet::read(buf, MAX_BODY).expect("valid")
    });
    let mut codec = length_delimited_codec();
    decode_bench(&mut g, "LengthDelimitedCodec", &ld_frame, size, |buf| {
        codec.decode(buf).expect("valid").expect("complete")
    });
    let frame_len = tw_frame.len();
    decode_bench(&mut g, "split + freeze", &tw_frame, size, |buf| {
        buf.split_to(frame_len).freeze()
    });
    let mut dst = vec![0u8; tw_frame.len()];
    decode_bench(&mut g, "memcpy", &tw_frame, size, |buf| {
        dst.copy_from_slice(&buf[..]);
        black_box(&dst);
    });
    decode_bench(&mut g, "setup floor", &tw_frame, size, |buf| buf.len());
    // What reaching the frame's memory costs by itself, next to the setup floor.
    decode_bench(&mut g, "read first byte", &tw_frame, size, |buf| buf[0]);
    g.finish();
}

fn decode(c: &mut Criterion) {
    decode_group(
        c,
        "PINGREQ",
        &PingReq::default().into(),
        &rumqttc::Packet::PingReq,
    );
    for (label, len) in PAYLOAD_SIZES {
        decode_group(
            c,
            &format!("PUBLISH {label}"),
            &timwire_publish(len),
            &rumqttc_publish(len),
        );
    }
}

/// One encode bench: `routine` writes into `buf`, cleared first.
fn encode_bench<O>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    frame_len: usize,
    mut routine: impl FnMut(&mut BytesMut) -> O,
) {
    let mut buf = BytesMut::with_capacity(frame_len);
    g.throughput(Throughput::Bytes(frame_len as u64));
    g.bench_function(name, |b| {
        b.iter(|| {
            buf.clear();
            black_box(routine(black_box(&mut buf)));
        })
    });
}

fn encode_group(c: &mut Criterion, label: &str, timwire: &ClientPacket, mqtt: &rumqttc::Packet) {
    let options = EncodeOptions::default();
    let tw_len = timwire
        .encoded_len(Framing::Stream, &options)
        .expect("fixture encodes");
    let mqtt_len = mqtt.size();
    let tw_frame = timwire_frame(timwire);
    // The LengthDelimitedCodec frame carries the timwire body as an opaque item.
    let body = Bytes::from(
        tw_frame[tw_frame.len() - timwire.body_len(Default::default()).unwrap()..].to_vec(),
    );
    // Promote the Vec-backed Bytes once, so that the clone in the loop only counts a reference.
    drop(body.clone());
    let mut g = c.benchmark_group(format!("encode {label}"));

    encode_bench(&mut g, "timwire", tw_len, |buf| {
        timwire
            .encode(Framing::Stream, &options, buf)
            .expect("encodes")
    });
    encode_bench(&mut g, "rumqttc", mqtt_len, |buf| {
        mqtt.write(buf, MAX_BODY).expect("encodes")
    });
    let mut codec = length_delimited_codec();
    encode_bench(&mut g, "LengthDelimitedCodec", body.len() + 4, |buf| {
        codec.encode(body.clone(), buf).expect("encodes")
    });
    encode_bench(&mut g, "memcpy", tw_frame.len(), |buf| {
        buf.extend_from_slice(black_box(&tw_frame));
    });
    g.finish();
}

fn encode(c: &mut Criterion) {
    encode_group(
        c,
        "PINGREQ",
        &PingReq::default().into(),
        &rumqttc::Packet::PingReq,
    );
    for (label, len) in PAYLOAD_SIZES {
        encode_group(
            c,
            &format!("PUBLISH {label}"),
            &timwire_publish(len),
            &rumqttc_publish(len),
        );
    }
}

/// A stream of 1000 mixed frames, decoded frame by frame, and encoded.
fn mixed(c: &mut Criterion) {
    let tw_packets = timwire_mixed();
    let mqtt_packets = rumqttc_mixed();
    let tw_stream = timwire_stream(&tw_packets);
    let mqtt_stream = rumqttc_stream(&mqtt_packets);
    let decoder = StreamDecoder::new();
    let options = EncodeOptions::default();

    let mut g = c.benchmark_group(format!("decode mixed stream ({MIXED_FRAMES} frames)"));
    g.throughput(Throughput::Bytes(tw_stream.len() as u64));
    g.bench_function("timwire", |b| {
        b.iter_batched_ref(
            || shared_buffer(&tw_stream),
            |buf| {
                let mut n = 0usize;
                while let Some(p) = decoder.decode_packet::<ClientPacket>(buf).expect("valid") {
                    black_box(p);
                    n += 1;
                }
                assert_eq!(n, MIXED_FRAMES);
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("timwire (&[u8])", |b| {
        b.iter_batched_ref(
            || shared_buffer(&tw_stream),
            |buf| {
                let mut rest = &buf[..];
                let mut n = 0usize;
                while let Some((frame, used)) = decoder.decode_slice(rest).expect("valid") {
                    black_box(ClientPacket::<&[u8]>::decode(&frame).expect("valid"));
                    rest = &rest[used..];
                    n += 1;
                }
                assert_eq!(n, MIXED_FRAMES);
            },
            BatchSize::PerIteration,
        )
    });
    g.throughput(Throughput::Bytes(mqtt_stream.len() as u64));
    g.bench_function("rumqttc", |b| {
        b.iter_batched_ref(
            || shared_buffer(&mqtt_stream),
            |buf| {
                let mut n = 0usize;
                while !buf.is_empty() {
                    black_box(rumqttc::Packet::read(buf, MAX_BODY).expect("valid"));
                    n += 1;
                }
                assert_eq!(n, MIXED_FRAMES);
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();

    let mut g = c.benchmark_group(format!("encode mixed stream ({MIXED_FRAMES} frames)"));
    let mut buf = BytesMut::with_capacity(tw_stream.len().max(mqtt_stream.len()));
    g.throughput(Throughput::Bytes(tw_stream.len() as u64));
    g.bench_function("timwire", |b| {
        b.iter(|| {
            buf.clear();
            for p in black_box(&tw_packets) {
                p.encode(Framing::Stream, &options, &mut buf)
                    .expect("encodes");
            }
            black_box(&buf);
        })
    });
    g.throughput(Throughput::Bytes(mqtt_stream.len() as u64));
    g.bench_function("rumqttc", |b| {
        b.iter(|| {
            buf.clear();
            for p in black_box(&mqtt_packets) {
                p.write(&mut buf, MAX_BODY).expect("encodes");
            }
            black_box(&buf);
        })
    });
    g.finish();
}

/// The primitives a decoder's cost is made of on this machine, to read the figures above by:
/// one reference taken on and dropped from a shared buffer (what each `Bytes`/`ByteString` field
/// of a decoded packet costs), one uncontended atomic add, a small allocation freed again (what
/// an owned `String` field costs), and UTF-8 validation of a 16-byte string.
fn primitives(c: &mut Criterion) {
    let mut g = c.benchmark_group("primitives");
    let shared = payload(1024);
    drop(shared.clone());
    g.bench_function("Bytes clone + drop (shared buffer)", |b| {
        b.iter(|| black_box(black_box(&shared).clone()))
    });
    let counter = std::sync::atomic::AtomicUsize::new(0);
    g.bench_function("AtomicUsize fetch_add", |b| {
        b.iter(|| black_box(&counter).fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    });
    g.bench_function("24-byte Vec alloc + copy + free", |b| {
        b.iter(|| black_box(black_box(MQTT_TOPIC.as_bytes()).to_vec()))
    });
    g.bench_function("str::from_utf8, 16 bytes", |b| {
        b.iter(|| black_box(std::str::from_utf8(black_box(TARGET.as_bytes())).is_ok()))
    });
    g.finish();
}

criterion_group!(benches, decode, encode, mixed, primitives);
criterion_main!(benches);

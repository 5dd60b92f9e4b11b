//! The relay path of an IM server (issue 11): decode an owned client PUBLISH, then produce the
//! server PUBLISH frames for 1, 100 and 1,000 recipients, ready to write, each with its own
//! msgId and targetId. timwire against rumqttc doing the same in its best form: decode once,
//! then per recipient set the packet id and write the publish into that recipient's buffer.
//!
//! Setup (untimed, as in the `signal` bench): a unique, already shared `BytesMut` holding the
//! client's frame. Each recipient has its own output, allocated once and reused: a
//! `FrameQueue` for timwire, a `BytesMut` for rumqttc. The timed routine decodes, produces every
//! recipient's frame, and then empties every output as a writer would after writing it
//! (`advance` for the queue, which releases its references on the payload; `clear` for
//! rumqttc's buffers), so that what a frame holds is paid for inside the timing.
//!
//! Groups:
//! * `relay {size} x{n}`: the relay itself, 1 KiB and 64 KiB payloads, 1/100/1000 recipients.
//!   timwire encodes the server PUBLISH once (`Fanout`) and queues it per recipient with its
//!   msgId: with the default share threshold, with sharing forced on and off, and written into
//!   a `BytesMut` per recipient (no queue); like rumqttc's, these frames differ by msgId only.
//!   Two variants encode each recipient's PUBLISH whole: with its own targetId (into a queue),
//!   and with no fan-out or queue at all, straight into the recipient's `BytesMut` (what a
//!   tokio-util `Encoder` does, and exactly the form rumqttc gets; the shortest path for one
//!   recipient);
//! * `share or copy`: one frame queued with its payload shared against copied, for payloads
//!   of 64 B to 64 KiB: the crossover sets `DEFAULT_SHARE_THRESHOLD`, and the shared path's cost
//!   at 64 KiB against 64 B is issue 11's single-frame target;
//! * `fanout budget`: one 256 B or 1 KiB payload pushed to 4–64 queues, shared against copied:
//!   where sharing starts to win as the copies outgrow the cache sets `FANOUT_COPY_BUDGET`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use bytes::{Buf, BytesMut};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use timwire_benches::*;
use timwire_signal::queue::{DEFAULT_SHARE_THRESHOLD, Fanout, FrameQueue};
use timwire_signal::{
    ClientPacket, Encode, EncodeOptions, Framing, QoS, ServerPublish, StreamDecoder, Text,
};

const RECIPIENTS: [usize; 3] = [1, 100, 1000];
const SIZES: [(&str, usize); 2] = [("1KiB", 1024), ("64KiB", 64 * 1024)];

/// Empties every queue as a writer does once everything is written: the first chunk is
/// touched, and the queued frames (and their references on shared payloads) are released.
fn written(queues: &mut [FrameQueue]) {
    for queue in queues {
        black_box(queue.chunk());
        let all = queue.remaining();
        queue.advance(all);
    }
}

/// The recipients' ids, as a server would hold them (decoded or looked up once).
fn targets(n: usize) -> Vec<Text> {
    (0..n)
        .map(|i| Text::from(format!("user-{i:010}")))
        .collect()
}

fn relay_group(c: &mut Criterion, label: &str, len: usize, n: usize) {
    let tw_frame = timwire_frame(&timwire_publish(len));
    let mqtt_frame = rumqttc_frame(&rumqttc_publish(len));
    let targets = targets(n);
    let options = EncodeOptions::default();
    let decoder = StreamDecoder::new();
    let mut g = c.benchmark_group(format!("relay {label} x{n}"));
    g.throughput(Throughput::Elements(n as u64));
    if len * n > 1024 * 1024 {
        g.sample_size(10);
        g.measurement_time(Duration::from_secs(3));
    }
    let size = BatchSize::NumIterations(if len * n > 64 * 1024 { 1 } else { 64 });

    // Decodes the client's frame and turns it into the server PUBLISH every recipient gets.
    let decode = |buf: &mut BytesMut| {
        let Some(ClientPacket::Publish(p)) =
            decoder.decode_packet::<ClientPacket>(buf).expect("valid")
        else {
            unreachable!("a PUBLISH")
        };
        ServerPublish::new(
            QoS::AtLeastOnce,
            1_700_000_000,
            p.topic,
            p.target_id,
            0,
            p.data,
        )
    };

    // The fan-out: encoded once, each recipient's head patched with its msgId. `hint`: the
    // fan-out is told its recipient count (`Fanout::for_recipients`), as a server knows it.
    let mut fanout = |name: &str, threshold: usize, hint: bool| {
        let mut queues: Vec<FrameQueue> = (0..n)
            .map(|_| FrameQueue::with_share_threshold(threshold))
            .collect();
        g.bench_function(name, |b| {
            b.iter_batched_ref(
                || shared_buffer(&tw_frame),
                |buf| {
                    let publish = decode(buf);
                    let mut fanout =
                        Fanout::from_publish(publish, Framing::Stream, &options).expect("encodes");
                    if hint {
                        fanout = fanout.for_recipients(n);
                    }
                    for (queue, msg_id) in queues.iter_mut().zip(1..) {
                        fanout.push(queue, msg_id);
                    }
                    written(&mut queues);
                },
                size,
            )
        });
    };
    fanout("timwire", DEFAULT_SHARE_THRESHOLD, true);
    fanout("timwire (threshold only)", DEFAULT_SHARE_THRESHOLD, false);
    fanout("timwire (always share)", 0, false);
    fanout("timwire (always copy)", usize::MAX, false);

    // Each recipient's PUBLISH encoded on its own, with its own targetId.
    let mut queues: Vec<FrameQueue> = (0..n).map(|_| FrameQueue::new()).collect();
    g.bench_function("timwire (per-recipient targetId)", |b| {
        b.iter_batched_ref(
            || shared_buffer(&tw_frame),
            |buf| {
                let mut publish = decode(buf);
                for ((queue, target), msg_id) in queues.iter_mut().zip(&targets).zip(1..) {
                    publish.target_id = target.clone();
                    publish.msg_id = msg_id;
                    queue
                        .push(&publish, Framing::Stream, &options)
                        .expect("encodes");
                }
                written(&mut queues);
            },
            size,
        )
    });

    // The copy path without a queue: into each recipient's `BytesMut`, as rumqttc writes.
    let mut outs: Vec<BytesMut> = (0..n)
        .map(|_| BytesMut::with_capacity(tw_frame.len() + 4))
        .collect();
    g.bench_function("timwire (Fanout::write into BytesMut)", |b| {
        b.iter_batched_ref(
            || shared_buffer(&tw_frame),
            |buf| {
                let publish = decode(buf);
                let fanout =
                    Fanout::from_publish(publish, Framing::Stream, &options).expect("encodes");
                for (out, msg_id) in outs.iter_mut().zip(1..) {
                    fanout.write(out, msg_id);
                }
                for out in &mut outs {
                    black_box(&out[..]);
                    out.clear();
                }
            },
            size,
        )
    });

    // No fan-out at all: each recipient's PUBLISH encoded whole into its `BytesMut` (what a
    // tokio-util `Encoder` does), exactly the form rumqttc gets below. A fan-out's shared head
    // pays off with many recipients (BENCHMARKS.md, run 19); for one, this is the shortest path.
    g.bench_function("timwire (encode into BytesMut)", |b| {
        b.iter_batched_ref(
            || shared_buffer(&tw_frame),
            |buf| {
                let mut publish = decode(buf);
                for (out, msg_id) in outs.iter_mut().zip(1..) {
                    publish.msg_id = msg_id;
                    publish
                        .encode(Framing::Stream, &options, out)
                        .expect("encodes");
                }
                for out in &mut outs {
                    black_box(&out[..]);
                    out.clear();
                }
            },
            size,
        )
    });

    let mut bufs: Vec<BytesMut> = (0..n)
        .map(|_| BytesMut::with_capacity(mqtt_frame.len()))
        .collect();
    g.bench_function("rumqttc", |b| {
        b.iter_batched_ref(
            || shared_buffer(&mqtt_frame),
            |buf| {
                let rumqttc::Packet::Publish(mut publish) =
                    rumqttc::Packet::read(buf, MAX_BODY).expect("valid")
                else {
                    unreachable!("a PUBLISH")
                };
                for (out, pkid) in bufs.iter_mut().zip(1..) {
                    publish.pkid = pkid;
                    publish.write(out).expect("encodes");
                }
                for out in &mut bufs {
                    black_box(&out[..]);
                    out.clear();
                }
            },
            size,
        )
    });
    g.finish();
}

fn relay(c: &mut Criterion) {
    for (label, len) in SIZES {
        for n in RECIPIENTS {
            relay_group(c, label, len, n);
        }
    }
}

/// One server PUBLISH queued and written, its payload shared or copied: the crossover sets
/// `DEFAULT_SHARE_THRESHOLD`, and `share 64` against `share 65536` shows that a shared frame's
/// cost does not grow with its payload.
fn share_or_copy(c: &mut Criterion) {
    let options = EncodeOptions::default();
    let mut g = c.benchmark_group("share or copy");
    for len in [64, 256, 512, 1024, 2048, 4096, 8192, 16384, 65536] {
        let data = payload(len);
        drop(data.clone()); // promote once: clones in the loop only count references
        let publish = ServerPublish::new(QoS::AtLeastOnce, 0, "timMsg", "user-0123456789", 1, data);
        for (name, threshold) in [("share", 0), ("copy", usize::MAX)] {
            let mut queue = FrameQueue::with_share_threshold(threshold);
            g.bench_function(format!("{name} {len}"), |b| {
                b.iter(|| {
                    queue
                        .push(black_box(&publish), Framing::Stream, &options)
                        .expect("encodes");
                    written(std::slice::from_mut(&mut queue));
                })
            });
        }
    }
    g.finish();
}

/// One payload pushed to `n` queues, shared against copied: the fan-out's crossover.
fn fanout_budget(c: &mut Criterion) {
    let options = EncodeOptions::default();
    let mut g = c.benchmark_group("fanout budget");
    for len in [256, 1024] {
        let publish = ServerPublish::new(QoS::AtLeastOnce, 0, "timMsg", "group-7", 0, payload(len));
        drop(publish.data.clone()); // promote once: clones in the loop only count references
        let fanout = Fanout::new(&publish, Framing::Stream, &options).expect("encodes");
        for n in [4, 16, 32, 64] {
            g.throughput(Throughput::Elements(n as u64));
            for (name, threshold) in [("share", 0), ("copy", usize::MAX)] {
                let mut queues: Vec<FrameQueue> = (0..n)
                    .map(|_| FrameQueue::with_share_threshold(threshold))
                    .collect();
                g.bench_function(format!("{name} {len} x{n}"), |b| {
                    b.iter(|| {
                        for (queue, msg_id) in queues.iter_mut().zip(1..) {
                            fanout.push(queue, msg_id);
                        }
                        written(&mut queues);
                    })
                });
            }
        }
    }
    g.finish();
}

criterion_group!(benches, relay, share_or_copy, fanout_budget);
criterion_main!(benches);

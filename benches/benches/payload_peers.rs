//! Protobuf payload decoders side by side, on the three payload fixtures of `proto.rs`
//! (`timwire_benches::proto`), each encoded once by prost:
//!
//! - **prost, from Bytes**: timwire-proto's owned types (`bytes` fields share the buffer);
//! - **buffa view**: buffa 0.9's eager view, `FooView::decode_view(&[u8])` (strings and bytes
//!   borrow the input; nested messages are boxed, repeated fields and maps are `Vec`s);
//! - **buffa OwnedView, from Bytes**: buffa's `'static` view over a `Bytes` frame
//!   (`FooOwnedView::decode`), one reference on the frame;
//! - **buffa owned message, from Bytes**: buffa's own owned types, for reference (timwire keeps
//!   prost as its owned type);
//! - **... + read all**: decode, then read every field of every message (iterate every repeated
//!   field and map, touch every string and bytes field), so that a lazy design is not flattered
//!   by the fields it never decoded.
//!
//! Every routine returns its result, so criterion drops it inside the timing, as in `proto.rs`.
//! The group of each fixture is `payload views <fixture> (<size> B)`: another decoder is one more
//! `bench_function` line in each of the three functions below; timwire's views are the last rows.
//! Allocations per decode of the same routines: the `alloc` bench.
#![allow(missing_docs)]

use std::hint::black_box;

use buffa::MessageView as _;
use bytes::Bytes;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use prost::Message as _;
use timwire_benches::peers::buffa::{rongcloud as bf_rc, tim as bf_tim};
use timwire_benches::peers::read_all;
use timwire_benches::proto::{
    down_stream_messages, tim_message, up_stream_message, walk_down_stream_messages,
    walk_tim_message, walk_up_stream_message,
};
use timwire_proto::rongcloud::{DownStreamMessages, UpStreamMessage};
use timwire_proto::tim::TimMessage;
use timwire_proto::view::Owned;

/// One fixture, encoded by prost: as a slice for the borrowing decoders and as a shared `Bytes`
/// for the owning ones.
struct Fixture {
    encoded: Vec<u8>,
    bytes: Bytes,
}

impl Fixture {
    fn new(message: &impl prost::Message) -> Self {
        let encoded = message.encode_to_vec();
        let bytes = Bytes::from(encoded.clone());
        // A Bytes made from a Vec allocates once, on its first clone (promotion to a shared
        // buffer); clone it once here so that the loop measures the steady state.
        drop(bytes.clone());
        Self { encoded, bytes }
    }

    /// `payload views <name> (<size> B)`, throughput in bytes of the encoded message.
    fn group<'c>(&self, c: &'c mut Criterion, name: &str) -> BenchmarkGroup<'c, WallTime> {
        let mut g = c.benchmark_group(format!("payload views {name} ({} B)", self.encoded.len()));
        g.throughput(Throughput::Bytes(self.encoded.len() as u64));
        g
    }

    /// A new reference on the shared buffer, as a decoder that keeps the frame gets it.
    fn frame(&self) -> Bytes {
        black_box(&self.bytes).clone()
    }

    fn slice(&self) -> &[u8] {
        black_box(&self.encoded)
    }
}

fn tim_message_group(c: &mut Criterion) {
    let f = Fixture::new(&tim_message());
    let mut g = f.group(c, "TimMessage");
    g.bench_function("prost, from Bytes", |b| {
        b.iter(|| TimMessage::decode(f.frame()).expect("valid"))
    });
    g.bench_function("prost, from Bytes + read all", |b| {
        b.iter(|| read_all::prost_tim_message(&TimMessage::decode(f.frame()).expect("valid")))
    });
    g.bench_function("buffa view", |b| {
        b.iter(|| bf_tim::TimMessageView::decode_view(f.slice()).expect("valid"))
    });
    g.bench_function("buffa view + read all", |b| {
        b.iter(|| {
            read_all::buffa_tim_message(
                &bf_tim::TimMessageView::decode_view(f.slice()).expect("valid"),
            )
        })
    });
    g.bench_function("buffa OwnedView, from Bytes", |b| {
        b.iter(|| bf_tim::TimMessageOwnedView::decode(f.frame()).expect("valid"))
    });
    g.bench_function("buffa owned message, from Bytes", |b| {
        b.iter(|| <bf_tim::TimMessage as buffa::Message>::decode(&mut f.frame()).expect("valid"))
    });
    g.bench_function("timwire view", |b| {
        b.iter(|| timwire_proto::tim::TimMessageView::decode(f.slice()).expect("valid"))
    });
    g.bench_function("timwire view + read all", |b| {
        b.iter(|| {
            walk_tim_message(&timwire_proto::tim::TimMessageView::decode(f.slice()).expect("valid"))
        })
    });
    g.bench_function("timwire Owned, from Bytes", |b| {
        b.iter(|| Owned::<TimMessage>::decode(f.frame()).expect("valid"))
    });
    g.finish();
}

fn up_stream_message_group(c: &mut Criterion) {
    let f = Fixture::new(&up_stream_message());
    let mut g = f.group(c, "UpStreamMessage");
    g.bench_function("prost, from Bytes", |b| {
        b.iter(|| UpStreamMessage::decode(f.frame()).expect("valid"))
    });
    g.bench_function("prost, from Bytes + read all", |b| {
        b.iter(|| read_all::prost_up_stream(&UpStreamMessage::decode(f.frame()).expect("valid")))
    });
    g.bench_function("buffa view", |b| {
        b.iter(|| bf_rc::UpStreamMessageView::decode_view(f.slice()).expect("valid"))
    });
    g.bench_function("buffa view + read all", |b| {
        b.iter(|| {
            read_all::buffa_up_stream(
                &bf_rc::UpStreamMessageView::decode_view(f.slice()).expect("valid"),
            )
        })
    });
    g.bench_function("buffa OwnedView, from Bytes", |b| {
        b.iter(|| bf_rc::UpStreamMessageOwnedView::decode(f.frame()).expect("valid"))
    });
    g.bench_function("buffa owned message, from Bytes", |b| {
        b.iter(|| {
            <bf_rc::UpStreamMessage as buffa::Message>::decode(&mut f.frame()).expect("valid")
        })
    });
    g.bench_function("timwire view", |b| {
        b.iter(|| timwire_proto::rongcloud::UpStreamMessageView::decode(f.slice()).expect("valid"))
    });
    g.bench_function("timwire view + read all", |b| {
        b.iter(|| {
            walk_up_stream_message(
                &timwire_proto::rongcloud::UpStreamMessageView::decode(f.slice()).expect("valid"),
            )
        })
    });
    g.bench_function("timwire Owned, from Bytes", |b| {
        b.iter(|| Owned::<UpStreamMessage>::decode(f.frame()).expect("valid"))
    });
    g.finish();
}

fn down_stream_messages_group(c: &mut Criterion) {
    let f = Fixture::new(&down_stream_messages(20));
    let mut g = f.group(c, "DownStreamMessages x20");
    g.bench_function("prost, from Bytes", |b| {
        b.iter(|| DownStreamMessages::decode(f.frame()).expect("valid"))
    });
    g.bench_function("prost, from Bytes + read all", |b| {
        b.iter(|| {
            read_all::prost_down_stream(&DownStreamMessages::decode(f.frame()).expect("valid"))
        })
    });
    g.bench_function("buffa view", |b| {
        b.iter(|| bf_rc::DownStreamMessagesView::decode_view(f.slice()).expect("valid"))
    });
    g.bench_function("buffa view + read all", |b| {
        b.iter(|| {
            read_all::buffa_down_stream(
                &bf_rc::DownStreamMessagesView::decode_view(f.slice()).expect("valid"),
            )
        })
    });
    g.bench_function("buffa OwnedView, from Bytes", |b| {
        b.iter(|| bf_rc::DownStreamMessagesOwnedView::decode(f.frame()).expect("valid"))
    });
    g.bench_function("buffa owned message, from Bytes", |b| {
        b.iter(|| {
            <bf_rc::DownStreamMessages as buffa::Message>::decode(&mut f.frame()).expect("valid")
        })
    });
    g.bench_function("timwire view", |b| {
        b.iter(|| {
            timwire_proto::rongcloud::DownStreamMessagesView::decode(f.slice()).expect("valid")
        })
    });
    g.bench_function("timwire view + read all", |b| {
        b.iter(|| {
            walk_down_stream_messages(
                &timwire_proto::rongcloud::DownStreamMessagesView::decode(f.slice())
                    .expect("valid"),
            )
        })
    });
    g.bench_function("timwire Owned, from Bytes", |b| {
        b.iter(|| Owned::<DownStreamMessages>::decode(f.frame()).expect("valid"))
    });
    g.finish();
}

criterion_group!(
    payload_views,
    tim_message_group,
    up_stream_message_group,
    down_stream_messages_group
);
criterion_main!(payload_views);

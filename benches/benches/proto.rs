//! Protobuf payloads (`timwire-proto`): TimMessage, UpStreamMessage and a DownStreamMessages of
//! 20 messages, decoded by prost from `Bytes` (bytes fields share the buffer; also merged into
//! one message kept across iterations, prost's in-place form) and from `&[u8]` (bytes fields
//! are copied), decoded as zero-copy views (`FooView::decode`, in place into one
//! view with `View::decode_in`, and the owned form `Owned<Foo>`), with and without reading every
//! field afterwards, and encoded by prost into a reused buffer.
#![allow(missing_docs)]

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use timwire_benches::proto::{
    down_stream_messages, tim_message, up_stream_message, walk_down_stream_messages,
    walk_tim_message, walk_up_stream_message,
};
use timwire_proto::rongcloud::{DownStreamMessages, UpStreamMessage};
use timwire_proto::tim::TimMessage;
use timwire_proto::view::{HasView, Owned, View};

fn group<M: HasView>(
    c: &mut Criterion,
    name: &str,
    message: &M,
    walk: impl for<'a> Fn(&M::View<'a>) -> usize,
) {
    let encoded = message.encode_to_vec();
    // A Bytes made from a Vec allocates once, on its first clone (promotion to a shared
    // buffer); clone it once here so that the loop measures the steady state.
    let bytes = Bytes::from(encoded.clone());
    drop(bytes.clone());
    let mut g = c.benchmark_group(format!("proto {name} ({} B)", encoded.len()));
    g.throughput(Throughput::Bytes(encoded.len() as u64));
    g.bench_function("decode from Bytes", |b| {
        b.iter(|| M::decode(black_box(&bytes).clone()).expect("valid"))
    });
    // prost's own in-place form, the peer of `view decode in place`: one message kept across
    // iterations, cleared and merged into (its strings and vectors keep their capacity).
    let mut reused = M::default();
    g.bench_function("decode from Bytes in place (merge)", |b| {
        b.iter(|| {
            reused.clear();
            reused.merge(black_box(&bytes).clone()).expect("valid");
            black_box(&reused);
        })
    });
    g.bench_function("decode from &[u8]", |b| {
        b.iter(|| M::decode(black_box(&encoded[..])).expect("valid"))
    });
    g.bench_function("view decode", |b| {
        b.iter(|| M::view(black_box(&encoded[..])).expect("valid"))
    });
    // The same decode into one view kept across iterations (`View::decode_in`): no view is
    // returned, so none is copied.
    let mut view = M::View::default();
    g.bench_function("view decode in place", |b| {
        b.iter(|| {
            black_box(&mut view)
                .decode_in(black_box(&encoded[..]))
                .expect("valid")
        })
    });
    g.bench_function("view decode + read all", |b| {
        b.iter(|| walk(&M::view(black_box(&encoded[..])).expect("valid")))
    });
    g.bench_function("owned decode", |b| {
        b.iter(|| Owned::<M>::decode(black_box(&bytes).clone()).expect("valid"))
    });
    g.bench_function("owned decode + view + read all", |b| {
        b.iter(|| {
            let owned = Owned::<M>::decode(black_box(&bytes).clone()).expect("valid");
            walk(&owned.view())
        })
    });
    g.bench_function("view to_message (prost type)", |b| {
        let view = M::view(&encoded[..]).expect("valid");
        b.iter(|| black_box(&view).to_message())
    });
    let mut buf = Vec::with_capacity(encoded.len());
    g.bench_function("encode", |b| {
        b.iter(|| {
            buf.clear();
            black_box(message).encode(&mut buf).expect("capacity");
            black_box(&buf);
        })
    });
    g.bench_function("encode_to_vec", |b| {
        b.iter(|| black_box(message).encode_to_vec())
    });
    g.finish();
}

fn proto(c: &mut Criterion) {
    group::<TimMessage>(c, "TimMessage", &tim_message(), walk_tim_message);
    group::<UpStreamMessage>(
        c,
        "UpStreamMessage",
        &up_stream_message(),
        walk_up_stream_message,
    );
    group::<DownStreamMessages>(
        c,
        "DownStreamMessages x20",
        &down_stream_messages(20),
        walk_down_stream_messages,
    );
}

criterion_group!(benches, proto);
criterion_main!(benches);

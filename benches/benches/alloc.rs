//! Allocations per decoded (and encoded) frame, counted with `stats_alloc`'s counting global
//! allocator: a count, not a timing, so this is a plain program (`harness = false`) that prints a
//! Markdown table. It runs under `cargo bench -p timwire-benches` (and accepts, ignoring them, the
//! arguments cargo passes).
//!
//! Each row runs its routine `REPS` times on inputs prepared beforehand (outside the counted
//! region) and divides. "shared buffer" is the steady state of a socket read buffer; "fresh
//! buffer" is a `BytesMut` still backed by a plain `Vec`, whose first split allocates once (the
//! bytes crate's promotion to a shared buffer): see the `timwire_benches` crate docs.
#![allow(missing_docs)]

use std::alloc::System;
use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use timwire_benches::proto::{down_stream_messages, tim_message, up_stream_message};
use timwire_benches::*;
use timwire_proto::view::{HasView, Owned};
use timwire_signal::text::TextEncoding;
use timwire_signal::{
    ClientPacket, ClientPublish, Decode, Encode, EncodeOptions, Framing, PingReq, QoS,
    StreamDecoder,
};
use tokio_util::codec::{Decoder, LengthDelimitedCodec};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const REPS: usize = 1000;

/// Allocations (plus reallocations) and bytes allocated per unit, over `REPS` runs of `routine`,
/// each on its own input from `setup`; `units` is how many frames or messages one run handles.
fn count<I, O>(
    units: usize,
    mut setup: impl FnMut() -> I,
    mut routine: impl FnMut(&mut I) -> O,
) -> (f64, f64) {
    let mut inputs: Vec<I> = (0..REPS).map(|_| setup()).collect();
    let region = Region::new(GLOBAL);
    for input in &mut inputs {
        black_box(routine(input));
    }
    let stats = region.change();
    drop(inputs);
    let per = (REPS * units) as f64;
    (
        (stats.allocations + stats.reallocations) as f64 / per,
        stats.bytes_allocated as f64 / per,
    )
}

struct Table {
    rows: Vec<(String, String, f64, f64)>,
}

impl Table {
    fn row(&mut self, what: &str, codec: &str, (allocs, bytes): (f64, f64)) {
        self.rows
            .push((what.to_string(), codec.to_string(), allocs, bytes));
    }

    fn print(&self) {
        println!(
            "| operation | codec / input | allocations per frame | bytes allocated per frame |"
        );
        println!("|---|---|---:|---:|");
        for (what, codec, allocs, bytes) in &self.rows {
            println!("| {what} | {codec} | {allocs:.2} | {bytes:.0} |");
        }
    }
}

fn decode_rows(t: &mut Table, label: &str, timwire: &ClientPacket, mqtt: &rumqttc::Packet) {
    let decoder = StreamDecoder::new();
    let tw_frame = timwire_frame(timwire);
    let mqtt_frame = rumqttc_frame(mqtt);
    let what = format!("decode {label}");
    let tw = |buf: &mut BytesMut| {
        decoder
            .decode_packet::<ClientPacket>(buf)
            .expect("valid")
            .expect("complete")
    };
    let mq = |buf: &mut BytesMut| rumqttc::Packet::read(buf, MAX_BODY).expect("valid");
    t.row(
        &what,
        "timwire, shared buffer",
        count(1, || shared_buffer(&tw_frame), tw),
    );
    t.row(
        &what,
        "timwire, fresh buffer",
        count(1, || fresh_buffer(&tw_frame), tw),
    );
    t.row(
        &what,
        "timwire, &[u8]",
        count(
            1,
            || (),
            |_| {
                let (frame, _) = decoder
                    .decode_slice(&tw_frame)
                    .expect("valid")
                    .expect("complete");
                ClientPacket::<&[u8]>::decode(&frame)
                    .map(|p| p.msg_id())
                    .expect("valid")
            },
        ),
    );
    t.row(
        &what,
        "rumqttc, shared buffer",
        count(1, || shared_buffer(&mqtt_frame), mq),
    );
    t.row(
        &what,
        "rumqttc, fresh buffer",
        count(1, || fresh_buffer(&mqtt_frame), mq),
    );
    if let Ok(body_len) = timwire.body_len(TextEncoding::Utf8) {
        let ld_frame = length_delimited_frame(body_len);
        let mut codec = LengthDelimitedCodec::builder()
            .max_frame_length(MAX_BODY)
            .new_codec();
        t.row(
            &what,
            "LengthDelimitedCodec, shared buffer",
            count(
                1,
                || shared_buffer(&ld_frame),
                |buf| {
                    codec
                        .decode(buf)
                        .expect("valid")
                        .expect("complete")
                        .freeze()
                },
            ),
        );
    }
}

fn cesu8_row(t: &mut Table) {
    // An emoji in the target id, written as CESU-8 (as RongCloud's web SDK 2.x does): the only
    // text timwire has to copy when decoding.
    let packet: ClientPacket = ClientPublish::new(
        QoS::AtLeastOnce,
        TOPIC,
        "user-\u{1F600}-0123",
        MSG_ID,
        payload(1024),
    )
    .into();
    let options = EncodeOptions {
        text: TextEncoding::Cesu8,
        ..EncodeOptions::default()
    };
    let frame = packet
        .to_bytes(Framing::Stream, &options)
        .expect("encodes")
        .to_vec();
    let decoder = StreamDecoder::new();
    t.row(
        "decode PUBLISH 1KiB, CESU-8 targetId",
        "timwire, shared buffer",
        count(
            1,
            || shared_buffer(&frame),
            |buf| {
                decoder
                    .decode_packet::<ClientPacket>(buf)
                    .expect("valid")
                    .expect("complete")
            },
        ),
    );
}

fn mixed_rows(t: &mut Table) {
    let decoder = StreamDecoder::new();
    let tw_packets = timwire_mixed();
    let mqtt_packets = rumqttc_mixed();
    let tw_stream = timwire_stream(&tw_packets);
    let mqtt_stream = rumqttc_stream(&mqtt_packets);
    let what = format!("decode mixed stream ({MIXED_FRAMES} frames)");
    t.row(
        &what,
        "timwire, shared buffer",
        count(
            MIXED_FRAMES,
            || shared_buffer(&tw_stream),
            |buf| {
                while let Some(p) = decoder.decode_packet::<ClientPacket>(buf).expect("valid") {
                    black_box(p);
                }
            },
        ),
    );
    t.row(
        &what,
        "rumqttc, shared buffer",
        count(
            MIXED_FRAMES,
            || shared_buffer(&mqtt_stream),
            |buf| {
                while !buf.is_empty() {
                    black_box(rumqttc::Packet::read(buf, MAX_BODY).expect("valid"));
                }
            },
        ),
    );
}

fn encode_rows(t: &mut Table) {
    let options = EncodeOptions::default();
    let timwire = timwire_publish(1024);
    let mqtt = rumqttc_publish(1024);
    let what = "encode PUBLISH 1KiB";
    t.row(
        what,
        "timwire, into a reserved buffer",
        count(
            1,
            || BytesMut::with_capacity(2048),
            |buf| {
                timwire
                    .encode(Framing::Stream, &options, buf)
                    .expect("encodes")
            },
        ),
    );
    t.row(
        what,
        "timwire, to_bytes (new buffer)",
        count(
            1,
            || (),
            |_| {
                timwire
                    .to_bytes(Framing::Stream, &options)
                    .expect("encodes")
            },
        ),
    );
    t.row(
        what,
        "rumqttc, into a reserved buffer",
        count(
            1,
            || BytesMut::with_capacity(2048),
            |buf| mqtt.write(buf, MAX_BODY).expect("encodes"),
        ),
    );
    let tw_packets = timwire_mixed();
    let mqtt_packets = rumqttc_mixed();
    let what = format!("encode mixed stream ({MIXED_FRAMES} frames)");
    t.row(
        &what,
        "timwire, into a reserved buffer",
        count(
            MIXED_FRAMES,
            || BytesMut::with_capacity(256 * 1024),
            |buf| {
                for p in &tw_packets {
                    p.encode(Framing::Stream, &options, buf).expect("encodes");
                }
            },
        ),
    );
    t.row(
        &what,
        "rumqttc, into a reserved buffer",
        count(
            MIXED_FRAMES,
            || BytesMut::with_capacity(256 * 1024),
            |buf| {
                for p in &mqtt_packets {
                    p.write(buf, MAX_BODY).expect("encodes");
                }
            },
        ),
    );
}

fn proto_rows<M: HasView>(t: &mut Table, name: &str, message: &M, units: usize) {
    let encoded = message.encode_to_vec();
    let bytes = Bytes::from(encoded.clone());
    drop(bytes.clone()); // promote once: the steady state of a shared frame buffer
    let what = format!("protobuf decode {name}");
    t.row(
        &what,
        "prost, from Bytes",
        count(units, || (), |_| M::decode(bytes.clone()).expect("valid")),
    );
    t.row(
        &what,
        "prost, from &[u8]",
        count(units, || (), |_| M::decode(&encoded[..]).expect("valid")),
    );
    t.row(
        &what,
        "timwire view, from &[u8], every field read",
        count(
            units,
            || (),
            |_| {
                // Debug walks every field, list and map; io::sink formats without allocating.
                let view = M::view(&encoded[..]).expect("valid");
                std::io::Write::write_fmt(&mut std::io::sink(), format_args!("{view:?}"))
            },
        ),
    );
    t.row(
        &what,
        "timwire owned view, from Bytes",
        count(
            units,
            || (),
            |_| Owned::<M>::decode(bytes.clone()).expect("valid"),
        ),
    );
}

fn main() {
    let mut t = Table { rows: Vec::new() };
    decode_rows(
        &mut t,
        "PINGREQ",
        &PingReq::default().into(),
        &rumqttc::Packet::PingReq,
    );
    for (label, len) in PAYLOAD_SIZES {
        decode_rows(
            &mut t,
            &format!("PUBLISH {label}"),
            &timwire_publish(len),
            &rumqttc_publish(len),
        );
    }
    cesu8_row(&mut t);
    mixed_rows(&mut t);
    encode_rows(&mut t);
    proto_rows(&mut t, "TimMessage", &tim_message(), 1);
    proto_rows(&mut t, "UpStreamMessage", &up_stream_message(), 1);
    proto_rows(
        &mut t,
        "DownStreamMessages x20 (per message)",
        &down_stream_messages(20),
        20,
    );
    println!("Allocations per frame ({REPS} runs each; counting allocator stats_alloc)\n");
    t.print();
    let zero = t
        .rows
        .iter()
        .filter(|(what, codec, _, _)| {
            what.starts_with("decode")
                && !what.contains("CESU-8")
                && codec.starts_with("timwire")
                && !codec.contains("fresh")
        })
        .all(|row| row.2 == 0.0);
    println!(
        "\ntarget \"zero allocations per decoded frame with UTF-8 strings\" (timwire, shared buffer and &[u8]): {}",
        if zero { "met" } else { "MISSED" }
    );
}

//! A loop of payload decodes for instruction-count profiling, which repeats exactly where
//! wall-clock benchmarks on a shared machine do not:
//!
//! ```sh
//! cargo build --release -p timwire-benches --example profile_payload
//! valgrind --tool=callgrind target/release/examples/profile_payload view tim 10000
//! valgrind --tool=callgrind target/release/examples/profile_payload message borrowed 10000
//! ```
//!
//! Arguments: decoder (`view`, `viewin` = `View::decode_in` into one reused view, `viewall` = view decode + read every field as the `proto`
//! bench does, `owned`, `prost`), fixture (`tim`, `up`, `down`, or `tim1k`: the whole-message
//! case's payload on its own), iterations.
//!
//! Or `message` and a decoder (`borrowed`, `owned`, `rumqttc`), iterations: the whole-message
//! case of the `message` bench (a 1 KiB-class PUBLISH frame carrying a TimMessage, frame plus
//! payload), without reading the payload's fields; `frame` is `borrowed` without the payload
//! (the frame decode alone, to compare the sum of the parts with the whole).
#![allow(missing_docs)]

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use timwire_benches::proto::{
    down_stream_messages, tim_message, tim_message_1k, up_stream_message,
    walk_down_stream_messages, walk_tim_message, walk_up_stream_message,
};
use timwire_benches::{MAX_BODY, MQTT_TOPIC, MSG_ID, TARGET};
use timwire_proto::rongcloud::{DownStreamMessages, UpStreamMessage};
use timwire_proto::tim::{TimMessage, TimMessageView};
use timwire_proto::view::{HasView, Owned, View};
use timwire_signal::{
    ClientPacket, ClientPublish, Decode, Encode, EncodeOptions, Framing, QoS, StreamDecoder,
};

fn run<M: HasView + Default>(
    decoder: &str,
    message: &M,
    walk: impl for<'v> Fn(&M::View<'v>) -> usize,
    n: usize,
) {
    let encoded = message.encode_to_vec();
    let bytes = Bytes::from(encoded.clone());
    drop(bytes.clone());
    let mut view = M::View::default();
    for _ in 0..n {
        match decoder {
            "view" => {
                black_box(M::view(black_box(&encoded[..])).expect("valid"));
            }
            "viewin" => {
                black_box(&mut view)
                    .decode_in(black_box(&encoded[..]))
                    .expect("valid");
            }
            "viewall" => {
                let view = M::view(black_box(&encoded[..])).expect("valid");
                black_box(walk(&view));
            }
            "owned" => {
                black_box(Owned::<M>::decode(black_box(&bytes).clone()).expect("valid"));
            }
            "prost" => {
                black_box(M::decode(black_box(&bytes).clone()).expect("valid"));
            }
            other => panic!("unknown decoder {other}"),
        }
    }
}

/// How many frames [`frames`] copies at least: the setup then costs the same for every run of up
/// to this many decodes, so the difference between two runs (11,000 and 1,000 decodes, the way
/// BENCHMARKS.md reads instructions per decode) counts the decodes only. Before, the copy grew
/// with `n` and added about 140 instructions per decode to both sides of the whole-message
/// comparison (the criterion bench copies in its untimed setup).
const SETUP_FRAMES: usize = 11_000;

/// At least `n` copies of the frame in one buffer ([`SETUP_FRAMES`] when `n` is fewer),
/// already shared (as a connection's read buffer is).
fn frames(frame: &[u8], n: usize) -> BytesMut {
    let n = n.max(SETUP_FRAMES);
    let mut buf = BytesMut::with_capacity(frame.len() * (n + 1));
    for _ in 0..=n {
        buf.extend_from_slice(frame);
    }
    drop(buf.split_to(frame.len()));
    buf
}

fn whole_message(decoder: &str, n: usize) {
    use prost::Message as _;
    let payload = Bytes::from(tim_message_1k().encode_to_vec());
    match decoder {
        "borrowed" | "owned" | "frame" => {
            let publish =
                ClientPublish::new(QoS::AtLeastOnce, "timMsg", TARGET, MSG_ID, payload.clone());
            let frame = ClientPacket::from(publish)
                .to_bytes(Framing::Stream, &EncodeOptions::default())
                .expect("fixture encodes");
            let mut buf = frames(&frame, n);
            let stream = StreamDecoder::new();
            for _ in 0..n {
                if decoder != "owned" {
                    let (frame, len) = stream.decode_slice(&buf).expect("valid").expect("complete");
                    let ClientPacket::Publish(p) =
                        ClientPacket::<&[u8]>::decode(&frame).expect("valid")
                    else {
                        unreachable!()
                    };
                    if decoder == "borrowed" {
                        black_box(TimMessageView::decode(p.data).expect("valid").ms_type);
                    } else {
                        black_box(p.data);
                    }
                    bytes::Buf::advance(&mut buf, len);
                } else {
                    let packet: ClientPacket = stream
                        .decode_packet(&mut buf)
                        .expect("valid")
                        .expect("complete");
                    let ClientPacket::Publish(p) = packet else {
                        unreachable!()
                    };
                    black_box(Owned::<TimMessage>::decode(p.data).expect("valid"));
                }
            }
        }
        "rumqttc" => {
            let mut mqtt = rumqttc::Publish::from_bytes(
                MQTT_TOPIC,
                rumqttc::QoS::AtLeastOnce,
                payload.clone(),
            );
            mqtt.pkid = MSG_ID;
            let mut frame = BytesMut::new();
            rumqttc::Packet::Publish(mqtt)
                .write(&mut frame, MAX_BODY)
                .expect("fixture encodes");
            let mut buf = frames(&frame, n);
            for _ in 0..n {
                let rumqttc::Packet::Publish(p) =
                    rumqttc::Packet::read(&mut buf, MAX_BODY).expect("valid")
                else {
                    unreachable!()
                };
                black_box(TimMessage::decode(p.payload).expect("valid").ms_type);
            }
        }
        other => panic!("unknown decoder {other}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let decoder = args.get(1).map_or("view", String::as_str);
    let fixture = args.get(2).map_or("tim", String::as_str);
    let n = args.get(3).map_or(10_000, |s| s.parse().expect("a count"));
    if decoder == "message" {
        return whole_message(fixture, n);
    }
    match fixture {
        "tim" => run::<TimMessage>(decoder, &tim_message(), walk_tim_message, n),
        "tim1k" => run::<TimMessage>(decoder, &tim_message_1k(), walk_tim_message, n),
        "up" => run::<UpStreamMessage>(decoder, &up_stream_message(), walk_up_stream_message, n),
        "down" => run::<DownStreamMessages>(
            decoder,
            &down_stream_messages(20),
            walk_down_stream_messages,
            n,
        ),
        other => panic!("unknown fixture {other}"),
    }
}

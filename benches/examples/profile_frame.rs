//! A loop of owned PUBLISH decodes (1 KiB payload) for instruction-count profiling:
//!
//! ```sh
//! cargo build --release -p timwire-benches --example profile_frame
//! valgrind --tool=callgrind target/release/examples/profile_frame timwire 10000
//! ```
//!
//! Arguments: decoder (`timwire`, `borrowed`, `rumqttc`, `relay`, `relay-queue`,
//! `relay-encode`, `relay-rumqttc`), iterations. Each iteration decodes one frame from an
//! already-shared read buffer and drops the packet, as the `signal` bench does. The `relay`
//! modes also produce one recipient's server PUBLISH and empty its output, as the
//! `relay 1KiB x1` bench does: through a `Fanout` and a `FrameQueue` (`relay`), pushed into a
//! `FrameQueue` as `codec::FrameWriter` does (`relay-queue`), encoded straight into a `BytesMut`
//! (`relay-encode`), or rumqttc's (`relay-rumqttc`).
#![allow(missing_docs)]

use std::hint::black_box;

use bytes::BytesMut;
use timwire_benches::{MAX_BODY, rumqttc_frame, rumqttc_publish, timwire_frame, timwire_publish};
use timwire_signal::queue::{Fanout, FrameQueue};
use timwire_signal::{
    ClientPacket, Decode, EncodeOptions, Framing, QoS, ServerPublish, StreamDecoder,
};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let decoder = args.get(1).map_or("timwire", String::as_str);
    let n: usize = args.get(2).map_or(10_000, |s| s.parse().expect("a count"));
    let frame = match decoder {
        "rumqttc" | "relay-rumqttc" => rumqttc_frame(&rumqttc_publish(1024)),
        _ => timwire_frame(&timwire_publish(1024)),
    };
    // One buffer holding every frame, split once so that it is already shared.
    let mut buf = BytesMut::with_capacity(frame.len() * (n + 1));
    for _ in 0..=n {
        buf.extend_from_slice(&frame);
    }
    drop(buf.split_to(frame.len()));
    let stream = StreamDecoder::new();
    let options = EncodeOptions::default();
    let mut queue = FrameQueue::new();
    let mut out = BytesMut::with_capacity(frame.len());
    for _ in 0..n {
        match decoder {
            "timwire" => {
                let p: ClientPacket = stream.decode_packet(&mut buf).unwrap().unwrap();
                drop(black_box(p));
            }
            "borrowed" => {
                let (frame, len) = stream.decode_slice(&buf).unwrap().unwrap();
                black_box(ClientPacket::<&[u8]>::decode(&frame).unwrap().msg_id());
                bytes::Buf::advance(&mut buf, len);
            }
            "rumqttc" => {
                let p = rumqttc::Packet::read(&mut buf, MAX_BODY).unwrap();
                drop(black_box(p));
            }
            "relay" => {
                let publish = server_publish(&stream, &mut buf, 0);
                let fanout = Fanout::from_publish(publish, Framing::Stream, &options)
                    .unwrap()
                    .for_recipients(1);
                fanout.push(&mut queue, 1);
                written(&mut queue);
            }
            "relay-queue" => {
                let publish = server_publish(&stream, &mut buf, 1);
                queue.push(&publish, Framing::Stream, &options).unwrap();
                written(&mut queue);
            }
            "relay-encode" => {
                let publish = server_publish(&stream, &mut buf, 1);
                timwire_signal::Encode::encode(&publish, Framing::Stream, &options, &mut out)
                    .unwrap();
                black_box(&out[..]);
                out.clear();
            }
            "relay-rumqttc" => {
                let rumqttc::Packet::Publish(mut p) =
                    rumqttc::Packet::read(&mut buf, MAX_BODY).unwrap()
                else {
                    unreachable!("a PUBLISH")
                };
                p.pkid = 1;
                p.write(&mut out).unwrap();
                black_box(&out[..]);
                out.clear();
            }
            other => panic!("unknown decoder {other}"),
        }
    }
}

/// Decodes the next client PUBLISH off `buf` and turns it into the server PUBLISH its recipient
/// gets, with `msg_id`, as the `relay` bench does.
#[inline(always)]
fn server_publish(stream: &StreamDecoder, buf: &mut BytesMut, msg_id: u16) -> ServerPublish {
    let Some(ClientPacket::Publish(p)) = stream.decode_packet::<ClientPacket>(buf).unwrap() else {
        unreachable!("a PUBLISH")
    };
    ServerPublish::new(
        QoS::AtLeastOnce,
        1_700_000_000,
        p.topic,
        p.target_id,
        msg_id,
        p.data,
    )
}

/// Empties `queue` as a writer does once everything is written.
#[inline(always)]
fn written(queue: &mut FrameQueue) {
    black_box(bytes::Buf::chunk(queue));
    let all = bytes::Buf::remaining(queue);
    bytes::Buf::advance(queue, all);
}

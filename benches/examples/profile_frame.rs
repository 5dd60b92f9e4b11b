//! A loop of owned PUBLISH decodes (1 KiB payload) for instruction-count profiling:
//!
//! ```sh
//! cargo build --release -p timwire-benches --example profile_frame
//! valgrind --tool=callgrind target/release/examples/profile_frame timwire 10000
//! ```
//!
//! Arguments: decoder (`timwire`, `borrowed`, `rumqttc`), iterations. Each iteration decodes one
//! frame from an already-shared read buffer and drops the packet, as the `signal` bench does.
#![allow(missing_docs)]

use std::hint::black_box;

use bytes::BytesMut;
use timwire_benches::{MAX_BODY, rumqttc_frame, rumqttc_publish, timwire_frame, timwire_publish};
use timwire_signal::{ClientPacket, Decode, StreamDecoder};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let decoder = args.get(1).map_or("timwire", String::as_str);
    let n: usize = args.get(2).map_or(10_000, |s| s.parse().expect("a count"));
    let frame = match decoder {
        "rumqttc" => rumqttc_frame(&rumqttc_publish(1024)),
        _ => timwire_frame(&timwire_publish(1024)),
    };
    // One buffer holding every frame, split once so that it is already shared.
    let mut buf = BytesMut::with_capacity(frame.len() * (n + 1));
    for _ in 0..=n {
        buf.extend_from_slice(&frame);
    }
    drop(buf.split_to(frame.len()));
    let stream = StreamDecoder::new();
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
            other => panic!("unknown decoder {other}"),
        }
    }
}

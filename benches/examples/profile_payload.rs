//! A loop of payload decodes for instruction-count profiling, which repeats exactly where
//! wall-clock benchmarks on a shared machine do not:
//!
//! ```sh
//! cargo build --release -p timwire-benches --example profile_payload
//! valgrind --tool=callgrind target/release/examples/profile_payload view tim 10000
//! ```
//!
//! Arguments: decoder (`view`, `owned`, `prost`), fixture (`tim`, `up`, `down`), iterations.
#![allow(missing_docs)]

use std::hint::black_box;

use bytes::Bytes;
use timwire_benches::proto::{down_stream_messages, tim_message, up_stream_message};
use timwire_proto::rongcloud::{DownStreamMessages, UpStreamMessage};
use timwire_proto::tim::TimMessage;
use timwire_proto::view::{HasView, Owned};

fn run<M: HasView + Default>(decoder: &str, message: &M, n: usize) {
    let encoded = message.encode_to_vec();
    let bytes = Bytes::from(encoded.clone());
    drop(bytes.clone());
    for _ in 0..n {
        match decoder {
            "view" => {
                black_box(M::view(black_box(&encoded[..])).expect("valid"));
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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let decoder = args.get(1).map_or("view", String::as_str);
    let fixture = args.get(2).map_or("tim", String::as_str);
    let n = args.get(3).map_or(10_000, |s| s.parse().expect("a count"));
    match fixture {
        "tim" => run::<TimMessage>(decoder, &tim_message(), n),
        "up" => run::<UpStreamMessage>(decoder, &up_stream_message(), n),
        "down" => run::<DownStreamMessages>(decoder, &down_stream_messages(20), n),
        other => panic!("unknown fixture {other}"),
    }
}

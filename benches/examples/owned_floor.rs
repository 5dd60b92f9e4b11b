//! Where the owned decode's time goes (issue 11): one 1 KiB PUBLISH decoded from a shared read
//! buffer of 256 frames, timed per frame with `Instant`, in steady state (no criterion batch
//! set-up between frames). The parts, each on its own:
//!
//! * `split`: take the frame off the buffer as `Bytes` and drop it (one reference pair);
//! * `frame`: `StreamDecoder::decode` (header, checksum, length, split) and drop;
//! * `borrowed`: `decode_slice` + `ClientPacket::<&[u8]>::decode` (the parse, no reference);
//! * `owned`: `StreamDecoder::decode_packet::<ClientPacket>` and drop (what the codec does);
//! * `convert`: the borrowed parse, then one split and the owned PUBLISH built from the borrowed
//!   fields by hand: an estimate of the best an owned decode can do;
//! * `body_ref` / `body_owned`: the body alone, decoded from one already split `Frame<Bytes>`
//!   (by reference, sharing `data`; or from a clone of the frame, taking it over);
//! * `rumqttc`: `Packet::read` and drop.
//!
//! ```sh
//! cargo run --profile bench -p timwire-benches --example owned_floor [MODE]
//! ```
#![allow(missing_docs)]
use bytes::{Buf, BytesMut};
use std::hint::black_box;
use std::time::Instant;
use timwire_benches::{MAX_BODY, rumqttc_frame, rumqttc_publish, timwire_frame, timwire_publish};
use timwire_signal::{ClientPacket, Decode, StreamDecoder};

const K: usize = 256;
fn buffer(frame: &[u8]) -> BytesMut {
    let mut buf = BytesMut::with_capacity(frame.len() * (K + 1));
    for _ in 0..=K {
        buf.extend_from_slice(frame);
    }
    drop(buf.split_to(frame.len()));
    buf
}
fn main() {
    let tw = timwire_frame(&timwire_publish(1024));
    let mq = rumqttc_frame(&rumqttc_publish(1024));
    let stream = StreamDecoder::new();
    for round in 0..3 {
        let only = std::env::args().nth(1);
        for which in [
            "split",
            "frame",
            "borrowed",
            "owned",
            "convert",
            "body_ref",
            "body_owned",
            "rumqttc",
        ] {
            if only.as_deref().is_some_and(|o| o != which) {
                continue;
            }
            let frame = if which == "rumqttc" { &mq } else { &tw };
            let mut total = std::time::Duration::ZERO;
            let reps = 2000;
            for _ in 0..reps {
                let mut buf = buffer(frame);
                let t = Instant::now();
                match which {
                    "split" => {
                        for _ in 0..K {
                            drop(black_box(buf.split_to(frame.len()).freeze()));
                        }
                    }
                    "borrowed" => {
                        for _ in 0..K {
                            let (f, len) = stream.decode_slice(&buf).unwrap().unwrap();
                            black_box(ClientPacket::<&[u8]>::decode(&f).unwrap());
                            bytes::Buf::advance(&mut buf, len);
                        }
                    }
                    "owned" => {
                        for _ in 0..K {
                            let p: ClientPacket = stream.decode_packet(&mut buf).unwrap().unwrap();
                            drop(black_box(p));
                        }
                    }
                    "frame" => {
                        for _ in 0..K {
                            let f = stream.decode(&mut buf).unwrap().unwrap();
                            drop(black_box(f));
                        }
                    }
                    "body_ref" | "body_owned" => {
                        let f = stream.decode(&mut buf).unwrap().unwrap();
                        let t = Instant::now();
                        for _ in 0..K {
                            let p: ClientPacket = if which == "body_ref" {
                                ClientPacket::decode(&f).unwrap()
                            } else {
                                ClientPacket::decode_owned(f.clone()).unwrap()
                            };
                            drop(black_box(p));
                        }
                        total += t.elapsed();
                        continue;
                    }
                    "convert" => {
                        for _ in 0..K {
                            let (f, len) = stream.decode_slice(&buf).unwrap().unwrap();
                            let head_len = len - f.body.len();
                            let p = match ClientPacket::<&[u8]>::decode(&f).unwrap() {
                                ClientPacket::Publish(p) => {
                                    let start = p.data.as_ptr() as usize - buf.as_ptr() as usize;
                                    let flags = p.flags;
                                    let msg_id = p.msg_id;
                                    let topic = timwire_signal::Text::from_static("ppMsgP");
                                    let target_id = timwire_signal::Text::from(&*p.target_id);
                                    let mut frame = buf.split_to(len);
                                    frame.advance(start);
                                    let data = frame.freeze();
                                    let _ = head_len;
                                    let mut q = timwire_signal::ClientPublish::new(
                                        timwire_signal::QoS::AtMostOnce,
                                        topic,
                                        target_id,
                                        msg_id,
                                        data,
                                    );
                                    q.flags = flags;
                                    ClientPacket::<bytes::Bytes>::Publish(q)
                                }
                                _ => unreachable!(),
                            };
                            drop(black_box(p));
                        }
                    }
                    _ => {
                        for _ in 0..K {
                            let p = rumqttc::Packet::read(&mut buf, MAX_BODY).unwrap();
                            drop(black_box(p));
                        }
                    }
                }
                total += t.elapsed();
            }
            println!(
                "round {round} {which:9} {:6.1} ns/frame",
                total.as_nanos() as f64 / (reps * K) as f64
            );
        }
    }
}

//! Allocations per decode of the routines `payload_peers` times (prost, buffa's view, owned view
//! and owned message, on the three payload fixtures), counted with `stats_alloc`'s counting
//! global allocator. A count, not a timing: a plain program (`harness = false`) that prints a
//! Markdown table, kept apart from `payload_peers` so that the counting allocator does not weigh
//! on its timings. It runs under `cargo bench -p timwire-benches` (and accepts, ignoring them, the
//! arguments cargo passes).
//!
//! Each row decodes `REPS` times, drops each result inside the counted region (as the timing
//! benches do) and divides. "per message" divides once more by the messages in the fixture (20
//! for the DownStreamMessages batch).
#![allow(missing_docs)]

use std::alloc::System;
use std::hint::black_box;

use buffa::MessageView as _;
use bytes::Bytes;
use prost::Message as _;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use timwire_benches::peers::buffa::{rongcloud as bf_rc, tim as bf_tim};
use timwire_benches::peers::read_all;
use timwire_benches::proto::{down_stream_messages, tim_message, up_stream_message};
use timwire_proto::rongcloud::{DownStreamMessages, UpStreamMessage};
use timwire_proto::tim::TimMessage;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const REPS: usize = 1000;

struct Table {
    rows: Vec<String>,
}

impl Table {
    /// Runs `routine` `REPS` times and adds its row: allocations (plus reallocations) and bytes
    /// allocated per decode and per message.
    fn row<O>(
        &mut self,
        fixture: &str,
        messages: usize,
        decoder: &str,
        mut routine: impl FnMut() -> O,
    ) {
        let region = Region::new(GLOBAL);
        for _ in 0..REPS {
            drop(black_box(routine()));
        }
        let stats = region.change();
        let allocs = (stats.allocations + stats.reallocations) as f64 / REPS as f64;
        let bytes = stats.bytes_allocated as f64 / REPS as f64;
        let per = messages as f64;
        self.rows.push(format!(
            "| {fixture} | {decoder} | {allocs:.2} | {bytes:.0} | {:.2} | {:.0} |",
            allocs / per,
            bytes / per
        ));
    }
}

/// The fixture encoded by prost, as a slice and as an already shared `Bytes` (see `proto.rs`).
fn encode(message: &impl prost::Message) -> (Vec<u8>, Bytes) {
    let encoded = message.encode_to_vec();
    let bytes = Bytes::from(encoded.clone());
    drop(bytes.clone());
    (encoded, bytes)
}

fn main() {
    let mut t = Table { rows: Vec::new() };

    let (encoded, bytes) = encode(&tim_message());
    let name = format!("TimMessage ({} B)", encoded.len());
    t.row(&name, 1, "prost, from Bytes", || {
        TimMessage::decode(bytes.clone()).expect("valid")
    });
    t.row(&name, 1, "buffa view", || {
        bf_tim::TimMessageView::decode_view(&encoded).expect("valid")
    });
    t.row(&name, 1, "buffa view + read all", || {
        read_all::buffa_tim_message(&bf_tim::TimMessageView::decode_view(&encoded).expect("valid"))
    });
    t.row(&name, 1, "buffa OwnedView, from Bytes", || {
        bf_tim::TimMessageOwnedView::decode(bytes.clone()).expect("valid")
    });
    t.row(&name, 1, "buffa owned message, from Bytes", || {
        <bf_tim::TimMessage as buffa::Message>::decode(&mut bytes.clone()).expect("valid")
    });
    // our views go here

    let (encoded, bytes) = encode(&up_stream_message());
    let name = format!("UpStreamMessage ({} B)", encoded.len());
    t.row(&name, 1, "prost, from Bytes", || {
        UpStreamMessage::decode(bytes.clone()).expect("valid")
    });
    t.row(&name, 1, "buffa view", || {
        bf_rc::UpStreamMessageView::decode_view(&encoded).expect("valid")
    });
    t.row(&name, 1, "buffa view + read all", || {
        read_all::buffa_up_stream(
            &bf_rc::UpStreamMessageView::decode_view(&encoded).expect("valid"),
        )
    });
    t.row(&name, 1, "buffa OwnedView, from Bytes", || {
        bf_rc::UpStreamMessageOwnedView::decode(bytes.clone()).expect("valid")
    });
    t.row(&name, 1, "buffa owned message, from Bytes", || {
        <bf_rc::UpStreamMessage as buffa::Message>::decode(&mut bytes.clone()).expect("valid")
    });
    // our views go here

    let (encoded, bytes) = encode(&down_stream_messages(20));
    let name = format!("DownStreamMessages x20 ({} B)", encoded.len());
    t.row(&name, 20, "prost, from Bytes", || {
        DownStreamMessages::decode(bytes.clone()).expect("valid")
    });
    t.row(&name, 20, "buffa view", || {
        bf_rc::DownStreamMessagesView::decode_view(&encoded).expect("valid")
    });
    t.row(&name, 20, "buffa view + read all", || {
        read_all::buffa_down_stream(
            &bf_rc::DownStreamMessagesView::decode_view(&encoded).expect("valid"),
        )
    });
    t.row(&name, 20, "buffa OwnedView, from Bytes", || {
        bf_rc::DownStreamMessagesOwnedView::decode(bytes.clone()).expect("valid")
    });
    t.row(&name, 20, "buffa owned message, from Bytes", || {
        <bf_rc::DownStreamMessages as buffa::Message>::decode(&mut bytes.clone()).expect("valid")
    });
    // our views go here

    println!("Allocations per payload decode ({REPS} runs each; counting allocator stats_alloc)\n");
    println!(
        "| fixture | decoder | allocations per decode | bytes per decode | allocations per message | bytes per message |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    for row in &t.rows {
        println!("{row}");
    }
}

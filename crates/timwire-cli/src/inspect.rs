//! `timwire inspect FILE`: a capture's timeline and summary.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use timwire::session::{AckTracker, QueryTopics};
use timwire::signal::DEFAULT_MAX_BODY;
use timwire::{MessageType, Role};

use crate::capfile;
use crate::decode::message_bytes;
use crate::json::{Context, FrameJson};
use crate::packet::{Packet, ProfileArg, arrow};
use crate::pcap_input::Source;
use crate::render;

/// Arguments of `timwire inspect`.
#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// The capture file: .twcap, or a tcpdump/Wireshark capture (.pcap, .pcapng), told apart
    /// by their magic numbers.
    file: PathBuf,
    /// Skip damaged records (and report them) instead of stopping at the first.
    #[arg(long)]
    skip_damaged: bool,
    /// Also print each frame's payload as JSON.
    #[arg(long)]
    payloads: bool,
    /// Print only the summary, not the timeline.
    #[arg(long)]
    summary_only: bool,
    /// The topic registry used to decode payloads.
    #[arg(long, value_enum, default_value_t = ProfileArg::Tim)]
    profile: ProfileArg,
    /// pcap/pcapng: the server's TCP port (otherwise the client is the side that sent the SYN,
    /// the WebSocket upgrade or CONNECT).
    #[arg(long, value_name = "PORT")]
    server_port: Option<u16>,
}

/// Per-connection session state.
#[derive(Default)]
struct Conn {
    acks: AckTracker,
    topics: QueryTopics,
}

pub(crate) fn run(args: InspectArgs) -> anyhow::Result<()> {
    let mut reader = Source::open(&args.file, args.skip_damaged, args.server_port)?;
    let profile = args.profile.profile();
    let mut out = std::io::stdout().lock();
    reader.write_header(&mut out, &args.file)?;
    if !args.summary_only {
        writeln!(out, "{:>5} {:>12} {:>4}  frame", "rec", "+ms", "conn")?;
    }
    let mut conns: BTreeMap<u16, Conn> = BTreeMap::new();
    let mut totals: BTreeMap<(u8, u8), (u64, u64)> = BTreeMap::new();
    let mut first_time = None;
    let mut last_time = 0;
    let mut records = 0u64;
    let mut bad_frames = Vec::new();
    loop {
        // With skipping, indices count the damaged records too.
        let Some((index, record, framing)) = reader.next_record(&args.file)? else {
            break;
        };
        records += 1;
        let start = *first_time.get_or_insert(record.time_us);
        last_time = record.time_us;
        let ms = record.time_us.saturating_sub(start) as f64 / 1000.0;
        let conn = conns.entry(record.connection).or_default();
        match capfile::decode_record(&record, framing, DEFAULT_MAX_BODY) {
            Ok((frame, packet)) => {
                let kind = frame.header.kind;
                let dir = match record.sender {
                    Role::Client => 0,
                    Role::Server => 1,
                };
                let t = totals.entry((dir, kind.value())).or_default();
                t.0 += 1;
                t.1 += record.frame.len() as u64;
                let query_topic = match &packet {
                    Packet::Client(p) => {
                        conn.acks.observe_client(p, index);
                        conn.topics.observe_client(p);
                        None
                    }
                    Packet::Server(p) => {
                        conn.acks.observe_server(p, index);
                        conn.topics.take(p)
                    }
                };
                if !args.summary_only {
                    let ctx = Context {
                        profile,
                        query_topic: query_topic.as_deref(),
                    };
                    let j = FrameJson::from_packet(&packet, &message_bytes(&frame), ctx);
                    writeln!(
                        out,
                        "{index:>5} {ms:>12.3} {:>4}  {}",
                        record.connection,
                        render::line(&j)
                    )?;
                    if args.payloads {
                        if let Some(p) = render::payload(&j) {
                            writeln!(out, "{:>25}{p}", "")?;
                        }
                    }
                }
            }
            Err(e) => {
                let line = format!(
                    "{index:>5} {ms:>12.3} {:>4}  {} undecodable: {e:#}",
                    record.connection,
                    arrow(record.sender)
                );
                if !args.summary_only {
                    writeln!(out, "{line}")?;
                }
                bad_frames.push(format!("record {index}: {e:#}"));
            }
        }
    }

    writeln!(out)?;
    let span = last_time.saturating_sub(first_time.unwrap_or(last_time)) as f64 / 1e6;
    writeln!(
        out,
        "summary: {records} records, {} connections, {span:.3} s",
        conns.len()
    )?;
    writeln!(
        out,
        "  {:<3} {:<12} {:>7} {:>9}",
        "dir", "type", "frames", "bytes"
    )?;
    for ((dir, kind), (frames, bytes)) in &totals {
        let dir = if *dir == 0 { "C→S" } else { "S→C" };
        let kind = MessageType::from_nibble(*kind);
        writeln!(
            out,
            "  {dir:<3} {:<12} {frames:>7} {bytes:>9}",
            kind.to_string()
        )?;
    }
    let mut unanswered = Vec::new();
    for (id, conn) in &conns {
        for p in conn.acks.unanswered() {
            unanswered.push(format!(
                "conn {id}: record {} {} {} msgId={} waits for {} {}",
                p.seq,
                arrow(p.sender),
                p.kind,
                p.msg_id,
                arrow(p.expected.sender),
                p.expected.kind
            ));
        }
    }
    if unanswered.is_empty() {
        writeln!(out, "unanswered msgIds: none")?;
    } else {
        writeln!(out, "unanswered msgIds: {}", unanswered.len())?;
        for u in &unanswered {
            writeln!(out, "  {u}")?;
        }
    }
    reader.write_trailer(&mut out)?;
    out.flush()?;
    if let Some(first) = bad_frames.first() {
        bail!(
            "{} of {records} frames did not decode (first: {first})",
            bad_frames.len()
        );
    }
    Ok(())
}

//! `timwire replay FILE`: re-decodes every frame of a capture and reports the rate.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context as _, bail};
use clap::Args;
use timwire::session::QueryTopics;
use timwire::signal::DEFAULT_MAX_BODY;

use crate::capfile;
use crate::packet::{Packet, ProfileArg};
use crate::pcap_input::Source;

/// Arguments of `timwire replay`.
#[derive(Debug, Args)]
pub(crate) struct ReplayArgs {
    /// The capture file: .twcap, .pcap or .pcapng (told apart by their magic numbers).
    file: PathBuf,
    /// Skip damaged records (and report them) instead of stopping at the first.
    #[arg(long)]
    skip_damaged: bool,
    /// Decode the capture this many times (for a steadier rate on small captures).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    repeat: u32,
    /// Also decode every payload through the topic registry (as zero-copy views).
    #[arg(long)]
    payloads: bool,
    /// The topic registry used with --payloads.
    #[arg(long, value_enum, default_value_t = ProfileArg::Tim)]
    profile: ProfileArg,
    /// pcap/pcapng: the server's TCP port.
    #[arg(long, value_name = "PORT")]
    server_port: Option<u16>,
}

pub(crate) fn run(args: ReplayArgs) -> anyhow::Result<()> {
    let mut reader = Source::open(&args.file, args.skip_damaged, args.server_port)?;
    // The records are read first (streaming and CRC-checked, or reassembled from packets), so
    // the timing covers decoding only.
    let mut records = Vec::new();
    while let Some((_, record, framing)) = reader.next_record(&args.file)? {
        records.push((record, framing));
    }
    let profile = args.profile.profile();
    let bytes_per_pass: u64 = records.iter().map(|(r, _)| r.frame.len() as u64).sum();
    let started = Instant::now();
    for _ in 0..args.repeat {
        let mut topics = QueryTopics::new();
        for (i, (record, framing)) in records.iter().enumerate() {
            let (_, packet) = capfile::decode_record(record, *framing, DEFAULT_MAX_BODY)
                .with_context(|| format!("record {i}"))?;
            if args.payloads {
                let payload = match &packet {
                    Packet::Client(p) => {
                        topics.observe_client(p);
                        profile.view_client(p).map(|r| r.map(|_| ()))
                    }
                    Packet::Server(p) => topics.view_server(profile, p).map(|r| r.map(|_| ())),
                };
                if let Some(Err(e)) = payload {
                    bail!("record {i}: {e}");
                }
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64().max(1e-9);
    let frames = records.len() as u64 * u64::from(args.repeat);
    let bytes = bytes_per_pass * u64::from(args.repeat);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}: {} frames, {} bytes ({} framing) x {} pass(es) in {:.6} s",
        args.file.display(),
        records.len(),
        bytes_per_pass,
        reader.framing().map_or("mixed", capfile::framing_name),
        args.repeat,
        elapsed
    )?;
    writeln!(out, "frames/s: {:.0}", frames as f64 / elapsed)?;
    writeln!(out, "bytes/s: {:.0}", bytes as f64 / elapsed)?;
    reader.write_trailer(&mut out)?;
    Ok(())
}

//! `timwire convert IN.pcap OUT.twcap`: a tcpdump/Wireshark capture's RMTP frames as a capture
//! file.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::Args;
use timwire::capture::Writer;
use timwire::{Encode as _, EncodeOptions, Frame, Framing};

use crate::capfile;
use crate::packet::FramingArg;
use crate::pcap_input;

/// Arguments of `timwire convert`.
#[derive(Debug, Args)]
pub(crate) struct ConvertArgs {
    /// The tcpdump/Wireshark capture (.pcap or .pcapng).
    input: PathBuf,
    /// The capture file to write (.twcap).
    output: PathBuf,
    /// The framing of the file written. Default: that of the connections when they all agree,
    /// stream framing when TCP and WebSocket connections are mixed (message-framed frames are
    /// then re-encoded with the stream prefix).
    #[arg(long, value_enum)]
    framing: Option<FramingArg>,
    /// The server's TCP port (otherwise told by the SYN, the WebSocket upgrade or CONNECT).
    #[arg(long, value_name = "PORT")]
    server_port: Option<u16>,
}

/// A frame's bytes in another framing.
fn reframe(bytes: &bytes::Bytes, from: Framing, to: Framing) -> anyhow::Result<bytes::Bytes> {
    if from == to {
        return Ok(bytes.clone());
    }
    let frame: Frame = crate::packet::split_one(bytes.clone(), from, usize::MAX)?;
    let options = EncodeOptions {
        max_body: usize::MAX,
        ..EncodeOptions::default()
    };
    Ok(frame.to_bytes(to, &options)?)
}

pub(crate) fn run(args: ConvertArgs) -> anyhow::Result<()> {
    if !pcap_input::is_pcap(&args.input) {
        bail!(
            "{}: not a pcap or pcapng file (convert reads tcpdump/Wireshark captures)",
            args.input.display()
        );
    }
    let capture = pcap_input::read(&args.input, args.server_port)?;
    let framing = match args.framing {
        Some(f) => f.framing(),
        None => {
            let mut all = capture.connections.iter().map(|c| c.framing);
            let first = all.next().unwrap_or(Framing::Stream);
            if all.all(|f| f == first) {
                first
            } else {
                Framing::Stream
            }
        }
    };
    let file = std::fs::File::create(&args.output)
        .with_context(|| format!("cannot create {}", args.output.display()))?;
    let mut writer = Writer::new(std::io::BufWriter::new(file), framing)?;
    for (i, r) in capture.records.iter().enumerate() {
        let bytes = reframe(&r.frame, r.framing, framing)
            .with_context(|| format!("frame {i} ({})", pcap_input::conn_label(&capture, r.conn)))?;
        writer.write_record(r.time_us, r.conn, r.sender, &bytes)?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}: {} frames of {} connections ({} framing) to {}",
        args.input.display(),
        writer.records(),
        capture.connections.len(),
        capfile::framing_name(framing),
        args.output.display()
    )?;
    for c in &capture.connections {
        writeln!(out, "  conn {}: {}", c.id, c.name())?;
    }
    pcap_input::write_notes(&mut out, &capture)?;
    Ok(())
}

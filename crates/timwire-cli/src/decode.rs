//! `timwire decode`: frames in, decoded fields (or JSON) out.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use timwire::session::QueryTopics;
use timwire::signal::DEFAULT_MAX_BODY;
use timwire::{Encode, EncodeOptions, Frame, Framing};

use crate::capfile;
use crate::input::{self, Chunk, InputFormat};
use crate::json::{Context, FrameJson};
use crate::packet::{self, FramingArg, Packet, ProfileArg, SenderArg};
use crate::pcap_input;
use crate::render;

/// Arguments of `timwire decode`.
#[derive(Debug, Args)]
pub(crate) struct DecodeArgs {
    /// Frames as hex (spaces allowed). In message framing each argument is one frame; in
    /// stream framing the arguments are one byte stream. Without arguments, reads --input.
    hex: Vec<String>,
    /// A file of frames, hex or binary; `-` or nothing means stdin. A tcpdump/Wireshark capture
    /// (.pcap, .pcapng, by magic number) is read as a capture: every RMTP frame of every TCP
    /// or WebSocket connection in it, typed by its direction (--framing and --from are then
    /// taken from each connection).
    #[arg(short, long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// How --input is written.
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    input_format: InputFormat,
    /// How frames are delimited.
    #[arg(long, value_enum, default_value_t = FramingArg::Stream)]
    framing: FramingArg,
    /// Who sent the frames (PUBLISH and PUBACK differ by direction).
    #[arg(long, value_enum, default_value_t = SenderArg::Auto)]
    from: SenderArg,
    /// The topic registry used to decode payloads.
    #[arg(long, value_enum, default_value_t = ProfileArg::Tim)]
    profile: ProfileArg,
    /// For a QUERYACK whose QUERY is not in the input: the QUERY's topic.
    #[arg(long, value_name = "TOPIC")]
    query_topic: Option<String>,
    /// Print one JSON object per frame (JSON lines) instead of text.
    #[arg(long)]
    json: bool,
    /// The largest frame body accepted, in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_BODY)]
    max_body: usize,
    /// With a pcap/pcapng --input: the server's TCP port.
    #[arg(long, value_name = "PORT")]
    server_port: Option<u16>,
}

/// The whole frame in message framing, for the JSON round-trip check.
pub(crate) fn message_bytes(frame: &Frame) -> Vec<u8> {
    frame
        .to_bytes(
            Framing::Message,
            &EncodeOptions {
                max_body: usize::MAX,
                ..EncodeOptions::default()
            },
        )
        .map(|b| b.to_vec())
        .unwrap_or_default()
}

fn decode_all(chunks: &[Chunk], framing: Framing, args: &DecodeArgs) -> anyhow::Result<Decoded> {
    let frames = input::frames(chunks, framing, args.max_body)?;
    let mut out = Vec::with_capacity(frames.len());
    for (i, (label, frame)) in frames.into_iter().enumerate() {
        let packet = packet::decode(&frame, args.from)
            .with_context(|| format!("frame {} ({label})", i + 1))?;
        out.push((label, packet, message_bytes(&frame), 0));
    }
    Ok(out)
}

/// Every frame of a pcap/pcapng capture, labelled with its connection and direction.
fn decode_pcap(path: &std::path::Path, args: &DecodeArgs) -> anyhow::Result<Decoded> {
    let capture = pcap_input::read(path, args.server_port)?;
    let mut out = Vec::with_capacity(capture.records.len());
    for (i, r) in capture.records.iter().enumerate() {
        let label = format!(
            "conn {} {}",
            r.conn,
            pcap_input::direction(&capture, r.conn, r.sender)
        );
        let (frame, packet) =
            capfile::decode_record(&pcap_input::to_record(r), r.framing, args.max_body)
                .with_context(|| format!("frame {} ({label})", i + 1))?;
        out.push((label, packet, message_bytes(&frame), r.conn));
    }
    let mut err = std::io::stderr().lock();
    pcap_input::write_notes(&mut err, &capture)?;
    Ok(out)
}

pub(crate) fn run(args: DecodeArgs) -> anyhow::Result<()> {
    let pcap = args.input.as_deref().filter(|p| pcap_input::is_pcap(p));
    let decoded = match pcap {
        Some(path) => decode_pcap(path, &args)?,
        None => decode_input(&args)?,
    };
    print(&args, &decoded)
}

/// Label, packet, the frame's message bytes, and the connection (0 outside captures).
type Decoded = Vec<(String, Packet, Vec<u8>, u16)>;

fn decode_input(args: &DecodeArgs) -> anyhow::Result<Decoded> {
    let chunks = input::chunks(&args.hex, args.input.as_deref(), args.input_format)?;
    if chunks.iter().all(|c| c.bytes.is_empty()) {
        anyhow::bail!("no input: give frames as hex arguments, --input FILE, or on stdin");
    }
    let framing = args.framing.framing();
    let decoded = match decode_all(&chunks, framing, args) {
        Ok(d) => d,
        Err(e) => {
            // A frame in the other framing often looks like a broken one in this framing.
            let (other, name) = match framing {
                Framing::Message => (Framing::Stream, "stream"),
                Framing::Stream => (Framing::Message, "message"),
            };
            if decode_all(&chunks, other, args).is_ok() {
                return Err(anyhow::anyhow!(
                    "{e:#} (wrong framing? the input decodes with --framing {name})"
                ));
            }
            return Err(e);
        }
    };
    Ok(decoded)
}

fn print(args: &DecodeArgs, decoded: &Decoded) -> anyhow::Result<()> {
    let profile = args.profile.profile();
    let mut sessions: std::collections::BTreeMap<u16, QueryTopics> = Default::default();
    let mut stdout = std::io::stdout().lock();
    for (i, (label, packet, message, conn)) in decoded.iter().enumerate() {
        let topics = sessions.entry(*conn).or_default();
        let query_topic = match packet {
            Packet::Client(p) => {
                topics.observe_client(p);
                None
            }
            Packet::Server(p) => topics.take(p),
        };
        let ctx = Context {
            profile,
            query_topic: query_topic.as_deref().or(args.query_topic.as_deref()),
        };
        let j = FrameJson::from_packet(packet, message, ctx);
        if args.json {
            writeln!(stdout, "{}", serde_json::to_string(&j)?)?;
        } else {
            writeln!(stdout, "#{} [{label}] {}", i + 1, render::line(&j))?;
            if let Some(p) = render::payload(&j) {
                writeln!(stdout, "    {p}")?;
            }
        }
    }
    Ok(())
}

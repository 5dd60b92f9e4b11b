//! tcpdump/Wireshark captures (pcap, pcapng) as input to `inspect`, `decode -i`, `replay` and
//! `convert`, next to `.twcap` files: detection by magic number and one record source for both.

use std::fs::File;
use std::io::{BufReader, Read as _, Write};
use std::path::Path;

use anyhow::Context as _;
use timwire::capture::{Reader, Record};
use timwire::{Framing, Role};
use timwire_cli::pcap::{self, Capture};

use crate::capfile;

/// Whether `path` is a pcap or pcapng file (by its first four bytes); `-` and unreadable
/// files are not.
pub(crate) fn is_pcap(path: &Path) -> bool {
    if path == Path::new("-") {
        return false;
    }
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| pcap::sniff(&magic).is_some())
}

/// Reads a pcap or pcapng file whole and decodes it into frames.
pub(crate) fn read(path: &Path, server_port: Option<u16>) -> anyhow::Result<Capture> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let options = pcap::Options {
        server_port,
        ..pcap::Options::default()
    };
    pcap::read(&bytes, &options).with_context(|| path.display().to_string())
}

/// A capture's records, from a `.twcap` file (streamed) or a pcap/pcapng file (read whole).
pub(crate) enum Source {
    Twcap(Box<Reader<BufReader<File>>>),
    Pcap { capture: Capture, next: usize },
}

impl Source {
    /// Opens `path` by its magic number.
    pub(crate) fn open(
        path: &Path,
        skip_damaged: bool,
        server_port: Option<u16>,
    ) -> anyhow::Result<Self> {
        if is_pcap(path) {
            Ok(Self::Pcap {
                capture: read(path, server_port)?,
                next: 0,
            })
        } else {
            Ok(Self::Twcap(Box::new(capfile::open(path, skip_damaged)?)))
        }
    }

    /// The first line of `inspect`: the format and the connections.
    pub(crate) fn write_header(&self, out: &mut impl Write, path: &Path) -> std::io::Result<()> {
        match self {
            Self::Twcap(r) => writeln!(
                out,
                "{}: capture format v{}, {} framing",
                path.display(),
                r.header().version,
                capfile::framing_name(r.framing())
            ),
            Self::Pcap { capture, .. } => {
                writeln!(
                    out,
                    "{}: {} capture, {} packets, {} RMTP connections",
                    path.display(),
                    capture.format.name(),
                    capture.packets,
                    capture.connections.len()
                )?;
                for c in &capture.connections {
                    writeln!(out, "  conn {}: {}", c.id, c.name())?;
                }
                Ok(())
            }
        }
    }

    /// The framing of a twcap file; for pcap, that of every connection when they agree.
    pub(crate) fn framing(&self) -> Option<Framing> {
        match self {
            Self::Twcap(r) => Some(r.framing()),
            Self::Pcap { capture, .. } => {
                let mut f = capture.connections.iter().map(|c| c.framing);
                let first = f.next()?;
                f.all(|x| x == first).then_some(first)
            }
        }
    }

    /// The next record, its index (as `inspect` numbers it) and its framing.
    pub(crate) fn next_record(
        &mut self,
        path: &Path,
    ) -> anyhow::Result<Option<(u64, Record, Framing)>> {
        match self {
            Self::Twcap(r) => {
                let framing = r.framing();
                match r.next_record() {
                    Ok(Some(rec)) => Ok(Some((r.index().saturating_sub(1), rec, framing))),
                    Ok(None) => Ok(None),
                    Err(e) => Err(e).with_context(|| path.display().to_string()),
                }
            }
            Self::Pcap { capture, next } => {
                let Some(r) = capture.records.get(*next) else {
                    return Ok(None);
                };
                let index = *next as u64;
                *next += 1;
                Ok(Some((index, to_record(r), r.framing)))
            }
        }
    }

    /// The reader's damage (twcap) or the capture's notes and skip counts (pcap).
    pub(crate) fn write_trailer(&self, out: &mut impl Write) -> std::io::Result<()> {
        match self {
            Self::Twcap(r) => capfile::write_damage(out, r.damage()),
            Self::Pcap { capture, .. } => write_notes(out, capture),
        }
    }
}

/// A pcap record as a `.twcap` record.
pub(crate) fn to_record(r: &pcap::Record) -> Record {
    Record {
        time_us: r.time_us,
        connection: r.conn,
        sender: r.sender,
        frame: r.frame.clone(),
    }
}

/// The notes (gaps, resynchronisations, damage) and what was skipped.
pub(crate) fn write_notes(out: &mut impl Write, capture: &Capture) -> std::io::Result<()> {
    for n in &capture.notes {
        writeln!(out, "note: {n}")?;
    }
    let s = &capture.skipped;
    for (skip, n) in &s.packets {
        writeln!(out, "skipped: {n} {}", skip.describe())?;
    }
    if s.connections > 0 {
        writeln!(
            out,
            "skipped: {} TCP connections without RMTP",
            s.connections
        )?;
    }
    if s.text_messages > 0 {
        writeln!(out, "skipped: {} WebSocket text messages", s.text_messages)?;
    }
    if s.other_blocks > 0 {
        writeln!(
            out,
            "skipped: {} pcapng blocks without a packet",
            s.other_blocks
        )?;
    }
    Ok(())
}

/// The connection's name for a label (`conn 0 127.0.0.1:5 → 127.0.0.1:6 (tcp)`).
pub(crate) fn conn_label(capture: &Capture, conn: u16) -> String {
    match capture.connection(conn) {
        Some(c) => format!("conn {conn} {}", c.name()),
        None => format!("conn {conn}"),
    }
}

/// Which way a frame went, spelled with the connection's addresses.
pub(crate) fn direction(capture: &Capture, conn: u16, sender: Role) -> String {
    match capture.connection(conn) {
        Some(c) => match sender {
            Role::Client => format!("{} → {}", c.client, c.server),
            Role::Server => format!("{} → {}", c.server, c.client),
        },
        None => String::new(),
    }
}

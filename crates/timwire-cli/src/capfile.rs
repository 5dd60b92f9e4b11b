//! Opening capture files and typing their records (shared by `inspect` and `replay`).

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::Path;

use anyhow::Context as _;
use timwire::Framing;
use timwire::capture::{Damage, ReadOptions, Reader, Record};

use crate::packet::{self, Packet};

/// Opens `path` as a capture; `skip_damaged` selects the reader's skipping mode.
pub(crate) fn open(path: &Path, skip_damaged: bool) -> anyhow::Result<Reader<BufReader<File>>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let options = ReadOptions {
        skip_damaged,
        ..ReadOptions::default()
    };
    Reader::with_options(BufReader::new(file), options)
        .with_context(|| format!("{}", path.display()))
}

/// The framing's name, as the CLI flags spell it.
pub(crate) fn framing_name(framing: Framing) -> &'static str {
    match framing {
        Framing::Message => "message",
        Framing::Stream => "stream",
    }
}

/// Splits a record's bytes into a frame and types it by the record's direction.
pub(crate) fn decode_record(
    record: &Record,
    framing: Framing,
    max_body: usize,
) -> anyhow::Result<(timwire::Frame, Packet)> {
    let frame = packet::split_one(record.frame.clone(), framing, max_body)?;
    let packet = packet::decode_as(&frame, record.sender)?;
    Ok((frame, packet))
}

/// Writes one line per damaged stretch a skipping reader stepped over.
pub(crate) fn write_damage(out: &mut impl Write, damage: &[Damage]) -> std::io::Result<()> {
    for d in damage {
        writeln!(
            out,
            "damaged: {} ({} bytes skipped)",
            d.error, d.skipped_bytes
        )?;
    }
    Ok(())
}

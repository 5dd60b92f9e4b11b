//! `timwire encode`: JSON frames (as `decode --json` prints them) in, frames out.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context as _, anyhow};
use clap::{Args, ValueEnum};
use serde_json::Value;

use crate::input;
use crate::json;
use crate::packet::{FramingArg, ProfileArg, SenderArg};

/// `--output-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// One frame per line, lowercase hex.
    Hex,
    /// The frames' bytes back to back.
    Binary,
}

/// Arguments of `timwire encode`.
#[derive(Debug, Args)]
pub(crate) struct EncodeArgs {
    /// JSON: one object, an array of objects, or several objects (JSON lines). Without it,
    /// reads --input.
    json: Option<String>,
    /// A file of JSON; `-` or nothing means stdin.
    #[arg(short, long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// How frames are delimited.
    #[arg(long, value_enum, default_value_t = FramingArg::Stream)]
    framing: FramingArg,
    /// Who sent frames whose object has no "from" (needed for PUBLISH, PUBACK, DISCONNECT).
    #[arg(long, value_enum, default_value_t = SenderArg::Auto)]
    from: SenderArg,
    /// The topic registry used when an object has "payload" but no "data".
    #[arg(long, value_enum, default_value_t = ProfileArg::Tim)]
    profile: ProfileArg,
    /// What to write.
    #[arg(long, value_enum, default_value_t = OutputFormat::Hex)]
    output_format: OutputFormat,
    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Every JSON value in `text`, flattening top-level arrays.
fn objects(text: &str) -> anyhow::Result<Vec<Value>> {
    let mut out = Vec::new();
    let stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    for (i, value) in stream.enumerate() {
        let value = value.map_err(|e| anyhow!("invalid JSON (value {}): {e}", i + 1))?;
        match value {
            Value::Array(items) => out.extend(items),
            other => out.push(other),
        }
    }
    Ok(out)
}

pub(crate) fn run(args: EncodeArgs) -> anyhow::Result<()> {
    let text = match &args.json {
        Some(json) => json.clone(),
        None => String::from_utf8(input::read_all(args.input.as_deref())?)
            .map_err(|_| anyhow!("invalid JSON: the input is not UTF-8 text"))?,
    };
    let values = objects(&text)?;
    if values.is_empty() {
        anyhow::bail!("no input: give JSON as an argument, --input FILE, or on stdin");
    }
    let default_from = match args.from {
        SenderArg::Client => Some(timwire::Role::Client),
        SenderArg::Server => Some(timwire::Role::Server),
        SenderArg::Auto => None,
    };
    let framing = args.framing.framing();
    let profile = args.profile.profile();
    let mut frames = Vec::with_capacity(values.len());
    for (i, value) in values.into_iter().enumerate() {
        let n = i + 1;
        let bytes = json::encode(value, framing, default_from, profile)
            .with_context(|| format!("object {n}"))?;
        frames.push(bytes);
    }
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    for frame in &frames {
        match args.output_format {
            OutputFormat::Hex => writeln!(out, "{}", hex::encode(frame))?,
            OutputFormat::Binary => out.write_all(frame)?,
        }
    }
    out.flush()?;
    Ok(())
}

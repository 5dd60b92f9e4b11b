//! Reading frames from arguments, files and stdin, as hex or binary.

use std::io::Read as _;
use std::path::Path;

use anyhow::{Context as _, anyhow};
use bytes::{Bytes, BytesMut};
use clap::ValueEnum;
use timwire::signal::stream::Peek;
use timwire::{Frame, Framing, StreamDecoder};

/// `--input-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum InputFormat {
    /// Hex if the input is only hex digits and whitespace, binary otherwise.
    Auto,
    /// Hex text; in message framing, one frame per line.
    Hex,
    /// Raw bytes; in message framing, the whole input is one frame.
    Binary,
}

/// A piece of input and where it came from (for error messages).
#[derive(Debug, Clone)]
pub(crate) struct Chunk {
    pub(crate) label: String,
    pub(crate) bytes: Bytes,
}

/// Reads a file, or stdin for `-` or no path.
pub(crate) fn read_all(path: Option<&Path>) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    match path {
        Some(p) if p != Path::new("-") => {
            out = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
        }
        _ => {
            std::io::stdin()
                .read_to_end(&mut out)
                .context("cannot read stdin")?;
        }
    }
    Ok(out)
}

fn looks_like_hex(bytes: &[u8]) -> bool {
    bytes.iter().any(u8::is_ascii_hexdigit)
        && bytes
            .iter()
            .all(|b| b.is_ascii_hexdigit() || b.is_ascii_whitespace())
}

/// Parses hex, ignoring whitespace; the error names `what` and the position.
pub(crate) fn parse_hex(text: &str, what: &str) -> anyhow::Result<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(&compact).map_err(|e| {
        let e = match e {
            hex::FromHexError::InvalidHexCharacter { c, index } => {
                format!("invalid character {c:?} at digit {}", index + 1)
            }
            hex::FromHexError::OddLength => {
                format!("odd number of hex digits ({})", compact.len())
            }
            other => other.to_string(),
        };
        anyhow!("invalid hex in {what}: {e}")
    })
}

/// Turns command-line hex arguments or file/stdin contents into chunks: one chunk per argument
/// or hex line (message framing: one frame each), or the whole binary input.
pub(crate) fn chunks(
    args: &[String],
    path: Option<&Path>,
    format: InputFormat,
) -> anyhow::Result<Vec<Chunk>> {
    if !args.is_empty() {
        return args
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let label = format!("argument {}", i + 1);
                Ok(Chunk {
                    bytes: parse_hex(a, &label)?.into(),
                    label,
                })
            })
            .collect();
    }
    let raw = read_all(path)?;
    let is_hex = match format {
        InputFormat::Hex => true,
        InputFormat::Binary => false,
        InputFormat::Auto => looks_like_hex(&raw),
    };
    if !is_hex {
        return Ok(vec![Chunk {
            label: "input".into(),
            bytes: raw.into(),
        }]);
    }
    let text = String::from_utf8(raw).map_err(|_| anyhow!("invalid hex: the input is not text"))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let label = format!("line {}", n + 1);
        out.push(Chunk {
            bytes: parse_hex(line, &label)?.into(),
            label,
        });
    }
    Ok(out)
}

/// Splits chunks into frames: one frame per chunk in message framing; one byte stream made of
/// every chunk in stream framing.
pub(crate) fn frames(
    chunks: &[Chunk],
    framing: Framing,
    max_body: usize,
) -> anyhow::Result<Vec<(String, Frame)>> {
    match framing {
        Framing::Message => chunks
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let frame = Frame::from_message(c.bytes.clone())
                    .with_context(|| format!("frame {} ({})", i + 1, c.label))?;
                Ok((c.label.clone(), frame))
            })
            .collect(),
        Framing::Stream => {
            let mut buf = BytesMut::new();
            for c in chunks {
                buf.extend_from_slice(&c.bytes);
            }
            let decoder = StreamDecoder::with_max_body(max_body);
            let mut out = Vec::new();
            let mut offset = 0usize;
            while !buf.is_empty() {
                let n = out.len() + 1;
                let start = offset;
                match decoder
                    .peek(&buf)
                    .with_context(|| format!("frame {n} (byte {start})"))?
                {
                    Peek::NeedMore { missing } => {
                        return Err(anyhow!(
                            "truncated frame: frame {n} (byte {start}) needs at least {missing} more bytes than the {} left",
                            buf.len()
                        ));
                    }
                    Peek::Complete { frame_len, .. } => offset += frame_len,
                }
                if let Some(frame) = decoder.decode(&mut buf)? {
                    out.push((format!("byte {start}"), frame));
                }
            }
            Ok(out)
        }
    }
}

//! Taking RMTP frames off one reassembled direction: stream framing (with the search for a
//! frame boundary after a gap or a framing error) and WebSocket message framing (damaged from a
//! gap on). See the gap rules in the docs of [`super`].

use bytes::Bytes;
use timwire::signal::stream::Peek;
use timwire::{ClientPacket, Decode, Frame, Framing, Role, ServerPacket, StreamDecoder};

use super::reassembly::{Run, Stream};
use super::websocket::{self, Event};
use super::{Note, Options, Record};

/// Notes and counts gathered while decoding one connection.
#[derive(Default)]
pub(super) struct ConnNotes {
    pub(super) notes: Vec<Note>,
    pub(super) text_messages: u64,
}

pub(super) fn note(id: u16, sender: Role, offset: Option<u64>, text: String) -> Note {
    Note {
        conn: Some(id),
        sender: Some(sender),
        offset,
        text,
    }
}

/// Whether a whole frame that `sender` may send decodes from `bytes` (borrowed: nothing is
/// copied, so the boundary search costs no allocation per candidate).
pub(super) fn decodes_as(bytes: &[u8], framing: Framing, sender: Role, max_body: usize) -> bool {
    let frame: Frame<&[u8]> = match framing {
        Framing::Message => match Frame::from_message(bytes) {
            Ok(f) => f,
            Err(_) => return false,
        },
        Framing::Stream => match StreamDecoder::with_max_body(max_body).peek(bytes) {
            Ok(Peek::Complete { prefix, frame_len }) if frame_len == bytes.len() => Frame::new(
                prefix.header(),
                bytes.get(prefix.len()..).unwrap_or_default(),
            ),
            _ => return false,
        },
    };
    match sender {
        Role::Client => ClientPacket::<&[u8]>::decode(&frame).is_ok(),
        Role::Server => ServerPacket::<&[u8]>::decode(&frame).is_ok(),
    }
}

/// The longest stretch searched for a frame boundary after a gap.
const MAX_RESYNC_SCAN: usize = 1024 * 1024;

/// The first offset at or after `from` where a whole frame of `sender` decodes and is followed
/// by another frame's valid prefix, or by the end of the bytes.
fn find_boundary(data: &[u8], from: usize, sender: Role, max_body: usize) -> Option<usize> {
    let decoder = StreamDecoder::with_max_body(max_body);
    let end = data.len().min(from.saturating_add(MAX_RESYNC_SCAN));
    (from..end).find(|&p| {
        let rest = data.get(p..).unwrap_or_default();
        let Ok(Peek::Complete { frame_len, .. }) = decoder.peek(rest) else {
            return false;
        };
        let whole = rest.get(..frame_len).unwrap_or_default();
        if !decodes_as(whole, Framing::Stream, sender, max_body) {
            return false;
        }
        let after = rest.get(frame_len..).unwrap_or_default();
        after.is_empty() || decoder.peek(after).is_ok()
    })
}

fn push_record(
    records: &mut Vec<Record>,
    id: u16,
    sender: Role,
    framing: Framing,
    run: &Run,
    last_byte: usize,
    frame: Bytes,
) {
    let stamp = run.stamp_at(last_byte);
    records.push(Record {
        time_us: stamp.time_us,
        packet: stamp.packet,
        conn: id,
        sender,
        framing,
        frame,
    });
}

/// Stream framing: frames back to back; resynchronises after gaps and framing errors.
pub(super) fn stream_direction(
    id: u16,
    sender: Role,
    stream: &Stream,
    options: &Options,
    records: &mut Vec<Record>,
    notes: &mut ConnNotes,
) {
    let decoder = StreamDecoder::with_max_body(options.max_body);
    let runs = stream.runs.len();
    for g in &stream.gaps {
        notes.notes.push(note(
            id,
            sender,
            Some(g.offset),
            format!("gap of {} bytes (not captured)", g.len),
        ));
    }
    for (n, run) in stream.runs.iter().enumerate() {
        let data = &run.data[..];
        let mut pos = 0usize;
        let mut aligned = run.offset == 0 && stream.syn_seen;
        while pos < data.len() {
            if !aligned {
                match find_boundary(data, pos, sender, options.max_body) {
                    Some(p) => {
                        if p > pos || run.offset > 0 {
                            notes.notes.push(note(
                                id,
                                sender,
                                Some(run.offset + p as u64),
                                format!("resumed at a frame boundary ({} bytes skipped)", p - pos),
                            ));
                        }
                        pos = p;
                        aligned = true;
                    }
                    None => {
                        notes.notes.push(note(
                            id,
                            sender,
                            Some(run.offset + pos as u64),
                            format!(
                                "no frame boundary found in the next {} bytes; skipped",
                                data.len() - pos
                            ),
                        ));
                        break;
                    }
                }
            }
            let rest = data.get(pos..).unwrap_or_default();
            match decoder.peek(rest) {
                Ok(Peek::Complete { frame_len, .. }) => {
                    let bytes = Bytes::copy_from_slice(rest.get(..frame_len).unwrap_or_default());
                    push_record(
                        records,
                        id,
                        sender,
                        Framing::Stream,
                        run,
                        pos + frame_len - 1,
                        bytes,
                    );
                    pos += frame_len;
                }
                Ok(Peek::NeedMore { missing }) => {
                    let why = if n + 1 < runs
                        || stream.gaps.last().is_some_and(|g| g.offset >= run.offset)
                    {
                        "a frame cut by a gap"
                    } else {
                        "the capture ends inside a frame"
                    };
                    notes.notes.push(note(
                        id,
                        sender,
                        Some(run.offset + pos as u64),
                        format!(
                            "{why}: {} bytes of it captured, at least {missing} missing",
                            rest.len()
                        ),
                    ));
                    break;
                }
                Err(e) => {
                    notes.notes.push(note(
                        id,
                        sender,
                        Some(run.offset + pos as u64),
                        format!("framing error ({e}); looking for the next frame boundary"),
                    ));
                    aligned = false;
                    pos += 1;
                }
            }
        }
    }
}

/// Message framing: the WebSocket frames after the upgrade head of `head_len` bytes.
pub(super) fn ws_direction(
    id: u16,
    sender: Role,
    stream: &Stream,
    head_len: usize,
    records: &mut Vec<Record>,
    notes: &mut ConnNotes,
) {
    let Some(run) = stream.runs.first().filter(|r| r.offset == 0) else {
        return;
    };
    let data = &run.data[..];
    let mut pos = head_len;
    let mut messages = websocket::Messages::default();
    for g in &stream.gaps {
        notes.notes.push(note(
            id,
            sender,
            Some(g.offset),
            format!("gap of {} bytes (not captured)", g.len),
        ));
    }
    let gap = !stream.gaps.is_empty();
    let damaged = |notes: &mut ConnNotes, at: usize, why: String| {
        notes.notes.push(note(
            id,
            sender,
            Some(at as u64),
            format!("{why}; the direction is marked damaged, nothing after this is decoded"),
        ));
    };
    while pos < data.len() {
        let rest = data.get(pos..).unwrap_or_default();
        let header = match websocket::parse_frame_header(rest) {
            Ok(Some(h)) => h,
            Ok(None) if gap => {
                damaged(notes, pos, "a WebSocket frame header cut by a gap".into());
                return;
            }
            Ok(None) => {
                notes.notes.push(note(
                    id,
                    sender,
                    Some(pos as u64),
                    "the capture ends inside a WebSocket frame header".into(),
                ));
                return;
            }
            Err(e) => {
                damaged(notes, pos, e.to_string());
                return;
            }
        };
        let total = header.header_len as u64 + header.payload_len;
        if total > rest.len() as u64 {
            let text = format!("{} of {total} bytes captured", rest.len());
            if gap {
                damaged(
                    notes,
                    pos,
                    format!("a WebSocket frame cut by a gap ({text})"),
                );
            } else {
                notes.notes.push(note(
                    id,
                    sender,
                    Some(pos as u64),
                    format!("the capture ends inside a WebSocket frame ({text})"),
                ));
            }
            return;
        }
        let total = total as usize;
        let mut payload = rest
            .get(header.header_len..total)
            .unwrap_or_default()
            .to_vec();
        if let Some(key) = header.mask {
            websocket::unmask(key, &mut payload);
        }
        let last_byte = pos + total - 1;
        pos += total;
        match messages.push(&header, &payload) {
            Ok(Event::Binary(bytes)) if bytes.is_empty() => notes.notes.push(note(
                id,
                sender,
                Some(last_byte as u64),
                "an empty binary message (no RMTP frame); skipped".into(),
            )),
            Ok(Event::Binary(bytes)) => push_record(
                records,
                id,
                sender,
                Framing::Message,
                run,
                last_byte,
                Bytes::from(bytes),
            ),
            Ok(Event::Text(_)) => notes.text_messages += 1,
            Ok(Event::Control(_) | Event::Fragment) => {}
            Ok(Event::Close(_)) => return,
            Err(e) => {
                damaged(notes, pos - total, e.to_string());
                return;
            }
        }
    }
    // the run ended on a frame boundary, right before a gap
    if let Some(g) = stream.gaps.first() {
        damaged(notes, g.offset as usize, "frames after the gap".into());
    }
}

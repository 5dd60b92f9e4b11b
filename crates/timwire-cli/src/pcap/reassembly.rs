//! TCP reassembly of one direction of one connection, from every segment the capture holds.
//!
//! The capture is read whole first, so reassembly works on all of a direction's segments at
//! once instead of keeping a receive window:
//!
//! 1. **Sequence numbers** are unwrapped to 64 bits in arrival order (each one taken as the
//!    nearest value to the previous, so a stream may cross 2^32 any number of times).
//! 2. **Offset 0** is the byte after the SYN's sequence number when the SYN was captured;
//!    otherwise (the connection's start was not captured) the lowest sequence number seen.
//! 3. Segments are **sorted by offset** (then arrival) and laid down in order: bytes already
//!    laid down are not written again, so a retransmission adds nothing and an overlap keeps the
//!    first copy by offset (bytes that disagree with it are counted as conflicts). Bytes past a
//!    FIN or RST are dropped.
//! 4. Where the next segment starts past the bytes laid down, the missing stretch is a **gap**:
//!    it ends the current [`Run`] and the next run starts after it. A gap is never filled in:
//!    the caller decides how to go on after it (see the module docs of [`super`]).
//!
//! Each byte also gets the packet (index and time) that made it readable, which is the latest
//! packet among the segments up to and including it within its run: a frame is dated by the
//! packet that completed it, as a receiver would see it.

/// One TCP segment of a direction, as captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment<'a> {
    /// The sequence number (of the SYN itself when `syn`).
    pub seq: u32,
    /// The payload.
    pub data: &'a [u8],
    /// SYN flag.
    pub syn: bool,
    /// FIN flag.
    pub fin: bool,
    /// RST flag.
    pub rst: bool,
    /// The packet's index in the capture.
    pub packet: u64,
    /// The packet's time, microseconds since the Unix epoch.
    pub time_us: u64,
}

/// When a byte of a run became readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// The first byte (offset within the run) this stamp covers, up to the next stamp.
    pub from: usize,
    /// The packet index.
    pub packet: u64,
    /// The packet's time.
    pub time_us: u64,
}

/// A stretch of the stream with no byte missing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Run {
    /// The stream offset of its first byte.
    pub offset: u64,
    /// Its bytes.
    pub data: Vec<u8>,
    /// When its bytes became readable, by increasing `from` (the first has `from` 0).
    pub stamps: Vec<Stamp>,
}

impl Run {
    /// The stamp of the byte at `index` (within the run).
    pub fn stamp_at(&self, index: usize) -> Stamp {
        let i = self.stamps.partition_point(|s| s.from <= index);
        self.stamps
            .get(i.saturating_sub(1))
            .copied()
            .unwrap_or(Stamp {
                from: 0,
                packet: 0,
                time_us: 0,
            })
    }
}

/// How a direction ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// No FIN or RST was captured.
    Open,
    /// A FIN at this stream offset.
    Fin(u64),
    /// A RST at this stream offset.
    Rst(u64),
}

/// A missing stretch of the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    /// The stream offset of the first missing byte.
    pub offset: u64,
    /// How many bytes are missing.
    pub len: u64,
}

/// One direction, reassembled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    /// The stretches of bytes, in stream order; a gap lies between each two.
    pub runs: Vec<Run>,
    /// The gaps, in stream order (a gap before the FIN is last).
    pub gaps: Vec<Gap>,
    /// Whether the SYN was captured (offset 0 is then the connection's first byte).
    pub syn_seen: bool,
    /// How the direction ended.
    pub end: End,
    /// Payload bytes that arrived again after they were laid down (retransmissions, overlaps).
    pub duplicate_bytes: u64,
    /// Of those, bytes whose second copy differed from the first.
    pub conflicting_bytes: u64,
}

/// Reassembles one direction from its segments, given in arrival order.
pub fn reassemble(segments: &[Segment<'_>]) -> Stream {
    // 1. unwrap the sequence numbers
    let first_syn = segments.iter().find(|s| s.syn);
    let Some(first) = first_syn.or(segments.first()) else {
        return Stream {
            runs: Vec::new(),
            gaps: Vec::new(),
            syn_seen: false,
            end: End::Open,
            duplicate_bytes: 0,
            conflicting_bytes: 0,
        };
    };
    let mut last = i64::from(first.seq);
    let mut absolute = Vec::with_capacity(segments.len());
    for s in segments {
        let delta = i64::from(s.seq.wrapping_sub(last as u32) as i32);
        let abs = last + delta;
        last = abs;
        // A SYN takes one sequence number before the data.
        absolute.push(if s.syn { abs + 1 } else { abs });
    }
    // 2. offset 0
    let base = match first_syn {
        Some(syn) => {
            let i = segments
                .iter()
                .position(|s| std::ptr::eq(s, syn))
                .unwrap_or(0);
            absolute.get(i).copied().unwrap_or(0)
        }
        None => segments
            .iter()
            .zip(&absolute)
            .filter(|(s, _)| !s.data.is_empty() || s.fin || s.rst)
            .map(|(_, a)| *a)
            .min()
            .unwrap_or(last),
    };
    let offset = |abs: i64| abs - base;
    // the end
    let mut end = End::Open;
    for (s, abs) in segments.iter().zip(&absolute) {
        let candidate = if s.rst {
            Some(End::Rst(offset(*abs).max(0) as u64))
        } else if s.fin {
            Some(End::Fin((offset(*abs) + s.data.len() as i64).max(0) as u64))
        } else {
            None
        };
        if let Some(c) = candidate {
            let at = |e: End| match e {
                End::Open => u64::MAX,
                End::Fin(o) | End::Rst(o) => o,
            };
            if at(c) < at(end) {
                end = c;
            }
        }
    }
    let limit = match end {
        End::Open => u64::MAX,
        End::Fin(o) | End::Rst(o) => o,
    };
    // 3. lay the bytes down by offset
    let mut order: Vec<(i64, usize)> = segments
        .iter()
        .zip(&absolute)
        .enumerate()
        .filter(|(_, (s, _))| !s.data.is_empty())
        .map(|(i, (_, a))| (offset(*a), i))
        .collect();
    order.sort_unstable();
    let mut stream = Stream {
        runs: Vec::new(),
        gaps: Vec::new(),
        syn_seen: first_syn.is_some(),
        end,
        duplicate_bytes: 0,
        conflicting_bytes: 0,
    };
    let mut cursor: u64 = 0;
    let mut run = Run::default();
    let mut latest: Option<(u64, u64)> = None;
    for (off, i) in order {
        let Some(s) = segments.get(i) else { continue };
        // Bytes before offset 0 (a segment older than the first one captured) are dropped.
        let skip_front = if off < 0 { off.unsigned_abs() } else { 0 };
        let start = off.max(0) as u64;
        let len = (s.data.len() as u64).saturating_sub(skip_front);
        let end_off = start.saturating_add(len).min(limit);
        if end_off <= start {
            continue;
        }
        if start > cursor {
            // 4. a gap
            if !run.data.is_empty() {
                stream.runs.push(std::mem::take(&mut run));
            }
            stream.gaps.push(Gap {
                offset: cursor,
                len: start - cursor,
            });
            cursor = start;
            // `latest` carries over: frames after a gap are not dated before those before it
        }
        if run.data.is_empty() {
            run.offset = cursor;
        }
        // the part already laid down
        let overlap = cursor.saturating_sub(start).min(end_off - start);
        if overlap > 0 {
            stream.duplicate_bytes += overlap;
            let have_from = (start - run.offset) as usize;
            let have = run.data.get(have_from..have_from + overlap as usize);
            let new_from = skip_front as usize;
            let new = s.data.get(new_from..new_from + overlap as usize);
            if let (Some(have), Some(new)) = (have, new) {
                stream.conflicting_bytes +=
                    have.iter().zip(new).filter(|(a, b)| a != b).count() as u64;
            }
        }
        if end_off <= cursor {
            continue;
        }
        let from = skip_front as usize + (cursor - start) as usize;
        let to = skip_front as usize + (end_off - start) as usize;
        let Some(bytes) = s.data.get(from..to) else {
            continue;
        };
        let stamp = match latest {
            Some((p, t)) if p >= s.packet => (p, t),
            _ => (s.packet, s.time_us),
        };
        if latest != Some(stamp) || run.stamps.is_empty() {
            run.stamps.push(Stamp {
                from: run.data.len(),
                packet: stamp.0,
                time_us: stamp.1,
            });
        }
        latest = Some(stamp);
        run.data.extend_from_slice(bytes);
        cursor = end_off;
    }
    if !run.data.is_empty() {
        stream.runs.push(run);
    }
    if limit != u64::MAX && limit > cursor {
        stream.gaps.push(Gap {
            offset: cursor,
            len: limit - cursor,
        });
    }
    stream
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(seq: u32, data: &'static [u8], packet: u64) -> Segment<'static> {
        Segment {
            seq,
            data,
            syn: false,
            fin: false,
            rst: false,
            packet,
            time_us: packet * 10,
        }
    }

    fn syn(seq: u32, packet: u64) -> Segment<'static> {
        Segment {
            syn: true,
            ..seg(seq, b"", packet)
        }
    }

    fn bytes(s: &Stream) -> Vec<Vec<u8>> {
        s.runs.iter().map(|r| r.data.clone()).collect()
    }

    #[test]
    fn in_order_with_syn() {
        let s = reassemble(&[syn(100, 0), seg(101, b"abc", 1), seg(104, b"de", 2)]);
        assert!(s.syn_seen);
        assert_eq!(bytes(&s), vec![b"abcde".to_vec()]);
        assert!(s.gaps.is_empty());
        assert_eq!(s.runs[0].stamp_at(4).packet, 2);
        assert_eq!(s.runs[0].stamp_at(2).packet, 1);
    }

    #[test]
    fn out_of_order_is_dated_by_the_completing_packet() {
        let s = reassemble(&[syn(0, 0), seg(4, b"def", 1), seg(1, b"abc", 2)]);
        assert_eq!(bytes(&s), vec![b"abcdef".to_vec()]);
        // "def" arrived first but was readable only once "abc" came (packet 2)
        assert_eq!(s.runs[0].stamp_at(5).packet, 2);
    }

    #[test]
    fn retransmission_and_overlap() {
        let s = reassemble(&[
            syn(0, 0),
            seg(1, b"abcd", 1),
            seg(1, b"abcd", 2),
            seg(3, b"cdef", 3),
            seg(3, b"XX", 4),
        ]);
        assert_eq!(bytes(&s), vec![b"abcdef".to_vec()]);
        assert_eq!(s.duplicate_bytes, 4 + 2 + 2);
        assert_eq!(s.conflicting_bytes, 2);
    }

    #[test]
    fn sequence_wrap() {
        let s = reassemble(&[
            syn(u32::MAX - 2, 0),
            seg(u32::MAX - 1, b"ab", 1),
            seg(0, b"cd", 2),
            seg(2, b"ef", 3),
        ]);
        assert_eq!(bytes(&s), vec![b"abcdef".to_vec()]);
        assert!(s.gaps.is_empty());
    }

    #[test]
    fn start_not_captured() {
        let s = reassemble(&[seg(5000, b"cd", 0), seg(4998, b"ab", 1), seg(5002, b"e", 2)]);
        assert!(!s.syn_seen);
        assert_eq!(bytes(&s), vec![b"abcde".to_vec()]);
    }

    #[test]
    fn gap_splits_runs() {
        let s = reassemble(&[syn(0, 0), seg(1, b"ab", 1), seg(6, b"fg", 2)]);
        assert_eq!(bytes(&s), vec![b"ab".to_vec(), b"fg".to_vec()]);
        assert_eq!(s.gaps, vec![Gap { offset: 2, len: 3 }]);
        assert_eq!(s.runs[1].offset, 5);
    }

    #[test]
    fn fin_and_rst_end_the_stream() {
        let mut fin = seg(3, b"c", 2);
        fin.fin = true;
        let s = reassemble(&[syn(0, 0), seg(1, b"ab", 1), fin, seg(4, b"zz", 3)]);
        assert_eq!(bytes(&s), vec![b"abc".to_vec()]);
        assert_eq!(s.end, End::Fin(3));
        let mut rst = seg(2, b"", 2);
        rst.rst = true;
        let s = reassemble(&[syn(0, 0), seg(1, b"ab", 1), rst, seg(3, b"zz", 3)]);
        assert_eq!(s.end, End::Rst(1));
        assert_eq!(bytes(&s), vec![b"a".to_vec()]);
    }

    #[test]
    fn missing_bytes_before_fin_are_a_gap() {
        let mut fin = seg(5, b"", 2);
        fin.fin = true;
        let s = reassemble(&[syn(0, 0), seg(1, b"ab", 1), fin]);
        assert_eq!(s.gaps, vec![Gap { offset: 2, len: 2 }]);
    }

    #[test]
    fn empty() {
        let s = reassemble(&[]);
        assert!(s.runs.is_empty());
    }
}

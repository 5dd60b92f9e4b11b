//! Capture files (`.twcap`, [protocol §9](crate::signal::protocol#9-capture-files)): a recorded conversation between clients and a server,
//! frame by frame, for the CLI (`inspect`, `replay`), fuzz seed corpora and replay benchmarks.
//!
//! # Byte layout (format version 1)
//!
//! All integers are big-endian, like the protocol itself.
//!
//! **File header**, 16 bytes:
//!
//! | offset | size | field | value |
//! |---|---|---|---|
//! | 0 | 8 | magic | `89 54 57 43 41 50 0D 0A` (`\x89TWCAP\r\n`: the high byte and CR LF catch 7-bit and text-mode transfers) |
//! | 8 | 2 | version | `00 01` |
//! | 10 | 1 | framing | `00` message framing (WebSocket), `01` stream framing (TCP) |
//! | 11 | 1 | reserved | `00` (readers reject anything else, so it can become a flag later) |
//! | 12 | 4 | header CRC | CRC-32 (IEEE) of bytes 0..12 |
//!
//! **Records**, one per frame, back to back until the end of the file; record *i* (counting from
//! 0) is `19 + len` bytes:
//!
//! | offset | size | field | value |
//! |---|---|---|---|
//! | 0 | 8 | time | capture time, microseconds since the Unix epoch (u64) |
//! | 8 | 2 | connection | which connection of the capture the frame belongs to (u16; 0 when there is one) |
//! | 10 | 1 | direction | `00` C→S (sent by the client), `01` S→C (sent by the server) |
//! | 11 | 4 | len | the frame's length in bytes (u32), 1 ..= the reader's limit |
//! | 15 | len | frame | the whole frame as it is on the wire in the file's framing profile: `[header][body]` for message framing, `[header][checksum][remaining length][body]` for stream framing |
//! | 15 + len | 4 | CRC | CRC-32 (IEEE, as `crc32fast` computes it) of bytes 0 .. 15 + len of the record |
//!
//! Every record ends exactly where the next begins; the file ends after the last record's CRC.
//!
//! # Reading and writing
//!
//! [`Reader`] streams: it holds one record at a time, and checks a record's length against a limit
//! ([`ReadOptions::max_frame_len`], 16 MiB by default) before reading its bytes, so a damaged
//! length cannot make it allocate gigabytes. Its errors name the record index and byte offset.
//! With [`ReadOptions::skip_damaged`], a damaged record is skipped instead: the reader searches
//! forward byte by byte for the next offset where a whole record with a valid CRC starts, and
//! notes what it skipped ([`Reader::damage`]).
//!
//! [`Writer`] writes each record with one `write_all` and flushes it, so a crash loses at most
//! the record being written.
//!
//! ```
//! use timwire::capture::{Reader, Record, Writer};
//! use timwire::{Framing, Role};
//!
//! let mut file = Vec::new();
//! let mut writer = Writer::new(&mut file, Framing::Stream)?;
//! writer.write_record(1_700_000_000_000_000, 0, Role::Client, &[0xC0, 0xC0, 0x00])?; // PINGREQ
//! writer.write_record(1_700_000_000_000_250, 0, Role::Server, &[0xD0, 0xD0, 0x00])?; // PINGRESP
//!
//! let mut reader = Reader::new(&file[..])?;
//! assert_eq!(reader.framing(), Framing::Stream);
//! let first: Record = reader.next_record()?.unwrap();
//! assert_eq!((first.sender, &first.frame[..]), (Role::Client, &[0xC0, 0xC0, 0x00][..]));
//! assert_eq!(reader.by_ref().count(), 1);
//! # Ok::<(), timwire::capture::CaptureError>(())
//! ```

use std::io::{self, Read, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use timwire_signal::{Framing, Role};

/// The first 8 bytes of every capture file.
pub const MAGIC: [u8; 8] = *b"\x89TWCAP\r\n";
/// The format version this module reads and writes.
pub const VERSION: u16 = 1;
/// The file header's length.
pub const FILE_HEADER_LEN: usize = 16;
/// A record's fixed part before the frame: time, connection, direction, length.
pub const RECORD_HEADER_LEN: usize = 15;
/// A record's trailing CRC.
pub const RECORD_CRC_LEN: usize = 4;
/// The default limit on one record's frame length: 16 MiB, well above the 1 MiB default body
/// limit of the decoders, well below what would hurt to allocate.
pub const DEFAULT_MAX_FRAME_LEN: u32 = 16 * 1024 * 1024;

/// Why a capture could not be read or written.
///
/// Record-level variants carry the record's `index` (0-based, counting every record start the
/// reader reached, damaged or not) and the byte `offset` of its first byte in the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// The underlying reader or writer failed.
    #[error("I/O error at byte {offset}: {source}")]
    Io {
        /// Where in the file the operation was.
        offset: u64,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The file is shorter than its 16-byte header.
    #[error("not a capture file: {len} bytes, shorter than the 16-byte header")]
    TruncatedHeader {
        /// How many bytes there were.
        len: usize,
    },
    /// The first 8 bytes are not [`MAGIC`].
    #[error("not a capture file: bad magic {found:02x?}")]
    BadMagic {
        /// What the file starts with.
        found: [u8; 8],
    },
    /// The format version is not one this module reads.
    #[error("unsupported capture format version {version} (this reader knows version {VERSION})")]
    UnsupportedVersion {
        /// The file's version.
        version: u16,
    },
    /// The framing byte is neither 0 (message) nor 1 (stream), or the reserved byte is not 0.
    #[error("capture header: unknown framing byte {framing:#04x} or reserved byte {reserved:#04x}")]
    BadHeaderField {
        /// Byte 10.
        framing: u8,
        /// Byte 11.
        reserved: u8,
    },
    /// The file header's CRC does not match.
    #[error("capture header: CRC mismatch (expected {expected:#010x}, found {found:#010x})")]
    HeaderCrcMismatch {
        /// The CRC of bytes 0..12.
        expected: u32,
        /// What the file carried.
        found: u32,
    },
    /// A record's CRC does not match its bytes.
    #[error(
        "record {index} at byte {offset}: CRC mismatch (expected {expected:#010x}, found {found:#010x})"
    )]
    CrcMismatch {
        /// The record's index.
        index: u64,
        /// The record's offset.
        offset: u64,
        /// The CRC of the record's bytes.
        expected: u32,
        /// What the record carried.
        found: u32,
    },
    /// The file ends inside a record.
    #[error("record {index} at byte {offset}: truncated ({available} of {needed} bytes present)")]
    TruncatedRecord {
        /// The record's index.
        index: u64,
        /// The record's offset.
        offset: u64,
        /// The bytes the record needs (at least).
        needed: u64,
        /// The bytes left in the file.
        available: u64,
    },
    /// A record's length is 0 or above the reader's limit.
    #[error("record {index} at byte {offset}: impossible frame length {len} (allowed 1..={max})")]
    ImpossibleLength {
        /// The record's index.
        index: u64,
        /// The record's offset.
        offset: u64,
        /// The length field.
        len: u32,
        /// The limit.
        max: u32,
    },
    /// A record's direction byte is neither 0 nor 1 (its CRC matched).
    #[error("record {index} at byte {offset}: invalid direction byte {value:#04x}")]
    InvalidDirection {
        /// The record's index.
        index: u64,
        /// The record's offset.
        offset: u64,
        /// The byte.
        value: u8,
    },
    /// The writer was given an empty frame or one longer than a u32 length can say.
    #[error("cannot write a frame of {len} bytes (allowed 1..={max})")]
    FrameLength {
        /// The frame's length.
        len: usize,
        /// The largest length the format allows.
        max: u32,
    },
}

impl CaptureError {
    /// The index of the record the error is about, if it is about one.
    pub fn record_index(&self) -> Option<u64> {
        match self {
            Self::CrcMismatch { index, .. }
            | Self::TruncatedRecord { index, .. }
            | Self::ImpossibleLength { index, .. }
            | Self::InvalidDirection { index, .. } => Some(*index),
            _ => None,
        }
    }

    /// The byte offset the error is about (a record's start, or where I/O failed).
    pub fn offset(&self) -> Option<u64> {
        match self {
            Self::CrcMismatch { offset, .. }
            | Self::TruncatedRecord { offset, .. }
            | Self::ImpossibleLength { offset, .. }
            | Self::InvalidDirection { offset, .. }
            | Self::Io { offset, .. } => Some(*offset),
            _ => None,
        }
    }
}

/// The file header's contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileHeader {
    /// The format version ([`VERSION`]).
    pub version: u16,
    /// How the records' frames are delimited.
    pub framing: Framing,
}

impl FileHeader {
    /// The 16 header bytes.
    pub fn to_bytes(self) -> [u8; FILE_HEADER_LEN] {
        let mut out = [0u8; FILE_HEADER_LEN];
        let framing = match self.framing {
            Framing::Message => 0,
            Framing::Stream => 1,
        };
        let mut head = Vec::with_capacity(FILE_HEADER_LEN);
        head.extend_from_slice(&MAGIC);
        head.extend_from_slice(&self.version.to_be_bytes());
        head.extend_from_slice(&[framing, 0]);
        let crc = crc32fast::hash(&head);
        head.extend_from_slice(&crc.to_be_bytes());
        out.copy_from_slice(&head);
        out
    }

    /// Parses and checks the 16 header bytes.
    pub fn parse(bytes: &[u8; FILE_HEADER_LEN]) -> Result<Self, CaptureError> {
        let (magic, rest) = bytes.split_at(8);
        if magic != MAGIC {
            let mut found = [0u8; 8];
            found.copy_from_slice(magic);
            return Err(CaptureError::BadMagic { found });
        }
        let [v0, v1, framing, reserved, c0, c1, c2, c3] =
            <[u8; 8]>::try_from(rest).unwrap_or_default();
        let version = u16::from_be_bytes([v0, v1]);
        if version != VERSION {
            return Err(CaptureError::UnsupportedVersion { version });
        }
        let found = u32::from_be_bytes([c0, c1, c2, c3]);
        let expected = crc32fast::hash(bytes.get(..12).unwrap_or_default());
        if found != expected {
            return Err(CaptureError::HeaderCrcMismatch { expected, found });
        }
        let framing = match (framing, reserved) {
            (0, 0) => Framing::Message,
            (1, 0) => Framing::Stream,
            _ => return Err(CaptureError::BadHeaderField { framing, reserved }),
        };
        Ok(Self { version, framing })
    }
}

/// One recorded frame.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Record {
    /// Capture time, microseconds since the Unix epoch.
    pub time_us: u64,
    /// The connection the frame belongs to (0 in a single-connection capture).
    pub connection: u16,
    /// Who sent the frame: [`Role::Client`] for C→S, [`Role::Server`] for S→C.
    pub sender: Role,
    /// The whole frame in the file's framing profile.
    pub frame: Bytes,
}

/// A damaged stretch of a capture that a skipping reader stepped over.
#[derive(Debug)]
pub struct Damage {
    /// Why the record at the start of the stretch was rejected.
    pub error: CaptureError,
    /// How many bytes were skipped (from the damaged record's start to the next good record or
    /// the end of the file).
    pub skipped_bytes: u64,
}

/// How a [`Reader`] treats damage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// The longest frame a record may hold; longer lengths are damage.
    pub max_frame_len: u32,
    /// Skip damaged records (see [`Reader::damage`]) instead of failing at the first one.
    pub skip_damaged: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            skip_damaged: false,
        }
    }
}

/// The current time in microseconds since the Unix epoch (0 if the clock is before it).
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Which bytes a record check looked at, and what it found.
enum Parsed {
    /// A whole, valid record of this many bytes.
    Good(Record, usize),
    /// Damage; the error names the record.
    Bad(CaptureError),
    /// The buffer holds only part of a record (end of file reached).
    Short { needed: u64 },
}

/// A streaming capture reader: one record in memory at a time.
///
/// As an [`Iterator`] it yields records, then at most one error (after which it is done).
#[derive(Debug)]
pub struct Reader<R> {
    inner: R,
    header: FileHeader,
    options: ReadOptions,
    /// Bytes read from `inner` but not yet consumed; they start at file offset `offset`.
    buf: Vec<u8>,
    offset: u64,
    eof: bool,
    index: u64,
    damage: Vec<Damage>,
    failed: bool,
}

impl<R: Read> Reader<R> {
    /// Reads and checks the file header, with default options (fail at the first damage).
    pub fn new(inner: R) -> Result<Self, CaptureError> {
        Self::with_options(inner, ReadOptions::default())
    }

    /// Reads and checks the file header.
    pub fn with_options(mut inner: R, options: ReadOptions) -> Result<Self, CaptureError> {
        let mut head = [0u8; FILE_HEADER_LEN];
        let got = read_full(&mut inner, &mut head, 0)?;
        if got < FILE_HEADER_LEN {
            return Err(CaptureError::TruncatedHeader { len: got });
        }
        let header = FileHeader::parse(&head)?;
        Ok(Self {
            inner,
            header,
            options,
            buf: Vec::new(),
            offset: FILE_HEADER_LEN as u64,
            eof: false,
            index: 0,
            damage: Vec::new(),
            failed: false,
        })
    }

    /// The file header.
    pub fn header(&self) -> FileHeader {
        self.header
    }

    /// How the frames are delimited.
    pub fn framing(&self) -> Framing {
        self.header.framing
    }

    /// The damaged stretches skipped so far (always empty unless `skip_damaged` is set).
    pub fn damage(&self) -> &[Damage] {
        &self.damage
    }

    /// The byte offset of the next record.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The index the next record will have.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Makes sure `n` bytes are buffered, unless the file ends first.
    fn fill(&mut self, n: usize) -> Result<(), CaptureError> {
        while self.buf.len() < n && !self.eof {
            let start = self.buf.len();
            // At least 8 KiB per read (few syscalls on small records); beyond that, only what a
            // length already checked against the limit asks for.
            let want = (n - start).max(8 * 1024);
            self.buf.resize(start + want, 0);
            let at = self.offset + start as u64;
            let got = loop {
                match self.inner.read(&mut self.buf[start..]) {
                    Ok(got) => break got,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(source) => {
                        self.buf.truncate(start);
                        return Err(CaptureError::Io { offset: at, source });
                    }
                }
            };
            self.buf.truncate(start + got);
            if got == 0 {
                self.eof = true;
            }
        }
        Ok(())
    }

    /// Checks the record starting `at` bytes into the buffer, reading as much as it needs.
    fn parse_at(&mut self, at: usize, index: u64) -> Result<Parsed, CaptureError> {
        let offset = self.offset + at as u64;
        self.fill(at + RECORD_HEADER_LEN)?;
        let Some(head) = self.buf.get(at..at + RECORD_HEADER_LEN) else {
            // The smallest record: header, a 1-byte frame, CRC.
            return Ok(Parsed::Short {
                needed: (RECORD_HEADER_LEN + 1 + RECORD_CRC_LEN) as u64,
            });
        };
        let len = u32::from_be_bytes([head[11], head[12], head[13], head[14]]);
        if len == 0 || len > self.options.max_frame_len {
            return Ok(Parsed::Bad(CaptureError::ImpossibleLength {
                index,
                offset,
                len,
                max: self.options.max_frame_len,
            }));
        }
        let total = RECORD_HEADER_LEN + len as usize + RECORD_CRC_LEN;
        self.fill(at + total)?;
        let Some(record) = self.buf.get(at..at + total) else {
            return Ok(Parsed::Short {
                needed: total as u64,
            });
        };
        let (body, crc) = record.split_at(total - RECORD_CRC_LEN);
        let found = u32::from_be_bytes([crc[0], crc[1], crc[2], crc[3]]);
        let expected = crc32fast::hash(body);
        if found != expected {
            return Ok(Parsed::Bad(CaptureError::CrcMismatch {
                index,
                offset,
                expected,
                found,
            }));
        }
        let time_us = u64::from_be_bytes([
            body[0], body[1], body[2], body[3], body[4], body[5], body[6], body[7],
        ]);
        let connection = u16::from_be_bytes([body[8], body[9]]);
        let sender = match body[10] {
            0 => Role::Client,
            1 => Role::Server,
            value => {
                return Ok(Parsed::Bad(CaptureError::InvalidDirection {
                    index,
                    offset,
                    value,
                }));
            }
        };
        let frame = Bytes::copy_from_slice(&body[RECORD_HEADER_LEN..]);
        Ok(Parsed::Good(
            Record {
                time_us,
                connection,
                sender,
                frame,
            },
            total,
        ))
    }

    fn consume(&mut self, n: usize) {
        let n = n.min(self.buf.len());
        self.buf.drain(..n);
        self.offset += n as u64;
    }

    /// The next record, `Ok(None)` at the end of the file, or the first damage (unless skipping).
    pub fn next_record(&mut self) -> Result<Option<Record>, CaptureError> {
        if self.failed {
            return Ok(None);
        }
        let result = self.next_inner();
        if result.is_err() {
            self.failed = true;
        }
        result
    }

    fn next_inner(&mut self) -> Result<Option<Record>, CaptureError> {
        self.fill(1)?;
        if self.buf.is_empty() {
            return Ok(None);
        }
        let index = self.index;
        let offset = self.offset;
        let error = match self.parse_at(0, index)? {
            Parsed::Good(record, len) => {
                self.consume(len);
                self.index += 1;
                return Ok(Some(record));
            }
            Parsed::Bad(error) => error,
            Parsed::Short { needed } => CaptureError::TruncatedRecord {
                index,
                offset,
                needed,
                available: self.buf.len() as u64,
            },
        };
        if !self.options.skip_damaged {
            return Err(error);
        }
        // Resynchronise: the first later offset that holds a whole valid record. `dropped`
        // counts bytes already discarded from the buffer during the search.
        self.index += 1;
        let mut dropped: u64 = 0;
        let mut at = 1;
        loop {
            self.fill(at + RECORD_HEADER_LEN)?;
            if at >= self.buf.len() {
                // Nothing valid until the end of the file.
                let rest = self.buf.len();
                self.consume(rest);
                self.damage.push(Damage {
                    error,
                    skipped_bytes: dropped + rest as u64,
                });
                return Ok(None);
            }
            // A cheap filter first (the direction byte is 0 or 1); the CRC decides.
            let plausible = self.buf.get(at + 10).is_none_or(|d| *d <= 1);
            if plausible {
                if let Parsed::Good(record, len) = self.parse_at(at, self.index)? {
                    self.damage.push(Damage {
                        error,
                        skipped_bytes: dropped + at as u64,
                    });
                    self.consume(at + len);
                    self.index += 1;
                    return Ok(Some(record));
                }
            }
            at += 1;
            // Keep memory bounded: bytes before `at` can no longer start a record.
            if at >= 64 * 1024 {
                self.consume(at);
                dropped += at as u64;
                at = 0;
            }
        }
    }
}

impl<R: Read> Iterator for Reader<R> {
    type Item = Result<Record, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record().transpose()
    }
}

/// Reads until `buf` is full or the reader ends; returns how many bytes were read.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8], offset: u64) -> Result<usize, CaptureError> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(source) => {
                return Err(CaptureError::Io {
                    offset: offset + got as u64,
                    source,
                });
            }
        }
    }
    Ok(got)
}

/// A capture writer: writes the file header at once, then one whole, flushed record per call.
#[derive(Debug)]
pub struct Writer<W: Write> {
    inner: W,
    framing: Framing,
    offset: u64,
    records: u64,
    buf: Vec<u8>,
}

impl<W: Write> Writer<W> {
    /// Writes (and flushes) the file header for frames in `framing`.
    pub fn new(mut inner: W, framing: Framing) -> Result<Self, CaptureError> {
        let header = FileHeader {
            version: VERSION,
            framing,
        }
        .to_bytes();
        inner
            .write_all(&header)
            .and_then(|()| inner.flush())
            .map_err(|source| CaptureError::Io { offset: 0, source })?;
        Ok(Self {
            inner,
            framing,
            offset: FILE_HEADER_LEN as u64,
            records: 0,
            buf: Vec::new(),
        })
    }

    /// The framing the file declares.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// How many records have been written.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// How many bytes have been written, header included.
    pub fn bytes_written(&self) -> u64 {
        self.offset
    }

    /// Appends one record and flushes it. `frame` must be a whole frame in the file's framing.
    pub fn write_record(
        &mut self,
        time_us: u64,
        connection: u16,
        sender: Role,
        frame: &[u8],
    ) -> Result<(), CaptureError> {
        let len = u32::try_from(frame.len())
            .ok()
            .filter(|&len| len > 0)
            .ok_or(CaptureError::FrameLength {
                len: frame.len(),
                max: u32::MAX,
            })?;
        // The whole record is built first and written with one call, so a failure leaves at
        // most one partial record at the end of the file.
        self.buf.clear();
        self.buf.extend_from_slice(&time_us.to_be_bytes());
        self.buf.extend_from_slice(&connection.to_be_bytes());
        self.buf.push(match sender {
            Role::Client => 0,
            Role::Server => 1,
        });
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(frame);
        let crc = crc32fast::hash(&self.buf);
        self.buf.extend_from_slice(&crc.to_be_bytes());
        let offset = self.offset;
        self.inner
            .write_all(&self.buf)
            .and_then(|()| self.inner.flush())
            .map_err(|source| CaptureError::Io { offset, source })?;
        self.offset += self.buf.len() as u64;
        self.records += 1;
        Ok(())
    }

    /// Appends `record`.
    pub fn write(&mut self, record: &Record) -> Result<(), CaptureError> {
        self.write_record(
            record.time_us,
            record.connection,
            record.sender,
            &record.frame,
        )
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Gives back the underlying writer.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAMES: [&[u8]; 4] = [
        &[0xC0, 0xC0, 0x00],
        &[0xD0, 0xD0, 0x00],
        &[0x40, 0x42, 0x02, 0x01, 0x02],
        &[0xE0, 0xE2, 0x02, 0x00, 0x04],
    ];

    fn sample() -> Vec<u8> {
        let mut w = Writer::new(Vec::new(), Framing::Stream).unwrap();
        for (i, f) in FRAMES.iter().enumerate() {
            let sender = if i % 2 == 0 {
                Role::Client
            } else {
                Role::Server
            };
            w.write_record(1000 + i as u64, i as u16, sender, f)
                .unwrap();
        }
        assert_eq!(w.records(), 4);
        w.into_inner()
    }

    /// The byte offset of record `n` in `sample()`.
    fn record_offset(n: usize) -> usize {
        FILE_HEADER_LEN
            + FRAMES[..n]
                .iter()
                .map(|f| RECORD_HEADER_LEN + f.len() + RECORD_CRC_LEN)
                .sum::<usize>()
    }

    fn read_all(file: &[u8], options: ReadOptions) -> (Vec<Record>, Option<CaptureError>) {
        let mut r = Reader::with_options(file, options).unwrap();
        let mut out = Vec::new();
        loop {
            match r.next_record() {
                Ok(Some(rec)) => out.push(rec),
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(e)),
            }
        }
    }

    #[test]
    fn layout_is_as_documented() {
        let file = sample();
        assert_eq!(&file[..8], b"\x89TWCAP\r\n");
        assert_eq!(&file[8..12], &[0, 1, 1, 0]);
        assert_eq!(
            u32::from_be_bytes(file[12..16].try_into().unwrap()),
            crc32fast::hash(&file[..12])
        );
        let rec = &file[16..16 + 15 + 3 + 4];
        assert_eq!(&rec[..8], &1000u64.to_be_bytes());
        assert_eq!(&rec[8..11], &[0, 0, 0]);
        assert_eq!(&rec[11..15], &[0, 0, 0, 3]);
        assert_eq!(&rec[15..18], FRAMES[0]);
        assert_eq!(
            u32::from_be_bytes(rec[18..22].try_into().unwrap()),
            crc32fast::hash(&rec[..18])
        );
        assert_eq!(file.len(), record_offset(4));
    }

    #[test]
    fn round_trip() {
        let file = sample();
        let (records, err) = read_all(&file, ReadOptions::default());
        assert!(err.is_none());
        let frames: Vec<&[u8]> = records.iter().map(|r| &r.frame[..]).collect();
        assert_eq!(frames, FRAMES);
        assert_eq!(records[1].sender, Role::Server);
        assert_eq!((records[3].time_us, records[3].connection), (1003, 3));
        let reader = Reader::new(&file[..]).unwrap();
        assert_eq!(reader.framing(), Framing::Stream);
        assert_eq!(reader.count(), 4);
        // Message framing is declared too, and an empty capture is valid.
        let empty = Writer::new(Vec::new(), Framing::Message)
            .unwrap()
            .into_inner();
        let mut r = Reader::new(&empty[..]).unwrap();
        assert_eq!(r.framing(), Framing::Message);
        assert!(r.next_record().unwrap().is_none());
    }

    #[test]
    fn crc_error_names_record_and_offset() {
        for n in 0..4 {
            let mut file = sample();
            // Flip a frame byte of record n.
            file[record_offset(n) + RECORD_HEADER_LEN] ^= 0x01;
            let (records, err) = read_all(&file, ReadOptions::default());
            assert_eq!(records.len(), n);
            match err {
                Some(CaptureError::CrcMismatch { index, offset, .. }) => {
                    assert_eq!(index, n as u64);
                    assert_eq!(offset, record_offset(n) as u64);
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn truncated_tail() {
        let file = sample();
        for cut in [1, 5, 20] {
            let short = &file[..file.len() - cut];
            let (records, err) = read_all(short, ReadOptions::default());
            assert_eq!(records.len(), 3);
            let err = err.unwrap();
            assert!(
                matches!(err, CaptureError::TruncatedRecord { index: 3, .. }),
                "{err}"
            );
            assert_eq!(err.offset(), Some(record_offset(3) as u64));
            assert!(err.to_string().contains("record 3"));
        }
    }

    #[test]
    fn impossible_length_is_rejected_before_reading() {
        let mut file = sample();
        let at = record_offset(1) + 11;
        file[at..at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
        let (records, err) = read_all(&file, ReadOptions::default());
        assert_eq!(records.len(), 1);
        assert!(matches!(
            err,
            Some(CaptureError::ImpossibleLength {
                index: 1,
                len: u32::MAX,
                ..
            })
        ));
        let mut file = sample();
        file[at..at + 4].copy_from_slice(&0u32.to_be_bytes());
        let (_, err) = read_all(&file, ReadOptions::default());
        assert!(matches!(
            err,
            Some(CaptureError::ImpossibleLength { len: 0, .. })
        ));
    }

    #[test]
    fn bad_headers() {
        let file = sample();
        assert!(matches!(
            Reader::new(&file[..10]),
            Err(CaptureError::TruncatedHeader { len: 10 })
        ));
        let mut bad = file.clone();
        bad[0] = b'X';
        assert!(matches!(
            Reader::new(&bad[..]),
            Err(CaptureError::BadMagic { .. })
        ));
        let mut bad = file.clone();
        bad[9] = 2;
        assert!(matches!(
            Reader::new(&bad[..]),
            Err(CaptureError::UnsupportedVersion { version: 2 })
        ));
        let mut bad = file.clone();
        bad[10] = 7;
        assert!(matches!(
            Reader::new(&bad[..]),
            Err(CaptureError::HeaderCrcMismatch { .. })
        ));
    }

    #[test]
    fn skip_damaged_resynchronises() {
        let skip = ReadOptions {
            skip_damaged: true,
            ..ReadOptions::default()
        };
        // A flipped frame byte in record 1: records 0, 2 and 3 survive.
        let mut file = sample();
        file[record_offset(1) + RECORD_HEADER_LEN + 1] ^= 0xFF;
        let mut r = Reader::with_options(&file[..], skip).unwrap();
        let times: Vec<u64> = r.by_ref().map(|rec| rec.unwrap().time_us).collect();
        assert_eq!(times, [1000, 1002, 1003]);
        assert_eq!(r.damage().len(), 1);
        let damage = &r.damage()[0];
        assert_eq!(damage.error.record_index(), Some(1));
        assert_eq!(
            damage.skipped_bytes,
            (record_offset(2) - record_offset(1)) as u64
        );
        // A damaged length field: still finds record 2.
        let mut file = sample();
        file[record_offset(1) + 12] = 0x7F;
        let (records, err) = read_all(&file, skip);
        assert!(err.is_none());
        assert_eq!(records.len(), 3);
        // A truncated tail is skipped to the end.
        let file = sample();
        let short = &file[..file.len() - 2];
        let mut r = Reader::with_options(short, skip).unwrap();
        assert_eq!(r.by_ref().filter(Result::is_ok).count(), 3);
        assert!(matches!(
            r.damage()[0].error,
            CaptureError::TruncatedRecord { index: 3, .. }
        ));
    }

    #[test]
    fn writer_rejects_empty_frames() {
        let mut w = Writer::new(Vec::new(), Framing::Message).unwrap();
        assert!(matches!(
            w.write_record(0, 0, Role::Client, &[]),
            Err(CaptureError::FrameLength { len: 0, .. })
        ));
        assert_eq!(w.bytes_written(), FILE_HEADER_LEN as u64);
    }

    #[test]
    fn reader_streams_in_bounded_chunks() {
        // A reader that hands out 1 byte at a time still reads every record.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let Some((first, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                buf[0] = *first;
                self.0 = rest;
                Ok(1)
            }
        }
        let file = sample();
        assert_eq!(Reader::new(Trickle(&file)).unwrap().count(), 4);
    }
}

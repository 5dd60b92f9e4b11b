//! The two capture file formats: classic pcap and pcapng (both byte orders), read from memory
//! with the `pcap-parser` crate. Yields each packet's link type, time and captured bytes.

use pcap_parser::pcapng::Block;
use pcap_parser::{Linktype, PcapError, parse_pcap_frame, parse_pcap_frame_be, parse_pcap_header};

use super::Error;

/// Which format a capture file is in, by its magic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Classic pcap (`d4 c3 b2 a1`, `a1 b2 c3 d4` and the nanosecond variants).
    Pcap,
    /// pcapng (a section header block, `0a 0d 0d 0a`).
    PcapNg,
}

impl FileFormat {
    /// The format's usual name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pcap => "pcap",
            Self::PcapNg => "pcapng",
        }
    }
}

/// The format of `bytes`, from its first four bytes; `None` for anything else.
pub fn sniff(bytes: &[u8]) -> Option<FileFormat> {
    match bytes.get(..4)? {
        [0xd4, 0xc3, 0xb2, 0xa1]
        | [0xa1, 0xb2, 0xc3, 0xd4]
        | [0x4d, 0x3c, 0xb2, 0xa1]
        | [0xa1, 0xb2, 0x3c, 0x4d] => Some(FileFormat::Pcap),
        [0x0a, 0x0d, 0x0d, 0x0a] => Some(FileFormat::PcapNg),
        _ => None,
    }
}

/// One captured packet.
#[derive(Debug, Clone, Copy)]
pub struct RawPacket<'a> {
    /// The link type of its interface.
    pub linktype: i32,
    /// Capture time, microseconds since the Unix epoch.
    pub time_us: u64,
    /// The captured bytes (possibly cut at the snap length).
    pub data: &'a [u8],
}

/// Why reading stopped early without making the whole file unreadable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truncation {
    /// Where the unreadable part starts.
    pub offset: u64,
    /// What is wrong there.
    pub reason: String,
}

/// Every packet of a capture, and where reading stopped if the file ends inside a record.
#[derive(Debug, Default)]
pub struct Packets<'a> {
    /// The packets, in file order.
    pub packets: Vec<RawPacket<'a>>,
    /// Blocks that carry no packet or belong to an interface that is not described.
    pub other_blocks: u64,
    /// Set when the file ends inside a record (a capture cut short): the records before it
    /// are read, the rest of the file is not.
    pub truncated: Option<Truncation>,
}

/// Reads every packet of a pcap or pcapng file held in memory.
pub fn read(bytes: &[u8]) -> Result<Packets<'_>, Error> {
    match sniff(bytes) {
        Some(FileFormat::Pcap) => read_pcap(bytes),
        Some(FileFormat::PcapNg) => read_pcapng(bytes),
        None => Err(Error::NotACapture),
    }
}

fn offset_of(whole: &[u8], rest: &[u8]) -> u64 {
    whole.len().saturating_sub(rest.len()) as u64
}

fn read_pcap(bytes: &[u8]) -> Result<Packets<'_>, Error> {
    if bytes.len() < 24 {
        return Err(Error::TruncatedHeader {
            format: FileFormat::Pcap,
            len: bytes.len(),
            needed: 24,
        });
    }
    let (mut rest, header) = parse_pcap_header(bytes).map_err(|e| Error::BadFile {
        offset: 0,
        reason: format!("pcap file header: {}", nom_reason(&e)),
    })?;
    if header.is_modified_format() {
        return Err(Error::BadFile {
            offset: 0,
            reason: "the modified (Kuznetzov) pcap format is not supported".into(),
        });
    }
    let linktype = header.network.0;
    super::link::check_supported(linktype)?;
    let nanos = header.is_nanosecond_precision();
    let parse = if header.is_bigendian() {
        parse_pcap_frame_be
    } else {
        parse_pcap_frame
    };
    let mut out = Packets::default();
    let mut index = 0u64;
    while !rest.is_empty() {
        let offset = offset_of(bytes, rest);
        if rest.len() < 16 {
            out.truncated = Some(Truncation {
                offset,
                reason: format!(
                    "record {index}: the file ends inside its 16-byte header ({} bytes left)",
                    rest.len()
                ),
            });
            break;
        }
        let caplen = match rest.get(8..12).and_then(|b| <[u8; 4]>::try_from(b).ok()) {
            Some(b) if header.is_bigendian() => u32::from_be_bytes(b),
            Some(b) => u32::from_le_bytes(b),
            None => 0,
        };
        let left = rest.len().saturating_sub(16) as u64;
        if u64::from(caplen) > left {
            out.truncated = Some(Truncation {
                offset,
                reason: format!(
                    "record {index}: {caplen} bytes announced, {left} left in the file"
                ),
            });
            break;
        }
        let (next, frame) = parse(rest).map_err(|e| Error::BadFile {
            offset,
            reason: format!("record {index}: {}", nom_reason(&e)),
        })?;
        let frac = u64::from(frame.ts_usec);
        let time_us = u64::from(frame.ts_sec)
            .saturating_mul(1_000_000)
            .saturating_add(if nanos { frac / 1000 } else { frac });
        out.packets.push(RawPacket {
            linktype,
            time_us,
            data: frame.data,
        });
        rest = next;
        index += 1;
    }
    Ok(out)
}

/// One pcapng interface: link type and time base.
struct Interface {
    linktype: i32,
    resolution: u64,
    offset: i64,
}

fn read_pcapng(bytes: &[u8]) -> Result<Packets<'_>, Error> {
    if bytes.len() < 28 {
        return Err(Error::TruncatedHeader {
            format: FileFormat::PcapNg,
            len: bytes.len(),
            needed: 28,
        });
    }
    let mut out = Packets::default();
    let mut interfaces: Vec<Interface> = Vec::new();
    let mut big_endian = false;
    let mut rest = bytes;
    let mut index = 0u64;
    while !rest.is_empty() {
        let offset = offset_of(bytes, rest);
        let parsed = if big_endian {
            pcap_parser::pcapng::parse_block_be(rest)
        } else {
            pcap_parser::pcapng::parse_block_le(rest)
        };
        let (next, block) = match parsed {
            Ok(v) => v,
            Err(e) => {
                let reason = format!("block {index}: {}", nom_reason(&e));
                if index == 0 {
                    return Err(Error::BadFile { offset, reason });
                }
                // A capture cut short, or damage: keep what was read.
                out.truncated = Some(Truncation { offset, reason });
                break;
            }
        };
        match block {
            Block::SectionHeader(shb) => {
                big_endian = shb.big_endian();
                interfaces.clear();
            }
            Block::InterfaceDescription(idb) => interfaces.push(Interface {
                linktype: idb.linktype.0,
                resolution: idb.ts_resolution().unwrap_or(1_000_000).max(1),
                offset: idb.ts_offset(),
            }),
            Block::EnhancedPacket(epb) => {
                match usize::try_from(epb.if_id)
                    .ok()
                    .and_then(|i| interfaces.get(i))
                {
                    Some(iface) => {
                        let caplen = (epb.caplen as usize).min(epb.data.len());
                        let ticks = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                        let us = u128::from(ticks) * 1_000_000 / u128::from(iface.resolution);
                        let us = (us as i128).saturating_add(i128::from(iface.offset) * 1_000_000);
                        out.packets.push(RawPacket {
                            linktype: iface.linktype,
                            time_us: u64::try_from(us.max(0)).unwrap_or(u64::MAX),
                            data: epb.data.get(..caplen).unwrap_or_default(),
                        });
                    }
                    None => out.other_blocks += 1,
                }
            }
            Block::SimplePacket(spb) => match interfaces.first() {
                Some(iface) => {
                    let len = (spb.origlen as usize).min(spb.data.len());
                    out.packets.push(RawPacket {
                        linktype: iface.linktype,
                        time_us: 0,
                        data: spb.data.get(..len).unwrap_or_default(),
                    });
                }
                None => out.other_blocks += 1,
            },
            _ => out.other_blocks += 1,
        }
        rest = next;
        index += 1;
    }
    Ok(out)
}

fn nom_reason(e: &nom::Err<PcapError<&[u8]>>) -> String {
    match e {
        nom::Err::Incomplete(nom::Needed::Size(n)) => {
            format!("the file ends inside it ({n} more bytes needed)")
        }
        nom::Err::Incomplete(nom::Needed::Unknown) => "the file ends inside it".into(),
        nom::Err::Error(e) | nom::Err::Failure(e) => match e {
            PcapError::NomError(_, kind) => format!("malformed ({kind:?})"),
            other => format!("{other}"),
        },
    }
}

/// The link type number's name, for messages.
pub(crate) fn linktype_name(linktype: i32) -> String {
    format!("{:?} ({linktype})", Linktype(linktype))
}

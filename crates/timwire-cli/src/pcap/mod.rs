//! Reading tcpdump and Wireshark captures (pcap, pcapng) into RMTP frames.
//!
//! The pipeline, one module per step:
//!
//! 1. [`file`](mod@file): the file format, by magic number; every packet with its link type
//!    and time.
//! 2. [`link`]: the link layer (Ethernet, Linux cooked SLL/SLL2, BSD loopback/null, raw IP),
//!    IPv4/IPv6 and TCP. Packets that are not TCP over IP are counted ([`Capture::skipped`]).
//! 3. Connections: segments are grouped by their address/port pair. A new SYN on a pair whose
//!    connection has ended starts a new connection.
//! 4. [`reassembly`]: each direction's byte stream, with gaps, retransmissions and FIN/RST.
//! 5. Which side is the client: `server_port` when given, else the side that sent the SYN,
//!    else the side that sends the HTTP upgrade or a CONNECT, else the side with the higher port.
//! 6. Which framing: message framing when the client's stream starts with an HTTP/1.1
//!    WebSocket upgrade (then [`websocket`] frames, one RMTP frame per binary message); stream
//!    framing when the bytes hold RMTP stream frames. A connection that is neither (no frame
//!    that its sender may send, in either direction) is counted and skipped, not an error.
//! 7. The frames of each direction (the private `frames` module), dated by the packet that
//!    completed them, and every connection's frames merged in that packet order.
//!
//! # Gaps
//!
//! Bytes the capture lacks (a packet the capturer dropped) leave a gap in a direction. Each gap
//! is reported as a [`Note`] with the connection, direction and stream byte offset. Then:
//!
//! - **stream framing** resumes: the frame the gap cut is lost, and decoding goes on at the
//!   first offset after the gap where a whole frame decodes (valid prefix and checksum, a type
//!   the sender may send, a body that decodes) and is followed by another valid prefix or the
//!   end of the bytes. The skipped bytes are reported. A connection whose start was not captured
//!   is resynchronised the same way.
//! - **message framing** (WebSocket) marks the direction damaged: WebSocket frames carry no
//!   marker to resynchronise on, so nothing after the gap is decoded in that direction, and
//!   the note says so.
//!
//! Memory is bounded by the file: the file is read once into memory, packets borrow from it,
//! and reassembled streams hold at most the payload bytes the file contains. Announced lengths
//! (pcap records, WebSocket frames, RMTP frames) are checked against the bytes present before
//! anything is taken.

pub mod file;
mod frames;
pub mod link;
pub mod reassembly;
pub mod synth;
pub mod websocket;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::SocketAddr;

use bytes::Bytes;
use timwire::signal::DEFAULT_MAX_BODY;
use timwire::signal::stream::Peek;
use timwire::{Framing, MessageType, Role, StreamDecoder};

pub use file::{FileFormat, sniff};
use frames::{ConnNotes, decodes_as, stream_direction, ws_direction};
use link::Skip;
use reassembly::{End, Segment, Stream};
use websocket::Head;

/// Why a capture cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The magic number is neither pcap's nor pcapng's.
    #[error("not a pcap or pcapng file")]
    NotACapture,
    /// The file is shorter than its format's header.
    #[error("truncated {} header: {len} bytes, the header needs {needed}", .format.name())]
    TruncatedHeader {
        /// The format the magic number named.
        format: FileFormat,
        /// The file's length.
        len: usize,
        /// The header's length.
        needed: usize,
    },
    /// The file's structure is broken where nothing can be read past it.
    #[error("byte {offset}: {reason}")]
    BadFile {
        /// Where.
        offset: u64,
        /// What.
        reason: String,
    },
    /// A pcap file's link type is not one the reader decodes.
    #[error(
        "unsupported link type {} (supported: Ethernet, Linux cooked SLL and SLL2, BSD loopback/null, raw IP)",
        file::linktype_name(*.linktype)
    )]
    UnknownLinkType {
        /// The link type number.
        linktype: i32,
    },
}

/// Options of [`read`].
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The server's TCP port, when known: the side with this port is the server.
    pub server_port: Option<u16>,
    /// The largest RMTP frame body accepted in stream framing.
    pub max_body: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            server_port: None,
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

/// How the client side was told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientBy {
    /// `--server-port`.
    ServerPort,
    /// The SYN.
    Syn,
    /// The HTTP upgrade request.
    Upgrade,
    /// The CONNECT frame.
    Connect,
    /// No evidence: the side with the higher port is taken as the client.
    Guess,
}

/// One RMTP connection of the capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Its number in the capture (by first packet), as records name it.
    pub id: u16,
    /// The client's address and port.
    pub client: SocketAddr,
    /// The server's address and port.
    pub server: SocketAddr,
    /// The framing its frames use.
    pub framing: Framing,
    /// How the client was told apart.
    pub client_by: ClientBy,
    /// For WebSocket, the request target of the upgrade.
    pub ws_target: Option<String>,
}

impl Connection {
    /// `client → server (tcp)`, the name a person reads.
    pub fn name(&self) -> String {
        let transport = match self.framing {
            Framing::Stream => "tcp",
            Framing::Message => "ws",
        };
        format!("{} → {} ({transport})", self.client, self.server)
    }
}

/// One RMTP frame found in the capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// When the packet that completed it was captured, microseconds since the Unix epoch.
    pub time_us: u64,
    /// The index of that packet in the file (0-based).
    pub packet: u64,
    /// [`Connection::id`].
    pub conn: u16,
    /// Who sent it.
    pub sender: Role,
    /// Its framing (that of its connection).
    pub framing: Framing,
    /// The whole frame in that framing (for message framing, the WebSocket message).
    pub frame: Bytes,
}

/// Something wrong or worth knowing in a connection: a gap, a resynchronisation, damage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The connection's id (or, for a skipped connection, none).
    pub conn: Option<u16>,
    /// The direction's sender.
    pub sender: Option<Role>,
    /// The stream byte offset it is about.
    pub offset: Option<u64>,
    /// What happened.
    pub text: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(c) = self.conn {
            write!(f, "conn {c}")?;
            if let Some(s) = self.sender {
                write!(
                    f,
                    " {}",
                    match s {
                        Role::Client => "C→S",
                        Role::Server => "S→C",
                    }
                )?;
            }
            if let Some(o) = self.offset {
                write!(f, " byte {o}")?;
            }
            write!(f, ": ")?;
        }
        f.write_str(&self.text)
    }
}

/// What was skipped, and how much.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Packets that are not TCP segments, by reason.
    pub packets: BTreeMap<Skip, u64>,
    /// TCP connections that carry no RMTP (neither framing found any frame).
    pub connections: u64,
    /// Of the WebSocket messages, the text ones (RMTP is binary).
    pub text_messages: u64,
    /// pcapng blocks that carry no packet.
    pub other_blocks: u64,
}

/// A capture read into RMTP frames.
#[derive(Debug, Clone)]
pub struct Capture {
    /// The file format.
    pub format: FileFormat,
    /// How many packets the file holds.
    pub packets: u64,
    /// The RMTP connections, by id.
    pub connections: Vec<Connection>,
    /// Every frame, in the order of the packets that completed them.
    pub records: Vec<Record>,
    /// Gaps, resynchronisations and damage, per connection and direction.
    pub notes: Vec<Note>,
    /// What was counted and skipped.
    pub skipped: Skipped,
}

impl Capture {
    /// The connection with this id.
    pub fn connection(&self, id: u16) -> Option<&Connection> {
        self.connections.get(usize::from(id))
    }
}

/// One TCP connection's segments, per direction (`a` is the side of its first packet).
struct Tcp<'a> {
    a: SocketAddr,
    b: SocketAddr,
    a_to_b: Vec<Segment<'a>>,
    b_to_a: Vec<Segment<'a>>,
    /// SYN (without ACK) seen from a (`Some(true)`) or b.
    syn_from_a: Option<bool>,
    ended: bool,
}

/// Reads a capture held in memory.
pub fn read(bytes: &[u8], options: &Options) -> Result<Capture, Error> {
    let format = sniff(bytes).ok_or(Error::NotACapture)?;
    let packets = file::read(bytes)?;
    let mut skipped = Skipped {
        other_blocks: packets.other_blocks,
        ..Skipped::default()
    };
    let mut notes = Vec::new();
    if let Some(t) = &packets.truncated {
        notes.push(Note {
            conn: None,
            sender: None,
            offset: None,
            text: format!(
                "the file is cut short at byte {}: {}; the packets before it are read",
                t.offset, t.reason
            ),
        });
    }
    // group into TCP connections
    let mut tcps: Vec<Tcp<'_>> = Vec::new();
    let mut by_pair: HashMap<(SocketAddr, SocketAddr), usize> = HashMap::new();
    for (index, p) in packets.packets.iter().enumerate() {
        let seg = match link::tcp_segment(p.linktype, p.data) {
            Ok(s) => s,
            Err(skip) => {
                *skipped.packets.entry(skip).or_default() += 1;
                continue;
            }
        };
        let key = if seg.src <= seg.dst {
            (seg.src, seg.dst)
        } else {
            (seg.dst, seg.src)
        };
        let new_syn = seg.syn && !seg.ack;
        let slot = match by_pair.get(&key) {
            Some(&i) if !(new_syn && tcps.get(i).is_some_and(|t| t.ended)) => i,
            _ => {
                tcps.push(Tcp {
                    a: seg.src,
                    b: seg.dst,
                    a_to_b: Vec::new(),
                    b_to_a: Vec::new(),
                    syn_from_a: None,
                    ended: false,
                });
                let i = tcps.len() - 1;
                by_pair.insert(key, i);
                i
            }
        };
        let Some(tcp) = tcps.get_mut(slot) else {
            continue;
        };
        let from_a = seg.src == tcp.a;
        if seg.syn && tcp.syn_from_a.is_none() {
            // SYN alone comes from the client, SYN+ACK from the server
            tcp.syn_from_a = Some(from_a != seg.ack);
        }
        if seg.fin || seg.rst {
            tcp.ended = true;
        }
        let s = Segment {
            seq: seg.seq,
            data: seg.payload,
            syn: seg.syn,
            fin: seg.fin,
            rst: seg.rst,
            packet: index as u64,
            time_us: p.time_us,
        };
        if from_a {
            tcp.a_to_b.push(s);
        } else {
            tcp.b_to_a.push(s);
        }
    }

    let mut connections = Vec::new();
    let mut records = Vec::new();
    for tcp in &tcps {
        let Ok(id) = u16::try_from(connections.len()) else {
            skipped.connections += 1;
            continue;
        };
        let a = reassembly::reassemble(&tcp.a_to_b);
        let b = reassembly::reassemble(&tcp.b_to_a);
        match decode_connection(id, tcp, &a, &b, options) {
            Some((conn, mut recs, mut conn_notes)) => {
                connections.push(conn);
                records.append(&mut recs);
                notes.append(&mut conn_notes.notes);
                skipped.text_messages += conn_notes.text_messages;
            }
            None => skipped.connections += 1,
        }
    }
    records.sort_by_key(|r| (r.packet, r.conn));
    Ok(Capture {
        format,
        packets: packets.packets.len() as u64,
        connections,
        records,
        notes,
        skipped,
    })
}

fn first_bytes(s: &Stream) -> &[u8] {
    match s.runs.first() {
        Some(r) if r.offset == 0 => &r.data,
        _ => &[],
    }
}

fn starts_with_connect(s: &Stream) -> bool {
    let data = first_bytes(s);
    match StreamDecoder::new().peek(data) {
        Ok(Peek::Complete { prefix, .. }) => prefix.header().kind == MessageType::CONNECT,
        _ => false,
    }
}

/// Decides client, framing, and takes the frames of one TCP connection; `None` when it
/// carries no RMTP.
fn decode_connection(
    id: u16,
    tcp: &Tcp<'_>,
    a: &Stream,
    b: &Stream,
    options: &Options,
) -> Option<(Connection, Vec<Record>, ConnNotes)> {
    let head_a = parse_head_of(a);
    let head_b = parse_head_of(b);
    // which side is the client ("a is the client")
    let (a_client, client_by) = if let Some(port) = options
        .server_port
        .filter(|p| tcp.a.port() == *p || tcp.b.port() == *p)
    {
        (tcp.b.port() == port, ClientBy::ServerPort)
    } else if let Some(from_a) = tcp.syn_from_a {
        (from_a, ClientBy::Syn)
    } else if matches!(head_a, Head::UpgradeRequest { .. }) {
        (true, ClientBy::Upgrade)
    } else if matches!(head_b, Head::UpgradeRequest { .. }) {
        (false, ClientBy::Upgrade)
    } else if starts_with_connect(a) {
        (true, ClientBy::Connect)
    } else if starts_with_connect(b) {
        (false, ClientBy::Connect)
    } else {
        (tcp.a.port() > tcp.b.port(), ClientBy::Guess)
    };
    let (client, server, c_stream, s_stream, c_head, s_head) = if a_client {
        (tcp.a, tcp.b, a, b, head_a, head_b)
    } else {
        (tcp.b, tcp.a, b, a, head_b, head_a)
    };
    let mut notes = ConnNotes::default();
    let mut records = Vec::new();
    let (framing, ws_target) = match (&c_head, &s_head) {
        (Head::UpgradeRequest { len: c_len, target }, s) => {
            let s_len = match s {
                Head::Response { len, status: 101 } => *len,
                // an upgrade the server refused, or whose answer was not captured
                _ => return None,
            };
            ws_direction(id, Role::Client, c_stream, *c_len, &mut records, &mut notes);
            ws_direction(id, Role::Server, s_stream, s_len, &mut records, &mut notes);
            (Framing::Message, Some(target.clone()))
        }
        (Head::OtherRequest, _) => return None,
        _ => {
            stream_direction(
                id,
                Role::Client,
                c_stream,
                options,
                &mut records,
                &mut notes,
            );
            stream_direction(
                id,
                Role::Server,
                s_stream,
                options,
                &mut records,
                &mut notes,
            );
            (Framing::Stream, None)
        }
    };
    // RMTP only if some frame is one its sender may send (not merely a valid-looking prefix)
    if !records
        .iter()
        .any(|r| decodes_as(&r.frame, r.framing, r.sender, options.max_body))
    {
        return None;
    }
    for (sender, s) in [(Role::Client, c_stream), (Role::Server, s_stream)] {
        if s.duplicate_bytes > 0 {
            notes.notes.push(Note {
                conn: Some(id),
                sender: Some(sender),
                offset: None,
                text: format!(
                    "{} bytes retransmitted or overlapping ({} of them differing, first copy kept)",
                    s.duplicate_bytes, s.conflicting_bytes
                ),
            });
        }
        if let End::Rst(o) = s.end {
            notes.notes.push(Note {
                conn: Some(id),
                sender: Some(sender),
                offset: Some(o),
                text: "reset (RST)".into(),
            });
        }
    }
    Some((
        Connection {
            id,
            client,
            server,
            framing,
            client_by,
            ws_target,
        },
        records,
        notes,
    ))
}

fn parse_head_of(s: &Stream) -> Head {
    let data = first_bytes(s);
    if data.is_empty() {
        Head::NotHttp
    } else {
        websocket::parse_head(data)
    }
}

//! Writing small captures: pcap and pcapng files of TCP segments over any link type this
//! reader decodes. The tests build their reordering, retransmission, gap, IPv6 and link-type
//! captures with it, and the fuzz target its seeds; it is not used to read anything.

use std::net::{IpAddr, SocketAddr};

use etherparse::PacketBuilder;

use super::link;

/// A link layer to wrap IP packets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Ethernet II.
    Ethernet,
    /// Linux cooked capture v1.
    Sll,
    /// Linux cooked capture v2.
    Sll2,
    /// BSD loopback, family in little-endian order (as an x86 or ARM host writes it).
    Null,
    /// OpenBSD loopback, family in network order.
    Loop,
    /// Raw IP.
    Raw,
}

impl Link {
    /// Every link.
    pub const ALL: [Link; 6] = [
        Self::Ethernet,
        Self::Sll,
        Self::Sll2,
        Self::Null,
        Self::Loop,
        Self::Raw,
    ];

    /// The file's link type number.
    pub fn linktype(self) -> i32 {
        match self {
            Self::Ethernet => link::ETHERNET,
            Self::Sll => link::LINUX_SLL,
            Self::Sll2 => link::LINUX_SLL2,
            Self::Null => link::NULL,
            Self::Loop => link::LOOP,
            Self::Raw => link::RAW,
        }
    }
}

/// One TCP segment to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tcp {
    /// Capture time, microseconds since the Unix epoch.
    pub time_us: u64,
    /// Sender (the receiver must be of the same IP version).
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number, with the ACK flag.
    pub ack: Option<u32>,
    /// SYN flag.
    pub syn: bool,
    /// FIN flag.
    pub fin: bool,
    /// RST flag.
    pub rst: bool,
    /// The payload.
    pub payload: Vec<u8>,
}

impl Tcp {
    /// A data segment (ACK set, acknowledging 0).
    pub fn data(time_us: u64, src: SocketAddr, dst: SocketAddr, seq: u32, payload: &[u8]) -> Self {
        Self {
            time_us,
            src,
            dst,
            seq,
            ack: Some(0),
            syn: false,
            fin: false,
            rst: false,
            payload: payload.to_vec(),
        }
    }
}

/// The IP packet (IPv4 or IPv6 by the addresses) carrying a segment.
pub fn ip_packet(t: &Tcp) -> Vec<u8> {
    let builder = match (t.src.ip(), t.dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => PacketBuilder::ipv4(s.octets(), d.octets(), 64),
        (s, d) => {
            let v6 = |a: IpAddr| match a {
                IpAddr::V6(a) => a.octets(),
                IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
            };
            PacketBuilder::ipv6(v6(s), v6(d), 64)
        }
    };
    let mut tcp = builder.tcp(t.src.port(), t.dst.port(), t.seq, 65535);
    if t.syn {
        tcp = tcp.syn();
    }
    if t.fin {
        tcp = tcp.fin();
    }
    if t.rst {
        tcp = tcp.rst();
    }
    if let Some(a) = t.ack {
        tcp = tcp.ack(a);
    }
    if !t.payload.is_empty() {
        tcp = tcp.psh();
    }
    let mut out = Vec::with_capacity(tcp.size(t.payload.len()));
    // Writing to a Vec cannot fail; a payload too big for IP is the caller's mistake.
    let _ = tcp.write(&mut out, &t.payload);
    out
}

/// The packet as the link carries it.
pub fn link_packet(link: Link, t: &Tcp) -> Vec<u8> {
    let ip = ip_packet(t);
    let v6 = t.src.is_ipv6();
    let ether_type: u16 = if v6 { 0x86dd } else { 0x0800 };
    let mut out = Vec::with_capacity(ip.len() + 20);
    match link {
        Link::Ethernet => {
            out.extend_from_slice(&[0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1]);
            out.extend_from_slice(&ether_type.to_be_bytes());
        }
        Link::Sll => {
            // packet type, ARPHRD_LOOPBACK, address length, address (8), protocol
            out.extend_from_slice(&[0, 0, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 1, 0, 0]);
            out.extend_from_slice(&ether_type.to_be_bytes());
        }
        Link::Sll2 => {
            out.extend_from_slice(&ether_type.to_be_bytes());
            out.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0x03, 0x04, 0, 6]);
            out.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0, 0]);
        }
        Link::Null => out.extend_from_slice(&(if v6 { 30u32 } else { 2 }).to_le_bytes()),
        Link::Loop => out.extend_from_slice(&(if v6 { 24u32 } else { 2 }).to_be_bytes()),
        Link::Raw => {}
    }
    out.extend_from_slice(&ip);
    out
}

/// A classic pcap file (little-endian, microseconds) of raw packets.
pub fn pcap(linktype: i32, packets: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&262_144u32.to_le_bytes());
    out.extend_from_slice(&linktype.to_le_bytes());
    for (time_us, data) in packets {
        out.extend_from_slice(&((time_us / 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&((time_us % 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
    }
    out
}

/// A pcapng file (little-endian, one interface, microsecond times) of raw packets.
pub fn pcapng(linktype: i32, packets: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let block = |out: &mut Vec<u8>, kind: u32, body: &[u8]| {
        let len = 12 + body.len().div_ceil(4) * 4;
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&(len as u32).to_le_bytes());
        out.extend_from_slice(body);
        out.resize(out.len() + (len - 12 - body.len()), 0);
        out.extend_from_slice(&(len as u32).to_le_bytes());
    };
    // section header: byte-order magic, version 1.0, section length unknown
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    block(&mut out, 0x0a0d_0d0a, &shb);
    let mut idb = Vec::new();
    idb.extend_from_slice(&(linktype as u16).to_le_bytes());
    idb.extend_from_slice(&0u16.to_le_bytes());
    idb.extend_from_slice(&262_144u32.to_le_bytes());
    block(&mut out, 1, &idb);
    for (time_us, data) in packets {
        let mut epb = Vec::new();
        epb.extend_from_slice(&0u32.to_le_bytes());
        epb.extend_from_slice(&((time_us >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(*time_us as u32).to_le_bytes());
        epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
        epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
        epb.extend_from_slice(data);
        block(&mut out, 6, &epb);
    }
    out
}

/// A pcap file of segments over `link`.
pub fn pcap_of(link: Link, segments: &[Tcp]) -> Vec<u8> {
    let packets: Vec<_> = segments
        .iter()
        .map(|t| (t.time_us, link_packet(link, t)))
        .collect();
    pcap(link.linktype(), &packets)
}

/// A pcapng file of segments over `link`.
pub fn pcapng_of(link: Link, segments: &[Tcp]) -> Vec<u8> {
    let packets: Vec<_> = segments
        .iter()
        .map(|t| (t.time_us, link_packet(link, t)))
        .collect();
    pcapng(link.linktype(), &packets)
}

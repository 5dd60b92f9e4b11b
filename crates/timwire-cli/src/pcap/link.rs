//! From a captured packet to a TCP segment: the link layer (Ethernet, Linux cooked SLL and
//! SLL2, BSD loopback/null, raw IP), IPv4 or IPv6, then TCP, with `etherparse`. Anything else is
//! a [`Skip`] with a reason, counted by the caller.

use std::net::{IpAddr, SocketAddr};

use etherparse::{EtherType, NetSlice, SlicedPacket, TransportSlice};

use super::Error;

/// `LINKTYPE_NULL`: BSD loopback, a 4-byte address family in the capturing host's byte order.
pub const NULL: i32 = 0;
/// `LINKTYPE_ETHERNET`.
pub const ETHERNET: i32 = 1;
/// `LINKTYPE_RAW`: the packet starts with an IPv4 or IPv6 header.
pub const RAW: i32 = 101;
/// `LINKTYPE_LOOP`: OpenBSD loopback, the address family in network byte order.
pub const LOOP: i32 = 108;
/// `LINKTYPE_LINUX_SLL`: Linux cooked capture v1 (`tcpdump -i any` before 4.99).
pub const LINUX_SLL: i32 = 113;
/// `LINKTYPE_IPV4`.
pub const IPV4: i32 = 228;
/// `LINKTYPE_IPV6`.
pub const IPV6: i32 = 229;
/// `LINKTYPE_LINUX_SLL2`: Linux cooked capture v2 (`tcpdump -i any` from 4.99).
pub const LINUX_SLL2: i32 = 276;
/// `DLT_RAW` as some BSDs number it in files (12 and 14).
const RAW_BSD: [i32; 2] = [12, 14];

/// Every link type this module reads.
pub const SUPPORTED: &[i32] = &[
    NULL, ETHERNET, RAW, 12, 14, LOOP, LINUX_SLL, IPV4, IPV6, LINUX_SLL2,
];

/// Fails for a link type this module cannot read (a pcap file has one for all its packets).
pub fn check_supported(linktype: i32) -> Result<(), Error> {
    if SUPPORTED.contains(&linktype) {
        Ok(())
    } else {
        Err(Error::UnknownLinkType { linktype })
    }
}

/// A TCP segment, with the fields reassembly needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpSegment<'a> {
    /// Sender's address and port.
    pub src: SocketAddr,
    /// Receiver's address and port.
    pub dst: SocketAddr,
    /// Sequence number of the first payload byte (of the SYN itself when `syn`).
    pub seq: u32,
    /// SYN flag.
    pub syn: bool,
    /// ACK flag.
    pub ack: bool,
    /// FIN flag.
    pub fin: bool,
    /// RST flag.
    pub rst: bool,
    /// The payload as captured.
    pub payload: &'a [u8],
}

/// Why a packet is not a TCP segment this reader uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Skip {
    /// The interface's link type is not one of [`SUPPORTED`].
    UnknownLinkType,
    /// Not IPv4 or IPv6 (ARP, another EtherType or address family).
    NotIp,
    /// IP, but not TCP (UDP, ICMP, …).
    NotTcp,
    /// An IP fragment (the reader does not reassemble IP).
    Fragment,
    /// A header is cut short or invalid (a TCP data offset below 5 or past the packet, …).
    Malformed,
}

impl Skip {
    /// What the skip counts, for the summary.
    pub fn describe(self) -> &'static str {
        match self {
            Self::UnknownLinkType => "packets on an interface of an unknown link type",
            Self::NotIp => "packets that are not IP",
            Self::NotTcp => "IP packets that are not TCP",
            Self::Fragment => "IP fragments",
            Self::Malformed => "malformed or cut-short packets",
        }
    }
}

/// Decodes one packet of the given link type down to its TCP segment.
pub fn tcp_segment(linktype: i32, data: &[u8]) -> Result<TcpSegment<'_>, Skip> {
    let sliced = match linktype {
        ETHERNET => SlicedPacket::from_ethernet(data),
        LINUX_SLL => {
            // packet type (2), ARPHRD type (2), address length (2), address (8), protocol (2)
            let proto = data.get(14..16).ok_or(Skip::Malformed)?;
            let payload = data.get(16..).ok_or(Skip::Malformed)?;
            let proto = u16::from_be_bytes([proto[0], proto[1]]);
            if proto != EtherType::IPV4.0 && proto != EtherType::IPV6.0 {
                return Err(Skip::NotIp);
            }
            SlicedPacket::from_ether_type(EtherType(proto), payload)
        }
        LINUX_SLL2 => {
            // protocol type (2), reserved (2), interface index (4), ARPHRD type (2),
            // packet type (1), address length (1), address (8)
            let proto = data.get(..2).ok_or(Skip::Malformed)?;
            let payload = data.get(20..).ok_or(Skip::Malformed)?;
            let proto = u16::from_be_bytes([proto[0], proto[1]]);
            if proto != EtherType::IPV4.0 && proto != EtherType::IPV6.0 {
                return Err(Skip::NotIp);
            }
            SlicedPacket::from_ether_type(EtherType(proto), payload)
        }
        NULL | LOOP => {
            let family = data.get(..4).ok_or(Skip::Malformed)?;
            let family = [family[0], family[1], family[2], family[3]];
            // NULL is in the capturing host's order: a family is small, so the order whose
            // value is small is the right one.
            let family = if linktype == LOOP {
                u32::from_be_bytes(family)
            } else {
                let le = u32::from_le_bytes(family);
                if le <= 0xFFFF {
                    le
                } else {
                    u32::from_be_bytes(family)
                }
            };
            // AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD, OpenBSD), 28 (FreeBSD),
            // 30 (macOS), 10 (Linux).
            if !matches!(family, 2 | 10 | 24 | 28 | 30) {
                return Err(Skip::NotIp);
            }
            SlicedPacket::from_ip(data.get(4..).ok_or(Skip::Malformed)?)
        }
        RAW | IPV4 | IPV6 => SlicedPacket::from_ip(data),
        l if RAW_BSD.contains(&l) => SlicedPacket::from_ip(data),
        _ => return Err(Skip::UnknownLinkType),
    };
    let sliced = sliced.map_err(|_| Skip::Malformed)?;
    let (src_ip, dst_ip, fragmented): (IpAddr, IpAddr, bool) = match &sliced.net {
        Some(NetSlice::Ipv4(ip)) => (
            ip.header().source_addr().into(),
            ip.header().destination_addr().into(),
            ip.is_payload_fragmented(),
        ),
        Some(NetSlice::Ipv6(ip)) => (
            ip.header().source_addr().into(),
            ip.header().destination_addr().into(),
            ip.is_payload_fragmented(),
        ),
        _ => return Err(Skip::NotIp),
    };
    if fragmented {
        return Err(Skip::Fragment);
    }
    match sliced.transport {
        Some(TransportSlice::Tcp(tcp)) => Ok(TcpSegment {
            src: SocketAddr::new(src_ip, tcp.source_port()),
            dst: SocketAddr::new(dst_ip, tcp.destination_port()),
            seq: tcp.sequence_number(),
            syn: tcp.syn(),
            ack: tcp.ack(),
            fin: tcp.fin(),
            rst: tcp.rst(),
            payload: tcp.payload(),
        }),
        Some(_) => Err(Skip::NotTcp),
        None => Err(Skip::NotTcp),
    }
}

//! WebSocket on a reassembled TCP direction: the HTTP/1.1 upgrade (RFC 6455 §4), then frames
//! (§5): masking, messages in fragments with control frames between them, and close.
//!
//! Nothing here allocates by what a frame announces: a frame's payload is taken only once all
//! of it is in the bytes at hand, so a frame announcing 2^63 bytes is an error, not an
//! allocation.

/// The longest HTTP head read before giving up on it.
pub const MAX_HEAD: usize = 64 * 1024;
/// The largest message (all fragments together) accepted.
pub const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// What the start of a direction is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Head {
    /// An HTTP request asking for a WebSocket upgrade; `len` bytes of head.
    UpgradeRequest {
        /// The request's length, up to and including the blank line.
        len: usize,
        /// The request target (`/path`).
        target: String,
    },
    /// An HTTP response; `len` bytes of head.
    Response {
        /// The response's length, up to and including the blank line.
        len: usize,
        /// The status code.
        status: u16,
    },
    /// Some other HTTP request (no upgrade).
    OtherRequest,
    /// The bytes do not start with an HTTP head, or the head is not complete.
    NotHttp,
}

/// Parses the HTTP head at the start of `data`.
pub fn parse_head(data: &[u8]) -> Head {
    let window = data.get(..data.len().min(MAX_HEAD)).unwrap_or_default();
    let Some(end) = window.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Head::NotHttp;
    };
    let len = end + 4;
    let Ok(text) = std::str::from_utf8(window.get(..end).unwrap_or_default()) else {
        return Head::NotHttp;
    };
    let mut lines = text.split("\r\n");
    let first = lines.next().unwrap_or_default();
    let mut words = first.split(' ');
    let (a, b, c) = (words.next(), words.next(), words.next());
    if let (Some("GET"), Some(target), Some(version)) = (a, b, c) {
        if !version.starts_with("HTTP/1.") {
            return Head::NotHttp;
        }
        let mut upgrade = false;
        for line in lines {
            if let Some((name, value)) = line.split_once(':') {
                if name.trim().eq_ignore_ascii_case("upgrade")
                    && value.trim().eq_ignore_ascii_case("websocket")
                {
                    upgrade = true;
                }
            }
        }
        return if upgrade {
            Head::UpgradeRequest {
                len,
                target: target.to_owned(),
            }
        } else {
            Head::OtherRequest
        };
    }
    if let (Some(version), Some(status)) = (a, b) {
        if version.starts_with("HTTP/1.") {
            if let Ok(status) = status.parse() {
                return Head::Response { len, status };
            }
        }
    }
    if a.is_some_and(|m| {
        matches!(
            m,
            "POST" | "PUT" | "HEAD" | "DELETE" | "OPTIONS" | "PATCH" | "CONNECT" | "TRACE"
        )
    }) {
        return Head::OtherRequest;
    }
    Head::NotHttp
}

/// One WebSocket frame's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// FIN bit.
    pub fin: bool,
    /// RSV1..3 bits.
    pub rsv: u8,
    /// The opcode.
    pub opcode: u8,
    /// The masking key, when masked.
    pub mask: Option<[u8; 4]>,
    /// The payload length the frame announces.
    pub payload_len: u64,
    /// The header's own length.
    pub header_len: usize,
}

/// A frame header that cannot be right.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// A payload length over [`MAX_MESSAGE`], or with the top bit set (RFC 6455 forbids it).
    #[error("WebSocket frame announces {0} payload bytes (more than the {MAX_MESSAGE} accepted)")]
    TooLong(u64),
    /// A control frame that is fragmented or longer than 125 bytes.
    #[error("WebSocket control frame (opcode {opcode:#x}) fragmented or longer than 125 bytes")]
    BadControl {
        /// The opcode.
        opcode: u8,
    },
    /// A continuation without a message, a new message inside another, or a reserved opcode.
    #[error("WebSocket frame with opcode {opcode:#x} out of place: {why}")]
    OutOfPlace {
        /// The opcode.
        opcode: u8,
        /// Why it does not fit.
        why: &'static str,
    },
}

/// Parses a frame header; `Ok(None)` when `data` is too short for it.
pub fn parse_frame_header(data: &[u8]) -> Result<Option<FrameHeader>, FrameError> {
    let (Some(&b0), Some(&b1)) = (data.first(), data.get(1)) else {
        return Ok(None);
    };
    let short = u64::from(b1 & 0x7f);
    let (payload_len, mut at) = match short {
        126 => match data.get(2..4) {
            Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
            None => return Ok(None),
        },
        127 => match data.get(2..10).and_then(|b| <[u8; 8]>::try_from(b).ok()) {
            Some(b) => (u64::from_be_bytes(b), 10),
            None => return Ok(None),
        },
        n => (n, 2),
    };
    if payload_len > MAX_MESSAGE as u64 {
        return Err(FrameError::TooLong(payload_len));
    }
    let opcode = b0 & 0x0f;
    let fin = b0 & 0x80 != 0;
    if opcode >= 8 && (!fin || payload_len > 125) {
        return Err(FrameError::BadControl { opcode });
    }
    let mask = if b1 & 0x80 != 0 {
        let Some(k) = data.get(at..at + 4) else {
            return Ok(None);
        };
        at += 4;
        Some([k[0], k[1], k[2], k[3]])
    } else {
        None
    };
    Ok(Some(FrameHeader {
        fin,
        rsv: (b0 >> 4) & 0x7,
        opcode,
        mask,
        payload_len,
        header_len: at,
    }))
}

/// What a complete frame contributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A whole binary message.
    Binary(Vec<u8>),
    /// A whole text message.
    Text(usize),
    /// A ping or pong.
    Control(u8),
    /// A close frame, with its status code if it has one.
    Close(Option<u16>),
    /// A fragment of a message still incomplete.
    Fragment,
}

/// Puts messages together from frames.
#[derive(Debug, Default)]
pub struct Messages {
    /// The message being assembled: its opcode and bytes so far.
    open: Option<(u8, Vec<u8>)>,
}

impl Messages {
    /// Takes one complete frame (header and unmasked payload).
    pub fn push(&mut self, header: &FrameHeader, payload: &[u8]) -> Result<Event, FrameError> {
        let op = header.opcode;
        match op {
            0x8 => Ok(Event::Close(
                payload.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]])),
            )),
            0x9 | 0xA => Ok(Event::Control(op)),
            0x1 | 0x2 => {
                if self.open.is_some() {
                    return Err(FrameError::OutOfPlace {
                        opcode: op,
                        why: "a new message before the last one's final fragment",
                    });
                }
                if header.fin {
                    Ok(finish(op, payload.to_vec()))
                } else {
                    self.open = Some((op, payload.to_vec()));
                    Ok(Event::Fragment)
                }
            }
            0x0 => {
                let Some((first, mut bytes)) = self.open.take() else {
                    return Err(FrameError::OutOfPlace {
                        opcode: op,
                        why: "a continuation with no message begun",
                    });
                };
                if bytes.len() + payload.len() > MAX_MESSAGE {
                    return Err(FrameError::TooLong((bytes.len() + payload.len()) as u64));
                }
                bytes.extend_from_slice(payload);
                if header.fin {
                    Ok(finish(first, bytes))
                } else {
                    self.open = Some((first, bytes));
                    Ok(Event::Fragment)
                }
            }
            _ => Err(FrameError::OutOfPlace {
                opcode: op,
                why: "a reserved opcode",
            }),
        }
    }
}

fn finish(opcode: u8, bytes: Vec<u8>) -> Event {
    if opcode == 0x2 {
        Event::Binary(bytes)
    } else {
        Event::Text(bytes.len())
    }
}

/// Unmasks (or masks) a payload in place.
pub fn unmask(key: [u8; 4], payload: &mut [u8]) {
    for (i, b) in payload.iter_mut().enumerate() {
        *b ^= key[i % 4];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads() {
        let req = b"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x82\x00";
        assert_eq!(
            parse_head(req),
            Head::UpgradeRequest {
                len: req.len() - 2,
                target: "/chat".into()
            }
        );
        assert_eq!(
            parse_head(b"HTTP/1.1 101 Switching Protocols\r\n\r\n"),
            Head::Response {
                len: 36,
                status: 101
            }
        );
        assert_eq!(parse_head(b"GET / HTTP/1.1\r\n\r\n"), Head::OtherRequest);
        assert_eq!(parse_head(b"\xc0\xc0\x00"), Head::NotHttp);
    }

    #[test]
    fn frame_headers() {
        assert_eq!(
            parse_frame_header(&[0x82, 0x85, 1, 2, 3, 4]).unwrap(),
            Some(FrameHeader {
                fin: true,
                rsv: 0,
                opcode: 2,
                mask: Some([1, 2, 3, 4]),
                payload_len: 5,
                header_len: 6
            })
        );
        assert_eq!(parse_frame_header(&[0x82, 0x7e, 0x01]).unwrap(), None);
        let huge = [0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(parse_frame_header(&huge), Err(FrameError::TooLong(1 << 63)));
        assert!(parse_frame_header(&[0x09, 0x00]).is_err()); // fragmented ping
    }

    #[test]
    fn fragments_with_a_ping_between() {
        let mut m = Messages::default();
        let h = |fin, opcode| FrameHeader {
            fin,
            rsv: 0,
            opcode,
            mask: None,
            payload_len: 0,
            header_len: 2,
        };
        assert_eq!(m.push(&h(false, 2), b"ab").unwrap(), Event::Fragment);
        assert_eq!(m.push(&h(true, 9), b"").unwrap(), Event::Control(9));
        assert_eq!(m.push(&h(false, 0), b"c").unwrap(), Event::Fragment);
        assert_eq!(
            m.push(&h(true, 0), b"d").unwrap(),
            Event::Binary(b"abcd".to_vec())
        );
        assert!(m.push(&h(true, 0), b"d").is_err());
        assert_eq!(
            m.push(&h(true, 8), &[0x03, 0xe8]).unwrap(),
            Event::Close(Some(1000))
        );
    }
}

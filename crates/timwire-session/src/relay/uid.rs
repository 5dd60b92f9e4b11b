//! Server message ids in RongCloud's `XXXX-XXXX-XXXX-XXXX` shape, and the server time that goes
//! with them.
//!
//! RongCloud's messageUIds are four dash-separated groups of four characters, e.g.
//! `BLQ3-H0KD-1O85-4U3H`. Its SDKs treat them as opaque strings (they compare them for
//! equality, to drop duplicates); their bit layout is not published. timwire's generator keeps
//! that shape and uses its own layout:
//!
//! - **Alphabet**: base32 "extended hex" (`0`–`9` then `A`–`V`, RFC 4648 §7), 5 bits a
//!   character, 16 characters = 80 bits, most significant first, a dash after every fourth.
//! - **Layout**: 42 bits of server time in Unix milliseconds (enough until 2109), 12 bits of
//!   node id (one per server of a cluster, 0..=4095), 26 bits of the generator's message count
//!   (modulo 2²⁶).
//! - **One millisecond per message**: each stamp's time is strictly after the previous
//!   stamp's: the wall-clock time, or the previous time + 1 ms when the wall clock has not
//!   moved past it (several messages in one millisecond, or a clock that stepped back). A burst
//!   of n messages within one millisecond so runs the server time n − 1 ms ahead of the wall
//!   clock; it catches up once fewer than one message a millisecond arrive.
//! - **Ordered**: the alphabet is in ASCII order and the width is fixed, so the strings sort
//!   as the 80-bit numbers do, that is by time: each id is greater than the one before.
//! - **Unique**: per generator, because no two stamps share a millisecond; across servers, by
//!   the node id.
//!
//! The time in the id is also the message's server time ([`Stamp::time_ms`]): the
//! DownStreamMessage `dataTime`, the PUBACK's date and millisecond, and the time the
//! [store](crate::store) orders by. Because every stamp is strictly later than the one before,
//! a client that pulled "after my sync time" cannot miss a message stamped afterwards, even one
//! stamped in the millisecond of its sync time (which would then be hidden from its next pull).

use std::fmt;
use std::str::FromStr;

/// The alphabet: base32 extended hex, in ASCII order.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHIJKLMNOPQRSTUV";
const TIME_BITS: u32 = 42;
const NODE_BITS: u32 = 12;
const SEQ_BITS: u32 = 26;
/// The largest time an id can hold (Unix ms, in 2109).
pub const MAX_TIME_MS: u64 = (1 << TIME_BITS) - 1;
/// The largest node id.
pub const MAX_NODE: u16 = (1 << NODE_BITS) - 1;
const MAX_SEQ: u32 = (1 << SEQ_BITS) - 1;
/// Length of the text form: 16 characters and 3 dashes.
const TEXT_LEN: usize = 19;

/// A messageUId: 80 bits shown as `XXXX-XXXX-XXXX-XXXX` (see the [module docs](self)).
///
/// ```
/// use timwire_session::relay::MessageUid;
///
/// let uid: MessageUid = "0000-0000-0000-0001".parse()?;
/// assert_eq!((uid.time_ms(), uid.node(), uid.sequence()), (0, 0, 1));
/// assert_eq!(uid.to_string(), "0000-0000-0000-0001");
/// # Ok::<(), timwire_session::relay::UidParseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageUid {
    text: [u8; TEXT_LEN],
}

impl MessageUid {
    /// The id of `time_ms`, `node` and `sequence`, or `None` when a part is out of range.
    ///
    /// ```
    /// use timwire_session::relay::MessageUid;
    ///
    /// let uid = MessageUid::from_parts(1_795_432_394_449, 7, 3).unwrap();
    /// assert_eq!((uid.time_ms(), uid.node(), uid.sequence()), (1_795_432_394_449, 7, 3));
    /// assert!(MessageUid::from_parts(0, 4096, 0).is_none());
    /// ```
    pub fn from_parts(time_ms: u64, node: u16, sequence: u32) -> Option<Self> {
        if time_ms > MAX_TIME_MS || node > MAX_NODE || sequence > MAX_SEQ {
            return None;
        }
        let value = (u128::from(time_ms) << (NODE_BITS + SEQ_BITS))
            | (u128::from(node) << SEQ_BITS)
            | u128::from(sequence);
        let mut text = [b'-'; TEXT_LEN];
        // Fill the 16 characters, skipping the dash positions 4, 9 and 14.
        let mut shift: u32 = 80;
        for (position, slot) in text.iter_mut().enumerate() {
            if matches!(position, 4 | 9 | 14) {
                continue;
            }
            shift = shift.saturating_sub(5);
            let index = usize::try_from((value >> shift) & 0x1f).ok()?;
            *slot = *ALPHABET.get(index)?;
        }
        Some(Self { text })
    }

    fn value(&self) -> u128 {
        self.text
            .iter()
            .filter(|&&c| c != b'-')
            .fold(0u128, |acc, &c| {
                (acc << 5) | u128::from(digit_value(c).unwrap_or(0))
            })
    }

    /// The server time in the id, Unix milliseconds.
    pub fn time_ms(&self) -> u64 {
        u64::try_from(self.value() >> (NODE_BITS + SEQ_BITS)).unwrap_or(u64::MAX)
    }

    /// The node id in the id.
    pub fn node(&self) -> u16 {
        u16::try_from((self.value() >> SEQ_BITS) & u128::from(MAX_NODE)).unwrap_or(u16::MAX)
    }

    /// The message count part (the generator's count modulo 2²⁶).
    pub fn sequence(&self) -> u32 {
        u32::try_from(self.value() & u128::from(MAX_SEQ)).unwrap_or(u32::MAX)
    }

    /// The text form, `XXXX-XXXX-XXXX-XXXX`.
    pub fn as_str(&self) -> &str {
        // Only ASCII from ALPHABET and dashes is ever stored.
        std::str::from_utf8(&self.text).unwrap_or("")
    }
}

fn digit_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => c.checked_sub(b'0'),
        b'A'..=b'V' => c.checked_sub(b'A').and_then(|v| v.checked_add(10)),
        _ => None,
    }
}

impl fmt::Display for MessageUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<MessageUid> for String {
    fn from(uid: MessageUid) -> Self {
        uid.as_str().to_owned()
    }
}

/// Why a string is not a [`MessageUid`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UidParseError {
    /// Not 19 bytes long.
    #[error("a messageUId is 19 characters (XXXX-XXXX-XXXX-XXXX), this one has {0} bytes")]
    Length(usize),
    /// A character that is not in the alphabet, or a missing dash.
    #[error("character {position} of the messageUId is not {expected}")]
    Character {
        /// Its position, from 0.
        position: usize,
        /// What belongs there.
        expected: &'static str,
    },
}

impl FromStr for MessageUid {
    type Err = UidParseError;

    /// Parses the text form; only upper-case characters of the alphabet are accepted.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = s.as_bytes();
        let text: [u8; TEXT_LEN] = bytes
            .try_into()
            .map_err(|_| UidParseError::Length(bytes.len()))?;
        for (position, &c) in text.iter().enumerate() {
            let dash = matches!(position, 4 | 9 | 14);
            if dash && c != b'-' {
                return Err(UidParseError::Character {
                    position,
                    expected: "a dash",
                });
            }
            if !dash && digit_value(c).is_none() {
                return Err(UidParseError::Character {
                    position,
                    expected: "one of 0-9 A-V",
                });
            }
        }
        Ok(Self { text })
    }
}

/// A message's server time and id, from one [`UidGenerator::next`] call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// Server time, Unix milliseconds; strictly after the previous stamp's.
    pub time_ms: i64,
    /// The messageUId; greater than the previous stamp's, with `time_ms` as its time.
    pub uid: MessageUid,
}

/// The generator has no id left: its time reached [`MAX_TIME_MS`] (the year 2109).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the messageUId generator is exhausted (time past {MAX_TIME_MS} ms)")]
pub struct UidExhausted;

/// Makes [`Stamp`]s: strictly increasing server times and messageUIds (see the [module
/// docs](self) for the format and guarantees). One per server process and node id.
///
/// ```
/// use timwire_session::relay::UidGenerator;
///
/// let mut ids = UidGenerator::new(1);
/// let a = ids.next(1_795_432_394_449)?;
/// let b = ids.next(1_795_432_394_449)?; // same millisecond: the next one is taken
/// let c = ids.next(1_795_432_394_000)?; // the wall clock stepped back: time still moves on
/// let d = ids.next(1_795_432_395_000)?; // the wall clock is ahead again: its time is used
/// assert!(a.uid < b.uid && b.uid < c.uid && c.uid < d.uid);
/// let times = [a.time_ms, b.time_ms, c.time_ms, d.time_ms];
/// assert_eq!(times, [1_795_432_394_449, 1_795_432_394_450, 1_795_432_394_451, 1_795_432_395_000]);
/// assert_eq!(a.uid.to_string().len(), 19);
/// # Ok::<(), timwire_session::relay::UidExhausted>(())
/// ```
#[derive(Debug, Clone)]
pub struct UidGenerator {
    node: u16,
    /// The last stamp's time, `None` before the first.
    last_ms: Option<u64>,
    count: u32,
}

impl UidGenerator {
    /// A generator for `node` (masked to its 12 bits: 0..=4095).
    pub fn new(node: u16) -> Self {
        Self {
            node: node & MAX_NODE,
            last_ms: None,
            count: 0,
        }
    }

    /// The node id this generator writes.
    pub fn node(&self) -> u16 {
        self.node
    }

    /// The next stamp for wall-clock time `now_ms` (Unix milliseconds; negative counts as 0).
    pub fn next(&mut self, now_ms: i64) -> Result<Stamp, UidExhausted> {
        let now = u64::try_from(now_ms).unwrap_or(0);
        let time = match self.last_ms {
            Some(last) if now <= last => last.checked_add(1).ok_or(UidExhausted)?,
            _ => now,
        };
        let uid = MessageUid::from_parts(time, self.node, self.count).ok_or(UidExhausted)?;
        let time_ms = i64::try_from(time).map_err(|_| UidExhausted)?;
        self.last_ms = Some(time);
        self.count = self.count.wrapping_add(1) & MAX_SEQ;
        Ok(Stamp { time_ms, uid })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_sorts_like_the_number() {
        let parts = [
            (0, 0, 0),
            (1, 0, 0),
            (1_795_432_394_449, 4095, MAX_SEQ),
            (MAX_TIME_MS, MAX_NODE, MAX_SEQ),
        ];
        let uids: Vec<MessageUid> = parts
            .iter()
            .map(|&(t, n, s)| MessageUid::from_parts(t, n, s).unwrap())
            .collect();
        for (uid, &(t, n, s)) in uids.iter().zip(&parts) {
            assert_eq!((uid.time_ms(), uid.node(), uid.sequence()), (t, n, s));
            assert_eq!(uid.as_str().parse::<MessageUid>().unwrap(), *uid);
        }
        assert_eq!(uids[0].as_str(), "0000-0000-0000-0000");
        assert_eq!(uids[3].as_str(), "VVVV-VVVV-VVVV-VVVV");
        assert!(uids.windows(2).all(|w| w[0].as_str() < w[1].as_str()));
    }

    #[test]
    fn parse_rejects_bad_text() {
        assert_eq!("".parse::<MessageUid>(), Err(UidParseError::Length(0)));
        assert!(matches!(
            "0000_0000-0000-0000".parse::<MessageUid>(),
            Err(UidParseError::Character { position: 4, .. })
        ));
        assert!(matches!(
            "000W-0000-0000-0000".parse::<MessageUid>(),
            Err(UidParseError::Character { position: 3, .. })
        ));
        assert!(matches!(
            "000a-0000-0000-0000".parse::<MessageUid>(),
            Err(UidParseError::Character { position: 3, .. })
        ));
    }

    #[test]
    fn the_count_wraps_without_breaking_order() {
        let mut ids = UidGenerator::new(2);
        ids.count = MAX_SEQ;
        let last = ids.next(10).unwrap();
        let wrapped = ids.next(10).unwrap();
        assert_eq!((last.time_ms, last.uid.sequence()), (10, MAX_SEQ));
        assert_eq!((wrapped.time_ms, wrapped.uid.sequence()), (11, 0));
        assert!(last.uid < wrapped.uid);
    }

    #[test]
    fn exhaustion_is_an_error_not_a_wrap() {
        let mut ids = UidGenerator::new(0);
        let last = ids.next(i64::try_from(MAX_TIME_MS).unwrap()).unwrap();
        assert_eq!(last.uid.time_ms(), MAX_TIME_MS);
        assert_eq!(ids.next(0), Err(UidExhausted));
        let mut ids = UidGenerator::new(0);
        assert_eq!(ids.next(i64::MAX), Err(UidExhausted));
    }

    #[test]
    fn node_is_masked_and_negative_time_is_zero() {
        let mut ids = UidGenerator::new(0xffff);
        assert_eq!(ids.node(), MAX_NODE);
        let stamp = ids.next(-5).unwrap();
        assert_eq!((stamp.time_ms, stamp.uid.node()), (0, MAX_NODE));
    }
}

//! The well-known topic names of RongCloud and tim, interned.
//!
//! Topics come from a small closed set (the registry of SCHEMAS.md §4), so the decoder looks a
//! topic up here before it touches the buffer: a known topic becomes a `&'static str`, with no
//! UTF-8 check and, for [`Bytes`](bytes::Bytes)-backed packets, no reference taken on the frame
//! (`ByteString::from_static`). An unknown topic is decoded like any other string. Either way the
//! decoded value is the same text; only where it lives differs.
//!
//! ```
//! use timwire_signal::known_topics;
//! assert_eq!(known_topics::intern(b"ppMsgP"), Some("ppMsgP"));
//! assert_eq!(known_topics::intern(b"my-topic"), None);
//! assert!(known_topics::all().any(|t| t == "timMsg"));
//! ```

/// RongCloud's send topics: C→S PUBLISH, and the dup-flagged S→C sync copies of them.
pub const RONGCLOUD_SEND: &[&str] = &[
    "ppMsgP",
    "pdMsgP",
    "pgMsgP",
    "chatMsg",
    "pcMsgP",
    "pcuMsgP",
    "pmcMsgN",
    "pmpMsgN",
    "prMsgS",
    "prMsgP",
    "ppMsgS",
    "pgMsgS",
    "chatMsgS",
    "recallMsg",
];

/// RongCloud's S→C PUBLISH topics.
pub const RONGCLOUD_SERVER_PUBLISH: &[&str] =
    &["s_ntf", "s_msg", "s_stat", "s_cmd", "s_us", "rtc_ntf"];

/// RongCloud's QUERY topics.
pub const RONGCLOUD_QUERY: &[&str] = &[
    "pullMsg",
    "chrmPull",
    "qryPMsg",
    "qryDMsg",
    "qryGMsg",
    "qryCMsg",
    "qrySMsg",
    "qryCHMsg",
    "qryRelation",
    "qryRelationR",
    "delRelation",
    "joinChrm",
    "joinChrmR",
    "exitChrm",
    "queryChrmI",
    "delMsg",
    "cleanHisMsg",
    "cleanPMsg",
    "cleanGMsg",
    "cleanCMsg",
    "cleanSMsg",
    "setKV",
    "delKV",
    "pullKV",
    "pullUS",
    "qnTkn",
    "qnUrl",
    "getUserStatus",
    "setUserStatus",
    "subUserStatus",
    "userInf",
    "addBlack",
    "rmBlack",
    "getBlack",
    "blackStat",
    "crDiz",
    "invtDiz",
    "quitDiz",
    "evctDiz",
    "rename",
    "dizInf",
    "pullMp",
    "schMp",
    "qryVoipK",
];

/// tim's PUBLISH and QUERY topics.
pub const TIM: &[&str] = &[
    "timMsg", "timPres", "timStrm", "timPull", "timOffl", "timNodes", "timBiz", "timVroom",
];

/// The groups that make up the table.
const GROUPS: [&[&str]; 4] = [
    RONGCLOUD_SEND,
    RONGCLOUD_SERVER_PUBLISH,
    RONGCLOUD_QUERY,
    TIM,
];

/// Every interned topic, group by group.
pub fn all() -> impl Iterator<Item = &'static str> {
    GROUPS.into_iter().flatten().copied()
}

/// Slots of the open-addressing table: a power of two, at least 3× the topic count so that
/// probe sequences stay short (the tests bound them).
const SLOT_BITS: u32 = 8;
const SLOTS: usize = 1 << SLOT_BITS;

/// Every topic in the table is 4 to 16 bytes long (the tests check it); a string of any other
/// length is not looked up. The lower bound is also what [`slot_of`] needs.
const MIN_LEN: usize = 4;
const MAX_LEN: usize = 16;

/// A slot index from the length and the first and last four bytes: constant time, whatever the
/// length. `None` for strings shorter than four bytes. `const` so that the table is built at
/// compile time.
#[inline]
const fn slot_of(bytes: &[u8]) -> Option<usize> {
    let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) else {
        return None;
    };
    let key = (u32::from_le_bytes(*first) as u64 | (u32::from_le_bytes(*last) as u64) << 32)
        ^ bytes.len() as u64;
    // Fold the halves together, then Fibonacci hashing: the top bits of the product are the
    // best mixed.
    let key = key ^ (key >> 32);
    Some((key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - SLOT_BITS)) as usize)
}

/// The table: each topic in its hash slot or the next free one after it; "" marks a free slot.
/// A `static`, not a `const`, so that each interned topic has a single address.
// Indexing in const evaluation: an out-of-range index fails the build, never a decode.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
static TABLE: [&str; SLOTS] = {
    let mut table = [""; SLOTS];
    let mut g = 0;
    while g < GROUPS.len() {
        let group = GROUPS[g];
        let mut i = 0;
        while i < group.len() {
            let topic = group[i];
            let Some(mut slot) = slot_of(topic.as_bytes()) else {
                panic!("a topic shorter than MIN_LEN");
            };
            while !table[slot].is_empty() {
                slot = (slot + 1) & (SLOTS - 1);
            }
            table[slot] = topic;
            i += 1;
        }
        g += 1;
    }
    table
};

/// The interned `&'static str` equal to `bytes`, if `bytes` is a well-known topic.
#[inline]
pub fn intern(bytes: &[u8]) -> Option<&'static str> {
    if !(MIN_LEN..=MAX_LEN).contains(&bytes.len()) {
        return None;
    }
    let mut slot = slot_of(bytes)?;
    // The table is at most a third full, so every probe sequence ends at a free slot.
    for _ in 0..SLOTS {
        let candidate: &'static str = TABLE.get(slot).copied().unwrap_or_default();
        if candidate.is_empty() {
            return None;
        }
        if same_short(candidate.as_bytes(), bytes) {
            return Some(candidate);
        }
        slot = slot.wrapping_add(1) & (SLOTS - 1);
    }
    None
}

/// `a == b`, without a call to `memcmp` for 4 to 16 bytes (every topic): two equal-length
/// strings of that size are equal when their first and last 8 (or 4) bytes are, since those
/// windows cover every byte.
#[inline]
fn same_short(a: &[u8], b: &[u8]) -> bool {
    fn ends<const N: usize>(s: &[u8]) -> Option<(&[u8; N], &[u8; N])> {
        Some((s.first_chunk::<N>()?, s.last_chunk::<N>()?))
    }
    if a.len() != b.len() {
        return false;
    }
    if a.len() > 16 {
        a == b
    } else if a.len() >= 8 {
        ends::<8>(a) == ends::<8>(b)
    } else if a.len() >= 4 {
        ends::<4>(a) == ends::<4>(b)
    } else {
        a == b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_topic_interns_to_itself() {
        for topic in all() {
            let interned = intern(topic.as_bytes()).expect(topic);
            assert_eq!(interned, topic);
        }
    }

    #[test]
    fn topics_are_unique_and_the_table_stays_sparse() {
        let topics: Vec<&str> = all().collect();
        let mut sorted = topics.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), topics.len(), "a topic is listed twice");
        assert!(topics.len() * 3 <= SLOTS);
        assert!(
            topics
                .iter()
                .all(|t| (MIN_LEN..=MAX_LEN).contains(&t.len()))
        );
        // Longest probe sequence: how far any topic sits from its hash slot.
        let longest = topics
            .iter()
            .map(|t| {
                let home = slot_of(t.as_bytes()).unwrap();
                let at = TABLE.iter().position(|s| s == t).unwrap();
                (at + SLOTS - home) % SLOTS
            })
            .max()
            .unwrap();
        assert!(longest <= 2, "probe sequence of {longest}");
    }

    #[test]
    fn short_comparison_matches_slice_equality() {
        let words: Vec<&[u8]> = vec![
            b"",
            b"abc",
            b"abcd",
            b"abce",
            b"xbcd",
            b"abcdefg",
            b"abcdefh",
            b"abcdefgh",
            b"abcdefgi",
            b"abcdefghijklmnop",
            b"abcdefghijklmnoq",
            b"bbcdefghijklmnop",
            b"abcdefgXijklmnop",
            b"abcdefghijk",
            b"abcdefghijklmnopqrstuvwx",
            b"abcdefghijkXmnopqrstuvwx",
        ];
        for a in &words {
            for b in &words {
                assert_eq!(same_short(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn other_strings_are_not_interned() {
        for s in [
            &b""[..],
            b"ppMsg",
            b"ppMsgPP",
            b"PPMSGP",
            b"user-0123456789a",
            b"\xff\xfe",
            b"timMsg\0",
        ] {
            assert_eq!(intern(s), None, "{s:?}");
        }
    }
}

//! The well-known topics of RongCloud and tim: one table that says, for each topic, which frames
//! carry it and what their `data` holds ([protocol §7](crate::protocol#7-topics) lists it).
//!
//! Two users read it. The decoder interns the names: topics come from this small closed set, so
//! it looks a topic up here before it touches the buffer, and a known topic becomes a
//! `&'static str`, with no UTF-8 check and, for [`Bytes`](bytes::Bytes)-backed packets, no
//! reference taken on the frame (`ByteString::from_static`). An unknown topic is decoded like any
//! other string; either way the decoded value is the same text, only where it lives differs.
//! And the facade's topic registry (`timwire::registry`) decodes a frame's `data` by the payload
//! this table names for its topic: payloads are named here by their protobuf message, as
//! RongCloud and tim spell them (`"UpStreamMessage"`, `"TimMessage"`), since this crate does not
//! depend on the protobuf types; the registry maps each name to its type.
//!
//! ```
//! use timwire_signal::known_topics::{self, TopicKind};
//! assert_eq!(known_topics::intern(b"ppMsgP"), Some("ppMsgP"));
//! assert_eq!(known_topics::intern(b"my-topic"), None);
//! assert!(known_topics::all().any(|t| t == "timMsg"));
//!
//! let pull = known_topics::RONGCLOUD.iter().find(|t| t.name == "pullMsg").unwrap();
//! assert_eq!(
//!     pull.kind,
//!     TopicKind::Query { request: Some("SyncRequestMsg"), answer: Some("DownStreamMessages") },
//! );
//! ```

/// One well-known topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Topic {
    /// The topic as it is on the wire.
    pub name: &'static str,
    /// Which frames carry it, and what their `data` holds.
    pub kind: TopicKind,
}

/// Which frames carry a topic, and the protobuf message (by name) their `data` holds; `None`
/// where no data is sent or its layout is not published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TopicKind {
    /// A RongCloud send topic: a C→S PUBLISH, and the S→C PUBLISH with the dup bit set that
    /// copies it to the sender's other devices (syncMsg). Both carry `payload`.
    Send {
        /// The data of both frames.
        payload: &'static str,
        /// The RongCloud conversation type (`ConversationType`) messages on this topic belong
        /// to: 1 private, 2 discussion, 3 group, 4 chatroom, 5 customer service, 7 and 8 public
        /// services, 12 and 13 RTC rooms. `None` for topics that serve every type (`recallMsg`).
        conversation_type: Option<u8>,
    },
    /// A S→C PUBLISH (dup clear).
    ServerPublish {
        /// Its data.
        payload: Option<&'static str>,
    },
    /// A PUBLISH in either direction (the tim profile).
    Publish {
        /// Its data.
        payload: &'static str,
    },
    /// A QUERY, answered by the QUERYACK with the same msgId (which carries no topic).
    Query {
        /// The QUERY's data.
        request: Option<&'static str>,
        /// The QUERYACK's data.
        answer: Option<&'static str>,
    },
}

impl Topic {
    /// The RongCloud conversation type of a send topic ([`TopicKind::Send`]).
    pub const fn conversation_type(&self) -> Option<u8> {
        match self.kind {
            TopicKind::Send {
                conversation_type, ..
            } => conversation_type,
            _ => None,
        }
    }
}

/// RongCloud's payload for every send topic and its sync copies.
const UP_STREAM: &str = "UpStreamMessage";

const fn send(name: &'static str, conversation_type: Option<u8>) -> Topic {
    Topic {
        name,
        kind: TopicKind::Send {
            payload: UP_STREAM,
            conversation_type,
        },
    }
}

const fn server(name: &'static str, payload: Option<&'static str>) -> Topic {
    Topic {
        name,
        kind: TopicKind::ServerPublish { payload },
    }
}

const fn publish(name: &'static str, payload: &'static str) -> Topic {
    Topic {
        name,
        kind: TopicKind::Publish { payload },
    }
}

const fn query(
    name: &'static str,
    request: Option<&'static str>,
    answer: Option<&'static str>,
) -> Topic {
    Topic {
        name,
        kind: TopicKind::Query { request, answer },
    }
}

/// The RongCloud profile: send topics, then S→C PUBLISH topics, then QUERY topics.
///
/// Send topics are listed under the conversation type RongCloud's web SDK sends on them (its
/// topic table is indexed by conversation type); the status (`…S`) and customer-service method
/// (`pcuMsgP`) topics under the type the SDK derives from the topic's prefix (`pp` 1, `pg` 3,
/// `ch` 4, `pc` 5) when it receives their sync copies. `ppMsgS`, `pgMsgS` and `chatMsgS` carry
/// status messages, which get no PUBACK. Engine 4.x's `s_us` (UserSettingNotification) and
/// `rtc_ntf` (RtcNotifyMsg) have no published field list, so their data stays raw. `s_cmd`'s
/// ChrmNotifyMsg has NotifyMsg's layout.
pub const RONGCLOUD: &[Topic] = &[
    send("ppMsgP", Some(1)),
    send("pdMsgP", Some(2)),
    send("pgMsgP", Some(3)),
    send("chatMsg", Some(4)),
    send("pcMsgP", Some(5)),
    send("pcuMsgP", Some(5)),
    send("pmcMsgN", Some(7)),
    send("pmpMsgN", Some(8)),
    send("prMsgS", Some(12)),
    send("prMsgP", Some(13)),
    send("ppMsgS", Some(1)),
    send("pgMsgS", Some(3)),
    send("chatMsgS", Some(4)),
    send("recallMsg", None),
    server("s_ntf", Some("NotifyMsg")),
    server("s_msg", Some("DownStreamMessage")),
    server("s_stat", Some("GetUserStatusOutput")),
    server("s_cmd", Some("ChrmNotifyMsg")),
    server("s_us", None),
    server("rtc_ntf", None),
    query(
        "pullMsg",
        Some("SyncRequestMsg"),
        Some("DownStreamMessages"),
    ),
    query("chrmPull", Some("ChrmPullMsg"), Some("DownStreamMessages")),
    query("qryPMsg", Some("HistoryMsgInput"), Some("HistoryMsgOuput")),
    query("qryDMsg", Some("HistoryMsgInput"), Some("HistoryMsgOuput")),
    query("qryGMsg", Some("HistoryMsgInput"), Some("HistoryMsgOuput")),
    query("qryCMsg", Some("HistoryMsgInput"), Some("HistoryMsgOuput")),
    query("qrySMsg", Some("HistoryMsgInput"), Some("HistoryMsgOuput")),
    query("qryCHMsg", Some("HistoryMsgInput"), Some("HistoryMsgOuput")),
    query(
        "qryRelation",
        Some("RelationsInput"),
        Some("RelationsOutput"),
    ),
    query(
        "qryRelationR",
        Some("RelationQryInput"),
        Some("RelationsOutput"),
    ),
    query("delRelation", Some("RelationsInput"), None),
    query("joinChrm", Some("ChrmInput"), Some("ChrmOutput")),
    query("joinChrmR", Some("ChrmInput"), Some("ChrmOutput")),
    query("exitChrm", Some("ChrmInput"), Some("ChrmOutput")),
    query(
        "queryChrmI",
        Some("QueryChatroomInfoInput"),
        Some("QueryChatroomInfoOutput"),
    ),
    query("delMsg", Some("DeleteMsgInput"), Some("DeleteMsgOutput")),
    query("cleanHisMsg", Some("CleanHisMsgInput"), None),
    query("cleanPMsg", Some("CleanHisMsgInput"), None),
    query("cleanGMsg", Some("CleanHisMsgInput"), None),
    query("cleanCMsg", Some("CleanHisMsgInput"), None),
    query("cleanSMsg", Some("CleanHisMsgInput"), None),
    query("setKV", Some("SetChrmKV"), None),
    query("delKV", Some("DeleteChrmKV"), None),
    query("pullKV", Some("QueryChrmKV"), Some("ChrmKVOutput")),
    query(
        "pullUS",
        Some("PullUserSettingInput"),
        Some("PullUserSettingOutput"),
    ),
    query(
        "qnTkn",
        Some("GetQNupTokenInput"),
        Some("GetQNupTokenOutput"),
    ),
    query(
        "qnUrl",
        Some("GetQNdownloadUrlInput"),
        Some("GetQNdownloadUrlOutput"),
    ),
    query(
        "getUserStatus",
        Some("GetUserStatusInput"),
        Some("GetUserStatusOutput"),
    ),
    query(
        "setUserStatus",
        Some("SetUserStatusInput"),
        Some("SetUserStatusOutput"),
    ),
    query(
        "subUserStatus",
        Some("SubUserStatusInput"),
        Some("SubUserStatusOutput"),
    ),
    query(
        "userInf",
        Some("GetUserInfoInput"),
        Some("GetUserInfoOutput"),
    ),
    query("addBlack", Some("Add2BlackListInput"), None),
    query("rmBlack", Some("RemoveFromBlackListInput"), None),
    query(
        "getBlack",
        Some("QueryBlackListInput"),
        Some("QueryBlackListOutput"),
    ),
    query("blackStat", Some("BlackListStatusInput"), None),
    query(
        "crDiz",
        Some("CreateDiscussionInput"),
        Some("CreateDiscussionOutput"),
    ),
    query("invtDiz", Some("ChannelInvitationInput"), None),
    query("quitDiz", Some("LeaveChannelInput"), None),
    query("evctDiz", Some("ChannelEvictionInput"), None),
    query("rename", Some("RenameChannelInput"), None),
    query(
        "dizInf",
        Some("ChannelInfoInput"),
        Some("ChannelInfoOutput"),
    ),
    query("pullMp", Some("PullMpInput"), Some("PullMpOutput")),
    query("schMp", Some("SearchMpInput"), Some("SearchMpOutput")),
    query(
        "qryVoipK",
        Some("VoipDynamicInput"),
        Some("VoipDynamicOutput"),
    ),
];

/// The tim profile (timwire's mapping of tim's model onto RMTP): PUBLISH topics, then QUERY
/// topics. `timOffl` sends no data; its answer comes with qos 1 and is confirmed by QUERYCON.
pub const TIM: &[Topic] = &[
    publish("timMsg", "TimMessage"),
    publish("timPres", "TimPresence"),
    publish("timStrm", "TimStream"),
    query("timPull", Some("TimReq"), Some("TimMessageList")),
    query("timOffl", None, Some("TimMessageList")),
    query("timNodes", Some("TimNodes"), Some("TimNodes")),
    query("timBiz", Some("TimReq"), Some("TimAck")),
    query("timVroom", Some("TimReq"), Some("TimAck")),
];

/// The profiles' tables, in the order the intern table takes them.
const PROFILES: [&[Topic]; 2] = [RONGCLOUD, TIM];

/// Every interned topic, profile by profile, in table order.
pub fn all() -> impl Iterator<Item = &'static str> {
    PROFILES.into_iter().flatten().map(|topic| topic.name)
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
    let mut p = 0;
    while p < PROFILES.len() {
        let profile = PROFILES[p];
        let mut i = 0;
        while i < profile.len() {
            let topic = profile[i].name;
            let Some(mut slot) = slot_of(topic.as_bytes()) else {
                panic!("a topic shorter than MIN_LEN");
            };
            while !table[slot].is_empty() {
                slot = (slot + 1) & (SLOTS - 1);
            }
            table[slot] = topic;
            i += 1;
        }
        p += 1;
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
    fn the_protocol_description_lists_every_topic_with_its_payloads() {
        // docs/PROTOCOL.md §7 has one table row per topic: "| `name` | …".
        let doc = include_str!("../PROTOCOL.md");
        for topic in RONGCLOUD.iter().chain(TIM) {
            let start = format!("| `{}` |", topic.name);
            let row = doc
                .lines()
                .find(|line| line.starts_with(&start))
                .unwrap_or_else(|| panic!("PROTOCOL.md has no row for {}", topic.name));
            let payloads = match topic.kind {
                TopicKind::Send { payload, .. } | TopicKind::Publish { payload } => {
                    [Some(payload), None]
                }
                TopicKind::ServerPublish { payload } => [payload, None],
                TopicKind::Query { request, answer } => [request, answer],
            };
            for payload in payloads.into_iter().flatten() {
                assert!(row.contains(payload), "{row}: no {payload}");
            }
            if let Some(kind) = topic.conversation_type() {
                assert!(row.contains(&format!("| {kind} ")), "{row}: no type {kind}");
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

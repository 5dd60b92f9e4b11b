//! The relay helpers and the message store: fan-out per profile (which id goes where), the
//! messageUId generator's order and uniqueness, pulls across pages, and the store's limits.

use std::collections::HashSet;

use bytes::Bytes;
use proptest::prelude::*;
use timwire::proto::Message as _;
use timwire::proto::rongcloud::{DownStreamMessage, UpStreamMessage};
use timwire::proto::tim::{Tid, TimMessage};
use timwire_session::relay::rongcloud::{self, Relayed};
use timwire_session::relay::tim::Forwarded;
use timwire_session::relay::{MessageUid, RelayError, UidGenerator};
use timwire_session::store::{Conversation, Direction, MessageStore, StoreLimits};

const T0: i64 = 1_795_432_394_449;

fn text(s: &str) -> UpStreamMessage {
    UpStreamMessage {
        session_id: 3,
        classname: "RC:TxtMsg".into(),
        content: Bytes::from(format!("{{\"content\":\"{s}\"}}")),
        push_text: Some(s.into()),
        client_unique_id: Some(77),
        ..Default::default()
    }
}

/// The conversation target and sender RongCloud's engine 4.4.2 derives from a received
/// DownStreamMessage (`_formatReceivedMessage`): groupId for group, chatroom and RTC room
/// types, fromUserId otherwise; the sender is the current user when direction is 1.
fn sdk_view<'a>(m: &'a DownStreamMessage, me: &'a str) -> (&'a str, &'a str) {
    let target = if [3, 4, 12].contains(&m.r#type) {
        m.group_id.as_deref().unwrap_or("")
    } else {
        m.from_user_id.as_str()
    };
    let sender = if m.direction == Some(1) {
        me
    } else {
        m.from_user_id.as_str()
    };
    (target, sender)
}

/// The target the 2.x web SDK derives (`util.ts messageParser`): groupId when the message is
/// from the current user, groupId for types 2/3/4, fromUserId otherwise.
fn sdk2_target<'a>(m: &'a DownStreamMessage, me: &str) -> &'a str {
    if m.from_user_id == me || [2, 3, 4].contains(&m.r#type) {
        m.group_id.as_deref().unwrap_or("")
    } else {
        m.from_user_id.as_str()
    }
}

#[test]
fn private_message_reaches_the_target_with_the_sender_as_conversation() {
    let stamp = UidGenerator::new(3).next(T0).unwrap();
    let relayed = Relayed::new("alice", "ppMsgP", "bob", text("你好 👋"), stamp).unwrap();
    // members are ignored for a private message
    let members = ["carol".to_owned()];
    assert_eq!(relayed.recipients(&members).collect::<Vec<_>>(), ["bob"]);

    let down = relayed.received();
    assert_eq!(down.from_user_id, "alice");
    assert_eq!(down.r#type, 1);
    assert_eq!(down.group_id.as_deref(), Some("bob"));
    assert_eq!(down.classname, "RC:TxtMsg");
    assert_eq!(down.content, Bytes::from("{\"content\":\"你好 👋\"}"));
    assert_eq!(down.data_time, T0);
    assert_eq!(down.status, 0x10 | 0x20); // persisted + counted
    assert_eq!(down.msg_id.as_deref(), Some(stamp.uid.as_str()));
    assert_eq!(down.push_content.as_deref(), Some("你好 👋"));
    assert_eq!(down.client_unique_id, Some(77));
    assert_eq!(down.direction, None);
    // bob's SDKs file it under alice, from alice
    assert_eq!(sdk_view(down, "bob"), ("alice", "alice"));
    assert_eq!(sdk2_target(down, "bob"), "alice");
    assert_eq!(
        relayed.recipient_conversation(),
        Conversation::new(1, "alice")
    );

    // alice's own copy points at bob in both SDKs, sent by alice
    let sent = relayed.sent();
    assert_eq!(
        (sent.direction, sent.from_user_id.as_str()),
        (Some(1), "bob")
    );
    assert_eq!(sdk_view(&sent, "alice"), ("bob", "alice"));
    assert_eq!(sdk2_target(&sent, "alice"), "bob");
    assert_eq!(
        (sent.msg_id.as_ref(), sent.data_time),
        (down.msg_id.as_ref(), down.data_time)
    );
    assert_eq!(relayed.sender_conversation(), Conversation::new(1, "bob"));
    assert_eq!(rongcloud::direction_of(&sent), Direction::Sent);
    assert_eq!(rongcloud::direction_of(down), Direction::Received);

    // the s_msg PUBLISH carries the encoded message
    let publish = relayed.s_msg(9);
    assert_eq!(
        (&*publish.topic, &*publish.target_id, publish.msg_id),
        ("s_msg", "alice", 9)
    );
    assert_eq!(publish.date, 1_795_432_394);
    assert!(publish.flags.qos.needs_ack() && !publish.flags.dup);
    assert_eq!(&DownStreamMessage::decode(publish.data).unwrap(), down);

    let ack = relayed.pub_ack(5);
    assert_eq!(
        (ack.msg_id, ack.date, ack.millisecond),
        (5, 1_795_432_394, 449)
    );
    assert!(ack.status.is_success());
    assert_eq!(ack.message_uid.as_deref(), Some(stamp.uid.as_str()));
}

#[test]
fn group_message_reaches_every_member_but_the_sender() {
    let stamp = UidGenerator::new(0).next(T0).unwrap();
    let relayed = Relayed::new("alice", "pgMsgP", "team", text("hi all"), stamp).unwrap();
    let members: Vec<String> = ["alice", "bob", "carol"].map(String::from).to_vec();
    let recipients: Vec<&str> = relayed.recipients(&members).collect();
    assert_eq!(recipients, ["bob", "carol"]);
    for me in recipients {
        let down = relayed.received();
        assert_eq!((down.from_user_id.as_str(), down.r#type), ("alice", 3));
        assert_eq!(down.group_id.as_deref(), Some("team"));
        assert_eq!(sdk_view(down, me), ("team", "alice"));
        assert_eq!(sdk2_target(down, me), "team");
    }
    assert_eq!(
        relayed.recipient_conversation(),
        Conversation::new(3, "team")
    );
    assert_eq!(relayed.sender_conversation(), Conversation::new(3, "team"));
    assert_eq!(sdk_view(&relayed.sent(), "alice"), ("team", "alice"));
    assert_eq!(sdk2_target(&relayed.sent(), "alice"), "team");
    assert_eq!(relayed.s_msg(1).target_id.as_ref() as &str, "team");
}

#[test]
fn status_and_non_persisted_messages() {
    let stamp = UidGenerator::new(0).next(T0).unwrap();
    let typing = UpStreamMessage {
        session_id: 0,
        classname: "RC:TypSts".into(),
        ..Default::default()
    };
    let relayed = Relayed::new("alice", "ppMsgS", "bob", typing, stamp).unwrap();
    assert!(!relayed.is_persisted());
    assert_eq!(relayed.received().status, 0);
    let mention = UpStreamMessage {
        session_id: 0x01 | 0x02 | 0x04 | 0x20 | 0x40,
        ..text("@bob")
    };
    let relayed = Relayed::new("alice", "pgMsgP", "team", mention, stamp).unwrap();
    assert!(relayed.is_persisted());
    assert_eq!(
        relayed.received().status,
        0x10 | 0x20 | 0x40 | 0x200 | 0x400
    );
}

#[test]
fn relay_refuses_what_it_cannot_route() {
    let stamp = UidGenerator::new(0).next(T0).unwrap();
    assert_eq!(
        Relayed::new("alice", "s_msg", "bob", text("x"), stamp),
        Err(RelayError::NotASendTopic {
            topic: "s_msg".into()
        })
    );
    assert_eq!(
        Relayed::new("alice", "ppMsgP", "", text("x"), stamp),
        Err(RelayError::EmptyTarget {
            topic: "ppMsgP".into()
        })
    );
}

fn tid(node: &str, domain: Option<&str>) -> Tid {
    Tid {
        node: node.into(),
        domain: domain.map(str::to_owned),
        ..Default::default()
    }
}

#[test]
fn tim_user_message_is_forwarded_with_the_servers_fields() {
    let alice = tid("alice", Some("example"));
    let stamp = UidGenerator::new(0).next(T0).unwrap();
    let claim = TimMessage {
        ms_type: 2,
        od_type: 1,
        id: Some(555),                        // the client's id is kept
        from_tid: Some(tid("mallory", None)), // a claimed sender is replaced
        to_tid: Some(tid("bob", Some("elsewhere"))),
        data_string: Some("hi".into()),
        ..Default::default()
    };
    let forwarded = Forwarded::new(&alice, claim, stamp, 9).unwrap();
    let m = forwarded.message();
    assert_eq!(m.from_tid.as_ref(), Some(&alice));
    assert_eq!(
        m.to_tid.as_ref().and_then(|t| t.domain.as_deref()),
        Some("example")
    );
    assert_eq!(m.timestamp, Some(T0 * 1_000_000));
    assert_eq!((m.id, m.mid), (Some(555), Some(9)));
    assert!(forwarded.is_storable());
    assert_eq!(
        forwarded.recipients(&["carol".into()]).collect::<Vec<_>>(),
        ["bob"]
    );
    assert_eq!(
        forwarded.recipient_conversation(),
        Conversation::new(2, "alice")
    );
    assert_eq!(forwarded.sender_conversation(), Conversation::new(2, "bob"));
    let publish = forwarded.publish(4);
    assert_eq!(
        (&*publish.topic, &*publish.target_id, publish.msg_id),
        ("timMsg", "alice", 4)
    );
    assert_eq!(&TimMessage::decode(publish.data).unwrap(), m);
    let ack = forwarded.pub_ack(2);
    assert_eq!((ack.date, ack.millisecond), (1_795_432_394, 449));
    assert_eq!(ack.message_uid.as_deref(), Some(stamp.uid.as_str()));
}

#[test]
fn tim_room_message_reaches_the_members_but_the_sender() {
    let stamp = UidGenerator::new(0).next(T0).unwrap();
    let stream = TimMessage {
        ms_type: 3,
        od_type: 5, // stream: not stored, no mid
        room_tid: Some(tid("room1", None)),
        ..Default::default()
    };
    let forwarded = Forwarded::new(&tid("alice", None), stream, stamp, 10).unwrap();
    let members: Vec<String> = ["bob", "alice", "carol"].map(String::from).to_vec();
    assert_eq!(
        forwarded.recipients(&members).collect::<Vec<_>>(),
        ["bob", "carol"]
    );
    assert_eq!(
        forwarded.recipient_conversation(),
        Conversation::new(3, "room1")
    );
    assert_eq!(
        (forwarded.message().id, forwarded.message().mid),
        (Some(10), None)
    );
    assert!(!forwarded.is_storable());
}

#[test]
fn tim_refuses_what_tim_refuses() {
    let stamp = UidGenerator::new(0).next(T0).unwrap();
    let alice = tid("alice", None);
    let system = TimMessage {
        ms_type: 1,
        od_type: 1,
        ..Default::default()
    };
    assert!(matches!(
        Forwarded::new(&alice, system, stamp, 1),
        Err(RelayError::TimRule(_))
    ));
    let no_target = TimMessage {
        ms_type: 2,
        od_type: 1,
        to_tid: Some(tid("", None)),
        ..Default::default()
    };
    assert_eq!(
        Forwarded::new(&alice, no_target, stamp, 1),
        Err(RelayError::NoTimTarget { ms_type: 2 })
    );
    let room_without_room = TimMessage {
        ms_type: 3,
        od_type: 1,
        to_tid: Some(tid("bob", None)),
        ..Default::default()
    };
    assert_eq!(
        Forwarded::new(&alice, room_without_room, stamp, 1),
        Err(RelayError::NoTimTarget { ms_type: 3 })
    );
    let odd = TimMessage {
        ms_type: 9,
        od_type: 1,
        ..Default::default()
    };
    assert_eq!(
        Forwarded::new(&alice, odd, stamp, 1),
        Err(RelayError::UnsupportedMsType { ms_type: 9 })
    );
}

#[test]
fn message_uids_are_unique_and_ordered_over_100_000_generations() {
    let mut ids = UidGenerator::new(4095);
    let mut seen = HashSet::with_capacity(100_000);
    let mut previous: Option<(MessageUid, i64)> = None;
    // A wall clock that mostly stays on the same millisecond, sometimes jumps ahead and
    // sometimes steps back.
    let mut wall = T0;
    for n in 0u64..100_000 {
        wall += match n % 97 {
            0 => 5,
            13 => -40,
            50 => 1,
            _ => 0,
        };
        let stamp = ids.next(wall).unwrap();
        let text = stamp.uid.to_string();
        assert_eq!(text.len(), 19);
        assert_eq!(text.parse::<MessageUid>().unwrap(), stamp.uid);
        assert_eq!(stamp.uid.time_ms(), u64::try_from(stamp.time_ms).unwrap());
        assert_eq!(stamp.uid.node(), 4095);
        if let Some((uid, time)) = previous {
            assert!(uid.as_str() < text.as_str(), "{uid} then {text}");
            // one millisecond per message: the wall clock, or the last time + 1
            assert_eq!(stamp.time_ms, wall.max(time + 1));
        } else {
            assert_eq!(stamp.time_ms, wall);
        }
        assert!(seen.insert(text));
        previous = Some((stamp.uid, stamp.time_ms));
    }
    assert_eq!(seen.len(), 100_000);
}

#[test]
fn history_and_conversation_list_answers() {
    let mut ids = UidGenerator::new(0);
    let mut store = MessageStore::new(StoreLimits::default());
    for (n, (sender, target)) in [
        ("alice", "bob"),
        ("bob", "alice"),
        ("alice", "carol"),
        ("alice", "bob"),
    ]
    .into_iter()
    .enumerate()
    {
        let stamp = ids.next(T0 + n as i64).unwrap();
        let relayed =
            Relayed::new(sender, "ppMsgP", target, text(&format!("m{n}")), stamp).unwrap();
        store
            .insert(
                target,
                stamp.time_ms,
                relayed.recipient_conversation(),
                Direction::Received,
                relayed.received().clone(),
            )
            .unwrap();
        store
            .insert(
                sender,
                stamp.time_ms,
                relayed.sender_conversation(),
                Direction::Sent,
                relayed.sent(),
            )
            .unwrap();
    }
    // alice's history with bob: m3 (sent), m1 (received), m0 (sent)
    let history = store.history("alice", &Conversation::new(1, "bob"), None, 2);
    let newest_first = rongcloud::history_answer(&history, false);
    let contents: Vec<_> = newest_first
        .list
        .iter()
        .map(|m| m.content.clone())
        .collect();
    assert_eq!(
        contents,
        [
            Bytes::from("{\"content\":\"m3\"}"),
            Bytes::from("{\"content\":\"m1\"}")
        ]
    );
    assert_eq!((newest_first.sync_time, newest_first.has_msg), (T0 + 1, 1));
    assert_eq!(newest_first.list[0].direction, Some(1));
    assert_eq!(newest_first.list[1].direction, None);
    let ascending = rongcloud::history_answer(&history, true);
    assert_eq!(ascending.list[0], newest_first.list[1]);
    let older = store.history(
        "alice",
        &Conversation::new(1, "bob"),
        Some(newest_first.sync_time),
        2,
    );
    assert_eq!(older.messages.len(), 1);
    assert!(!older.has_more);

    let relations: Vec<_> = store
        .conversations("alice", 10)
        .into_iter()
        .map(rongcloud::relation_info)
        .collect();
    let targets: Vec<_> = relations
        .iter()
        .map(|r| (r.r#type, r.user_id.as_str()))
        .collect();
    assert_eq!(targets, [(1, "bob"), (1, "carol")]);
    assert_eq!(relations[0].msg.as_ref().map(|m| m.data_time), Some(T0 + 3));
}

proptest! {
    /// Pulling from 0, page after page, returns every received message exactly once and in
    /// order, whatever the page size and however many messages share a millisecond.
    #[test]
    fn pull_pages_lose_and_repeat_nothing(
        steps in proptest::collection::vec((0i64..3, any::<bool>()), 0..200),
        limit in 1usize..8,
        start in 0i64..4,
    ) {
        let mut store = MessageStore::new(StoreLimits::default());
        let mut time = 100;
        let mut expected = Vec::new();
        for (n, (delta, received)) in steps.iter().enumerate() {
            time += delta;
            let direction = if *received { Direction::Received } else { Direction::Sent };
            store.insert("bob", time, Conversation::new(1, "alice"), direction, n).unwrap();
            if *received && time > 100 + start - 1 {
                expected.push((time, n));
            }
        }
        let since0 = 100 + start - 1;
        let mut since = since0;
        let mut got = Vec::new();
        for _ in 0..=steps.len() {
            let page = store.pull("bob", Direction::Received, since, limit);
            // a page is at most `limit` messages, unless all of them share one millisecond
            let one_ms = page.messages.windows(2).all(|w| w[0].time_ms == w[1].time_ms);
            prop_assert!(page.messages.len() <= limit || one_ms);
            prop_assert!(page.messages.iter().all(|m| m.time_ms > since && m.direction == Direction::Received));
            prop_assert!(page.sync_time >= since);
            got.extend(page.messages.iter().map(|m| (m.time_ms, m.message)));
            if page.finished {
                break;
            }
            prop_assert!(!page.messages.is_empty(), "an unfinished page must make progress");
            since = page.sync_time;
        }
        prop_assert_eq!(got, expected);
    }

    /// However messages arrive, no mailbox, the store, or the user table passes its limit, and
    /// the counters add up.
    #[test]
    fn limits_hold(
        inserts in proptest::collection::vec((0usize..12, 0i64..2), 0..400),
        max_per_user in 1usize..20,
        max_total in 1usize..60,
        max_users in 0usize..8,
    ) {
        let limits = StoreLimits { max_per_user, max_total, max_users };
        let mut store = MessageStore::new(limits);
        let mut time = 0;
        let mut refused = 0u64;
        for (user, delta) in &inserts {
            time += delta;
            let name = format!("u{user}");
            let known = store.len(&name) > 0;
            match store.insert(&name, time, Conversation::new(1, "x"), Direction::Received, ()) {
                Ok(_) => {}
                Err(_) => {
                    prop_assert!(!known);
                    refused += 1;
                }
            }
            let stats = store.stats();
            prop_assert!(stats.users <= max_users);
            prop_assert!(stats.messages <= max_total);
            let largest = (0..12).map(|u| store.len(&format!("u{u}"))).max().unwrap_or(0);
            prop_assert!(largest <= max_per_user);
            let sum: usize = (0..12).map(|u| store.len(&format!("u{u}"))).sum();
            prop_assert_eq!(sum, stats.messages);
        }
        let stats = store.stats();
        prop_assert_eq!(stats.refused, refused);
        prop_assert_eq!(stats.inserted + stats.refused, inserts.len() as u64);
        prop_assert_eq!(
            stats.inserted - stats.evicted_per_user - stats.evicted_total,
            stats.messages as u64
        );
    }
}

#[test]
fn a_pull_in_the_middle_of_a_burst_misses_nothing_after_it() {
    // Five messages for bob arrive within one wall-clock millisecond; bob pulls after the
    // second, goes offline, reconnects and pulls from his stored sync time.
    let mut ids = UidGenerator::new(0);
    let mut store = MessageStore::new(StoreLimits::default());
    let mut bob_sync = 0;
    let mut seen = Vec::new();
    for n in 0..5 {
        let stamp = ids.next(T0).unwrap();
        let relayed =
            Relayed::new("alice", "ppMsgP", "bob", text(&format!("m{n}")), stamp).unwrap();
        store
            .insert(
                "bob",
                stamp.time_ms,
                relayed.recipient_conversation(),
                Direction::Received,
                relayed.received().clone(),
            )
            .unwrap();
        if n == 1 {
            let page = store.pull("bob", Direction::Received, bob_sync, 100);
            seen.extend(page.messages.iter().map(|m| m.message.content.clone()));
            bob_sync = page.sync_time;
        }
    }
    let page = rongcloud::pull_answer(&store.pull("bob", Direction::Received, bob_sync, 100));
    assert_eq!(page.finished, Some(true));
    seen.extend(page.list.iter().map(|m| m.content.clone()));
    let expected: Vec<Bytes> = (0..5)
        .map(|n| Bytes::from(format!("{{\"content\":\"m{n}\"}}")))
        .collect();
    assert_eq!(seen, expected);
    assert_eq!(page.sync_time, T0 + 4);
}

#[test]
fn tim_offline_messages_come_once_in_acknowledged_batches() {
    let alice = tid("alice", None);
    let mut ids = UidGenerator::new(0);
    let mut store = MessageStore::new(StoreLimits::default());
    let mut number = 0;
    let mut send = |store: &mut MessageStore<TimMessage>, text: &str| {
        number += 1;
        let stamp = ids.next(T0).unwrap();
        let message = TimMessage {
            ms_type: 2,
            od_type: 1,
            to_tid: Some(tid("bob", None)),
            data_string: Some(text.into()),
            ..Default::default()
        };
        let forwarded = Forwarded::new(&alice, message, stamp, number).unwrap();
        for recipient in forwarded.recipients(&[]) {
            store
                .insert(
                    recipient,
                    stamp.time_ms,
                    forwarded.recipient_conversation(),
                    Direction::Received,
                    forwarded.message().clone(),
                )
                .unwrap();
        }
    };
    for text in ["one", "two", "three"] {
        send(&mut store, text);
    }
    let texts = |page: &timwire_session::store::Page<'_, TimMessage>| {
        page.messages
            .iter()
            .map(|m| m.message.data_string.clone().unwrap_or_default())
            .collect::<Vec<_>>()
    };
    // bob comes online and asks for offline messages in batches of 2
    let first = store.undelivered("bob", 2);
    assert_eq!(
        (texts(&first), first.finished),
        (vec!["one".to_owned(), "two".to_owned()], false)
    );
    let through = first.sync_time;
    // no acknowledgement (connection lost): the same batch again
    assert_eq!(texts(&store.undelivered("bob", 2)), texts(&first));
    store.mark_delivered("bob", through);
    let second = store.undelivered("bob", 2);
    assert_eq!(
        (texts(&second), second.finished),
        (vec!["three".to_owned()], true)
    );
    let ids_seen: Vec<_> = second.messages.iter().map(|m| m.message.id).collect();
    assert_eq!(ids_seen, [Some(3)]);
    let through = second.sync_time;
    store.mark_delivered("bob", through);
    send(&mut store, "four");
    assert_eq!(texts(&store.undelivered("bob", 2)), ["four"]);
    // history still has everything, newest first
    let history = store.history("bob", &Conversation::new(2, "alice"), None, 10);
    assert_eq!(history.messages.len(), 4);
    assert_eq!(
        history.messages[0].message.data_string.as_deref(),
        Some("four")
    );
}

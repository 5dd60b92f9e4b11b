//! qos 1 in both directions: windows, msgIds, the profiles' delivery models, duplicates,
//! timeouts and sync copies — all with a fake clock.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use timwire_session::{
    ClientEvent, Config, Profile, RequestKind, ServerEvent, ServerSession, SubmitError, Window,
};
use timwire_signal::{
    AckStatus, ClientPacket, ClientPubAck, ClientPublish, QoS, Query, QueryAck, QueryCon,
    ServerPacket, ServerPubAck, ServerPublish, SubAck, Subscribe, Subscriptions,
};

fn publish(data: &'static [u8]) -> ClientPublish {
    ClientPublish::new(
        QoS::AtLeastOnce,
        "timMsg",
        "bob",
        0,
        Bytes::from_static(data),
    )
}

fn puback(msg_id: u16) -> ServerPacket {
    ServerPacket::from(ServerPubAck::new(
        msg_id,
        1_700_000_000,
        AckStatus::SUCCESS,
        0,
    ))
}

fn sent_ids(out: &[ClientPacket]) -> Vec<u16> {
    out.iter().filter_map(ClientPacket::msg_id).collect()
}

#[test]
fn full_window_refuses_then_a_puback_frees_it() {
    let t0 = Instant::now();
    let mut cfg = config(Profile::RongCloud);
    cfg.limits.max_inflight_publishes = 3;
    let mut c = connected_client(cfg, t0);
    let ids: Vec<_> = (0..3)
        .map(|_| c.publish(t0, publish(b"m")).unwrap())
        .collect();
    assert_eq!(
        c.publish(t0, publish(b"m")),
        Err(SubmitError::WindowFull {
            window: Window::Publish,
            limit: 3
        })
    );
    // Nothing was queued for the refused one: no hidden unbounded queue.
    let stats = c.stats();
    assert_eq!((stats.inflight_publishes, stats.queued_transmits), (3, 3));
    let out = client_out(&mut c, t0);
    assert_eq!(sent_ids(&out), [1, 2, 3]);
    // qos 0 does not need the window.
    c.publish(
        t0,
        ClientPublish::new(QoS::AtMostOnce, "ppMsgS", "bob", 0, Bytes::new()),
    )
    .unwrap();
    // A PUBACK frees a slot: WindowOpen, then the answer.
    c.handle_packet(t0, puback(2));
    let events = client_events(&mut c);
    assert_eq!(
        events[0],
        ClientEvent::WindowOpen {
            window: Window::Publish
        }
    );
    assert!(
        matches!(&events[1], ClientEvent::PublishAcked { id, ack } if *id == ids[1] && ack.msg_id == 2)
    );
    let fourth = c.publish(t0, publish(b"m")).unwrap();
    assert!(fourth > ids[2]);
    // WindowOpen is said once per refusal.
    c.handle_packet(t0, puback(1));
    assert!(matches!(
        client_events(&mut c).as_slice(),
        [ClientEvent::PublishAcked { .. }]
    ));

    // The server's publish window works the same way.
    let mut cfg = config(Profile::RongCloud);
    cfg.limits.max_inflight_publishes = 1;
    let mut s = connected_server(cfg, t0, 30);
    let p = ServerPublish::new(QoS::AtLeastOnce, 0, "s_msg", "alice", 0, Bytes::new());
    s.publish(t0, p.clone()).unwrap();
    assert!(matches!(
        s.publish(t0, p.clone()),
        Err(SubmitError::WindowFull { .. })
    ));
    let out = server_out(&mut s, t0);
    let msg_id = out[0].msg_id().unwrap();
    s.handle_packet(t0, ClientPacket::from(ClientPubAck::new(msg_id)));
    assert!(matches!(
        server_events(&mut s).as_slice(),
        [
            ServerEvent::WindowOpen {
                window: Window::Publish
            },
            ServerEvent::Delivered { msg_id: 1, .. }
        ]
    ));
    s.publish(t0, p).unwrap();
}

#[test]
fn msg_ids_wrap_to_one_and_skip_ids_in_flight() {
    let t0 = Instant::now();
    let mut cfg = config(Profile::RongCloud);
    cfg.first_msg_id = 65_534;
    let mut c = connected_client(cfg, t0);
    // 65534 and 65535 are taken and stay in flight; the next id wraps to 1 (never 0).
    let held_a = c.publish(t0, publish(b"a")).unwrap();
    let held_b = c.publish(t0, publish(b"b")).unwrap();
    c.publish(t0, publish(b"c")).unwrap();
    assert_eq!(sent_ids(&client_out(&mut c, t0)), [65_534, 65_535, 1]);
    c.handle_packet(t0, puback(1));
    // Go once around: qos-0 PUBLISHes take ids too (and give them back at once).
    for expected in 2..=65_533u16 {
        c.publish(
            t0,
            ClientPublish::new(QoS::AtMostOnce, "ppMsgS", "b", 0, Bytes::new()),
        )
        .unwrap();
        let out = client_out(&mut c, t0);
        assert_eq!(sent_ids(&out), [expected]);
    }
    // 65534 and 65535 are still awaiting their PUBACK: skipped; 1 was answered: reused.
    c.publish(t0, publish(b"d")).unwrap();
    assert_eq!(sent_ids(&client_out(&mut c, t0)), [1]);
    assert_eq!(c.stats().msg_ids_in_use, 3);
    // Answers still match the right requests after the wrap.
    c.handle_packet(t0, puback(65_535));
    c.handle_packet(t0, puback(65_534));
    let acked: Vec<_> = client_events(&mut c)
        .into_iter()
        .filter_map(|e| match e {
            ClientEvent::PublishAcked { id, .. } => Some(id),
            _ => None,
        })
        .collect();
    assert_eq!(acked[1..], [held_b, held_a]);
    c.publish(t0, publish(b"e")).unwrap();
    assert_eq!(sent_ids(&client_out(&mut c, t0)), [2]);
}

#[test]
fn tim_client_resends_with_dup_then_times_out() {
    let t0 = Instant::now();
    let mut c = connected_client(config(Profile::Tim), t0);
    let id = c.publish(t0, publish(b"hi")).unwrap();
    // Handed to the driver at 3 s: resends count from there.
    let first = client_out(&mut c, sec(t0, 3));
    let ClientPacket::Publish(p) = &first[0] else {
        panic!()
    };
    assert!(!p.flags.dup);
    assert_eq!(c.poll_timeout(), Some(sec(t0, 13)));
    c.handle_timeout(at(t0, 12_999));
    assert!(client_out(&mut c, at(t0, 12_999)).is_empty());
    c.handle_timeout(sec(t0, 13));
    let again = client_out(&mut c, sec(t0, 13));
    match again.as_slice() {
        [ClientPacket::Publish(r)] => {
            assert!(r.flags.dup, "a client resend carries the dup bit");
            assert_eq!((r.msg_id, &r.data), (p.msg_id, &p.data));
        }
        other => panic!("{other:?}"),
    }
    c.handle_timeout(sec(t0, 23));
    assert_eq!(client_out(&mut c, sec(t0, 23)).len(), 1);
    // Two resends at most (tim's server resends twice); then the 30 s request timeout.
    assert_eq!(c.poll_timeout(), Some(sec(t0, 30)));
    c.handle_timeout(sec(t0, 30));
    let out = client_out(&mut c, sec(t0, 30));
    assert!(out.iter().all(|p| !matches!(p, ClientPacket::Publish(_))));
    assert_eq!(
        client_events(&mut c),
        [ClientEvent::TimedOut {
            id,
            kind: RequestKind::Publish,
            msg_id: p.msg_id
        }]
    );
    assert_eq!(c.stats().retransmits, 2);
    assert_eq!(c.stats().inflight_publishes, 0);
}

#[test]
fn tim_resend_stops_at_the_puback() {
    let t0 = Instant::now();
    let mut c = connected_client(config(Profile::Tim), t0);
    c.publish(t0, publish(b"hi")).unwrap();
    let msg_id = client_out(&mut c, t0)[0].msg_id().unwrap();
    c.handle_timeout(sec(t0, 10));
    assert_eq!(client_out(&mut c, sec(t0, 10)).len(), 1);
    c.handle_packet(sec(t0, 11), puback(msg_id));
    assert!(matches!(
        client_events(&mut c).as_slice(),
        [ClientEvent::PublishAcked { .. }]
    ));
    // The server answers the resent copy too: a late answer, not a stray.
    c.handle_packet(sec(t0, 11), puback(msg_id));
    assert!(client_events(&mut c).is_empty());
    assert_eq!((c.stats().late_answers, c.stats().stray_answers), (1, 0));
    c.handle_timeout(sec(t0, 40));
    assert!(
        client_out(&mut c, sec(t0, 40))
            .iter()
            .all(|p| !matches!(p, ClientPacket::Publish(_)))
    );
    assert_eq!(c.stats().retransmits, 1);
}

#[test]
fn tim_server_resends_without_the_dup_bit() {
    let t0 = Instant::now();
    let mut s = connected_server(config(Profile::Tim), t0, 600);
    let id = s
        .publish(
            t0,
            ServerPublish::new(
                QoS::AtLeastOnce,
                1,
                "timMsg",
                "alice",
                0,
                Bytes::from_static(b"x"),
            ),
        )
        .unwrap();
    assert_eq!(server_out(&mut s, t0).len(), 1);
    for n in [10, 20] {
        s.handle_timeout(sec(t0, n));
        match server_out(&mut s, sec(t0, n)).as_slice() {
            [ServerPacket::Publish(p)] => assert!(!p.flags.dup, "dup on S→C means sync copy"),
            other => panic!("{other:?}"),
        }
    }
    s.handle_timeout(sec(t0, 30));
    assert!(server_out(&mut s, sec(t0, 30)).is_empty());
    assert_eq!(
        server_events(&mut s),
        [ServerEvent::TimedOut { id, msg_id: 1 }]
    );
}

#[test]
fn rongcloud_never_resends_and_reports_the_timeout() {
    let t0 = Instant::now();
    let mut cfg = config(Profile::RongCloud);
    cfg.request_timeout = Duration::from_secs(20);
    let mut c = connected_client(cfg, t0);
    let id = c.publish(t0, publish(b"hi")).unwrap();
    let msg_id = client_out(&mut c, t0)[0].msg_id().unwrap();
    assert_eq!(c.poll_timeout(), Some(sec(t0, 20)));
    for n in 1..20 {
        c.handle_timeout(sec(t0, n));
        assert!(client_out(&mut c, sec(t0, n)).is_empty());
    }
    c.handle_timeout(sec(t0, 20));
    assert!(client_out(&mut c, sec(t0, 20)).is_empty());
    assert_eq!(
        client_events(&mut c),
        [ClientEvent::TimedOut {
            id,
            kind: RequestKind::Publish,
            msg_id
        }]
    );
    assert_eq!(c.stats().retransmits, 0);
    // The PUBACK arriving later is late, not a stray, and reported to no one.
    c.handle_packet(sec(t0, 21), puback(msg_id));
    assert!(client_events(&mut c).is_empty());
    assert_eq!((c.stats().late_answers, c.stats().stray_answers), (1, 0));

    // The server's PUBLISHes are not resent either.
    let mut s = connected_server(config(Profile::RongCloud), t0, 600);
    s.publish(
        t0,
        ServerPublish::new(QoS::AtLeastOnce, 1, "s_msg", "alice", 0, Bytes::new()),
    )
    .unwrap();
    server_out(&mut s, t0);
    s.handle_timeout(sec(t0, 29));
    assert!(server_out(&mut s, sec(t0, 29)).is_empty());
    s.handle_timeout(sec(t0, 30));
    assert!(matches!(
        server_events(&mut s).as_slice(),
        [ServerEvent::TimedOut { .. }]
    ));
}

#[test]
fn duplicates_from_the_server_are_delivered_once() {
    let t0 = Instant::now();
    let mut c = connected_client(config(Profile::Tim), t0);
    let m = ServerPublish::new(
        QoS::AtLeastOnce,
        1,
        "timMsg",
        "alice",
        5,
        Bytes::from_static(b"one"),
    );
    // The server resends (no dup bit) because our PUBACK was slow.
    c.handle_bytes(t0, &wire_s(m.clone()));
    c.handle_bytes(sec(t0, 10), &wire_s(m.clone()));
    let events = client_events(&mut c);
    assert_eq!(events, [ClientEvent::Message { publish: m.clone() }]);
    // Each copy is PUBACKed: the server may have missed the first.
    assert_eq!(
        client_out(&mut c, sec(t0, 10)),
        [
            ClientPacket::from(ClientPubAck::new(5)),
            ClientPacket::from(ClientPubAck::new(5))
        ]
    );
    assert_eq!(c.stats().duplicates, 1);
    // The same msgId with other content is a new message (ids wrap).
    let other = ServerPublish::new(
        QoS::AtLeastOnce,
        1,
        "timMsg",
        "alice",
        5,
        Bytes::from_static(b"two"),
    );
    c.handle_bytes(sec(t0, 11), &wire_s(other.clone()));
    assert_eq!(
        client_events(&mut c),
        [ClientEvent::Message { publish: other }]
    );
    // qos 0 is never deduplicated.
    let q0 = ServerPublish::new(QoS::AtMostOnce, 1, "s_ntf", "alice", 6, Bytes::new());
    c.handle_bytes(sec(t0, 12), &wire_s(q0.clone()));
    c.handle_bytes(sec(t0, 12), &wire_s(q0));
    assert_eq!(client_events(&mut c).len(), 2);
}

#[test]
fn duplicates_from_the_client_are_delivered_once_and_answered_again() {
    let t0 = Instant::now();
    let mut s = connected_server(config(Profile::Tim), t0, 30);
    let mut p = ClientPublish::new(
        QoS::AtLeastOnce,
        "timMsg",
        "bob",
        9,
        Bytes::from_static(b"hi"),
    );
    s.handle_bytes(t0, &wire_c(p.clone()));
    // A resend (dup bit) while the app is still handling the first: dropped.
    p.flags.dup = true;
    s.handle_bytes(t0, &wire_c(p.clone()));
    assert!(matches!(
        server_events(&mut s).as_slice(),
        [ServerEvent::Publish { .. }]
    ));
    assert_eq!(s.stats().incoming_pending, 1);
    let ack = ServerPubAck::new(9, 1_700_000_000, AckStatus::SUCCESS, 1).with_message_uid("UID-9");
    s.ack_publish(t0, ack.clone()).unwrap();
    assert_eq!(server_out(&mut s, t0), [ServerPacket::from(ack.clone())]);
    // Another copy after the answer: not delivered, the same PUBACK again.
    s.handle_bytes(sec(t0, 1), &wire_c(p));
    assert!(server_events(&mut s).is_empty());
    assert_eq!(server_out(&mut s, sec(t0, 1)), [ServerPacket::from(ack)]);
    assert_eq!(s.stats().duplicates, 2);
    assert_eq!(
        s.ack_publish(t0, ServerPubAck::new(9, 0, AckStatus::SUCCESS, 0)),
        Err(SubmitError::NoSuchRequest {
            kind: timwire_signal::MessageType::PUBLISH,
            msg_id: 9
        })
    );
}

#[test]
fn engine_to_engine_tim_resend_is_delivered_once() {
    let t0 = Instant::now();
    let c = connected_client(config(Profile::Tim), t0);
    let s = connected_server(config(Profile::Tim), t0, 30);
    let mut pair = Pair::new(c, s, t0);
    pair.client.publish(t0, publish(b"once")).unwrap();
    let (_, se) = pair.pump();
    let ServerEvent::Publish { publish: got } = &se[0] else {
        panic!("{se:?}")
    };
    let msg_id = got.msg_id;
    // The server app is slow: the client resends at 10 s, the copy is dropped.
    pair.advance_to(sec(t0, 10));
    let (_, se) = pair.pump();
    assert!(se.is_empty());
    assert_eq!(pair.server.stats().duplicates, 1);
    pair.server
        .ack_publish(
            pair.now,
            ServerPubAck::new(msg_id, 1, AckStatus::SUCCESS, 0),
        )
        .unwrap();
    let (ce, _) = pair.pump();
    assert!(matches!(ce.as_slice(), [ClientEvent::PublishAcked { .. }]));
}

#[test]
fn request_timeouts_are_reported() {
    let t0 = Instant::now();
    let mut cfg = config(Profile::RongCloud);
    cfg.request_timeout = Duration::from_secs(5);
    let mut c = connected_client(cfg.clone(), t0);
    let q = c
        .query(
            t0,
            Query::new(QoS::AtLeastOnce, "pullMsg", "alice", 0, Bytes::new()),
        )
        .unwrap();
    let sub = c
        .subscribe(
            at(t0, 500),
            Subscribe::new(0, Subscriptions::new([("news", QoS::AtLeastOnce)]).unwrap()),
        )
        .unwrap();
    let out = client_out(&mut c, t0);
    let (qid, sid) = (out[0].msg_id().unwrap(), out[1].msg_id().unwrap());
    assert_eq!(c.poll_timeout(), Some(sec(t0, 5)));
    c.handle_timeout(sec(t0, 5));
    c.handle_timeout(at(t0, 5_500));
    assert_eq!(
        client_events(&mut c),
        [
            ClientEvent::TimedOut {
                id: q,
                kind: RequestKind::Query,
                msg_id: qid
            },
            ClientEvent::TimedOut {
                id: sub,
                kind: RequestKind::Subscribe,
                msg_id: sid
            },
        ]
    );
    // A late qos-1 QUERYACK is still confirmed (so the server forgets it), not reported.
    c.handle_packet(
        sec(t0, 6),
        ServerPacket::from(QueryAck::new(
            QoS::AtLeastOnce,
            qid,
            0,
            AckStatus::SUCCESS,
            Bytes::new(),
        )),
    );
    c.handle_packet(
        sec(t0, 6),
        ServerPacket::from(SubAck::new(sid, Bytes::from_static(&[1]))),
    );
    assert!(client_events(&mut c).is_empty());
    assert_eq!(
        client_out(&mut c, sec(t0, 6)),
        [ClientPacket::from(QueryCon::new(qid))]
    );
    assert_eq!(c.stats().late_answers, 2);
    assert_eq!(c.stats().timeouts, 2);

    // Server: a qos-1 QUERYACK without QUERYCON.
    let mut s = connected_server(cfg, t0, 600);
    s.handle_packet(
        t0,
        ClientPacket::from(Query::new(
            QoS::AtLeastOnce,
            "pullMsg",
            "alice",
            4,
            Bytes::new(),
        )),
    );
    server_events(&mut s);
    s.answer_query(
        t0,
        QueryAck::new(QoS::AtLeastOnce, 4, 0, AckStatus::SUCCESS, Bytes::new()),
    )
    .unwrap();
    assert_eq!(s.stats().incoming_pending, 1); // held until the QUERYCON
    s.handle_timeout(sec(t0, 5));
    assert_eq!(
        server_events(&mut s),
        [ServerEvent::QueryUnconfirmed { msg_id: 4 }]
    );
    assert_eq!(s.stats().incoming_pending, 0);
    // Its QUERYCON arriving later is late, not a stray.
    s.handle_packet(sec(t0, 6), ClientPacket::from(QueryCon::new(4)));
    assert_eq!((s.stats().late_answers, s.stats().stray_answers), (1, 0));
}

#[test]
fn sync_copies_are_paired_with_their_puback() {
    let t0 = Instant::now();
    let mut c = connected_client(config(Profile::RongCloud), t0);
    let mut copy = ServerPublish::new(
        QoS::AtLeastOnce,
        1_700_000_000,
        "ppMsgP",
        "bob",
        7,
        Bytes::from_static(b"up"),
    );
    copy.flags.dup = true;
    c.handle_bytes(t0, &wire_s(copy.clone()));
    c.handle_bytes(t0, &wire_s(copy.clone())); // a copy of the copy: dropped
    assert!(client_events(&mut c).is_empty());
    assert!(
        client_out(&mut c, t0).is_empty(),
        "a sync copy is not PUBACKed"
    );
    assert_eq!(c.stats().pending_sync, 1);
    let ack =
        ServerPubAck::new(7, 1_700_000_000, AckStatus::SUCCESS, 250).with_message_uid("UID-7");
    c.handle_bytes(t0, &wire_s(ack.clone()));
    let events = client_events(&mut c);
    let [ClientEvent::Synced(synced)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(
        (synced.publish.clone(), synced.ack.clone()),
        (copy, Some(ack))
    );
    assert_eq!(synced.timestamp_ms(), 1_700_000_000_250);
    assert_eq!(synced.message_uid(), Some("UID-7"));
    assert_eq!(c.stats().pending_sync, 0);

    // A status topic is never paired: reported at once.
    let mut status = ServerPublish::new(QoS::AtLeastOnce, 1, "ppMsgS", "bob", 8, Bytes::new());
    status.flags.dup = true;
    c.handle_bytes(t0, &wire_s(status));
    assert!(
        matches!(client_events(&mut c).as_slice(), [ClientEvent::Synced(s)] if s.ack.is_none())
    );

    // Our own PUBLISH in flight with the same msgId takes the PUBACK first.
    let id = c.publish(t0, publish(b"mine")).unwrap();
    let mine = client_out(&mut c, t0)[0].msg_id().unwrap();
    let mut clash = ServerPublish::new(QoS::AtLeastOnce, 1, "ppMsgP", "bob", mine, Bytes::new());
    clash.flags.dup = true;
    c.handle_bytes(t0, &wire_s(clash));
    c.handle_packet(t0, puback(mine));
    assert!(
        matches!(client_events(&mut c).as_slice(), [ClientEvent::PublishAcked { id: got, .. }] if *got == id)
    );
    // The copy's PUBACK never comes: after the request timeout it is reported without it.
    c.handle_timeout(sec(t0, 30));
    let events = client_events(&mut c);
    assert!(
        matches!(events.as_slice(), [ClientEvent::Synced(s)] if s.ack.is_none() && s.publish.msg_id == mine)
    );
}

#[test]
fn unacknowledged_requests_are_given_back_after_close() {
    let t0 = Instant::now();
    let mut c = connected_client(config(Profile::Tim), t0);
    let a = c.publish(t0, publish(b"a")).unwrap();
    let b = c.publish(t0, publish(b"b")).unwrap();
    client_out(&mut c, t0);
    assert!(c.drain_unacknowledged().is_empty()); // only once closed
    c.handle_packet(
        t0,
        ServerPacket::from(timwire_signal::Disconnect::new(
            timwire_signal::DisconnectStatus::RECONNECT,
        )),
    );
    let back = c.drain_unacknowledged();
    assert_eq!(back.iter().map(|u| u.id).collect::<Vec<_>>(), [a, b]);
    let ClientPacket::Publish(p) = &back[1].packet else {
        panic!()
    };
    assert_eq!(&p.data[..], b"b");
    // Sent again on a new connection, with new msgIds.
    let mut again = connected_client(config(Profile::Tim), t0);
    for u in back {
        let ClientPacket::Publish(p) = u.packet else {
            panic!()
        };
        again.publish(t0, p).unwrap();
    }
    assert_eq!(sent_ids(&client_out(&mut again, t0)), [1, 2]);

    let mut s: ServerSession = connected_server(Config::new(Profile::Tim), t0, 30);
    s.publish(
        t0,
        ServerPublish::new(QoS::AtLeastOnce, 0, "timMsg", "alice", 0, Bytes::new()),
    )
    .unwrap();
    s.disconnect(t0, timwire_signal::DisconnectStatus::OTHER_DEVICE_LOGIN)
        .unwrap();
    assert_eq!(s.drain_unacknowledged().len(), 1);
}

//! Hostile peers against every table: each limit is reached, the peer is disconnected with a
//! status, and the sizes stay bounded (asserted, not just "no panic").

mod common;

use std::time::Instant;

use bytes::Bytes;
use common::*;
use timwire_session::{
    ClientSession, CloseReason, Config, Limits, Profile, ProtocolViolation, ServerEvent,
    ServerSession, Stats,
};
use timwire_signal::{
    AckStatus, ClientPacket, ClientPubAck, ClientPublish, DisconnectStatus, PingReq, QoS, Query,
    QueryCon, ServerPacket, ServerPubAck, ServerPublish,
};

/// Every table within its limit.
fn assert_bounded(stats: &Stats, limits: &Limits) {
    assert!(
        stats.inflight_publishes <= limits.max_inflight_publishes,
        "{stats:?}"
    );
    assert!(
        stats.inflight_requests <= limits.max_inflight_requests,
        "{stats:?}"
    );
    assert!(
        stats.incoming_pending <= limits.max_incoming_pending,
        "{stats:?}"
    );
    assert!(stats.dedup_entries <= limits.dedup_memory, "{stats:?}");
    assert!(stats.late_entries <= limits.late_answer_memory, "{stats:?}");
    assert!(stats.pending_sync <= limits.max_pending_sync, "{stats:?}");
    // App answers may add up to one per held request on top of the queue's own limit.
    assert!(
        stats.queued_transmits <= limits.max_queued_transmits + limits.max_incoming_pending + 1,
        "{stats:?}"
    );
    assert!(
        stats.queued_events <= limits.max_queued_events + 1,
        "{stats:?}"
    );
    assert!(
        stats.buffered_input <= limits.max_buffered_input,
        "{stats:?}"
    );
}

fn violation_s(s: &mut ServerSession) -> ProtocolViolation {
    match closed_reason_s(&server_events(s)) {
        CloseReason::Violation { violation, status } => {
            assert_eq!(status, DisconnectStatus::REMOTE_CLOSE);
            violation
        }
        other => panic!("{other:?}"),
    }
}

fn violation_c(c: &mut ClientSession) -> ProtocolViolation {
    match closed_reason_c(&client_events(c)) {
        CloseReason::Violation { violation, status } => {
            assert_eq!(status, DisconnectStatus::REMOTE_CLOSE);
            violation
        }
        other => panic!("{other:?}"),
    }
}

fn stream_of(packet: Bytes, n: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(packet.len() * n);
    for _ in 0..n {
        v.extend_from_slice(&packet);
    }
    v
}

#[test]
fn stray_acks_close_the_connection() {
    let t0 = Instant::now();
    let limits = Limits::default();
    // A million stray PUBACKs at a client, in 64 KiB reads.
    let mut c = connected_client(config(Profile::RongCloud), t0);
    let strays = stream_of(
        wire_s(ServerPubAck::new(42, 0, AckStatus::SUCCESS, 0)),
        1_000_000,
    );
    for chunk in strays.chunks(64 * 1024) {
        c.handle_bytes(t0, chunk);
        assert_bounded(&c.stats(), &limits);
        if c.is_closed() {
            break;
        }
    }
    assert_eq!(c.stats().stray_answers, limits.max_stray_answers + 1);
    assert_eq!(
        violation_c(&mut c),
        ProtocolViolation::TooManyStrayAnswers { limit: 16 }
    );
    assert_client_disconnects(&mut c, t0, DisconnectStatus::REMOTE_CLOSE);
    assert_eq!(c.stats().buffered_input, 0);

    // Stray PUBACKs and QUERYCONs at a server.
    let mut s = connected_server(config(Profile::RongCloud), t0, 30);
    for n in 0..100u16 {
        if n % 2 == 0 {
            s.handle_packet(t0, ClientPacket::from(ClientPubAck::new(n)));
        } else {
            s.handle_packet(t0, ClientPacket::from(QueryCon::new(n)));
        }
    }
    assert_eq!(s.stats().stray_answers, 17);
    assert_eq!(
        violation_s(&mut s),
        ProtocolViolation::TooManyStrayAnswers { limit: 16 }
    );
    assert_server_disconnects(&mut s, t0, DisconnectStatus::REMOTE_CLOSE);
}

#[test]
fn reused_msg_ids_close_the_connection_and_copies_do_not_grow_anything() {
    let t0 = Instant::now();
    let limits = Limits::default();
    let mut s = connected_server(config(Profile::Tim), t0, 30);
    // The same qos-1 PUBLISH a million times while the app has not answered: one entry.
    let p = ClientPublish::new(
        QoS::AtLeastOnce,
        "timMsg",
        "bob",
        9,
        Bytes::from_static(b"a"),
    );
    let copies = stream_of(wire_c(p), 1_000_000);
    for chunk in copies.chunks(64 * 1024) {
        s.handle_bytes(t0, chunk);
    }
    assert_bounded(&s.stats(), &limits);
    assert_eq!(s.stats().incoming_pending, 1);
    assert_eq!(s.stats().duplicates, 999_999);
    assert_eq!(server_events(&mut s).len(), 1);
    assert!(!s.is_closed());
    // msgId 9 again with other content while the first is pending: a violation.
    s.handle_bytes(
        t0,
        &wire_c(ClientPublish::new(
            QoS::AtLeastOnce,
            "timMsg",
            "bob",
            9,
            Bytes::from_static(b"b"),
        )),
    );
    assert_eq!(
        violation_s(&mut s),
        ProtocolViolation::MsgIdInUse { msg_id: 9 }
    );
    assert_server_disconnects(&mut s, t0, DisconnectStatus::REMOTE_CLOSE);
    assert_eq!(s.stats().incoming_pending, 0);

    // A QUERY on a msgId a PUBLISH holds: the same.
    let mut s = connected_server(config(Profile::Tim), t0, 30);
    s.handle_packet(
        t0,
        ClientPacket::from(ClientPublish::new(
            QoS::AtLeastOnce,
            "timMsg",
            "b",
            3,
            Bytes::new(),
        )),
    );
    s.handle_packet(
        t0,
        ClientPacket::from(Query::new(QoS::AtMostOnce, "timPull", "b", 3, Bytes::new())),
    );
    assert_eq!(
        violation_s(&mut s),
        ProtocolViolation::MsgIdInUse { msg_id: 3 }
    );
}

#[test]
fn a_flood_of_unanswered_queries_closes_at_the_limit() {
    let t0 = Instant::now();
    let limits = Limits::default();
    let mut s = connected_server(config(Profile::RongCloud), t0, 30);
    let mut flood = Vec::new();
    for id in 1..=1000u16 {
        flood.extend_from_slice(&wire_c(Query::new(
            QoS::AtLeastOnce,
            "pullMsg",
            "u",
            id,
            Bytes::new(),
        )));
    }
    s.handle_bytes(t0, &flood);
    assert_bounded(&s.stats(), &limits);
    assert_eq!(s.stats().incoming_pending, 0); // cleared on close
    let events = server_events(&mut s);
    let queries = events
        .iter()
        .filter(|e| matches!(e, ServerEvent::Query { .. }))
        .count();
    assert_eq!(queries, limits.max_incoming_pending);
    assert!(matches!(
        closed_reason_s(&events),
        CloseReason::Violation {
            violation: ProtocolViolation::TooManyRequests { limit: 256 },
            ..
        }
    ));
    assert_server_disconnects(&mut s, t0, DisconnectStatus::REMOTE_CLOSE);
}

#[test]
fn a_flood_of_pings_without_reading_pauses_then_closes() {
    let t0 = Instant::now();
    let limits = Limits::default();
    let mut s = connected_server(config(Profile::RongCloud), t0, 30);
    // The peer sends PINGREQs and never reads the PINGRESPs: the driver cannot write, so it
    // never polls transmits — and (badly) keeps feeding input regardless of wants_read.
    let pings = stream_of(wire_c(PingReq::default()), 1_000_000);
    let mut fed = 0;
    for chunk in pings.chunks(64 * 1024) {
        s.handle_bytes(t0, chunk);
        fed += chunk.len();
        let stats = s.stats();
        assert_bounded(&stats, &limits);
        if s.is_closed() {
            break;
        }
        assert!(stats.queued_transmits <= limits.max_queued_transmits);
        if stats.queued_transmits == limits.max_queued_transmits {
            assert!(!s.wants_read(), "paused at the transmit limit");
        }
    }
    assert!(fed < pings.len(), "closed long before the flood ended");
    assert_eq!(
        violation_s(&mut s),
        ProtocolViolation::InputOverflow {
            limit: limits.max_buffered_input
        }
    );
    assert_server_disconnects(&mut s, t0, DisconnectStatus::REMOTE_CLOSE);
    assert_eq!(s.stats().buffered_input, 0);
}

#[test]
fn a_flood_of_publishes_while_the_app_answers_but_nobody_reads_closes() {
    let t0 = Instant::now();
    let limits = Limits::default();
    let mut s = connected_server(config(Profile::Tim), t0, 30);
    let publish = |n: u32| {
        wire_c(ClientPublish::new(
            QoS::AtLeastOnce,
            "timMsg",
            "bob",
            (n % 65_535) as u16 + 1,
            Bytes::copy_from_slice(&n.to_be_bytes()),
        ))
    };
    // Reads of 200 PUBLISHes: within the peer's allowance of held requests (256), and the
    // app answers each batch at once — but the peer never reads, so the PUBACKs pile up.
    let mut n = 0u32;
    let mut reads = 0;
    while !s.is_closed() {
        let mut read = Vec::new();
        for _ in 0..200 {
            read.extend_from_slice(&publish(n));
            n += 1;
        }
        s.handle_bytes(t0, &read);
        reads += 1;
        while let Some(event) = s.poll_event() {
            if let ServerEvent::Publish { publish } = event {
                s.ack_publish(
                    t0,
                    ServerPubAck::new(publish.msg_id, 0, AckStatus::SUCCESS, 0),
                )
                .unwrap();
            } else {
                assert!(matches!(event, ServerEvent::Closed { .. }), "{event:?}");
                break;
            }
        }
        assert_bounded(&s.stats(), &limits);
        assert!(reads < 10_000, "never closed");
    }
    assert!(matches!(
        s.close_reason(),
        Some(CloseReason::Violation {
            violation: ProtocolViolation::InputOverflow { .. },
            ..
        })
    ));
    assert_server_disconnects(&mut s, t0, DisconnectStatus::REMOTE_CLOSE);
}

#[test]
fn an_app_that_does_not_poll_events_pauses_input_instead_of_growing() {
    let t0 = Instant::now();
    let limits = Limits::default();
    let mut s = connected_server(config(Profile::Tim), t0, 30);
    let one = wire_c(ClientPublish::new(
        QoS::AtMostOnce,
        "timPres",
        "bob",
        1,
        Bytes::new(),
    ));
    // 5,000 qos-0 PUBLISHes in one read: input pauses at 1,024 queued events.
    let flood = stream_of(one.clone(), 5_000);
    s.handle_bytes(t0, &flood);
    assert_eq!(s.stats().queued_events, limits.max_queued_events);
    assert!(!s.wants_read());
    assert!(!s.is_closed());
    assert_bounded(&s.stats(), &limits);
    // Draining and resuming processes the rest: nothing lost, nothing closed.
    let mut seen = 0;
    loop {
        while s.poll_event().is_some() {
            seen += 1;
        }
        if seen == 5_000 {
            break;
        }
        // The rest waits in the input buffer; the engine asks to be resumed at once.
        assert_eq!(s.poll_timeout(), Some(t0));
        s.handle_timeout(t0);
    }
    assert_eq!(seen, 5_000);
    assert!(s.wants_read());

    // Packets fed already decoded cannot wait: past the event limit is a violation.
    let mut s = connected_server(config(Profile::Tim), t0, 30);
    let p = ClientPacket::from(ClientPublish::new(
        QoS::AtMostOnce,
        "timPres",
        "bob",
        1,
        Bytes::new(),
    ));
    for _ in 0..=limits.max_queued_events {
        s.handle_packet(t0, p.clone());
    }
    assert_eq!(s.stats().queued_events, limits.max_queued_events + 1); // + Closed
    assert_eq!(
        violation_s(&mut s),
        ProtocolViolation::EventQueueFull {
            limit: limits.max_queued_events
        }
    );
    let mut s = connected_server(config(Profile::Tim), t0, 30);
    for _ in 0..=limits.max_queued_transmits {
        s.handle_packet(t0, ClientPacket::from(PingReq::default()));
    }
    assert_eq!(
        violation_s(&mut s),
        ProtocolViolation::TransmitQueueFull {
            limit: limits.max_queued_transmits
        }
    );
}

#[test]
fn a_flood_of_sync_copies_without_their_puback_closes_at_the_limit() {
    let t0 = Instant::now();
    let limits = Limits::default();
    let mut c = connected_client(config(Profile::RongCloud), t0);
    for id in 1..=1000u16 {
        let mut copy = ServerPublish::new(QoS::AtLeastOnce, 1, "ppMsgP", "bob", id, Bytes::new());
        copy.flags.dup = true;
        c.handle_bytes(t0, &wire_s(copy));
        assert_bounded(&c.stats(), &limits);
        if c.is_closed() {
            break;
        }
    }
    assert_eq!(
        violation_c(&mut c),
        ProtocolViolation::TooManySyncCopies { limit: 64 }
    );
    assert_client_disconnects(&mut c, t0, DisconnectStatus::REMOTE_CLOSE);
    assert_eq!(c.stats().pending_sync, 0);

    // A copy reusing a parked msgId with other content.
    let mut c = connected_client(config(Profile::RongCloud), t0);
    for data in [&b"a"[..], b"b"] {
        let mut copy = ServerPublish::new(
            QoS::AtLeastOnce,
            1,
            "ppMsgP",
            "bob",
            5,
            Bytes::copy_from_slice(data),
        );
        copy.flags.dup = true;
        c.handle_packet(t0, ServerPacket::from(copy));
    }
    assert_eq!(
        violation_c(&mut c),
        ProtocolViolation::MsgIdInUse { msg_id: 5 }
    );
}

#[test]
fn dedup_and_late_memories_are_rings() {
    let t0 = Instant::now();
    let mut cfg = Config::new(Profile::Tim);
    cfg.limits.dedup_memory = 8;
    let limits = cfg.limits.clone();
    let mut c = connected_client(cfg, t0);
    for id in 1..=10_000u16 {
        let p = ServerPublish::new(QoS::AtLeastOnce, 1, "timMsg", "a", id, Bytes::new());
        c.handle_packet(t0, ServerPacket::from(p));
        client_out(&mut c, t0);
        client_events(&mut c);
    }
    assert_eq!(c.stats().dedup_entries, 8);
    assert_bounded(&c.stats(), &limits);

    let mut cfg = Config::new(Profile::RongCloud);
    cfg.limits.late_answer_memory = 4;
    cfg.limits.max_inflight_publishes = 100;
    let mut c = connected_client(cfg, t0);
    for _ in 0..100 {
        c.publish(
            t0,
            ClientPublish::new(QoS::AtLeastOnce, "ppMsgP", "b", 0, Bytes::new()),
        )
        .unwrap();
    }
    client_out(&mut c, t0);
    c.handle_timeout(sec(t0, 30));
    let stats = c.stats();
    assert_eq!((stats.timeouts, stats.late_entries), (100, 4));
}

#[test]
fn a_malformed_frame_closes_with_disconnect() {
    let t0 = Instant::now();
    let mut s = connected_server(config(Profile::RongCloud), t0, 30);
    // PINGREQ with a bad checksum.
    s.handle_bytes(t0, &[0xC0, 0x00, 0x00]);
    assert!(matches!(
        violation_s(&mut s),
        ProtocolViolation::Malformed(_)
    ));
    assert_server_disconnects(&mut s, t0, DisconnectStatus::REMOTE_CLOSE);
    // A frame above the body limit is refused from its length, before its body arrives.
    let mut cfg = Config::new(Profile::RongCloud);
    cfg.limits.max_body = 32;
    let mut s = connected_server(cfg, t0, 30);
    s.handle_bytes(
        t0,
        &wire_c(ClientPublish::new(
            QoS::AtMostOnce,
            "timMsg",
            "b",
            1,
            Bytes::from(vec![0; 64]),
        ))[..4],
    );
    assert!(matches!(
        violation_s(&mut s),
        ProtocolViolation::Malformed(_)
    ));
}

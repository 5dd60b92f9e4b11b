//! A server's msgIds never equal a client request it still holds: RongCloud's engine 4.4.2
//! takes any S→C packet with a msgId it awaits as that request's answer (docs/PROTOCOL.md §11),
//! so a server PUBLISH numbered like a pending `pullMsg` would fail the pull.

mod common;

use std::time::Instant;

use bytes::Bytes;
use common::*;
use timwire_session::{Profile, ServerEvent, ServerSession};
use timwire_signal::{
    AckStatus, ClientPacket, ClientPublish, QoS, Query, QueryAck, ServerPacket, ServerPubAck,
    ServerPublish,
};

/// The client's QUERY `pullMsg` with `msg_id`, held by the server (reported, unanswered).
fn hold_query(s: &mut ServerSession, now: Instant, msg_id: u16) {
    s.handle_packet(
        now,
        ClientPacket::from(Query::new(
            QoS::AtLeastOnce,
            "pullMsg",
            "alice",
            msg_id,
            Bytes::new(),
        )),
    );
    assert!(matches!(
        server_events(s).as_slice(),
        [ServerEvent::Query { .. }]
    ));
}

fn push(qos: QoS) -> ServerPublish {
    ServerPublish::new(qos, 0, "s_msg", "alice", 0, Bytes::from_static(b"m"))
}

fn published_msg_ids(out: &[ServerPacket]) -> Vec<u16> {
    out.iter()
        .filter_map(|p| match p {
            ServerPacket::Publish(p) => Some(p.msg_id),
            _ => None,
        })
        .collect()
}

#[test]
fn qos1_pushes_skip_the_msg_ids_of_held_client_requests() {
    let t0 = Instant::now();
    let mut s = connected_server(config(Profile::RongCloud), t0, 600);
    // The SDK numbers its requests from 1: the first three are held.
    for id in 1..=3 {
        hold_query(&mut s, t0, id);
    }
    s.publish(t0, push(QoS::AtLeastOnce)).unwrap();
    s.publish(t0, push(QoS::AtLeastOnce)).unwrap();
    assert_eq!(published_msg_ids(&server_out(&mut s, t0)), [4, 5]);

    // Answered requests free their ids again (the QUERYACK goes out before any later push).
    for id in 1..=3 {
        s.answer_query(
            t0,
            QueryAck::new(QoS::AtMostOnce, id, 0, AckStatus::SUCCESS, Bytes::new()),
        )
        .unwrap();
    }
    server_out(&mut s, t0);
    hold_query(&mut s, t0, 6);
    s.publish(t0, push(QoS::AtLeastOnce)).unwrap();
    s.publish(t0, push(QoS::AtLeastOnce)).unwrap();
    assert_eq!(published_msg_ids(&server_out(&mut s, t0)), [7, 8]);
}

#[test]
fn qos0_pushes_carry_msg_id_0() {
    let t0 = Instant::now();
    let mut s = connected_server(config(Profile::RongCloud), t0, 600);
    hold_query(&mut s, t0, 1);
    let mut notify = push(QoS::AtMostOnce);
    notify.msg_id = 1; // whatever the app passes
    s.publish(t0, notify).unwrap();
    s.publish(t0, push(QoS::AtMostOnce)).unwrap();
    assert_eq!(published_msg_ids(&server_out(&mut s, t0)), [0, 0]);
}

#[test]
fn sync_copies_skip_held_client_requests_too() {
    let t0 = Instant::now();
    let mut s = connected_server(config(Profile::RongCloud), t0, 600);
    // A held qos-1 PUBLISH (msgId 1) and QUERY (msgId 2).
    s.handle_packet(
        t0,
        ClientPacket::from(ClientPublish::new(
            QoS::AtLeastOnce,
            "ppMsgP",
            "bob",
            1,
            Bytes::from_static(b"x"),
        )),
    );
    server_events(&mut s);
    hold_query(&mut s, t0, 2);
    let copy = ServerPublish::new(QoS::AtLeastOnce, 0, "ppMsgP", "bob", 0, Bytes::new());
    let ack = ServerPubAck::new(0, 0, AckStatus::SUCCESS, 0);
    assert_eq!(s.send_sync_copy(t0, copy, ack).unwrap(), 3);
    let out = server_out(&mut s, t0);
    assert!(
        out.iter().all(|p| p.msg_id() == Some(3)),
        "both halves of the copy carry msgId 3: {out:?}"
    );
}

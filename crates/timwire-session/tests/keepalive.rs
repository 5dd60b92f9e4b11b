//! Keep-alive with a fake clock: the client's ping and give-up, the server's idle close.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use timwire_session::{ClientEvent, CloseReason, Profile, ServerEvent};
use timwire_signal::{
    AckStatus, ClientPacket, ClientPublish, Connect, DisconnectStatus, PingReq, PingResp, QoS,
    ServerPacket, ServerPubAck,
};

#[test]
fn client_pings_after_the_interval_and_gives_up_without_pingresp() {
    let t0 = Instant::now();
    let mut c = connected_client(config(Profile::RongCloud), t0); // CONNECT keep-alive 30 s
    assert_eq!(c.keep_alive(), Some(Duration::from_secs(30)));
    assert_eq!(c.poll_timeout(), Some(sec(t0, 30)));
    c.handle_timeout(at(t0, 29_999));
    assert!(client_out(&mut c, at(t0, 29_999)).is_empty());

    // 30 s without traffic: PINGREQ.
    c.handle_timeout(sec(t0, 30));
    assert_eq!(
        client_out(&mut c, sec(t0, 30)),
        [ClientPacket::from(PingReq::default())]
    );
    // Waiting for the PINGRESP: 15 s (the default ping timeout).
    assert_eq!(c.poll_timeout(), Some(sec(t0, 45)));
    c.handle_bytes(sec(t0, 31), &wire_s(PingResp::default()));
    assert!(client_events(&mut c).is_empty());
    // The next ping: 30 s after the last packet out (the PINGREQ at 30 s).
    assert_eq!(c.poll_timeout(), Some(sec(t0, 60)));
    c.handle_timeout(sec(t0, 60));
    assert_eq!(
        client_out(&mut c, sec(t0, 60)),
        [ClientPacket::from(PingReq::default())]
    );

    // No answer this time: at 75 s the connection is gone, and nothing is sent.
    c.handle_timeout(at(t0, 74_999));
    assert!(!c.is_closed());
    c.handle_timeout(sec(t0, 75));
    assert_eq!(
        client_events(&mut c),
        [ClientEvent::Closed {
            reason: CloseReason::KeepAliveTimeout
        }]
    );
    assert!(c.is_closed());
    assert_eq!(c.poll_transmit(sec(t0, 75)), None);
    assert_eq!(c.poll_timeout(), None);
}

#[test]
fn traffic_postpones_the_ping_and_an_unasked_pingresp_is_a_stray() {
    let t0 = Instant::now();
    let mut c = connected_client(config(Profile::RongCloud), t0);
    c.publish(
        sec(t0, 20),
        ClientPublish::new(QoS::AtLeastOnce, "ppMsgP", "bob", 0, Bytes::new()),
    )
    .unwrap();
    let out = client_out(&mut c, sec(t0, 20));
    let msg_id = out[0].msg_id().unwrap();
    // Sent at 20 s, but nothing came in since 0 s: a ping at 30 s checks the server.
    assert_eq!(c.poll_timeout(), Some(sec(t0, 30)));
    c.handle_packet(
        sec(t0, 25),
        ServerPacket::from(ServerPubAck::new(msg_id, 0, AckStatus::SUCCESS, 0)),
    );
    // Out at 20, in at 25: the next ping is due at 50.
    assert_eq!(c.poll_timeout(), Some(sec(t0, 50)));
    c.handle_packet(sec(t0, 26), ServerPacket::from(PingResp::default()));
    assert_eq!(c.stats().stray_answers, 1);
    assert!(!c.is_closed());
}

#[test]
fn keep_alive_zero_turns_pings_off() {
    let t0 = Instant::now();
    let mut connect = Connect::new("phone");
    connect.keep_alive = 0;
    let mut c = timwire_session::ClientSession::new(config(Profile::Tim), t0, connect).unwrap();
    client_out(&mut c, t0);
    c.handle_bytes(t0, &wire_s(timwire_signal::ConnAck::accepted("a", "s", 0)));
    assert_eq!(c.keep_alive(), None);
    assert_eq!(c.poll_timeout(), None);
}

#[test]
fn server_closes_a_connection_silent_for_one_and_a_half_keep_alives() {
    let t0 = Instant::now();
    let mut s = connected_server(config(Profile::RongCloud), t0, 20); // keep-alive 20 s
    assert_eq!(s.idle_limit(), Some(Duration::from_secs(30)));
    assert_eq!(s.poll_timeout(), Some(sec(t0, 30)));
    // A PINGREQ at 10 s is answered and restarts the clock.
    s.handle_bytes(sec(t0, 10), &wire_c(PingReq::default()));
    assert_eq!(
        server_out(&mut s, sec(t0, 10)),
        [ServerPacket::from(PingResp::default())]
    );
    assert_eq!(s.poll_timeout(), Some(sec(t0, 40)));
    s.handle_timeout(at(t0, 39_999));
    assert!(!s.is_closed());
    s.handle_timeout(sec(t0, 40));
    assert_eq!(
        server_events(&mut s),
        [ServerEvent::Closed {
            reason: CloseReason::IdleTimeout {
                status: DisconnectStatus::REMOTE_CLOSE
            }
        }]
    );
    assert_server_disconnects(&mut s, sec(t0, 40), DisconnectStatus::REMOTE_CLOSE);
}

#[test]
fn half_a_frame_does_not_keep_a_connection_alive() {
    let t0 = Instant::now();
    let mut s = connected_server(config(Profile::RongCloud), t0, 10); // idle limit 15 s
    let ping = wire_c(PingReq::default());
    // A slow loris: one byte of a PINGREQ every few seconds, never the whole frame.
    s.handle_bytes(sec(t0, 5), &ping[..1]);
    s.handle_bytes(sec(t0, 10), &ping[1..2]);
    assert_eq!(s.stats().buffered_input, 2);
    assert_eq!(s.poll_timeout(), Some(sec(t0, 15)));
    s.handle_timeout(sec(t0, 15));
    assert!(matches!(
        closed_reason_s(&server_events(&mut s)),
        CloseReason::IdleTimeout { .. }
    ));
    assert_eq!(s.stats().buffered_input, 0);
}

#[test]
fn server_keep_alive_defaults_and_cap() {
    let t0 = Instant::now();
    let s = connected_server(config(Profile::RongCloud), t0, 0);
    assert_eq!(s.idle_limit(), Some(Duration::from_secs(45))); // 0 → config's 30 s
    let s = connected_server(config(Profile::RongCloud), t0, u16::MAX);
    assert_eq!(s.idle_limit(), Some(Duration::from_secs(900))); // cut to 600 s
}

#[test]
fn the_apps_ping_is_answered_with_a_pong_and_shares_the_keep_alive_ping() {
    let t0 = Instant::now();
    let mut c = connected_client(config(Profile::Tim), t0);
    // Asked at 5 s: a PINGREQ at once, its PINGRESP reported with the round trip.
    c.ping(sec(t0, 5)).unwrap();
    assert_eq!(
        client_out(&mut c, sec(t0, 5)),
        [ClientPacket::from(PingReq::default())]
    );
    assert_eq!(c.poll_timeout(), Some(sec(t0, 20))); // the ping timeout, 15 s
    c.handle_bytes(at(t0, 5_250), &wire_s(PingResp::default()));
    assert_eq!(
        client_events(&mut c),
        [ClientEvent::Pong {
            rtt: Duration::from_millis(250)
        }]
    );
    assert_eq!(c.stats().stray_answers, 0);

    // The keep-alive's ping goes out at 35 s; asking meanwhile adds no second PINGREQ, and
    // its one PINGRESP answers both.
    c.handle_timeout(sec(t0, 35));
    assert_eq!(
        client_out(&mut c, sec(t0, 35)),
        [ClientPacket::from(PingReq::default())]
    );
    c.ping(sec(t0, 36)).unwrap();
    assert!(client_out(&mut c, sec(t0, 36)).is_empty());
    c.handle_bytes(sec(t0, 37), &wire_s(PingResp::default()));
    assert_eq!(
        client_events(&mut c),
        [ClientEvent::Pong {
            rtt: Duration::from_secs(2)
        }]
    );
    // A keep-alive ping nobody asked about is not reported.
    c.handle_timeout(sec(t0, 67));
    assert_eq!(client_out(&mut c, sec(t0, 67)).len(), 1);
    c.handle_bytes(sec(t0, 68), &wire_s(PingResp::default()));
    assert!(client_events(&mut c).is_empty());
}

#[test]
fn the_apps_ping_times_out_with_pinging_off() {
    let t0 = Instant::now();
    let mut connect = Connect::new("phone");
    connect.keep_alive = 0;
    let mut c = timwire_session::ClientSession::new(config(Profile::Tim), t0, connect).unwrap();
    client_out(&mut c, t0);
    c.handle_bytes(
        t0,
        &wire_s(timwire_signal::ConnAck::accepted("alice", "s1", 0)),
    );
    client_events(&mut c);
    assert_eq!(c.poll_timeout(), None);
    c.ping(sec(t0, 1)).unwrap();
    assert_eq!(client_out(&mut c, sec(t0, 1)).len(), 1);
    assert_eq!(c.poll_timeout(), Some(sec(t0, 16)));
    c.handle_timeout(sec(t0, 16));
    assert_eq!(
        client_events(&mut c),
        [ClientEvent::Closed {
            reason: CloseReason::KeepAliveTimeout
        }]
    );
    assert_eq!(
        c.ping(sec(t0, 17)),
        Err(timwire_session::SubmitError::Closed)
    );
}

//! The handshake and DISCONNECT, both roles.

mod common;

use std::time::Instant;

use bytes::Bytes;
use common::*;
use timwire_session::{
    ClientEvent, ClientSession, CloseReason, Profile, ProtocolViolation, ServerEvent,
    ServerSession, SubmitError,
};
use timwire_signal::{
    ClientPacket, ClientPublish, ConnAck, ConnAckStatus, Connect, Disconnect, DisconnectStatus,
    MessageType, PingReq, QoS, ServerPacket,
};

#[test]
fn server_requires_connect_first() {
    let t0 = Instant::now();
    let mut s = ServerSession::new(config(Profile::RongCloud), t0);
    s.handle_bytes(t0, &wire_c(PingReq::default()));
    let events = server_events(&mut s);
    assert_eq!(
        closed_reason_s(&events),
        CloseReason::Violation {
            violation: ProtocolViolation::ExpectedConnect {
                got: MessageType::PINGREQ
            },
            status: DisconnectStatus::REMOTE_CLOSE,
        }
    );
    assert_server_disconnects(&mut s, t0, DisconnectStatus::REMOTE_CLOSE);
    // Closed: later input and requests are refused, nothing more is sent.
    s.handle_bytes(t0, &wire_c(Connect::new("phone")));
    assert!(server_events(&mut s).is_empty());
    assert_eq!(
        s.accept(t0, ConnAck::accepted("a", "s", 0)),
        Err(SubmitError::Closed)
    );
}

#[test]
fn server_rejects_a_second_connect() {
    let t0 = Instant::now();
    let mut s = connected_server(config(Profile::Tim), t0, 30);
    s.handle_bytes(t0, &wire_c(Connect::new("phone")));
    let events = server_events(&mut s);
    assert!(matches!(
        closed_reason_s(&events),
        CloseReason::Violation {
            violation: ProtocolViolation::SecondConnect,
            ..
        }
    ));
    assert_server_disconnects(&mut s, t0, DisconnectStatus::REMOTE_CLOSE);
}

#[test]
fn server_pauses_until_the_app_decides_then_processes_pipelined_frames() {
    let t0 = Instant::now();
    let mut s = ServerSession::new(config(Profile::Tim), t0);
    // CONNECT and a qos-0 PUBLISH in one read.
    let mut bytes = wire_c(Connect::new("phone")).to_vec();
    bytes.extend_from_slice(&wire_c(ClientPublish::new(
        QoS::AtMostOnce,
        "timPres",
        "bob",
        1,
        Bytes::from_static(b"x"),
    )));
    s.handle_bytes(t0, &bytes);
    let events = server_events(&mut s);
    assert!(matches!(events.as_slice(), [ServerEvent::Connect { .. }]));
    assert!(!s.wants_read());
    assert_eq!(s.poll_timeout(), Some(sec(t0, 10))); // the handshake timeout
    assert!(
        s.publish(
            t0,
            timwire_signal::ServerPublish::new(QoS::AtMostOnce, 0, "t", "u", 0, Bytes::new())
        )
        .is_err()
    );
    s.accept(t0, ConnAck::accepted("alice", "s1", 0)).unwrap();
    assert_eq!(
        s.accept(t0, ConnAck::accepted("alice", "s1", 0)),
        Err(SubmitError::InvalidState("no connection awaits acceptance"))
    );
    // The buffered PUBLISH is processed on the next timer call, which is due at once.
    assert_eq!(s.poll_timeout(), Some(t0));
    s.handle_timeout(t0);
    assert!(matches!(
        server_events(&mut s).as_slice(),
        [ServerEvent::Publish { .. }]
    ));
    assert!(s.wants_read());
    assert_eq!(s.idle_limit(), Some(std::time::Duration::from_secs(45)));
}

#[test]
fn server_refuses_with_a_connack_code_and_closes() {
    let t0 = Instant::now();
    let mut s = ServerSession::new(config(Profile::RongCloud), t0);
    s.handle_packet(t0, ClientPacket::from(Connect::new("phone")));
    let Some(ServerEvent::Connect { connect }) = s.poll_event() else {
        panic!()
    };
    assert_eq!(timwire_session::handshake::check_connect(&connect), Ok(()));
    assert!(s.refuse(t0, ConnAckStatus::ACCEPTED).is_err());
    s.refuse(t0, ConnAckStatus::TOKEN_INCORRECT).unwrap();
    let out = server_out(&mut s, t0);
    // A refusing CONNACK, and no DISCONNECT after it.
    assert!(
        matches!(out.as_slice(), [ServerPacket::ConnAck(a)] if a.status == ConnAckStatus::TOKEN_INCORRECT)
    );
    assert_eq!(
        closed_reason_s(&server_events(&mut s)),
        CloseReason::Refused {
            status: ConnAckStatus::TOKEN_INCORRECT
        }
    );
    assert!(s.is_closed());
}

#[test]
fn client_reports_a_refused_connack_and_closes() {
    let t0 = Instant::now();
    let mut c = ClientSession::new(config(Profile::RongCloud), t0, Connect::new("phone")).unwrap();
    assert_eq!(
        c.publish(
            t0,
            ClientPublish::new(QoS::AtLeastOnce, "ppMsgP", "bob", 0, Bytes::new())
        ),
        Err(SubmitError::NotConnected)
    );
    assert!(matches!(
        c.poll_transmit(t0),
        Some(ClientPacket::Connect(_))
    ));
    c.handle_bytes(t0, &wire_s(ConnAck::new(ConnAckStatus::TOKEN_EXPIRE)));
    let events = client_events(&mut c);
    assert_eq!(
        events,
        [
            ClientEvent::Refused {
                status: ConnAckStatus::TOKEN_EXPIRE
            },
            ClientEvent::Closed {
                reason: CloseReason::Refused {
                    status: ConnAckStatus::TOKEN_EXPIRE
                }
            }
        ]
    );
    assert_eq!(c.poll_transmit(t0), None); // nothing sent after a refusal
    assert!(c.is_closed());
    assert_eq!(
        c.publish(
            t0,
            ClientPublish::new(QoS::AtLeastOnce, "ppMsgP", "bob", 0, Bytes::new())
        ),
        Err(SubmitError::Closed)
    );
}

#[test]
fn client_requires_connack_first_and_once() {
    let t0 = Instant::now();
    let mut c = ClientSession::new(config(Profile::RongCloud), t0, Connect::new("phone")).unwrap();
    client_out(&mut c, t0);
    c.handle_bytes(t0, &wire_s(timwire_signal::PingResp::default()));
    assert!(matches!(
        closed_reason_c(&client_events(&mut c)),
        CloseReason::Violation {
            violation: ProtocolViolation::ExpectedConnAck {
                got: MessageType::PINGRESP
            },
            ..
        }
    ));
    assert_client_disconnects(&mut c, t0, DisconnectStatus::REMOTE_CLOSE);

    let mut c = connected_client(config(Profile::RongCloud), t0);
    c.handle_bytes(t0, &wire_s(ConnAck::accepted("a", "b", 0)));
    assert!(matches!(
        closed_reason_c(&client_events(&mut c)),
        CloseReason::Violation {
            violation: ProtocolViolation::SecondConnAck,
            ..
        }
    ));
}

#[test]
fn disconnect_in_both_directions() {
    let t0 = Instant::now();
    // Server → client: the client closes with the server's status and answers nothing.
    let mut c = connected_client(config(Profile::RongCloud), t0);
    c.handle_bytes(
        t0,
        &wire_s(Disconnect::new(DisconnectStatus::OTHER_DEVICE_LOGIN)),
    );
    assert_eq!(
        client_events(&mut c),
        [ClientEvent::Closed {
            reason: CloseReason::Peer {
                status: DisconnectStatus::OTHER_DEVICE_LOGIN
            }
        }]
    );
    assert_eq!(c.poll_transmit(t0), None);

    // Client → server.
    let mut s = connected_server(config(Profile::RongCloud), t0, 30);
    s.handle_bytes(t0, &wire_c(Disconnect::new(DisconnectStatus::LOGOUT)));
    assert_eq!(
        server_events(&mut s),
        [ServerEvent::Closed {
            reason: CloseReason::Peer {
                status: DisconnectStatus::LOGOUT
            }
        }]
    );
    assert_eq!(s.poll_transmit(t0), None);

    // The app's DISCONNECT goes out after what was queued.
    let mut c = connected_client(config(Profile::RongCloud), t0);
    c.publish(
        t0,
        ClientPublish::new(QoS::AtMostOnce, "ppMsgS", "bob", 0, Bytes::new()),
    )
    .unwrap();
    c.disconnect(t0, DisconnectStatus::LOGOUT).unwrap();
    let out = client_out(&mut c, t0);
    assert!(matches!(
        out.as_slice(),
        [ClientPacket::Publish(_), ClientPacket::Disconnect(d)] if d.status == DisconnectStatus::LOGOUT
    ));
    assert_eq!(
        client_events(&mut c),
        [ClientEvent::Closed {
            reason: CloseReason::Local {
                status: DisconnectStatus::LOGOUT
            }
        }]
    );
    assert_eq!(
        c.disconnect(t0, DisconnectStatus::LOGOUT),
        Err(SubmitError::Closed)
    );

    let mut s = connected_server(config(Profile::RongCloud), t0, 30);
    s.disconnect(t0, DisconnectStatus::OTHER_DEVICE_LOGIN)
        .unwrap();
    assert_server_disconnects(&mut s, t0, DisconnectStatus::OTHER_DEVICE_LOGIN);
}

#[test]
fn handshake_timeouts() {
    let t0 = Instant::now();
    let mut c = ClientSession::new(config(Profile::RongCloud), t0, Connect::new("phone")).unwrap();
    client_out(&mut c, t0);
    assert_eq!(c.poll_timeout(), Some(sec(t0, 10)));
    c.handle_timeout(at(t0, 9_999));
    assert!(!c.is_closed());
    c.handle_timeout(sec(t0, 10));
    assert_eq!(
        client_events(&mut c),
        [ClientEvent::Closed {
            reason: CloseReason::HandshakeTimeout
        }]
    );
    assert_eq!(c.poll_transmit(sec(t0, 10)), None);

    let mut s = ServerSession::new(config(Profile::RongCloud), t0);
    s.handle_timeout(sec(t0, 10));
    assert_eq!(
        closed_reason_s(&server_events(&mut s)),
        CloseReason::HandshakeTimeout
    );
    assert_server_disconnects(&mut s, sec(t0, 10), DisconnectStatus::REMOTE_CLOSE);
}

#[test]
fn web_sdk_style_no_connect() {
    let t0 = Instant::now();
    let mut s = ServerSession::without_connect(config(Profile::RongCloud), t0);
    let mut c = ClientSession::without_connect(config(Profile::RongCloud), t0);
    assert_eq!(c.poll_transmit(t0), None); // no CONNECT
    s.accept(t0, ConnAck::accepted("alice", "s1", 1_700_000_000_000))
        .unwrap();
    let mut pair = Pair::new(c, s, t0);
    let (ce, _) = pair.pump();
    match ce.as_slice() {
        [ClientEvent::Connected { session: Some(s) }] => assert_eq!(&*s.user_id, "alice"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        pair.client.keep_alive(),
        Some(std::time::Duration::from_secs(30))
    );
    assert_eq!(
        pair.server.idle_limit(),
        Some(std::time::Duration::from_secs(45))
    );
}

//! Whole conversations: a client engine and a server engine connected by in-memory pipes,
//! driven by pumping bytes between them with a fake clock — connect, publish both ways, the
//! RongCloud pull cycle, a sync copy, subscriptions, keep-alive and disconnect.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use timwire::proto::Message as _;
use timwire::proto::rongcloud::{
    DownStreamMessage, DownStreamMessages, NotifyMsg, SyncRequestMsg, UpStreamMessage,
};
use timwire::proto::tim::{TimMessage, TimMessageList};
use timwire::registry::{Carrier, Payload, Profile as Registry};
use timwire_session::handshake::check_connect;
use timwire_session::{
    ClientEvent, ClientSession, CloseReason, Config, Profile, ServerEvent, ServerSession,
};
use timwire_signal::{
    AckStatus, ClientPublish, ConnAck, Connect, DisconnectStatus, Framing, QoS, Query, QueryAck,
    ServerPubAck, ServerPublish, SubAck, Subscribe, Subscriptions, Topics, Unsubscribe,
};

const DATE: u32 = 1_795_432_394;

fn text(s: &str) -> UpStreamMessage {
    UpStreamMessage {
        session_id: 3,
        classname: "RC:TxtMsg".into(),
        content: Bytes::from(format!("{{\"content\":\"{s}\"}}")),
        ..Default::default()
    }
}

fn only<T: std::fmt::Debug>(mut v: Vec<T>) -> T {
    assert_eq!(v.len(), 1, "{v:?}");
    v.remove(0)
}

#[test]
fn rongcloud_conversation_over_tcp() {
    let t0 = Instant::now();
    let cfg = Config::new(Profile::RongCloud);
    let client = ClientSession::new(cfg.clone(), t0, Connect::new("alice-phone")).unwrap();
    let server = ServerSession::new(cfg, t0);
    let mut pair = Pair::new(client, server, t0);

    // Connect: the app checks the CONNECT and accepts it with userId, sessionId and time.
    let (_, se) = pair.pump();
    let ServerEvent::Connect { connect } = only(se) else {
        panic!()
    };
    assert_eq!(check_connect(&connect), Ok(()));
    pair.server
        .accept(
            t0,
            ConnAck::accepted("alice", "session-1", 1_795_432_394_000),
        )
        .unwrap();
    let (ce, _) = pair.pump();
    let ClientEvent::Connected {
        session: Some(session),
    } = only(ce)
    else {
        panic!()
    };
    assert_eq!(
        (&*session.user_id, session.timestamp),
        ("alice", 1_795_432_394_000)
    );

    // The client sends a text message; the server stores it and answers with its messageUId.
    let up = text("hello bob");
    let sent = pair
        .client
        .publish(
            t0,
            ClientPublish::new(
                QoS::AtLeastOnce,
                "ppMsgP",
                "bob",
                0,
                Bytes::from(up.encode_to_vec()),
            ),
        )
        .unwrap();
    let (_, se) = pair.pump();
    let ServerEvent::Publish { publish } = only(se) else {
        panic!()
    };
    let payload = Registry::RongCloud
        .decode(&publish.topic, Carrier::ClientPublish, publish.data.clone())
        .unwrap();
    assert_eq!(payload, Payload::UpStreamMessage(up.clone()));
    pair.server
        .ack_publish(
            t0,
            ServerPubAck::new(publish.msg_id, DATE, AckStatus::SUCCESS, 449)
                .with_message_uid("BVF1-0001"),
        )
        .unwrap();
    let (ce, _) = pair.pump();
    match only(ce) {
        ClientEvent::PublishAcked { id, ack } => {
            assert_eq!(id, sent);
            assert_eq!(ack.message_uid.as_deref(), Some("BVF1-0001"));
            assert_eq!(ack.timestamp_ms(), 1_795_432_394_449);
        }
        other => panic!("{other:?}"),
    }

    // A message for alice was stored: the server notifies (s_ntf, qos 1), the client PUBACKs.
    let ntf = NotifyMsg {
        r#type: 1,
        time: Some(1_795_432_395_000),
        chrm_id: None,
    };
    let pushed = pair
        .server
        .publish(
            t0,
            ServerPublish::new(
                QoS::AtLeastOnce,
                DATE,
                "s_ntf",
                "alice",
                0,
                Bytes::from(ntf.encode_to_vec()),
            ),
        )
        .unwrap();
    let (ce, se) = pair.pump();
    let ClientEvent::Message { publish } = only(ce) else {
        panic!()
    };
    assert_eq!(
        Registry::RongCloud
            .decode(
                &publish.topic,
                Carrier::ServerPublish { sync: false },
                publish.data
            )
            .unwrap(),
        Payload::NotifyMsg(ntf)
    );
    assert!(matches!(only(se), ServerEvent::Delivered { id, .. } if id == pushed));

    // The pull: QUERY pullMsg from the stored sync time → qos-1 QUERYACK → QUERYCON (automatic).
    let sync_time = 1_795_432_300_000;
    let request = SyncRequestMsg {
        sync_time,
        ispolling: false,
        ..Default::default()
    };
    let pull = pair
        .client
        .query(
            t0,
            Query::new(
                QoS::AtLeastOnce,
                "pullMsg",
                "alice",
                0,
                Bytes::from(request.encode_to_vec()),
            ),
        )
        .unwrap();
    let (_, se) = pair.pump();
    let ServerEvent::Query { query } = only(se) else {
        panic!()
    };
    assert_eq!(
        Registry::RongCloud
            .decode(&query.topic, Carrier::Query, query.data.clone())
            .unwrap(),
        Payload::SyncRequestMsg(request)
    );
    let batch = DownStreamMessages {
        list: vec![DownStreamMessage {
            from_user_id: "bob".into(),
            r#type: 1,
            classname: "RC:TxtMsg".into(),
            content: Bytes::from_static(b"{\"content\":\"hi alice\"}"),
            data_time: 1_795_432_395_000,
            msg_id: Some("BVF1-0002".into()),
            ..Default::default()
        }],
        sync_time: 1_795_432_395_000,
        finished: Some(true),
    };
    pair.server
        .answer_query(
            t0,
            QueryAck::new(
                QoS::AtLeastOnce,
                query.msg_id,
                DATE,
                AckStatus::SUCCESS,
                Bytes::from(batch.encode_to_vec()),
            ),
        )
        .unwrap();
    let (ce, se) = pair.pump();
    match only(ce) {
        ClientEvent::QueryAnswered { id, topic, ack } => {
            assert_eq!(id, pull);
            // The QUERYACK has no topic; the engine kept the QUERY's, to decode by.
            let decoded = Registry::RongCloud
                .decode(&topic, Carrier::QueryAck, ack.data)
                .unwrap();
            assert_eq!(decoded, Payload::DownStreamMessages(batch));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        only(se),
        ServerEvent::QueryConfirmed {
            msg_id: query.msg_id
        }
    );
    assert!(pair.log.contains(&(true, 0x70)), "a QUERYCON crossed"); // QUERYCON, qos 0

    // Alice sent a message from her laptop: the server syncs it to this device.
    let from_laptop = text("sent from the laptop");
    pair.server
        .send_sync_copy(
            t0,
            ServerPublish::new(
                QoS::AtLeastOnce,
                DATE,
                "ppMsgP",
                "bob",
                0,
                Bytes::from(from_laptop.encode_to_vec()),
            ),
            ServerPubAck::new(0, DATE, AckStatus::SUCCESS, 500).with_message_uid("BVF1-0003"),
        )
        .unwrap();
    let (ce, _) = pair.pump();
    let ClientEvent::Synced(synced) = only(ce) else {
        panic!()
    };
    assert_eq!(synced.message_uid(), Some("BVF1-0003"));
    assert_eq!(
        Registry::RongCloud
            .decode(
                &synced.publish.topic,
                Carrier::ServerPublish { sync: true },
                synced.publish.data.clone()
            )
            .unwrap(),
        Payload::UpStreamMessage(from_laptop)
    );

    // Subscriptions (MQTT layouts).
    let sub = pair
        .client
        .subscribe(
            t0,
            Subscribe::new(
                0,
                Subscriptions::new([("s_stat", QoS::AtLeastOnce)]).unwrap(),
            ),
        )
        .unwrap();
    let (_, se) = pair.pump();
    let ServerEvent::Subscribe { subscribe } = only(se) else {
        panic!()
    };
    pair.server
        .ack_subscribe(t0, SubAck::new(subscribe.msg_id, Bytes::from_static(&[1])))
        .unwrap();
    let (ce, _) = pair.pump();
    assert!(
        matches!(only(ce), ClientEvent::Subscribed { id, ack } if id == sub && ack.granted_qos().eq([1]))
    );
    let unsub = pair
        .client
        .unsubscribe(t0, Unsubscribe::new(0, Topics::new(["s_stat"]).unwrap()))
        .unwrap();
    let (_, se) = pair.pump();
    let ServerEvent::Unsubscribe { unsubscribe } = only(se) else {
        panic!()
    };
    pair.server.ack_unsubscribe(t0, unsubscribe.msg_id).unwrap();
    let (ce, _) = pair.pump();
    assert_eq!(only(ce), ClientEvent::Unsubscribed { id: unsub });

    // Quiet for 30 s: the client pings, the server answers, nobody closes.
    assert_eq!(pair.client.poll_timeout(), Some(sec(t0, 30)));
    pair.advance_to(sec(t0, 30));
    let (ce, se) = pair.pump();
    assert!(ce.is_empty() && se.is_empty());
    assert!(pair.log.ends_with(&[(true, 0xC0), (false, 0xD0)]));
    pair.advance_to(sec(t0, 45));
    assert!(pair.client.is_connected() && pair.server.is_connected());

    // The user logs out.
    pair.client
        .disconnect(pair.now, DisconnectStatus::LOGOUT)
        .unwrap();
    let (ce, se) = pair.pump();
    assert_eq!(
        only(ce),
        ClientEvent::Closed {
            reason: CloseReason::Local {
                status: DisconnectStatus::LOGOUT
            }
        }
    );
    assert_eq!(
        only(se),
        ServerEvent::Closed {
            reason: CloseReason::Peer {
                status: DisconnectStatus::LOGOUT
            }
        }
    );
    for stats in [pair.client.stats(), pair.server.stats()] {
        assert_eq!(
            (
                stats.duplicates,
                stats.stray_answers,
                stats.timeouts,
                stats.retransmits
            ),
            (0, 0, 0, 0)
        );
    }
    assert_eq!(pair.client.stats().inflight_publishes, 0);
}

#[test]
fn tim_conversation_over_websocket_with_a_lost_puback() {
    let t0 = Instant::now();
    let cfg = Config::new(Profile::Tim).with_framing(Framing::Message);
    let mut connect = Connect::new("phone");
    connect.app_id = Some("tim.example".into());
    connect.token = Some("login-token".into());
    connect.keep_alive = 60;
    let client = ClientSession::new(cfg.clone(), t0, connect).unwrap();
    let server = ServerSession::new(cfg, t0);
    let mut pair = Pair::new(client, server, t0);
    let (_, se) = pair.pump();
    let ServerEvent::Connect { connect } = only(se) else {
        panic!()
    };
    assert_eq!(connect.token.as_deref(), Some("login-token"));
    pair.server
        .accept(t0, ConnAck::accepted("alice@tim.example", "ws-1", 0))
        .unwrap();
    pair.pump();
    assert_eq!(pair.server.idle_limit(), Some(Duration::from_secs(90)));

    // The server pushes a TimMessage; the client app gets it once even though the server
    // resends it (the client's PUBACK was "slow": we hold it back for 10 s).
    let m = TimMessage {
        ms_type: 2,
        od_type: 1,
        id: Some(1001),
        data_string: Some("hi".into()),
        ..Default::default()
    };
    pair.server
        .publish(
            t0,
            ServerPublish::new(
                QoS::AtLeastOnce,
                DATE,
                "timMsg",
                "alice",
                0,
                Bytes::from(m.encode_to_vec()),
            ),
        )
        .unwrap();
    let frame = pair.server.poll_transmit_bytes(t0).unwrap();
    assert_eq!(frame[0], 0x32); // message framing: the header byte first, no length
    pair.client.handle_message(t0, frame);
    let held_back: Vec<Bytes> =
        std::iter::from_fn(|| pair.client.poll_transmit_bytes(t0)).collect();
    assert_eq!(held_back.len(), 1); // the PUBACK, not delivered yet
    pair.advance_to(sec(t0, 10)); // the server resends (no dup bit)
    let (ce, se) = pair.pump();
    assert!(matches!(only(se), ServerEvent::Delivered { .. }));
    let ClientEvent::Message { publish } = only(ce) else {
        panic!()
    };
    assert!(!publish.flags.dup);
    assert_eq!(
        Registry::Tim
            .decode(
                &publish.topic,
                Carrier::ServerPublish { sync: false },
                publish.data
            )
            .unwrap(),
        Payload::TimMessage(m)
    );
    assert_eq!(pair.client.stats().duplicates, 1);
    assert_eq!(pair.server.stats().retransmits, 1);
    // The first PUBACK arrives after the second answered the resent PUBLISH: a late answer,
    // not a stray.
    for frame in held_back {
        pair.server.handle_message(pair.now, frame);
    }
    assert_eq!(
        (
            pair.server.stats().late_answers,
            pair.server.stats().stray_answers
        ),
        (1, 0)
    );

    // Offline messages: timOffl, answered with qos 1, confirmed by QUERYCON.
    pair.client
        .query(
            pair.now,
            Query::new(QoS::AtMostOnce, "timOffl", "alice", 0, Bytes::new()),
        )
        .unwrap();
    let (_, se) = pair.pump();
    let ServerEvent::Query { query } = only(se) else {
        panic!()
    };
    let list = TimMessageList {
        id: Some(7),
        message_list: vec![TimMessage::default()],
    };
    pair.server
        .answer_query(
            pair.now,
            QueryAck::new(
                QoS::AtLeastOnce,
                query.msg_id,
                DATE,
                AckStatus::SUCCESS,
                Bytes::from(list.encode_to_vec()),
            ),
        )
        .unwrap();
    let (ce, se) = pair.pump();
    let ClientEvent::QueryAnswered { topic, ack, .. } = only(ce) else {
        panic!()
    };
    assert_eq!(
        Registry::Tim
            .decode(&topic, Carrier::QueryAck, ack.data)
            .unwrap(),
        Payload::TimMessageList(list)
    );
    assert!(matches!(only(se), ServerEvent::QueryConfirmed { .. }));

    // The server kicks the device (another login) with a DISCONNECT status.
    pair.server
        .disconnect(pair.now, DisconnectStatus::OTHER_DEVICE_LOGIN)
        .unwrap();
    let (ce, _) = pair.pump();
    assert_eq!(
        only(ce),
        ClientEvent::Closed {
            reason: CloseReason::Peer {
                status: DisconnectStatus::OTHER_DEVICE_LOGIN
            }
        }
    );
}

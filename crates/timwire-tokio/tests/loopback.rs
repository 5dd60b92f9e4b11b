//! The drivers over real loopback sockets, TCP and WebSocket: hostile peers (slow-loris, a
//! peer that never acknowledges, a malformed frame) affect only their own connection, and a
//! server restart in the middle of a stream loses nothing.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::{SinkExt as _, StreamExt as _};
use timwire_session::{CloseReason, Config, Profile, ServerEvent};
use timwire_signal::{
    AckStatus, ClientPublish, ConnAck, Connect, DisconnectStatus, Encode, EncodeOptions, QoS,
    ServerPacket, ServerPubAck, ServerPublish, StreamDecoder,
};
use timwire_tokio::client::{self, ClientConfig};
use timwire_tokio::server::{self, Connection, ConnectionId, Server, ServerConfig};
use timwire_tokio::{End, Transport};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// A hang guard: every test finishes far sooner.
const GUARD: Duration = Duration::from_secs(60);

const TRANSPORTS: [Transport; 2] = [Transport::Tcp, Transport::Ws];

async fn start(config: ServerConfig, transport: Transport, addr: SocketAddr) -> Server {
    let builder = Server::builder(config);
    let builder = match transport {
        Transport::Tcp => builder.tcp(addr),
        Transport::Ws => builder.ws(addr),
    };
    builder.start().await.unwrap()
}

fn server_addr(server: &Server, transport: Transport) -> SocketAddr {
    match transport {
        Transport::Tcp => server.tcp_addr().unwrap(),
        _ => server.ws_addr().unwrap(),
    }
}

fn frame<P: Encode>(packet: &P, transport: Transport) -> Bytes {
    packet
        .to_bytes(transport.framing(), &EncodeOptions::default())
        .unwrap()
}

/// A peer that writes raw bytes (stream) or raw binary messages (WS).
enum Raw {
    Tcp(TcpStream),
    Ws(Box<tokio_tungstenite::WebSocketStream<TcpStream>>),
}

impl Raw {
    async fn connect(transport: Transport, addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).await.unwrap();
        match transport {
            Transport::Tcp => Self::Tcp(stream),
            _ => {
                let url = format!("ws://{addr}/");
                let (ws, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
                Self::Ws(Box::new(ws))
            }
        }
    }

    async fn send(&mut self, frame: Bytes) {
        match self {
            Self::Tcp(s) => s.write_all(&frame).await.unwrap(),
            Self::Ws(ws) => ws.send(Message::Binary(frame)).await.unwrap(),
        }
    }

    /// Every packet the server sent until it closed the connection.
    async fn read_to_close(self) -> Vec<ServerPacket> {
        let mut packets = Vec::new();
        match self {
            Self::Tcp(mut s) => {
                let mut all = Vec::new();
                let _ = s.read_to_end(&mut all).await;
                let mut buf = BytesMut::from(&all[..]);
                let decoder = StreamDecoder::new();
                while let Some(p) = decoder.decode_packet::<ServerPacket>(&mut buf).unwrap() {
                    packets.push(p);
                }
                assert!(buf.is_empty(), "a partial frame before the close");
            }
            Self::Ws(mut ws) => {
                while let Some(Ok(message)) = ws.next().await {
                    if let Message::Binary(b) = message {
                        packets.push(timwire_signal::Decode::from_message(b).unwrap());
                    }
                }
            }
        }
        packets
    }
}

/// The app side of a test server: accepts every CONNECT, records and acknowledges every
/// PUBLISH (its data in `store`), and reports the rest on `tx`.
fn spawn_app(
    server: Server,
    store: Arc<Mutex<Vec<Bytes>>>,
    tx: mpsc::UnboundedSender<server::Event>,
) -> tokio::task::JoinHandle<()> {
    spawn_stoppable_app(server, store, tx, tokio::sync::oneshot::channel().1)
}

/// [`spawn_app`] that also shuts the server down gracefully when `stop` fires, and ends once
/// every connection has closed.
fn spawn_stoppable_app(
    mut server: Server,
    store: Arc<Mutex<Vec<Bytes>>>,
    tx: mpsc::UnboundedSender<server::Event>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut conns: HashMap<ConnectionId, Connection> = HashMap::new();
        let mut stopping = false;
        loop {
            let event = tokio::select! {
                fired = &mut stop, if !stopping => {
                    // A dropped sender means "never".
                    stopping = true;
                    if fired.is_ok() {
                        server.shutdown(DisconnectStatus::REMOTE_CLOSE);
                    }
                    continue;
                }
                event = server.next_event() => match event {
                    Some(event) => event,
                    None => break,
                },
            };
            match &event {
                server::Event::Opened { conn, .. } => {
                    conns.insert(conn.id(), conn.clone());
                }
                server::Event::Session {
                    conn,
                    event: ServerEvent::Connect { connect },
                } => {
                    let ack = ConnAck::accepted(connect.client_id.to_string(), "s", 0);
                    conns[conn].accept(ack).await.unwrap();
                }
                server::Event::Session {
                    conn,
                    event: ServerEvent::Publish { publish },
                } => {
                    store.lock().unwrap().push(publish.data.clone());
                    if publish.flags.qos.needs_ack() {
                        let ack = ServerPubAck::new(publish.msg_id, 1, AckStatus::SUCCESS, 0);
                        let _ = conns[conn].ack_publish(ack).await;
                    }
                }
                server::Event::Closed { conn, .. } => {
                    conns.remove(conn);
                }
                _ => {}
            }
            if tx.send(event).is_err() {
                // Nobody watches: keep serving.
            }
        }
    })
}

/// Waits for the `Closed` event of the connection opened `nth` (1-based) on `rx`.
async fn closed_of(
    rx: &mut mpsc::UnboundedReceiver<server::Event>,
    nth: usize,
) -> (ConnectionId, End) {
    let mut opened = Vec::new();
    loop {
        match rx.recv().await.unwrap() {
            server::Event::Opened { conn, .. } => opened.push(conn.id()),
            server::Event::Closed { conn, end } if opened.get(nth - 1) == Some(&conn) => {
                return (conn, end);
            }
            _ => {}
        }
    }
}

#[tokio::test(start_paused = true)]
async fn slow_loris_is_timed_out() {
    for transport in TRANSPORTS {
        let mut config = ServerConfig::new(Config::new(Profile::RongCloud));
        config.session.handshake_timeout = Duration::from_secs(3);
        let server = start(config, transport, "127.0.0.1:0".parse().unwrap()).await;
        let addr = server_addr(&server, transport);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let _app = spawn_app(server, Arc::default(), tx);

        let mut raw = Raw::connect(transport, addr).await;
        let connect = frame(&Connect::<Bytes>::new("loris"), Transport::Tcp);
        let half = connect.slice(..connect.len() / 2);
        match &mut raw {
            // Half a frame on the byte stream, then nothing.
            Raw::Tcp(s) => s.write_all(&half).await.unwrap(),
            // Half a WebSocket frame: a binary frame header announcing more than follows.
            Raw::Ws(ws) => {
                let mut head = vec![0x82, 0x80 | 20, 1, 2, 3, 4]; // FIN binary, masked, 20 bytes
                head.extend_from_slice(&half);
                ws.get_mut().write_all(&head).await.unwrap();
            }
        }
        let (_, end) = tokio::time::timeout(GUARD, closed_of(&mut rx, 1))
            .await
            .unwrap();
        assert!(
            matches!(end, End::Session(CloseReason::HandshakeTimeout)),
            "{transport}: {end:?}"
        );
        if let Raw::Tcp(_) = raw {
            // The server said why before closing.
            let packets = raw.read_to_close().await;
            assert!(
                matches!(packets.as_slice(), [ServerPacket::Disconnect(d)] if d.status == DisconnectStatus::REMOTE_CLOSE),
                "{packets:?}"
            );
        }
    }
}

#[tokio::test]
async fn malformed_frame_closes_only_that_connection() {
    for transport in TRANSPORTS {
        let server = start(
            ServerConfig::new(Config::new(Profile::Tim)),
            transport,
            "127.0.0.1:0".parse().unwrap(),
        )
        .await;
        let addr = server_addr(&server, transport);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let store = Arc::new(Mutex::new(Vec::new()));
        let _app = spawn_app(server, store.clone(), tx);

        // A well-behaved client, connected first.
        let config = ClientConfig::new(Config::new(Profile::Tim), transport, addr)
            .with_connect(Connect::new("good"));
        let (good, mut good_events) = client::spawn(config);
        let connected = tokio::time::timeout(GUARD, good_events.recv())
            .await
            .unwrap();
        assert!(matches!(
            connected,
            Some(client::Event::Connected { connection: 1, .. })
        ));

        // The bad peer: a CONNECT, then a frame with a reserved type and junk.
        let mut raw = Raw::connect(transport, addr).await;
        raw.send(frame(&Connect::<Bytes>::new("bad"), transport))
            .await;
        let junk = match transport {
            Transport::Tcp => Bytes::from_static(&[0xF0, 0x00, 0x00, 0x00, 0x03, 1, 2, 3]),
            _ => Bytes::from_static(&[0xF0, 1, 2, 3]),
        };
        raw.send(junk).await;
        let packets = tokio::time::timeout(GUARD, raw.read_to_close())
            .await
            .unwrap();
        assert!(
            matches!(packets.first(), Some(ServerPacket::ConnAck(_))),
            "{packets:?}"
        );
        assert!(
            matches!(packets.last(), Some(ServerPacket::Disconnect(d)) if d.status == DisconnectStatus::REMOTE_CLOSE),
            "{transport}: {packets:?}"
        );
        let (_, end) = tokio::time::timeout(GUARD, closed_of(&mut rx, 2))
            .await
            .unwrap();
        assert!(
            matches!(end, End::Session(CloseReason::Violation { .. })),
            "{transport}: {end:?}"
        );

        // The good client is unaffected: it still publishes and gets its answer.
        let publish = ClientPublish::new(
            QoS::AtLeastOnce,
            "timMsg",
            "bob",
            0,
            Bytes::from_static(b"after"),
        );
        good.publish(publish, 1).await.unwrap();
        loop {
            match tokio::time::timeout(GUARD, good_events.recv())
                .await
                .unwrap()
                .unwrap()
            {
                client::Event::Acked { tag, ack } => {
                    assert_eq!(tag, 1);
                    assert!(ack.status.is_success());
                    break;
                }
                client::Event::Disconnected { end, .. } => {
                    panic!("{transport}: good client lost: {end:?}")
                }
                _ => {}
            }
        }
        assert_eq!(
            store.lock().unwrap().as_slice(),
            [Bytes::from_static(b"after")]
        );
    }
}

#[tokio::test]
async fn a_peer_that_never_acknowledges_stalls_only_itself() {
    for transport in TRANSPORTS {
        let mut config = ServerConfig::new(Config::new(Profile::Tim));
        config.commands = 8;
        config.high_water = 16 * 1024;
        let mut server = start(config, transport, "127.0.0.1:0".parse().unwrap()).await;
        let addr = server_addr(&server, transport);

        // The stuck peer connects and then neither reads nor acknowledges anything.
        let mut stuck = Raw::connect(transport, addr).await;
        stuck
            .send(frame(&Connect::<Bytes>::new("stuck"), transport))
            .await;
        // The good peer is a driver client.
        let config = ClientConfig::new(Config::new(Profile::Tim), transport, addr)
            .with_connect(Connect::new("good"));
        let (_good, mut good_events) = client::spawn(config);

        let mut conns: HashMap<String, Connection> = HashMap::new();
        let mut ids: HashMap<ConnectionId, Connection> = HashMap::new();
        while conns.len() < 2 {
            match tokio::time::timeout(GUARD, server.next_event())
                .await
                .unwrap()
                .unwrap()
            {
                server::Event::Opened { conn, .. } => {
                    ids.insert(conn.id(), conn);
                }
                server::Event::Session {
                    conn,
                    event: ServerEvent::Connect { connect },
                } => {
                    let handle = ids[&conn].clone();
                    handle
                        .accept(ConnAck::accepted(connect.client_id.to_string(), "s", 0))
                        .await
                        .unwrap();
                    conns.insert(connect.client_id.to_string(), handle);
                }
                other => panic!("{other:?}"),
            }
        }
        // Push to the stuck peer until its connection refuses more: its socket, queue and
        // window are full.
        let payload = Bytes::from(vec![0x5a; 4096]);
        let mut pushed_to_stuck = 0u64;
        loop {
            let publish =
                ServerPublish::new(QoS::AtLeastOnce, 0, "timMsg", "stuck", 0, payload.clone());
            match conns["stuck"].try_send(server::Command::Publish {
                publish,
                tag: pushed_to_stuck,
            }) {
                Ok(()) => pushed_to_stuck += 1,
                Err(timwire_tokio::CommandError::Full) => break,
                Err(e) => panic!("{e}"),
            }
            assert!(
                pushed_to_stuck < 100_000,
                "the stuck connection never pushed back"
            );
            tokio::task::yield_now().await;
        }
        // Meanwhile the good peer gets everything pushed to it, each acknowledged.
        const N: u64 = 500;
        let good = conns["good"].clone();
        let pusher = tokio::spawn(async move {
            for tag in 0..N {
                let publish = ServerPublish::new(
                    QoS::AtLeastOnce,
                    0,
                    "timMsg",
                    "good",
                    0,
                    Bytes::from(tag.to_be_bytes().to_vec()),
                );
                good.publish(publish, tag).await.unwrap();
            }
        });
        let mut delivered = BTreeSet::new();
        let mut received = BTreeSet::new();
        while delivered.len() < N as usize || received.len() < N as usize {
            tokio::select! {
                event = server.next_event() => match event.unwrap() {
                    server::Event::Delivered { conn, tag } if conn == conns["good"].id() => {
                        assert!(delivered.insert(tag));
                    }
                    server::Event::Delivered { conn, .. } => panic!("the stuck peer acknowledged {conn}"),
                    server::Event::Closed { conn, end } => panic!("{conn} closed: {end:?}"),
                    _ => {}
                },
                event = good_events.recv() => match event.unwrap() {
                    client::Event::Session(timwire_session::ClientEvent::Message { publish }) => {
                        received.insert(u64::from_be_bytes(publish.data[..].try_into().unwrap()));
                    }
                    client::Event::Disconnected { end, .. } => panic!("good client lost: {end:?}"),
                    _ => {}
                },
                () = tokio::time::sleep(GUARD) => panic!("{transport}: stalled at {} delivered", delivered.len()),
            }
        }
        pusher.await.unwrap();
        assert_eq!(received, (0..N).collect());
        // The stuck peer is still connected, its pushes still pending.
        assert!(!conns["stuck"].is_closed());
        assert!(pushed_to_stuck > 0);
        drop(stuck);
    }
}

#[tokio::test]
async fn server_restart_mid_stream_loses_nothing() {
    for transport in TRANSPORTS {
        let store = Arc::new(Mutex::new(Vec::new()));
        let server = start(
            ServerConfig::new(Config::new(Profile::Tim)),
            transport,
            "127.0.0.1:0".parse().unwrap(),
        )
        .await;
        let addr = server_addr(&server, transport);
        let (tx, _rx) = mpsc::unbounded_channel();
        let (stop, stop_rx) = tokio::sync::oneshot::channel();
        let mut app = Some((
            spawn_stoppable_app(server, store.clone(), tx, stop_rx),
            stop,
        ));
        let mut config = ClientConfig::new(Config::new(Profile::Tim), transport, addr)
            .with_connect(Connect::new("phone"));
        config.reconnect = Some(client::Backoff::default());
        let (handle, mut events) = client::spawn(config);

        const N: u64 = 400;
        let sender = {
            let handle = handle.clone();
            tokio::spawn(async move {
                for tag in 0..N {
                    let data = Bytes::from(tag.to_be_bytes().to_vec());
                    let publish = ClientPublish::new(QoS::AtLeastOnce, "timMsg", "bob", 0, data);
                    handle.publish(publish, tag).await.unwrap();
                }
            })
        };
        let mut acked = BTreeSet::new();
        let mut restarted = false;
        let mut server2 = None;
        let mut disconnects = 0;
        while acked.len() < N as usize {
            let event = tokio::time::timeout(GUARD, events.recv())
                .await
                .unwrap()
                .unwrap();
            match event {
                client::Event::Acked { tag, ack } => {
                    assert!(ack.status.is_success());
                    acked.insert(tag);
                    if acked.len() == (N / 4) as usize && !restarted {
                        restarted = true;
                        // Shut the first server down gracefully, wait until every
                        // connection has closed, and start a new one on the same port.
                        let (task, stop) = app.take().unwrap();
                        stop.send(()).unwrap();
                        tokio::time::timeout(GUARD, task).await.unwrap().unwrap();
                        let server = start(
                            ServerConfig::new(Config::new(Profile::Tim)),
                            transport,
                            addr,
                        )
                        .await;
                        let (tx2, _rx2) = mpsc::unbounded_channel();
                        server2 = Some((spawn_app(server, store.clone(), tx2), _rx2));
                    }
                }
                client::Event::Disconnected { reconnecting, .. } => {
                    assert!(reconnecting);
                    disconnects += 1;
                }
                _ => {}
            }
        }
        sender.await.unwrap();
        assert!(
            restarted && disconnects >= 1,
            "{transport}: no restart happened"
        );
        // Every message reached the store (some twice: resent after a lost PUBACK, which the
        // tim profile leaves to the payload id to drop).
        let stored: BTreeSet<u64> = store
            .lock()
            .unwrap()
            .iter()
            .map(|d| u64::from_be_bytes(d[..].try_into().unwrap()))
            .collect();
        assert_eq!(stored, (0..N).collect(), "{transport}");
        drop(server2);
        handle.disconnect(DisconnectStatus::LOGOUT).await.unwrap();
    }
}

//! A tiny relay on the drivers: a server that forwards every client's qos-1 PUBLISH to the
//! user named in its targetId, and two clients, alice and bob, over TCP and WebSocket.
//!
//! Run with `cargo run -p timwire-tokio --example relay`.

use std::collections::HashMap;

use bytes::Bytes;
use timwire_session::{ClientEvent, Config, Profile, ServerEvent};
use timwire_signal::{
    AckStatus, ClientPublish, ConnAck, Connect, DisconnectStatus, QoS, ServerPubAck, ServerPublish,
};
use timwire_tokio::server::{Connection, ConnectionId, Event, Server, ServerConfig};
use timwire_tokio::{Transport, client};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut server = Server::builder(ServerConfig::new(Config::new(Profile::Tim)))
        .tcp("127.0.0.1:0".parse().unwrap())
        .ws("127.0.0.1:0".parse().unwrap())
        .start()
        .await?;
    let (tcp, ws) = (server.tcp_addr().unwrap(), server.ws_addr().unwrap());
    println!("relay on tcp {tcp} and ws {ws}");

    // The relay: who is who, and forwarding.
    let relay = tokio::spawn(async move {
        let mut conns: HashMap<ConnectionId, Connection> = HashMap::new();
        let mut users: HashMap<String, ConnectionId> = HashMap::new();
        while let Some(event) = server.next_event().await {
            match event {
                Event::Opened { conn, .. } => {
                    conns.insert(conn.id(), conn);
                }
                Event::Session { conn, event } => match event {
                    ServerEvent::Connect { connect } => {
                        let user = connect.client_id.to_string();
                        let ack = ConnAck::accepted(user.as_str(), "s", 0);
                        conns[&conn].accept(ack).await.ok();
                        users.insert(user, conn);
                    }
                    ServerEvent::Publish { publish } => {
                        let ack = ServerPubAck::new(publish.msg_id, 0, AckStatus::SUCCESS, 0);
                        conns[&conn].ack_publish(ack).await.ok();
                        if let Some(to) = users.get(&*publish.target_id) {
                            let forward = ServerPublish::new(
                                QoS::AtLeastOnce,
                                0,
                                publish.topic.as_str(),
                                "alice",
                                0,
                                publish.data,
                            );
                            // A full queue would mean bob is not keeping up: drop, here.
                            conns[to]
                                .try_send(timwire_tokio::server::Command::Publish {
                                    publish: forward,
                                    tag: 0,
                                })
                                .ok();
                        }
                    }
                    _ => {}
                },
                Event::Closed { conn, end } => {
                    println!("relay: {conn} closed ({end})");
                    conns.remove(&conn);
                    if conns.is_empty() {
                        server.shutdown(DisconnectStatus::REMOTE_CLOSE);
                    }
                }
                _ => {}
            }
        }
    });

    // bob listens over WebSocket, alice sends over TCP once bob is there.
    let bob = client::ClientConfig::new(Config::new(Profile::Tim), Transport::Ws, ws)
        .with_connect(Connect::new("bob"));
    let (bob, mut bob_events) = client::spawn(bob);
    let Some(client::Event::Connected { .. }) = bob_events.recv().await else {
        panic!("bob could not connect");
    };
    let alice = client::ClientConfig::new(Config::new(Profile::Tim), Transport::Tcp, tcp)
        .with_connect(Connect::new("alice"));
    let (alice, mut alice_events) = client::spawn(alice);
    while let Some(event) = alice_events.recv().await {
        match event {
            client::Event::Connected { .. } => {
                let hello = ClientPublish::new(
                    QoS::AtLeastOnce,
                    "timMsg",
                    "bob",
                    0,
                    Bytes::from_static(b"hello bob"),
                );
                alice.publish(hello, 1).await.ok();
            }
            client::Event::Acked { tag, .. } => {
                println!("alice: message {tag} stored");
                alice.disconnect(DisconnectStatus::LOGOUT).await.ok();
            }
            _ => {}
        }
    }
    while let Some(event) = bob_events.recv().await {
        if let client::Event::Session(ClientEvent::Message { publish }) = event {
            println!("bob: {:?} from {}", publish.data, publish.target_id);
            bob.disconnect(DisconnectStatus::LOGOUT).await.ok();
        }
    }
    relay.await.ok();
    Ok(())
}

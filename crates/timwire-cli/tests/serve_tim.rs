//! `timwire serve --profile tim` through the client drivers: offline messages (`timOffl`) in
//! acknowledged batches, history (`timPull`) from the store, over TCP and WebSocket.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use prost::Message as _;
use timwire::proto::tim::{Tid, TimMessage, TimMessageList, TimReq};
use timwire::{ClientPublish, Connect, QoS, Query};
use timwire_session::{ClientEvent, Config, Profile};
use timwire_tokio::Transport;
use timwire_tokio::client::{self, ClientHandle, Event};
use tokio::sync::mpsc;

const BIN: &str = env!("CARGO_BIN_EXE_timwire");
/// The longest any one step may take (a guard against a hang, not a timing assertion).
const GUARD: Duration = Duration::from_secs(30);
/// The relay's `timOffl` batch size (serve/hub.rs `OFFLINE_PAGE`).
const OFFLINE_PAGE: usize = 10;

/// `timwire serve --profile tim` on both transports; the process and its listeners.
struct Serve {
    child: Child,
    tcp: SocketAddr,
    ws: SocketAddr,
}

impl Serve {
    fn start() -> Self {
        let mut child = Command::new(BIN)
            .args(["serve", "--profile", "tim"])
            .args(["--tcp", "127.0.0.1:0", "--ws", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut addr = |transport: &str| {
            let line = lines.next().unwrap().unwrap();
            let words: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(words[..2], ["listening", transport], "{line}");
            words[2].parse().unwrap()
        };
        let (tcp, ws) = (addr("tcp"), addr("ws"));
        Self { child, tcp, ws }
    }

    fn addr(&self, transport: Transport) -> SocketAddr {
        match transport {
            Transport::Tcp => self.tcp,
            _ => self.ws,
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A connected client of user `name`.
struct User {
    handle: ClientHandle,
    events: mpsc::Receiver<Event>,
    tags: u64,
}

impl User {
    async fn connect(serve: &Serve, transport: Transport, name: &str) -> Self {
        let config =
            client::ClientConfig::new(Config::new(Profile::Tim), transport, serve.addr(transport))
                .with_connect(Connect::new(name.to_owned()));
        let (handle, events) = client::spawn(config);
        let mut user = Self {
            handle,
            events,
            tags: 0,
        };
        match user.next().await {
            Event::Connected { .. } => user,
            other => panic!("{name}: {other:?}"),
        }
    }

    async fn next(&mut self) -> Event {
        tokio::time::timeout(GUARD, self.events.recv())
            .await
            .expect("an event within the guard time")
            .expect("the client is running")
    }

    /// Sends TimMessages to `to` with these texts and ids, and waits for every PUBACK.
    async fn send(&mut self, to: &str, messages: &[(i64, String)]) {
        for (id, text) in messages {
            let message = TimMessage {
                ms_type: 2,
                od_type: 1,
                id: Some(*id),
                to_tid: Some(Tid {
                    node: to.to_owned(),
                    ..Tid::default()
                }),
                data_string: Some(text.clone()),
                ..TimMessage::default()
            };
            let data = Bytes::from(message.encode_to_vec());
            let publish = ClientPublish::new(QoS::AtLeastOnce, "timMsg", to, 0, data);
            self.handle.publish(publish, *id as u64).await.unwrap();
        }
        for _ in messages {
            match self.next().await {
                Event::Acked { ack, .. } => assert!(ack.status.is_success()),
                other => panic!("{other:?}"),
            }
        }
    }

    /// Sends a QUERY and returns its answer's TimMessageList (pushed messages that come
    /// meanwhile are returned too).
    async fn query(&mut self, topic: &str, data: Bytes) -> (TimMessageList, Vec<TimMessage>) {
        self.tags += 1;
        let tag = self.tags;
        let query = Query::new(QoS::AtLeastOnce, topic, "me", 0, data);
        self.handle.query(query, tag).await.unwrap();
        let mut pushed = Vec::new();
        loop {
            match self.next().await {
                Event::Answered {
                    tag: answered,
                    topic: asked,
                    ack,
                } if answered == tag => {
                    assert_eq!(&*asked, topic);
                    assert!(ack.status.is_success(), "{topic}: status {:?}", ack.status);
                    let list = TimMessageList::decode(&ack.data[..]).unwrap();
                    return (list, pushed);
                }
                Event::Session(ClientEvent::Message { publish }) => {
                    pushed.push(TimMessage::decode(&publish.data[..]).unwrap());
                }
                other => panic!("{topic}: {other:?}"),
            }
        }
    }

    async fn offline(&mut self) -> Vec<TimMessage> {
        let (list, pushed) = self.query("timOffl", Bytes::new()).await;
        assert!(pushed.is_empty(), "pushed meanwhile: {pushed:?}");
        list.message_list
    }

    async fn pull(&mut self, peer: &str, max_mid: i64, limit: i64) -> Vec<TimMessage> {
        let request = TimReq {
            rtype: Some(1),
            node: Some(peer.to_owned()),
            req_int: Some(max_mid),
            req_int2: Some(limit),
            ..TimReq::default()
        };
        let (list, pushed) = self
            .query("timPull", Bytes::from(request.encode_to_vec()))
            .await;
        assert!(pushed.is_empty(), "pushed meanwhile: {pushed:?}");
        list.message_list
    }

    async fn leave(mut self) {
        self.handle.close();
        loop {
            match self.next().await {
                Event::Disconnected { reconnecting, .. } => {
                    assert!(!reconnecting);
                    return;
                }
                Event::Session(ClientEvent::Message { .. }) => {}
                other => panic!("{other:?}"),
            }
        }
    }
}

fn texts(messages: &[TimMessage]) -> Vec<&str> {
    messages
        .iter()
        .map(|m| m.data_string.as_deref().unwrap_or("?"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_messages_come_in_acknowledged_batches_and_pull_reads_the_history() {
    let serve = Serve::start();
    for transport in [Transport::Tcp, Transport::Ws] {
        let (alice, bob) = (format!("alice-{transport}"), format!("bob-{transport}"));
        // alice sends bob twelve messages while bob has never been online.
        let sent: Vec<(i64, String)> = (1..=12).map(|i| (i, format!("m{i}"))).collect();
        let mut a = User::connect(&serve, transport, &alice).await;
        a.send(&bob, &sent).await;

        // bob logs in: nothing is pushed; timOffl gives the oldest ten, then the last two
        // (the engine's QUERYCON acknowledged the first batch), then nothing.
        let mut b = User::connect(&serve, transport, &bob).await;
        let first = b.offline().await;
        assert_eq!(first.len(), OFFLINE_PAGE);
        let second = b.offline().await;
        let all: Vec<TimMessage> = first.iter().chain(&second).cloned().collect();
        let expected: Vec<String> = (1..=12).map(|i| format!("m{i}")).collect();
        assert_eq!(
            texts(&all),
            expected,
            "{transport}: oldest first, each once"
        );
        for m in &all {
            assert_eq!(m.from_tid.as_ref().map(|t| t.node.as_str()), Some(&*alice));
            assert!(m.timestamp.is_some() && m.mid.is_some(), "{m:?}");
        }
        assert!(b.offline().await.is_empty(), "{transport}: acknowledged");

        // History of the conversation with alice, newest first: the latest three, and the
        // three up to m5's number.
        assert_eq!(texts(&b.pull(&alice, 0, 3).await), ["m12", "m11", "m10"]);
        let m5 = all[4].mid.unwrap();
        assert_eq!(texts(&b.pull(&alice, m5, 3).await), ["m5", "m4", "m3"]);
        // alice's side holds the same conversation; nobody else's is in it.
        assert_eq!(texts(&a.pull(&bob, 0, 1).await), ["m12"]);
        assert!(b.pull("carol", 0, 5).await.is_empty());

        // Online, a new message is pushed (and PUBACKed by bob's engine) …
        a.send(&bob, &[(13, "m13".to_owned())]).await;
        match b.next().await {
            Event::Session(ClientEvent::Message { publish }) => {
                let m = TimMessage::decode(&publish.data[..]).unwrap();
                assert_eq!(m.data_string.as_deref(), Some("m13"));
            }
            other => panic!("{other:?}"),
        }
        b.leave().await;
        // … so after a reconnect there is nothing offline; what came meanwhile is.
        a.send(&bob, &[(14, "m14".to_owned())]).await;
        let mut b = User::connect(&serve, transport, &bob).await;
        assert_eq!(texts(&b.offline().await), ["m14"], "{transport}");
        assert!(b.offline().await.is_empty());
        b.leave().await;
        a.leave().await;
    }
}

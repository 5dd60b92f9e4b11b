//! The demo's in-process tim-profile server: one [`ServerSession`] per connection, driven by
//! [`Link`], with the app's part on top.
//!
//! The engine keeps the protocol's rules (CONNECT first, the CONNACK, PINGREQ → PINGRESP,
//! msgIds, the qos-1 window and the client's PUBACKs, QUERYACK → QUERYCON, DISCONNECT). The
//! app authenticates a CONNECT by its token (`demo:<node>`), forwards `timMsg` messages with
//! the relay helpers (`timwire_session::relay::tim`: the server's id, time and messageUId; a
//! PUBACK to the sender, a qos-1 PUBLISH to the recipient) and stores them in a
//! [`MessageStore`], forwards `timPres` presence, and answers `timPull` with a qos-1 QUERYACK
//! holding the conversation's history. Every frame received or sent goes to the trace.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use bytes::Bytes;
use timwire::capture::now_us;
use timwire::proto::Message as _;
use timwire::proto::tim::{Tid, TimMessage, TimMessageList, TimReq};
use timwire::{AckStatus, ConnAck, ConnAckStatus, QoS, QueryAck, Role, ServerPublish};
use timwire_session::relay::UidGenerator;
use timwire_session::relay::tim::Forwarded;
use timwire_session::store::{Conversation, Direction, MessageStore, StoreLimits};
use timwire_session::{Config, Profile, ServerEvent, ServerSession};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::TraceEvent;
use super::transport::{Link, Transport};

/// The domain of the demo's users.
pub(crate) const DOMAIN: &str = "tim.example";
/// Messages in a `timPull` answer at most.
const PULL_LIMIT: usize = 20;

/// A PUBLISH the server sends on another connection's behalf.
#[derive(Debug)]
struct Delivery {
    qos: QoS,
    topic: &'static str,
    target_id: String,
    data: Bytes,
}

/// The relay's stored messages.
struct Store {
    messages: MessageStore<TimMessage>,
    uids: UidGenerator,
    number: i64,
}

/// What every connection shares.
pub(crate) struct Hub {
    transport: Transport,
    users: Mutex<HashMap<String, mpsc::UnboundedSender<Delivery>>>,
    store: Mutex<Store>,
    next_conn: AtomicU16,
    /// Each connection's user, to label the trace with.
    names: Mutex<BTreeMap<u16, String>>,
    trace: mpsc::UnboundedSender<TraceEvent>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn now_ms() -> i64 {
    i64::try_from(now_us() / 1000).unwrap_or(i64::MAX)
}

fn now_s() -> u32 {
    u32::try_from(now_us() / 1_000_000).unwrap_or(u32::MAX)
}

impl Hub {
    pub(crate) fn new(transport: Transport, trace: mpsc::UnboundedSender<TraceEvent>) -> Arc<Self> {
        Arc::new(Self {
            transport,
            users: Mutex::default(),
            store: Mutex::new(Store {
                messages: MessageStore::new(StoreLimits::default()),
                uids: UidGenerator::new(1),
                number: 1000,
            }),
            next_conn: AtomicU16::new(0),
            names: Mutex::default(),
            trace,
        })
    }

    /// The user connection `conn` logged in as, once it did.
    pub(crate) fn name(&self, conn: u16) -> Option<String> {
        lock(&self.names).get(&conn).cloned()
    }

    fn record(&self, conn: u16, sender: Role, wire: &Bytes) {
        // The receiver is gone only when the demo is being torn down; nothing to report then.
        let _ = self.trace.send(TraceEvent {
            conn,
            user: String::new(),
            sender,
            wire: wire.clone(),
            time_us: now_us(),
        });
    }

    fn deliver(&self, node: &str, delivery: Delivery) {
        if let Some(tx) = lock(&self.users).get(node) {
            let _ = tx.send(delivery);
        }
    }
}

/// Accepts `clients` connections on `listener` and serves each until it disconnects.
pub(crate) async fn serve(
    listener: TcpListener,
    hub: Arc<Hub>,
    clients: usize,
) -> anyhow::Result<()> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (socket, _) = listener.accept().await.context("accept")?;
        let hub = hub.clone();
        tasks.spawn(async move {
            let link = Link::accept(hub.transport, socket).await?;
            handle(link, hub).await
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.context("server task")??;
    }
    Ok(())
}

fn tid(node: &str) -> Tid {
    Tid {
        node: node.to_owned(),
        domain: Some(DOMAIN.into()),
        ..Tid::default()
    }
}

/// One connection: the engine's loop, with the app's answers to its events.
async fn handle(mut link: Link, hub: Arc<Hub>) -> anyhow::Result<()> {
    let id = hub.next_conn.fetch_add(1, Ordering::Relaxed);
    let config = Config::new(Profile::Tim).with_framing(hub.transport.framing());
    let mut session = ServerSession::new(config, Instant::now());
    let (tx, mut deliveries) = mpsc::unbounded_channel();
    let mut tx = Some(tx);
    let mut node: Option<String> = None;
    let closed = loop {
        link.flush(&mut session, |frame| hub.record(id, Role::Server, frame))
            .await?;
        if let Some(event) = session.poll_event() {
            let now = Instant::now();
            match event {
                ServerEvent::Connect { connect } => {
                    let user = connect
                        .token
                        .as_deref()
                        .and_then(|t| t.strip_prefix("demo:"))
                        .map(str::to_owned);
                    match (user, tx.take()) {
                        (Some(user), Some(tx)) => {
                            let ack = ConnAck::accepted(
                                user.as_str(),
                                format!("{}-{id}", hub.transport.name()),
                                now_ms(),
                            );
                            session.accept(now, ack)?;
                            lock(&hub.names).insert(id, user.clone());
                            lock(&hub.users).insert(user.clone(), tx);
                            node = Some(user);
                        }
                        _ => session.refuse(now, ConnAckStatus::TOKEN_INCORRECT)?,
                    }
                }
                ServerEvent::Closed { reason } => break reason,
                event => {
                    let user = node.as_deref().context("an event before the login")?;
                    answer(&hub, user, &mut session, event)?;
                }
            }
            continue;
        }
        if session.is_closed() {
            bail!("conn {id}: the session closed without reporting why");
        }
        tokio::select! {
            open = link.step(&mut session, |frame| hub.record(id, Role::Client, frame)) => {
                if !open? {
                    bail!("conn {id}: the client left without DISCONNECT");
                }
            }
            Some(d) = deliveries.recv() => {
                // msgId 0: the engine gives it one.
                let publish = ServerPublish::new(d.qos, now_s(), d.topic, d.target_id, 0, d.data);
                session.publish(Instant::now(), publish)?;
            }
        }
    };
    if let Some(user) = &node {
        lock(&hub.users).remove(user);
    }
    match closed {
        timwire_session::CloseReason::Peer { .. } => {
            // The client's DISCONNECT: let it close its side (the WebSocket close handshake).
            link.close(tokio::time::sleep(Duration::from_secs(2))).await;
            Ok(())
        }
        other => bail!("conn {id}: the session ended: {other:?}"),
    }
}

/// The app's answer to one event of a logged-in connection (and any forwarding it causes).
fn answer(
    hub: &Hub,
    node: &str,
    session: &mut ServerSession,
    event: ServerEvent,
) -> anyhow::Result<()> {
    let now = Instant::now();
    match event {
        ServerEvent::Publish { publish } if &*publish.topic == "timMsg" => {
            let message = TimMessage::decode(publish.data.clone()).context("timMsg data")?;
            let mut store = lock(&hub.store);
            let stamp = store.uids.next(now_ms())?;
            store.number += 1;
            let forwarded = Forwarded::new(&tid(node), message, stamp, store.number)?;
            let copy = || forwarded.message().clone();
            let (time, outbox) = (stamp.time_ms, forwarded.sender_conversation());
            store
                .messages
                .insert(node, time, outbox, Direction::Sent, copy())?;
            for recipient in forwarded.recipients(&[]) {
                let inbox = forwarded.recipient_conversation();
                store
                    .messages
                    .insert(recipient, time, inbox, Direction::Received, copy())?;
                let delivery = forwarded.publish(0);
                hub.deliver(
                    recipient,
                    Delivery {
                        qos: QoS::AtLeastOnce,
                        topic: "timMsg",
                        target_id: delivery.target_id.to_string(),
                        data: delivery.data,
                    },
                );
            }
            if publish.flags.qos.needs_ack() {
                session.ack_publish(now, forwarded.pub_ack(publish.msg_id))?;
            }
        }
        ServerEvent::Publish { publish } if &*publish.topic == "timPres" => {
            hub.deliver(
                &publish.target_id,
                Delivery {
                    qos: QoS::AtMostOnce,
                    topic: "timPres",
                    target_id: node.to_owned(),
                    data: publish.data,
                },
            );
        }
        ServerEvent::Query { query } if &*query.topic == "timPull" => {
            let request = TimReq::decode(query.data.clone()).context("timPull data")?;
            let peer = request.node.unwrap_or_default();
            let limit = request
                .req_int2
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| *n > 0)
                .map_or(PULL_LIMIT, |n| n.min(PULL_LIMIT));
            let store = lock(&hub.store);
            let history = store
                .messages
                .history(node, &Conversation::new(2, peer), None, limit);
            let list = TimMessageList {
                id: None,
                message_list: history.messages.iter().map(|m| m.message.clone()).collect(),
            };
            let date = now_s();
            // qos 1: the client confirms the batch with QUERYCON (the engine tracks it).
            let ack = QueryAck::new(
                QoS::AtLeastOnce,
                query.msg_id,
                date,
                AckStatus::SUCCESS,
                Bytes::from(list.encode_to_vec()),
            );
            session.answer_query(now, ack)?;
        }
        ServerEvent::QueryConfirmed { .. } | ServerEvent::Delivered { .. } => {}
        other => bail!("{node}: the demo has no answer to {other:?}"),
    }
    Ok(())
}

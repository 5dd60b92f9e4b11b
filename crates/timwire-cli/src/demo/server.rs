//! The demo's in-process server: the tim profile on top of the typed packets.
//!
//! It authenticates a CONNECT by its token (`demo:<node>`), stores and forwards `timMsg`
//! messages (PUBACK to the sender, a qos-1 PUBLISH to the recipient), forwards `timPres`
//! presence, answers `timPull` with a qos-1 QUERYACK holding the stored messages, and answers
//! PINGREQ. Every frame it receives or sends goes to the trace.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, bail};
use bytes::Bytes;
use timwire::capture::now_us;
use timwire::proto::Message as _;
use timwire::proto::tim::{Tid, TimMessage, TimMessageList, TimPresence, TimReq};
use timwire::session::MsgIdAllocator;
use timwire::signal::{SubAck, UnsubAck};
use timwire::{
    AckStatus, ClientPacket, ConnAck, ConnAckStatus, PingResp, QoS, QueryAck, Role, ServerPacket,
    ServerPubAck, ServerPublish,
};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::transport::{ServerSide, Transport};
use super::{STEP_TIMEOUT, TraceEvent};

/// A PUBLISH the server sends on another connection's behalf.
#[derive(Debug)]
struct Delivery {
    qos: QoS,
    topic: &'static str,
    target_id: String,
    data: Bytes,
}

/// What every connection shares.
pub(crate) struct Hub {
    transport: Transport,
    users: Mutex<HashMap<String, mpsc::UnboundedSender<Delivery>>>,
    messages: Mutex<Vec<TimMessage>>,
    next_message_id: AtomicI64,
    next_conn: AtomicU16,
    trace: mpsc::UnboundedSender<TraceEvent>,
}

impl Hub {
    pub(crate) fn new(transport: Transport, trace: mpsc::UnboundedSender<TraceEvent>) -> Arc<Self> {
        Arc::new(Self {
            transport,
            users: Mutex::default(),
            messages: Mutex::default(),
            next_message_id: AtomicI64::new(1001),
            next_conn: AtomicU16::new(0),
            trace,
        })
    }

    fn record<P: timwire::Encode>(
        &self,
        conn: u16,
        user: &str,
        sender: Role,
        packet: &P,
    ) -> anyhow::Result<()> {
        let wire = self.transport.wire(packet)?;
        // The receiver is gone only when the demo is being torn down; nothing to report then.
        let _ = self.trace.send(TraceEvent {
            conn,
            user: user.to_owned(),
            sender,
            wire,
            time_us: now_us(),
        });
        Ok(())
    }

    fn deliver(&self, node: &str, delivery: Delivery) {
        let users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = users.get(node) {
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
            let conn = ServerSide::accept(hub.transport, socket).await?;
            handle(conn, hub).await
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.context("server task")??;
    }
    Ok(())
}

fn now_s() -> u32 {
    u32::try_from(now_us() / 1_000_000).unwrap_or(u32::MAX)
}

fn tid(node: &str) -> Tid {
    Tid {
        node: node.to_owned(),
        domain: Some("tim.example".into()),
        ..Tid::default()
    }
}

async fn handle(mut conn: ServerSide, hub: Arc<Hub>) -> anyhow::Result<()> {
    let id = hub.next_conn.fetch_add(1, Ordering::Relaxed);
    let first = tokio::time::timeout(STEP_TIMEOUT, conn.recv())
        .await
        .context("no CONNECT in time")??
        .context("the client left before CONNECT")?;
    let ClientPacket::Connect(connect) = &first else {
        bail!("the first frame was {}, not CONNECT", first.kind());
    };
    let node = connect
        .token
        .as_deref()
        .and_then(|t| t.strip_prefix("demo:"))
        .map(str::to_owned);
    hub.record(id, node.as_deref().unwrap_or("?"), Role::Client, &first)?;
    let Some(node) = node else {
        let refusal = ServerPacket::from(ConnAck::new(ConnAckStatus::TOKEN_INCORRECT));
        hub.record(id, "?", Role::Server, &refusal)?;
        return conn.send(refusal).await;
    };
    let session = format!("{}-{id}", hub.transport.name());
    let now_ms = i64::try_from(now_us() / 1000).unwrap_or(i64::MAX);
    let accepted = ServerPacket::from(ConnAck::accepted(node.as_str(), session, now_ms));
    hub.record(id, &node, Role::Server, &accepted)?;
    conn.send(accepted).await?;

    let (tx, mut deliveries) = mpsc::unbounded_channel();
    hub.users
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(node.clone(), tx);
    let mut ids = MsgIdAllocator::new();
    loop {
        tokio::select! {
            incoming = conn.recv() => {
                let Some(packet) = incoming? else { break };
                hub.record(id, &node, Role::Client, &packet)?;
                if let Some(answer) = answer(&hub, &node, &packet)? {
                    send(&hub, id, &node, &mut conn, answer).await?;
                }
                if matches!(packet, ClientPacket::Disconnect(_)) {
                    // Let the client close its side (WebSocket close handshake) before leaving.
                    let _ = tokio::time::timeout(Duration::from_secs(2), async {
                        while let Ok(Some(_)) = conn.recv().await {}
                    }).await;
                    break;
                }
            }
            Some(d) = deliveries.recv() => {
                let publish = ServerPublish::new(d.qos, now_s(), d.topic, d.target_id, ids.next_id(), d.data);
                send(&hub, id, &node, &mut conn, ServerPacket::from(publish)).await?;
            }
        }
    }
    hub.users
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&node);
    Ok(())
}

/// Sends a packet and puts it in the trace.
async fn send(
    hub: &Hub,
    id: u16,
    node: &str,
    conn: &mut ServerSide,
    packet: ServerPacket,
) -> anyhow::Result<()> {
    hub.record(id, node, Role::Server, &packet)?;
    conn.send(packet).await
}

/// The server's answer to one client packet (and any forwarding it causes).
fn answer(hub: &Hub, node: &str, packet: &ClientPacket) -> anyhow::Result<Option<ServerPacket>> {
    Ok(match packet {
        ClientPacket::Publish(p) if &*p.topic == "timMsg" => {
            let mut message = TimMessage::decode(p.data.clone()).context("timMsg data")?;
            let message_id = hub.next_message_id.fetch_add(1, Ordering::Relaxed);
            let now = now_us();
            message.id = Some(message_id);
            message.timestamp = i64::try_from(now.saturating_mul(1000)).ok();
            message.from_tid.get_or_insert_with(|| tid(node));
            hub.messages
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(message.clone());
            hub.deliver(
                &p.target_id,
                Delivery {
                    qos: QoS::AtLeastOnce,
                    topic: "timMsg",
                    target_id: node.to_owned(),
                    data: Bytes::from(message.encode_to_vec()),
                },
            );
            p.flags.qos.needs_ack().then(|| {
                ServerPacket::from(ServerPubAck {
                    flags: timwire::Flags::NONE,
                    msg_id: p.msg_id,
                    date: u32::try_from(now / 1_000_000).unwrap_or(u32::MAX),
                    status: AckStatus::new(0),
                    millisecond: u16::try_from(now / 1000 % 1000).unwrap_or(0),
                    message_uid: Some(format!("TIM-{message_id}").into()),
                })
            })
        }
        ClientPacket::Publish(p) if &*p.topic == "timPres" => {
            TimPresence::decode(p.data.clone()).context("timPres data")?;
            hub.deliver(
                &p.target_id,
                Delivery {
                    qos: QoS::AtMostOnce,
                    topic: "timPres",
                    target_id: node.to_owned(),
                    data: p.data.clone(),
                },
            );
            None
        }
        ClientPacket::Query(q) => {
            let data = if &*q.topic == "timPull" {
                let request = TimReq::decode(q.data.clone()).context("timPull data")?;
                let peer = request.node.unwrap_or_default();
                let involves =
                    |t: &Option<Tid>, who: &str| t.as_ref().is_some_and(|t| t.node == who);
                let list: Vec<TimMessage> = hub
                    .messages
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .iter()
                    .filter(|m| {
                        (involves(&m.from_tid, node) && involves(&m.to_tid, &peer))
                            || (involves(&m.from_tid, &peer) && involves(&m.to_tid, node))
                    })
                    .cloned()
                    .collect();
                TimMessageList {
                    id: None,
                    message_list: list,
                }
                .encode_to_vec()
            } else {
                Vec::new()
            };
            // qos 1: the client confirms the batch with QUERYCON.
            Some(ServerPacket::from(QueryAck::new(
                QoS::AtLeastOnce,
                q.msg_id,
                now_s(),
                AckStatus::new(0),
                Bytes::from(data),
            )))
        }
        ClientPacket::PingReq(_) => Some(ServerPacket::from(PingResp::default())),
        ClientPacket::Subscribe(s) => {
            let granted: Vec<u8> = s.topics.iter().map(|(_, q)| q.value()).collect();
            Some(ServerPacket::from(SubAck::new(
                s.msg_id,
                Bytes::from(granted),
            )))
        }
        ClientPacket::Unsubscribe(u) => Some(ServerPacket::from(UnsubAck::new(u.msg_id))),
        _ => None,
    })
}

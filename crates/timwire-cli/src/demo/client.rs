//! The demo's two clients and their script.

use std::net::SocketAddr;

use anyhow::{Context as _, bail, ensure};
use bytes::Bytes;
use timwire::proto::Message as _;
use timwire::proto::tim::presence::SHOW_CHAT;
use timwire::proto::tim::{Tid, TimMessage, TimMessageList, TimPresence, TimReq};
use timwire::session::MsgIdAllocator;
use timwire::{
    ClientPacket, ClientPubAck, ClientPublish, ConnAckStatus, Connect, Disconnect,
    DisconnectStatus, PingReq, QoS, Query, QueryCon, ServerPacket,
};

use super::STEP_TIMEOUT;
use super::transport::{ClientSide, Transport};

/// One connected client.
struct Client {
    name: &'static str,
    conn: ClientSide,
    ids: MsgIdAllocator,
}

fn tid(node: &str) -> Tid {
    Tid {
        node: node.to_owned(),
        domain: Some("tim.example".into()),
        resource: Some("phone".into()),
        ..Tid::default()
    }
}

impl Client {
    /// Connects, sends CONNECT (tim profile: clientId = device resource, appId = domain, token =
    /// login token) and waits for an accepting CONNACK.
    async fn connect(
        transport: Transport,
        addr: SocketAddr,
        name: &'static str,
    ) -> anyhow::Result<Self> {
        let mut client = Self {
            name,
            conn: ClientSide::connect(transport, addr).await?,
            ids: MsgIdAllocator::new(),
        };
        let mut connect = Connect::new(format!("{name}-phone"));
        connect.app_id = Some("tim.example".into());
        connect.token = Some(format!("demo:{name}").into());
        client.send(connect.into()).await?;
        match client.recv().await? {
            ServerPacket::ConnAck(ack) if ack.status == ConnAckStatus::ACCEPTED => Ok(client),
            other => bail!("{name}: expected an accepting CONNACK, got {other:?}"),
        }
    }

    async fn send(&mut self, packet: ClientPacket) -> anyhow::Result<()> {
        self.conn
            .send(packet)
            .await
            .with_context(|| format!("{}: send", self.name))
    }

    async fn recv(&mut self) -> anyhow::Result<ServerPacket> {
        tokio::time::timeout(STEP_TIMEOUT, self.conn.recv())
            .await
            .with_context(|| format!("{}: no answer within {STEP_TIMEOUT:?}", self.name))?
    }

    async fn leave(mut self) -> anyhow::Result<()> {
        self.send(Disconnect::new(DisconnectStatus::new(4)).into())
            .await?;
        // The DISCONNECT is what matters; a peer that closes first is fine.
        let _ = tokio::time::timeout(STEP_TIMEOUT, self.conn.close()).await;
        Ok(())
    }
}

/// The whole conversation, step by step.
pub(crate) async fn conversation(transport: Transport, addr: SocketAddr) -> anyhow::Result<()> {
    let mut bob = Client::connect(transport, addr, "bob").await?;
    let mut alice = Client::connect(transport, addr, "alice").await?;

    // alice → bob: a chat message, qos 1.
    let message = TimMessage {
        ms_type: 2,
        od_type: 1,
        from_tid: Some(tid("alice")),
        to_tid: Some(tid("bob")),
        data_string: Some("hello, bob".into()),
        ..TimMessage::default()
    };
    let msg_id = alice.ids.next_id();
    let publish = ClientPublish::new(
        QoS::AtLeastOnce,
        "timMsg",
        "bob",
        msg_id,
        Bytes::from(message.encode_to_vec()),
    );
    alice.send(publish.into()).await?;
    match alice.recv().await? {
        ServerPacket::PubAck(ack) if ack.msg_id == msg_id && ack.status.is_success() => {}
        other => bail!("alice: expected PUBACK {msg_id}, got {other:?}"),
    }

    // The server delivers it to bob, who acknowledges it.
    let delivery = match bob.recv().await? {
        ServerPacket::Publish(p) if &*p.topic == "timMsg" => p,
        other => bail!("bob: expected the timMsg delivery, got {other:?}"),
    };
    let got = TimMessage::decode(delivery.data.clone()).context("bob: delivered data")?;
    ensure!(
        got.data_string.as_deref() == Some("hello, bob"),
        "bob got {got:?}"
    );
    ensure!(delivery.needs_ack(), "the delivery should ask for a PUBACK");
    bob.send(ClientPubAck::new(delivery.msg_id).into()).await?;

    // alice's presence, forwarded to bob (qos 0: no answer).
    let presence = TimPresence {
        from_tid: Some(tid("alice")),
        to_tid: Some(tid("bob")),
        show: Some(SHOW_CHAT),
        status: Some("online".into()),
        ..TimPresence::default()
    };
    let id = alice.ids.next_id();
    let publish = ClientPublish::new(
        QoS::AtMostOnce,
        "timPres",
        "bob",
        id,
        Bytes::from(presence.encode_to_vec()),
    );
    alice.send(publish.into()).await?;
    match bob.recv().await? {
        ServerPacket::Publish(p) if &*p.topic == "timPres" => {}
        other => bail!("bob: expected the presence, got {other:?}"),
    }

    // alice pulls her conversation with bob: QUERY → QUERYACK (qos 1) → QUERYCON.
    let request = TimReq {
        node: Some("bob".into()),
        req_int: Some(20),
        ..TimReq::default()
    };
    let query_id = alice.ids.next_id();
    let query = Query::new(
        QoS::AtMostOnce,
        "timPull",
        "alice",
        query_id,
        Bytes::from(request.encode_to_vec()),
    );
    alice.send(query.into()).await?;
    let ack = match alice.recv().await? {
        ServerPacket::QueryAck(a) if a.msg_id == query_id => a,
        other => bail!("alice: expected QUERYACK {query_id}, got {other:?}"),
    };
    let list = TimMessageList::decode(ack.data.clone()).context("alice: QUERYACK data")?;
    ensure!(
        list.message_list.len() == 1,
        "alice pulled {} messages, expected 1",
        list.message_list.len()
    );
    if ack.flags.qos.needs_ack() {
        alice.send(QueryCon::new(ack.msg_id).into()).await?;
    }

    // Keep-alive.
    alice.send(PingReq::default().into()).await?;
    match alice.recv().await? {
        ServerPacket::PingResp(_) => {}
        other => bail!("alice: expected PINGRESP, got {other:?}"),
    }

    alice.leave().await?;
    bob.leave().await?;
    Ok(())
}

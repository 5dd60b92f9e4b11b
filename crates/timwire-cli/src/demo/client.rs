//! The demo's two clients and their script, each a [`ClientSession`] driven by a [`Link`].
//!
//! The engine sends the CONNECT, picks msgIds, answers the server's qos-1 PUBLISH with a
//! PUBACK and its qos-1 QUERYACK with a QUERYCON on arrival, and pairs every answer with its
//! request; the script submits requests and waits for the events it expects.

use std::net::SocketAddr;
use std::time::Instant;

use anyhow::{Context as _, bail, ensure};
use bytes::Bytes;
use timwire::proto::Message as _;
use timwire::proto::tim::presence::SHOW_CHAT;
use timwire::proto::tim::{Tid, TimMessage, TimMessageList, TimPresence, TimReq};
use timwire::{ClientPublish, Connect, DisconnectStatus, QoS, Query};
use timwire_session::{ClientEvent, ClientSession, Config, Profile};

use super::STEP_TIMEOUT;
use super::server::DOMAIN;
use super::transport::{Link, Transport};

/// One connected client.
struct Client {
    name: &'static str,
    session: ClientSession,
    link: Link,
}

fn tid(node: &str) -> Tid {
    Tid {
        node: node.to_owned(),
        domain: Some(DOMAIN.into()),
        resource: Some("phone".into()),
        ..Tid::default()
    }
}

impl Client {
    /// Connects with a CONNECT (tim profile: clientId = device resource, appId = domain,
    /// token = login token) and waits for the engine to report the accepting CONNACK.
    async fn connect(
        transport: Transport,
        addr: SocketAddr,
        name: &'static str,
    ) -> anyhow::Result<Self> {
        let mut connect = Connect::new(format!("{name}-phone"));
        connect.app_id = Some(DOMAIN.into());
        connect.token = Some(format!("demo:{name}").into());
        let config = Config::new(Profile::Tim).with_framing(transport.framing());
        let mut client = Self {
            name,
            session: ClientSession::new(config, Instant::now(), connect)?,
            link: Link::connect(transport, addr).await?,
        };
        client
            .until("an accepting CONNACK", |e| {
                matches!(e, ClientEvent::Connected { .. }).then_some(())
            })
            .await?;
        Ok(client)
    }

    /// Runs the engine (writing what it queues, feeding it what arrives, its timers) until
    /// it reports the event `want` picks; any other event first is an error.
    async fn until<T>(
        &mut self,
        what: &str,
        mut want: impl FnMut(&ClientEvent) -> Option<T>,
    ) -> anyhow::Result<T> {
        let name = self.name;
        let run = async {
            loop {
                self.link.flush(&mut self.session, |_| {}).await?;
                if let Some(event) = self.session.poll_event() {
                    let Some(found) = want(&event) else {
                        bail!("{name}: expected {what}, got {event:?}");
                    };
                    // What the engine queued on the way (a PUBACK, a QUERYCON) goes out now.
                    self.link.flush(&mut self.session, |_| {}).await?;
                    return Ok(found);
                }
                if !self.link.step(&mut self.session, |_| {}).await? {
                    bail!("{name}: the server closed the connection");
                }
            }
        };
        tokio::time::timeout(STEP_TIMEOUT, run)
            .await
            .with_context(|| format!("{name}: no {what} within {STEP_TIMEOUT:?}"))?
    }

    /// Sends a PUBLISH (the engine picks its msgId) and writes it out.
    async fn publish(
        &mut self,
        qos: QoS,
        topic: &str,
        to: &str,
        data: Vec<u8>,
    ) -> anyhow::Result<()> {
        let publish = ClientPublish::new(qos, topic, to, 0, Bytes::from(data));
        self.session.publish(Instant::now(), publish)?;
        self.link.flush(&mut self.session, |_| {}).await
    }

    async fn leave(mut self) -> anyhow::Result<()> {
        self.session
            .disconnect(Instant::now(), DisconnectStatus::LOGOUT)?;
        self.link.flush(&mut self.session, |_| {}).await?;
        // The DISCONNECT is what matters; a peer that closes first is fine.
        self.link.close(tokio::time::sleep(STEP_TIMEOUT)).await;
        Ok(())
    }
}

/// The whole conversation, step by step.
pub(crate) async fn conversation(transport: Transport, addr: SocketAddr) -> anyhow::Result<()> {
    let mut bob = Client::connect(transport, addr, "bob").await?;
    let mut alice = Client::connect(transport, addr, "alice").await?;

    // alice → bob: a chat message, qos 1, answered by the server's PUBACK.
    let message = TimMessage {
        ms_type: 2,
        od_type: 1,
        from_tid: Some(tid("alice")),
        to_tid: Some(tid("bob")),
        data_string: Some("hello, bob".into()),
        ..TimMessage::default()
    };
    alice
        .publish(QoS::AtLeastOnce, "timMsg", "bob", message.encode_to_vec())
        .await?;
    alice
        .until("the PUBACK", |e| match e {
            ClientEvent::PublishAcked { ack, .. } if ack.status.is_success() => Some(()),
            _ => None,
        })
        .await?;

    // The server delivers it to bob (qos 1); bob's engine acknowledges it.
    let delivery = bob
        .until("the timMsg delivery", |e| match e {
            ClientEvent::Message { publish } if &*publish.topic == "timMsg" => {
                Some(publish.clone())
            }
            _ => None,
        })
        .await?;
    ensure!(delivery.needs_ack(), "the delivery should ask for a PUBACK");
    let got = TimMessage::decode(delivery.data).context("bob: delivered data")?;
    ensure!(
        got.data_string.as_deref() == Some("hello, bob"),
        "bob got {got:?}"
    );

    // alice's presence, forwarded to bob (qos 0: no answer).
    let presence = TimPresence {
        from_tid: Some(tid("alice")),
        to_tid: Some(tid("bob")),
        show: Some(SHOW_CHAT),
        status: Some("online".into()),
        ..TimPresence::default()
    };
    alice
        .publish(QoS::AtMostOnce, "timPres", "bob", presence.encode_to_vec())
        .await?;
    bob.until("the presence", |e| match e {
        ClientEvent::Message { publish } if &*publish.topic == "timPres" => Some(()),
        _ => None,
    })
    .await?;

    // alice pulls her conversation with bob: QUERY → QUERYACK (qos 1) → QUERYCON (the
    // engine's).
    let request = TimReq {
        rtype: Some(1),
        node: Some("bob".into()),
        req_int: Some(0),
        req_int2: Some(20),
        ..TimReq::default()
    };
    let query = Query::new(
        QoS::AtMostOnce,
        "timPull",
        "alice",
        0,
        Bytes::from(request.encode_to_vec()),
    );
    alice.session.query(Instant::now(), query)?;
    let data = alice
        .until("the QUERYACK", |e| match e {
            ClientEvent::QueryAnswered { ack, .. } => Some(ack.data.clone()),
            _ => None,
        })
        .await?;
    let list = TimMessageList::decode(data).context("alice: QUERYACK data")?;
    ensure!(
        list.message_list.len() == 1,
        "alice pulled {} messages, expected 1",
        list.message_list.len()
    );

    // Keep-alive, asked for now rather than after the keep-alive interval.
    alice.session.ping(Instant::now())?;
    alice
        .until("the PINGRESP", |e| {
            matches!(e, ClientEvent::Pong { .. }).then_some(())
        })
        .await?;

    alice.leave().await?;
    bob.leave().await?;
    Ok(())
}

//! The JSON form of a frame, both ways: the field names of docs/PROTOCOL.md §4, `data` as hex, and the
//! payload in canonical protobuf JSON where the topic registry knows the topic.
//!
//! Bytes come from the wire fields and `data`; `payload` is informational on the way out and
//! only used on the way in when `data` is absent. Decoding checks that the object re-encodes to
//! the exact input bytes and, where the fields alone cannot (a non-zero reserved byte, CESU-8
//! text), adds `reserved`, `textEncoding` or, as a last resort, `frame`, so `decode --json |
//! encode` always reproduces its input.

use anyhow::{Context as _, anyhow, bail};
use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use timwire::registry::{Carrier, Payload, PayloadType, PayloadView, Profile};
use timwire::signal::{
    AckStatus, ConnAckSession, ConnAckStatus, DisconnectStatus, SubAck, Subscribe, Subscriptions,
    Topics, UnsubAck, Unsubscribe, Will,
};
use timwire::{
    ClientPacket, ClientPubAck, ClientPublish, ConnAck, Connect, Disconnect, Encode, EncodeOptions,
    Flags, Frame, Framing, MessageType, PingReq, PingResp, QoS, Query, QueryAck, QueryCon, Role,
    ServerPacket, ServerPubAck, ServerPublish, TextEncoding,
};

use crate::packet::Packet;

/// Who sent a frame, as JSON spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Side {
    /// C→S.
    Client,
    /// S→C.
    Server,
}

impl Side {
    pub(crate) fn role(self) -> Role {
        match self {
            Self::Client => Role::Client,
            Self::Server => Role::Server,
        }
    }

    pub(crate) fn of(role: Role) -> Self {
        match role {
            Role::Client => Self::Client,
            Role::Server => Self::Server,
        }
    }
}

/// One SUBSCRIBE entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SubscriptionJson {
    pub(crate) topic: String,
    pub(crate) qos: u8,
}

/// One frame as JSON. Field order is output order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FrameJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) from: Option<Side>,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) dup: bool,
    #[serde(default)]
    pub(crate) qos: u8,
    #[serde(default)]
    pub(crate) retain: bool,
    // CONNECT
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) protocol_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) version: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) clean_session: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) keep_alive: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) will_topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) will: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) will_qos: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) will_retain: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) app_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) token: Option<String>,
    // the other types
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) msg_id: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) date: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) target_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) status: Option<u16>,
    /// Informational: the status code's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) status_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) millisecond: Option<u16>,
    #[serde(
        default,
        rename = "messageUId",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) message_uid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) session_id: Option<String>,
    #[serde(
        default,
        deserialize_with = "int_or_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) timestamp: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) subscriptions: Option<Vec<SubscriptionJson>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) topics: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) granted: Option<Vec<u8>>,
    /// CONNACK/DISCONNECT reserved byte, present only when it is not 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) reserved: Option<u8>,
    /// `"cesu8"` when the frame's strings were CESU-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) text_encoding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) data: Option<String>,
    /// QUERYACK: the topic of the QUERY it answers, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) query_topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) payload_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) payload: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) payload_error: Option<String>,
    /// The whole frame (message framing, hex) when the fields cannot reproduce it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) frame: Option<String>,
}

/// Accepts a 64-bit integer as a JSON number or a string (canonical protobuf JSON style).
fn int_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("{n} is not a 64-bit integer"))),
        Some(Value::String(s)) => s
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("{s:?} is not a 64-bit integer"))),
        Some(other) => Err(serde::de::Error::custom(format!(
            "expected an integer, found {other}"
        ))),
    }
}

fn text(s: &str) -> Option<String> {
    Some(s.to_owned())
}

/// Everything the JSON needs besides the packet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    pub(crate) profile: Profile,
    /// For a QUERYACK: the topic of the QUERY it answers.
    pub(crate) query_topic: Option<&'a str>,
}

impl FrameJson {
    /// The JSON of a decoded packet. `body` is the frame's body as received (for the reserved
    /// byte); `message` the whole frame in message framing (for the round-trip check).
    pub(crate) fn from_packet(packet: &Packet, message: &[u8], ctx: Context<'_>) -> Self {
        let mut j = match packet {
            Packet::Client(p) => Self::from_client(p, ctx),
            Packet::Server(p) => Self::from_server(p, ctx),
        };
        let flags = match packet {
            Packet::Client(p) => p.flags(),
            Packet::Server(p) => p.flags(),
        };
        j.from = Some(Side::of(packet.sender()));
        j.dup = flags.dup;
        j.qos = flags.qos.value();
        j.retain = flags.retain;
        let kind = match packet {
            Packet::Client(p) => p.kind(),
            Packet::Server(p) => p.kind(),
        };
        if matches!(kind, MessageType::CONNACK | MessageType::DISCONNECT) {
            j.reserved = message.get(1).copied().filter(|&b| b != 0);
        }
        j.ensure_round_trip(message);
        j
    }

    /// Makes sure encoding `self` gives `message` back (see the module docs).
    fn ensure_round_trip(&mut self, message: &[u8]) {
        let same = |j: &Self| {
            j.encode(Framing::Message, None, Profile::Tim)
                .is_ok_and(|b| b[..] == *message)
        };
        if same(self) {
            return;
        }
        self.text_encoding = Some("cesu8".into());
        if same(self) {
            return;
        }
        self.text_encoding = None;
        self.frame = Some(hex::encode(message));
    }

    fn set_data(&mut self, data: &[u8]) {
        self.data = Some(hex::encode(data));
    }

    /// The payload through the zero-copy view decoder (the path servers use), converted to
    /// prost's type for its canonical JSON.
    fn set_payload(
        &mut self,
        decoded: Option<Result<PayloadView<'_>, timwire::registry::PayloadError>>,
    ) {
        match decoded {
            Some(Ok(PayloadView::Raw(_))) | None => {}
            Some(Ok(view)) => {
                self.payload_type = view.payload_type().map(|t| t.name().to_owned());
                self.payload = Some(view.to_payload().to_json());
            }
            Some(Err(e)) => self.payload_error = Some(e.to_string()),
        }
    }

    fn from_client(p: &ClientPacket, ctx: Context<'_>) -> Self {
        let mut j = Self {
            kind: p.kind().to_string(),
            msg_id: p.msg_id(),
            ..Self::default()
        };
        match p {
            ClientPacket::Connect(c) => {
                j.protocol_id = text(&c.protocol_id);
                j.version = Some(c.version);
                j.clean_session = Some(c.clean_session);
                j.keep_alive = Some(c.keep_alive);
                j.client_id = text(&c.client_id);
                if let Some(w) = &c.will {
                    j.will_topic = text(&w.topic);
                    j.will = text(&w.message);
                    j.will_qos = Some(w.qos.value());
                    j.will_retain = Some(w.retain);
                }
                j.app_id = c.app_id.as_deref().and_then(text);
                j.token = c.token.as_deref().and_then(text);
            }
            ClientPacket::Publish(m) => {
                j.topic = text(&m.topic);
                j.target_id = text(&m.target_id);
                j.set_data(&m.data);
            }
            ClientPacket::Query(m) => {
                j.topic = text(&m.topic);
                j.target_id = text(&m.target_id);
                j.set_data(&m.data);
            }
            ClientPacket::Subscribe(m) => {
                j.subscriptions = Some(
                    m.topics
                        .iter()
                        .map(|(topic, qos)| SubscriptionJson {
                            topic: topic.to_string(),
                            qos: qos.value(),
                        })
                        .collect(),
                );
            }
            ClientPacket::Unsubscribe(m) => {
                j.topics = Some(m.topics.iter().map(|t| t.to_string()).collect());
            }
            ClientPacket::Disconnect(d) => {
                j.status = Some(d.status.value().into());
                j.status_name = d.status.name().map(str::to_owned);
            }
            _ => {}
        }
        j.set_payload(ctx.profile.view_client(p));
        j
    }

    fn from_server(p: &ServerPacket, ctx: Context<'_>) -> Self {
        let mut j = Self {
            kind: p.kind().to_string(),
            msg_id: p.msg_id(),
            ..Self::default()
        };
        match p {
            ServerPacket::ConnAck(c) => {
                j.status = Some(c.status.value().into());
                j.status_name = c.status.name().map(str::to_owned);
                if let Some(s) = &c.session {
                    j.user_id = text(&s.user_id);
                    j.session_id = text(&s.session_id);
                    j.timestamp = Some(s.timestamp);
                }
            }
            ServerPacket::Publish(m) => {
                j.date = Some(m.date);
                j.topic = text(&m.topic);
                j.target_id = text(&m.target_id);
                j.set_data(&m.data);
            }
            ServerPacket::PubAck(m) => {
                j.date = Some(m.date);
                j.status = Some(m.status.value());
                j.status_name = m.status.name().map(str::to_owned);
                j.millisecond = Some(m.millisecond);
                j.message_uid = m.message_uid.as_deref().and_then(text);
            }
            ServerPacket::QueryAck(m) => {
                j.date = Some(m.date);
                j.status = Some(m.status.value());
                j.status_name = m.status.name().map(str::to_owned);
                j.set_data(&m.data);
                j.query_topic = ctx.query_topic.and_then(text);
            }
            ServerPacket::SubAck(m) => j.granted = Some(m.granted_qos().collect()),
            ServerPacket::Disconnect(d) => {
                j.status = Some(d.status.value().into());
                j.status_name = d.status.name().map(str::to_owned);
            }
            _ => {}
        }
        j.set_payload(ctx.profile.view_server(p, ctx.query_topic));
        j
    }

    /// The frame type named by `type`.
    fn message_type(&self) -> anyhow::Result<MessageType> {
        (1..=14)
            .filter_map(MessageType::new)
            .find(|t| t.name().is_some_and(|n| n.eq_ignore_ascii_case(&self.kind)))
            .ok_or_else(|| anyhow!("unknown frame type {:?}", self.kind))
    }

    /// Who sent the frame: `from`, else `default`, else the only side that sends the type.
    fn sender(&self, kind: MessageType, default: Option<Role>) -> anyhow::Result<Role> {
        if let Some(side) = self.from {
            return Ok(side.role());
        }
        if let Some(role) = default {
            return Ok(role);
        }
        match kind {
            MessageType::CONNECT
            | MessageType::QUERY
            | MessageType::QUERYCON
            | MessageType::SUBSCRIBE
            | MessageType::UNSUBSCRIBE
            | MessageType::PINGREQ => Ok(Role::Client),
            MessageType::CONNACK
            | MessageType::QUERYACK
            | MessageType::SUBACK
            | MessageType::UNSUBACK
            | MessageType::PINGRESP => Ok(Role::Server),
            _ => bail!(
                "{kind} is sent by both sides: add \"from\": \"client\" or \"server\" (or pass --from)"
            ),
        }
    }

    /// Encodes the frame in `framing`. `default_from` applies when the object has no `from`.
    pub(crate) fn encode(
        &self,
        framing: Framing,
        default_from: Option<Role>,
        profile: Profile,
    ) -> anyhow::Result<Bytes> {
        let options = EncodeOptions {
            text: match self.text_encoding.as_deref() {
                None | Some("utf8" | "utf-8") => TextEncoding::Utf8,
                Some("cesu8" | "cesu-8") => TextEncoding::Cesu8,
                Some(other) => bail!("field `textEncoding`: unknown encoding {other:?}"),
            },
            // The format's own limit; whoever reads the frames applies theirs.
            max_body: 268_435_455,
        };
        if let Some(raw) = &self.frame {
            let bytes = hex::decode(raw).context("field `frame`: invalid hex")?;
            let frame = Frame::from_message(Bytes::from(bytes)).context("field `frame`")?;
            return Ok(frame.to_bytes(framing, &options)?);
        }
        let kind = self.message_type()?;
        let sender = self.sender(kind, default_from)?;
        let flags = Flags {
            dup: self.dup,
            qos: QoS::new(self.qos)
                .ok_or_else(|| anyhow!("field `qos`: {} is not 0..=3", self.qos))?,
            retain: self.retain,
        };
        let (bytes, body_len) = match sender {
            Role::Client => {
                let p = self.client_packet(kind, flags, profile)?;
                (p.to_bytes(framing, &options)?, p.body_len(options.text)?)
            }
            Role::Server => {
                let p = self.server_packet(kind, flags, profile)?;
                (p.to_bytes(framing, &options)?, p.body_len(options.text)?)
            }
        };
        match self.reserved {
            Some(byte) if matches!(kind, MessageType::CONNACK | MessageType::DISCONNECT) => {
                // The typed layer always writes 0; put the peer's byte back.
                let mut out = bytes.to_vec();
                if let Some(b) = out
                    .len()
                    .checked_sub(body_len)
                    .and_then(|at| out.get_mut(at))
                {
                    *b = byte;
                }
                Ok(Bytes::from(out))
            }
            _ => Ok(bytes),
        }
    }

    fn req<T: Clone>(&self, value: &Option<T>, field: &str) -> anyhow::Result<T> {
        value
            .clone()
            .ok_or_else(|| anyhow!("{}: missing field `{field}`", self.kind.to_uppercase()))
    }

    fn req_str(
        &self,
        value: &Option<String>,
        field: &str,
    ) -> anyhow::Result<timwire::signal::Text> {
        Ok(self.req(value, field)?.into())
    }

    /// `data` from its hex, or else from `payload` through the registry, or else empty.
    fn data(
        &self,
        topic: Option<&str>,
        carrier: Carrier,
        profile: Profile,
    ) -> anyhow::Result<Bytes> {
        if let Some(hex) = &self.data {
            return Ok(Bytes::from(
                hex::decode(hex).context("field `data`: invalid hex")?,
            ));
        }
        let Some(payload) = &self.payload else {
            return Ok(Bytes::new());
        };
        let by_topic = topic.and_then(|t| profile.payload_type(t, carrier));
        let by_name = self.payload_type.as_deref().and_then(|name| {
            profile
                .topics()
                .map(|t| t.payload)
                .find(|t: &PayloadType| t.name() == name)
        });
        let payload_type = by_topic.or(by_name).ok_or_else(|| {
            anyhow!(
                "field `payload`: no `data`, and the payload type is unknown (set `payloadType`)"
            )
        })?;
        let payload = Payload::from_json(payload_type, payload.clone())
            .with_context(|| format!("field `payload` is not a valid {}", payload_type.name()))?;
        Ok(payload.encode_to_bytes())
    }

    fn client_packet(
        &self,
        kind: MessageType,
        flags: Flags,
        profile: Profile,
    ) -> anyhow::Result<ClientPacket> {
        let msg_id = || self.req(&self.msg_id, "msgId");
        Ok(match kind {
            MessageType::CONNECT => {
                let will = match (&self.will_topic, &self.will) {
                    (None, None) => None,
                    _ => Some(Will {
                        topic: self.req_str(&self.will_topic, "willTopic")?,
                        message: self.req_str(&self.will, "will")?,
                        qos: QoS::new(self.will_qos.unwrap_or(0))
                            .ok_or_else(|| anyhow!("field `willQos` is not 0..=3"))?,
                        retain: self.will_retain.unwrap_or(false),
                    }),
                };
                ClientPacket::from(Connect {
                    flags,
                    protocol_id: self
                        .protocol_id
                        .clone()
                        .unwrap_or_else(|| Connect::<Bytes>::PROTOCOL_ID.into())
                        .into(),
                    version: self.version.unwrap_or(Connect::<Bytes>::VERSION),
                    clean_session: self.clean_session.unwrap_or(true),
                    keep_alive: self.keep_alive.unwrap_or(30),
                    client_id: self.req_str(&self.client_id, "clientId")?,
                    will,
                    app_id: self.app_id.clone().map(Into::into),
                    token: self.token.clone().map(Into::into),
                })
            }
            MessageType::PUBLISH => {
                let topic = self.req(&self.topic, "topic")?;
                let data = self.data(Some(&topic), Carrier::ClientPublish, profile)?;
                ClientPacket::from(ClientPublish {
                    flags,
                    topic: topic.into(),
                    target_id: self.req_str(&self.target_id, "targetId")?,
                    msg_id: msg_id()?,
                    data,
                })
            }
            MessageType::PUBACK => ClientPacket::from(ClientPubAck {
                flags,
                msg_id: msg_id()?,
            }),
            MessageType::QUERY => {
                let topic = self.req(&self.topic, "topic")?;
                let data = self.data(Some(&topic), Carrier::Query, profile)?;
                ClientPacket::from(Query {
                    flags,
                    topic: topic.into(),
                    target_id: self.req_str(&self.target_id, "targetId")?,
                    msg_id: msg_id()?,
                    data,
                })
            }
            MessageType::QUERYCON => ClientPacket::from(QueryCon {
                flags,
                msg_id: msg_id()?,
            }),
            MessageType::SUBSCRIBE => {
                let entries = self.req(&self.subscriptions, "subscriptions")?;
                let mut list = Vec::with_capacity(entries.len());
                for e in &entries {
                    let qos = QoS::new(e.qos).ok_or_else(|| {
                        anyhow!("SUBSCRIBE: qos {} of {:?} is not 0..=3", e.qos, e.topic)
                    })?;
                    list.push((e.topic.as_str(), qos));
                }
                let mut m = Subscribe::new(msg_id()?, Subscriptions::new(list)?);
                m.flags = flags;
                ClientPacket::from(m)
            }
            MessageType::UNSUBSCRIBE => {
                let topics = self.req(&self.topics, "topics")?;
                let mut m =
                    Unsubscribe::new(msg_id()?, Topics::new(topics.iter().map(String::as_str))?);
                m.flags = flags;
                ClientPacket::from(m)
            }
            MessageType::PINGREQ => ClientPacket::from(PingReq { flags }),
            MessageType::DISCONNECT => ClientPacket::from(Disconnect {
                flags,
                status: DisconnectStatus::new(self.status_u8()?),
            }),
            other => bail!("{other} is not sent by a client (\"from\": \"server\"?)"),
        })
    }

    fn status_u8(&self) -> anyhow::Result<u8> {
        let status = self.req(&self.status, "status")?;
        u8::try_from(status)
            .map_err(|_| anyhow!("{}: status {status} does not fit in a byte", self.kind))
    }

    fn server_packet(
        &self,
        kind: MessageType,
        flags: Flags,
        profile: Profile,
    ) -> anyhow::Result<ServerPacket> {
        let msg_id = || self.req(&self.msg_id, "msgId");
        let date = || self.req(&self.date, "date");
        let status = || self.req(&self.status, "status").map(AckStatus::new);
        Ok(match kind {
            MessageType::CONNACK => {
                let session = match (&self.user_id, &self.session_id, &self.timestamp) {
                    (None, None, None) => None,
                    _ => Some(ConnAckSession {
                        user_id: self.req_str(&self.user_id, "userId")?,
                        session_id: self.req_str(&self.session_id, "sessionId")?,
                        timestamp: self.req(&self.timestamp, "timestamp")?,
                    }),
                };
                ServerPacket::from(ConnAck {
                    flags,
                    status: ConnAckStatus::new(self.status_u8()?),
                    session,
                })
            }
            MessageType::PUBLISH => {
                let topic = self.req(&self.topic, "topic")?;
                let data = self.data(
                    Some(&topic),
                    Carrier::ServerPublish { sync: flags.dup },
                    profile,
                )?;
                ServerPacket::from(ServerPublish {
                    flags,
                    date: date()?,
                    topic: topic.into(),
                    target_id: self.req_str(&self.target_id, "targetId")?,
                    msg_id: msg_id()?,
                    data,
                })
            }
            MessageType::PUBACK => ServerPacket::from(ServerPubAck {
                flags,
                msg_id: msg_id()?,
                date: date()?,
                status: status()?,
                millisecond: self.req(&self.millisecond, "millisecond")?,
                message_uid: self.message_uid.clone().map(Into::into),
            }),
            MessageType::QUERYACK => ServerPacket::from(QueryAck {
                flags,
                msg_id: msg_id()?,
                date: date()?,
                status: status()?,
                data: self.data(self.query_topic.as_deref(), Carrier::QueryAck, profile)?,
            }),
            MessageType::SUBACK => {
                let granted = self.req(&self.granted, "granted")?;
                let mut m = SubAck::new(msg_id()?, Bytes::from(granted));
                m.flags = flags;
                ServerPacket::from(m)
            }
            MessageType::UNSUBACK => ServerPacket::from(UnsubAck {
                flags,
                msg_id: msg_id()?,
            }),
            MessageType::PINGRESP => ServerPacket::from(PingResp { flags }),
            MessageType::DISCONNECT => ServerPacket::from(Disconnect {
                flags,
                status: DisconnectStatus::new(self.status_u8()?),
            }),
            other => bail!("{other} is not sent by a server (\"from\": \"client\"?)"),
        })
    }
}

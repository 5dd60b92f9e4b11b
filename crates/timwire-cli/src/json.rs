//! The JSON form of a frame, both ways: the packet's own JSON (timwire-signal's `serde` feature:
//! `type`, `dup`/`qos`/`retain`, the fields of docs/PROTOCOL.md §4, `data` as hex), with what
//! only the tool knows around it: `from`, the payload in canonical protobuf JSON where the topic
//! registry knows the topic, a QUERYACK's `queryTopic`, and `textEncoding` or `frame` when the
//! fields alone cannot give the input back.
//!
//! Bytes come from the wire fields and `data`; `payload` is informational on the way out and
//! only used on the way in when `data` is absent. Decoding checks that the object re-encodes to
//! the exact input bytes and, where the fields alone cannot (CESU-8 text), adds `textEncoding`
//! or, as a last resort, `frame`, so `decode --json | encode` always reproduces its input.

use anyhow::{Context as _, anyhow, bail};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use timwire::registry::{Carrier, Payload, PayloadError, PayloadType, PayloadView, Profile};
use timwire::{
    ClientPacket, Encode, EncodeOptions, Frame, Framing, MessageType, Role, ServerPacket,
    TextEncoding,
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

/// Everything the JSON needs besides the packet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    pub(crate) profile: Profile,
    /// For a QUERYACK: the topic of the QUERY it answers.
    pub(crate) query_topic: Option<&'a str>,
}

/// One decoded frame as JSON: `from`, the packet's fields, then the tool's own. Field order is
/// output order.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FrameJson<'a> {
    pub(crate) from: Side,
    #[serde(flatten)]
    pub(crate) packet: &'a Packet,
    /// `"cesu8"` when the frame's strings were CESU-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) text_encoding: Option<&'static str>,
    /// QUERYACK: the topic of the QUERY it answers, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) query_topic: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) payload_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) payload: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) payload_error: Option<String>,
    /// The whole frame (message framing, hex) when the fields cannot reproduce it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) frame: Option<String>,
}

impl<'a> FrameJson<'a> {
    /// The JSON of a decoded packet; `message` is the whole frame in message framing (for the
    /// round-trip check).
    pub(crate) fn from_packet(packet: &'a Packet, message: &[u8], ctx: Context<'a>) -> Self {
        let (view, query_topic) = match packet {
            Packet::Client(p) => (ctx.profile.view_client(p), None),
            Packet::Server(p) => (
                ctx.profile.view_server(p, ctx.query_topic),
                ctx.query_topic
                    .filter(|_| matches!(p, ServerPacket::QueryAck(_))),
            ),
        };
        let mut j = Self {
            from: Side::of(packet.sender()),
            packet,
            text_encoding: None,
            query_topic,
            payload_type: None,
            payload: None,
            payload_error: None,
            frame: None,
        };
        j.set_payload(view);
        let reproduces = |text| reencode(packet, text).is_some_and(|b| b[..] == *message);
        if !reproduces(TextEncoding::Utf8) {
            if reproduces(TextEncoding::Cesu8) {
                j.text_encoding = Some("cesu8");
            } else {
                j.frame = Some(hex::encode(message));
            }
        }
        j
    }

    /// The payload through the zero-copy view decoder (the path servers use), converted to
    /// prost's type for its canonical JSON.
    fn set_payload(&mut self, decoded: Option<Result<PayloadView<'_>, PayloadError>>) {
        match decoded {
            Some(Ok(PayloadView::Raw(_))) | None => {}
            Some(Ok(view)) => {
                self.payload_type = view.payload_type().map(|t| t.name());
                self.payload = Some(view.to_payload().to_json());
            }
            Some(Err(e)) => self.payload_error = Some(e.to_string()),
        }
    }
}

/// The packet through its JSON form and back, encoded in message framing with `text`: what
/// `encode` would make of the object.
fn reencode(packet: &Packet, text: TextEncoding) -> Option<Bytes> {
    let value = serde_json::to_value(packet).ok()?;
    let options = EncodeOptions {
        text,
        max_body: usize::MAX,
    };
    match packet {
        Packet::Client(_) => ClientPacket::deserialize(value)
            .ok()?
            .to_bytes(Framing::Message, &options),
        Packet::Server(_) => ServerPacket::deserialize(value)
            .ok()?
            .to_bytes(Framing::Message, &options),
    }
    .ok()
}

/// What the tool reads from an object besides the packet's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Extras {
    from: Option<Side>,
    #[serde(rename = "type")]
    kind: Option<String>,
    text_encoding: Option<String>,
    frame: Option<String>,
    query_topic: Option<String>,
    payload_type: Option<String>,
    payload: Option<Value>,
}

/// The frame type named by `type` (any case).
fn message_type(name: &str) -> anyhow::Result<MessageType> {
    (1..=14)
        .filter_map(MessageType::new)
        .find(|t| t.name().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .ok_or_else(|| anyhow!("unknown frame type {name:?}"))
}

/// Who sends `kind`: `Some(role)` when only one side does, `None` for both.
fn only_sender(kind: MessageType) -> Option<Role> {
    match kind {
        MessageType::CONNECT
        | MessageType::QUERY
        | MessageType::QUERYCON
        | MessageType::SUBSCRIBE
        | MessageType::UNSUBSCRIBE
        | MessageType::PINGREQ => Some(Role::Client),
        MessageType::CONNACK
        | MessageType::QUERYACK
        | MessageType::SUBACK
        | MessageType::UNSUBACK
        | MessageType::PINGRESP => Some(Role::Server),
        _ => None,
    }
}

/// Encodes one object (as `decode --json` prints it) in `framing`. `default_from` applies when
/// the object has no `from`; `profile` when it has `payload` but no `data`.
pub(crate) fn encode(
    value: Value,
    framing: Framing,
    default_from: Option<Role>,
    profile: Profile,
) -> anyhow::Result<Bytes> {
    if !value.is_object() {
        bail!("invalid frame JSON: expected an object, found {value}");
    }
    let extras = Extras::deserialize(&value).map_err(|e| anyhow!("invalid frame JSON: {e}"))?;
    let Value::Object(mut fields) = value else {
        bail!("invalid frame JSON: expected an object");
    };
    let options = EncodeOptions {
        text: match extras.text_encoding.as_deref() {
            None | Some("utf8" | "utf-8") => TextEncoding::Utf8,
            Some("cesu8" | "cesu-8") => TextEncoding::Cesu8,
            Some(other) => bail!("field `textEncoding`: unknown encoding {other:?}"),
        },
        // The format's own limit; whoever reads the frames applies theirs.
        max_body: 268_435_455,
    };
    if let Some(raw) = &extras.frame {
        let bytes = hex::decode(raw).context("field `frame`: invalid hex")?;
        let frame = Frame::from_message(Bytes::from(bytes)).context("field `frame`")?;
        return Ok(frame.to_bytes(framing, &options)?);
    }
    let name = extras.kind.as_deref();
    let kind =
        message_type(name.ok_or_else(|| anyhow!("invalid frame JSON: missing field `type`"))?)?;
    let sender = match (
        extras.from.map(Side::role).or(default_from),
        only_sender(kind),
    ) {
        (Some(role), _) | (None, Some(role)) => role,
        (None, None) => bail!(
            "{kind} is sent by both sides: add \"from\": \"client\" or \"server\" (or pass --from)"
        ),
    };
    match only_sender(kind) {
        Some(Role::Server) if sender == Role::Client => {
            bail!("{kind} is not sent by a client (\"from\": \"server\"?)")
        }
        Some(Role::Client) if sender == Role::Server => {
            bail!("{kind} is not sent by a server (\"from\": \"client\"?)")
        }
        _ => {}
    }
    // The packet's JSON names its type exactly; the tool accepts any case.
    fields.insert("type".into(), Value::from(kind.to_string()));
    let no_data = fields.get("data").is_none_or(Value::is_null);
    let payload = |topic: Option<&str>, carrier| match &extras.payload {
        Some(payload) if no_data => payload_bytes(&extras, payload, topic, carrier, profile),
        _ => Ok(None),
    };
    let packet_error = |e: serde_json::Error| anyhow!("{kind}: {e}");
    Ok(match sender {
        Role::Client => {
            let mut p = ClientPacket::deserialize(Value::Object(fields)).map_err(packet_error)?;
            match &mut p {
                ClientPacket::Publish(m) => {
                    if let Some(data) = payload(Some(&m.topic), Carrier::ClientPublish)? {
                        m.data = data;
                    }
                }
                ClientPacket::Query(m) => {
                    if let Some(data) = payload(Some(&m.topic), Carrier::Query)? {
                        m.data = data;
                    }
                }
                _ => {}
            }
            p.to_bytes(framing, &options)?
        }
        Role::Server => {
            let mut p = ServerPacket::deserialize(Value::Object(fields)).map_err(packet_error)?;
            match &mut p {
                ServerPacket::Publish(m) => {
                    let carrier = Carrier::ServerPublish { sync: m.flags.dup };
                    if let Some(data) = payload(Some(&m.topic), carrier)? {
                        m.data = data;
                    }
                }
                ServerPacket::QueryAck(m) => {
                    if let Some(data) = payload(extras.query_topic.as_deref(), Carrier::QueryAck)? {
                        m.data = data;
                    }
                }
                _ => {}
            }
            p.to_bytes(framing, &options)?
        }
    })
}

/// `payload` encoded, its type found by topic or else by `payloadType`.
fn payload_bytes(
    extras: &Extras,
    payload: &Value,
    topic: Option<&str>,
    carrier: Carrier,
    profile: Profile,
) -> anyhow::Result<Option<Bytes>> {
    let by_topic = topic.and_then(|t| profile.payload_type(t, carrier));
    let by_name = extras.payload_type.as_deref().and_then(|name| {
        profile
            .topics()
            .map(|t| t.payload)
            .find(|t: &PayloadType| t.name() == name)
    });
    let payload_type = by_topic.or(by_name).ok_or_else(|| {
        anyhow!("field `payload`: no `data`, and the payload type is unknown (set `payloadType`)")
    })?;
    let payload = Payload::from_json(payload_type, payload.clone())
        .with_context(|| format!("field `payload` is not a valid {}", payload_type.name()))?;
    Ok(Some(payload.encode_to_bytes()))
}

/// The fields of a JSON object in the order they were written, for the text renderer.
#[derive(Debug, Default)]
pub(crate) struct Fields(pub(crate) Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> serde::de::Visitor<'de> for Pairs {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Fields, A::Error> {
                let mut out = Vec::new();
                while let Some(pair) = map.next_entry()? {
                    out.push(pair);
                }
                Ok(Fields(out))
            }
        }
        d.deserialize_map(Pairs)
    }
}

impl FrameJson<'_> {
    /// The fields as written, in order.
    pub(crate) fn fields(&self) -> Fields {
        serde_json::to_string(self)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }
}

//! The JSON form of packets (feature `serde`): `Serialize` for every message and both packet
//! enums over any [`Backing`], `Deserialize` for the [`Bytes`]-backed ones.
//!
//! The shape is the one the `timwire` command-line tool reads and writes, field names in
//! `camelCase` as in `docs/PROTOCOL.md`:
//!
//! * the packet enums are tagged by `type`, the message type's name (`"CONNECT"`, `"PUBLISH"`,
//!   …); a message serialized on its own has no tag;
//! * every message has its header flags as `dup`, `qos` (0..=3) and `retain`;
//! * then its fields in the CLI's order: CONNECT's `protocolId`, `version`, `cleanSession`,
//!   `keepAlive`, `clientId`, `willTopic`, `will`, `willQos`, `willRetain`, `appId`, `token`;
//!   `msgId`, `date`, `topic`, `targetId`, `status` (the number) and `statusName` (its name,
//!   when it has one), `millisecond`, `messageUId`, CONNACK's `userId`, `sessionId`,
//!   `timestamp`, SUBSCRIBE's `subscriptions` (`[{"topic", "qos"}]`), UNSUBSCRIBE's `topics`,
//!   SUBACK's `granted` (numbers), CONNACK's and DISCONNECT's `reserved` (written only when it
//!   is not 0), and last `data` (lowercase hex);
//! * codes ([`ConnAckStatus`], [`AckStatus`], …) on their own are their number, [`Text`] a
//!   string.
//!
//! Reading is lenient where writing is exact: unknown fields (and `statusName`) are ignored;
//! `dup`, `qos`, `retain`, `reserved` and `data` may be left out (false, 0, empty); CONNECT's
//! `protocolId`, `version`, `cleanSession` and `keepAlive` default as in [`Connect::new`];
//! `timestamp` may be a string (as canonical protobuf JSON writes 64-bit integers). What the
//! wire cannot carry is an error: a qos above 3, half a will or half a CONNACK session, an empty
//! topic or granted list, a status that does not fit its field. Internally tagged enums need a
//! self-describing format (JSON, not bincode).

use std::fmt;

use bytes::Bytes;
use serde::de::{self, Deserializer, Visitor};
use serde::ser::{SerializeSeq, SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use timwire_header::{Flags, QoS};

use crate::backing::Backing;
use crate::codes::{AckStatus, ConnAckStatus, DisconnectStatus, ErrorCode};
use crate::packet::{
    ClientPacket, ClientPubAck, ClientPublish, ConnAck, ConnAckSession, Connect, Disconnect,
    PingReq, PingResp, Query, QueryAck, QueryCon, ServerPacket, ServerPubAck, ServerPublish,
    SubAck, Subscribe, Subscriptions, Topics, UnsubAck, Unsubscribe, Will,
};
use crate::shared_text::Text;

// ---- writing ----------------------------------------------------------------------------

/// Bytes as lowercase hex, written straight into the output.
struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl Serialize for Hex<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// `dup`, `qos`, `retain`: how every message starts.
fn put_flags<S: SerializeStruct>(out: &mut S, flags: Flags) -> Result<(), S::Error> {
    out.serialize_field("dup", &flags.dup)?;
    out.serialize_field("qos", &flags.qos.value())?;
    out.serialize_field("retain", &flags.retain)
}

/// A field that is written only when present.
fn put_opt<S: SerializeStruct, T: Serialize + ?Sized>(
    out: &mut S,
    key: &'static str,
    value: Option<&T>,
) -> Result<(), S::Error> {
    match value {
        Some(v) => out.serialize_field(key, v),
        None => out.skip_field(key),
    }
}

/// `status` and, when the code has a name, `statusName`.
fn put_status<S: SerializeStruct>(
    out: &mut S,
    value: u16,
    name: Option<&'static str>,
) -> Result<(), S::Error> {
    out.serialize_field("status", &value)?;
    put_opt(out, "statusName", name)
}

/// How many fields a struct writes: `always`, and the `optional` ones that are present. Formats
/// that write the count ahead (MessagePack, CBOR) need it exact.
fn field_count(always: usize, optional: &[bool]) -> usize {
    optional
        .iter()
        .filter(|&&f| f)
        .count()
        .saturating_add(always)
}

/// `reserved`, written only when it is not 0.
fn put_reserved<S: SerializeStruct>(out: &mut S, reserved: u8) -> Result<(), S::Error> {
    put_opt(out, "reserved", Some(&reserved).filter(|&&b| b != 0))
}

impl<B: Backing> Serialize for Connect<B> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let will = self.will.is_some();
        let len = field_count(
            8,
            &[
                will,
                will,
                will,
                will,
                self.app_id.is_some(),
                self.token.is_some(),
            ],
        );
        let mut out = serializer.serialize_struct("Connect", len)?;
        put_flags(&mut out, self.flags)?;
        out.serialize_field("protocolId", &*self.protocol_id)?;
        out.serialize_field("version", &self.version)?;
        out.serialize_field("cleanSession", &self.clean_session)?;
        out.serialize_field("keepAlive", &self.keep_alive)?;
        out.serialize_field("clientId", &*self.client_id)?;
        let will = self.will.as_ref();
        put_opt(&mut out, "willTopic", will.map(|w| &*w.topic))?;
        put_opt(&mut out, "will", will.map(|w| &*w.message))?;
        put_opt(&mut out, "willQos", will.map(|w| w.qos.value()).as_ref())?;
        put_opt(&mut out, "willRetain", will.map(|w| w.retain).as_ref())?;
        put_opt(&mut out, "appId", self.app_id.as_deref())?;
        put_opt(&mut out, "token", self.token.as_deref())?;
        out.end()
    }
}

impl<B: Backing> Serialize for ConnAck<B> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let session = self.session.is_some();
        let len = field_count(
            4,
            &[
                self.status.name().is_some(),
                session,
                session,
                session,
                self.reserved != 0,
            ],
        );
        let mut out = serializer.serialize_struct("ConnAck", len)?;
        put_flags(&mut out, self.flags)?;
        put_status(&mut out, self.status.value().into(), self.status.name())?;
        let session = self.session.as_ref();
        put_opt(&mut out, "userId", session.map(|s| &*s.user_id))?;
        put_opt(&mut out, "sessionId", session.map(|s| &*s.session_id))?;
        put_opt(&mut out, "timestamp", session.map(|s| s.timestamp).as_ref())?;
        put_reserved(&mut out, self.reserved)?;
        out.end()
    }
}

/// The shape shared by a client PUBLISH, a server PUBLISH (with `date`) and a QUERY.
struct AddressedOut<'a> {
    name: &'static str,
    flags: Flags,
    msg_id: u16,
    date: Option<u32>,
    topic: &'a str,
    target_id: &'a str,
    data: &'a [u8],
}

impl Serialize for AddressedOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = field_count(7, &[self.date.is_some()]);
        let mut out = serializer.serialize_struct(self.name, len)?;
        put_flags(&mut out, self.flags)?;
        out.serialize_field("msgId", &self.msg_id)?;
        put_opt(&mut out, "date", self.date.as_ref())?;
        out.serialize_field("topic", self.topic)?;
        out.serialize_field("targetId", self.target_id)?;
        out.serialize_field("data", &Hex(self.data))?;
        out.end()
    }
}

impl<B: Backing> Serialize for ClientPublish<B> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        AddressedOut {
            name: "ClientPublish",
            flags: self.flags,
            msg_id: self.msg_id,
            date: None,
            topic: &self.topic,
            target_id: &self.target_id,
            data: self.data.as_ref(),
        }
        .serialize(serializer)
    }
}

impl<B: Backing> Serialize for ServerPublish<B> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        AddressedOut {
            name: "ServerPublish",
            flags: self.flags,
            msg_id: self.msg_id,
            date: Some(self.date),
            topic: &self.topic,
            target_id: &self.target_id,
            data: self.data.as_ref(),
        }
        .serialize(serializer)
    }
}

impl<B: Backing> Serialize for Query<B> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        AddressedOut {
            name: "Query",
            flags: self.flags,
            msg_id: self.msg_id,
            date: None,
            topic: &self.topic,
            target_id: &self.target_id,
            data: self.data.as_ref(),
        }
        .serialize(serializer)
    }
}

/// The messages that are flags and a msgId.
macro_rules! serialize_msg_id_only {
    ($($ty:ident),*) => {$(
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut out = serializer.serialize_struct(stringify!($ty), 4)?;
                put_flags(&mut out, self.flags)?;
                out.serialize_field("msgId", &self.msg_id)?;
                out.end()
            }
        }
    )*};
}

serialize_msg_id_only!(ClientPubAck, QueryCon, UnsubAck);

/// The messages that are flags alone.
macro_rules! serialize_flags_only {
    ($($ty:ident),*) => {$(
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut out = serializer.serialize_struct(stringify!($ty), 3)?;
                put_flags(&mut out, self.flags)?;
                out.end()
            }
        }
    )*};
}

serialize_flags_only!(PingReq, PingResp);

impl<B: Backing> Serialize for ServerPubAck<B> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = field_count(
            7,
            &[self.status.name().is_some(), self.message_uid.is_some()],
        );
        let mut out = serializer.serialize_struct("ServerPubAck", len)?;
        put_flags(&mut out, self.flags)?;
        out.serialize_field("msgId", &self.msg_id)?;
        out.serialize_field("date", &self.date)?;
        put_status(&mut out, self.status.value(), self.status.name())?;
        out.serialize_field("millisecond", &self.millisecond)?;
        put_opt(&mut out, "messageUId", self.message_uid.as_deref())?;
        out.end()
    }
}

impl<B: Backing> Serialize for QueryAck<B> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = field_count(7, &[self.status.name().is_some()]);
        let mut out = serializer.serialize_struct("QueryAck", len)?;
        put_flags(&mut out, self.flags)?;
        out.serialize_field("msgId", &self.msg_id)?;
        out.serialize_field("date", &self.date)?;
        put_status(&mut out, self.status.value(), self.status.name())?;
        out.serialize_field("data", &Hex(self.data.as_ref()))?;
        out.end()
    }
}

impl<B: Backing> Serialize for Subscribe<B> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Subscribe", 5)?;
        put_flags(&mut out, self.flags)?;
        out.serialize_field("msgId", &self.msg_id)?;
        out.serialize_field("subscriptions", &self.topics)?;
        out.end()
    }
}

impl<B: Backing> Serialize for Unsubscribe<B> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Unsubscribe", 5)?;
        put_flags(&mut out, self.flags)?;
        out.serialize_field("msgId", &self.msg_id)?;
        out.serialize_field("topics", &self.topics)?;
        out.end()
    }
}

impl<B: Backing> Serialize for SubAck<B> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("SubAck", 5)?;
        put_flags(&mut out, self.flags)?;
        out.serialize_field("msgId", &self.msg_id)?;
        out.serialize_field("granted", self.granted.as_ref())?;
        out.end()
    }
}

impl Serialize for Disconnect {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = field_count(4, &[self.status.name().is_some(), self.reserved != 0]);
        let mut out = serializer.serialize_struct("Disconnect", len)?;
        put_flags(&mut out, self.flags)?;
        put_status(&mut out, self.status.value().into(), self.status.name())?;
        put_reserved(&mut out, self.reserved)?;
        out.end()
    }
}

/// One SUBSCRIBE entry as written.
#[derive(Serialize)]
struct SubscriptionOut<'a> {
    topic: &'a str,
    qos: u8,
}

impl<B: Backing> Serialize for Subscriptions<B> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_seq(Some(self.len()))?;
        for (topic, qos) in self.iter() {
            out.serialize_element(&SubscriptionOut {
                topic: &topic,
                qos: qos.value(),
            })?;
        }
        out.end()
    }
}

impl<B: Backing> Serialize for Topics<B> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_seq(Some(self.len()))?;
        for topic in self.iter() {
            out.serialize_element(&*topic)?;
        }
        out.end()
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Text::from)
    }
}

/// Codes are their number, both ways.
macro_rules! code_as_number {
    ($($ty:ident($repr:ty)),*) => {$(
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.value().serialize(serializer)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <$repr>::deserialize(deserializer).map(Self::new)
            }
        }
    )*};
}

code_as_number!(
    ConnAckStatus(u8),
    DisconnectStatus(u8),
    AckStatus(u16),
    ErrorCode(i32)
);

// ---- reading ----------------------------------------------------------------------------

/// A qos field: 0..=3, 0 when absent.
#[derive(Debug, Clone, Copy, Default)]
struct QosField(QoS);

impl<'de> Deserialize<'de> for QosField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = u64::deserialize(deserializer)?;
        u8::try_from(value)
            .ok()
            .and_then(QoS::new)
            .map(Self)
            .ok_or_else(|| de::Error::custom(format_args!("qos {value} is not 0..=3")))
    }
}

/// A `data` field: lowercase or uppercase hex (absent or `null`: empty).
#[derive(Debug)]
struct HexField(Bytes);

impl<'de> Deserialize<'de> for HexField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HexVisitor;
        impl Visitor<'_> for HexVisitor {
            type Value = HexField;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a hex string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<HexField, E> {
                hex::decode(s)
                    .map(|bytes| HexField(Bytes::from(bytes)))
                    .map_err(|e| E::custom(format_args!("field `data`: invalid hex: {e}")))
            }
        }
        deserializer.deserialize_str(HexVisitor)
    }
}

/// A 64-bit integer as a number or a string (canonical protobuf JSON writes them as strings).
#[derive(Debug, Clone, Copy)]
struct I64Field(i64);

impl<'de> Deserialize<'de> for I64Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct I64Visitor;
        impl Visitor<'_> for I64Visitor {
            type Value = I64Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a 64-bit integer, as a number or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<I64Field, E> {
                Ok(I64Field(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<I64Field, E> {
                i64::try_from(v)
                    .map(I64Field)
                    .map_err(|_| E::custom(format_args!("{v} is not a 64-bit integer")))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<I64Field, E> {
                s.parse()
                    .map(I64Field)
                    .map_err(|_| E::custom(format_args!("{s:?} is not a 64-bit integer")))
            }
        }
        deserializer.deserialize_any(I64Visitor)
    }
}

/// A message's fields as read: `dup`, `qos` and `retain` (each optional) first, then the
/// message's own. Fields are in `camelCase`; unknown ones are ignored.
macro_rules! input {
    ($name:ident { $($fields:tt)* }) => {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct $name {
            #[serde(default)]
            dup: bool,
            #[serde(default)]
            qos: QosField,
            #[serde(default)]
            retain: bool,
            $($fields)*
        }

        impl $name {
            fn flags(&self) -> Flags {
                Flags {
                    dup: self.dup,
                    qos: self.qos.0,
                    retain: self.retain,
                }
            }
        }
    };
}

input!(ConnectIn {
    protocol_id: Option<String>,
    version: Option<u8>,
    clean_session: Option<bool>,
    keep_alive: Option<u16>,
    client_id: String,
    will_topic: Option<String>,
    will: Option<String>,
    will_qos: Option<QosField>,
    will_retain: Option<bool>,
    app_id: Option<String>,
    token: Option<String>,
});

impl<'de> Deserialize<'de> for Connect<Bytes> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let j = ConnectIn::deserialize(deserializer)?;
        let flags = j.flags();
        let will_qos = j.will_qos.map_or(QoS::AtMostOnce, |q| q.0);
        let will_retain = j.will_retain.unwrap_or(false);
        let will = match (j.will_topic, j.will) {
            (None, None) if will_qos == QoS::AtMostOnce && !will_retain => None,
            (None, None) => {
                return Err(de::Error::custom(
                    "willQos or willRetain without a will (willTopic and will)",
                ));
            }
            (None, Some(_)) => return Err(de::Error::missing_field("willTopic")),
            (Some(_), None) => return Err(de::Error::missing_field("will")),
            (Some(topic), Some(message)) => Some(Will {
                topic: topic.into(),
                message: message.into(),
                qos: will_qos,
                retain: will_retain,
            }),
        };
        Ok(Self {
            flags,
            protocol_id: j
                .protocol_id
                .map_or_else(|| Text::from_static(Self::PROTOCOL_ID), Text::from),
            version: j.version.unwrap_or(Self::VERSION),
            clean_session: j.clean_session.unwrap_or(true),
            keep_alive: j.keep_alive.unwrap_or(30),
            client_id: j.client_id.into(),
            will,
            app_id: j.app_id.map(Text::from),
            token: j.token.map(Text::from),
        })
    }
}

input!(ConnAckIn {
    status: u8,
    user_id: Option<String>,
    session_id: Option<String>,
    timestamp: Option<I64Field>,
    #[serde(default)]
    reserved: u8,
});

impl<'de> Deserialize<'de> for ConnAck<Bytes> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let j = ConnAckIn::deserialize(deserializer)?;
        let flags = j.flags();
        let session = match (j.user_id, j.session_id, j.timestamp) {
            (None, None, None) => None,
            (Some(user_id), Some(session_id), Some(timestamp)) => Some(ConnAckSession {
                user_id: user_id.into(),
                session_id: session_id.into(),
                timestamp: timestamp.0,
            }),
            (None, _, _) => return Err(de::Error::missing_field("userId")),
            (_, None, _) => return Err(de::Error::missing_field("sessionId")),
            (_, _, None) => return Err(de::Error::missing_field("timestamp")),
        };
        Ok(Self {
            flags,
            status: ConnAckStatus::new(j.status),
            session,
            reserved: j.reserved,
        })
    }
}

input!(AddressedIn {
    topic: String,
    target_id: String,
    msg_id: u16,
    data: Option<HexField>,
});

impl<'de> Deserialize<'de> for ClientPublish<Bytes> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let j = AddressedIn::deserialize(deserializer)?;
        Ok(Self {
            flags: j.flags(),
            topic: j.topic.into(),
            target_id: j.target_id.into(),
            msg_id: j.msg_id,
            data: j.data.map_or_else(Bytes::new, |d| d.0),
        })
    }
}

impl<'de> Deserialize<'de> for Query<Bytes> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let j = AddressedIn::deserialize(deserializer)?;
        Ok(Self {
            flags: j.flags(),
            topic: j.topic.into(),
            target_id: j.target_id.into(),
            msg_id: j.msg_id,
            data: j.data.map_or_else(Bytes::new, |d| d.0),
        })
    }
}

input!(ServerPublishIn {
    msg_id: u16,
    date: u32,
    topic: String,
    target_id: String,
    data: Option<HexField>,
});

impl<'de> Deserialize<'de> for ServerPublish<Bytes> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let j = ServerPublishIn::deserialize(deserializer)?;
        Ok(Self {
            flags: j.flags(),
            date: j.date,
            topic: j.topic.into(),
            target_id: j.target_id.into(),
            msg_id: j.msg_id,
            data: j.data.map_or_else(Bytes::new, |d| d.0),
        })
    }
}

input!(MsgIdIn { msg_id: u16 });

/// The messages that are flags and a msgId.
macro_rules! deserialize_msg_id_only {
    ($($ty:ident),*) => {$(
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let j = MsgIdIn::deserialize(deserializer)?;
                Ok(Self { flags: j.flags(), msg_id: j.msg_id })
            }
        }
    )*};
}

deserialize_msg_id_only!(ClientPubAck, QueryCon, UnsubAck);

input!(FlagsIn {});

/// The messages that are flags alone.
macro_rules! deserialize_flags_only {
    ($($ty:ident),*) => {$(
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let j = FlagsIn::deserialize(deserializer)?;
                Ok(Self { flags: j.flags() })
            }
        }
    )*};
}

deserialize_flags_only!(PingReq, PingResp);

input!(ServerPubAckIn {
    msg_id: u16,
    date: u32,
    status: u16,
    millisecond: u16,
    #[serde(rename = "messageUId")]
    message_uid: Option<String>,
});

impl<'de> Deserialize<'de> for ServerPubAck<Bytes> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let j = ServerPubAckIn::deserialize(deserializer)?;
        Ok(Self {
            flags: j.flags(),
            msg_id: j.msg_id,
            date: j.date,
            status: AckStatus::new(j.status),
            millisecond: j.millisecond,
            message_uid: j.message_uid.map(Text::from),
        })
    }
}

input!(QueryAckIn {
    msg_id: u16,
    date: u32,
    status: u16,
    data: Option<HexField>,
});

impl<'de> Deserialize<'de> for QueryAck<Bytes> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let j = QueryAckIn::deserialize(deserializer)?;
        Ok(Self {
            flags: j.flags(),
            msg_id: j.msg_id,
            date: j.date,
            status: AckStatus::new(j.status),
            data: j.data.map_or_else(Bytes::new, |d| d.0),
        })
    }
}

/// One SUBSCRIBE entry as read.
#[derive(Deserialize)]
struct SubscriptionIn {
    topic: String,
    qos: QosField,
}

impl<'de> Deserialize<'de> for Subscriptions<Bytes> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries = Vec::<SubscriptionIn>::deserialize(deserializer)?;
        Subscriptions::new(entries.iter().map(|e| (e.topic.as_str(), e.qos.0)))
            .map_err(|e| de::Error::custom(format_args!("subscriptions: {e}")))
    }
}

impl<'de> Deserialize<'de> for Topics<Bytes> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let topics = Vec::<String>::deserialize(deserializer)?;
        Topics::new(topics.iter().map(String::as_str))
            .map_err(|e| de::Error::custom(format_args!("topics: {e}")))
    }
}

input!(SubscribeIn {
    msg_id: u16,
    subscriptions: Subscriptions<Bytes>,
});

impl<'de> Deserialize<'de> for Subscribe<Bytes> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let j = SubscribeIn::deserialize(deserializer)?;
        Ok(Self {
            flags: j.flags(),
            msg_id: j.msg_id,
            topics: j.subscriptions,
        })
    }
}

input!(UnsubscribeIn {
    msg_id: u16,
    topics: Topics<Bytes>,
});

impl<'de> Deserialize<'de> for Unsubscribe<Bytes> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let j = UnsubscribeIn::deserialize(deserializer)?;
        Ok(Self {
            flags: j.flags(),
            msg_id: j.msg_id,
            topics: j.topics,
        })
    }
}

input!(SubAckIn {
    msg_id: u16,
    granted: Vec<u8>,
});

impl<'de> Deserialize<'de> for SubAck<Bytes> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let j = SubAckIn::deserialize(deserializer)?;
        if j.granted.is_empty() {
            return Err(de::Error::invalid_length(0, &"at least one granted qos"));
        }
        Ok(Self {
            flags: j.flags(),
            msg_id: j.msg_id,
            granted: Bytes::from(j.granted),
        })
    }
}

input!(DisconnectIn {
    status: u8,
    #[serde(default)]
    reserved: u8,
});

impl<'de> Deserialize<'de> for Disconnect {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let j = DisconnectIn::deserialize(deserializer)?;
        Ok(Self {
            flags: j.flags(),
            status: DisconnectStatus::new(j.status),
            reserved: j.reserved,
        })
    }
}

// ---- the packet enums, tagged by `type` ------------------------------------------------

// Borrowing copies of the packet enums that serde tags by `type` on the way out, and owned
// ones it tags on the way in.

#[derive(Serialize)]
#[serde(tag = "type", bound = "")]
enum ClientRef<'a, B: Backing> {
    #[serde(rename = "CONNECT")]
    Connect(&'a Connect<B>),
    #[serde(rename = "PUBLISH")]
    Publish(&'a ClientPublish<B>),
    #[serde(rename = "PUBACK")]
    PubAck(&'a ClientPubAck),
    #[serde(rename = "QUERY")]
    Query(&'a Query<B>),
    #[serde(rename = "QUERYCON")]
    QueryCon(&'a QueryCon),
    #[serde(rename = "SUBSCRIBE")]
    Subscribe(&'a Subscribe<B>),
    #[serde(rename = "UNSUBSCRIBE")]
    Unsubscribe(&'a Unsubscribe<B>),
    #[serde(rename = "PINGREQ")]
    PingReq(&'a PingReq),
    #[serde(rename = "DISCONNECT")]
    Disconnect(&'a Disconnect),
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum ClientOwned {
    #[serde(rename = "CONNECT")]
    Connect(Connect<Bytes>),
    #[serde(rename = "PUBLISH")]
    Publish(ClientPublish<Bytes>),
    #[serde(rename = "PUBACK")]
    PubAck(ClientPubAck),
    #[serde(rename = "QUERY")]
    Query(Query<Bytes>),
    #[serde(rename = "QUERYCON")]
    QueryCon(QueryCon),
    #[serde(rename = "SUBSCRIBE")]
    Subscribe(Subscribe<Bytes>),
    #[serde(rename = "UNSUBSCRIBE")]
    Unsubscribe(Unsubscribe<Bytes>),
    #[serde(rename = "PINGREQ")]
    PingReq(PingReq),
    #[serde(rename = "DISCONNECT")]
    Disconnect(Disconnect),
}

#[derive(Serialize)]
#[serde(tag = "type", bound = "")]
enum ServerRef<'a, B: Backing> {
    #[serde(rename = "CONNACK")]
    ConnAck(&'a ConnAck<B>),
    #[serde(rename = "PUBLISH")]
    Publish(&'a ServerPublish<B>),
    #[serde(rename = "PUBACK")]
    PubAck(&'a ServerPubAck<B>),
    #[serde(rename = "QUERYACK")]
    QueryAck(&'a QueryAck<B>),
    #[serde(rename = "SUBACK")]
    SubAck(&'a SubAck<B>),
    #[serde(rename = "UNSUBACK")]
    UnsubAck(&'a UnsubAck),
    #[serde(rename = "PINGRESP")]
    PingResp(&'a PingResp),
    #[serde(rename = "DISCONNECT")]
    Disconnect(&'a Disconnect),
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum ServerOwned {
    #[serde(rename = "CONNACK")]
    ConnAck(ConnAck<Bytes>),
    #[serde(rename = "PUBLISH")]
    Publish(ServerPublish<Bytes>),
    #[serde(rename = "PUBACK")]
    PubAck(ServerPubAck<Bytes>),
    #[serde(rename = "QUERYACK")]
    QueryAck(QueryAck<Bytes>),
    #[serde(rename = "SUBACK")]
    SubAck(SubAck<Bytes>),
    #[serde(rename = "UNSUBACK")]
    UnsubAck(UnsubAck),
    #[serde(rename = "PINGRESP")]
    PingResp(PingResp),
    #[serde(rename = "DISCONNECT")]
    Disconnect(Disconnect),
}

/// `Serialize` and `Deserialize` for a packet enum through its tagged copies; the variant lists
/// are checked by the compiler (every `match` is exhaustive).
macro_rules! through_copies {
    ($packet:ident, $by_ref:ident, $owned:ident, [$($variant:ident),*]) => {
        impl<B: Backing> Serialize for $packet<B> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $( Self::$variant(m) => $by_ref::$variant(m), )*
                }
                .serialize(serializer)
            }
        }

        impl<'de> Deserialize<'de> for $packet<Bytes> {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Ok(match $owned::deserialize(deserializer)? {
                    $( $owned::$variant(m) => Self::$variant(m), )*
                })
            }
        }
    };
}

through_copies!(
    ClientPacket,
    ClientRef,
    ClientOwned,
    [
        Connect,
        Publish,
        PubAck,
        Query,
        QueryCon,
        Subscribe,
        Unsubscribe,
        PingReq,
        Disconnect
    ]
);

through_copies!(
    ServerPacket,
    ServerRef,
    ServerOwned,
    [
        ConnAck, Publish, PubAck, QueryAck, SubAck, UnsubAck, PingResp, Disconnect
    ]
);

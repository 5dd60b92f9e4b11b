//! The topic registry: which protobuf message a frame's `data` holds, by topic, frame type and
//! direction, for the RongCloud profile and the tim profile
//! ([protocol §7](crate::signal::protocol#7-topics)).
//!
//! The topics come from one table, [`known_topics`] in timwire-signal ([`Profile::table`]),
//! which the decoder also interns topic names from. It names each payload by its protobuf
//! message; this module maps the names to types ([`PayloadType::from_name`]) and decodes.
//!
//! A QUERYACK carries no topic on the wire: it answers the QUERY with the same msgId, so the
//! caller passes the QUERY's topic ([`crate::session::QueryTopics`] remembers it by msgId).
//! Unknown topics stay raw bytes ([`Payload::Raw`]).
//!
//! ```
//! use bytes::Bytes;
//! use timwire::registry::{Carrier, Payload, PayloadType, Profile};
//! use timwire::proto::{Message as _, tim::TimMessage};
//!
//! let sent = TimMessage { ms_type: 2, od_type: 1, data_string: Some("hi".into()), ..Default::default() };
//! let data = Bytes::from(sent.encode_to_vec());
//! assert_eq!(Profile::Tim.payload_type("timMsg", Carrier::ClientPublish), Some(PayloadType::TimMessage));
//! match Profile::Tim.decode("timMsg", Carrier::ClientPublish, data).unwrap() {
//!     Payload::TimMessage(m) => assert_eq!(m.data_string.as_deref(), Some("hi")),
//!     other => panic!("{other:?}"),
//! }
//! // Unknown topics stay raw.
//! let raw = Profile::Tim.decode("nope", Carrier::ClientPublish, Bytes::from_static(b"\x01")).unwrap();
//! assert_eq!(raw, Payload::Raw(Bytes::from_static(b"\x01")));
//! ```

use bytes::Bytes;
use prost::Message as _;
use timwire_proto::view::{HasView, Owned, View, ViewError};
use timwire_proto::{rongcloud as rc, tim};
use timwire_signal::known_topics::{self, Topic, TopicKind};
use timwire_signal::{Backing, ClientPacket, ServerPacket};

/// Which mapping of topics to payloads applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// RongCloud's topics (`ppMsgP`, `s_msg`, `pullMsg`, …) and schema.
    RongCloud,
    /// timwire's mapping of tim's model onto RMTP (`timMsg`, `timPull`, …).
    Tim,
}

/// The frame (type and direction) whose `data` is being decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Carrier {
    /// A PUBLISH sent by the client.
    ClientPublish,
    /// A PUBLISH sent by the server; `sync` is its dup bit (RongCloud's syncMsg).
    ServerPublish {
        /// The dup bit: a copy of the user's own message sent from another device.
        sync: bool,
    },
    /// A QUERY (sent by the client).
    Query,
    /// A QUERYACK (sent by the server), keyed by the topic of the QUERY it answers.
    QueryAck,
}

/// Why `data` could not be decoded as the payload its topic names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{topic}` data is not a valid {payload}: {source}")]
pub struct PayloadError {
    /// The topic.
    pub topic: String,
    /// The expected payload type's name.
    pub payload: &'static str,
    /// The protobuf error.
    #[source]
    pub source: PayloadDecodeError,
}

/// The decoder's own error: prost's for [`Payload`], the view decoder's for [`PayloadView`]
/// and [`OwnedPayload`] (both reject the same inputs, for the same reasons).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadDecodeError {
    /// From prost ([`Profile::decode`]).
    #[error(transparent)]
    Prost(#[from] prost::DecodeError),
    /// From the view decoder ([`Profile::view`], [`Profile::decode_owned`]); names the field
    /// and offset.
    #[error(transparent)]
    View(#[from] ViewError),
}

macro_rules! payloads {
    ($( $variant:ident => $ty:ty, )*) => {
        /// A protobuf message type that frames carry.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum PayloadType {
            $(
                #[doc = concat!("[`", stringify!($ty), "`]")]
                $variant,
            )*
        }

        /// A decoded payload.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Payload {
            $(
                #[doc = concat!("[`", stringify!($ty), "`]")]
                $variant($ty),
            )*
            /// Data of a topic the registry does not know (or an empty body where none is
            /// expected), kept as it came.
            Raw(Bytes),
        }

        /// A payload decoded as a zero-copy view: borrows the frame's `data`, allocates
        /// nothing ([`Profile::view`], [`Profile::view_client`], [`Profile::view_server`]).
        #[derive(Debug, Clone, Copy)]
        #[non_exhaustive]
        pub enum PayloadView<'a> {
            $(
                #[doc = concat!("[`", stringify!($ty), "`]'s view")]
                $variant(<$ty as HasView>::View<'a>),
            )*
            /// Data of a topic the registry does not know, as it came.
            Raw(&'a [u8]),
        }

        /// A payload kept past the read buffer: the frame's `data` ([`Bytes`], shared, not
        /// copied) validated as its type, one reference count for the whole message
        /// ([`Profile::decode_owned`], [`Profile::owned_client`], [`Profile::owned_server`]).
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub enum OwnedPayload {
            $(
                #[doc = concat!("[`", stringify!($ty), "`], owned")]
                $variant(Owned<$ty>),
            )*
            /// Data of a topic the registry does not know, as it came.
            Raw(Bytes),
        }

        impl PayloadType {
            /// Decodes a zero-copy view of `data` as this type; allocates nothing.
            pub fn view(self, data: &[u8]) -> Result<PayloadView<'_>, ViewError> {
                Ok(match self {
                    $( Self::$variant => PayloadView::$variant(View::decode(data)?), )*
                })
            }

            /// Validates `data` as this type and keeps it ([`Owned`]).
            pub fn decode_owned(self, data: Bytes) -> Result<OwnedPayload, ViewError> {
                Ok(match self {
                    $( Self::$variant => OwnedPayload::$variant(Owned::decode(data)?), )*
                })
            }
        }

        impl PayloadView<'_> {
            /// The payload's type, or `None` for raw data.
            pub fn payload_type(&self) -> Option<PayloadType> {
                match self {
                    $( Self::$variant(_) => Some(PayloadType::$variant), )*
                    Self::Raw(_) => None,
                }
            }

            /// The prost message (strings and bytes copied): [`Payload`].
            pub fn to_payload(&self) -> Payload {
                match self {
                    $( Self::$variant(v) => Payload::$variant(v.to_message()), )*
                    Self::Raw(b) => Payload::Raw(Bytes::copy_from_slice(b)),
                }
            }
        }

        impl OwnedPayload {
            /// The payload's type, or `None` for raw data.
            pub fn payload_type(&self) -> Option<PayloadType> {
                match self {
                    $( Self::$variant(_) => Some(PayloadType::$variant), )*
                    Self::Raw(_) => None,
                }
            }

            /// The view (decoded again from the kept bytes; allocates nothing).
            pub fn view(&self) -> PayloadView<'_> {
                match self {
                    $( Self::$variant(o) => PayloadView::$variant(o.view()), )*
                    Self::Raw(b) => PayloadView::Raw(b),
                }
            }

            /// The prost message: [`Payload`]; its `bytes` fields share the kept [`Bytes`].
            pub fn to_payload(&self) -> Payload {
                match self {
                    $( Self::$variant(o) => Payload::$variant(o.to_message()), )*
                    Self::Raw(b) => Payload::Raw(b.clone()),
                }
            }

            /// The encoded payload, as it came.
            pub fn bytes(&self) -> &Bytes {
                match self {
                    $( Self::$variant(o) => o.bytes(), )*
                    Self::Raw(b) => b,
                }
            }
        }

        impl PayloadType {
            /// The protobuf message name.
            pub fn name(self) -> &'static str {
                match self {
                    $( Self::$variant => stringify!($variant), )*
                }
            }

            /// The type with protobuf message name `name` (the inverse of
            /// [`name`](Self::name)), as the topic tables of [`known_topics`] name payloads.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $( stringify!($variant) => Some(Self::$variant), )*
                    _ => None,
                }
            }

            /// Decodes `data` as this type; `bytes` fields share `data`'s allocation.
            pub fn decode(self, data: Bytes) -> Result<Payload, prost::DecodeError> {
                Ok(match self {
                    $( Self::$variant => Payload::$variant(<$ty>::decode(data)?), )*
                })
            }
        }

        impl Payload {
            /// The payload's type, or `None` for raw data.
            pub fn payload_type(&self) -> Option<PayloadType> {
                match self {
                    $( Self::$variant(_) => Some(PayloadType::$variant), )*
                    Self::Raw(_) => None,
                }
            }

            /// The protobuf encoding of the payload (raw data as it is).
            pub fn encode_to_bytes(&self) -> Bytes {
                match self {
                    $( Self::$variant(m) => Bytes::from(m.encode_to_vec()), )*
                    Self::Raw(b) => b.clone(),
                }
            }

            /// The payload in canonical protobuf JSON (64-bit integers as strings, bytes as
            /// base64); raw data as `{"raw": "<base64>"}`… encoded as hex for readability.
            #[cfg(feature = "serde")]
            pub fn to_json(&self) -> serde_json::Value {
                let value = match self {
                    $( Self::$variant(m) => serde_json::to_value(m), )*
                    Self::Raw(b) => Ok(serde_json::json!({ "rawHex": hex(b) })),
                };
                value.unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }))
            }

            /// Parses canonical protobuf JSON of `payload_type`.
            #[cfg(feature = "serde")]
            pub fn from_json(payload_type: PayloadType, json: serde_json::Value) -> Result<Self, serde_json::Error> {
                Ok(match payload_type {
                    $( PayloadType::$variant => Self::$variant(serde_json::from_value(json)?), )*
                })
            }
        }
    };
}

#[cfg(feature = "serde")]
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

payloads! {
    // tim
    TimMessage => tim::TimMessage,
    TimPresence => tim::TimPresence,
    TimStream => tim::TimStream,
    TimReq => tim::TimReq,
    TimAck => tim::TimAck,
    TimNodes => tim::TimNodes,
    TimMessageList => tim::TimMessageList,
    // RongCloud
    UpStreamMessage => rc::UpStreamMessage,
    DownStreamMessage => rc::DownStreamMessage,
    DownStreamMessages => rc::DownStreamMessages,
    NotifyMsg => rc::NotifyMsg,
    ChrmNotifyMsg => rc::ChrmNotifyMsg,
    GetUserStatusOutput => rc::GetUserStatusOutput,
    SyncRequestMsg => rc::SyncRequestMsg,
    ChrmPullMsg => rc::ChrmPullMsg,
    ChrmInput => rc::ChrmInput,
    ChrmOutput => rc::ChrmOutput,
    HistoryMsgInput => rc::HistoryMsgInput,
    HistoryMsgOuput => rc::HistoryMsgOuput,
    RelationsInput => rc::RelationsInput,
    RelationsOutput => rc::RelationsOutput,
    RelationQryInput => rc::RelationQryInput,
    QueryChatroomInfoInput => rc::QueryChatroomInfoInput,
    QueryChatroomInfoOutput => rc::QueryChatroomInfoOutput,
    DeleteMsgInput => rc::DeleteMsgInput,
    DeleteMsgOutput => rc::DeleteMsgOutput,
    CleanHisMsgInput => rc::CleanHisMsgInput,
    SetChrmKV => rc::SetChrmKv,
    DeleteChrmKV => rc::DeleteChrmKv,
    QueryChrmKV => rc::QueryChrmKv,
    ChrmKVOutput => rc::ChrmKvOutput,
    PullUserSettingInput => rc::PullUserSettingInput,
    PullUserSettingOutput => rc::PullUserSettingOutput,
    GetQNupTokenInput => rc::GetQNupTokenInput,
    GetQNupTokenOutput => rc::GetQNupTokenOutput,
    GetQNdownloadUrlInput => rc::GetQNdownloadUrlInput,
    GetQNdownloadUrlOutput => rc::GetQNdownloadUrlOutput,
    GetUserStatusInput => rc::GetUserStatusInput,
    SetUserStatusInput => rc::SetUserStatusInput,
    SetUserStatusOutput => rc::SetUserStatusOutput,
    SubUserStatusInput => rc::SubUserStatusInput,
    SubUserStatusOutput => rc::SubUserStatusOutput,
    GetUserInfoInput => rc::GetUserInfoInput,
    GetUserInfoOutput => rc::GetUserInfoOutput,
    Add2BlackListInput => rc::Add2BlackListInput,
    RemoveFromBlackListInput => rc::RemoveFromBlackListInput,
    QueryBlackListInput => rc::QueryBlackListInput,
    QueryBlackListOutput => rc::QueryBlackListOutput,
    BlackListStatusInput => rc::BlackListStatusInput,
    CreateDiscussionInput => rc::CreateDiscussionInput,
    CreateDiscussionOutput => rc::CreateDiscussionOutput,
    ChannelInvitationInput => rc::ChannelInvitationInput,
    LeaveChannelInput => rc::LeaveChannelInput,
    ChannelEvictionInput => rc::ChannelEvictionInput,
    RenameChannelInput => rc::RenameChannelInput,
    ChannelInfoInput => rc::ChannelInfoInput,
    ChannelInfoOutput => rc::ChannelInfoOutput,
    PullMpInput => rc::PullMpInput,
    PullMpOutput => rc::PullMpOutput,
    SearchMpInput => rc::SearchMpInput,
    SearchMpOutput => rc::SearchMpOutput,
    VoipDynamicInput => rc::VoipDynamicInput,
    VoipDynamicOutput => rc::VoipDynamicOutput,
}

/// One topic the registry knows, in one of the frames that carry it ([`Profile::topics`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TopicInfo {
    /// The topic.
    pub name: &'static str,
    /// The frame (type and direction).
    pub carrier: Carrier,
    /// What that frame's `data` holds.
    pub payload: PayloadType,
    /// For RongCloud's send topics, the conversation type their messages belong to
    /// ([`Topic::conversation_type`]).
    pub conversation_type: Option<u8>,
}

/// The protobuf message (by name) that `data` holds in a frame of `carrier` on a topic of
/// `kind`, when the table names one.
fn payload_name(kind: TopicKind, carrier: Carrier) -> Option<&'static str> {
    match (kind, carrier) {
        (
            TopicKind::Send { payload, .. },
            Carrier::ClientPublish | Carrier::ServerPublish { sync: true },
        ) => Some(payload),
        (TopicKind::ServerPublish { payload }, Carrier::ServerPublish { sync: false }) => payload,
        (
            TopicKind::Publish { payload },
            Carrier::ClientPublish | Carrier::ServerPublish { .. },
        ) => Some(payload),
        (TopicKind::Query { request, .. }, Carrier::Query) => request,
        (TopicKind::Query { answer, .. }, Carrier::QueryAck) => answer,
        _ => None,
    }
}

/// The frames a topic of `kind` is listed with by [`Profile::topics`].
fn carriers(kind: TopicKind) -> &'static [Carrier] {
    match kind {
        TopicKind::Send { .. } => &[
            Carrier::ClientPublish,
            Carrier::ServerPublish { sync: true },
        ],
        TopicKind::ServerPublish { .. } => &[Carrier::ServerPublish { sync: false }],
        TopicKind::Publish { .. } => &[
            Carrier::ClientPublish,
            Carrier::ServerPublish { sync: false },
        ],
        TopicKind::Query { .. } => &[Carrier::Query, Carrier::QueryAck],
    }
}

/// A client packet's payload: its topic, the carrier and the data; `None` for packets without
/// `data`. One place for the three decoders (prost, view, owned).
fn client_data<B: Backing>(packet: &ClientPacket<B>) -> Option<(&str, Carrier, &B)> {
    match packet {
        ClientPacket::Publish(p) => Some((&p.topic, Carrier::ClientPublish, &p.data)),
        ClientPacket::Query(q) => Some((&q.topic, Carrier::Query, &q.data)),
        _ => None,
    }
}

/// A server packet's payload: the topic that types it (for a QUERYACK, the QUERY's, when the
/// caller knows it), the carrier and the data; `None` for packets without `data`.
fn server_data<'p: 't, 't, B: Backing>(
    packet: &'p ServerPacket<B>,
    query_topic: Option<&'t str>,
) -> Option<(Option<&'t str>, Carrier, &'p B)> {
    match packet {
        ServerPacket::Publish(p) => {
            let carrier = Carrier::ServerPublish {
                sync: p.is_sync_msg(),
            };
            Some((Some(&p.topic), carrier, &p.data))
        }
        ServerPacket::QueryAck(a) => Some((query_topic, Carrier::QueryAck, &a.data)),
        _ => None,
    }
}

#[cold]
fn payload_error(topic: &str, payload: PayloadType, source: PayloadDecodeError) -> PayloadError {
    PayloadError {
        topic: topic.to_owned(),
        payload: payload.name(),
        source,
    }
}

impl Profile {
    /// This profile's topic table: [`known_topics::RONGCLOUD`] or [`known_topics::TIM`], the
    /// same table the decoder interns topic names from.
    pub fn table(self) -> &'static [Topic] {
        match self {
            Self::RongCloud => known_topics::RONGCLOUD,
            Self::Tim => known_topics::TIM,
        }
    }

    /// The payload type of `data` in a frame of `carrier` with `topic`, if the registry knows it.
    pub fn payload_type(self, topic: &str, carrier: Carrier) -> Option<PayloadType> {
        let row = self.table().iter().find(|row| row.name == topic)?;
        PayloadType::from_name(payload_name(row.kind, carrier)?)
    }

    /// Decodes `data` by topic with prost: typed when the registry knows the topic,
    /// [`Payload::Raw`] otherwise. Errors only when a known topic's data is not its payload
    /// type. [`view`](Self::view) does the same without copying.
    pub fn decode(
        self,
        topic: &str,
        carrier: Carrier,
        data: Bytes,
    ) -> Result<Payload, PayloadError> {
        match self.payload_type(topic, carrier) {
            Some(payload) => payload
                .decode(data)
                .map_err(|source| payload_error(topic, payload, source.into())),
            None => Ok(Payload::Raw(data)),
        }
    }

    /// Decodes `data` by topic as a zero-copy view: typed when the registry knows the topic,
    /// [`PayloadView::Raw`] otherwise. Allocates nothing unless it fails.
    ///
    /// ```
    /// use timwire::registry::{Carrier, PayloadView, Profile};
    /// use timwire::proto::{Message as _, tim::TimMessage};
    ///
    /// let data = TimMessage { data_string: Some("hi".into()), ..Default::default() }.encode_to_vec();
    /// match Profile::Tim.view("timMsg", Carrier::ClientPublish, &data)? {
    ///     PayloadView::TimMessage(m) => assert_eq!(m.data_string, Some("hi")),
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok::<(), timwire::registry::PayloadError>(())
    /// ```
    pub fn view<'a>(
        self,
        topic: &str,
        carrier: Carrier,
        data: &'a [u8],
    ) -> Result<PayloadView<'a>, PayloadError> {
        match self.payload_type(topic, carrier) {
            Some(payload) => payload
                .view(data)
                .map_err(|source| payload_error(topic, payload, source.into())),
            None => Ok(PayloadView::Raw(data)),
        }
    }

    /// Validates `data` by topic and keeps it ([`OwnedPayload`]): for payloads that outlive
    /// the read buffer. Costs a view decode; `data` is kept, not copied.
    pub fn decode_owned(
        self,
        topic: &str,
        carrier: Carrier,
        data: Bytes,
    ) -> Result<OwnedPayload, PayloadError> {
        match self.payload_type(topic, carrier) {
            Some(payload) => payload
                .decode_owned(data)
                .map_err(|source| payload_error(topic, payload, source.into())),
            None => Ok(OwnedPayload::Raw(data)),
        }
    }

    /// The payload of a client packet as a view, or `None` for packets without `data`. Works
    /// for every backing: a packet borrowed from the read buffer (`ClientPacket<&[u8]>`) gives
    /// views into that buffer.
    ///
    /// ```
    /// use timwire::registry::{PayloadView, Profile};
    /// use timwire::proto::{Message as _, tim::TimMessage};
    /// use timwire::{ClientPacket, ClientPublish, Decode, Encode, EncodeOptions, Framing, QoS};
    ///
    /// let data = TimMessage { data_string: Some("hi".into()), ..Default::default() }.encode_to_vec();
    /// let publish = ClientPublish::new(QoS::AtLeastOnce, "timMsg", "bob", 1, bytes::Bytes::from(data));
    /// let frame = ClientPacket::from(publish).to_bytes(Framing::Message, &EncodeOptions::default())?;
    ///
    /// let packet = ClientPacket::<&[u8]>::from_message(&frame[..])?; // borrows `frame`
    /// match Profile::Tim.view_client(&packet) {
    ///     Some(Ok(PayloadView::TimMessage(m))) => assert_eq!(m.data_string, Some("hi")),
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn view_client<'a, B: Backing>(
        self,
        packet: &'a ClientPacket<B>,
    ) -> Option<Result<PayloadView<'a>, PayloadError>> {
        let (topic, carrier, data) = client_data(packet)?;
        Some(self.view(topic, carrier, data.as_ref()))
    }

    /// The payload of a server packet as a view, or `None` for packets without `data`. A
    /// QUERYACK needs the topic of the QUERY it answers (`query_topic`); without it, its data
    /// stays raw.
    pub fn view_server<'a, B: Backing>(
        self,
        packet: &'a ServerPacket<B>,
        query_topic: Option<&str>,
    ) -> Option<Result<PayloadView<'a>, PayloadError>> {
        let (topic, carrier, data) = server_data(packet, query_topic)?;
        Some(match topic {
            Some(topic) => self.view(topic, carrier, data.as_ref()),
            None => Ok(PayloadView::Raw(data.as_ref())),
        })
    }

    /// The payload of an owned client packet, kept past the read buffer ([`OwnedPayload`]:
    /// the packet's `data` shared, one reference count), or `None` for packets without
    /// `data`.
    pub fn owned_client(
        self,
        packet: &ClientPacket<Bytes>,
    ) -> Option<Result<OwnedPayload, PayloadError>> {
        let (topic, carrier, data) = client_data(packet)?;
        Some(self.decode_owned(topic, carrier, data.clone()))
    }

    /// The payload of an owned server packet, kept past the read buffer, or `None` for
    /// packets without `data`; `query_topic` as for [`view_server`](Self::view_server).
    pub fn owned_server(
        self,
        packet: &ServerPacket<Bytes>,
        query_topic: Option<&str>,
    ) -> Option<Result<OwnedPayload, PayloadError>> {
        let (topic, carrier, data) = server_data(packet, query_topic)?;
        Some(match topic {
            Some(topic) => self.decode_owned(topic, carrier, data.clone()),
            None => Ok(OwnedPayload::Raw(data.clone())),
        })
    }

    /// The payload of a client packet, or `None` for packets without `data`.
    pub fn decode_client<B: Backing + Into<Bytes>>(
        self,
        packet: &ClientPacket<B>,
    ) -> Option<Result<Payload, PayloadError>> {
        let (topic, carrier, data) = client_data(packet)?;
        Some(self.decode(topic, carrier, data.clone().into()))
    }

    /// The payload of a server packet, or `None` for packets without `data`. A QUERYACK needs
    /// the topic of the QUERY it answers (`query_topic`); without it, its data stays raw.
    pub fn decode_server<B: Backing + Into<Bytes>>(
        self,
        packet: &ServerPacket<B>,
        query_topic: Option<&str>,
    ) -> Option<Result<Payload, PayloadError>> {
        let (topic, carrier, data) = server_data(packet, query_topic)?;
        Some(match topic {
            Some(topic) => self.decode(topic, carrier, data.clone().into()),
            None => Ok(Payload::Raw(data.clone().into())),
        })
    }

    /// Every topic this profile knows a payload for, once per frame that carries it, in table
    /// order (for docs and tools).
    ///
    /// ```
    /// use timwire::registry::{Carrier, PayloadType, Profile};
    ///
    /// let pull: Vec<_> = Profile::Tim.topics().filter(|t| t.name == "timPull").collect();
    /// assert_eq!(pull.len(), 2);
    /// assert_eq!((pull[0].carrier, pull[0].payload), (Carrier::Query, PayloadType::TimReq));
    /// assert_eq!((pull[1].carrier, pull[1].payload), (Carrier::QueryAck, PayloadType::TimMessageList));
    /// ```
    pub fn topics(self) -> impl Iterator<Item = TopicInfo> + Clone {
        self.table().iter().flat_map(|row| {
            carriers(row.kind).iter().filter_map(move |&carrier| {
                Some(TopicInfo {
                    name: row.name,
                    carrier,
                    payload: PayloadType::from_name(payload_name(row.kind, carrier)?)?,
                    conversation_type: row.conversation_type(),
                })
            })
        })
    }
}

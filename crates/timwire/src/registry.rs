//! The topic registry: which protobuf message a frame's `data` holds, by topic, frame type and
//! direction, for the RongCloud profile and the tim profile (SCHEMAS.md §4).
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

use PayloadType as P;

/// One QUERY topic: its request payload and, when known, its answer's.
#[derive(Debug, Clone, Copy)]
struct QueryRow {
    /// The QUERY's topic.
    topic: &'static str,
    /// The QUERY's `data`, if it carries any.
    request: Option<PayloadType>,
    /// The QUERYACK's `data`, when known.
    answer: Option<PayloadType>,
}

impl QueryRow {
    const fn new(
        topic: &'static str,
        request: Option<PayloadType>,
        answer: Option<PayloadType>,
    ) -> Self {
        Self {
            topic,
            request,
            answer,
        }
    }
}

/// RongCloud's send topics (C→S PUBLISH, and their dup-flagged S→C sync copies): UpStreamMessage.
/// `ppMsgS`/`pgMsgS`/`chatMsgS` are status messages (no PUBACK); `pcuMsgP` is the
/// customer-service method, `recallMsg` a recall.
const RONGCLOUD_SEND: &[&str] = timwire_signal::known_topics::RONGCLOUD_SEND;

/// RongCloud's S→C PUBLISH topics. `s_cmd`'s ChrmNotifyMsg has NotifyMsg's layout. Engine 4.x's
/// `s_us` (UserSettingNotification) and `rtc_ntf` (RtcNotifyMsg) have no published field list,
/// so they stay raw.
const RONGCLOUD_SERVER_PUBLISH: &[(&str, PayloadType)] = &[
    ("s_ntf", P::NotifyMsg),
    ("s_msg", P::DownStreamMessage),
    ("s_stat", P::GetUserStatusOutput),
    ("s_cmd", P::ChrmNotifyMsg),
];

/// RongCloud's QUERY topics (rongcloud-rmtp.md §5.3), where the pair is known.
const RONGCLOUD_QUERY: &[QueryRow] = &[
    QueryRow::new(
        "pullMsg",
        Some(P::SyncRequestMsg),
        Some(P::DownStreamMessages),
    ),
    QueryRow::new(
        "chrmPull",
        Some(P::ChrmPullMsg),
        Some(P::DownStreamMessages),
    ),
    QueryRow::new(
        "qryPMsg",
        Some(P::HistoryMsgInput),
        Some(P::HistoryMsgOuput),
    ),
    QueryRow::new(
        "qryDMsg",
        Some(P::HistoryMsgInput),
        Some(P::HistoryMsgOuput),
    ),
    QueryRow::new(
        "qryGMsg",
        Some(P::HistoryMsgInput),
        Some(P::HistoryMsgOuput),
    ),
    QueryRow::new(
        "qryCMsg",
        Some(P::HistoryMsgInput),
        Some(P::HistoryMsgOuput),
    ),
    QueryRow::new(
        "qrySMsg",
        Some(P::HistoryMsgInput),
        Some(P::HistoryMsgOuput),
    ),
    QueryRow::new(
        "qryCHMsg",
        Some(P::HistoryMsgInput),
        Some(P::HistoryMsgOuput),
    ),
    QueryRow::new(
        "qryRelation",
        Some(P::RelationsInput),
        Some(P::RelationsOutput),
    ),
    QueryRow::new(
        "qryRelationR",
        Some(P::RelationQryInput),
        Some(P::RelationsOutput),
    ),
    QueryRow::new("delRelation", Some(P::RelationsInput), None),
    QueryRow::new("joinChrm", Some(P::ChrmInput), Some(P::ChrmOutput)),
    QueryRow::new("joinChrmR", Some(P::ChrmInput), Some(P::ChrmOutput)),
    QueryRow::new("exitChrm", Some(P::ChrmInput), Some(P::ChrmOutput)),
    QueryRow::new(
        "queryChrmI",
        Some(P::QueryChatroomInfoInput),
        Some(P::QueryChatroomInfoOutput),
    ),
    QueryRow::new("delMsg", Some(P::DeleteMsgInput), Some(P::DeleteMsgOutput)),
    QueryRow::new("cleanHisMsg", Some(P::CleanHisMsgInput), None),
    QueryRow::new("cleanPMsg", Some(P::CleanHisMsgInput), None),
    QueryRow::new("cleanGMsg", Some(P::CleanHisMsgInput), None),
    QueryRow::new("cleanCMsg", Some(P::CleanHisMsgInput), None),
    QueryRow::new("cleanSMsg", Some(P::CleanHisMsgInput), None),
    QueryRow::new("setKV", Some(P::SetChrmKV), None),
    QueryRow::new("delKV", Some(P::DeleteChrmKV), None),
    QueryRow::new("pullKV", Some(P::QueryChrmKV), Some(P::ChrmKVOutput)),
    QueryRow::new(
        "pullUS",
        Some(P::PullUserSettingInput),
        Some(P::PullUserSettingOutput),
    ),
    QueryRow::new(
        "qnTkn",
        Some(P::GetQNupTokenInput),
        Some(P::GetQNupTokenOutput),
    ),
    QueryRow::new(
        "qnUrl",
        Some(P::GetQNdownloadUrlInput),
        Some(P::GetQNdownloadUrlOutput),
    ),
    QueryRow::new(
        "getUserStatus",
        Some(P::GetUserStatusInput),
        Some(P::GetUserStatusOutput),
    ),
    QueryRow::new(
        "setUserStatus",
        Some(P::SetUserStatusInput),
        Some(P::SetUserStatusOutput),
    ),
    QueryRow::new(
        "subUserStatus",
        Some(P::SubUserStatusInput),
        Some(P::SubUserStatusOutput),
    ),
    QueryRow::new(
        "userInf",
        Some(P::GetUserInfoInput),
        Some(P::GetUserInfoOutput),
    ),
    QueryRow::new("addBlack", Some(P::Add2BlackListInput), None),
    QueryRow::new("rmBlack", Some(P::RemoveFromBlackListInput), None),
    QueryRow::new(
        "getBlack",
        Some(P::QueryBlackListInput),
        Some(P::QueryBlackListOutput),
    ),
    QueryRow::new("blackStat", Some(P::BlackListStatusInput), None),
    QueryRow::new(
        "crDiz",
        Some(P::CreateDiscussionInput),
        Some(P::CreateDiscussionOutput),
    ),
    QueryRow::new("invtDiz", Some(P::ChannelInvitationInput), None),
    QueryRow::new("quitDiz", Some(P::LeaveChannelInput), None),
    QueryRow::new("evctDiz", Some(P::ChannelEvictionInput), None),
    QueryRow::new("rename", Some(P::RenameChannelInput), None),
    QueryRow::new(
        "dizInf",
        Some(P::ChannelInfoInput),
        Some(P::ChannelInfoOutput),
    ),
    QueryRow::new("pullMp", Some(P::PullMpInput), Some(P::PullMpOutput)),
    QueryRow::new("schMp", Some(P::SearchMpInput), Some(P::SearchMpOutput)),
    QueryRow::new(
        "qryVoipK",
        Some(P::VoipDynamicInput),
        Some(P::VoipDynamicOutput),
    ),
];

/// The tim profile's PUBLISH topics (both directions).
const TIM_PUBLISH: &[(&str, PayloadType)] = &[
    ("timMsg", P::TimMessage),
    ("timPres", P::TimPresence),
    ("timStrm", P::TimStream),
];

/// The tim profile's QUERY topics. `timOffl` sends no data; its answer comes with qos 1 and is
/// confirmed by QUERYCON.
const TIM_QUERY: &[QueryRow] = &[
    QueryRow::new("timPull", Some(P::TimReq), Some(P::TimMessageList)),
    QueryRow::new("timOffl", None, Some(P::TimMessageList)),
    QueryRow::new("timNodes", Some(P::TimNodes), Some(P::TimNodes)),
    QueryRow::new("timBiz", Some(P::TimReq), Some(P::TimAck)),
    QueryRow::new("timVroom", Some(P::TimReq), Some(P::TimAck)),
];

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

fn find<T: Copy>(table: &[(&str, T)], topic: &str) -> Option<T> {
    table.iter().find(|(t, _)| *t == topic).map(|(_, v)| *v)
}

fn query_row(table: &[QueryRow], topic: &str) -> Option<QueryRow> {
    table.iter().find(|row| row.topic == topic).copied()
}

impl Profile {
    /// The payload type of `data` in a frame of `carrier` with `topic`, if the registry knows it.
    pub fn payload_type(self, topic: &str, carrier: Carrier) -> Option<PayloadType> {
        match (self, carrier) {
            (Self::Tim, Carrier::ClientPublish | Carrier::ServerPublish { .. }) => {
                find(TIM_PUBLISH, topic)
            }
            (Self::Tim, Carrier::Query) => query_row(TIM_QUERY, topic)?.request,
            (Self::Tim, Carrier::QueryAck) => query_row(TIM_QUERY, topic)?.answer,
            (Self::RongCloud, Carrier::ClientPublish | Carrier::ServerPublish { sync: true }) => {
                RONGCLOUD_SEND
                    .contains(&topic)
                    .then_some(P::UpStreamMessage)
            }
            (Self::RongCloud, Carrier::ServerPublish { sync: false }) => {
                find(RONGCLOUD_SERVER_PUBLISH, topic)
            }
            (Self::RongCloud, Carrier::Query) => query_row(RONGCLOUD_QUERY, topic)?.request,
            (Self::RongCloud, Carrier::QueryAck) => query_row(RONGCLOUD_QUERY, topic)?.answer,
        }
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

    /// Every topic this profile knows, with the carriers it appears in (for docs and tools).
    pub fn topics(self) -> Vec<(&'static str, Carrier, PayloadType)> {
        let mut out = Vec::new();
        let queries = match self {
            Self::Tim => {
                for (t, p) in TIM_PUBLISH {
                    out.push((*t, Carrier::ClientPublish, *p));
                    out.push((*t, Carrier::ServerPublish { sync: false }, *p));
                }
                TIM_QUERY
            }
            Self::RongCloud => {
                for t in RONGCLOUD_SEND {
                    out.push((*t, Carrier::ClientPublish, P::UpStreamMessage));
                    out.push((
                        *t,
                        Carrier::ServerPublish { sync: true },
                        P::UpStreamMessage,
                    ));
                }
                for (t, p) in RONGCLOUD_SERVER_PUBLISH {
                    out.push((*t, Carrier::ServerPublish { sync: false }, *p));
                }
                RONGCLOUD_QUERY
            }
        };
        for row in queries {
            if let Some(p) = row.request {
                out.push((row.topic, Carrier::Query, p));
            }
            if let Some(p) = row.answer {
                out.push((row.topic, Carrier::QueryAck, p));
            }
        }
        out
    }
}

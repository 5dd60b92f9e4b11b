//! RongCloud: a client's UpStreamMessage (PUBLISH on `ppMsgP`, `pgMsgP`, …) turned into the
//! DownStreamMessage each recipient gets (`s_msg`, `pullMsg`, history), the PUBACK the sender
//! gets, and the answers of the store's reads.
//!
//! # Which id goes where
//!
//! | field | private (`ppMsgP`, alice → bob) | group (`pgMsgP`, alice → team) |
//! |---|---|---|
//! | C→S PUBLISH `targetId` | `bob` | `team` |
//! | recipients | `bob` | every member of `team` but `alice` |
//! | `fromUserId` | `alice` | `alice` |
//! | `type` | 1 (PERSON) | 3 (GROUP) |
//! | `groupId` | `bob` (the PUBLISH's targetId) | `team` |
//! | the conversation target the recipient's SDK shows | `alice` (`fromUserId`) | `team` (`groupId`) |
//! | the sender's own copy (outbox, history, conversation list) | `direction` 1 (sent), `fromUserId` `bob` | `direction` 1 (sent), `fromUserId` `alice` |
//! | `msgId` | the messageUId | the messageUId |
//! | `dataTime` | the server time (ms) | the server time (ms) |
//!
//! RongCloud's engine 4.4.2 takes the conversation target from `groupId` for groups, chatrooms
//! and RTC rooms and from `fromUserId` otherwise, and the sender from `fromUserId` unless
//! `direction` is 1 (sent), when it is the current user (`_formatReceivedMessage`). So the
//! sender's own copy of a private message names the *recipient* in `fromUserId`: with
//! `direction` 1 the engine shows it as sent by the current user in the conversation with
//! the recipient. The 2.x web SDK takes `groupId` for a message from the current user and for
//! group types, `fromUserId` otherwise; a private message's `groupId` is the recipient, so both
//! copies point at the right conversation in both SDKs.
//!
//! The other fields are copied: `classname`, `content`, `extraContent`, `configFlag`,
//! `pushExt`, `clientUniqueId`, and `pushText` as `pushContent`. The sender's MessageTag bits
//! (`sessionId`) become the received status bits (`status`): persisted 0x01 → 0x10, counted
//! 0x02 → 0x20, mentioned 0x04 → 0x40, disable notification 0x20 → 0x200, can include
//! expansion 0x40 → 0x400. A message without the persisted bit (a status message such as
//! `RC:TypSts`) is delivered to online recipients only; [`Relayed::is_persisted`] says which.
//!
//! The S→C `s_msg` PUBLISH's own `targetId` is not read by engine 4.4.2 (it decodes the payload
//! only); [`Relayed::s_msg`] sets it to the recipient's conversation target.
//!
//! # Telling RongCloud's web SDK about a message
//!
//! Engine 4.4.2 drops an `s_msg` that arrives while it is pulling, and an `s_msg` moves its inbox
//! sync time, so a message it dropped is only fetched by a later pull. [`notify`] (`s_ntf`,
//! then the client's `pullMsg`) loses nothing; chatroom members get [`notify_chatroom`] and
//! pull with `chrmPull`. The engine also takes any S→C packet whose msgId is above 0 as the
//! answer to its own unanswered request with that msgId, a PUBLISH included: send these
//! PUBLISHes with a msgId none of the client's unanswered requests has (or qos 0 and msgId 0).
//! The whole flow is in the protocol description, section 11.

use bytes::Bytes;
use prost::Message;
use timwire_proto::rongcloud::{
    ChannelType, DownStreamMessage, DownStreamMessages, HistoryMsgOuput, NotifyMsg, RelationInfo,
    UpStreamMessage,
    flags::{MessageTag, ReceivedStatus},
};
use timwire_signal::{AckStatus, QoS, ServerPubAck, ServerPublish};

use super::{RelayError, Stamp, split_ms};
use crate::store::{Conversation, Direction, History, Page, Stored};

/// `direction` of a message the mailbox's owner sent (engine 4.4.2 `MessageDirection.SEND`).
pub const DIRECTION_SENT: i32 = 1;

/// The conversation type (`ChannelType` number) of a C→S send topic, `None` for a topic that
/// is not one (`recallMsg` included: a recall names its conversation inside).
///
/// ```
/// use timwire_session::relay::rongcloud::conversation_type;
///
/// assert_eq!(conversation_type("ppMsgP"), Some(1));
/// assert_eq!(conversation_type("pgMsgS"), Some(3));
/// assert_eq!(conversation_type("s_msg"), None);
/// ```
pub fn conversation_type(topic: &str) -> Option<i32> {
    let kind = match topic {
        "ppMsgP" | "ppMsgS" => ChannelType::Person as i32,
        "pdMsgP" => ChannelType::Persons as i32,
        "pgMsgP" | "pgMsgS" => ChannelType::Group as i32,
        "chatMsg" | "chatMsgS" => ChannelType::Tempgroup as i32,
        "pcMsgP" | "pcuMsgP" => ChannelType::Customerservice as i32,
        "pmcMsgN" => ChannelType::Mc as i32,
        "pmpMsgN" => ChannelType::Mp as i32,
        "prMsgS" => 12,
        "prMsgP" => 13,
        _ => return None,
    };
    Some(kind)
}

/// Whether messages of conversation type `kind` go to the members of a group (discussion,
/// group, chatroom, RTC room) rather than to one user.
pub fn is_group_type(kind: i32) -> bool {
    matches!(kind, 2..=4 | 12 | 13)
}

/// The received status bits (`DownStreamMessage.status`) for a sender's MessageTag bits.
///
/// ```
/// use timwire_proto::rongcloud::flags::{MessageTag, ReceivedStatus};
/// use timwire_session::relay::rongcloud::received_status;
///
/// let status = received_status(MessageTag::PERSISTED | MessageTag::COUNTED);
/// assert_eq!(status, ReceivedStatus::PERSISTED | ReceivedStatus::COUNTED);
/// ```
pub fn received_status(tag: MessageTag) -> ReceivedStatus {
    [
        (MessageTag::PERSISTED, ReceivedStatus::PERSISTED),
        (MessageTag::COUNTED, ReceivedStatus::COUNTED),
        (MessageTag::MENTIONED, ReceivedStatus::MENTIONED),
        (
            MessageTag::DISABLE_NOTIFICATION,
            ReceivedStatus::DISABLE_NOTIFICATION,
        ),
        (
            MessageTag::CAN_INCLUDE_EXPANSION,
            ReceivedStatus::CAN_INCLUDE_EXPANSION,
        ),
    ]
    .into_iter()
    .fold(ReceivedStatus::EMPTY, |status, (from, to)| {
        status.with(to, tag.contains(from))
    })
}

/// A message on its way through the server: what the sender sent, stamped with its server time
/// and messageUId, and what its recipients get (see the [module docs](self)).
///
/// ```
/// use bytes::Bytes;
/// use timwire_proto::rongcloud::UpStreamMessage;
/// use timwire_session::relay::{UidGenerator, rongcloud::Relayed};
///
/// let up = UpStreamMessage {
///     session_id: 3, // persisted + counted
///     classname: "RC:TxtMsg".into(),
///     content: Bytes::from_static(br#"{"content":"hi"}"#),
///     ..Default::default()
/// };
/// let stamp = UidGenerator::new(1).next(1_795_432_394_449)?;
/// let relayed = Relayed::new("alice", "ppMsgP", "bob", up, stamp)?;
///
/// assert_eq!(relayed.recipients(&[]).collect::<Vec<_>>(), ["bob"]);
/// let down = relayed.received();
/// assert_eq!((down.from_user_id.as_str(), down.r#type, down.data_time), ("alice", 1, 1_795_432_394_449));
/// assert_eq!(down.msg_id.as_deref(), Some(stamp.uid.as_str()));
///
/// let ack = relayed.pub_ack(7);
/// assert_eq!((ack.msg_id, ack.date, ack.millisecond), (7, 1_795_432_394, 449));
/// assert_eq!(ack.message_uid.as_deref(), Some(stamp.uid.as_str()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Relayed {
    sender: String,
    target_id: String,
    stamp: Stamp,
    persisted: bool,
    received: DownStreamMessage,
}

impl Relayed {
    /// Relays `up`, which `sender` (the connection's userId) sent on send topic `topic` to
    /// `target_id` (the PUBLISH's targetId), stamped with `stamp`.
    ///
    /// Fails with [`RelayError::NotASendTopic`] for a topic that is not a send topic and
    /// [`RelayError::EmptyTarget`] for an empty targetId.
    pub fn new(
        sender: &str,
        topic: &str,
        target_id: &str,
        up: UpStreamMessage,
        stamp: Stamp,
    ) -> Result<Self, RelayError> {
        let kind = conversation_type(topic).ok_or_else(|| RelayError::NotASendTopic {
            topic: topic.to_owned(),
        })?;
        if target_id.is_empty() {
            return Err(RelayError::EmptyTarget {
                topic: topic.to_owned(),
            });
        }
        let tag = up.message_tag();
        let received = DownStreamMessage {
            from_user_id: sender.to_owned(),
            r#type: kind,
            group_id: Some(target_id.to_owned()),
            classname: up.classname,
            content: up.content,
            data_time: stamp.time_ms,
            status: received_status(tag).bits(),
            msg_id: Some(stamp.uid.to_string()),
            client_unique_id: up.client_unique_id,
            extra_content: up.extra_content,
            push_content: up.push_text,
            config_flag: up.config_flag,
            push_ext: up.push_ext,
            ..DownStreamMessage::default()
        };
        Ok(Self {
            sender: sender.to_owned(),
            target_id: target_id.to_owned(),
            stamp,
            persisted: tag.is_persisted(),
            received,
        })
    }

    /// The sender's userId.
    pub fn sender(&self) -> &str {
        &self.sender
    }

    /// The C→S PUBLISH's targetId: the recipient (private) or the group.
    pub fn target_id(&self) -> &str {
        &self.target_id
    }

    /// The conversation type.
    pub fn conversation_type(&self) -> i32 {
        self.received.r#type
    }

    /// Server time and messageUId.
    pub fn stamp(&self) -> Stamp {
        self.stamp
    }

    /// Whether the sender asked for the message to be stored (MessageTag persisted); a message
    /// that is not goes to online recipients only.
    pub fn is_persisted(&self) -> bool {
        self.persisted
    }

    /// Who gets the message: the target for a one-to-one type; for a group type, `members`
    /// (the group's member list, which the server keeps) without the sender.
    pub fn recipients<'a>(&'a self, members: &'a [String]) -> impl Iterator<Item = &'a str> {
        let (one, many): (Option<&str>, &[String]) = if is_group_type(self.conversation_type()) {
            (None, members)
        } else {
            (Some(self.target_id.as_str()), &[])
        };
        one.into_iter().chain(
            many.iter()
                .map(String::as_str)
                .filter(move |member| *member != self.sender),
        )
    }

    /// The DownStreamMessage a recipient gets (`s_msg`, pulls, history).
    pub fn received(&self) -> &DownStreamMessage {
        &self.received
    }

    /// The sender's own copy, for its outbox, history and conversation list: the same message
    /// with `direction` 1 (sent), and for a one-to-one type the recipient as `fromUserId`
    /// (where engine 4.4.2 reads a private conversation's target from).
    pub fn sent(&self) -> DownStreamMessage {
        let mut sent = DownStreamMessage {
            direction: Some(DIRECTION_SENT),
            ..self.received.clone()
        };
        if !is_group_type(self.conversation_type()) {
            sent.from_user_id.clone_from(&self.target_id);
        }
        sent
    }

    /// The conversation as a recipient's mailbox files it: the sender for a one-to-one type,
    /// the group for a group type.
    pub fn recipient_conversation(&self) -> Conversation {
        let target = if is_group_type(self.conversation_type()) {
            &self.target_id
        } else {
            &self.sender
        };
        Conversation::new(self.conversation_type(), target.as_str())
    }

    /// The conversation as the sender's mailbox files it: the PUBLISH's target.
    pub fn sender_conversation(&self) -> Conversation {
        Conversation::new(self.conversation_type(), self.target_id.as_str())
    }

    /// The PUBACK that answers the sender's PUBLISH `msg_id`: success, the server time as
    /// `date` (seconds) and `millisecond`, and the messageUId.
    pub fn pub_ack(&self, msg_id: u16) -> ServerPubAck<Bytes> {
        let (date, millisecond) = split_ms(self.stamp.time_ms);
        ServerPubAck::new(msg_id, date, AckStatus::SUCCESS, millisecond)
            .with_message_uid(self.stamp.uid.as_str())
    }

    /// The `s_msg` PUBLISH (qos 1, which the recipient acknowledges) that pushes the message to
    /// an online recipient, with msgId `msg_id` (the recipient connection's).
    pub fn s_msg(&self, msg_id: u16) -> ServerPublish<Bytes> {
        let (date, _) = split_ms(self.stamp.time_ms);
        let target = self.recipient_conversation().target;
        ServerPublish::new(
            QoS::AtLeastOnce,
            date,
            "s_msg",
            target,
            msg_id,
            Bytes::from(self.received.encode_to_vec()),
        )
    }
}

/// The `s_ntf` notification (NotifyMsg type 1) telling an online client that messages up to
/// `time_ms` are waiting: it answers with a `pullMsg` QUERY.
///
/// ```
/// use timwire_session::relay::rongcloud::notify;
///
/// assert_eq!((notify(42).r#type, notify(42).time), (1, Some(42)));
/// ```
pub fn notify(time_ms: i64) -> NotifyMsg {
    NotifyMsg {
        r#type: 1,
        time: Some(time_ms),
        chrm_id: None,
    }
}

/// The `s_ntf` notification (NotifyMsg type 2) telling a chatroom member that the chatroom has
/// messages up to `time_ms`: it answers with a `chrmPull` QUERY for `chatroom_id`.
///
/// ```
/// use timwire_session::relay::rongcloud::notify_chatroom;
///
/// let ntf = notify_chatroom(42, "lobby");
/// assert_eq!((ntf.r#type, ntf.time, ntf.chrm_id.as_deref()), (2, Some(42), Some("lobby")));
/// ```
pub fn notify_chatroom(time_ms: i64, chatroom_id: &str) -> NotifyMsg {
    NotifyMsg {
        r#type: 2,
        time: Some(time_ms),
        chrm_id: Some(chatroom_id.to_owned()),
    }
}

/// The `pullMsg` answer for a [store](crate::store) page: its messages, `syncTime` (the page's
/// sync time) and `finished`.
///
/// ```
/// use timwire_proto::rongcloud::DownStreamMessage;
/// use timwire_session::relay::rongcloud::pull_answer;
/// use timwire_session::store::{Conversation, Direction, MessageStore, StoreLimits};
///
/// let mut store = MessageStore::new(StoreLimits::default());
/// let message = DownStreamMessage { data_time: 5, ..Default::default() };
/// store.insert("bob", 5, Conversation::new(1, "alice"), Direction::Received, message)?;
/// let answer = pull_answer(&store.pull("bob", Direction::Received, 0, 100));
/// assert_eq!((answer.list.len(), answer.sync_time, answer.finished), (1, 5, Some(true)));
/// # Ok::<(), timwire_session::store::StoreError>(())
/// ```
pub fn pull_answer(page: &Page<'_, DownStreamMessage>) -> DownStreamMessages {
    DownStreamMessages {
        list: page.messages.iter().map(|m| m.message.clone()).collect(),
        sync_time: page.sync_time,
        finished: Some(page.finished),
    }
}

/// The history answer (`qryPMsg`, `qryGMsg`, …) for a [store](crate::store) history read
/// ([`history`](crate::store::MessageStore::history) for HistoryMsgInput `order` 0,
/// [`history_after`](crate::store::MessageStore::history_after) for `order` 1), listed oldest
/// first when `ascending`, else newest first. RongCloud's engine 4.4.2 reverses the list it
/// gets, for both orders: answer it with `ascending` false. `syncTime` is the time of the
/// oldest message returned, `hasMsg` 1 when more messages are left in the direction read.
///
/// ```
/// use timwire_proto::rongcloud::DownStreamMessage;
/// use timwire_session::relay::rongcloud::history_answer;
/// use timwire_session::store::{Conversation, Direction, MessageStore, StoreLimits};
///
/// let mut store = MessageStore::new(StoreLimits::default());
/// let chat = Conversation::new(1, "bob");
/// for time in [10, 20, 30] {
///     let message = DownStreamMessage { data_time: time, ..Default::default() };
///     store.insert("alice", time, chat.clone(), Direction::Received, message)?;
/// }
/// // getHistoryMessages(1, "bob", 0, 2): the newest two, newest first, and more left
/// let answer = history_answer(&store.history("alice", &chat, None, 2), false);
/// let times: Vec<i64> = answer.list.iter().map(|m| m.data_time).collect();
/// assert_eq!((times, answer.sync_time, answer.has_msg), (vec![30, 20], 20, 1));
/// # Ok::<(), timwire_session::store::StoreError>(())
/// ```
pub fn history_answer(
    history: &History<'_, DownStreamMessage>,
    ascending: bool,
) -> HistoryMsgOuput {
    let mut list: Vec<DownStreamMessage> =
        history.messages.iter().map(|m| m.message.clone()).collect();
    let oldest = history.messages.last().map_or(0, |m| m.time_ms);
    if ascending {
        list.reverse();
    }
    HistoryMsgOuput {
        list,
        sync_time: oldest,
        has_msg: i32::from(history.has_more),
    }
}

/// One conversation of a `qryRelation` answer (RelationsOutput `info`) from the latest stored
/// message of a conversation ([`MessageStore::conversations`](crate::store::MessageStore::conversations)).
pub fn relation_info(latest: &Stored<DownStreamMessage>) -> RelationInfo {
    RelationInfo {
        r#type: latest.conversation.kind,
        user_id: latest.conversation.target.clone(),
        msg: Some(latest.message.clone()),
        read_msg_time: None,
        unread_count: None,
        channel_id: None,
    }
}

/// Whether a stored copy was sent or received, from a DownStreamMessage's `direction`.
pub fn direction_of(message: &DownStreamMessage) -> Direction {
    if message.direction == Some(DIRECTION_SENT) {
        Direction::Sent
    } else {
        Direction::Received
    }
}

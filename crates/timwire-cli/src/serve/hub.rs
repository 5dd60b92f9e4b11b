//! The relay behind `timwire serve` (and `timwire load`'s in-process server): one task that
//! owns the server's events, the message store and who is online, and answers every
//! connection through its handle.
//!
//! Delivery follows the profile:
//!
//! * RongCloud: a message is stamped, stored in the recipient's mailbox, and pushed as `s_msg`
//!   while the recipient is online, caught up (its last pull was `finished`) and its push
//!   window has room. Otherwise the recipient falls behind: pushes stop and, once nothing is in
//!   flight, an `s_ntf` tells it to pull (`pullMsg` from its sync time). A reconnecting client
//!   starts behind and pulls.
//! * tim: a forwarded message is stored (history and offline) and waits in the recipient's
//!   queue until the recipient acknowledges it. What arrives while the recipient is online is
//!   pushed in order (at most a window's worth in flight, resent by the engine) and
//!   acknowledged by its PUBACK. What arrived before the recipient's latest login — while it
//!   was offline, or pushed on a connection that was lost — is its offline messages: the
//!   client asks with a `timOffl` QUERY and gets the oldest [`OFFLINE_PAGE`] as a
//!   TimMessageList in a qos-1 QUERYACK; its QUERYCON acknowledges the batch, and the client
//!   asks again until a batch is empty (tim's TIMOFFLINEMSG … TIMOFFLINEMSGEND, one batch per
//!   QUERY here). The store's delivery mark follows the queue: everything before the oldest
//!   unacknowledged message is marked delivered. Copies (a push whose PUBACK was lost, then
//!   offered again offline) carry the same TimMessage `id`, by which clients drop them.
//!   `timPull` (a TimReq) answers one conversation's history from the store, newest first.
//!
//! RongCloud's web SDK (a connection without CONNECT, its token in the WebSocket URL) logs in
//! as the user its token names ([`Tokens`]); a bad token gets CONNACK TOKEN_INCORRECT. It is
//! only ever notified (`s_ntf`, qos 0, msgId 0), never pushed `s_msg`: engine 4.4.2 drops an
//! `s_msg` that arrives during a pull, and takes a PUBLISH whose msgId equals one of its
//! pending requests as that request's answer. The conversation list (`qryRelationR`) and
//! chatrooms (`joinChrm`, `chatMsg`, `chrmPull`, `quitChrm`; see [`chatroom`](super::chatroom))
//! are served in the RongCloud profile.
//!
//! A user's second login wins: the earlier connection gets DISCONNECT OTHER_DEVICE_LOGIN (1).
//!
//! Senders' retries (tim's resends after a reconnect, a RongCloud app resending an
//! unacknowledged message) are recognised by (sender, TimMessage `id` / `clientUniqueId`) and
//! answered with the first copy's PUBACK, not stored twice.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
// The hub's maps are looked up several times for every message relayed (see the root
// Cargo.toml for why foldhash); each is bounded (connections, users, `seen_limit`).
use foldhash::{HashMap, HashSet};
use prost::Message as _;
use timwire::proto::rongcloud::{
    ChannelType, ChrmOutput, ChrmPullMsg, DownStreamMessage, HistoryMsgInput, RelationQryInput,
    RelationsOutput, SyncRequestMsg, UpStreamMessage,
};
use timwire::proto::tim::{MsType, Tid, TimMessage, TimMessageList, TimReq};
use timwire::{
    AckStatus, ConnAck, ConnAckStatus, DisconnectStatus, QoS, QueryAck, ServerPubAck, ServerPublish,
};
use timwire_session::relay::rongcloud::{self, Relayed};
use timwire_session::relay::tim::Forwarded;
use timwire_session::relay::{Stamp, UidGenerator};
use timwire_session::store::{Conversation, Direction, MessageStore, StoreLimits};
use timwire_session::{Profile, ServerEvent};
use timwire_tokio::Admission;
use timwire_tokio::http::percent_decode;
use timwire_tokio::server::{Command, Connection, ConnectionId, Event};

use super::Break;
use super::chatroom::Rooms;
use super::tokens::Tokens;

/// Pushes in flight per recipient connection (the engine's default publish window).
const PUSH_WINDOW: usize = 32;
/// Messages in one `pullMsg` answer, and the most in one `timPull` answer.
const PULL_PAGE: usize = 200;
/// Conversations in one `qryRelationR` answer.
const CONVERSATIONS: usize = 1000;
/// The PUBACK status for a chatroom message from a user not in the chatroom (RongCloud's
/// NOT_IN_CHATROOM, 23406).
const NOT_IN_CHATROOM: u16 = 23406;
/// tim: offline messages in one `timOffl` answer (tim's server loads 10 rows a batch).
pub(crate) const OFFLINE_PAGE: usize = 10;
/// tim: messages in a `timPull` answer when the TimReq asks for none (`reqInt2` 0).
const TIM_PULL_DEFAULT: usize = 20;

/// Counters for the closing line of `serve`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct HubStats {
    pub(crate) connections: u64,
    pub(crate) messages: u64,
    pub(crate) retries: u64,
    pub(crate) pushes: u64,
    pub(crate) pulls: u64,
}

struct Conn {
    handle: Connection,
    /// Shared, so that handling each of its frames does not copy the name.
    user: Option<Arc<str>>,
    /// RongCloud's web SDK (no CONNECT): notified, never pushed.
    web: bool,
}

#[derive(Default)]
struct User {
    /// The user's current connection (the latest to log in).
    conn: Option<ConnectionId>,
    /// Pushes awaiting their PUBACK on `conn`.
    in_flight: usize,
    /// RongCloud: pushes stopped until a finished pull.
    behind: bool,
    /// RongCloud: an `s_ntf` was sent since the last pull.
    notified: bool,
    /// RongCloud: `conn` is the web SDK, told by `s_ntf` only.
    notify_only: bool,
    /// tim: messages not yet acknowledged, by server number (numbers and times rise
    /// together).
    queue: BTreeMap<u64, Queued>,
    /// tim: the numbers pushed on `conn` and not answered yet.
    pushed: HashSet<u64>,
    /// tim: every queued number below this one is in `pushed` or an offline message, so
    /// pushing resumes here instead of walking past the window each time (reset when
    /// `pushed` is).
    push_from: u64,
    /// tim: the last message number before the latest login; stored messages up to it are
    /// offline messages, fetched with `timOffl` rather than pushed.
    offline_through: u64,
}

/// tim: a message waiting for its recipient's acknowledgement.
struct Queued {
    time_ms: i64,
    /// Whether the store has it (streams are not stored: they are only ever pushed).
    stored: bool,
    publish: ServerPublish<Bytes>,
}

/// The relay's state.
pub(crate) struct Hub {
    profile: Profile,
    conns: HashMap<ConnectionId, Conn>,
    users: HashMap<String, User>,
    rong: MessageStore<DownStreamMessage>,
    /// tim: one shared copy of each message for the sender's and the recipient's mailbox.
    tim_store: MessageStore<Arc<TimMessage>>,
    uids: UidGenerator,
    /// sender → client's message key → the first copy's stamp: retries get the same answer
    /// (by sender first, so a lookup needs no owned key).
    seen: HashMap<Arc<str>, HashMap<i64, Stamp>>,
    seen_order: VecDeque<(Arc<str>, i64)>,
    seen_limit: usize,
    max_queue: usize,
    max_users: usize,
    number: u64,
    tokens: Tokens,
    rooms: Rooms,
    breaks: Option<Break>,
    /// tim: the latest stamp's time; everything stored is at or before it.
    last_time_ms: i64,
    /// tim: the `timOffl` batch each connection was answered and has not confirmed yet: the
    /// QUERY's msgId and the batch's last time. One per connection.
    offline_batches: HashMap<ConnectionId, (u16, i64)>,
    pub(crate) stats: HubStats,
}

fn wall_ms() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

impl Hub {
    pub(crate) fn new(profile: Profile, limits: StoreLimits) -> Self {
        Self {
            profile,
            conns: HashMap::default(),
            users: HashMap::default(),
            rong: MessageStore::new(limits),
            tim_store: MessageStore::new(limits),
            uids: UidGenerator::new(1),
            seen: HashMap::default(),
            seen_order: VecDeque::new(),
            seen_limit: limits.max_total,
            max_queue: limits.max_per_user,
            max_users: limits.max_users,
            number: 0,
            tokens: Tokens::default(),
            rooms: Rooms::default(),
            breaks: None,
            last_time_ms: 0,
            offline_batches: HashMap::default(),
            stats: HubStats::default(),
        }
    }

    /// Logs web clients in by `tokens` (default: any non-empty token is the userId).
    pub(crate) fn with_tokens(mut self, tokens: Tokens) -> Self {
        self.tokens = tokens;
        self
    }

    /// Breaks one answer on purpose (tests of the interop suite only).
    pub(crate) fn with_break(mut self, breaks: Option<Break>) -> Self {
        self.breaks = breaks;
        self
    }

    /// Handles one event.
    pub(crate) fn on_event(&mut self, event: Event) {
        match event {
            Event::Opened { conn, request, .. } => {
                self.stats.connections += 1;
                let id = conn.id();
                self.conns.insert(
                    id,
                    Conn {
                        handle: conn,
                        user: None,
                        web: false,
                    },
                );
                // A web client without CONNECT (RongCloud's web SDK): its token is in the URL.
                if let Some((request, Admission::WithoutConnect)) = request {
                    if let Some(c) = self.conns.get_mut(&id) {
                        c.web = true;
                    }
                    let token = request.param("token").and_then(percent_decode);
                    match token.and_then(|t| self.tokens.user(&t)) {
                        Some(user) => self.login(id, user),
                        None => {
                            self.send(id, Command::Refuse(ConnAckStatus::TOKEN_INCORRECT));
                        }
                    }
                }
            }
            Event::Session { conn, event } => self.on_session(conn, event),
            Event::Delivered { conn, tag } => self.on_outcome(conn, tag, true),
            Event::Undelivered { conn, tag } => self.on_outcome(conn, tag, false),
            Event::Closed { conn, .. } => {
                self.offline_batches.remove(&conn);
                if let Some(Conn {
                    user: Some(user), ..
                }) = self.conns.remove(&conn)
                {
                    if let Some(u) = self.users.get_mut(&*user) {
                        if u.conn == Some(conn) {
                            u.conn = None;
                            u.in_flight = 0;
                            u.pushed.clear();
                            u.push_from = 0;
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn send(&self, conn: ConnectionId, command: Command) -> bool {
        // A connection whose queue is full is not keeping up: what it misses is stored.
        self.conns
            .get(&conn)
            .is_some_and(|c| c.handle.try_send(command).is_ok())
    }

    fn on_session(&mut self, conn: ConnectionId, event: ServerEvent) {
        match event {
            ServerEvent::Connect { connect } => {
                let user = connect.client_id.to_string();
                if user.is_empty() {
                    self.send(conn, Command::Refuse(ConnAckStatus::IDENTIFIER_REJECTED));
                    return;
                }
                self.login(conn, user);
            }
            ServerEvent::Publish { publish } => {
                let Some(sender) = self.user_of(conn) else {
                    return;
                };
                let qos = publish.flags.qos;
                let answer = match self.profile {
                    Profile::RongCloud => {
                        self.relay_rong(&sender, &publish.topic, &publish.target_id, &publish.data)
                    }
                    _ => self.relay_tim(&sender, &publish.data),
                };
                if qos.needs_ack() {
                    let mut ack =
                        answer.unwrap_or_else(|| ServerPubAck::new(0, 0, AckStatus::from(1u16), 0));
                    ack.msg_id = publish.msg_id;
                    if self.breaks == Some(Break::PubackUid) && ack.status == AckStatus::SUCCESS {
                        ack = ack.with_message_uid("BROK-ENBR-OKEN-BROK");
                    }
                    self.send(conn, Command::AckPublish(ack));
                }
            }
            ServerEvent::Query { query } => {
                let Some(user) = self.user_of(conn) else {
                    return;
                };
                let (status, data) = match (self.profile, &*query.topic) {
                    (Profile::RongCloud, "pullMsg") => self.pull_rong(&user, &query.data),
                    (Profile::RongCloud, "qryRelationR" | "qryRelation") => {
                        self.conversations_rong(&user, &query.data)
                    }
                    (Profile::RongCloud, "joinChrm" | "joinChrmR") => {
                        self.join_chatroom(&user, &query.target_id)
                    }
                    (Profile::RongCloud, "quitChrm") => {
                        self.rooms.quit(&query.target_id, &user);
                        (AckStatus::SUCCESS, Bytes::new())
                    }
                    (Profile::RongCloud, "chrmPull") => {
                        self.pull_chatroom(&user, &query.target_id, &query.data)
                    }
                    (Profile::RongCloud, topic) => match history_kind(topic) {
                        Some(kind) => self.history_rong(&user, kind, &query.data),
                        None => (AckStatus::from(1u16), Bytes::new()),
                    },
                    (Profile::Tim, "timOffl") => self.offline_tim(conn, &user, query.msg_id),
                    (Profile::Tim, "timPull") => self.pull_tim(&user, &query.data),
                    _ => (AckStatus::from(1u16), Bytes::new()),
                };
                // tim's history is a plain answer; every other answer awaits its QUERYCON.
                let qos = if &*query.topic == "timPull" {
                    QoS::AtMostOnce
                } else {
                    QoS::AtLeastOnce
                };
                let (date, _) = split(wall_ms());
                let ack = QueryAck::new(qos, query.msg_id, date, status, data);
                self.send(conn, Command::AnswerQuery(ack));
            }
            ServerEvent::QueryConfirmed { msg_id } => self.confirm_offline_tim(conn, msg_id),
            ServerEvent::QueryUnconfirmed { msg_id } => {
                // No QUERYCON: the batch stays undelivered, offered again on the next timOffl.
                self.take_offline_batch(conn, msg_id);
            }
            ServerEvent::Subscribe { subscribe } => {
                let granted = Bytes::from(vec![0u8; subscribe.topics.len()]);
                self.send(
                    conn,
                    Command::AckSubscribe(timwire::SubAck::new(subscribe.msg_id, granted)),
                );
            }
            ServerEvent::Unsubscribe { unsubscribe } => {
                self.send(conn, Command::AckUnsubscribe(unsubscribe.msg_id));
            }
            _ => {}
        }
    }

    /// Accepts `conn` as `user`; the latest login of a user wins and the earlier connection
    /// gets DISCONNECT OTHER_DEVICE_LOGIN.
    fn login(&mut self, conn: ConnectionId, user: String) {
        let ack = ConnAck::accepted(user.as_str(), format!("s{}", conn.get()), wall_ms());
        if !self.send(conn, Command::Accept(ack)) {
            return;
        }
        let web = match self.conns.get_mut(&conn) {
            Some(c) => {
                c.user = Some(Arc::from(user.as_str()));
                c.web
            }
            None => false,
        };
        let earlier = self.users.get(&user).and_then(|u| u.conn);
        if let Some(earlier) = earlier.filter(|e| *e != conn) {
            self.send(
                earlier,
                Command::Disconnect(DisconnectStatus::OTHER_DEVICE_LOGIN),
            );
        }
        if !self.users.contains_key(&user) && self.users.len() >= self.max_users {
            // Bounded: past the user limit a new user gets a session but no queue.
            return;
        }
        let u = self.users.entry(user.clone()).or_default();
        // The latest login wins; the earlier connection is simply forgotten.
        u.conn = Some(conn);
        u.in_flight = 0;
        u.pushed.clear();
        u.push_from = 0;
        u.behind = true;
        u.notified = false;
        u.notify_only = web;
        if self.profile == Profile::Tim {
            // What is queued now is offline: the client fetches it with timOffl.
            u.offline_through = self.number;
            self.push_tim(&user);
        }
    }

    /// RongCloud `pullMsg`: the user's received messages after its sync time.
    fn pull_rong(&mut self, user: &str, data: &Bytes) -> (AckStatus, Bytes) {
        let Ok(request) = SyncRequestMsg::decode(&data[..]) else {
            return (AckStatus::from(1u16), Bytes::new());
        };
        self.stats.pulls += 1;
        let page = self
            .rong
            .pull(user, Direction::Received, request.sync_time, PULL_PAGE);
        let answer = rongcloud::pull_answer(&page);
        if answer.finished == Some(true) {
            if let Some(u) = self.users.get_mut(user) {
                u.behind = false;
                u.notified = false;
            }
        }
        (AckStatus::SUCCESS, Bytes::from(answer.encode_to_vec()))
    }

    /// RongCloud history (`qryPMsg`, …): one conversation, before a time (0: the latest).
    fn history_rong(&mut self, user: &str, kind: i32, data: &Bytes) -> (AckStatus, Bytes) {
        let Ok(input) = HistoryMsgInput::decode(&data[..]) else {
            return (AckStatus::from(1u16), Bytes::new());
        };
        let target = input.target_id.unwrap_or_default();
        let before = input.time.filter(|t| *t > 0);
        let count = usize::try_from(input.count.unwrap_or(20))
            .unwrap_or(20)
            .clamp(1, PULL_PAGE);
        let history = self
            .rong
            .history(user, &Conversation::new(kind, target), before, count);
        let answer = rongcloud::history_answer(&history, input.order == Some(1));
        (AckStatus::SUCCESS, Bytes::from(answer.encode_to_vec()))
    }

    /// RongCloud `qryRelationR`: the user's conversations, the latest first, each with its
    /// latest message.
    fn conversations_rong(&mut self, user: &str, data: &Bytes) -> (AckStatus, Bytes) {
        let Ok(input) = RelationQryInput::decode(&data[..]) else {
            return (AckStatus::from(1u16), Bytes::new());
        };
        let count = usize::try_from(input.count.unwrap_or(0))
            .unwrap_or(0)
            .clamp(1, CONVERSATIONS);
        let info = self
            .rong
            .conversations(user, count)
            .into_iter()
            .map(rongcloud::relation_info)
            .collect();
        let answer = RelationsOutput { info };
        (AckStatus::SUCCESS, Bytes::from(answer.encode_to_vec()))
    }

    /// RongCloud `joinChrm`/`joinChrmR`: ChrmOutput with the join time.
    fn join_chatroom(&mut self, user: &str, room: &str) -> (AckStatus, Bytes) {
        if room.is_empty() || self.rooms.join(room, user).is_err() {
            return (AckStatus::from(1u16), Bytes::new());
        }
        let answer = ChrmOutput {
            nothing: 1,
            session_id: None,
            join_time: Some(wall_ms()),
        };
        (AckStatus::SUCCESS, Bytes::from(answer.encode_to_vec()))
    }

    /// RongCloud `chrmPull`: a member's chatroom messages after its sync time.
    fn pull_chatroom(&mut self, user: &str, room: &str, data: &Bytes) -> (AckStatus, Bytes) {
        let Ok(request) = ChrmPullMsg::decode(&data[..]) else {
            return (AckStatus::from(1u16), Bytes::new());
        };
        if !self.rooms.is_member(room, user) {
            return (AckStatus::from(NOT_IN_CHATROOM), Bytes::new());
        }
        let answer = self.rooms.pull(room, request.sync_time, request.count);
        (AckStatus::SUCCESS, Bytes::from(answer.encode_to_vec()))
    }

    fn user_of(&self, conn: ConnectionId) -> Option<Arc<str>> {
        self.conns.get(&conn)?.user.clone()
    }

    /// A retry of a message already relayed: its stamp.
    fn retry_of(&mut self, sender: &str, key: Option<i64>) -> Option<Stamp> {
        let stamp = *self.seen.get(sender)?.get(&key?)?;
        self.stats.retries += 1;
        Some(stamp)
    }

    fn remember(&mut self, sender: &str, key: Option<i64>, stamp: Stamp) {
        let Some(key) = key else { return };
        let sender: Arc<str> = match self.seen.get_key_value(sender) {
            Some((known, _)) => Arc::clone(known),
            None => Arc::from(sender),
        };
        let keys = self.seen.entry(Arc::clone(&sender)).or_default();
        if keys.insert(key, stamp).is_none() {
            self.seen_order.push_back((sender, key));
            while self.seen_order.len() > self.seen_limit {
                if let Some((old_sender, old_key)) = self.seen_order.pop_front() {
                    if let Some(keys) = self.seen.get_mut(&old_sender) {
                        keys.remove(&old_key);
                        if keys.is_empty() {
                            self.seen.remove(&old_sender);
                        }
                    }
                }
            }
        }
    }

    fn relay_rong(
        &mut self,
        sender: &str,
        topic: &str,
        target: &str,
        data: &Bytes,
    ) -> Option<ServerPubAck<Bytes>> {
        let up = UpStreamMessage::decode(&data[..]).ok()?;
        let chatroom = rongcloud::conversation_type(topic) == Some(ChannelType::Tempgroup as i32);
        if chatroom && !self.rooms.is_member(target, sender) {
            return Some(ServerPubAck::new(
                0,
                split(wall_ms()).0,
                AckStatus::from(NOT_IN_CHATROOM),
                0,
            ));
        }
        let key = up.client_unique_id;
        if let Some(stamp) = self.retry_of(sender, key) {
            let (date, ms) = split(stamp.time_ms);
            return Some(
                ServerPubAck::new(0, date, AckStatus::SUCCESS, ms)
                    .with_message_uid(stamp.uid.as_str()),
            );
        }
        let stamp = self.uids.next(wall_ms()).ok()?;
        let relayed = Relayed::new(sender, topic, target, up, stamp).ok()?;
        self.stats.messages += 1;
        self.remember(sender, key, stamp);
        if chatroom {
            // Kept in the room, not in mailboxes: members are told to `chrmPull`.
            let members = self.rooms.post(target, sender, relayed.received().clone());
            let notify = rongcloud::notify_chatroom(stamp.time_ms, target);
            for member in &members {
                self.send_notify(member, &notify);
            }
            return Some(relayed.pub_ack(0));
        }
        let recipients: Vec<String> = relayed.recipients(&[]).map(str::to_owned).collect();
        if relayed.is_persisted() {
            let _ = self.rong.insert(
                sender,
                stamp.time_ms,
                relayed.sender_conversation(),
                Direction::Sent,
                relayed.sent(),
            );
            for r in &recipients {
                let _ = self.rong.insert(
                    r,
                    stamp.time_ms,
                    relayed.recipient_conversation(),
                    Direction::Received,
                    relayed.received().clone(),
                );
            }
        }
        for r in &recipients {
            self.push_rong(r, &relayed);
        }
        Some(relayed.pub_ack(0))
    }

    fn push_rong(&mut self, user: &str, relayed: &Relayed) {
        let Some(u) = self.users.get_mut(user) else {
            return;
        };
        let Some(conn) = u.conn else { return };
        if !u.behind && !u.notify_only && u.in_flight < PUSH_WINDOW {
            let pushed = self.conns.get(&conn).is_some_and(|c| {
                c.handle
                    .try_send(Command::Publish {
                        publish: relayed.s_msg(0),
                        tag: 0,
                    })
                    .is_ok()
            });
            if pushed {
                u.in_flight += 1;
                self.stats.pushes += 1;
                return;
            }
        }
        u.behind = true;
        self.notify_if_idle(user);
    }

    /// RongCloud: tells a recipient that fell behind to pull, once nothing is in flight.
    fn notify_if_idle(&mut self, user: &str) {
        let Some(u) = self.users.get(user) else {
            return;
        };
        if u.conn.is_some() && u.behind && !u.notified && u.in_flight == 0 {
            let sent = self.send_notify(user, &rongcloud::notify(wall_ms()));
            if let Some(u) = self.users.get_mut(user) {
                u.notified = sent;
            }
        }
    }

    /// Sends `user`'s current connection an `s_ntf` (qos 0: the engine gives it msgId 0).
    fn send_notify(&self, user: &str, notify: &timwire::proto::rongcloud::NotifyMsg) -> bool {
        let Some(conn) = self.users.get(user).and_then(|u| u.conn) else {
            return false;
        };
        let publish = ServerPublish::new(
            QoS::AtMostOnce,
            split(wall_ms()).0,
            "s_ntf",
            user,
            0,
            Bytes::from(notify.encode_to_vec()),
        );
        self.send(conn, Command::Publish { publish, tag: 0 })
    }

    fn relay_tim(&mut self, sender: &str, data: &Bytes) -> Option<ServerPubAck<Bytes>> {
        let message = TimMessage::decode(&data[..]).ok()?;
        let key = message.id;
        if let Some(stamp) = self.retry_of(sender, key) {
            let (date, ms) = split(stamp.time_ms);
            return Some(
                ServerPubAck::new(0, date, AckStatus::SUCCESS, ms)
                    .with_message_uid(stamp.uid.as_str()),
            );
        }
        let stamp = self.uids.next(wall_ms()).ok()?;
        self.number += 1;
        self.last_time_ms = stamp.time_ms;
        let number = self.number;
        let tid = Tid {
            node: sender.to_owned(),
            ..Default::default()
        };
        let forwarded = Forwarded::new(&tid, message, stamp, i64::try_from(number).ok()?)
            .ok()?
            .with_client_bytes(data);
        self.stats.messages += 1;
        self.remember(sender, key, stamp);
        let storable = forwarded.is_storable();
        // One encoding for every recipient's PUBLISH (shared bytes), and one copy of the
        // message for both mailboxes (the forwarded message itself, not a clone of it).
        let publish = forwarded.publish(0);
        let shared = forwarded.shared();
        if storable {
            let _ = self.tim_store.insert(
                sender,
                stamp.time_ms,
                forwarded.sender_conversation(),
                Direction::Sent,
                Arc::clone(&shared),
            );
        }
        for r in forwarded.recipients(&[]) {
            let stored = storable
                && self
                    .tim_store
                    .insert(
                        r,
                        stamp.time_ms,
                        forwarded.recipient_conversation(),
                        Direction::Received,
                        Arc::clone(&shared),
                    )
                    .is_ok();
            if !self.users.contains_key(r) {
                if self.users.len() >= self.max_users {
                    continue; // bounded: no queue for yet another user nobody has seen
                }
                self.users.insert(r.to_owned(), User::default());
            }
            let Some(u) = self.users.get_mut(r) else {
                continue;
            };
            if u.queue.len() >= self.max_queue {
                // Bounded: the oldest undelivered message gives way.
                if let Some((&oldest, _)) = u.queue.iter().next() {
                    u.queue.remove(&oldest);
                    u.pushed.remove(&oldest);
                }
            }
            let queued = Queued {
                time_ms: stamp.time_ms,
                stored,
                publish: publish.clone(),
            };
            u.queue.insert(number, queued);
            self.push_tim(r);
        }
        Some(forwarded.pub_ack(0))
    }

    /// tim `timOffl`: the oldest [`OFFLINE_PAGE`] of the user's received messages not yet
    /// acknowledged, as a TimMessageList (empty when none are left); the batch is remembered
    /// until the client's QUERYCON.
    fn offline_tim(&mut self, conn: ConnectionId, user: &str, msg_id: u16) -> (AckStatus, Bytes) {
        self.stats.pulls += 1;
        let page = self.tim_store.undelivered(user, OFFLINE_PAGE);
        let list = TimMessageList {
            id: None,
            message_list: page
                .messages
                .iter()
                .map(|m| TimMessage::clone(&m.message))
                .collect(),
        };
        if !list.message_list.is_empty() {
            self.offline_batches.insert(conn, (msg_id, page.sync_time));
        }
        (AckStatus::SUCCESS, Bytes::from(list.encode_to_vec()))
    }

    /// tim: the `timOffl` batch `conn` was answered with QUERY `msg_id`, forgotten; its last
    /// time.
    fn take_offline_batch(&mut self, conn: ConnectionId, msg_id: u16) -> Option<i64> {
        match self.offline_batches.get(&conn) {
            Some(&(id, through)) if id == msg_id => {
                self.offline_batches.remove(&conn);
                Some(through)
            }
            _ => None,
        }
    }

    /// tim: the client confirmed a `timOffl` batch: its messages are delivered.
    fn confirm_offline_tim(&mut self, conn: ConnectionId, msg_id: u16) {
        let Some(through) = self.take_offline_batch(conn, msg_id) else {
            return;
        };
        let Some(user) = self.user_of(conn) else {
            return;
        };
        if let Some(u) = self.users.get_mut(&*user) {
            u.queue.retain(|number, q| {
                let keep = q.time_ms > through;
                if !keep {
                    u.pushed.remove(number);
                }
                keep
            });
        }
        self.settle_tim(&user);
    }

    /// tim: moves the store's delivery mark up to just before the user's oldest
    /// unacknowledged message (or everything, when none is left).
    fn settle_tim(&mut self, user: &str) {
        let Some(u) = self.users.get(user) else {
            return;
        };
        let through = match u.queue.values().next() {
            Some(oldest) => oldest.time_ms.saturating_sub(1),
            None => self.last_time_ms,
        };
        self.tim_store.mark_delivered(user, through);
    }

    /// tim `timPull`: one conversation's history, newest first (TimReq: `rtype` 1 user or 2
    /// room, `node` the peer or room, `reqInt` the newest message number to include (0: no
    /// bound), `reqInt2` how many (0: 20, at most 200), `node2` the newest time to include in
    /// Unix nanoseconds, as a decimal string).
    fn pull_tim(&mut self, user: &str, data: &Bytes) -> (AckStatus, Bytes) {
        let Ok(request) = TimReq::decode(&data[..]) else {
            return (AckStatus::from(1u16), Bytes::new());
        };
        let peer = match request.node {
            Some(node) if !node.is_empty() => node,
            _ => return (AckStatus::from(1u16), Bytes::new()),
        };
        let kind = match request.rtype {
            Some(2) => MsType::Room,
            _ => MsType::User,
        };
        self.stats.pulls += 1;
        let limit = request
            .req_int2
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n > 0)
            .map_or(TIM_PULL_DEFAULT, |n| n.min(PULL_PAGE));
        let max_mid = request.req_int.filter(|mid| *mid > 0);
        // `node2` is inclusive; the store's `before` is not.
        let mut before = request
            .node2
            .and_then(|ns| ns.parse::<i64>().ok())
            .map(|ns| (ns / 1_000_000).saturating_add(1));
        let conversation = Conversation::new(kind as i32, peer);
        let mut list = Vec::new();
        // Numbers rise with time, so the messages past `reqInt` are the newest: page back
        // past them (at most the whole mailbox, which the store bounds).
        'pages: loop {
            let history = self
                .tim_store
                .history(user, &conversation, before, PULL_PAGE);
            for m in &history.messages {
                if max_mid.is_none_or(|max| m.message.mid.is_some_and(|mid| mid <= max)) {
                    list.push(TimMessage::clone(&m.message));
                    if list.len() == limit {
                        break 'pages;
                    }
                }
            }
            match history.messages.last() {
                Some(oldest) if history.has_more => before = Some(oldest.time_ms),
                _ => break,
            }
        }
        let answer = TimMessageList {
            id: None,
            message_list: list,
        };
        (AckStatus::SUCCESS, Bytes::from(answer.encode_to_vec()))
    }

    /// tim: pushes the recipient's queue in order, a window at a time.
    fn push_tim(&mut self, user: &str) {
        let Some(u) = self.users.get_mut(user) else {
            return;
        };
        let Some(conn) = u.conn else { return };
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        for (&number, queued) in u.queue.range(u.push_from..) {
            if u.pushed.len() >= PUSH_WINDOW {
                break;
            }
            // Stored messages from before the login are offline messages (timOffl).
            let offline = queued.stored && number <= u.offline_through;
            if !offline && !u.pushed.contains(&number) {
                if c.handle
                    .try_send(Command::Publish {
                        publish: queued.publish.clone(),
                        tag: number,
                    })
                    .is_err()
                {
                    break;
                }
                u.pushed.insert(number);
                self.stats.pushes += 1;
            }
            u.push_from = number.saturating_add(1);
        }
    }

    fn on_outcome(&mut self, conn: ConnectionId, tag: u64, delivered: bool) {
        let Some(user) = self.user_of(conn) else {
            return;
        };
        let Some(u) = self.users.get_mut(&*user) else {
            return;
        };
        if u.conn != Some(conn) {
            return;
        }
        match self.profile {
            Profile::RongCloud => {
                u.in_flight = u.in_flight.saturating_sub(1);
                if !delivered {
                    u.behind = true;
                }
                self.notify_if_idle(&user);
            }
            _ => {
                if delivered {
                    u.queue.remove(&tag);
                    u.pushed.remove(&tag);
                    self.settle_tim(&user);
                    self.push_tim(&user);
                }
                // Not delivered after the engine's resends: it stays queued for the next
                // connection (and stays in `pushed`, so this one does not loop on it).
            }
        }
    }

    /// What the store holds, for the closing line.
    pub(crate) fn stored(&self) -> usize {
        self.rong
            .stats()
            .messages
            .max(self.tim_store.stats().messages)
    }
}

/// The conversation type a RongCloud history topic reads.
fn history_kind(topic: &str) -> Option<i32> {
    let kind = match topic {
        "qryPMsg" => ChannelType::Person,
        "qryDMsg" => ChannelType::Persons,
        "qryGMsg" => ChannelType::Group,
        "qryCMsg" => ChannelType::Customerservice,
        _ => return None,
    };
    Some(kind as i32)
}

fn split(ms: i64) -> (u32, u16) {
    let ms = u64::try_from(ms).unwrap_or(0);
    (
        u32::try_from(ms / 1000).unwrap_or(u32::MAX),
        (ms % 1000) as u16,
    )
}

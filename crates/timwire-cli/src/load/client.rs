//! One load client: sends its share of the messages to the next user, receives the previous
//! user's, and resumes after a lost connection as the profile says: RongCloud pulls
//! (`pullMsg`) from its sync time, tim fetches its offline messages (`timOffl`, batch after
//! batch until one is empty) on every connection and gets the rest pushed.

use std::collections::{HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use prost::Message as _;
use timwire::proto::rongcloud::{
    DownStreamMessage, DownStreamMessages, SyncRequestMsg, UpStreamMessage,
};
use timwire::proto::tim::{Tid, TimMessage, TimMessageList};
use timwire::{ClientPublish, Connect, QoS, Query};
use timwire_session::{ClientEvent, Config, Profile, RequestKind};
use timwire_tokio::Transport;
use timwire_tokio::client::{self, ClientConfig, ClientHandle, Command, Event};
use tokio::sync::watch;

/// Tags at or above this are pulls; below, a tag is the message's number.
const PULL_TAG: u64 = 1 << 63;
/// Message ids a client remembers to drop copies by (the SDKs keep a short list).
const DEDUP_MEMORY: usize = 1024;

/// What every client shares: when each message was sent, and how often it arrived.
pub(crate) struct Shared {
    pub(crate) profile: Profile,
    pub(crate) transport: Transport,
    pub(crate) addr: SocketAddr,
    pub(crate) connections: u64,
    pub(crate) messages: u64,
    pub(crate) payload: usize,
    pub(crate) qos: QoS,
    /// When sending started: once every client had connected (or the wait gave up). Set
    /// once, before any message is sent.
    pub(crate) start: std::sync::OnceLock<tokio::time::Instant>,
    /// Clients that have connected at least once.
    pub(crate) connected: AtomicU64,
    /// Open loop: the total send rate (messages per second); `None`: as fast as possible.
    pub(crate) rate: Option<u64>,
    /// Nanoseconds after `start` each message was first sent (+1, so 0 means "not yet").
    pub(crate) sent_at: Vec<AtomicU64>,
    /// How many times each message reached its recipient's app.
    pub(crate) arrivals: Vec<AtomicU64>,
    pub(crate) delivered: AtomicU64,
    pub(crate) acked: AtomicU64,
    pub(crate) progress: AtomicU64,
}

impl Shared {
    /// When sending started (now, if it has not yet).
    pub(crate) fn start(&self) -> tokio::time::Instant {
        *self.start.get_or_init(tokio::time::Instant::now)
    }

    /// Nanoseconds since the start, plus one (0 means "not yet").
    fn clock(&self) -> u64 {
        u64::try_from(self.start().elapsed().as_nanos())
            .unwrap_or(u64::MAX)
            .saturating_add(1)
    }

    /// Open loop: when message `seq` is due after the start (`seq / rate` seconds).
    pub(crate) fn due(&self, seq: u64) -> Option<Duration> {
        let rate = self.rate?;
        let nanos = u128::from(seq) * 1_000_000_000 / u128::from(rate.max(1));
        Some(Duration::from_nanos(
            u64::try_from(nanos).unwrap_or(u64::MAX),
        ))
    }
}

/// One client's figures.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) latencies_us: Vec<u64>,
    pub(crate) duplicates: u64,
    pub(crate) reconnects: u64,
}

/// A bounded memory of recent ids.
struct Recent {
    order: VecDeque<u64>,
    set: HashSet<u64>,
}

impl Recent {
    /// `true` when `id` was not among the recent ones (and remembers it).
    fn insert(&mut self, id: u64) -> bool {
        if !self.set.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > DEDUP_MEMORY {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }
}

struct Load {
    index: u64,
    shared: Arc<Shared>,
    handle: ClientHandle,
    report: Report,
    recent: Recent,
    acked: HashSet<u64>,
    /// RongCloud: the inbox sync time, and the pull state on this connection.
    sync_time: i64,
    pull_outstanding: bool,
    pulled: bool,
    pulls: u64,
}

fn user(i: u64) -> String {
    format!("u{i}")
}

/// The PUBLISH for message `seq`, from client `index` to the next one.
pub(crate) fn message(shared: &Shared, index: u64, seq: u64) -> ClientPublish<Bytes> {
    let peer = user((index + 1) % shared.connections);
    let padding = Bytes::from(vec![b'x'; shared.payload]);
    let id = i64::try_from(seq).unwrap_or(i64::MAX);
    match shared.profile {
        Profile::Tim => {
            let message = TimMessage {
                ms_type: 2,
                od_type: 1,
                id: Some(id),
                to_tid: Some(Tid {
                    node: peer.clone(),
                    ..Default::default()
                }),
                data_binary: Some(padding),
                ..Default::default()
            };
            ClientPublish::new(
                shared.qos,
                "timMsg",
                peer,
                0,
                Bytes::from(message.encode_to_vec()),
            )
        }
        _ => {
            let up = UpStreamMessage {
                // MessageTag: persisted | counted
                session_id: 3,
                classname: "RC:TxtMsg".into(),
                content: padding,
                client_unique_id: Some(id),
                ..Default::default()
            };
            ClientPublish::new(
                shared.qos,
                "ppMsgP",
                peer,
                0,
                Bytes::from(up.encode_to_vec()),
            )
        }
    }
}

/// Runs client `index` until `stop` turns true.
pub(crate) async fn run(
    index: u64,
    shared: Arc<Shared>,
    mut go: watch::Receiver<bool>,
    mut stop: watch::Receiver<bool>,
) -> Report {
    let mut config = Config::new(shared.profile);
    // Let the tim engine resend sooner than tim's 10 s on a loaded loopback.
    config.retransmit_interval = Duration::from_secs(3);
    let mut client_config = ClientConfig::new(config, shared.transport, shared.addr)
        .with_connect(Connect::new(user(index)));
    let mut backoff = client::Backoff::default();
    backoff.initial = Duration::from_millis(50);
    backoff.max = Duration::from_secs(2);
    client_config.reconnect = Some(backoff);
    let (handle, mut events) = client::spawn(client_config);
    let mut load = Load {
        index,
        shared: shared.clone(),
        handle: handle.clone(),
        report: Report::default(),
        recent: Recent {
            order: VecDeque::new(),
            set: HashSet::new(),
        },
        acked: HashSet::new(),
        sync_time: 0,
        pull_outstanding: false,
        pulled: false,
        pulls: 0,
    };
    // The sender: this client's share, every `connections`-th message.
    let sender = {
        let shared = shared.clone();
        let handle = handle.clone();
        tokio::spawn(async move {
            // Everyone connects first: connection setup is not part of any latency.
            if go.wait_for(|go| *go).await.is_err() {
                return;
            }
            let mut seq = index;
            while seq < shared.messages {
                let at = match shared.due(seq) {
                    Some(due) => {
                        // Open loop: wait for the message's time; its latency counts from it.
                        tokio::time::sleep_until(shared.start() + due).await;
                        due.as_nanos() as u64 + 1
                    }
                    None => shared.clock(),
                };
                shared.sent_at[seq as usize].store(at, Ordering::Relaxed);
                if handle
                    .publish(message(&shared, index, seq), seq)
                    .await
                    .is_err()
                {
                    return;
                }
                seq += shared.connections;
            }
        })
    };
    let mut stopping = false;
    loop {
        tokio::select! {
            changed = stop.changed(), if !stopping => {
                if changed.is_err() || *stop.borrow() {
                    stopping = true;
                    sender.abort();
                    handle.close();
                }
            }
            event = events.recv() => match event {
                Some(event) => load.on_event(event),
                None => break,
            },
        }
    }
    load.report
}

impl Load {
    fn on_event(&mut self, event: Event) {
        self.shared.progress.fetch_add(1, Ordering::Relaxed);
        match event {
            Event::Connected { connection, .. } => {
                if connection > 1 {
                    self.report.reconnects += 1;
                } else {
                    self.shared.connected.fetch_add(1, Ordering::Relaxed);
                }
                self.pulled = false;
                self.pull_outstanding = false;
                self.pull();
            }
            Event::Acked { tag, ack } if tag < PULL_TAG => {
                if ack.status.is_success() {
                    if self.acked.insert(tag) {
                        self.shared.acked.fetch_add(1, Ordering::Relaxed);
                    }
                } else {
                    self.retry(tag);
                }
            }
            Event::Answered { tag, ack, topic } if tag >= PULL_TAG && &*topic == "timOffl" => {
                self.pull_outstanding = false;
                match TimMessageList::decode(&ack.data[..]) {
                    Ok(batch) => {
                        for m in &batch.message_list {
                            if let Some(id) = m.id {
                                self.arrived(u64::try_from(id).unwrap_or(u64::MAX));
                            }
                        }
                        // The engine's QUERYCON acknowledged the batch; an empty one is the end.
                        if batch.message_list.is_empty() {
                            self.pulled = true;
                        } else {
                            self.pull();
                        }
                    }
                    Err(_) => self.pull(),
                }
            }
            Event::Answered { tag, ack, .. } if tag >= PULL_TAG => {
                self.pull_outstanding = false;
                match DownStreamMessages::decode(&ack.data[..]) {
                    Ok(answer) => {
                        for m in &answer.list {
                            self.arrived_rong(m);
                        }
                        self.sync_time = self.sync_time.max(answer.sync_time);
                        if answer.finished == Some(false) {
                            self.pull();
                        } else {
                            self.pulled = true;
                        }
                    }
                    Err(_) => self.pull(),
                }
            }
            Event::Session(ClientEvent::Message { publish }) => match &*publish.topic {
                "s_msg" => {
                    if let Ok(m) = DownStreamMessage::decode(&publish.data[..]) {
                        self.arrived_rong(&m);
                        // Pushes move the sync time only between pulls, once caught up.
                        if self.pulled && !self.pull_outstanding {
                            self.sync_time = self.sync_time.max(m.data_time);
                        }
                    }
                }
                "s_ntf" if !self.pull_outstanding => self.pull(),
                "timMsg" => {
                    if let Ok(m) = TimMessage::decode(&publish.data[..]) {
                        if let Some(id) = m.id {
                            self.arrived(u64::try_from(id).unwrap_or(u64::MAX));
                        }
                    }
                }
                _ => {}
            },
            Event::TimedOut { tag, kind } => match kind {
                RequestKind::Query => {
                    self.pull_outstanding = false;
                    self.pull();
                }
                _ => self.retry(tag),
            },
            Event::Disconnected { dropped, .. } => {
                self.pull_outstanding = false;
                self.pulled = false;
                for tag in dropped {
                    if tag < PULL_TAG {
                        self.retry(tag);
                    }
                }
            }
            _ => {}
        }
    }

    /// Sends message `seq` again (the app's retry; the server recognises it by its id).
    fn retry(&mut self, seq: u64) {
        if self.acked.contains(&seq) || seq >= self.shared.messages {
            return;
        }
        let publish = message(&self.shared, self.index, seq);
        let handle = self.handle.clone();
        tokio::spawn(async move { handle.publish(publish, seq).await });
    }

    /// Asks for what this client missed: RongCloud `pullMsg` from the sync time, tim's next
    /// `timOffl` batch.
    fn pull(&mut self) {
        self.pull_outstanding = true;
        self.pulls += 1;
        let (topic, data) = match self.shared.profile {
            Profile::Tim => ("timOffl", Bytes::new()),
            _ => {
                let request = SyncRequestMsg {
                    sync_time: self.sync_time,
                    ispolling: false,
                    ..Default::default()
                };
                ("pullMsg", Bytes::from(request.encode_to_vec()))
            }
        };
        let query = Query::new(QoS::AtLeastOnce, topic, user(self.index), 0, data);
        let command = Command::Query {
            query,
            tag: PULL_TAG + self.pulls,
        };
        if let Err(timwire_tokio::CommandError::Full) = self.handle.try_send(command.clone()) {
            let handle = self.handle.clone();
            tokio::spawn(async move { handle.send(command).await });
        }
    }

    fn arrived_rong(&mut self, m: &DownStreamMessage) {
        if let Some(id) = m.client_unique_id {
            self.arrived(u64::try_from(id).unwrap_or(u64::MAX));
        }
    }

    /// A message reached this client's app.
    fn arrived(&mut self, seq: u64) {
        let shared = &self.shared;
        if seq >= shared.messages
            || (seq % shared.connections + 1) % shared.connections != self.index
        {
            return; // not ours: not counted
        }
        if !self.recent.insert(seq) {
            return; // a copy the profile's dedup drops
        }
        let before = shared.arrivals[seq as usize].fetch_add(1, Ordering::Relaxed);
        if before == 0 {
            shared.delivered.fetch_add(1, Ordering::Relaxed);
            let sent = shared.sent_at[seq as usize].load(Ordering::Relaxed);
            let now = shared.clock();
            self.report
                .latencies_us
                .push(now.saturating_sub(sent) / 1000);
        } else {
            self.report.duplicates += 1;
        }
    }
}

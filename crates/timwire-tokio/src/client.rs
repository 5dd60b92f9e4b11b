//! The client driver: connects over TCP or WebSocket, runs a [`ClientSession`], reconnects
//! with backoff when the connection is lost, and resumes delivery as the profile says.
//!
//! * [`Profile::Tim`]: the PUBLISHes left unacknowledged are sent again, first thing, on the
//!   next connection (with new msgIds); the server drops copies it already has by the
//!   payload's id, and receivers drop theirs likewise.
//! * [`Profile::RongCloud`]: nothing is resent (the SDKs never do): the unacknowledged tags
//!   are given back in [`Event::Disconnected`] and the app pulls from its sync time when
//!   [`Event::Connected`] comes again, which recovers whatever it missed meanwhile.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use bytes::Bytes;
//! use timwire_session::{Config, Profile, ServerEvent};
//! use timwire_signal::{AckStatus, ClientPublish, ConnAck, Connect, DisconnectStatus, QoS, ServerPubAck};
//! use timwire_tokio::{client, server, Transport};
//!
//! let mut server = server::Server::builder(server::ServerConfig::new(Config::new(Profile::Tim)))
//!     .ws("127.0.0.1:0".parse().unwrap())
//!     .start()
//!     .await?;
//! let addr = server.ws_addr().unwrap();
//! // The app side of the server: accept everyone, store nothing, acknowledge every PUBLISH.
//! tokio::spawn(async move {
//!     let mut conns = std::collections::HashMap::new();
//!     while let Some(event) = server.next_event().await {
//!         match event {
//!             server::Event::Opened { conn, .. } => { conns.insert(conn.id(), conn); }
//!             server::Event::Session { conn, event: ServerEvent::Connect { .. } } => {
//!                 conns[&conn].accept(ConnAck::accepted("alice", "s1", 0)).await.ok();
//!             }
//!             server::Event::Session { conn, event: ServerEvent::Publish { publish } } => {
//!                 let ack = ServerPubAck::new(publish.msg_id, 1_700_000_000, AckStatus::SUCCESS, 0);
//!                 conns[&conn].ack_publish(ack).await.ok();
//!             }
//!             _ => {}
//!         }
//!     }
//! });
//!
//! let config = client::ClientConfig::new(Config::new(Profile::Tim), Transport::Ws, addr)
//!     .with_connect(Connect::new("phone"));
//! let (handle, mut events) = client::spawn(config);
//! while let Some(event) = events.recv().await {
//!     match event {
//!         client::Event::Connected { .. } => {
//!             let hello = ClientPublish::new(QoS::AtLeastOnce, "timMsg", "bob", 0, Bytes::from_static(b"hi"));
//!             handle.publish(hello, 7).await.unwrap();
//!         }
//!         client::Event::Acked { tag, ack } => {
//!             assert_eq!(tag, 7);
//!             assert!(ack.status.is_success());
//!             handle.disconnect(DisconnectStatus::LOGOUT).await.unwrap();
//!         }
//!         client::Event::Disconnected { reconnecting, .. } => assert!(!reconnecting),
//!         _ => {}
//!     }
//! }
//! # Ok(())
//! # }
//! ```

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use timwire_session::{
    ClientEvent, ClientSession, Config, Profile, RequestId, RequestKind, SubmitError,
};
use timwire_signal::codec::DEFAULT_HIGH_WATER;
use timwire_signal::{
    ClientPacket, ClientPublish, ConnAckSession, Connect, DisconnectStatus, Query, QueryAck,
    ServerPubAck, Subscribe, Text, Unsubscribe,
};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::engine::{self, now};
use crate::error::{CommandError, End, TransportError};
use crate::prefixed::Prefixed;
use crate::transport::{self, Reader, Transport, Writer};

/// How long to wait between connection attempts: `initial`, doubled after each failure up to
/// `max`, with up to a quarter of jitter so clients cut off together do not return together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Backoff {
    /// The first wait. Default 100 ms.
    pub initial: Duration,
    /// The longest wait. Default 5 s.
    pub max: Duration,
    /// Failed attempts in a row after which the client gives up (`None`: never). Default
    /// `None`.
    pub max_failures: Option<u32>,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(5),
            max_failures: None,
        }
    }
}

impl Backoff {
    /// The wait before attempt `failures + 1`, without jitter.
    ///
    /// ```
    /// use std::time::Duration;
    /// use timwire_tokio::client::Backoff;
    ///
    /// let b = Backoff::default();
    /// assert_eq!(b.delay(0), Duration::from_millis(100));
    /// assert_eq!(b.delay(3), Duration::from_millis(800));
    /// assert_eq!(b.delay(40), Duration::from_secs(5));
    /// ```
    pub fn delay(&self, failures: u32) -> Duration {
        let factor = 1u32.checked_shl(failures.min(31)).unwrap_or(u32::MAX);
        self.initial
            .checked_mul(factor)
            .map_or(self.max, |d| d.min(self.max))
    }
}

/// The client driver's settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The session's configuration (its framing is set by the transport).
    pub session: Config,
    /// TCP or WebSocket.
    pub transport: Transport,
    /// The server.
    pub addr: SocketAddr,
    /// WebSocket: the request path and query. Default `/`.
    pub ws_path: String,
    /// The CONNECT sent first; `None` for a client that authenticates in the WebSocket URL
    /// and waits for the server's CONNACK (RongCloud's web SDK).
    pub connect: Option<Connect<Bytes>>,
    /// Reconnecting; `None`: the client stops when its connection is lost.
    pub reconnect: Option<Backoff>,
    /// The command queue ([`ClientHandle`]). Default 256.
    pub commands: usize,
    /// The event queue. Default 1,024.
    pub events: usize,
    /// Bytes queued for the socket before the driver stops taking commands and input.
    /// Default 256 KiB.
    pub high_water: usize,
    /// The longest a TCP connect plus WebSocket upgrade may take. Default 10 s.
    pub connect_timeout: Duration,
    /// How long closing may take to write what is queued. Default 5 s.
    pub linger: Duration,
}

impl ClientConfig {
    /// The defaults for a client of `addr` over `transport`, sending no CONNECT until
    /// [`with_connect`](Self::with_connect), reconnecting with the default [`Backoff`].
    pub fn new(session: Config, transport: Transport, addr: SocketAddr) -> Self {
        Self {
            session,
            transport,
            addr,
            ws_path: "/".to_owned(),
            connect: None,
            reconnect: Some(Backoff::default()),
            commands: 256,
            events: 1024,
            high_water: DEFAULT_HIGH_WATER,
            connect_timeout: Duration::from_secs(10),
            linger: Duration::from_secs(5),
        }
    }

    /// The same with a CONNECT sent first on every connection.
    pub fn with_connect(mut self, connect: Connect<Bytes>) -> Self {
        self.connect = Some(connect);
        self
    }
}

/// What the app tells the client, through its [`ClientHandle`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Command {
    /// Send a PUBLISH (msgId set by the engine); with qos ≥ 1 its answer comes as
    /// [`Event::Acked`] with `tag`.
    Publish {
        /// The PUBLISH.
        publish: ClientPublish<Bytes>,
        /// The app's number for it.
        tag: u64,
    },
    /// Send a QUERY; its answer comes as [`Event::Answered`] with `tag`.
    Query {
        /// The QUERY.
        query: Query<Bytes>,
        /// The app's number for it.
        tag: u64,
    },
    /// Send a SUBSCRIBE.
    Subscribe(Subscribe<Bytes>),
    /// Send an UNSUBSCRIBE.
    Unsubscribe(Unsubscribe<Bytes>),
    /// Send DISCONNECT with this status and stop (no reconnect).
    Disconnect(DisconnectStatus),
    /// Drop the connection at once, without DISCONNECT, and reconnect (fault injection).
    Kill,
}

/// The app's handle on a client: cheap to clone. Commands are taken only while connected;
/// meanwhile they wait in a bounded queue ([`ClientConfig::commands`]).
#[derive(Debug, Clone)]
pub struct ClientHandle {
    commands: mpsc::Sender<Command>,
    close: std::sync::Arc<tokio::sync::watch::Sender<bool>>,
}

impl ClientHandle {
    /// Queues `command`, waiting while the queue is full.
    pub async fn send(&self, command: Command) -> Result<(), CommandError> {
        Ok(self.commands.send(command).await?)
    }

    /// Queues `command` if there is room.
    pub fn try_send(&self, command: Command) -> Result<(), CommandError> {
        Ok(self.commands.try_send(command)?)
    }

    /// Sends a PUBLISH, answered by tag.
    pub async fn publish(
        &self,
        publish: ClientPublish<Bytes>,
        tag: u64,
    ) -> Result<(), CommandError> {
        self.send(Command::Publish { publish, tag }).await
    }

    /// Sends a QUERY, answered by tag.
    pub async fn query(&self, query: Query<Bytes>, tag: u64) -> Result<(), CommandError> {
        self.send(Command::Query { query, tag }).await
    }

    /// Sends DISCONNECT and stops.
    pub async fn disconnect(&self, status: DisconnectStatus) -> Result<(), CommandError> {
        self.send(Command::Disconnect(status)).await
    }

    /// Drops the connection without DISCONNECT; the client reconnects.
    pub async fn kill(&self) -> Result<(), CommandError> {
        self.send(Command::Kill).await
    }

    /// Stops the client whatever its state, without waiting for the command queue: a
    /// connected client sends DISCONNECT (LOGOUT) after what is queued and closes; one that
    /// is between connections stops trying.
    pub fn close(&self) {
        self.close.send_replace(true);
    }

    /// Whether the client has stopped.
    pub fn is_closed(&self) -> bool {
        self.commands.is_closed()
    }
}

/// What the client tells the app.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// The server accepted a connection: the first (`connection` 1) or a reconnection. In the
    /// RongCloud profile, pull from the stored sync time now.
    Connected {
        /// 1 for the first connection, then 2, 3, …
        connection: u32,
        /// The CONNACK's session fields.
        session: Option<ConnAckSession<Bytes>>,
    },
    /// What the session reported: a server PUBLISH, a sync copy, a refusal, … (never
    /// `Connected`, `PublishAcked`, `QueryAnswered`, `TimedOut`, `WindowOpen` or `Closed`:
    /// those become the other events).
    Session(ClientEvent),
    /// The server answered the PUBLISH sent with `tag`.
    Acked {
        /// Its tag.
        tag: u64,
        /// The PUBACK.
        ack: ServerPubAck<Bytes>,
    },
    /// The server answered the QUERY sent with `tag`.
    Answered {
        /// Its tag.
        tag: u64,
        /// The QUERY's topic.
        topic: Text,
        /// The QUERYACK (a qos-1 one was confirmed already).
        ack: QueryAck<Bytes>,
    },
    /// The request sent with `tag` got no answer in time.
    TimedOut {
        /// Its tag.
        tag: u64,
        /// What it was.
        kind: RequestKind,
    },
    /// The engine refused a command (an oversized packet, …).
    Rejected {
        /// The command's tag, if it had one.
        tag: Option<u64>,
        /// Why.
        error: SubmitError,
    },
    /// The connection ended.
    Disconnected {
        /// Why.
        end: End,
        /// Tags of the PUBLISHes that will be sent again on the next connection (tim).
        resending: Vec<u64>,
        /// Tags of the requests that got no answer and will not be sent again (RongCloud's
        /// PUBLISHes, every QUERY).
        dropped: Vec<u64>,
        /// Whether the client will connect again; `false`: this is the last event.
        reconnecting: bool,
    },
}

/// Starts a client: its task connects (and reconnects) until
/// [`disconnect`](ClientHandle::disconnect), a refusal, or [`Backoff::max_failures`]. The
/// receiver ends after the last [`Event::Disconnected`].
pub fn spawn(config: ClientConfig) -> (ClientHandle, mpsc::Receiver<Event>) {
    let (commands_tx, commands) = mpsc::channel(config.commands.max(1));
    let (events_tx, events) = mpsc::channel(config.events.max(1));
    let (close, closing) = tokio::sync::watch::channel(false);
    tokio::spawn(run(config, commands, events_tx, closing));
    (
        ClientHandle {
            commands: commands_tx,
            close: std::sync::Arc::new(close),
        },
        events,
    )
}

/// Resolves once [`ClientHandle::close`] was called, or every handle is gone.
async fn closed(closing: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = closing.wait_for(|c| *c).await;
}

/// Seeds of the clients' jitter, different per client.
static SEED: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(0x2545_F491_4F6C_DD1D);

/// A small xorshift for backoff jitter (no security role).
fn jitter(state: &mut u64, span: Duration) -> Duration {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    let quarter = span.checked_div(4).unwrap_or_default();
    let nanos = u64::try_from(quarter.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(state.checked_rem(nanos.max(1)).unwrap_or(0))
}

async fn connect(config: &ClientConfig) -> Result<(Reader, Writer), TransportError> {
    let options = config.session.encode_options();
    let attempt = async {
        let stream = TcpStream::connect(config.addr).await?;
        let _ = stream.set_nodelay(true);
        Ok(match config.transport {
            Transport::Tcp => transport::split_tcp(stream, options),
            Transport::Ws => {
                let url = format!("ws://{}{}", config.addr, config.ws_path);
                let max_message = config.session.limits.max_body.saturating_add(16);
                let ws_config = WebSocketConfig::default()
                    .max_message_size(Some(max_message))
                    .max_frame_size(Some(max_message))
                    .read_buffer_size(crate::transport::WS_READ_BUFFER);
                let (ws, _) = tokio_tungstenite::client_async_with_config(
                    url,
                    Prefixed::new(Bytes::new(), stream),
                    Some(ws_config),
                )
                .await
                .map_err(|e| TransportError::WebSocket(Box::new(e)))?;
                transport::split_ws(ws, options)
            }
        })
    };
    tokio::time::timeout(config.connect_timeout, attempt)
        .await
        .map_err(|_| TransportError::HandshakeTimeout)?
}

async fn run(
    config: ClientConfig,
    mut commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<Event>,
    mut closing: tokio::sync::watch::Receiver<bool>,
) {
    let mut resend: VecDeque<(ClientPublish<Bytes>, u64)> = VecDeque::new();
    let mut failures: u32 = 0;
    let mut connection: u32 = 0;
    let mut seed = SEED
        .fetch_add(0x9E37_79B9_7F4A_7C15, std::sync::atomic::Ordering::Relaxed)
        .wrapping_add(u64::from(config.addr.port()))
        | 1;
    loop {
        let attempt = tokio::select! {
            attempt = connect(&config) => attempt,
            _ = closed(&mut closing) => Err(TransportError::Closed),
        };
        let outcome = match attempt {
            Ok((reader, writer)) => {
                let session_config = config
                    .session
                    .clone()
                    .with_framing(config.transport.framing());
                let session = match &config.connect {
                    Some(c) => match ClientSession::new(session_config, now(), c.clone()) {
                        Ok(session) => session,
                        Err(error) => {
                            let _ = events.send(Event::Rejected { tag: None, error }).await;
                            return;
                        }
                    },
                    None => ClientSession::without_connect(session_config, now()),
                };
                let mut driver = Driver {
                    config: &config,
                    session,
                    reader,
                    writer,
                    commands: &mut commands,
                    closing: closing.clone(),
                    events: &events,
                    tags: HashMap::new(),
                    resend: &mut resend,
                    parked: None,
                    slot: None,
                    closed: None,
                    connection,
                    connected: false,
                    stop: false,
                };
                let end = driver.run().await;
                let was_connected = driver.connected;
                let (stop, resending, dropped) = driver.finish(&end).await;
                if was_connected {
                    connection = connection.saturating_add(1);
                    failures = 0;
                } else {
                    failures = failures.saturating_add(1);
                }
                Some((end, stop, resending, dropped))
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                let stop = matches!(e, TransportError::Closed);
                Some((End::Transport(e), stop, Vec::new(), Vec::new()))
            }
        };
        let Some((end, stop, resending, dropped)) = outcome else {
            return;
        };
        let backoff = config.reconnect.filter(|b| {
            !stop && b.max_failures.is_none_or(|max| failures < max) && !events.is_closed()
        });
        let reconnecting = backoff.is_some();
        let (resending, dropped) = if reconnecting {
            (resending, dropped)
        } else {
            // Nothing will be resent after all.
            let mut all = dropped;
            all.extend(resending);
            all.extend(resend.drain(..).map(|(_, tag)| tag));
            (Vec::new(), all)
        };
        let event = Event::Disconnected {
            end,
            resending,
            dropped,
            reconnecting,
        };
        if events.send(event).await.is_err() {
            return;
        }
        let Some(backoff) = backoff else {
            return;
        };
        let delay = backoff.delay(failures.saturating_sub(1));
        let pause = delay.saturating_add(jitter(&mut seed, delay));
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            _ = closed(&mut closing) => {
                let event = Event::Disconnected {
                    end: End::Transport(TransportError::Closed),
                    resending: Vec::new(),
                    dropped: resend.drain(..).map(|(_, tag)| tag).collect(),
                    reconnecting: false,
                };
                let _ = events.send(event).await;
                return;
            }
        }
    }
}

impl engine::TakesCommands for Driver<'_> {
    type Command = Command;
    fn has_room(&self, high_water: usize) -> bool {
        self.parked.is_none()
            && self.resend.is_empty()
            && self.session.is_connected()
            && self.writer.buffered() < high_water
    }
    fn try_recv(&mut self) -> Option<Command> {
        self.commands.try_recv().ok()
    }
    fn apply(&mut self, command: Command) -> Option<End> {
        Driver::apply(self, command)
    }
}

struct Driver<'a> {
    config: &'a ClientConfig,
    session: ClientSession,
    reader: Reader,
    writer: Writer,
    commands: &'a mut mpsc::Receiver<Command>,
    closing: tokio::sync::watch::Receiver<bool>,
    events: &'a mpsc::Sender<Event>,
    /// Requests awaiting their answer: request → (tag, the PUBLISH for a resend).
    tags: HashMap<RequestId, u64>,
    /// PUBLISHes to send again first (tim), carried across connections.
    resend: &'a mut VecDeque<(ClientPublish<Bytes>, u64)>,
    /// A command the engine could not take yet (window or queue full).
    parked: Option<Command>,
    /// An event waiting for room in the event queue.
    slot: Option<Event>,
    closed: Option<timwire_session::CloseReason>,
    connection: u32,
    connected: bool,
    /// The app asked to stop, or the server refused us: no reconnect.
    stop: bool,
}

impl Driver<'_> {
    async fn run(&mut self) -> End {
        let high_water = self.config.high_water;
        // The reader makes room for each read itself (transport.rs).
        let mut buf = BytesMut::new();
        let mut closing = self.closing.clone();
        // Both kept across turns of the loop (made anew on each turn they cost a
        // registration and a removal per event); the timer moves to each new deadline.
        let closing_signal = closed(&mut closing);
        tokio::pin!(closing_signal);
        let mut timer = engine::Timer::new();
        loop {
            // Commands taken earlier first, then whatever they queued goes out.
            if self.session.is_connected() {
                if let Some(command) = self.parked.take() {
                    if let Some(end) = self.apply(command) {
                        return end;
                    }
                }
                while self.parked.is_none() {
                    let Some((publish, tag)) = self.resend.pop_front() else {
                        break;
                    };
                    if let Some(end) = self.apply(Command::Publish { publish, tag }) {
                        return end;
                    }
                }
            }
            if let Err(e) = engine::pump_transmits(&mut self.session, &mut self.writer, high_water)
            {
                return e.into();
            }
            self.pump_events();
            if self.session.is_closed() && self.slot.is_none() {
                return match self.closed.take() {
                    Some(reason) => End::Session(reason),
                    None => End::Aborted,
                };
            }
            timer.set(self.session.poll_timeout());
            let room = self.writer.buffered() < high_water;
            let take_commands = room
                && self.parked.is_none()
                && self.resend.is_empty()
                && self.session.is_connected();
            let read = room && self.slot.is_none() && self.session.wants_read();
            let flush = self.writer.buffered() > 0;
            tokio::select! {
                biased;
                () = &mut closing_signal, if !self.stop => {
                    self.stop = true;
                    if self.session.is_connected() {
                        let _ = self.session.disconnect(now(), DisconnectStatus::LOGOUT);
                    } else {
                        return End::Aborted;
                    }
                }
                written = self.writer.flush(), if flush => {
                    if let Err(e) = written {
                        return e.into();
                    }
                }
                permit = self.events.reserve(), if self.slot.is_some() => {
                    match (permit, self.slot.take()) {
                        (Ok(permit), Some(event)) => permit.send(event),
                        _ => {
                            // The app dropped its receiver: stop.
                            self.stop = true;
                            let _ = self.session.disconnect(now(), DisconnectStatus::LOGOUT);
                        }
                    }
                }
                command = self.commands.recv(), if take_commands => match command {
                    Some(command) => {
                        if let Some(end) = self.apply(command) {
                            return end;
                        }
                        if let Some(end) = engine::apply_queued(self, high_water) {
                            return end;
                        }
                    }
                    None => {
                        // Every handle dropped: log out.
                        self.stop = true;
                        let _ = self.session.disconnect(now(), DisconnectStatus::LOGOUT);
                    }
                },
                input = self.reader.read(&mut buf), if read => {
                    if let Err(end) =
                        engine::on_read(&mut self.session, &mut self.reader, input, &mut buf)
                    {
                        return end;
                    }
                }
                () = timer.wait() => self.session.handle_timeout(now()),
            }
        }
    }

    fn pump_events(&mut self) {
        while self.slot.is_none() {
            let Some(event) = self.session.poll_event() else {
                return;
            };
            let Some(event) = self.map_event(event) else {
                continue;
            };
            match self.events.try_send(event) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(event)) => self.slot = Some(event),
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    self.stop = true;
                    let _ = self.session.disconnect(now(), DisconnectStatus::LOGOUT);
                }
            }
        }
    }

    fn map_event(&mut self, event: ClientEvent) -> Option<Event> {
        Some(match event {
            ClientEvent::Connected { session } => {
                self.connected = true;
                Event::Connected {
                    connection: self.connection.saturating_add(1),
                    session,
                }
            }
            ClientEvent::PublishAcked { id, ack } => Event::Acked {
                tag: self.tags.remove(&id)?,
                ack,
            },
            ClientEvent::QueryAnswered { id, topic, ack } => Event::Answered {
                tag: self.tags.remove(&id)?,
                topic,
                ack,
            },
            ClientEvent::TimedOut { id, kind, .. } => Event::TimedOut {
                tag: self.tags.remove(&id)?,
                kind,
            },
            ClientEvent::Refused { status } => {
                self.stop = true;
                Event::Session(ClientEvent::Refused { status })
            }
            ClientEvent::WindowOpen { .. } => return None,
            ClientEvent::Closed { reason } => {
                self.closed = Some(reason);
                return None;
            }
            event => Event::Session(event),
        })
    }

    fn apply(&mut self, command: Command) -> Option<End> {
        let now = now();
        let s = &mut self.session;
        let (result, tag) = match &command {
            Command::Publish { publish, tag } => {
                let qos = publish.flags.qos;
                match s.publish(now, publish.clone()) {
                    Ok(id) => {
                        if qos.needs_ack() {
                            self.tags.insert(id, *tag);
                        }
                        (Ok(()), Some(*tag))
                    }
                    Err(e) => (Err(e), Some(*tag)),
                }
            }
            Command::Query { query, tag } => match s.query(now, query.clone()) {
                Ok(id) => {
                    self.tags.insert(id, *tag);
                    (Ok(()), Some(*tag))
                }
                Err(e) => (Err(e), Some(*tag)),
            },
            Command::Subscribe(sub) => (s.subscribe(now, sub.clone()).map(drop), None),
            Command::Unsubscribe(unsub) => (s.unsubscribe(now, unsub.clone()).map(drop), None),
            Command::Disconnect(status) => {
                self.stop = true;
                (s.disconnect(now, *status), None)
            }
            Command::Kill => return Some(End::Aborted),
        };
        match result {
            Ok(()) => {}
            Err(SubmitError::WindowFull { .. } | SubmitError::QueueFull { .. }) => {
                self.parked = Some(command);
            }
            Err(error) => {
                let event = Event::Rejected { tag, error };
                if let Err(mpsc::error::TrySendError::Full(event)) = self.events.try_send(event) {
                    let events = self.events.clone();
                    tokio::spawn(async move { events.send(event).await });
                }
            }
        }
        None
    }

    /// Writes what is left, closes, delivers the remaining events, and sorts the unanswered
    /// requests into resent and dropped. Returns (stop, resending, dropped).
    async fn finish(&mut self, end: &End) -> (bool, Vec<u64>, Vec<u64>) {
        if !matches!(end, End::Aborted | End::Transport(_)) {
            let _ = engine::pump_transmits(&mut self.session, &mut self.writer, usize::MAX);
            let _ = tokio::time::timeout(self.config.linger, self.writer.close()).await;
        }
        if !self.session.is_closed() {
            let _ = self
                .session
                .disconnect(now(), DisconnectStatus::REMOTE_CLOSE);
        }
        if let Some(event) = self.slot.take() {
            let _ = self.events.send(event).await;
        }
        while let Some(event) = self.session.poll_event() {
            if let Some(event) = self.map_event(event) {
                let _ = self.events.send(event).await;
            }
        }
        let resends = self.config.session.profile == Profile::Tim;
        let mut resending = Vec::new();
        let mut dropped = Vec::new();
        let mut again = Vec::new();
        for left in self.session.drain_unacknowledged() {
            let Some(tag) = self.tags.remove(&left.id) else {
                continue;
            };
            match left.packet {
                ClientPacket::Publish(publish) if resends => {
                    resending.push(tag);
                    again.push((publish, tag));
                }
                _ => dropped.push(tag),
            }
        }
        // Resent before anything that was waiting already.
        for item in again.into_iter().rev() {
            self.resend.push_front(item);
        }
        match self.parked.take() {
            Some(Command::Publish { publish, tag }) if resends => {
                resending.push(tag);
                self.resend.push_back((publish, tag));
            }
            Some(Command::Publish { tag, .. } | Command::Query { tag, .. }) => dropped.push(tag),
            _ => {}
        }
        (self.stop, resending, dropped)
    }
}

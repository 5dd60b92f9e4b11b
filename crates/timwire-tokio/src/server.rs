//! The server driver: TCP and WebSocket listeners, one task per connection running a
//! [`ServerSession`](timwire_session::ServerSession), typed [`Event`]s for the app on one channel, and a cloneable
//! [`Connection`] handle per connection for the app's answers and pushes.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use std::collections::HashMap;
//! use timwire_session::{Config, Profile, ServerEvent};
//! use timwire_signal::{ConnAck, Connect, DisconnectStatus};
//! use timwire_tokio::server::{Event, Server, ServerConfig};
//! use timwire_tokio::{client, End, Transport};
//!
//! let mut server = Server::builder(ServerConfig::new(Config::new(Profile::Tim)))
//!     .tcp("127.0.0.1:0".parse().unwrap())
//!     .start()
//!     .await?;
//! let addr = server.tcp_addr().unwrap();
//!
//! // A client that logs out as soon as it is accepted.
//! let config = client::ClientConfig::new(Config::new(Profile::Tim), Transport::Tcp, addr)
//!     .with_connect(Connect::new("phone"));
//! let (phone, mut phone_events) = client::spawn(config);
//! tokio::spawn(async move {
//!     while let Some(event) = phone_events.recv().await {
//!         if let client::Event::Connected { .. } = event {
//!             phone.disconnect(DisconnectStatus::LOGOUT).await.unwrap();
//!         }
//!     }
//! });
//!
//! let mut conns = HashMap::new();
//! while let Some(event) = server.next_event().await {
//!     match event {
//!         Event::Opened { conn, .. } => {
//!             conns.insert(conn.id(), conn);
//!         }
//!         Event::Session { conn, event: ServerEvent::Connect { connect } } => {
//!             let user = connect.client_id.to_string();
//!             conns[&conn].accept(ConnAck::accepted(user, "s1", 0)).await.unwrap();
//!         }
//!         Event::Closed { conn, end } => {
//!             assert!(matches!(end, End::Session(_))); // the client's DISCONNECT
//!             conns.remove(&conn);
//!             server.shutdown(DisconnectStatus::REMOTE_CLOSE);
//!         }
//!         _ => {}
//!     }
//! }
//! // `next_event` ended: the listeners are closed and every connection has reported.
//! assert!(conns.is_empty());
//! # Ok(())
//! # }
//! ```

mod conn;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use timwire_session::{Config, ServerEvent};
use timwire_signal::codec::DEFAULT_HIGH_WATER;
use timwire_signal::{
    ConnAck, ConnAckStatus, DisconnectStatus, QueryAck, ServerPubAck, ServerPublish, SubAck,
};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc, watch};

use crate::error::{CommandError, End};
use crate::http::{self, HttpHandler, HttpRequest, HttpResponse};
use crate::transport::Transport;
use crate::ws::{Admission, Admit, WsRequest};

/// The server driver's settings.
///
/// ```
/// use timwire_session::{Config, Profile};
/// use timwire_tokio::server::ServerConfig;
///
/// let mut config = ServerConfig::new(Config::new(Profile::RongCloud));
/// config.max_connections = 50_000;
/// assert_eq!(config.commands, 256);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The sessions' configuration (its framing is set per transport).
    pub session: Config,
    /// Connections open at once; more are closed as they arrive. Default 10,000.
    pub max_connections: usize,
    /// Each connection's command queue ([`Connection`]): a connection that does not keep up
    /// makes `send` wait and `try_send` fail, for that connection only. Default 256.
    pub commands: usize,
    /// The event channel shared by all connections. Default 4,096.
    pub events: usize,
    /// Bytes queued for one connection's socket before the driver stops taking its commands
    /// and input. Default 256 KiB.
    pub high_water: usize,
    /// The longest a WebSocket upgrade (or a plain HTTP request on the WebSocket port, its
    /// answer included) may take. Default 10 s.
    pub upgrade_timeout: Duration,
    /// The longest HTTP request head the WebSocket port reads (longer: `431` and close).
    /// Default 8 KiB ([`http::DEFAULT_MAX_HEAD`]).
    pub max_http_head: usize,
    /// How long a closing connection may take to write what it queued (its DISCONNECT
    /// included). Default 5 s.
    pub linger: Duration,
}

impl ServerConfig {
    /// The defaults, with `session`.
    pub fn new(session: Config) -> Self {
        Self {
            session,
            max_connections: 10_000,
            commands: 256,
            events: 4096,
            high_water: DEFAULT_HIGH_WATER,
            upgrade_timeout: Duration::from_secs(10),
            max_http_head: http::DEFAULT_MAX_HEAD,
            linger: Duration::from_secs(5),
        }
    }
}

/// A connection's number, unique within a [`Server`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnectionId(u64);

impl ConnectionId {
    /// The number (1 for the first connection).
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}", self.0)
    }
}

/// What the app tells a connection, through its [`Connection`] handle.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Command {
    /// Accept the CONNECT (or, without CONNECT, the connection) with this CONNACK.
    Accept(ConnAck<Bytes>),
    /// Refuse it with this CONNACK status; the connection closes.
    Refuse(ConnAckStatus),
    /// Answer a qos ≥ 1 PUBLISH.
    AckPublish(ServerPubAck<Bytes>),
    /// Answer a QUERY.
    AnswerQuery(QueryAck<Bytes>),
    /// Answer a SUBSCRIBE.
    AckSubscribe(SubAck<Bytes>),
    /// Answer an UNSUBSCRIBE with this msgId.
    AckUnsubscribe(u16),
    /// Push a PUBLISH (msgId set by the engine). With qos ≥ 1 its outcome is reported as
    /// [`Event::Delivered`] or [`Event::Undelivered`] with `tag`.
    Publish {
        /// The PUBLISH.
        publish: ServerPublish<Bytes>,
        /// The app's number for it.
        tag: u64,
    },
    /// Send a sync copy and the PUBACK that completes it.
    SyncCopy {
        /// The dup PUBLISH.
        publish: ServerPublish<Bytes>,
        /// Its PUBACK.
        ack: ServerPubAck<Bytes>,
    },
    /// Send DISCONNECT with this status after what is queued, and close.
    Disconnect(DisconnectStatus),
    /// Close the socket at once, without DISCONNECT.
    Abort,
}

/// The app's handle on one connection: cheap to clone, usable from any task.
///
/// Commands go through a bounded queue ([`ServerConfig::commands`]): the `async` methods wait
/// while it is full, [`try_send`](Self::try_send) fails with [`CommandError::Full`]. The
/// driver stops taking commands while the connection's socket has more than
/// [`ServerConfig::high_water`] bytes queued or the engine's window is full, so a slow peer
/// pushes back on whoever sends to it, and on nobody else.
#[derive(Debug, Clone)]
pub struct Connection {
    id: ConnectionId,
    commands: mpsc::Sender<Command>,
}

impl Connection {
    /// The connection's number.
    pub fn id(&self) -> ConnectionId {
        self.id
    }

    /// Queues `command`, waiting while the queue is full.
    pub async fn send(&self, command: Command) -> Result<(), CommandError> {
        Ok(self.commands.send(command).await?)
    }

    /// Queues `command` if there is room.
    pub fn try_send(&self, command: Command) -> Result<(), CommandError> {
        Ok(self.commands.try_send(command)?)
    }

    /// Accepts the connection with `connack`.
    pub async fn accept(&self, connack: ConnAck<Bytes>) -> Result<(), CommandError> {
        self.send(Command::Accept(connack)).await
    }

    /// Refuses the connection with `status`.
    pub async fn refuse(&self, status: ConnAckStatus) -> Result<(), CommandError> {
        self.send(Command::Refuse(status)).await
    }

    /// Answers a qos ≥ 1 PUBLISH.
    pub async fn ack_publish(&self, ack: ServerPubAck<Bytes>) -> Result<(), CommandError> {
        self.send(Command::AckPublish(ack)).await
    }

    /// Answers a QUERY.
    pub async fn answer_query(&self, ack: QueryAck<Bytes>) -> Result<(), CommandError> {
        self.send(Command::AnswerQuery(ack)).await
    }

    /// Pushes a PUBLISH, reported by `tag` when qos ≥ 1.
    pub async fn publish(
        &self,
        publish: ServerPublish<Bytes>,
        tag: u64,
    ) -> Result<(), CommandError> {
        self.send(Command::Publish { publish, tag }).await
    }

    /// Sends DISCONNECT with `status` and closes.
    pub async fn disconnect(&self, status: DisconnectStatus) -> Result<(), CommandError> {
        self.send(Command::Disconnect(status)).await
    }

    /// Closes the socket at once, without DISCONNECT. Ignored when the connection is gone.
    pub fn abort(&self) {
        // A full queue still gets the abort through once the driver takes commands again.
        let commands = self.commands.clone();
        if let Err(mpsc::error::TrySendError::Full(command)) = commands.try_send(Command::Abort) {
            tokio::spawn(async move { commands.send(command).await });
        }
    }

    /// Whether the connection's driver has stopped.
    pub fn is_closed(&self) -> bool {
        self.commands.is_closed()
    }
}

/// What the server tells the app.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// A connection opened (for WebSocket: upgraded, with its request). Before any frame.
    Opened {
        /// Its handle.
        conn: Connection,
        /// The peer's address.
        peer: SocketAddr,
        /// Its transport.
        transport: Transport,
        /// WebSocket: the upgrade request and the admission given.
        request: Option<(WsRequest, Admission)>,
    },
    /// What the session reported: a CONNECT to accept or refuse, a PUBLISH or QUERY to
    /// answer, … (never `Delivered`, `TimedOut`, `WindowOpen` or `Closed`: those become the
    /// events below, or are handled by the driver).
    Session {
        /// The connection.
        conn: ConnectionId,
        /// The event.
        event: ServerEvent,
    },
    /// The client PUBACKed the PUBLISH pushed with `tag`.
    Delivered {
        /// The connection.
        conn: ConnectionId,
        /// The tag it was pushed with.
        tag: u64,
    },
    /// The PUBLISH pushed with `tag` was not acknowledged: it timed out (after its resends in
    /// the tim profile), the engine refused it, or the connection closed first.
    Undelivered {
        /// The connection.
        conn: ConnectionId,
        /// The tag it was pushed with.
        tag: u64,
    },
    /// A command the engine refused (an answer to no pending request, a call out of order).
    Refused {
        /// The connection.
        conn: ConnectionId,
        /// Why.
        error: timwire_session::SubmitError,
    },
    /// The connection closed; its last event. [`Undelivered`](Self::Undelivered) events for
    /// its unacknowledged pushes come just before.
    Closed {
        /// The connection.
        conn: ConnectionId,
        /// Why.
        end: End,
    },
}

/// Adds listeners, then [`start`](Self::start)s the server.
pub struct ServerBuilder {
    config: ServerConfig,
    tcp: Vec<Listen>,
    ws: Vec<Listen>,
    admit: Option<Admit>,
    http: Option<HttpHandler>,
}

impl fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("config", &self.config)
            .field("tcp", &self.tcp)
            .field("ws", &self.ws)
            .field("admit", &self.admit.is_some())
            .field("http", &self.http.is_some())
            .finish()
    }
}

#[derive(Debug)]
enum Listen {
    Addr(SocketAddr),
    Bound(TcpListener),
}

impl ServerBuilder {
    /// Listens for TCP connections (stream framing) on `addr` (port 0: any free port).
    pub fn tcp(mut self, addr: SocketAddr) -> Self {
        self.tcp.push(Listen::Addr(addr));
        self
    }

    /// Serves TCP connections from a bound listener.
    pub fn tcp_listener(mut self, listener: TcpListener) -> Self {
        self.tcp.push(Listen::Bound(listener));
        self
    }

    /// Listens for WebSocket connections (message framing) on `addr`.
    pub fn ws(mut self, addr: SocketAddr) -> Self {
        self.ws.push(Listen::Addr(addr));
        self
    }

    /// Serves WebSocket connections from a bound listener.
    pub fn ws_listener(mut self, listener: TcpListener) -> Self {
        self.ws.push(Listen::Bound(listener));
        self
    }

    /// Decides from each WebSocket upgrade request whether and how to accept it (default:
    /// [`Admission::Connect`] for every request).
    pub fn admit(
        mut self,
        admit: impl Fn(&WsRequest) -> Admission + Send + Sync + 'static,
    ) -> Self {
        self.admit = Some(Arc::new(admit));
        self
    }

    /// Answers plain HTTP requests on the WebSocket ports (those without `Upgrade: websocket`)
    /// with `handler`; `None` is `404`. Without one they get `426`. See [`http`] for the
    /// limits, CORS and the preflight.
    pub fn http(
        mut self,
        handler: impl Fn(&HttpRequest) -> Option<HttpResponse> + Send + Sync + 'static,
    ) -> Self {
        self.http = Some(Arc::new(handler));
        self
    }

    /// Binds the listeners and starts accepting.
    pub async fn start(self) -> io::Result<Server> {
        let config = Arc::new(self.config);
        let (events_tx, events) = mpsc::channel(config.events.max(1));
        let (shutdown_tx, shutdown) = watch::channel(None);
        let shared = Arc::new(Shared {
            config: config.clone(),
            events: events_tx,
            shutdown,
            slots: Arc::new(Semaphore::new(config.max_connections)),
            next_id: AtomicU64::new(1),
            admit: self
                .admit
                .unwrap_or_else(|| Arc::new(|_: &WsRequest| Admission::Connect)),
            http: self.http,
        });
        let mut tcp_addrs = Vec::new();
        let mut ws_addrs = Vec::new();
        let mut listeners = Vec::new();
        for (listens, transport, addrs) in [
            (self.tcp, Transport::Tcp, &mut tcp_addrs),
            (self.ws, Transport::Ws, &mut ws_addrs),
        ] {
            for listen in listens {
                let listener = match listen {
                    Listen::Addr(addr) => TcpListener::bind(addr).await?,
                    Listen::Bound(listener) => listener,
                };
                addrs.push(listener.local_addr()?);
                listeners.push((listener, transport));
            }
        }
        for (listener, transport) in listeners {
            tokio::spawn(accept_loop(listener, transport, shared.clone()));
        }
        Ok(Server {
            events,
            shutdown: shutdown_tx,
            tcp_addrs,
            ws_addrs,
        })
    }
}

/// What every connection task shares.
struct Shared {
    config: Arc<ServerConfig>,
    events: mpsc::Sender<Event>,
    shutdown: watch::Receiver<Option<DisconnectStatus>>,
    slots: Arc<Semaphore>,
    next_id: AtomicU64,
    admit: Admit,
    http: Option<HttpHandler>,
}

/// A running server: its events, its addresses, and shutdown.
///
/// Events come from one bounded channel ([`ServerConfig::events`]); a connection whose event
/// cannot be queued stops reading its socket until it can, so an app that falls behind slows
/// its peers down rather than buffering without bound.
#[derive(Debug)]
pub struct Server {
    events: mpsc::Receiver<Event>,
    shutdown: watch::Sender<Option<DisconnectStatus>>,
    tcp_addrs: Vec<SocketAddr>,
    ws_addrs: Vec<SocketAddr>,
}

impl Server {
    /// A builder with `config` and no listeners yet.
    pub fn builder(config: ServerConfig) -> ServerBuilder {
        ServerBuilder {
            config,
            tcp: Vec::new(),
            ws: Vec::new(),
            admit: None,
            http: None,
        }
    }

    /// The next event; `None` once the server has shut down and every connection has closed.
    pub async fn next_event(&mut self) -> Option<Event> {
        self.events.recv().await
    }

    /// Waits for the next event, then appends it and the events already queued behind it to
    /// `events`, at most `limit` in all; returns how many. 0 once the server has shut down and
    /// every connection has closed (or when `limit` is 0).
    ///
    /// A busy app takes a burst of events in one wake-up and one turn of its loop instead of
    /// one each (`timwire serve` handles its events so); the events come in the same order as
    /// from [`next_event`](Self::next_event).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use timwire_session::{Config, Profile};
    /// use timwire_signal::DisconnectStatus;
    /// use timwire_tokio::server::{Event, Server, ServerConfig};
    /// use timwire_tokio::{client, Transport};
    ///
    /// let mut server = Server::builder(ServerConfig::new(Config::new(Profile::Tim)))
    ///     .tcp("127.0.0.1:0".parse().unwrap())
    ///     .start()
    ///     .await?;
    /// let addr = server.tcp_addr().unwrap();
    /// let config = client::ClientConfig::new(Config::new(Profile::Tim), Transport::Tcp, addr);
    /// let (_phone, _phone_events) = client::spawn(config);
    ///
    /// let mut events = Vec::new();
    /// let taken = server.next_events(&mut events, 64).await;
    /// assert_eq!(taken, events.len());
    /// assert!(matches!(events[0], Event::Opened { .. }));
    /// server.shutdown(DisconnectStatus::REMOTE_CLOSE);
    /// while server.next_events(&mut events, 64).await > 0 {}
    /// assert!(matches!(events.last(), Some(Event::Closed { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn next_events(&mut self, events: &mut Vec<Event>, limit: usize) -> usize {
        self.events.recv_many(events, limit).await
    }

    /// The first TCP listener's address.
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        self.tcp_addrs.first().copied()
    }

    /// The first WebSocket listener's address.
    pub fn ws_addr(&self) -> Option<SocketAddr> {
        self.ws_addrs.first().copied()
    }

    /// Every listener's address with its transport.
    pub fn addrs(&self) -> impl Iterator<Item = (Transport, SocketAddr)> + '_ {
        let tcp = self.tcp_addrs.iter().map(|a| (Transport::Tcp, *a));
        tcp.chain(self.ws_addrs.iter().map(|a| (Transport::Ws, *a)))
    }

    /// Starts a graceful shutdown: the listeners stop accepting and every connection sends
    /// DISCONNECT with `status`, writes what it has queued (for at most
    /// [`ServerConfig::linger`]) and closes. Keep calling [`next_event`](Self::next_event)
    /// until `None` to see them close.
    pub fn shutdown(&self, status: DisconnectStatus) {
        self.shutdown.send_replace(Some(status));
    }
}

async fn accept_loop(listener: TcpListener, transport: Transport, shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.clone();
    loop {
        let accepted = tokio::select! {
            _ = shutdown.wait_for(Option::is_some) => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, peer)) = accepted else {
            // EMFILE and friends: back off a little rather than spin.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        // Past the connection limit the socket is dropped at once.
        let Ok(slot) = shared.slots.clone().try_acquire_owned() else {
            continue;
        };
        let id = ConnectionId(shared.next_id.fetch_add(1, Ordering::Relaxed));
        let shared = shared.clone();
        tokio::spawn(async move {
            conn::run(stream, peer, transport, id, &shared).await;
            drop(slot);
        });
    }
}

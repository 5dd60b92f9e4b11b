//! `timwire serve`: a relay server for either profile on TCP and WebSocket ports, with an
//! in-memory message store, to test clients against.
//!
//! In the RongCloud profile the WebSocket port also serves what RongCloud's web SDK asks for
//! before it connects ([`navi`]: `GET /ping`, `GET /navi.js`, with CORS), and logs the SDK in
//! by the token in its URL ([`tokens`]). `interop/rongcloud/` runs the real SDK against it.

pub(crate) mod chatroom;
pub(crate) mod hub;
pub(crate) mod navi;
pub(crate) mod tokens;

use std::net::SocketAddr;

use anyhow::Context as _;
use timwire::DisconnectStatus;
use timwire_session::store::StoreLimits;
use timwire_session::{Config, Profile};
use timwire_tokio::server::{Server, ServerConfig};
use timwire_tokio::{Admission, WsRequest};
use tokio::net::TcpListener;

use navi::Navi;
use tokens::{TokenMode, Tokens};

/// Which delivery model a relay follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ProfileArg {
    /// tim: forward and resend until acknowledged.
    Tim,
    /// RongCloud: store, push or notify, pull from the sync time.
    Rongcloud,
}

impl ProfileArg {
    pub(crate) fn profile(self) -> Profile {
        match self {
            Self::Tim => Profile::Tim,
            Self::Rongcloud => Profile::RongCloud,
        }
    }
}

/// An answer `serve` breaks on purpose, to show that the interop suite notices (tests only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Break {
    /// Every successful PUBACK carries a messageUId other than the message's.
    PubackUid,
}

/// `timwire serve` options (the command's help, in `main.rs`, describes the web SDK's flow).
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// The delivery model.
    #[arg(long, value_enum, default_value = "rongcloud")]
    profile: ProfileArg,
    /// Listen for TCP (stream framing) on this address.
    #[arg(long, value_name = "ADDR")]
    tcp: Option<SocketAddr>,
    /// Listen for WebSocket (message framing) on this address.
    #[arg(long, value_name = "ADDR")]
    ws: Option<SocketAddr>,
    /// Messages the store keeps in all (the oldest give way).
    #[arg(long, default_value_t = 1_000_000)]
    store_messages: usize,
    /// Messages the store keeps per user.
    #[arg(long, default_value_t = 10_000)]
    store_per_user: usize,
    /// A web SDK token and the user it logs in as (repeatable), e.g. `--user alice:s3cret`.
    #[arg(long = "user", value_name = "NAME:TOKEN")]
    users: Vec<String>,
    /// Whether tokens not given with `--user` are accepted: `open` (the token is the userId)
    /// or `listed` (refused with TOKEN_INCORRECT).
    #[arg(long, value_enum, default_value = "open")]
    tokens: TokenMode,
    /// The `server` the navigation (`/navi.js`) names, when the SDK must connect somewhere
    /// other than the host it fetched navigation from (a proxy, a container's published port).
    #[arg(long, value_name = "HOST:PORT")]
    public: Option<String>,
    /// Threads that run the connections and the relay: 1 runs everything on one thread
    /// (no hand-over between threads for each event, as a single-threaded broker); more
    /// start a multi-threaded runtime with that many workers.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    threads: u16,
    /// Test only: break one answer on purpose, to show the interop suite fails.
    #[arg(long = "break", value_enum, hide = true)]
    breaks: Option<Break>,
}

/// The store limits of a relay for `total` messages and `per_user` per mailbox.
pub(crate) fn store_limits(total: usize, per_user: usize) -> StoreLimits {
    StoreLimits {
        max_total: total.max(1),
        max_per_user: per_user.max(1),
        max_users: 1_000_000,
    }
}

/// The WebSocket admission of a relay: `/websocket?…&token=…` (RongCloud's web SDK) sends no
/// CONNECT; any other path does.
pub(crate) fn admit(request: &WsRequest) -> Admission {
    if request.path == "/websocket" && request.param("token").is_some() {
        Admission::WithoutConnect
    } else {
        Admission::Connect
    }
}

/// Starts a relay server's listeners. In the RongCloud profile the WebSocket port answers the
/// web SDK's navigation and probe ([`navi`]), naming `public` or the requested host.
pub(crate) async fn start(
    profile: Profile,
    tcp: Option<SocketAddr>,
    ws: Option<SocketAddr>,
    connections: usize,
    public: Option<String>,
) -> anyhow::Result<Server> {
    let mut config = ServerConfig::new(Config::new(profile));
    config.max_connections = connections;
    let mut builder = Server::builder(config).admit(admit);
    if let Some(addr) = tcp {
        builder = builder.tcp(addr);
    }
    if let Some(addr) = ws {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        if profile == Profile::RongCloud {
            let navi = Navi {
                public,
                listening: listener.local_addr()?.to_string(),
            };
            builder = builder.http(move |request| navi.answer(request));
        }
        builder = builder.ws_listener(listener);
    }
    builder.start().await.context("cannot listen")
}

/// The most server events taken in one turn of [`relay`]'s loop (`Server::next_events`): a
/// burst is handled in one wake-up instead of one per event.
const EVENT_BATCH: usize = 64;

/// Runs `hub` on `server`'s events, taken up to [`EVENT_BATCH`] per wake-up, until every
/// connection has closed; when `stop` completes, shuts the server down (and keeps relaying
/// while the connections close). Fails as `stop` does.
pub(crate) async fn relay(
    server: &mut Server,
    hub: &mut hub::Hub,
    stop: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    // One `stop` for the whole run: a future made anew each turn of the loop would miss a
    // Ctrl-C that arrives while an event is being handled.
    tokio::pin!(stop);
    let mut stopping = false;
    let mut events = Vec::with_capacity(EVENT_BATCH);
    loop {
        tokio::select! {
            stopped = &mut stop, if !stopping => {
                stopped?;
                stopping = true;
                server.shutdown(DisconnectStatus::REMOTE_CLOSE);
            }
            taken = server.next_events(&mut events, EVENT_BATCH) => {
                if taken == 0 {
                    return Ok(());
                }
                for event in events.drain(..) {
                    hub.on_event(event);
                }
            }
        }
    }
}

/// A runtime with `threads` threads: 1 is tokio's current-thread runtime, more a
/// multi-threaded one with that many workers.
pub(crate) fn runtime(threads: u16) -> std::io::Result<tokio::runtime::Runtime> {
    if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(usize::from(threads))
            .enable_all()
            .build()
    }
}

pub(crate) fn run(args: ServeArgs) -> anyhow::Result<()> {
    if args.tcp.is_none() && args.ws.is_none() {
        anyhow::bail!("nothing to listen on: give --tcp ADDR and/or --ws ADDR");
    }
    let tokens = Tokens::new(&args.users, args.tokens)?;
    let runtime = runtime(args.threads)?;
    runtime.block_on(async {
        let profile = args.profile.profile();
        let mut server = start(profile, args.tcp, args.ws, 100_000, args.public).await?;
        for (transport, addr) in server.addrs() {
            println!("listening {transport} {addr}");
        }
        let limits = store_limits(args.store_messages, args.store_per_user);
        let mut hub = hub::Hub::new(profile, limits)
            .with_tokens(tokens)
            .with_break(args.breaks);
        relay(&mut server, &mut hub, async {
            tokio::signal::ctrl_c().await?;
            Ok(())
        })
        .await?;
        let s = hub.stats;
        println!(
            "connections {} messages {} retries {} pushes {} pulls {} stored {}",
            s.connections,
            s.messages,
            s.retries,
            s.pushes,
            s.pulls,
            hub.stored()
        );
        Ok(())
    })
}

//! `timwire serve`: a relay server for either profile on TCP and WebSocket ports, with an
//! in-memory message store, to test clients against.

pub(crate) mod hub;

use std::net::SocketAddr;

use anyhow::Context as _;
use timwire::DisconnectStatus;
use timwire_session::store::StoreLimits;
use timwire_session::{Config, Profile};
use timwire_tokio::server::{Server, ServerConfig};
use timwire_tokio::{Admission, WsRequest};

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

/// `timwire serve` options.
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

/// Starts a relay server's listeners.
pub(crate) async fn start(
    profile: Profile,
    tcp: Option<SocketAddr>,
    ws: Option<SocketAddr>,
    connections: usize,
) -> anyhow::Result<Server> {
    let mut config = ServerConfig::new(Config::new(profile));
    config.max_connections = connections;
    let mut builder = Server::builder(config).admit(admit);
    if let Some(addr) = tcp {
        builder = builder.tcp(addr);
    }
    if let Some(addr) = ws {
        builder = builder.ws(addr);
    }
    builder.start().await.context("cannot listen")
}

pub(crate) fn run(args: ServeArgs) -> anyhow::Result<()> {
    if args.tcp.is_none() && args.ws.is_none() {
        anyhow::bail!("nothing to listen on: give --tcp ADDR and/or --ws ADDR");
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let profile = args.profile.profile();
        let mut server = start(profile, args.tcp, args.ws, 100_000).await?;
        for (transport, addr) in server.addrs() {
            println!("listening {transport} {addr}");
        }
        let limits = store_limits(args.store_messages, args.store_per_user);
        let mut hub = hub::Hub::new(profile, limits);
        let mut stopping = false;
        // One listener for the whole run: a `ctrl_c()` made anew each turn of the loop would
        // miss a Ctrl-C that arrives while an event is being handled.
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        loop {
            tokio::select! {
                signal = &mut ctrl_c, if !stopping => {
                    signal?;
                    stopping = true;
                    server.shutdown(DisconnectStatus::REMOTE_CLOSE);
                }
                event = server.next_event() => match event {
                    Some(event) => hub.on_event(event),
                    None => break,
                },
            }
        }
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

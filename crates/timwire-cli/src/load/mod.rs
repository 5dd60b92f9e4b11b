//! `timwire load`: clients against an in-process relay (or `--server ADDR`), counting what is
//! sent, delivered, lost and duplicated, with optional chaos (connections cut at random).
//!
//! Client `i` (user `u{i}`) sends messages `i`, `i + N`, `i + 2N`, … to user `u{i+1 mod N}`.
//! A message counts as delivered when it first reaches its recipient's app; a copy that gets
//! past the client's dedup memory (the last 1,024 ids, as an SDK keeps a short list) is a
//! duplicate. The run ends when every message is delivered (and, at qos 1, acknowledged to its
//! sender) or when nothing has happened for `--stall` seconds.
//!
//! Every client connects first; sending starts (and the clock with it) once all are
//! connected, or after `--stall` seconds if some never do.
//!
//! By default every client sends as fast as its connection takes the messages (closed loop:
//! latency at saturation). With `--rate R` the run is open loop: message `k` is due
//! `k / R` seconds after the start, whatever happened to the others, and its latency counts
//! from when it was due, not from when it could be sent, so a server that falls behind shows
//! it in the latency instead of slowing the senders down (no coordinated omission).

mod chaos;
mod client;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context as _, bail};
use timwire::QoS;
use timwire_session::Profile;
use timwire_tokio::Transport;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::serve::{self, ProfileArg, hub::Hub};

/// The transport the clients use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum TransportArg {
    /// TCP, stream framing.
    Tcp,
    /// WebSocket, message framing.
    Ws,
}

/// `timwire load` options.
#[derive(Debug, clap::Args)]
pub(crate) struct LoadArgs {
    /// The delivery model.
    #[arg(long, value_enum, default_value = "rongcloud")]
    profile: ProfileArg,
    /// The clients' transport.
    #[arg(long, value_enum, default_value = "tcp")]
    transport: TransportArg,
    /// Clients (users), each connected at once.
    #[arg(long, default_value_t = 100)]
    connections: u64,
    /// Messages in all, spread over the clients.
    #[arg(long, default_value_t = 10_000)]
    messages: u64,
    /// Each message's content size in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64)]
    payload: usize,
    /// The PUBLISHes' qos.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=1))]
    qos: u8,
    /// Cut connections at random moments (mid-frame too); clients reconnect and resume.
    #[arg(long)]
    chaos: bool,
    /// Run against this server (of the given profile and transport) instead of an in-process one.
    #[arg(long, value_name = "ADDR")]
    server: Option<SocketAddr>,
    /// Give up after this many seconds without progress.
    #[arg(long, default_value_t = 30)]
    stall: u64,
    /// Send at this total rate (messages per second, all clients together) instead of as fast
    /// as possible: message k is due k/RATE seconds after the start and its latency counts
    /// from then.
    #[arg(long, value_name = "MSGS_PER_SEC", value_parser = clap::value_parser!(u64).range(1..))]
    rate: Option<u64>,
    /// Threads that run the clients (and the in-process server): 1 runs everything on one
    /// thread; more start a multi-threaded runtime with that many workers.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    threads: u16,
}

pub(crate) fn run(args: LoadArgs) -> anyhow::Result<()> {
    if args.connections < 2 {
        bail!("--connections must be at least 2 (each client sends to the next)");
    }
    let runtime = serve::runtime(args.threads)?;
    runtime.block_on(load(args))
}

async fn load(args: LoadArgs) -> anyhow::Result<()> {
    let profile = args.profile.profile();
    let transport = match args.transport {
        TransportArg::Tcp => Transport::Tcp,
        TransportArg::Ws => Transport::Ws,
    };
    // The server: given, or in process.
    let mut local = None;
    let server_addr = match args.server {
        Some(addr) => addr,
        None => {
            let any: SocketAddr = "127.0.0.1:0".parse()?;
            let (tcp, ws) = match transport {
                Transport::Tcp => (Some(any), None),
                _ => (None, Some(any)),
            };
            let conns = usize::try_from(args.connections)?.saturating_mul(2).max(16);
            let mut server = serve::start(profile, tcp, ws, conns, None).await?;
            let addr = server
                .addrs()
                .next()
                .map(|(_, a)| a)
                .context("no listener")?;
            let messages = usize::try_from(args.messages)?;
            let per_user = messages / usize::try_from(args.connections)? * 2 + 1024;
            let limits = serve::store_limits(messages.saturating_mul(2) + 1024, per_user);
            let (stop_tx, mut stop_rx) = watch::channel(false);
            let task = tokio::spawn(async move {
                let mut hub = Hub::new(profile, limits);
                // The sender dropped counts as a stop too.
                let stop = async move {
                    let _ = stop_rx.changed().await;
                    Ok(())
                };
                serve::relay(&mut server, &mut hub, stop).await
            });
            local = Some((task, stop_tx));
            addr
        }
    };
    // Chaos: a cutting proxy in front of the server.
    let kills = Arc::new(AtomicU64::new(0));
    let client_addr = if args.chaos {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(chaos::proxy(listener, server_addr, kills.clone()));
        addr
    } else {
        server_addr
    };
    let messages = usize::try_from(args.messages)?;
    let shared = Arc::new(client::Shared {
        profile,
        transport,
        addr: client_addr,
        connections: args.connections,
        messages: args.messages,
        payload: args.payload,
        qos: if args.qos == 0 {
            QoS::AtMostOnce
        } else {
            QoS::AtLeastOnce
        },
        start: std::sync::OnceLock::new(),
        connected: AtomicU64::new(0),
        rate: args.rate,
        sent_at: (0..messages).map(|_| AtomicU64::new(0)).collect(),
        arrivals: (0..messages).map(|_| AtomicU64::new(0)).collect(),
        delivered: AtomicU64::new(0),
        acked: AtomicU64::new(0),
        progress: AtomicU64::new(0),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let (go_tx, go_rx) = watch::channel(false);
    let clients: Vec<_> = (0..args.connections)
        .map(|i| {
            let run = client::run(i, shared.clone(), go_rx.clone(), stop_rx.clone());
            tokio::spawn(run)
        })
        .collect();

    // Sending starts once every client is connected, or after --stall seconds without.
    let stall = Duration::from_secs(args.stall);
    let waiting = tokio::time::Instant::now();
    while shared.connected.load(Ordering::Relaxed) < args.connections && waiting.elapsed() < stall {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    shared.start();
    go_tx.send_replace(true);

    // Wait for the end: everything delivered (and acknowledged at qos 1), or a stall.
    let mut last = (u64::MAX, tokio::time::Instant::now());
    loop {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let delivered = shared.delivered.load(Ordering::Relaxed);
        let acked = shared.acked.load(Ordering::Relaxed);
        if delivered == args.messages && (args.qos == 0 || acked == args.messages) {
            break;
        }
        let progress = shared.progress.load(Ordering::Relaxed);
        if progress != last.0 {
            last = (progress, tokio::time::Instant::now());
        } else if last.1.elapsed() >= stall {
            break;
        }
    }
    let elapsed = shared.start().elapsed();
    stop_tx.send_replace(true);
    let mut latencies = Vec::with_capacity(messages);
    let mut duplicates = 0;
    let mut reconnects = 0;
    for c in clients {
        let report = tokio::time::timeout(Duration::from_secs(30), c)
            .await
            .context("a client did not stop")??;
        latencies.extend(report.latencies_us);
        duplicates += report.duplicates;
        reconnects += report.reconnects;
    }
    if let Some((task, stop)) = local {
        stop.send_replace(true);
        let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
    }
    let sent = shared
        .sent_at
        .iter()
        .filter(|t| t.load(Ordering::Relaxed) != 0)
        .count() as u64;
    let delivered = shared.delivered.load(Ordering::Relaxed);
    let lost = args.messages - delivered;
    latencies.sort_unstable();
    let pct = |p: usize| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let at = (latencies.len() * p / 100).min(latencies.len() - 1);
        latencies[at] as f64 / 1000.0
    };
    let rate = args
        .rate
        .map(|r| format!(", {r} msgs/s"))
        .unwrap_or_default();
    eprintln!(
        "load: {} {} {} connections, {} messages of {} bytes, qos {}{}{rate}: {:.3} s, {} reconnects, {} cuts",
        match profile {
            Profile::Tim => "tim",
            _ => "rongcloud",
        },
        transport,
        args.connections,
        args.messages,
        args.payload,
        args.qos,
        if args.chaos { ", chaos" } else { "" },
        elapsed.as_secs_f64(),
        reconnects,
        kills.load(Ordering::Relaxed),
    );
    println!(
        "sent {sent} delivered {delivered} lost {lost} duplicates {duplicates} p50 {:.1} ms p99 {:.1} ms",
        pct(50),
        pct(99)
    );
    if lost > 0 || duplicates > 0 {
        bail!("{lost} lost, {duplicates} duplicates");
    }
    Ok(())
}

//! `timwire demo`: an in-process tim-profile server and two clients, alice and bob, talking
//! over loopback TCP (stream framing) and then over WebSocket (message framing).
//!
//! Both sides run on the session engine (`timwire_session`): the server is one
//! `ServerSession` per connection, each client a `ClientSession`, driven by a small loop
//! ([`transport::Link`]) that moves their frames over the socket and calls their timers. The
//! demo's own code is only the app on top: logins, forwarding and storing messages, the
//! script.
//!
//! The conversation: CONNECT → CONNACK for both; alice's TimMessage PUBLISH (qos 1) → PUBACK;
//! the server's delivery to bob → bob's PUBACK; alice's TimPresence, forwarded to bob; QUERY
//! timPull → QUERYACK (qos 1) → QUERYCON; PINGREQ → PINGRESP; DISCONNECT. The server puts every
//! frame it receives or sends in a trace, which is decoded with the same code as `timwire
//! decode` and printed, and optionally recorded as a capture.
//!
//! Everything binds to 127.0.0.1 port 0 and every wait has a timeout, so the demo always ends.

mod client;
mod server;
mod transport;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use bytes::Bytes;
use clap::Args;
use timwire::Role;
use timwire::capture::Writer;
use timwire::registry::Profile;
use timwire::session::{AckTracker, QueryTopics};
use timwire::signal::DEFAULT_MAX_BODY;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::decode::message_bytes;
use crate::json::{Context, FrameJson};
use crate::packet::{self, Packet};
use crate::render;
pub(crate) use transport::Transport;

/// The longest the demo waits for any one step.
pub(crate) const STEP_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest one transport's run may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(15);

/// Arguments of `timwire demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Record the conversation as a capture file (.twcap).
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Which run --record records (the capture has one framing profile).
    #[arg(long, value_enum, default_value_t = Transport::Tcp)]
    record_transport: Transport,
    /// Run only this transport (default: both).
    #[arg(long, value_enum)]
    only: Option<Transport>,
    /// Print each frame's hex too.
    #[arg(long)]
    hex: bool,
}

/// One frame as the server saw it.
#[derive(Debug, Clone)]
pub(crate) struct TraceEvent {
    /// The server's connection number (0, 1, … in accept order).
    pub(crate) conn: u16,
    /// The connection's user (its CONNECT token's node), filled in after the run.
    pub(crate) user: String,
    /// Who sent the frame.
    pub(crate) sender: Role,
    /// The frame as the transport carried it.
    pub(crate) wire: Bytes,
    /// When the server saw it.
    pub(crate) time_us: u64,
}

pub(crate) fn run(args: DemoArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let transports = match args.only {
        Some(t) => vec![t],
        None => vec![Transport::Tcp, Transport::Ws],
    };
    if let Some(only) = args.only {
        if args.record.is_some() && only != args.record_transport {
            bail!(
                "--record records the {} run, but --only runs {} alone",
                args.record_transport.name(),
                only.name()
            );
        }
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "timwire demo: a tim-profile server and clients alice and bob, in process"
    )?;
    for transport in transports {
        let (addr, events) = runtime.block_on(run_transport(transport))?;
        writeln!(
            out,
            "\n== {} ({} framing) on {addr} ==",
            transport.name(),
            crate::capfile::framing_name(transport.framing())
        )?;
        print_trace(&mut out, transport, &events, args.hex)?;
        if let Some(path) = &args.record {
            if transport == args.record_transport {
                let file = std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                let mut writer = Writer::new(file, transport.framing())?;
                for e in &events {
                    writer.write_record(e.time_us, e.conn, e.sender, &e.wire)?;
                }
                writeln!(
                    out,
                    "recorded {} frames ({} bytes) to {}",
                    writer.records(),
                    writer.bytes_written(),
                    path.display()
                )?;
            }
        }
    }
    writeln!(out, "\ndemo finished: every step answered")?;
    Ok(())
}

/// Runs the conversation over one transport; returns the server's address and trace.
async fn run_transport(
    transport: Transport,
) -> anyhow::Result<(std::net::SocketAddr, Vec<TraceEvent>)> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot bind 127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let (trace_tx, mut trace_rx) = mpsc::unbounded_channel();
    let hub = server::Hub::new(transport, trace_tx);
    let server = tokio::spawn(server::serve(listener, hub.clone(), 2));
    let clients = client::conversation(transport, addr);
    let finished = tokio::time::timeout(RUN_TIMEOUT, async {
        clients.await.context("client")?;
        server.await.context("server task")?.context("server")
    })
    .await;
    match finished {
        Ok(result) => result?,
        Err(_) => bail!(
            "the {} run did not finish within {RUN_TIMEOUT:?}",
            transport.name()
        ),
    }
    let mut events = Vec::new();
    while let Ok(mut e) = trace_rx.try_recv() {
        // Frames are traced as they pass, before the CONNECT names the connection's user.
        e.user = hub.name(e.conn).unwrap_or_else(|| "?".to_owned());
        events.push(e);
    }
    Ok((addr, events))
}

/// Prints the decoded trace and checks the ack rules held on every connection.
fn print_trace(
    out: &mut impl Write,
    transport: Transport,
    events: &[TraceEvent],
    hex: bool,
) -> anyhow::Result<()> {
    let mut sessions: BTreeMap<u16, (AckTracker, QueryTopics)> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        let frame = packet::split_one(e.wire.clone(), transport.framing(), DEFAULT_MAX_BODY)?;
        let packet = packet::decode_as(&frame, e.sender)?;
        let (acks, topics) = sessions.entry(e.conn).or_default();
        let query_topic = match &packet {
            Packet::Client(p) => {
                acks.observe_client(p, i as u64);
                topics.observe_client(p);
                None
            }
            Packet::Server(p) => {
                acks.observe_server(p, i as u64);
                topics.take(p)
            }
        };
        let ctx = Context {
            profile: Profile::Tim,
            query_topic: query_topic.as_deref(),
        };
        let j = FrameJson::from_packet(&packet, &message_bytes(&frame), ctx);
        writeln!(
            out,
            "[{}] #{:<2} {:<5} {}",
            transport.name(),
            i + 1,
            e.user,
            render::line(&j)
        )?;
        if let Some(p) = render::payload(&j) {
            writeln!(out, "{:>17}{p}", "")?;
        }
        if hex {
            writeln!(out, "{:>17}wire {}", "", hex::encode(&e.wire))?;
        }
    }
    for (conn, (acks, _)) in &sessions {
        if let Some(p) = acks.unanswered().next() {
            bail!(
                "{}: conn {conn}: {} msgId {} was never answered",
                transport.name(),
                p.kind,
                p.msg_id
            );
        }
    }
    writeln!(
        out,
        "[{}] {} frames, every request answered",
        transport.name(),
        events.len()
    )?;
    Ok(())
}

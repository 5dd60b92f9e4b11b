//! Memory per idle connection of a server process: opens `--connections N` connections that
//! log in and then stay idle (keep-alive pings only), and reports how much the server's
//! resident memory (`VmRSS` of `--pid`) grew, per connection.
//!
//! * `--protocol rmtp-tcp` / `rmtp-ws`: RMTP clients (the `timwire-tokio` client driver, a
//!   CONNECT as user `idle{i}`, keep-alive 30 s) against `timwire serve`;
//! * `--protocol mqtt`: MQTT 3.1.1 clients (rumqttc, clean session, keep-alive 30 s, one
//!   subscription each, as in `mqtt_load`) against a broker such as mosquitto.
//!
//! The server's RSS is read before the first connection and again `--settle` seconds after the
//! last one was accepted (CONNACK, or SUBACK for MQTT). The clients live in this process, so
//! only the server's side is measured. Allocators keep freed memory, so start the server fresh
//! for each measurement (`benches/broker/run.sh` does).
//!
//! ```sh
//! timwire serve --tcp 127.0.0.1:9000 &
//! cargo run --release -p timwire-benches --example idle_memory -- \
//!     --protocol rmtp-tcp --addr 127.0.0.1:9000 --pid $! --connections 1000
//! ```
//!
//! It prints one line:
//!
//! ```text
//! idle 1000 rmtp-tcp connections: server RSS 6144 KiB before, 14336 KiB after, 8388 bytes per connection
//! ```
#![allow(missing_docs)]

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use timwire_benches::broker::rss_kib;
use timwire_session::{Config, Profile};
use timwire_signal::Connect;
use timwire_tokio::Transport;
use timwire_tokio::client::{self, ClientConfig, Event};
use tokio::sync::mpsc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Protocol {
    /// RMTP over TCP (stream framing).
    RmtpTcp,
    /// RMTP over WebSocket (message framing).
    RmtpWs,
    /// MQTT 3.1.1 over TCP.
    Mqtt,
}

/// Server memory per idle connection.
#[derive(Debug, Parser)]
struct Args {
    /// What the server speaks.
    #[arg(long, value_enum)]
    protocol: Protocol,
    /// The server's address.
    #[arg(long, value_name = "ADDR")]
    addr: SocketAddr,
    /// The server's process id (its /proc/PID/status is read).
    #[arg(long)]
    pid: u32,
    /// Idle connections to open.
    #[arg(long, default_value_t = 1000)]
    connections: u32,
    /// Seconds to wait after the last connection before reading the RSS again.
    #[arg(long, default_value_t = 2)]
    settle: u64,
    /// Give up when the connections are not all accepted within this many seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

/// Opens one RMTP connection; `ready` gets a message once it is accepted. The handle keeps it.
fn rmtp(args: &Args, i: u32, ready: mpsc::Sender<()>) -> client::ClientHandle {
    let transport = match args.protocol {
        Protocol::RmtpWs => Transport::Ws,
        _ => Transport::Tcp,
    };
    let mut config = ClientConfig::new(Config::new(Profile::RongCloud), transport, args.addr)
        .with_connect(Connect::new(format!("idle{i}")));
    config.reconnect = None;
    let (handle, mut events) = client::spawn(config);
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            if let Event::Connected { .. } = event {
                let _ = ready.send(()).await;
            }
        }
    });
    handle
}

/// Opens one MQTT connection with one subscription; `ready` gets a message at its SUBACK.
fn mqtt(args: &Args, i: u32, ready: mpsc::Sender<()>) -> rumqttc::AsyncClient {
    let mut options = rumqttc::MqttOptions::new(
        format!("idle{i}"),
        args.addr.ip().to_string(),
        args.addr.port(),
    );
    options
        .set_keep_alive(Duration::from_secs(30))
        .set_clean_session(true);
    let (client, mut events) = rumqttc::AsyncClient::new(options, 8);
    let subscriber = client.clone();
    tokio::spawn(async move {
        if subscriber
            .subscribe(format!("tw/idle{i}"), rumqttc::QoS::AtLeastOnce)
            .await
            .is_err()
        {
            return;
        }
        loop {
            match events.poll().await {
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::SubAck(_))) => {
                    let _ = ready.send(()).await;
                }
                Ok(_) => {}
                Err(_) => return,
            }
        }
    });
    client
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let before = match rss_kib(args.pid) {
        Ok(kib) => kib,
        Err(e) => {
            eprintln!(
                "idle_memory: cannot read the RSS of process {}: {e}",
                args.pid
            );
            return ExitCode::from(2);
        }
    };
    let (ready_tx, mut ready) = mpsc::channel(1024);
    let mut rmtp_clients = Vec::new();
    let mut mqtt_clients = Vec::new();
    for i in 0..args.connections {
        match args.protocol {
            Protocol::Mqtt => mqtt_clients.push(mqtt(&args, i, ready_tx.clone())),
            _ => rmtp_clients.push(rmtp(&args, i, ready_tx.clone())),
        }
    }
    let accepted = tokio::time::timeout(Duration::from_secs(args.timeout), async {
        for _ in 0..args.connections {
            ready.recv().await;
        }
    })
    .await;
    if accepted.is_err() {
        eprintln!(
            "idle_memory: not all {} connections were accepted within {} s",
            args.connections, args.timeout
        );
        return ExitCode::FAILURE;
    }
    tokio::time::sleep(Duration::from_secs(args.settle)).await;
    let after = match rss_kib(args.pid) {
        Ok(kib) => kib,
        Err(e) => {
            eprintln!("idle_memory: the server is gone: {e}");
            return ExitCode::FAILURE;
        }
    };
    let per_connection = after.saturating_sub(before) * 1024 / u64::from(args.connections.max(1));
    let name = args
        .protocol
        .to_possible_value()
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default();
    println!(
        "idle {} {name} connections: server RSS {before} KiB before, {after} KiB after, {per_connection} bytes per connection",
        args.connections
    );
    for c in &rmtp_clients {
        c.close();
    }
    for c in &mqtt_clients {
        let _ = c.try_disconnect();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    ExitCode::SUCCESS
}

//! `timwire load`'s workload against an MQTT 3.1.1 broker (mosquitto, rumqttd, …), with
//! rumqttc clients, ending with the same summary line:
//!
//! ```text
//! sent S delivered D lost L duplicates U p50 X ms p99 Y ms
//! ```
//!
//! Client `i` (MQTT client id `tw-u{i}`) subscribes to its own topic `tw/u{i}` and sends
//! messages `i`, `i + N`, `i + 2N`, … to the next client's topic, `tw/u{i+1 mod N}`, at the
//! given qos. Every client connects and subscribes first; sending, and the clock, start once
//! all have their SUBACK (or after `--stall` seconds), as in `timwire load`. Each payload is
//! `[u64 message number][u64 nanoseconds after the start it was sent, or due][padding]`, so a
//! receiver takes the latency from the payload. Without `--rate` every client publishes as
//! fast as its connection takes the messages (closed loop); with `--rate R` message `k` is due
//! `k / R` seconds after the start and its latency counts from then (open loop).
//!
//! The clients keep 32 qos-1 PUBLISHes in flight each (`set_inflight`), the window the timwire
//! session engine allows by default, and use clean sessions. A message counts as delivered when
//! it first reaches its recipient; every further copy is a duplicate (MQTT clients drop none).
//! The run ends when every message is delivered (and, at qos 1, acknowledged to its sender) or
//! nothing has happened for `--stall` seconds; the exit status is 0 only when nothing was lost
//! or duplicated.
//!
//! ```sh
//! cargo run --release -p timwire-benches --example mqtt_load -- \
//!     --broker 127.0.0.1:1883 --connections 50 --messages 2000 --qos 1
//! ```
#![allow(missing_docs)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use clap::Parser;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use timwire_benches::broker::Summary;
use tokio::sync::watch;
use tokio::time::Instant;

/// The workload of `timwire load`, against an MQTT broker.
#[derive(Debug, Parser)]
struct Args {
    /// The broker's address.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:1883")]
    broker: SocketAddr,
    /// Clients, each connected at once.
    #[arg(long, default_value_t = 100)]
    connections: u64,
    /// Messages in all, spread over the clients.
    #[arg(long, default_value_t = 10_000)]
    messages: u64,
    /// Each message's size in bytes (at least the 16-byte number and time).
    #[arg(long, value_name = "BYTES", default_value_t = 64)]
    payload: usize,
    /// The PUBLISHes' and subscriptions' qos.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=1))]
    qos: u8,
    /// Send at this total rate (messages per second) instead of as fast as possible.
    #[arg(long, value_name = "MSGS_PER_SEC", value_parser = clap::value_parser!(u64).range(1..))]
    rate: Option<u64>,
    /// Give up after this many seconds without progress.
    #[arg(long, default_value_t = 30)]
    stall: u64,
}

/// What every client shares.
struct Shared {
    connections: u64,
    messages: u64,
    payload: usize,
    qos: QoS,
    rate: Option<u64>,
    start: OnceLock<Instant>,
    subscribed: AtomicU64,
    sent: AtomicU64,
    acked: AtomicU64,
    delivered: AtomicU64,
    arrivals: Vec<AtomicU64>,
    progress: AtomicU64,
}

impl Shared {
    fn start(&self) -> Instant {
        *self.start.get_or_init(Instant::now)
    }

    fn clock_ns(&self) -> u64 {
        u64::try_from(self.start().elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Open loop: when message `seq` is due after the start.
    fn due(&self, seq: u64) -> Option<Duration> {
        let rate = self.rate?;
        let nanos = u128::from(seq) * 1_000_000_000 / u128::from(rate.max(1));
        Some(Duration::from_nanos(
            u64::try_from(nanos).unwrap_or(u64::MAX),
        ))
    }

    fn payload(&self, seq: u64, sent_ns: u64) -> Vec<u8> {
        let mut data = Vec::with_capacity(self.payload.max(16));
        data.extend_from_slice(&seq.to_be_bytes());
        data.extend_from_slice(&sent_ns.to_be_bytes());
        data.resize(self.payload.max(16), b'x');
        data
    }
}

/// One client's figures.
#[derive(Default)]
struct Report {
    latencies_us: Vec<u64>,
    duplicates: u64,
    errors: u64,
}

fn topic(i: u64) -> String {
    format!("tw/u{i}")
}

/// Runs client `index`: its event loop (receiving, counting) and its sender.
async fn client(
    index: u64,
    shared: Arc<Shared>,
    addr: SocketAddr,
    go: watch::Receiver<bool>,
    mut stop: watch::Receiver<bool>,
) -> Report {
    let mut options = MqttOptions::new(format!("tw-u{index}"), addr.ip().to_string(), addr.port());
    options
        .set_keep_alive(Duration::from_secs(30))
        .set_clean_session(true)
        .set_inflight(32)
        .set_max_packet_size(shared.payload + 1024, shared.payload + 1024);
    let (mqtt, mut events) = AsyncClient::new(options, 256);
    let mut report = Report::default();
    if mqtt.subscribe(topic(index), shared.qos).await.is_err() {
        return report;
    }
    let sender = tokio::spawn(send(index, shared.clone(), mqtt.clone(), go));
    loop {
        tokio::select! {
            changed = stop.changed() => if changed.is_err() || *stop.borrow() { break },
            event = events.poll() => match event {
                Ok(Event::Incoming(Packet::SubAck(_))) => {
                    shared.subscribed.fetch_add(1, Ordering::Relaxed);
                }
                Ok(Event::Incoming(Packet::Publish(p))) => arrived(&shared, &mut report, &p.payload),
                Ok(Event::Incoming(Packet::PubAck(_))) => {
                    shared.acked.fetch_add(1, Ordering::Relaxed);
                    shared.progress.fetch_add(1, Ordering::Relaxed);
                }
                Ok(_) => {}
                Err(_) => {
                    // rumqttc reconnects on the next poll; a clean session loses what was queued.
                    report.errors += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    sender.abort();
    let _ = mqtt.try_disconnect();
    report
}

/// Sends client `index`'s share once `go` turns true.
async fn send(index: u64, shared: Arc<Shared>, mqtt: AsyncClient, mut go: watch::Receiver<bool>) {
    if go.wait_for(|go| *go).await.is_err() {
        return;
    }
    let to = topic((index + 1) % shared.connections);
    let mut seq = index;
    while seq < shared.messages {
        let sent_ns = match shared.due(seq) {
            Some(due) => {
                tokio::time::sleep_until(shared.start() + due).await;
                u64::try_from(due.as_nanos()).unwrap_or(u64::MAX)
            }
            None => shared.clock_ns(),
        };
        let payload = shared.payload(seq, sent_ns);
        if mqtt.publish(&to, shared.qos, false, payload).await.is_err() {
            return;
        }
        shared.sent.fetch_add(1, Ordering::Relaxed);
        seq += shared.connections;
    }
}

/// A message reached its recipient.
fn arrived(shared: &Shared, report: &mut Report, payload: &[u8]) {
    shared.progress.fetch_add(1, Ordering::Relaxed);
    let field = |at: usize| {
        let bytes = payload.get(at..at + 8)?;
        Some(u64::from_be_bytes(bytes.try_into().ok()?))
    };
    let (Some(seq), Some(sent_ns)) = (field(0), field(8)) else {
        return;
    };
    let Some(count) = usize::try_from(seq)
        .ok()
        .and_then(|s| shared.arrivals.get(s))
    else {
        return;
    };
    if count.fetch_add(1, Ordering::Relaxed) == 0 {
        shared.delivered.fetch_add(1, Ordering::Relaxed);
        let latency_ns = shared.clock_ns().saturating_sub(sent_ns);
        report.latencies_us.push(latency_ns / 1000);
    } else {
        report.duplicates += 1;
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if args.connections < 2 {
        eprintln!("mqtt_load: --connections must be at least 2 (each client sends to the next)");
        return std::process::ExitCode::from(2);
    }
    let qos = if args.qos == 0 {
        QoS::AtMostOnce
    } else {
        QoS::AtLeastOnce
    };
    let messages = usize::try_from(args.messages).unwrap_or(usize::MAX);
    let shared = Arc::new(Shared {
        connections: args.connections,
        messages: args.messages,
        payload: args.payload,
        qos,
        rate: args.rate,
        start: OnceLock::new(),
        subscribed: AtomicU64::new(0),
        sent: AtomicU64::new(0),
        acked: AtomicU64::new(0),
        delivered: AtomicU64::new(0),
        arrivals: (0..messages).map(|_| AtomicU64::new(0)).collect(),
        progress: AtomicU64::new(0),
    });
    let (go_tx, go_rx) = watch::channel(false);
    let (stop_tx, stop_rx) = watch::channel(false);
    let clients: Vec<_> = (0..args.connections)
        .map(|i| {
            let run = client(
                i,
                shared.clone(),
                args.broker,
                go_rx.clone(),
                stop_rx.clone(),
            );
            tokio::spawn(run)
        })
        .collect();

    // Everyone subscribed first (a clean-session broker drops what nobody subscribes to yet).
    let stall = Duration::from_secs(args.stall);
    let waiting = Instant::now();
    while shared.subscribed.load(Ordering::Relaxed) < args.connections && waiting.elapsed() < stall
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    shared.start();
    go_tx.send_replace(true);

    let mut last = (u64::MAX, Instant::now());
    loop {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let delivered = shared.delivered.load(Ordering::Relaxed);
        let acked = shared.acked.load(Ordering::Relaxed);
        if delivered == args.messages && (args.qos == 0 || acked >= args.messages) {
            break;
        }
        let progress = shared.progress.load(Ordering::Relaxed);
        if progress != last.0 {
            last = (progress, Instant::now());
        } else if last.1.elapsed() >= stall {
            break;
        }
    }
    let elapsed = shared.start().elapsed();
    stop_tx.send_replace(true);
    let mut latencies = Vec::with_capacity(messages);
    let (mut duplicates, mut errors) = (0, 0);
    for c in clients {
        if let Ok(report) = c.await {
            latencies.extend(report.latencies_us);
            duplicates += report.duplicates;
            errors += report.errors;
        }
    }
    let rate = args
        .rate
        .map(|r| format!(", {r} msgs/s"))
        .unwrap_or_default();
    eprintln!(
        "mqtt_load: {} {} connections, {} messages of {} bytes, qos {}{rate}: {:.3} s, {} connection errors",
        args.broker,
        args.connections,
        args.messages,
        args.payload,
        args.qos,
        elapsed.as_secs_f64(),
        errors,
    );
    let sent = shared.sent.load(Ordering::Relaxed);
    let summary = Summary::new(args.messages, sent, duplicates, latencies);
    println!("{summary}");
    if summary.lost > 0 || summary.duplicates > 0 {
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}

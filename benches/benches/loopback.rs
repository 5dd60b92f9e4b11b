//! Loopback TCP (issue 11): one sender relays a PUBLISH to 100 receiving sockets, with the
//! payload copied into each connection's buffer (the path of a tokio-util `Encoder`) against
//! written with `write_vectored` from one shared buffer (`codec::FrameWriter`, `FrameQueue`).
//!
//! Setup (untimed): 100 loopback TCP connections (`TCP_NODELAY`), a reader task per receiving
//! socket that reads and counts. Timed: one round = the sender encodes the server PUBLISH once
//! (`Fanout`), queues it for every connection with that connection's msgId, writes all 100
//! connections concurrently, and waits until every receiver has read every byte. Throughput is
//! payload bytes delivered (100 × payload per round), reported by criterion in MiB/s.
//!
//! * `copy`: `Fanout::write` into the connection's `BytesMut` (head and payload copied), then
//!   `write_all_buf`;
//! * `vectored`: `Fanout::push` into the connection's `FrameWriter` (head copied, payload shared
//!   at or above the queue's share threshold: the 64 KiB payload is shared, the 1 KiB one
//!   copied, as the default threshold says), then `flush` (`write_vectored`);
//! * `vectored, shared` (1 KiB): the same, the fan-out told its 100 recipients
//!   (`Fanout::for_recipients`), so the 1 KiB payload is shared too (100 KiB to copy is past
//!   `FANOUT_COPY_BUDGET`): each connection writes its head and the one payload.
#![allow(missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::future::join_all;
use timwire_signal::codec::FrameWriter;
use timwire_signal::queue::Fanout;
use timwire_signal::{EncodeOptions, Framing, QoS, ServerPublish};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

const RECEIVERS: usize = 100;

/// Counts the bytes every receiver has read, and wakes the sender as they arrive.
struct Received {
    bytes: AtomicU64,
    notify: Notify,
}

impl Received {
    async fn wait_for(&self, total: u64) {
        loop {
            let notified = self.notify.notified();
            if self.bytes.load(Ordering::Acquire) >= total {
                return;
            }
            notified.await;
        }
    }
}

/// `RECEIVERS` connected pairs: the sender's write halves, with a reader task on each far end.
async fn connections(received: &Arc<Received>) -> Vec<OwnedWriteHalf> {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut writers = Vec::with_capacity(RECEIVERS);
    for _ in 0..RECEIVERS {
        let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let client = client.expect("connect");
        let (server, _) = accepted.expect("accept");
        server.set_nodelay(true).expect("nodelay");
        let received = Arc::clone(received);
        tokio::spawn(async move {
            let mut client = client;
            let mut buf = vec![0u8; 256 * 1024];
            while let Ok(n) = client.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                received.bytes.fetch_add(n as u64, Ordering::AcqRel);
                received.notify.notify_waiters();
            }
        });
        let (_read, write) = server.into_split();
        writers.push(write);
    }
    writers
}

fn loopback(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let options = EncodeOptions::default();
    for (label, len) in [("1KiB", 1024), ("64KiB", 64 * 1024)] {
        let mut g = c.benchmark_group(format!("loopback {label} x{RECEIVERS}"));
        g.throughput(Throughput::Bytes((len * RECEIVERS) as u64));
        g.measurement_time(Duration::from_secs(3));
        let publish = ServerPublish::new(
            QoS::AtLeastOnce,
            1_700_000_000,
            "timMsg",
            "user-0123456789a",
            0,
            Bytes::from(vec![0x5a; len]),
        );
        let fanout = Fanout::new(&publish, Framing::Stream, &options).expect("encodes");
        let frame_len = fanout.frame_len() as u64;

        // The copy path.
        let received = Arc::new(Received {
            bytes: AtomicU64::new(0),
            notify: Notify::new(),
        });
        let mut writers = rt.block_on(connections(&received));
        let mut bufs: Vec<BytesMut> = (0..RECEIVERS)
            .map(|_| BytesMut::with_capacity(fanout.frame_len()))
            .collect();
        g.bench_function("copy", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        let target =
                            received.bytes.load(Ordering::Acquire) + frame_len * RECEIVERS as u64;
                        for (buf, msg_id) in bufs.iter_mut().zip(1..) {
                            fanout.write(buf, msg_id);
                        }
                        let writes = writers
                            .iter_mut()
                            .zip(bufs.iter_mut())
                            .map(|(w, buf)| w.write_all_buf(buf));
                        for r in join_all(writes).await {
                            r.expect("write");
                        }
                        received.wait_for(target).await;
                    }
                    start.elapsed()
                })
            })
        });
        drop(writers);

        // The vectored paths.
        let mut vectored = |name: &str, fanout: &Fanout| {
            let received = Arc::new(Received {
                bytes: AtomicU64::new(0),
                notify: Notify::new(),
            });
            let mut writers: Vec<FrameWriter<OwnedWriteHalf>> = rt
                .block_on(connections(&received))
                .into_iter()
                .map(|w| FrameWriter::new(w, Framing::Stream))
                .collect();
            g.bench_function(name, |b| {
                b.iter_custom(|iters| {
                    rt.block_on(async {
                        let start = Instant::now();
                        for _ in 0..iters {
                            let target = received.bytes.load(Ordering::Acquire)
                                + frame_len * RECEIVERS as u64;
                            for (writer, msg_id) in writers.iter_mut().zip(1..) {
                                fanout.push(writer.queue_mut(), msg_id);
                            }
                            let flushes = writers.iter_mut().map(FrameWriter::flush);
                            for r in join_all(flushes).await {
                                r.expect("write");
                            }
                            received.wait_for(target).await;
                        }
                        start.elapsed()
                    })
                })
            });
        };
        vectored("vectored", &fanout);
        if len < 64 * 1024 {
            vectored(
                "vectored, shared",
                &fanout.clone().for_recipients(RECEIVERS),
            );
        }
        g.finish();
    }
}

criterion_group!(benches, loopback);
criterion_main!(benches);

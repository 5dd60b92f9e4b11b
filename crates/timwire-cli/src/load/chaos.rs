//! `--chaos`: a TCP proxy between the load clients and the server that cuts each connection
//! at a random moment — after a random number of bytes in either direction (so usually in the
//! middle of a frame, or of a WebSocket frame) or after a random lifetime, whichever comes
//! first.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// A small xorshift: the chaos needs spread, not security.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// Runs the proxy on `listener`, forwarding to `upstream`; counts the cuts in `kills`.
pub(crate) async fn proxy(listener: TcpListener, upstream: SocketAddr, kills: Arc<AtomicU64>) {
    let mut rng = Rng::new(0x5eed_cafe);
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        let budget = Budget {
            up: rng.between(1, 64 * 1024),
            down: rng.between(1, 256 * 1024),
            life: Duration::from_millis(rng.between(100, 3000)),
        };
        let kills = kills.clone();
        tokio::spawn(async move {
            if pipe(client, upstream, budget).await {
                kills.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
}

struct Budget {
    up: u64,
    down: u64,
    life: Duration,
}

/// Forwards both ways until a side closes (`false`) or the budget runs out (`true`: cut).
async fn pipe(client: TcpStream, upstream: SocketAddr, budget: Budget) -> bool {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return false;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut client_r, mut client_w) = client.into_split();
    let (mut server_r, mut server_w) = server.into_split();
    let (mut up, mut down) = (budget.up, budget.down);
    let deadline = tokio::time::sleep(budget.life);
    tokio::pin!(deadline);
    let mut up_buf = vec![0u8; 16 * 1024];
    let mut down_buf = vec![0u8; 16 * 1024];
    loop {
        let up_room = usize::try_from(up).unwrap_or(usize::MAX).min(up_buf.len());
        let down_room = usize::try_from(down)
            .unwrap_or(usize::MAX)
            .min(down_buf.len());
        tokio::select! {
            () = &mut deadline => return true,
            read = client_r.read(&mut up_buf[..up_room]) => match read {
                Ok(0) | Err(_) => return false,
                Ok(n) => {
                    if server_w.write_all(&up_buf[..n]).await.is_err() {
                        return false;
                    }
                    up -= n as u64;
                    if up == 0 {
                        return true;
                    }
                }
            },
            read = server_r.read(&mut down_buf[..down_room]) => match read {
                Ok(0) | Err(_) => return false,
                Ok(n) => {
                    if client_w.write_all(&down_buf[..n]).await.is_err() {
                        return false;
                    }
                    down -= n as u64;
                    if down == 0 {
                        return true;
                    }
                }
            },
        }
    }
}

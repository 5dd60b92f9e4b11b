//! The two transports of the demo and the loop that moves an engine's frames over them.
//!
//! A [`Link`] carries whole frames as bytes, exactly as they go over the wire: loopback TCP
//! with stream framing (split with `StreamDecoder::peek`) or WebSocket with message framing
//! (tokio-tungstenite, one frame per binary message). The session engines
//! (`timwire_session`) encode and decode; the link only moves bytes, so the server can put
//! every frame in its trace as it was sent.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Instant;

use anyhow::{Context as _, bail};
use bytes::{Bytes, BytesMut};
use futures::{SinkExt, StreamExt};
use timwire::Framing;
use timwire::signal::StreamDecoder;
use timwire::signal::stream::Peek;
use timwire_session::{ClientSession, ServerSession};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// Which transport a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Transport {
    /// Loopback TCP, stream framing.
    Tcp,
    /// WebSocket over loopback TCP, message framing.
    Ws,
}

impl Transport {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Ws => "ws",
        }
    }

    pub(crate) fn framing(self) -> Framing {
        match self {
            Self::Tcp => Framing::Stream,
            Self::Ws => Framing::Message,
        }
    }
}

/// What the demo's loops call on either engine ([`ClientSession`] or [`ServerSession`]).
pub(crate) trait Engine {
    fn transmit(&mut self, now: Instant) -> Option<Bytes>;
    fn feed(&mut self, now: Instant, frame: Bytes);
    fn deadline(&self) -> Option<Instant>;
    fn on_deadline(&mut self, now: Instant);
    fn wants_read(&self) -> bool;
}

macro_rules! engine {
    ($session:ty) => {
        impl Engine for $session {
            fn transmit(&mut self, now: Instant) -> Option<Bytes> {
                self.poll_transmit_bytes(now)
            }
            fn feed(&mut self, now: Instant, frame: Bytes) {
                // One whole frame: taken as is in message framing, split in stream framing.
                self.handle_message(now, frame);
            }
            fn deadline(&self) -> Option<Instant> {
                self.poll_timeout()
            }
            fn on_deadline(&mut self, now: Instant) {
                self.handle_timeout(now);
            }
            fn wants_read(&self) -> bool {
                self.wants_read()
            }
        }
    };
}
engine!(ClientSession);
engine!(ServerSession);

/// One end of a connection, carrying whole frames.
pub(crate) enum Link {
    Tcp { socket: TcpStream, buf: BytesMut },
    Ws(Box<WebSocketStream<TcpStream>>),
}

impl Link {
    /// The server's end: takes an accepted socket (for WebSocket, completes the handshake).
    pub(crate) async fn accept(transport: Transport, socket: TcpStream) -> anyhow::Result<Self> {
        // Small request/answer frames: without this, Nagle and delayed ACKs add ~40 ms a step.
        socket.set_nodelay(true)?;
        Ok(match transport {
            Transport::Tcp => Self::tcp(socket),
            Transport::Ws => Self::Ws(Box::new(
                tokio_tungstenite::accept_async(socket)
                    .await
                    .context("WebSocket handshake")?,
            )),
        })
    }

    /// A client's end: connects to `addr`.
    pub(crate) async fn connect(transport: Transport, addr: SocketAddr) -> anyhow::Result<Self> {
        let socket = TcpStream::connect(addr)
            .await
            .with_context(|| format!("cannot connect to {addr}"))?;
        socket.set_nodelay(true)?;
        Ok(match transport {
            Transport::Tcp => Self::tcp(socket),
            Transport::Ws => {
                let (ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/"), socket)
                    .await
                    .context("WebSocket handshake")?;
                Self::Ws(Box::new(ws))
            }
        })
    }

    fn tcp(socket: TcpStream) -> Self {
        Self::Tcp {
            socket,
            buf: BytesMut::with_capacity(4096),
        }
    }

    /// The next whole frame as it came over the wire, or `None` when the peer closed.
    pub(crate) async fn recv(&mut self) -> anyhow::Result<Option<Bytes>> {
        match self {
            Self::Tcp { socket, buf } => loop {
                if let Peek::Complete { frame_len, .. } = StreamDecoder::new().peek(buf)? {
                    return Ok(Some(buf.split_to(frame_len).freeze()));
                }
                if socket.read_buf(buf).await? == 0 {
                    if !buf.is_empty() {
                        bail!("the peer closed in the middle of a frame");
                    }
                    return Ok(None);
                }
            },
            Self::Ws(ws) => loop {
                match ws.next().await {
                    None | Some(Ok(Message::Close(_))) => return Ok(None),
                    Some(Ok(Message::Binary(frame))) => return Ok(Some(frame)),
                    Some(Ok(Message::Text(_))) => bail!("text WebSocket message (RMTP is binary)"),
                    Some(Ok(_)) => {} // ping/pong: tungstenite answers them
                    Some(Err(e)) => return Err(e.into()),
                }
            },
        }
    }

    pub(crate) async fn send(&mut self, frame: Bytes) -> anyhow::Result<()> {
        match self {
            Self::Tcp { socket, .. } => socket.write_all(&frame).await?,
            Self::Ws(ws) => ws.send(Message::Binary(frame)).await?,
        }
        Ok(())
    }

    /// Writes everything `engine` has queued, showing each frame to `sent` first.
    pub(crate) async fn flush(
        &mut self,
        engine: &mut impl Engine,
        mut sent: impl FnMut(&Bytes),
    ) -> anyhow::Result<()> {
        while let Some(frame) = engine.transmit(Instant::now()) {
            sent(&frame);
            self.send(frame).await?;
        }
        Ok(())
    }

    /// Waits for the next frame (while the engine wants input) or the engine's next
    /// deadline, whichever comes first, and feeds it to the engine; a frame is shown to
    /// `received` first. `false` when the peer closed the connection.
    pub(crate) async fn step(
        &mut self,
        engine: &mut impl Engine,
        received: impl FnOnce(&Bytes),
    ) -> anyhow::Result<bool> {
        let deadline = engine.deadline();
        let wait = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        let reading = engine.wants_read();
        tokio::select! {
            frame = self.recv(), if reading => match frame? {
                Some(frame) => {
                    received(&frame);
                    engine.feed(Instant::now(), frame);
                    Ok(true)
                }
                None => Ok(false),
            },
            () = wait => {
                engine.on_deadline(Instant::now());
                Ok(true)
            }
        }
    }

    /// Closes our side and, for WebSocket, waits for the peer's close reply so the handshake
    /// completes cleanly; at most `limit` long.
    pub(crate) async fn close(self, limit: impl Future<Output = ()>) {
        let closing = async move {
            match self {
                Self::Tcp { mut socket, .. } => {
                    let _ = socket.shutdown().await;
                    // Until the peer closes its side too.
                    let mut rest = [0u8; 256];
                    while matches!(socket.read(&mut rest).await, Ok(n) if n > 0) {}
                }
                Self::Ws(mut ws) => {
                    let _ = SinkExt::close(&mut ws).await;
                    while let Some(Ok(_)) = ws.next().await {}
                }
            }
        };
        tokio::select! {
            () = closing => {}
            () = limit => {}
        }
    }
}

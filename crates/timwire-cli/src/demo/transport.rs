//! The two transports of the demo, behind one small interface per side: loopback TCP with
//! stream framing (tokio-util `Framed` and timwire's codecs) and WebSocket with message framing
//! (tokio-tungstenite, one frame per binary message).

use std::net::SocketAddr;

use anyhow::{Context as _, anyhow, bail};
use futures::{SinkExt, StreamExt};
use timwire::codec::{ClientCodec, ServerCodec};
use timwire::{ClientPacket, Decode, Encode, EncodeOptions, Framing, ServerPacket};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::codec::Framed;

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

    /// A packet's bytes as this transport carries them.
    pub(crate) fn wire<P: Encode>(self, packet: &P) -> anyhow::Result<bytes::Bytes> {
        Ok(packet.to_bytes(self.framing(), &EncodeOptions::default())?)
    }
}

/// The server's end of one connection.
pub(crate) enum ServerSide {
    Tcp(Framed<TcpStream, ServerCodec>),
    Ws(Box<WebSocketStream<TcpStream>>),
}

impl ServerSide {
    /// Takes an accepted socket (and for WebSocket, completes the handshake).
    pub(crate) async fn accept(transport: Transport, socket: TcpStream) -> anyhow::Result<Self> {
        // Small request/answer frames: without this, Nagle and delayed ACKs add ~40 ms a step.
        socket.set_nodelay(true)?;
        Ok(match transport {
            Transport::Tcp => Self::Tcp(Framed::new(socket, ServerCodec::new())),
            Transport::Ws => Self::Ws(Box::new(
                tokio_tungstenite::accept_async(socket)
                    .await
                    .context("WebSocket handshake")?,
            )),
        })
    }

    /// The next packet, or `None` when the client closed the connection.
    pub(crate) async fn recv(&mut self) -> anyhow::Result<Option<ClientPacket>> {
        match self {
            Self::Tcp(framed) => Ok(framed.next().await.transpose()?),
            Self::Ws(ws) => loop {
                match ws.next().await {
                    None | Some(Ok(Message::Close(_))) => return Ok(None),
                    Some(Ok(Message::Binary(b))) => {
                        return Ok(Some(ClientPacket::from_message(b)?));
                    }
                    Some(Ok(Message::Text(_))) => bail!("text WebSocket message (RMTP is binary)"),
                    Some(Ok(_)) => {} // ping/pong: tungstenite answers them
                    Some(Err(e)) => return Err(e.into()),
                }
            },
        }
    }

    pub(crate) async fn send(&mut self, packet: ServerPacket) -> anyhow::Result<()> {
        match self {
            Self::Tcp(framed) => framed.send(packet).await?,
            Self::Ws(ws) => {
                let bytes = Transport::Ws.wire(&packet)?;
                ws.send(Message::Binary(bytes)).await?;
            }
        }
        Ok(())
    }
}

/// A client's end of its connection.
pub(crate) enum ClientSide {
    Tcp(Framed<TcpStream, ClientCodec>),
    Ws(Box<WebSocketStream<TcpStream>>),
}

impl ClientSide {
    pub(crate) async fn connect(transport: Transport, addr: SocketAddr) -> anyhow::Result<Self> {
        let socket = TcpStream::connect(addr)
            .await
            .with_context(|| format!("cannot connect to {addr}"))?;
        socket.set_nodelay(true)?;
        Ok(match transport {
            Transport::Tcp => Self::Tcp(Framed::new(socket, ClientCodec::new())),
            Transport::Ws => {
                let url = format!("ws://{addr}/");
                let (ws, _) = tokio_tungstenite::client_async(url, socket)
                    .await
                    .context("WebSocket handshake")?;
                Self::Ws(Box::new(ws))
            }
        })
    }

    /// The next packet from the server; the server closing is an error here.
    pub(crate) async fn recv(&mut self) -> anyhow::Result<ServerPacket> {
        let closed = || anyhow!("the server closed the connection");
        match self {
            Self::Tcp(framed) => Ok(framed.next().await.ok_or_else(closed)??),
            Self::Ws(ws) => loop {
                match ws.next().await.ok_or_else(closed)?? {
                    Message::Binary(b) => return Ok(ServerPacket::from_message(b)?),
                    Message::Close(_) => return Err(closed()),
                    Message::Text(_) => bail!("text WebSocket message (RMTP is binary)"),
                    _ => {}
                }
            },
        }
    }

    pub(crate) async fn send(&mut self, packet: ClientPacket) -> anyhow::Result<()> {
        match self {
            Self::Tcp(framed) => framed.send(packet).await?,
            Self::Ws(ws) => {
                let bytes = Transport::Ws.wire(&packet)?;
                ws.send(Message::Binary(bytes)).await?;
            }
        }
        Ok(())
    }

    /// Closes the connection (after a DISCONNECT).
    pub(crate) async fn close(self) -> anyhow::Result<()> {
        match self {
            Self::Tcp(mut framed) => SinkExt::<ClientPacket>::close(&mut framed).await?,
            Self::Ws(mut ws) => {
                SinkExt::close(&mut ws).await?;
                // Read until the server's close reply, so the handshake completes cleanly.
                while let Some(Ok(_)) = ws.next().await {}
            }
        }
        Ok(())
    }
}

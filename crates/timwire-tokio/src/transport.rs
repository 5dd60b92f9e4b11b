//! The two transports behind one reader and one writer: TCP with stream framing (written with
//! [`FrameWriter`], vectored, shared payloads) and WebSocket with message framing (one frame
//! per binary message, tokio-tungstenite).

use std::collections::VecDeque;
use std::fmt;
use std::io;

use bytes::{Bytes, BytesMut};
use futures::stream::{SplitSink, SplitStream};
use futures::{FutureExt as _, SinkExt as _, StreamExt as _};
use timwire_signal::codec::FrameWriter;
use timwire_signal::{Encode, EncodeOptions, Framing};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use crate::error::TransportError;
use crate::prefixed::Prefixed;

/// Which transport a connection uses.
///
/// ```
/// use timwire_signal::Framing;
/// use timwire_tokio::Transport;
///
/// assert_eq!(Transport::Tcp.framing(), Framing::Stream);
/// assert_eq!(Transport::Ws.framing(), Framing::Message);
/// assert_eq!(Transport::Ws.to_string(), "ws");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// A TCP byte stream with stream framing (native SDKs).
    Tcp,
    /// WebSocket binary messages with message framing, one frame per message (web SDKs).
    Ws,
}

impl Transport {
    /// The framing this transport carries frames with.
    pub const fn framing(self) -> Framing {
        match self {
            Self::Tcp => Framing::Stream,
            Self::Ws => Framing::Message,
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Tcp => "tcp",
            Self::Ws => "ws",
        })
    }
}

type Ws = WebSocketStream<Prefixed>;

/// The room made in the read buffer for one TCP read.
const READ_CHUNK: usize = 16 * 1024;

/// The read buffer of a WebSocket connection (tungstenite's default is 128 KiB, allocated for
/// every connection up front); a larger message is read in several steps. tungstenite zeroes
/// the buffer's free room (up to this size) before every read: at 8 KiB that was 5 % of a
/// WebSocket relay's instructions (callgrind, tim profile, 64-byte messages, where one read
/// holds a few frames); 2 KiB still takes about twenty such frames a read.
pub(crate) const WS_READ_BUFFER: usize = 2 * 1024;

/// What one read gave.
#[derive(Debug)]
pub(crate) enum Input {
    /// Stream bytes, appended to the read buffer.
    Bytes,
    /// One whole frame (a binary WebSocket message).
    Message(Bytes),
    /// The peer closed the connection.
    Eof,
}

/// The reading half.
#[derive(Debug)]
pub(crate) enum Reader {
    Tcp(OwnedReadHalf),
    Ws(SplitStream<Ws>),
}

impl Reader {
    /// Reads once. Cancel-safe: nothing is lost when the future is dropped before it completes.
    pub(crate) async fn read(&mut self, buf: &mut BytesMut) -> Result<Input, TransportError> {
        match self {
            // A busy connection reads again into the room left from its last read (tokio
            // knows whether the socket is readable, so this costs no system call when it is
            // not). Otherwise the connection is going idle: it gives the buffer back and waits
            // for bytes before making room for them, so an idle connection holds no read
            // buffer (BENCHMARKS.md, memory per idle connection).
            Self::Tcp(read) => loop {
                if buf.capacity() > buf.len() {
                    match read.try_read_buf(buf) {
                        Ok(0) => return Ok(Input::Eof),
                        Ok(_) => return Ok(Input::Bytes),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                if buf.is_empty() {
                    *buf = BytesMut::new();
                }
                read.readable().await?;
                buf.reserve(READ_CHUNK);
                match read.try_read_buf(buf) {
                    Ok(0) => return Ok(Input::Eof),
                    Ok(_) => return Ok(Input::Bytes),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e.into()),
                }
            },
            Self::Ws(stream) => loop {
                if let Some(input) = ws_input(stream.next().await) {
                    return input;
                }
            },
        }
    }

    /// The next whole frame if one is ready now, without waiting; `None` when nothing is.
    /// WebSocket only: a read gives one frame there, and under load the rest of a burst is
    /// already buffered (by tungstenite or the socket), so the driver takes it in the same
    /// turn of its loop and answers it with one write. A TCP read already takes every byte
    /// ready (up to its 16 KiB of room), so this is `None` for TCP.
    ///
    /// Cancel-safe like [`read`](Self::read): a frame is returned or stays buffered.
    pub(crate) fn read_now(&mut self) -> Option<Result<Input, TransportError>> {
        match self {
            Self::Tcp(_) => None,
            // `now_or_never` polls once with a no-op waker; the next `read` of the loop
            // polls again with the task's own, so no wake-up is lost.
            Self::Ws(stream) => loop {
                if let Some(input) = ws_input(stream.next().now_or_never()?) {
                    return Some(input);
                }
            },
        }
    }
}

/// What one WebSocket message gives the driver; `None` for one that carries nothing.
fn ws_input(
    message: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
) -> Option<Result<Input, TransportError>> {
    match message {
        None | Some(Ok(Message::Close(_))) => Some(Ok(Input::Eof)),
        Some(Ok(Message::Binary(data))) => Some(Ok(Input::Message(data))),
        Some(Ok(Message::Text(_))) => Some(Err(TransportError::TextMessage)),
        // Pings are answered by tungstenite; pongs and raw frames carry nothing.
        Some(Ok(_)) => None,
        Some(Err(e)) => Some(Err(TransportError::WebSocket(Box::new(e)))),
    }
}

/// The writing half, with the bytes it holds counted for backpressure.
#[derive(Debug)]
pub(crate) enum Writer {
    Tcp(FrameWriter<OwnedWriteHalf>),
    Ws {
        sink: SplitSink<Ws, Message>,
        queue: VecDeque<Bytes>,
        queued: usize,
        options: EncodeOptions,
    },
}

impl Writer {
    pub(crate) fn tcp(write: OwnedWriteHalf, options: EncodeOptions) -> Self {
        Self::Tcp(FrameWriter::new(write, Framing::Stream).with_options(options))
    }

    pub(crate) fn ws(sink: SplitSink<Ws, Message>, options: EncodeOptions) -> Self {
        Self::Ws {
            sink,
            queue: VecDeque::new(),
            queued: 0,
            options,
        }
    }

    /// Queues `packet` without writing.
    pub(crate) fn feed<P: Encode>(&mut self, packet: &P) -> Result<(), TransportError> {
        match self {
            Self::Tcp(writer) => writer.feed(packet)?,
            Self::Ws {
                queue,
                queued,
                options,
                ..
            } => {
                let frame = packet.to_bytes(Framing::Message, options)?;
                *queued = queued.saturating_add(frame.len());
                queue.push_back(frame);
            }
        }
        Ok(())
    }

    /// Bytes queued and not yet written.
    pub(crate) fn buffered(&self) -> usize {
        match self {
            Self::Tcp(writer) => writer.buffered(),
            Self::Ws { queued, .. } => *queued,
        }
    }

    /// Writes everything queued. Cancel-safe: a frame leaves the queue only once written (TCP)
    /// or handed to the WebSocket (WS), so dropping the future loses nothing.
    pub(crate) async fn flush(&mut self) -> Result<(), TransportError> {
        match self {
            Self::Tcp(writer) => writer.flush().await?,
            Self::Ws {
                sink,
                queue,
                queued,
                ..
            } => {
                while let Some(frame) = queue.front() {
                    let frame = frame.clone();
                    let len = frame.len();
                    sink.feed(Message::Binary(frame))
                        .await
                        .map_err(|e| TransportError::WebSocket(Box::new(e)))?;
                    queue.pop_front();
                    *queued = queued.saturating_sub(len);
                }
                sink.flush()
                    .await
                    .map_err(|e| TransportError::WebSocket(Box::new(e)))?;
            }
        }
        Ok(())
    }

    /// Writes what is queued, then closes the connection (TCP: shutdown of the write side;
    /// WS: a Close message).
    pub(crate) async fn close(&mut self) -> Result<(), TransportError> {
        self.flush().await?;
        match self {
            Self::Tcp(writer) => writer.get_mut().shutdown().await?,
            Self::Ws { sink, .. } => sink
                .close()
                .await
                .map_err(|e| TransportError::WebSocket(Box::new(e)))?,
        }
        Ok(())
    }
}

/// Splits an established TCP stream (stream framing).
pub(crate) fn split_tcp(stream: TcpStream, options: EncodeOptions) -> (Reader, Writer) {
    let (read, write) = stream.into_split();
    (Reader::Tcp(read), Writer::tcp(write, options))
}

/// Splits an established WebSocket (message framing).
pub(crate) fn split_ws(ws: Ws, options: EncodeOptions) -> (Reader, Writer) {
    let (sink, stream) = ws.split();
    (Reader::Ws(stream), Writer::ws(sink, options))
}

/// Turns an I/O error into [`TransportError`].
impl From<io::Error> for TransportError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three binary messages sent at once: `read` waits for the first, `read_now` takes the
    /// two already here and then answers `None` at once (the peer is still open).
    #[tokio::test]
    async fn read_now_takes_the_frames_already_here_without_waiting() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let peer = tokio::spawn(async move {
            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/"), stream)
                .await
                .unwrap();
            for i in 0..3u8 {
                ws.feed(Message::Binary(Bytes::from(vec![i])))
                    .await
                    .unwrap();
            }
            ws.flush().await.unwrap();
            ws
        });
        let (stream, _) = listener.accept().await.unwrap();
        let ws = tokio_tungstenite::accept_async(Prefixed::new(Bytes::new(), stream))
            .await
            .unwrap();
        let _open = peer.await.unwrap();
        let (mut reader, _writer) = split_ws(ws, EncodeOptions::default());
        let mut buf = BytesMut::new();
        let first = reader.read(&mut buf).await.unwrap();
        assert!(matches!(first, Input::Message(m) if m[..] == [0]));
        for i in 1..3u8 {
            let next = reader.read_now().expect("already here").unwrap();
            assert!(matches!(next, Input::Message(m) if m[..] == [i]));
        }
        assert!(reader.read_now().is_none());
    }
}

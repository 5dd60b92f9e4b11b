//! [`FrameWriter`]: frames written to a tokio `AsyncWrite` with vectored I/O, shared payloads
//! and byte-based backpressure.

use std::io;

use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::encode::{Encode, EncodeOptions, Framing};
use crate::queue::{FrameQueue, SharedFrame};

/// The default high-water mark of a [`FrameWriter`]: 256 KiB queued.
pub const DEFAULT_HIGH_WATER: usize = 256 * 1024;

/// Writes frames to a tokio writer (a `TcpStream` or its write half) without copying shared
/// payloads: a [`FrameQueue`] in front of the writer, drained with `write_vectored`.
///
/// tokio-util's `Encoder` copies every frame into one buffer; this writer copies only heads and
/// small payloads, and shares payloads of at least the queue's share threshold (see
/// [`queue`](crate::queue) for the rules that make sharing safe and for the threshold).
///
/// **Backpressure is counted in bytes.** [`send`](Self::send) queues a frame and then, while
/// more than the high-water mark is queued, writes; so a slow reader makes `send` wait, and the
/// memory held per connection stays below the high-water mark plus one frame. [`feed`](Self::feed)
/// queues without writing (for a batch), [`flush`](Self::flush) writes everything.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use bytes::Bytes;
/// use timwire_signal::codec::FrameWriter;
/// use timwire_signal::{Framing, QoS, ServerPublish};
///
/// let (client, mut server) = tokio::io::duplex(64 * 1024);
/// let mut writer = FrameWriter::new(client, Framing::Stream);
/// let payload = Bytes::from(vec![7u8; 4096]);
/// for msg_id in 1..=3 {
///     let publish = ServerPublish::new(QoS::AtLeastOnce, 0, "timMsg", "bob", msg_id, payload.clone());
///     writer.send(&publish).await?;
/// }
/// writer.flush().await?;
/// # drop(writer);
/// # let mut all = Vec::new();
/// # tokio::io::AsyncReadExt::read_to_end(&mut server, &mut all).await?;
/// # assert_eq!(all.len(), 3 * (4 + 4 + 8 + 5 + 2 + 4096)); // head, date, topic, targetId, msgId, payload
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct FrameWriter<W> {
    io: W,
    queue: FrameQueue,
    framing: Framing,
    options: EncodeOptions,
    high_water: usize,
}

impl<W: AsyncWrite + Unpin> FrameWriter<W> {
    /// A writer with the default options, share threshold and high-water mark.
    pub fn new(io: W, framing: Framing) -> Self {
        Self {
            io,
            queue: FrameQueue::new(),
            framing,
            options: EncodeOptions::default(),
            high_water: DEFAULT_HIGH_WATER,
        }
    }

    /// Sets the encode options (text encoding, largest body).
    pub fn with_options(mut self, options: EncodeOptions) -> Self {
        self.options = options;
        self
    }

    /// Sets how many bytes may be queued before [`send`](Self::send) waits for the writer.
    pub fn with_high_water(mut self, bytes: usize) -> Self {
        self.high_water = bytes;
        self
    }

    /// Replaces the queue (for another share threshold). Frames already queued are dropped.
    pub fn with_queue(mut self, queue: FrameQueue) -> Self {
        self.queue = queue;
        self
    }

    /// Bytes queued and not yet written.
    pub fn buffered(&self) -> usize {
        self.queue.len()
    }

    /// The high-water mark.
    pub fn high_water(&self) -> usize {
        self.high_water
    }

    /// Queues `packet` without writing. An encoding error queues nothing and is returned as
    /// [`io::ErrorKind::InvalidInput`].
    pub fn feed<P: Encode + ?Sized>(&mut self, packet: &P) -> io::Result<()> {
        self.queue
            .push(packet, self.framing, &self.options)
            .map(drop)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
    }

    /// The queue in front of the writer, to queue frames it has no method for without writing
    /// (a [`Fanout`](crate::queue::Fanout)'s: `fanout.push(writer.queue_mut(), msg_id)`), then
    /// [`flush`](Self::flush) or keep sending. What is queued here counts toward the high-water
    /// mark like everything else.
    pub fn queue_mut(&mut self) -> &mut FrameQueue {
        &mut self.queue
    }

    /// Queues an encoded frame without writing.
    pub fn feed_frame(&mut self, frame: SharedFrame) {
        self.queue.push_frame(frame);
    }

    /// Queues `packet`, then writes while more than the high-water mark is queued.
    pub async fn send<P: Encode + ?Sized>(&mut self, packet: &P) -> io::Result<()> {
        self.feed(packet)?;
        self.write_down_to(self.high_water).await
    }

    /// Queues an encoded frame, then writes while more than the high-water mark is queued.
    pub async fn send_frame(&mut self, frame: SharedFrame) -> io::Result<()> {
        self.feed_frame(frame);
        self.write_down_to(self.high_water).await
    }

    /// Writes everything queued, then flushes the writer.
    pub async fn flush(&mut self) -> io::Result<()> {
        self.write_down_to(0).await?;
        self.io.flush().await
    }

    /// Writes (vectored when the writer supports it) until at most `limit` bytes are queued.
    async fn write_down_to(&mut self, limit: usize) -> io::Result<()> {
        while self.queue.len() > limit {
            if self.io.write_buf(&mut self.queue).await? == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
        }
        Ok(())
    }

    /// The writer.
    pub fn get_ref(&self) -> &W {
        &self.io
    }

    /// The writer, mutably (writing to it directly would interleave with queued frames).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.io
    }

    /// The writer; anything still queued is dropped, so [`flush`](Self::flush) first.
    pub fn into_inner(self) -> W {
        self.io
    }
}

//! Zero-copy sending: frames as a small head plus a shared payload ([`SharedFrame`]), and a
//! per-connection send queue that coalesces small frames and shares large payloads
//! ([`FrameQueue`]), written with vectored I/O.
//!
//! # Why
//!
//! A server relays: it decodes a client's PUBLISH and writes its payload again, to one
//! recipient or to many, each frame with its own msgId and targetId. tokio-util's `Encoder`
//! writes every frame into one contiguous buffer, so a 64 KiB payload sent to 100 recipients is
//! copied 100 times. Here it is not copied at all: each frame is its head (header, checksum,
//! remaining length, date, topic, targetId, msgId: a few dozen bytes) and the payload's
//! [`Bytes`], shared by every recipient and written with `write_vectored`.
//!
//! # Why sharing is safe
//!
//! * In stream framing the checksum covers the header byte and the remaining length only
//!   (`header XOR length bytes`), never the body, so a frame's head can be computed without
//!   reading its payload, and every recipient's head differs only in its own fields.
//! * The payload is the frame's last field ("to end"): PUBLISH and QUERYACK carry it after
//!   every per-recipient field, so the bytes on the wire are exactly head ++ payload.
//! * `Bytes` is immutable: a payload shared by a thousand queued frames cannot change under
//!   any of them, and it is freed when the last frame has been written.
//! * In message framing (WebSocket) a server's frames are not masked (RFC 6455 §5.1: only a
//!   client masks), so the payload goes on the wire unchanged there too; a WebSocket library
//!   that takes one contiguous message (tungstenite does) still copies it once per message.
//!
//! # Copy or share: the threshold
//!
//! Sharing is not free: each queued frame takes a reference on the payload's buffer and
//! releases it after the write, an atomic increment and decrement (17–20 ns on the benchmark
//! machine, BENCHMARKS.md run 10), while copying a 1 KiB frame costs about 12 ns. So, as h2 and hyper do, small
//! payloads are copied into the queue's write buffer (which also lets many small frames go out
//! in one `write`), and payloads of at least [`DEFAULT_SHARE_THRESHOLD`] bytes are shared. The
//! default comes from the `relay` benchmark's crossover (BENCHMARKS.md); set your own with
//! [`FrameQueue::with_share_threshold`].
//!
//! That crossover is for one frame, whose copy stays in the cache. A payload fanned out to
//! many connections is copied into as many write buffers, and past a few dozen kilobytes those
//! copies miss the cache while a shared reference costs the same for every recipient: in the
//! `relay` bench, sharing a 1 KiB payload with 100 or 1,000 recipients beats copying it
//! (BENCHMARKS.md). A [`Fanout`] told how many recipients it has
//! ([`Fanout::for_recipients`]) therefore shares the payload with all of them when copying it
//! to all of them would write more than [`FANOUT_COPY_BUDGET`] bytes, whatever its size.
//!
//! # Example: one payload to three recipients
//!
//! ```
//! use bytes::{Buf, Bytes};
//! use timwire_signal::queue::FrameQueue;
//! use timwire_signal::{EncodeOptions, Framing, QoS, ServerPublish};
//!
//! let payload = Bytes::from(vec![0x2a; 64 * 1024]);
//! let mut publish = ServerPublish::new(QoS::AtLeastOnce, 1_700_000_000, "timMsg", "", 0, payload);
//! let options = EncodeOptions::default();
//! let mut queues: Vec<FrameQueue> = (0..3).map(|_| FrameQueue::new()).collect();
//! for (msg_id, (queue, target)) in (1..).zip(queues.iter_mut().zip(["alice", "bob", "carol"])) {
//!     publish.target_id = target.into();
//!     publish.msg_id = msg_id;
//!     queue.push(&publish, Framing::Stream, &options).unwrap();
//! }
//! // Each queue holds its head and a reference to the one payload: two slices to write.
//! let mut slices = [std::io::IoSlice::new(&[]); 4];
//! assert_eq!(queues[1].chunks_vectored(&mut slices), 2);
//! assert_eq!(slices[1].len(), 64 * 1024);
//! assert_eq!(slices[1].as_ptr(), publish.data.as_ptr()); // not a copy
//! ```

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};
use timwire_header::{Flags, Header, MessageType, QoS};

use crate::encode::sealed::WriteBody;
use crate::encode::{Encode, EncodeOptions, Framing, encode_split, frame_len, write_head};
use crate::error::EncodeError;
use crate::packet::ServerPublish;
use crate::shared_text::Text;

/// Payloads of at least this many bytes are shared rather than copied (see the module docs).
pub const DEFAULT_SHARE_THRESHOLD: usize = 2048;

/// A [`Fanout`] told its number of recipients ([`Fanout::for_recipients`]) shares its payload
/// with every recipient once copying it to all of them would write more than this many bytes
/// (see the module docs).
pub const FANOUT_COPY_BUDGET: usize = 32 * 1024;

/// One encoded frame: its head (everything before the payload) and the payload it shares.
///
/// A [`Buf`] of two chunks: write it with `write_all_buf` (vectored when the writer supports
/// it) or push it into a [`FrameQueue`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedFrame {
    head: Bytes,
    payload: Bytes,
}

impl SharedFrame {
    /// Encodes `packet`, sharing its payload: the head is written into a new small buffer and
    /// the payload is not copied.
    pub fn encode<P: Encode + ?Sized>(
        packet: &P,
        framing: Framing,
        options: &EncodeOptions,
    ) -> Result<Self, EncodeError> {
        let mut head = BytesMut::new();
        let payload = encode_split(packet, framing, options, &mut head)?;
        Ok(Self {
            head: head.freeze(),
            payload,
        })
    }

    /// The head: header byte, (stream framing) checksum and remaining length, and every field
    /// before the payload.
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// The shared payload.
    pub fn payload(&self) -> &Bytes {
        &self.payload
    }

    /// The frame's length on the wire.
    pub fn len(&self) -> usize {
        self.head.len().saturating_add(self.payload.len())
    }

    /// Whether nothing is left to write.
    pub fn is_empty(&self) -> bool {
        self.head.is_empty() && self.payload.is_empty()
    }
}

impl Buf for SharedFrame {
    fn remaining(&self) -> usize {
        self.len()
    }

    fn chunk(&self) -> &[u8] {
        if self.head.is_empty() {
            &self.payload
        } else {
            &self.head
        }
    }

    fn advance(&mut self, cnt: usize) {
        let from_head = cnt.min(self.head.len());
        self.head.advance(from_head);
        self.payload
            .advance(cnt.saturating_sub(from_head).min(self.payload.len()));
    }

    fn chunks_vectored<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        let mut n = 0;
        for chunk in [&self.head[..], &self.payload[..]] {
            if chunk.is_empty() {
                continue;
            }
            let Some(slot) = dst.get_mut(n) else { break };
            *slot = IoSlice::new(chunk);
            n = n.saturating_add(1);
        }
        n
    }
}

/// What the queue holds, in order.
#[derive(Debug)]
enum Entry {
    /// The next `n` bytes of the write buffer.
    Copied(usize),
    /// A shared payload, or what is left of it.
    Shared(Bytes),
}

/// The frames waiting to be written to one connection, in order.
///
/// Heads and small payloads are copied into one write buffer, so that many small frames go out
/// in one write; payloads of at least the share threshold are kept as shared [`Bytes`]. The
/// queue is a [`Buf`]: write it with tokio's `AsyncWriteExt::write_buf` (which uses
/// `write_vectored` when the writer supports it), or take up to `n` slices with
/// [`chunks_vectored`](Buf::chunks_vectored) and [`advance`](Buf::advance) by what was written.
///
/// It never blocks and never limits itself: [`len`](Self::len) is the number of bytes queued,
/// for the caller's backpressure (see `codec::FrameWriter` with the `tokio` feature, which
/// stops accepting frames above a high-water mark).
#[derive(Debug)]
pub struct FrameQueue {
    /// Copied bytes: `buf[read..]` is still to be written.
    buf: BytesMut,
    read: usize,
    /// What is queued, in order, once a payload is shared. While it is empty, everything
    /// queued is the copied bytes `buf[read..]`: a queue that only ever copies (small frames)
    /// keeps no entries at all.
    entries: VecDeque<Entry>,
    len: usize,
    share_threshold: usize,
}

impl Default for FrameQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameQueue {
    /// An empty queue that shares payloads of [`DEFAULT_SHARE_THRESHOLD`] bytes or more.
    pub fn new() -> Self {
        Self::with_share_threshold(DEFAULT_SHARE_THRESHOLD)
    }

    /// An empty queue that shares payloads of `threshold` bytes or more (`usize::MAX`: never;
    /// 0: always).
    pub fn with_share_threshold(threshold: usize) -> Self {
        Self {
            buf: BytesMut::new(),
            read: 0,
            entries: VecDeque::new(),
            len: 0,
            share_threshold: threshold,
        }
    }

    /// The payload size from which payloads are shared.
    pub fn share_threshold(&self) -> usize {
        self.share_threshold
    }

    /// Bytes queued and not yet written.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Queues `packet`'s frame; returns its length. Its payload is shared when it is at least
    /// the share threshold, else copied. Nothing is queued when encoding fails.
    pub fn push<P: Encode + ?Sized>(
        &mut self,
        packet: &P,
        framing: Framing,
        options: &EncodeOptions,
    ) -> Result<usize, EncodeError> {
        let share = packet.shared_rest().is_some_and(|p| self.shares(p.len()));
        self.compact();
        let before = self.buf.len();
        let written = if share {
            let payload = encode_split(packet, framing, options, &mut self.buf)?;
            let head = self.buf.len().saturating_sub(before);
            self.copied(head);
            let n = payload.len();
            self.push_shared(payload);
            head.saturating_add(n)
        } else {
            // `BytesMut` grows as it is written: its `remaining_mut` is not its spare capacity.
            let n = packet.encode(framing, options, &mut self.buf)?;
            self.copied(n);
            n
        };
        self.len = self.len.saturating_add(written);
        Ok(written)
    }

    /// Queues an encoded frame (or any bytes): shared when at least the share threshold, else
    /// copied.
    pub fn push_frame(&mut self, frame: SharedFrame) {
        let SharedFrame { head, payload } = frame;
        for part in [head, payload] {
            self.push_bytes(part);
        }
    }

    /// Queues raw bytes: shared when at least the share threshold, else copied.
    pub fn push_bytes(&mut self, bytes: Bytes) {
        self.compact();
        self.append_payload(&bytes, false);
        self.len = self.len.saturating_add(bytes.len());
    }

    /// Moves what is left to write to the front of the write buffer once more than half of it
    /// has been written, so that a queue that is never empty does not grow without bound
    /// (each byte is moved at most once per halving: amortised constant time).
    #[inline]
    fn compact(&mut self) {
        if self.read > 4096 && self.read > self.buf.len() / 2 {
            let len = self.buf.len();
            self.buf.copy_within(self.read..len, 0);
            self.buf.truncate(len.saturating_sub(self.read));
            self.read = 0;
        }
    }

    /// Queues a frame given as its head (copied, then `patch`ed in place) and its payload
    /// (shared at or above the threshold, else copied); returns its length.
    fn push_parts(
        &mut self,
        head: &[u8],
        patch: impl FnOnce(&mut [u8]),
        payload: &Bytes,
        share: bool,
    ) -> usize {
        self.compact();
        let start = self.buf.len();
        self.buf.extend_from_slice(head);
        if let Some(written) = self.buf.get_mut(start..) {
            patch(written);
        }
        self.copied(head.len());
        self.append_payload(payload, share);
        let total = head.len().saturating_add(payload.len());
        self.len = self.len.saturating_add(total);
        total
    }

    /// Whether a payload of `len` bytes is shared rather than copied.
    fn shares(&self, len: usize) -> bool {
        len > 0 && len >= self.share_threshold
    }

    /// Appends a payload to what is queued: shared when `share` says so or by
    /// [`shares`](Self::shares), else copied.
    fn append_payload(&mut self, payload: &Bytes, share: bool) {
        if (share && !payload.is_empty()) || self.shares(payload.len()) {
            self.push_shared(payload.clone());
        } else {
            self.buf.extend_from_slice(payload);
            self.copied(payload.len());
        }
    }

    /// Records `n` more bytes appended to the write buffer. With no entries (nothing shared
    /// is queued) there is nothing to record: the copied bytes are the whole queue.
    #[inline]
    fn copied(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        match self.entries.back_mut() {
            None => {}
            Some(Entry::Copied(last)) => *last = last.saturating_add(n),
            Some(Entry::Shared(_)) => self.entries.push_back(Entry::Copied(n)),
        }
    }

    /// Queues a shared payload after everything queued so far.
    fn push_shared(&mut self, payload: Bytes) {
        if self.entries.is_empty() {
            // The copied bytes queued so far become the first entry.
            let copied = self.buf.len().saturating_sub(self.read);
            if copied > 0 {
                self.entries.push_back(Entry::Copied(copied));
            }
        }
        self.entries.push_back(Entry::Shared(payload));
    }
}

impl Buf for FrameQueue {
    fn remaining(&self) -> usize {
        self.len
    }

    fn chunk(&self) -> &[u8] {
        match self.entries.front() {
            Some(Entry::Copied(n)) => self
                .buf
                .get(self.read..self.read.saturating_add(*n))
                .unwrap_or_default(),
            Some(Entry::Shared(bytes)) => bytes,
            None => self.buf.get(self.read..).unwrap_or_default(),
        }
    }

    fn advance(&mut self, mut cnt: usize) {
        if cnt >= self.len {
            // Everything written (the usual case): drop the shared payloads, start the write
            // buffer over (keeping its allocation).
            self.entries.clear();
            self.buf.clear();
            self.read = 0;
            self.len = 0;
            return;
        }
        if self.entries.is_empty() {
            // Only copied bytes are queued (and `cnt` is less than all of them).
            self.read = self.read.saturating_add(cnt);
            self.len = self.len.saturating_sub(cnt);
            return;
        }
        while cnt > 0 {
            let Some(front) = self.entries.front_mut() else {
                break;
            };
            let (done, used) = match front {
                Entry::Copied(n) => {
                    let used = cnt.min(*n);
                    self.read = self.read.saturating_add(used);
                    *n = n.saturating_sub(used);
                    (*n == 0, used)
                }
                Entry::Shared(bytes) => {
                    let used = cnt.min(bytes.len());
                    bytes.advance(used);
                    (bytes.is_empty(), used)
                }
            };
            if done {
                self.entries.pop_front();
            }
            cnt = cnt.saturating_sub(used);
            self.len = self.len.saturating_sub(used);
        }
        if self.entries.is_empty() {
            // Everything written: start the write buffer over (keeps its allocation).
            self.buf.clear();
            self.read = 0;
        }
    }

    fn chunks_vectored<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        if self.entries.is_empty() {
            return match dst.first_mut() {
                Some(slot) if self.len > 0 => {
                    *slot = IoSlice::new(self.chunk());
                    1
                }
                _ => 0,
            };
        }
        let mut n = 0;
        let mut offset = self.read;
        for entry in &self.entries {
            let Some(slot) = dst.get_mut(n) else { break };
            let chunk: &[u8] = match entry {
                Entry::Copied(len) => {
                    let end = offset.saturating_add(*len);
                    let chunk = self.buf.get(offset..end).unwrap_or_default();
                    offset = end;
                    chunk
                }
                Entry::Shared(bytes) => bytes,
            };
            *slot = IoSlice::new(chunk);
            n = n.saturating_add(1);
        }
        n
    }
}

/// One server PUBLISH sent to many recipients: encoded once, then written per recipient with
/// its own msgId (and qos and dup), sharing the payload.
///
/// Only the msgId and the header byte differ between recipients, so the head is encoded once
/// and each recipient's copy is patched in place: the msgId is the head's last two bytes, the
/// header byte its first, and in stream framing the checksum (the header XOR the length bytes)
/// is patched with it. A recipient that needs another targetId gets its own `Fanout`
/// ([`retarget`](Self::retarget)), since the targetId changes the head's length.
///
/// For a single recipient, encode the PUBLISH straight into its connection's buffer
/// ([`Encode::encode`]) instead: encoding the head once and then copying it per recipient pays
/// off with many recipients, not with one (BENCHMARKS.md, run 19).
///
/// ```
/// use bytes::{Buf, Bytes};
/// use timwire_signal::queue::{Fanout, FrameQueue};
/// use timwire_signal::{Encode, EncodeOptions, Framing, QoS, ServerPublish};
///
/// let publish = ServerPublish::new(QoS::AtLeastOnce, 1_700_000_000, "timMsg", "group-7", 0, Bytes::from(vec![1u8; 4096]));
/// let fanout = Fanout::new(&publish, Framing::Stream, &EncodeOptions::default()).unwrap();
/// let mut queues: Vec<FrameQueue> = (0..3).map(|_| FrameQueue::new()).collect();
/// for (queue, msg_id) in queues.iter_mut().zip([7, 8, 9]) {
///     fanout.push(queue, msg_id);
/// }
/// // Byte for byte what encoding each recipient's PUBLISH gives.
/// let mut third = publish.clone();
/// third.msg_id = 9;
/// let expected = third.to_bytes(Framing::Stream, &EncodeOptions::default()).unwrap();
/// assert_eq!(queues[2].copy_to_bytes(expected.len()), expected);
/// ```
#[derive(Clone, Debug)]
pub struct Fanout {
    /// The encoded head of `publish`, up to its data.
    head: Head,
    /// The message (its msgId is replaced per recipient; its data is the shared payload).
    publish: ServerPublish<Bytes>,
    framing: Framing,
    options: EncodeOptions,
    /// Share the payload with every recipient ([`Fanout::for_recipients`]).
    share: bool,
}

/// The longest head a [`Fanout`] keeps inline: a stream prefix (up to 6 bytes), the date, the
/// topic, the targetId (each with its length) and the msgId leave 64 bytes for the two strings,
/// more than a topic and a user or group id need. A longer head goes to the heap.
const INLINE_HEAD: usize = 80;

/// A [`Fanout`]'s encoded head: inline when it fits, so that setting up a fan-out allocates
/// nothing.
#[derive(Clone, Debug)]
enum Head {
    Inline {
        bytes: [u8; INLINE_HEAD],
        len: usize,
    },
    Heap(Vec<u8>),
}

impl Head {
    /// Encodes `publish` up to its data.
    #[inline]
    fn encode(
        publish: &ServerPublish<Bytes>,
        framing: Framing,
        options: &EncodeOptions,
    ) -> Result<Self, EncodeError> {
        let body = publish.body_len(options.text)?;
        let len = frame_len(body, framing, options)?.saturating_sub(publish.data.len());
        // The data of a `Bytes`-backed PUBLISH is always written apart (shared or copied per
        // recipient): the head ends at the msgId.
        if len <= INLINE_HEAD {
            let mut bytes = [0u8; INLINE_HEAD];
            let mut dst: &mut [u8] = &mut bytes;
            write_head(&mut dst, publish.header(), body, framing)?;
            publish.write_body_prefix(&mut dst, options.text);
            Ok(Self::Inline { bytes, len })
        } else {
            let mut dst = Vec::with_capacity(len);
            write_head(&mut dst, publish.header(), body, framing)?;
            publish.write_body_prefix(&mut dst, options.text);
            Ok(Self::Heap(dst))
        }
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            Self::Inline { bytes, len } => bytes.get(..*len).unwrap_or_default(),
            Self::Heap(bytes) => bytes,
        }
    }
}

impl Fanout {
    /// Encodes `publish` once (its msgId is replaced per recipient). Fails as encoding it would.
    pub fn new(
        publish: &ServerPublish<Bytes>,
        framing: Framing,
        options: &EncodeOptions,
    ) -> Result<Self, EncodeError> {
        Self::from_publish(publish.clone(), framing, options)
    }

    /// Like [`new`](Self::new), taking the message: no reference taken on its payload, nothing
    /// allocated unless its topic and targetId are longer than 64 bytes together.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use timwire_signal::queue::{Fanout, FrameQueue};
    /// use timwire_signal::{EncodeOptions, Framing, QoS, ServerPublish};
    ///
    /// let publish = ServerPublish::new(QoS::AtLeastOnce, 0, "s_msg", "alice", 0, Bytes::from_static(b"payload"));
    /// let fanout = Fanout::from_publish(publish, Framing::Message, &EncodeOptions::default()).unwrap();
    /// assert_eq!(fanout.frame_len(), 1 + 4 + 7 + 7 + 2 + 7);
    /// ```
    #[inline]
    pub fn from_publish(
        publish: ServerPublish<Bytes>,
        framing: Framing,
        options: &EncodeOptions,
    ) -> Result<Self, EncodeError> {
        Ok(Self {
            head: Head::encode(&publish, framing, options)?,
            publish,
            framing,
            options: *options,
            share: false,
        })
    }

    /// Tells the fan-out how many recipients it will be pushed to: when copying the payload
    /// to every one of them would write more than [`FANOUT_COPY_BUDGET`] bytes, every push
    /// shares it, whatever the queues' share thresholds (see the module docs). Without this,
    /// each queue decides by its threshold.
    ///
    /// ```
    /// use bytes::{Buf, Bytes};
    /// use timwire_signal::queue::{Fanout, FrameQueue};
    /// use timwire_signal::{EncodeOptions, Framing, QoS, ServerPublish};
    ///
    /// let publish = ServerPublish::new(QoS::AtLeastOnce, 0, "timMsg", "group-7", 0, Bytes::from(vec![7u8; 1024]));
    /// let options = EncodeOptions::default();
    /// let mut queues: Vec<FrameQueue> = (0..100).map(|_| FrameQueue::new()).collect();
    /// let fanout = Fanout::from_publish(publish, Framing::Stream, &options)
    ///     .unwrap()
    ///     .for_recipients(queues.len()); // 100 KiB to copy: shared instead
    /// assert!(fanout.shares());
    /// for (queue, msg_id) in queues.iter_mut().zip(1..) {
    ///     fanout.push(queue, msg_id);
    /// }
    /// let mut slices = [std::io::IoSlice::new(&[]); 2];
    /// assert_eq!(queues[0].chunks_vectored(&mut slices), 2); // head, then the shared payload
    /// ```
    #[must_use]
    #[inline]
    pub fn for_recipients(mut self, recipients: usize) -> Self {
        self.share = self.publish.data.len().saturating_mul(recipients) > FANOUT_COPY_BUDGET;
        self
    }

    /// Whether every push shares the payload ([`for_recipients`](Self::for_recipients));
    /// otherwise each queue decides by its share threshold.
    pub fn shares(&self) -> bool {
        self.share
    }

    /// The same message with another targetId (encodes the head again; keeps
    /// [`shares`](Self::shares)).
    pub fn retarget(&self, target_id: &str) -> Result<Self, EncodeError> {
        let publish = ServerPublish {
            target_id: Text::from(target_id),
            ..self.publish.clone()
        };
        let mut retargeted = Self::from_publish(publish, self.framing, &self.options)?;
        retargeted.share = self.share;
        Ok(retargeted)
    }

    /// The shared payload.
    pub fn payload(&self) -> &Bytes {
        &self.publish.data
    }

    /// The frame's length on the wire.
    pub fn frame_len(&self) -> usize {
        self.head
            .as_slice()
            .len()
            .saturating_add(self.publish.data.len())
    }

    /// Queues the frame for one recipient with `msg_id` and the message's flags.
    #[inline]
    pub fn push(&self, queue: &mut FrameQueue, msg_id: u16) -> usize {
        queue.push_parts(
            self.head.as_slice(),
            |head| patch_msg_id(head, msg_id),
            &self.publish.data,
            self.share,
        )
    }

    /// Queues the frame for one recipient with `msg_id`, `qos` and `dup` (retain as in the
    /// message).
    pub fn push_with(&self, queue: &mut FrameQueue, msg_id: u16, qos: QoS, dup: bool) -> usize {
        let flags = Flags {
            qos,
            dup,
            ..self.publish.flags
        };
        let framing = self.framing;
        queue.push_parts(
            self.head.as_slice(),
            |head| {
                patch_msg_id(head, msg_id);
                patch_flags(head, flags, framing);
            },
            &self.publish.data,
            self.share,
        )
    }

    /// Writes the whole frame for one recipient into `dst` (the copy path, for a writer that
    /// takes one buffer, such as a tokio-util `Encoder`).
    pub fn write(&self, dst: &mut BytesMut, msg_id: u16) -> usize {
        let start = dst.len();
        dst.extend_from_slice(self.head.as_slice());
        if let Some(head) = dst.get_mut(start..) {
            patch_msg_id(head, msg_id);
        }
        dst.extend_from_slice(&self.publish.data);
        self.frame_len()
    }

    /// The frame for one recipient as a [`SharedFrame`] (its head in a new small buffer).
    pub fn frame(&self, msg_id: u16) -> SharedFrame {
        let mut head = BytesMut::from(self.head.as_slice());
        patch_msg_id(&mut head, msg_id);
        SharedFrame {
            head: head.freeze(),
            payload: self.publish.data.clone(),
        }
    }
}

/// The msgId is the last field before the payload: the head's last two bytes.
fn patch_msg_id(head: &mut [u8], msg_id: u16) {
    if let Some([hi, lo]) = head.last_chunk_mut::<2>() {
        [*hi, *lo] = msg_id.to_be_bytes();
    }
}

/// The header byte is the head's first; in stream framing the checksum that follows it is the
/// header XOR the length bytes, so it changes by the same bits.
fn patch_flags(head: &mut [u8], flags: Flags, framing: Framing) {
    let Some(first) = head.first_mut() else {
        return;
    };
    let old = *first;
    let new = Header::new(MessageType::PUBLISH, flags).to_byte();
    *first = new;
    if framing == Framing::Stream {
        if let Some(checksum) = head.get_mut(1) {
            *checksum ^= old ^ new;
        }
    }
}

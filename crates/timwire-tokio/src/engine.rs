//! What the driver loop needs from either engine, and the pieces of the loop both drivers
//! share: moving packets from the engine into the writer under the high-water mark, feeding
//! input, and the clock.

use std::time::Instant;

use bytes::{Bytes, BytesMut};
use timwire_session::{ClientSession, ServerSession};
use timwire_signal::{ClientPacket, Encode, ServerPacket};

use crate::error::{End, TransportError};
use crate::transport::{Input, Reader, Writer};

/// The driver surface shared by [`ClientSession`] and [`ServerSession`].
pub(crate) trait Engine {
    type Out: Encode;
    fn poll_transmit(&mut self, now: Instant) -> Option<Self::Out>;
    fn handle_bytes(&mut self, now: Instant, data: &[u8]);
    fn handle_message(&mut self, now: Instant, message: Bytes);
    fn wants_read(&self) -> bool;
}

macro_rules! engine {
    ($session:ty, $out:ty) => {
        impl Engine for $session {
            type Out = $out;
            fn poll_transmit(&mut self, now: Instant) -> Option<Self::Out> {
                <$session>::poll_transmit(self, now)
            }
            fn handle_bytes(&mut self, now: Instant, data: &[u8]) {
                <$session>::handle_bytes(self, now, data)
            }
            fn handle_message(&mut self, now: Instant, message: Bytes) {
                <$session>::handle_message(self, now, message)
            }
            fn wants_read(&self) -> bool {
                <$session>::wants_read(self)
            }
        }
    };
}

engine!(ServerSession, ServerPacket<Bytes>);
engine!(ClientSession, ClientPacket<Bytes>);

/// The most commands a driver takes in one turn of its loop once one has arrived: the rest
/// already queued go with it, and their frames leave in one write.
pub(crate) const COMMAND_BATCH: usize = 64;

/// A driver loop that takes the app's commands (either role), for [`apply_queued`].
pub(crate) trait TakesCommands {
    type Command;
    /// Whether another command may be taken now (nothing parked, the session open, the
    /// socket's queue under `high_water`).
    fn has_room(&self, high_water: usize) -> bool;
    /// The next command already queued, without waiting.
    fn try_recv(&mut self) -> Option<Self::Command>;
    /// Hands a command to the engine; `Some` ends the connection.
    fn apply(&mut self, command: Self::Command) -> Option<End>;
}

/// Takes the commands already queued (at most [`COMMAND_BATCH`]) while the driver has room,
/// so that their frames leave in one write instead of one write per command.
pub(crate) fn apply_queued<D: TakesCommands>(driver: &mut D, high_water: usize) -> Option<End> {
    for _ in 0..COMMAND_BATCH {
        if !driver.has_room(high_water) {
            break;
        }
        let Some(command) = driver.try_recv() else {
            break;
        };
        if let Some(end) = driver.apply(command) {
            return Some(end);
        }
    }
    None
}

/// The current time, from tokio's clock (so tests with a paused clock drive the engine too).
pub(crate) fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// Moves the engine's packets into the writer until it holds `high_water` bytes (all of them
/// when `high_water` is `usize::MAX`).
pub(crate) fn pump_transmits<E: Engine>(
    session: &mut E,
    writer: &mut Writer,
    high_water: usize,
) -> Result<(), TransportError> {
    while writer.buffered() < high_water {
        match session.poll_transmit(now()) {
            Some(packet) => writer.feed(&packet)?,
            None => break,
        }
    }
    Ok(())
}

/// Feeds what a read gave to the engine, then the frames already waiting behind it
/// ([`feed_ready`]): what both drivers do after each read. `Err` is the connection's end: the
/// stream ended, or the read failed.
pub(crate) fn on_read<E: Engine>(
    session: &mut E,
    reader: &mut Reader,
    input: Result<Input, TransportError>,
    buf: &mut BytesMut,
) -> Result<(), End> {
    if !feed_input(session, input?, buf) {
        return Err(End::PeerGone);
    }
    match feed_ready(session, reader, buf) {
        Ok(true) => Ok(()),
        Ok(false) => Err(End::PeerGone),
        Err(e) => Err(e.into()),
    }
}

/// Feeds what a read gave to the engine; `false` at end of stream.
fn feed_input<E: Engine>(session: &mut E, input: Input, buf: &mut BytesMut) -> bool {
    match input {
        Input::Bytes => {
            session.handle_bytes(now(), buf);
            buf.clear();
            true
        }
        Input::Message(message) => {
            session.handle_message(now(), message);
            true
        }
        Input::Eof => false,
    }
}

/// The most frames a driver feeds in one turn of its loop after a read ([`feed_ready`]).
pub(crate) const READ_BATCH: usize = 64;

/// After a read, feeds the frames already waiting ([`Reader::read_now`]; at most
/// [`READ_BATCH`]) while the engine takes input, so that a burst of WebSocket frames is
/// handled in one turn of the loop and its answers leave in one write, instead of one turn,
/// one wake-up and one write per frame. `Ok(false)` at end of stream.
///
/// The driver reads only while its event slot is empty and the writer is under its high-water
/// mark; neither changes here (events and frames leave the engine at the top of the loop),
/// and the engine's own queues are bounded by `wants_read`, checked before every frame.
fn feed_ready<E: Engine>(
    session: &mut E,
    reader: &mut Reader,
    buf: &mut BytesMut,
) -> Result<bool, TransportError> {
    for _ in 0..READ_BATCH {
        if !session.wants_read() {
            break;
        }
        let Some(input) = reader.read_now() else {
            break;
        };
        if !feed_input(session, input?, buf) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A driver loop's timer: one tokio `Sleep` kept for the connection's life and moved to each
/// new deadline (moving it later is cheap in tokio, a new `Sleep` per turn of the loop is not).
pub(crate) struct Timer {
    sleep: std::pin::Pin<Box<tokio::time::Sleep>>,
    /// The deadline the sleep is set to; `None`: no deadline (waits forever).
    armed: Option<Instant>,
}

impl Timer {
    pub(crate) fn new() -> Self {
        Self {
            sleep: Box::pin(tokio::time::sleep_until(tokio::time::Instant::now())),
            armed: None,
        }
    }

    /// Sets the deadline (`None`: none).
    pub(crate) fn set(&mut self, deadline: Option<Instant>) {
        if deadline != self.armed {
            if let Some(d) = deadline {
                self.sleep.as_mut().reset(tokio::time::Instant::from_std(d));
            }
            self.armed = deadline;
        }
    }

    /// Waits until the deadline (forever when there is none). Cancel-safe; once it has
    /// fired the timer is unset until the next [`set`](Self::set).
    pub(crate) async fn wait(&mut self) {
        if self.armed.is_none() {
            return std::future::pending().await;
        }
        self.sleep.as_mut().await;
        self.armed = None;
    }
}

//! One server connection's task: the transport handshake, then the driver loop around a
//! [`ServerSession`].

// Pushes by request, looked up on every PUBACK (see the root Cargo.toml for why foldhash).
use foldhash::HashMap;
use std::net::SocketAddr;

use bytes::BytesMut;
use timwire_session::{RequestId, ServerEvent, ServerSession, SubmitError};
use timwire_signal::DisconnectStatus;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use super::{Command, Connection, ConnectionId, Event, Shared};
use crate::engine::{self, now};
use crate::error::End;
use crate::transport::{self, Reader, Transport, Writer};
use crate::ws::{self, Admission};

/// Runs one connection to its end, reporting to the app.
pub(super) async fn run(
    stream: TcpStream,
    peer: SocketAddr,
    transport: Transport,
    id: ConnectionId,
    shared: &Shared,
) {
    // Small request/answer frames: Nagle would add delayed-ACK stalls.
    let _ = stream.set_nodelay(true);
    let config = &shared.config;
    let options = config.session.encode_options();
    let (reader, writer, request) = match transport {
        Transport::Tcp => {
            let (r, w) = transport::split_tcp(stream, options);
            (r, w, None)
        }
        Transport::Ws => {
            let max_message = config.session.limits.max_body.saturating_add(16);
            let acceptor = ws::Acceptor {
                admit: &shared.admit,
                http: shared.http.as_ref(),
                max_head: config.max_http_head,
                max_message,
            };
            let upgrade = ws::accept(stream, &acceptor);
            match tokio::time::timeout(config.upgrade_timeout, upgrade).await {
                Ok(Ok(Some((socket, request, admission)))) => {
                    let (r, w) = transport::split_ws(socket, options);
                    (r, w, Some((request, admission)))
                }
                // Refused, failed or too slow: no connection to report.
                _ => return,
            }
        }
    };
    let session_config = config.session.clone().with_framing(transport.framing());
    let session = match request {
        Some((_, Admission::WithoutConnect)) => {
            ServerSession::without_connect(session_config, now())
        }
        _ => ServerSession::new(session_config, now()),
    };
    let (commands_tx, commands) = mpsc::channel(config.commands.max(1));
    let conn = Connection {
        id,
        commands: commands_tx,
    };
    let opened = Event::Opened {
        conn,
        peer,
        transport,
        request,
    };
    if shared.events.send(opened).await.is_err() {
        return;
    }
    let mut driver = Driver {
        id,
        session,
        reader,
        writer,
        commands,
        shared,
        tags: HashMap::default(),
        parked: None,
        slot: None,
        closed_reason: None,
        shutting_down: false,
    };
    let end = driver.run().await;
    driver.finish(end).await;
}

impl engine::TakesCommands for Driver<'_> {
    type Command = Command;
    fn has_room(&self, high_water: usize) -> bool {
        self.parked.is_none() && !self.session.is_closed() && self.writer.buffered() < high_water
    }
    fn try_recv(&mut self) -> Option<Command> {
        self.commands.try_recv().ok()
    }
    fn apply(&mut self, command: Command) -> Option<End> {
        Driver::apply(self, command)
    }
}

struct Driver<'a> {
    id: ConnectionId,
    session: ServerSession,
    reader: Reader,
    writer: Writer,
    commands: mpsc::Receiver<Command>,
    shared: &'a Shared,
    /// Pushes awaiting their PUBACK: request → the app's tag (bounded by the publish window).
    tags: HashMap<RequestId, u64>,
    /// A command the engine could not take yet (window or transmit queue full).
    parked: Option<Command>,
    /// An event waiting for room in the event channel.
    slot: Option<Event>,
    closed_reason: Option<timwire_session::CloseReason>,
    shutting_down: bool,
}

impl Driver<'_> {
    async fn run(&mut self) -> End {
        let high_water = self.shared.config.high_water;
        let mut shutdown = self.shared.shutdown.clone();
        // The shutdown signal and the timer live across turns of the loop: made anew on every
        // turn they cost a registration and a removal for each event.
        let shutdown_signal = shutdown.wait_for(Option::is_some);
        tokio::pin!(shutdown_signal);
        let mut timer = engine::Timer::new();
        // Empty until bytes arrive (the reader makes room then): an idle connection holds no
        // read buffer.
        let mut buf = BytesMut::new();
        loop {
            // A parked command first, then whatever it queued goes out.
            if let Some(command) = self.parked.take() {
                if let Some(end) = self.apply(command) {
                    return end;
                }
            }
            if let Err(e) = engine::pump_transmits(&mut self.session, &mut self.writer, high_water)
            {
                return e.into();
            }
            self.pump_events();
            if self.session.is_closed() && self.slot.is_none() {
                return match self.closed_reason.take() {
                    Some(reason) => End::Session(reason),
                    None => End::Aborted,
                };
            }
            timer.set(self.session.poll_timeout());
            let room = self.writer.buffered() < high_water;
            let take_commands = room && self.parked.is_none() && !self.session.is_closed();
            let read = room && self.slot.is_none() && self.session.wants_read();
            let flush = self.writer.buffered() > 0;
            tokio::select! {
                biased;
                status = &mut shutdown_signal, if !self.shutting_down => {
                    self.shutting_down = true;
                    let status = status.ok().and_then(|s| *s).unwrap_or(DisconnectStatus::REMOTE_CLOSE);
                    let _ = self.session.disconnect(now(), status);
                }
                written = self.writer.flush(), if flush => {
                    if let Err(e) = written {
                        return e.into();
                    }
                }
                permit = self.shared.events.reserve(), if self.slot.is_some() => {
                    // When the app is gone the event is dropped.
                    if let (Ok(permit), Some(event)) = (permit, self.slot.take()) {
                        permit.send(event);
                    }
                }
                command = self.commands.recv(), if take_commands => {
                    // Every handle dropped: the app can no longer answer; keep serving the
                    // session (the engine's timeouts will end it).
                    if let Some(command) = command {
                        if let Some(end) = self.apply(command) {
                            return end;
                        }
                        if let Some(end) = engine::apply_queued(self, high_water) {
                            return end;
                        }
                    } else if !self.session.is_connected() {
                        let _ = self.session.disconnect(now(), DisconnectStatus::REMOTE_CLOSE);
                    }
                }
                input = self.reader.read(&mut buf), if read => {
                    if let Err(end) =
                        engine::on_read(&mut self.session, &mut self.reader, input, &mut buf)
                    {
                        return end;
                    }
                    // What was read is handled (the buffer is empty, its room kept): the next
                    // read reuses it while the connection is busy and gives it back when
                    // there is nothing to read (`Reader::read`).
                }
                () = timer.wait() => self.session.handle_timeout(now()),
            }
        }
    }

    /// Moves engine events into the event channel while it has room; one waits in `slot`.
    fn pump_events(&mut self) {
        while self.slot.is_none() {
            let Some(event) = self.session.poll_event() else {
                return;
            };
            let Some(event) = self.map_event(event) else {
                continue;
            };
            match self.shared.events.try_send(event) {
                Ok(()) | Err(mpsc::error::TrySendError::Closed(_)) => {}
                Err(mpsc::error::TrySendError::Full(event)) => self.slot = Some(event),
            }
        }
    }

    fn map_event(&mut self, event: ServerEvent) -> Option<Event> {
        let conn = self.id;
        Some(match event {
            ServerEvent::Delivered { id, .. } => Event::Delivered {
                conn,
                tag: self.tags.remove(&id)?,
            },
            ServerEvent::TimedOut { id, .. } => Event::Undelivered {
                conn,
                tag: self.tags.remove(&id)?,
            },
            ServerEvent::WindowOpen { .. } => return None,
            ServerEvent::Closed { reason } => {
                self.closed_reason = Some(reason);
                return None;
            }
            event => Event::Session { conn, event },
        })
    }

    /// Hands a command to the engine. A full window or queue parks it until there is room.
    fn apply(&mut self, command: Command) -> Option<End> {
        let now = now();
        let s = &mut self.session;
        let result = match &command {
            Command::Accept(connack) => s.accept(now, connack.clone()),
            Command::Refuse(status) => s.refuse(now, *status),
            Command::AckPublish(ack) => s.ack_publish(now, ack.clone()),
            Command::AnswerQuery(ack) => s.answer_query(now, ack.clone()),
            Command::AckSubscribe(ack) => s.ack_subscribe(now, ack.clone()),
            Command::AckUnsubscribe(msg_id) => s.ack_unsubscribe(now, *msg_id),
            Command::Publish { publish, tag } => match s.publish(now, publish.clone()) {
                Ok(id) => {
                    if publish.flags.qos.needs_ack() {
                        self.tags.insert(id, *tag);
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            },
            Command::SyncCopy { publish, ack } => s
                .send_sync_copy(now, publish.clone(), ack.clone())
                .map(drop),
            Command::Disconnect(status) => s.disconnect(now, *status),
            Command::Abort => return Some(End::Aborted),
        };
        match result {
            Ok(()) => {}
            Err(SubmitError::WindowFull { .. } | SubmitError::QueueFull { .. }) => {
                self.parked = Some(command);
            }
            Err(error) => {
                let conn = self.id;
                let event = match command {
                    Command::Publish { tag, .. } => Event::Undelivered { conn, tag },
                    _ => Event::Refused { conn, error },
                };
                self.queue_event(event);
            }
        }
        None
    }

    fn queue_event(&mut self, event: Event) {
        if let Err(mpsc::error::TrySendError::Full(event)) = self.shared.events.try_send(event) {
            // Only reached with `slot` empty (commands are taken only then) or for a parked
            // command retried at the top of the loop; keep the earlier event first.
            match self.slot.take() {
                None => self.slot = Some(event),
                Some(first) => {
                    self.slot = Some(first);
                    self.parked_event(event);
                }
            }
        }
    }

    /// An event that found both the channel and the slot full: delivered asynchronously.
    fn parked_event(&self, event: Event) {
        let events = self.shared.events.clone();
        tokio::spawn(async move { events.send(event).await });
    }

    /// Writes what is left (the DISCONNECT included), closes the socket and reports the end.
    async fn finish(mut self, end: End) {
        let linger = self.shared.config.linger;
        if !matches!(end, End::Aborted | End::Transport(_)) {
            let _ = engine::pump_transmits(&mut self.session, &mut self.writer, usize::MAX);
            let _ = tokio::time::timeout(linger, self.writer.close()).await;
        }
        if !self.session.is_closed() {
            let _ = self
                .session
                .disconnect(now(), DisconnectStatus::REMOTE_CLOSE);
        }
        let events = &self.shared.events;
        if let Some(event) = self.slot.take() {
            let _ = events.send(event).await;
        }
        while let Some(event) = self.session.poll_event() {
            if let Some(event) = self.map_event(event) {
                let _ = events.send(event).await;
            }
        }
        let conn = self.id;
        for left in self.session.drain_unacknowledged() {
            if let Some(tag) = self.tags.remove(&left.id) {
                let _ = events.send(Event::Undelivered { conn, tag }).await;
            }
        }
        if let Some(Command::Publish { tag, .. }) = self.parked.take() {
            let _ = events.send(Event::Undelivered { conn, tag }).await;
        }
        self.commands.close();
        while let Ok(command) = self.commands.try_recv() {
            if let Command::Publish { tag, .. } = command {
                let _ = events.send(Event::Undelivered { conn, tag }).await;
            }
        }
        let _ = events.send(Event::Closed { conn, end }).await;
    }
}

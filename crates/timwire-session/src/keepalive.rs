//! Keep-alive: the client pings, the server closes silent connections.
//!
//! # Client
//!
//! The interval is the CONNECT's `keepAlive` seconds (the web SDK's default CONNECT says 30),
//! or [`Config::keep_alive`](crate::Config::keep_alive) when no CONNECT is sent; 0 turns
//! pinging off. Once connected:
//!
//! * when nothing was handed to the driver for one interval — or nothing complete came in for
//!   one interval — the engine queues a PINGREQ (one at a time);
//! * when no PINGRESP comes within [`Config::ping_timeout`](crate::Config::ping_timeout)
//!   (15 s, engine 4.x; web SDK 2.x waited 6 s), the connection is taken as gone:
//!   [`CloseReason::KeepAliveTimeout`](crate::CloseReason::KeepAliveTimeout), nothing sent;
//! * a PINGRESP when no PINGREQ is outstanding is a stray answer.
//!
//! The app may also ping at once with [`ClientSession::ping`](crate::ClientSession::ping) (to
//! check a connection after the network changed, or to measure the round trip): the same
//! PINGREQ, under the same timeout, whose PINGRESP is reported as
//! [`ClientEvent::Pong`](crate::ClientEvent::Pong). While a PINGREQ is outstanding no other is
//! sent; a request then only asks for the `Pong`.
//!
//! # Server
//!
//! A connection from which no complete frame came for 1.5× its keep-alive is closed with a
//! DISCONNECT ([`Config::close_status`](crate::Config::close_status)) and
//! [`CloseReason::IdleTimeout`](crate::CloseReason::IdleTimeout). The keep-alive is the
//! CONNECT's, cut to [`Config::max_keep_alive`](crate::Config::max_keep_alive) (600 s), with
//! [`Config::keep_alive`](crate::Config::keep_alive) standing in for 0; a zero result turns the
//! idle timeout off. Only complete frames count: a peer that sends half a frame and stops
//! (a slow loris) is closed like a silent one. Every PINGREQ is answered with a PINGRESP.
//!
//! ```
//! use std::time::Duration;
//! use timwire_session::keepalive::server_idle_limit;
//! use timwire_session::{Config, Profile};
//!
//! let config = Config::new(Profile::RongCloud);
//! assert_eq!(server_idle_limit(30, &config), Some(Duration::from_secs(45)));
//! assert_eq!(server_idle_limit(0, &config), Some(Duration::from_secs(45))); // config's 30 s
//! assert_eq!(server_idle_limit(u16::MAX, &config), Some(Duration::from_secs(900))); // cut to 600 s
//! ```

use std::time::{Duration, Instant};

use crate::config::Config;

/// How long a server lets a connection whose CONNECT said `keep_alive_secs` stay silent:
/// 1.5× the keep-alive (see the module docs), `None` for no limit.
pub fn server_idle_limit(keep_alive_secs: u16, config: &Config) -> Option<Duration> {
    let asked = match keep_alive_secs {
        0 => config.keep_alive,
        secs => Duration::from_secs(u64::from(secs)),
    };
    let keep_alive = asked.min(config.max_keep_alive);
    if keep_alive.is_zero() {
        return None;
    }
    keep_alive.checked_mul(3)?.checked_div(2)
}

/// The client's keep-alive state.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pinger {
    /// `None`: no pinging.
    pub(crate) interval: Option<Duration>,
    pub(crate) timeout: Duration,
    /// When the outstanding PINGREQ was queued.
    pub(crate) ping_sent: Option<Instant>,
    /// Whether the app asked for the outstanding PINGREQ's answer ([`ClientSession::ping`](crate::ClientSession::ping)).
    pub(crate) requested: bool,
}

/// What the keep-alive timer asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    Ping,
    GiveUp,
}

impl Pinger {
    pub(crate) fn new(interval: Duration, timeout: Duration) -> Self {
        Self {
            interval: (!interval.is_zero()).then_some(interval),
            timeout,
            ping_sent: None,
            requested: false,
        }
    }

    /// The next keep-alive deadline, given when a packet was last sent and received.
    /// An outstanding PINGREQ times out even with pinging off (the app's own ping).
    pub(crate) fn deadline(&self, last_sent: Instant, last_received: Instant) -> Option<Instant> {
        match self.ping_sent {
            Some(sent) => sent.checked_add(self.timeout),
            None => last_sent.min(last_received).checked_add(self.interval?),
        }
    }

    /// What is due at `now`.
    pub(crate) fn due(
        &self,
        now: Instant,
        last_sent: Instant,
        last_received: Instant,
    ) -> Option<Due> {
        let deadline = self.deadline(last_sent, last_received)?;
        if deadline > now {
            return None;
        }
        Some(if self.ping_sent.is_some() {
            Due::GiveUp
        } else {
            Due::Ping
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pings_then_gives_up() {
        let t = Instant::now();
        let s = |n| t.checked_add(Duration::from_secs(n)).unwrap();
        let mut p = Pinger::new(Duration::from_secs(30), Duration::from_secs(15));
        assert_eq!(p.deadline(t, t), Some(s(30)));
        assert_eq!(p.due(s(29), t, t), None);
        assert_eq!(p.due(s(30), t, t), Some(Due::Ping));
        // Traffic out but silence in still pings.
        assert_eq!(p.deadline(s(20), t), Some(s(30)));
        p.ping_sent = Some(s(30));
        assert_eq!(p.due(s(44), t, t), None);
        assert_eq!(p.due(s(45), t, t), Some(Due::GiveUp));
        let mut off = Pinger::new(Duration::ZERO, Duration::from_secs(15));
        assert_eq!(off.deadline(t, t), None);
        // The app's own ping times out with pinging off too.
        off.ping_sent = Some(s(1));
        assert_eq!(off.deadline(t, t), Some(s(16)));
        assert_eq!(off.due(s(16), t, t), Some(Due::GiveUp));
    }
}

//! Session configuration: the profile (delivery model), framing, timings and limits.

use std::time::Duration;

use timwire_signal::{DisconnectStatus, EncodeOptions, Framing, TextEncoding};

use crate::limits::Limits;

/// Which delivery model the session follows for qos ≥ 1 PUBLISHes (WIRE.md §6).
///
/// * [`RongCloud`](Self::RongCloud): **no retransmission.** The server stores a message, pushes
///   it (`s_msg`, qos 1) to an online recipient or notifies it (`s_ntf`); the client pulls with
///   a QUERY from its sync time and the engine confirms qos-1 answers with QUERYCON. A lost
///   PUBLISH is recovered by the next pull, also across reconnects, so an unanswered request
///   only times out ([`Config::request_timeout`]) and is reported to the app.
/// * [`Tim`](Self::Tim): unacknowledged qos ≥ 1 PUBLISHes are **resent**, in both directions,
///   every [`Config::retransmit_interval`] up to [`Config::max_retransmits`] times (tim's
///   server waits 10 s and resends twice), then time out. A client's resend sets the dup bit
///   (a retransmission on C→S); a server's resend never does, because dup on a S→C PUBLISH
///   means "sync copy". The receiver drops the copies it already has (see
///   [`dedup`](crate::dedup)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// RongCloud's store → push/notify → pull → QUERYCON model, no retransmission.
    #[default]
    RongCloud,
    /// tim's model: resend unacknowledged PUBLISHes.
    Tim,
}

/// How a session behaves; one value serves both roles (fields say which role uses them).
///
/// ```
/// use std::time::Duration;
/// use timwire_session::{Config, Profile};
///
/// let mut config = Config::new(Profile::Tim);
/// config.request_timeout = Duration::from_secs(20);
/// config.limits.max_inflight_publishes = 8;
/// assert_eq!(config.retransmit_interval, Duration::from_secs(10));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Config {
    /// The delivery model.
    pub profile: Profile,
    /// How `handle_bytes` splits input and `poll_transmit_bytes` writes frames: stream (TCP,
    /// the default) or message (one frame per WebSocket message).
    pub framing: Framing,
    /// How strings are encoded (UTF-8 unless the peer needs CESU-8).
    pub text: TextEncoding,
    /// Client: the keep-alive interval when no CONNECT is sent (web SDK style); a CONNECT's own
    /// `keep_alive` seconds win otherwise. Server: the keep-alive assumed when the CONNECT says
    /// 0 or none is received. Default 30 s (web SDK 2.x).
    pub keep_alive: Duration,
    /// Server: the longest keep-alive a CONNECT may ask for; longer ones are cut to it, so an
    /// idle connection is closed after at most 1.5× this. Default 600 s (tim's `ping_timeout`).
    pub max_keep_alive: Duration,
    /// Client: how long to wait for a PINGRESP before giving up on the connection. Default 15 s
    /// (engine 4.x; web SDK 2.x waited 6 s).
    pub ping_timeout: Duration,
    /// How long a request waits for its answer before the app is told it timed out: a qos ≥ 1
    /// PUBLISH its PUBACK, a QUERY its QUERYACK, a SUBSCRIBE/UNSUBSCRIBE its SUBACK/UNSUBACK,
    /// (server) a qos-1 QUERYACK its QUERYCON, (client) a sync copy its PUBACK. Default 30 s
    /// (web SDK 2.5.3's `MessageCallback`).
    pub request_timeout: Duration,
    /// [`Profile::Tim`]: how long after sending a qos ≥ 1 PUBLISH without a PUBACK it is sent
    /// again. Default 10 s (tim's `WaitTimeout`). Zero disables resending.
    pub retransmit_interval: Duration,
    /// [`Profile::Tim`]: how many times a PUBLISH is resent at most. Default 2 (tim).
    pub max_retransmits: u32,
    /// How long the handshake may take: client, from start to CONNACK; server, from start to
    /// the app's accept or refuse. Default 10 s.
    pub handshake_timeout: Duration,
    /// The DISCONNECT status sent when the engine closes a connection itself (protocol
    /// violation, server idle or handshake timeout). Default REMOTE_CLOSE (3).
    pub close_status: DisconnectStatus,
    /// The first msgId handed out (0 counts as 1). RongCloud's SDKs start at 1 on every
    /// connection; web SDK 2.x in comet mode resumed a stored value.
    pub first_msg_id: u16,
    /// The tables' limits.
    pub limits: Limits,
}

impl Default for Config {
    fn default() -> Self {
        Self::new(Profile::default())
    }
}

impl Config {
    /// The defaults, for `profile`.
    pub fn new(profile: Profile) -> Self {
        Self {
            profile,
            framing: Framing::Stream,
            text: TextEncoding::Utf8,
            keep_alive: Duration::from_secs(30),
            max_keep_alive: Duration::from_secs(600),
            ping_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(30),
            retransmit_interval: Duration::from_secs(10),
            max_retransmits: 2,
            handshake_timeout: Duration::from_secs(10),
            close_status: DisconnectStatus::REMOTE_CLOSE,
            first_msg_id: 1,
            limits: Limits::default(),
        }
    }

    /// The same configuration with `framing`.
    pub fn with_framing(mut self, framing: Framing) -> Self {
        self.framing = framing;
        self
    }

    /// The encoder options this configuration implies.
    pub fn encode_options(&self) -> EncodeOptions {
        EncodeOptions {
            text: self.text,
            max_body: self.limits.max_body,
        }
    }

    /// Whether unacknowledged PUBLISHes are resent.
    pub(crate) fn resends(&self) -> bool {
        self.profile == Profile::Tim
            && self.max_retransmits > 0
            && !self.retransmit_interval.is_zero()
    }
}

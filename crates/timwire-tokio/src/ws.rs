//! The WebSocket acceptor: the HTTP upgrade request is shown to the app, which admits or
//! refuses the connection before any frame.
//!
//! RongCloud's web SDK sends no CONNECT: it authenticates in the URL
//! (`/websocket?appId=…&token=…&sdkVer=…&apiVer=…`) and waits for the server's CONNACK. An
//! [`Admit`] function sees the [`WsRequest`] and answers [`Admission::WithoutConnect`] for
//! such clients (the server then speaks first, once the app accepts the connection),
//! [`Admission::Connect`] for clients that send a CONNECT, or [`Admission::Refuse`] with an
//! HTTP status. Plain HTTP requests on the same port (no `Upgrade: websocket`) go to the
//! [`HttpHandler`] instead ([`http`]).

use std::sync::Arc;

use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderMap, StatusCode};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::error::TransportError;
use crate::http::{self, HeadError, HttpHandler, HttpResponse};
use crate::prefixed::Prefixed;

/// The HTTP request that opened a WebSocket connection.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct WsRequest {
    /// The path, e.g. `/websocket`.
    pub path: String,
    /// The query string without `?`, e.g. `appId=…&token=…`.
    pub query: Option<String>,
    /// The request headers.
    pub headers: HeaderMap,
}

impl WsRequest {
    /// A request for `path` and `query`, without headers.
    pub fn new(path: impl Into<String>, query: Option<String>) -> Self {
        Self {
            path: path.into(),
            query,
            headers: HeaderMap::new(),
        }
    }

    /// The first value of query parameter `name` (not percent-decoded).
    ///
    /// ```
    /// use timwire_tokio::WsRequest;
    ///
    /// let request = WsRequest::new("/websocket", Some("appId=k1&token=t%3D&sdkVer=2.5".into()));
    /// assert_eq!(request.param("token"), Some("t%3D"));
    /// assert_eq!(request.param("apiVer"), None);
    /// ```
    pub fn param(&self, name: &str) -> Option<&str> {
        http::query_param(self.query.as_deref(), name)
    }
}

/// What to do with a WebSocket connection, decided from its [`WsRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Admission {
    /// Upgrade; the client sends CONNECT first (native-style clients).
    #[default]
    Connect,
    /// Upgrade; the client sends no CONNECT (RongCloud's web SDK): the app accepts or refuses
    /// on [`Event::Opened`](crate::server::Event::Opened) and the CONNACK is the first frame.
    WithoutConnect,
    /// Answer the upgrade with this HTTP status (4xx/5xx) and close.
    Refuse(u16),
}

/// The function that admits WebSocket connections. It runs inside the handshake, so it must
/// not block; refusing is cheap (no frame is read).
pub type Admit = Arc<dyn Fn(&WsRequest) -> Admission + Send + Sync>;

/// How the acceptor treats a new connection's request.
pub(crate) struct Acceptor<'a> {
    pub(crate) admit: &'a Admit,
    pub(crate) http: Option<&'a HttpHandler>,
    pub(crate) max_head: usize,
    pub(crate) max_message: usize,
}

/// Reads the request head of `stream`: answers a plain HTTP request (see [`http`]) or
/// completes the upgrade, asking `admit`. Returns the socket, the request and the admission;
/// `Ok(None)` when the request was answered over HTTP or refused.
pub(crate) async fn accept(
    mut stream: TcpStream,
    acceptor: &Acceptor<'_>,
) -> Result<Option<(WebSocketStream<Prefixed>, WsRequest, Admission)>, TransportError> {
    let head = match http::read_head(&mut stream, acceptor.max_head).await {
        Ok(head) => head,
        Err(HeadError::Closed) => return Ok(None),
        Err(HeadError::Io(e)) => return Err(e.into()),
        Err(HeadError::TooLarge) => {
            let refusal = HttpResponse::new(431, "request head too large");
            http::answer(&mut stream, &refusal, "GET").await?;
            return Ok(None);
        }
        Err(HeadError::Malformed) => {
            let refusal = HttpResponse::new(400, "not an HTTP/1.x request");
            http::answer(&mut stream, &refusal, "GET").await?;
            return Ok(None);
        }
    };
    if !head.upgrade {
        let response = http::respond(acceptor.http, &head.request);
        http::answer(&mut stream, &response, &head.request.method).await?;
        return Ok(None);
    }
    let stream = Prefixed::new(head.bytes, stream);
    let admit = acceptor.admit;
    let mut seen = None;
    #[allow(clippy::result_large_err)] // tungstenite's callback signature
    let callback = |request: &Request, response: Response| {
        let ws_request = WsRequest {
            path: request.uri().path().to_owned(),
            query: request.uri().query().map(str::to_owned),
            headers: request.headers().clone(),
        };
        let admission = admit(&ws_request);
        seen = Some((ws_request, admission));
        match admission {
            Admission::Refuse(code) => {
                let mut refusal = ErrorResponse::new(None);
                *refusal.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::FORBIDDEN);
                Err(refusal)
            }
            Admission::Connect | Admission::WithoutConnect => Ok(response),
        }
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(acceptor.max_message))
        .max_frame_size(Some(acceptor.max_message))
        .read_buffer_size(crate::transport::WS_READ_BUFFER);
    let result =
        tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config)).await;
    match (result, seen) {
        (Ok(ws), Some((request, admission))) => Ok(Some((ws, request, admission))),
        (Err(_), Some((_, Admission::Refuse(_)))) => Ok(None),
        (Ok(_), None) => Ok(None),
        (Err(e), _) => Err(TransportError::WebSocket(Box::new(e))),
    }
}

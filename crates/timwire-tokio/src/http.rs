//! Plain HTTP on the WebSocket port: the requests a web SDK makes before it opens its
//! WebSocket, answered by the app's [`HttpHandler`].
//!
//! RongCloud's web SDK probes `GET /ping` on the host it connects to and fetches its navigation
//! (`GET /navi.js?…`) from a configurable address, which can be the same port
//! (docs/PROTOCOL.md §11). The WebSocket acceptor reads each connection's request head itself:
//!
//! * at most [`ServerConfig::max_http_head`](crate::server::ServerConfig::max_http_head) bytes
//!   (8 KiB by default; more is answered `431` and closed) and within
//!   [`ServerConfig::upgrade_timeout`](crate::server::ServerConfig::upgrade_timeout), at most
//!   64 header lines;
//! * a request with `Upgrade: websocket` goes on to the WebSocket handshake, the bytes already
//!   read replayed to it, and from there to the [`Admit`](crate::Admit) function;
//! * any other request is answered and the connection closed (no keep-alive: every answer says
//!   `Connection: close`; a browser simply opens a new connection for its next request).
//!   `OPTIONS` (a CORS preflight) is answered `204` by the driver; every other method goes to
//!   the handler, whose `None` is `404`. Without a handler every such request is `426 Upgrade
//!   Required`.
//!
//! **CORS.** Every answer the driver writes carries `Access-Control-Allow-Origin: *` unless the
//! handler set that header itself. A page from another origin calls the navigation and the probe
//! with cross-origin XHR and cannot read an answer without it (the 2.x SDK then retries its
//! navigation every 5 s and never connects). The preflight allows `GET`, `HEAD` and `OPTIONS` and
//! the headers the browser asks for (`Access-Control-Request-Headers`).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use timwire_session::{Config, Profile};
//! use timwire_tokio::http::{HttpRequest, HttpResponse};
//! use timwire_tokio::server::{Server, ServerConfig};
//! use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
//!
//! let server = Server::builder(ServerConfig::new(Config::new(Profile::RongCloud)))
//!     .ws("127.0.0.1:0".parse().unwrap())
//!     .http(|request: &HttpRequest| {
//!         (request.path == "/ping").then(|| HttpResponse::new(200, "pong"))
//!     })
//!     .start()
//!     .await?;
//!
//! let mut socket = tokio::net::TcpStream::connect(server.ws_addr().unwrap()).await?;
//! socket.write_all(b"GET /ping?r=1234 HTTP/1.1\r\nHost: x\r\n\r\n").await?;
//! let mut answer = String::new();
//! socket.read_to_string(&mut answer).await?; // closed after the answer
//! assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"));
//! assert!(answer.contains("access-control-allow-origin: *\r\n"));
//! assert!(answer.ends_with("\r\n\r\npong"));
//! # Ok(())
//! # }
//! ```

use std::io;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, HeaderName, HeaderValue, UPGRADE,
};
use tokio_tungstenite::tungstenite::http::{HeaderMap, StatusCode};

/// The default limit on a request head, in bytes.
pub const DEFAULT_MAX_HEAD: usize = 8 * 1024;
/// Header lines a request head may have.
const MAX_HEADERS: usize = 64;

/// A plain HTTP request (one without `Upgrade: websocket`) on a WebSocket port.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct HttpRequest {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The path, e.g. `/navi.js`.
    pub path: String,
    /// The query string without `?`.
    pub query: Option<String>,
    /// The request headers.
    pub headers: HeaderMap,
}

impl HttpRequest {
    /// A request with `method`, `path` and `query`, without headers.
    pub fn new(method: impl Into<String>, path: impl Into<String>, query: Option<String>) -> Self {
        Self {
            method: method.into(),
            path: path.into(),
            query,
            headers: HeaderMap::new(),
        }
    }

    /// The first value of query parameter `name` (not percent-decoded; see [`percent_decode`]).
    ///
    /// ```
    /// use timwire_tokio::http::HttpRequest;
    ///
    /// let request = HttpRequest::new("GET", "/navi.js", Some("appId=k&callBack=cb".into()));
    /// assert_eq!(request.param("callBack"), Some("cb"));
    /// assert_eq!(request.param("token"), None);
    /// ```
    pub fn param(&self, name: &str) -> Option<&str> {
        query_param(self.query.as_deref(), name)
    }

    /// The `Host` header, when it is text.
    pub fn host(&self) -> Option<&str> {
        self.headers.get("host")?.to_str().ok()
    }
}

/// The answer to an [`HttpRequest`]. The driver adds `Content-Length`, `Connection: close` and,
/// unless set here, `Access-Control-Allow-Origin: *`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpResponse {
    /// The status code (100–999; anything else is sent as 500).
    pub status: u16,
    /// Headers to send.
    pub headers: HeaderMap,
    /// The body (not sent for `HEAD`).
    pub body: Bytes,
}

impl HttpResponse {
    /// An answer with `status` and `body`, without headers.
    pub fn new(status: u16, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers: HeaderMap::new(),
            body: body.into(),
        }
    }

    /// Adds a header.
    ///
    /// ```
    /// use timwire_tokio::http::HttpResponse;
    /// use timwire_tokio::http::header::{CONTENT_TYPE, HeaderValue};
    ///
    /// let answer = HttpResponse::new(200, "cb({});")
    ///     .with_header(CONTENT_TYPE, HeaderValue::from_static("application/javascript"));
    /// assert_eq!(answer.headers[CONTENT_TYPE], "application/javascript");
    /// ```
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// The answer to a CORS preflight (`OPTIONS`): `204`, the methods the driver serves, and
    /// the request headers the browser asked for.
    fn preflight(request: &HttpRequest) -> Self {
        let mut answer = Self::new(204, Bytes::new())
            .with_header(
                ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, HEAD, OPTIONS"),
            )
            .with_header(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        if let Some(asked) = request.headers.get(ACCESS_CONTROL_REQUEST_HEADERS) {
            answer = answer.with_header(ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
        }
        answer
    }

    /// The bytes on the wire, for a request with `method`.
    fn encode(&self, method: &str) -> Vec<u8> {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let reason = status.canonical_reason().unwrap_or("");
        let mut out = format!("HTTP/1.1 {} {reason}\r\n", status.as_u16()).into_bytes();
        let mut header = |name: &[u8], value: &[u8]| {
            out.extend_from_slice(name);
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        };
        header(b"content-length", self.body.len().to_string().as_bytes());
        header(b"connection", b"close");
        if !self.headers.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN) {
            header(ACCESS_CONTROL_ALLOW_ORIGIN.as_str().as_bytes(), b"*");
        }
        for (name, value) in &self.headers {
            header(name.as_str().as_bytes(), value.as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        if method != "HEAD" {
            out.extend_from_slice(&self.body);
        }
        out
    }
}

/// Header names and values for [`HttpResponse::with_header`] (the `http` crate's, as
/// tungstenite re-exports them).
pub mod header {
    pub use tokio_tungstenite::tungstenite::http::header::*;
}

/// The function that answers plain HTTP requests on the WebSocket port; `None` is `404`. It
/// runs on the connection's task, so it must not block.
pub type HttpHandler = Arc<dyn Fn(&HttpRequest) -> Option<HttpResponse> + Send + Sync>;

/// The first value of parameter `name` in a query string.
pub(crate) fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then_some(value)
    })
}

/// Decodes `%XX` escapes (as `encodeURIComponent` writes them; `+` stays `+`). `None` when an
/// escape is malformed or the result is not UTF-8.
///
/// ```
/// use timwire_tokio::http::percent_decode;
///
/// assert_eq!(percent_decode("a%2Bb%3D%E4%BD%A0").as_deref(), Some("a+b=你"));
/// assert_eq!(percent_decode("a+b").as_deref(), Some("a+b"));
/// assert_eq!(percent_decode("%G0"), None);
/// assert_eq!(percent_decode("%FF"), None);
/// ```
pub fn percent_decode(text: &str) -> Option<String> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(byte) = bytes.next() {
        if byte == b'%' {
            let high = char::from(bytes.next()?).to_digit(16)?;
            let low = char::from(bytes.next()?).to_digit(16)?;
            out.push(u8::try_from(high.checked_mul(16)?.checked_add(low)?).ok()?);
        } else {
            out.push(byte);
        }
    }
    String::from_utf8(out).ok()
}

/// A request head read from a connection.
#[derive(Debug)]
pub(crate) struct Head {
    /// Every byte read so far (the head and anything after it), to replay.
    pub(crate) bytes: Bytes,
    /// The request.
    pub(crate) request: HttpRequest,
    /// Whether it asks for a WebSocket upgrade.
    pub(crate) upgrade: bool,
}

/// Why no request head was read.
#[derive(Debug)]
pub(crate) enum HeadError {
    /// The peer closed before a whole head arrived.
    Closed,
    /// The head is longer than the limit, or has too many header lines: `431`.
    TooLarge,
    /// Not an HTTP/1.x request: `400`.
    Malformed,
    /// The socket failed.
    Io(io::Error),
}

/// Reads one request head of at most `limit` bytes.
pub(crate) async fn read_head(stream: &mut TcpStream, limit: usize) -> Result<Head, HeadError> {
    let mut buf = BytesMut::with_capacity(limit.min(DEFAULT_MAX_HEAD));
    loop {
        // Never read past the limit: a peer cannot make this buffer grow beyond it.
        let room = limit.saturating_sub(buf.len());
        if room == 0 {
            return Err(HeadError::TooLarge);
        }
        let read = (&mut *stream)
            .take(u64::try_from(room).unwrap_or(u64::MAX))
            .read_buf(&mut buf)
            .await
            .map_err(HeadError::Io)?;
        if read == 0 {
            return Err(HeadError::Closed);
        }
        if let Some(head) = parse(&buf)? {
            return Ok(Head {
                bytes: buf.freeze(),
                request: head.0,
                upgrade: head.1,
            });
        }
    }
}

/// The request and whether it upgrades, once `buf` holds a whole head.
fn parse(buf: &[u8]) -> Result<Option<(HttpRequest, bool)>, HeadError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    match parsed.parse(buf) {
        Ok(httparse::Status::Partial) => return Ok(None),
        Ok(httparse::Status::Complete(_)) => {}
        Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooLarge),
        Err(_) => return Err(HeadError::Malformed),
    }
    let target = parsed.path.unwrap_or("/");
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query.to_owned())),
        None => (target, None),
    };
    let mut request = HttpRequest::new(parsed.method.unwrap_or("GET"), path, query);
    for h in parsed.headers.iter() {
        let name = HeaderName::from_bytes(h.name.as_bytes()).map_err(|_| HeadError::Malformed)?;
        let value = HeaderValue::from_bytes(h.value).map_err(|_| HeadError::Malformed)?;
        request.headers.append(name, value);
    }
    let upgrade = request.headers.get_all(UPGRADE).iter().any(|value| {
        value.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("websocket"))
        })
    });
    Ok(Some((request, upgrade)))
}

/// What the driver answers `request` (see the module docs).
pub(crate) fn respond(handler: Option<&HttpHandler>, request: &HttpRequest) -> HttpResponse {
    let Some(handler) = handler else {
        return HttpResponse::new(426, "this port serves WebSocket upgrades only");
    };
    if request.method == "OPTIONS" {
        return HttpResponse::preflight(request);
    }
    handler(request).unwrap_or_else(|| HttpResponse::new(404, Bytes::new()))
}

/// Bytes read and dropped after an answer, at most, while waiting for the peer to close.
const DRAIN_LIMIT: u64 = 64 * 1024;
/// How long the answer's reader gets to close first.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(1);

/// Writes `response` to a request with `method` and closes. The rest of the request is read
/// and dropped first (a bounded "lingering close"): closing a socket with unread input sends
/// RST, which can destroy the answer before the peer reads it (an oversize head, a body).
pub(crate) async fn answer(
    stream: &mut TcpStream,
    response: &HttpResponse,
    method: &str,
) -> io::Result<()> {
    stream.write_all(&response.encode(method)).await?;
    stream.shutdown().await?;
    let mut rest = (&mut *stream).take(DRAIN_LIMIT);
    let mut sink = tokio::io::sink();
    let drain = tokio::io::copy(&mut rest, &mut sink);
    let _ = tokio::time::timeout(DRAIN_TIME, drain).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_upgrade_heads() {
        let (request, upgrade) =
            parse(b"GET /navi.js?appId=k&token=t HTTP/1.1\r\nHost: h:1\r\n\r\n")
                .unwrap()
                .unwrap();
        assert_eq!(
            (
                request.method.as_str(),
                request.path.as_str(),
                request.param("token")
            ),
            ("GET", "/navi.js", Some("t"))
        );
        assert_eq!(request.host(), Some("h:1"));
        assert!(!upgrade);
        let (_, upgrade) =
            parse(b"GET /websocket HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n\r\n")
                .unwrap()
                .unwrap();
        assert!(upgrade);
        assert!(parse(b"GET / HTTP/1.1\r\nHost: h").unwrap().is_none());
        assert!(matches!(
            parse(b"\x00\x01 nonsense\r\n\r\n"),
            Err(HeadError::Malformed)
        ));
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "a: b\r\n".repeat(MAX_HEADERS + 1)
        );
        assert!(matches!(parse(many.as_bytes()), Err(HeadError::TooLarge)));
    }

    #[test]
    fn answers_carry_length_close_and_cors_and_head_has_no_body() {
        let answer = HttpResponse::new(200, "hi").encode("GET");
        let text = String::from_utf8(answer).unwrap();
        assert_eq!(
            text,
            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\naccess-control-allow-origin: *\r\n\r\nhi"
        );
        let own = HttpResponse::new(999, "x")
            .with_header(
                ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("https://a"),
            )
            .encode("HEAD");
        let text = String::from_utf8(own).unwrap();
        assert!(text.starts_with("HTTP/1.1 999 \r\n"), "{text}");
        assert_eq!(text.matches("access-control-allow-origin").count(), 1);
        assert!(text.ends_with("\r\n\r\n"));
        let bad = String::from_utf8(HttpResponse::new(42, "").encode("GET")).unwrap();
        assert!(bad.starts_with("HTTP/1.1 500 Internal Server Error\r\n"));
    }
}

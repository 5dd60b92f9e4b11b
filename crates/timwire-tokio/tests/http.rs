//! Plain HTTP on the WebSocket port, over real loopback sockets: answered by the app's handler
//! with CORS headers, the preflight, an oversize head refused, and WebSocket upgrades (the head
//! replayed to the handshake) still working next to it.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt as _;
use timwire_session::{Config, Profile};
use timwire_signal::{ConnAck, Encode, EncodeOptions, Framing, ServerPacket};
use timwire_tokio::http::header::{CONTENT_TYPE, HeaderValue};
use timwire_tokio::http::{HttpRequest, HttpResponse};
use timwire_tokio::server::{Event, Server, ServerConfig};
use timwire_tokio::{Admission, WsRequest};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

/// A hang guard: every test finishes far sooner.
const GUARD: Duration = Duration::from_secs(30);

fn handler(request: &HttpRequest) -> Option<HttpResponse> {
    match request.path.as_str() {
        "/ping" => Some(HttpResponse::new(200, Bytes::new())),
        "/hello" => {
            let body = format!("hello {}", request.param("name").unwrap_or("?"));
            Some(
                HttpResponse::new(200, body)
                    .with_header(CONTENT_TYPE, HeaderValue::from_static("text/plain")),
            )
        }
        _ => None,
    }
}

async fn start(max_head: usize) -> Server {
    let mut config = ServerConfig::new(Config::new(Profile::RongCloud));
    config.max_http_head = max_head;
    Server::builder(config)
        .ws("127.0.0.1:0".parse().unwrap())
        .http(handler)
        .admit(|request: &WsRequest| {
            if request.path == "/websocket" {
                Admission::WithoutConnect
            } else {
                Admission::Refuse(404)
            }
        })
        .start()
        .await
        .unwrap()
}

/// Sends `request` (in pieces of `piece` bytes) and reads until the server closes.
async fn exchange(addr: SocketAddr, request: &[u8], piece: usize) -> String {
    let mut socket = TcpStream::connect(addr).await.unwrap();
    for part in request.chunks(piece) {
        socket.write_all(part).await.unwrap();
        socket.flush().await.unwrap();
        tokio::task::yield_now().await;
    }
    let mut answer = Vec::new();
    socket.read_to_end(&mut answer).await.unwrap();
    String::from_utf8(answer).unwrap()
}

/// The header `name` (lower case) of an answer.
fn header<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
    let head = answer.split("\r\n\r\n").next()?;
    head.lines()
        .skip(1)
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(": "))
}

fn body(answer: &str) -> &str {
    answer.split_once("\r\n\r\n").map_or("", |(_, body)| body)
}

#[tokio::test]
async fn plain_gets_are_answered_with_cors_and_closed() {
    tokio::time::timeout(GUARD, async {
        let server = start(8 * 1024).await;
        let addr = server.ws_addr().unwrap();
        // The head arrives in 5-byte pieces: read until whole.
        let answer = exchange(
            addr,
            b"GET /hello?name=timwire&r=1 HTTP/1.1\r\nHost: x\r\nOrigin: http://page\r\n\r\n",
            5,
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert_eq!(header(&answer, "access-control-allow-origin"), Some("*"));
        assert_eq!(header(&answer, "content-type"), Some("text/plain"));
        assert_eq!(header(&answer, "connection"), Some("close"));
        assert_eq!(header(&answer, "content-length"), Some("13"));
        assert_eq!(body(&answer), "hello timwire");

        let ping = exchange(addr, b"GET /ping?r=4321 HTTP/1.1\r\n\r\n", 1024).await;
        assert!(ping.starts_with("HTTP/1.1 200 OK\r\n"), "{ping}");
        assert_eq!(header(&ping, "access-control-allow-origin"), Some("*"));

        let missing = exchange(addr, b"GET /nothing HTTP/1.1\r\n\r\n", 1024).await;
        assert!(
            missing.starts_with("HTTP/1.1 404 Not Found\r\n"),
            "{missing}"
        );
        assert_eq!(header(&missing, "access-control-allow-origin"), Some("*"));

        let head = exchange(addr, b"HEAD /hello HTTP/1.1\r\n\r\n", 1024).await;
        assert_eq!(header(&head, "content-length"), Some("7"));
        assert_eq!(body(&head), "");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_cors_preflight_is_answered_by_the_driver() {
    tokio::time::timeout(GUARD, async {
        let server = start(8 * 1024).await;
        let answer = exchange(
            server.ws_addr().unwrap(),
            b"OPTIONS /navi.js HTTP/1.1\r\nOrigin: http://page\r\nAccess-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: x-requested-with\r\n\r\n",
            1024,
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 204 No Content\r\n"), "{answer}");
        assert_eq!(header(&answer, "access-control-allow-origin"), Some("*"));
        assert_eq!(
            header(&answer, "access-control-allow-methods"),
            Some("GET, HEAD, OPTIONS")
        );
        assert_eq!(
            header(&answer, "access-control-allow-headers"),
            Some("x-requested-with")
        );
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn an_oversize_or_malformed_head_is_refused() {
    tokio::time::timeout(GUARD, async {
        let server = start(256).await;
        let addr = server.ws_addr().unwrap();
        let long = format!(
            "GET /ping HTTP/1.1\r\nX-Filler: {}\r\n\r\n",
            "a".repeat(1000)
        );
        let answer = exchange(addr, long.as_bytes(), 100).await;
        assert!(
            answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{answer}"
        );
        assert_eq!(header(&answer, "access-control-allow-origin"), Some("*"));
        // A head that fits still works on the same server.
        let ping = exchange(addr, b"GET /ping HTTP/1.1\r\n\r\n", 1024).await;
        assert!(ping.starts_with("HTTP/1.1 200 OK\r\n"), "{ping}");
        let garbage = exchange(addr, b"\x16\x03\x01 TLS hello?\r\n\r\n", 1024).await;
        assert!(
            garbage.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{garbage}"
        );
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn upgrades_still_work_next_to_plain_http() {
    tokio::time::timeout(GUARD, async {
        let mut server = start(8 * 1024).await;
        let addr = server.ws_addr().unwrap();
        let ping = exchange(addr, b"GET /ping HTTP/1.1\r\n\r\n", 1024).await;
        assert!(ping.starts_with("HTTP/1.1 200 OK\r\n"), "{ping}");

        // The web SDK's upgrade: the server speaks first with CONNACK.
        let url = format!("ws://{addr}/websocket?appId=k&token=alice&sdkVer=2.9.2&apiVer=normal");
        let tcp = TcpStream::connect(addr).await.unwrap();
        let (mut socket, response) = tokio_tungstenite::client_async(url, tcp).await.unwrap();
        assert_eq!(response.status(), 101);
        let conn = match server.next_event().await.unwrap() {
            Event::Opened {
                conn,
                request: Some((request, admission)),
                ..
            } => {
                assert_eq!(request.path, "/websocket");
                assert_eq!(request.param("token"), Some("alice"));
                assert_eq!(admission, Admission::WithoutConnect);
                conn
            }
            other => panic!("expected Opened, got {other:?}"),
        };
        conn.accept(ConnAck::accepted("alice", "s1", 0))
            .await
            .unwrap();
        let first = socket.next().await.unwrap().unwrap();
        let expected = ServerPacket::<Bytes>::from(ConnAck::accepted("alice", "s1", 0))
            .to_bytes(Framing::Message, &EncodeOptions::default())
            .unwrap();
        assert_eq!(first, Message::Binary(expected));
        socket.close(None).await.unwrap();

        // A refused upgrade gets the admission's status, not the HTTP handler.
        let tcp = TcpStream::connect(addr).await.unwrap();
        let refused = tokio_tungstenite::client_async(format!("ws://{addr}/other"), tcp).await;
        match refused {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 404)
            }
            other => panic!("expected an HTTP refusal, got {other:?}"),
        }
    })
    .await
    .unwrap();
}

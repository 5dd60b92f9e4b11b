//! `timwire serve --profile rongcloud` as RongCloud's web SDK sees it, without the SDK (the SDK
//! itself runs in `interop/rongcloud`, in CI): navigation and the probe over plain HTTP on the
//! WebSocket port with CORS, tokens checked from the WebSocket URL, CONNACK first, a refused
//! token, and a second login kicking the first with DISCONNECT OTHER_DEVICE_LOGIN.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use bytes::Bytes;
use futures::StreamExt as _;
use timwire::{Decode as _, DisconnectStatus, Frame, ServerPacket};
use tokio_tungstenite::tungstenite::Message;

const BIN: &str = env!("CARGO_BIN_EXE_timwire");

/// A running `serve`, killed when dropped.
struct Serve {
    child: Child,
    addr: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(extra: &[&str]) -> Serve {
    let mut child = Command::new(BIN)
        .args(["serve", "--profile", "rongcloud", "--ws", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let line = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    let addr = line.strip_prefix("listening ws ").unwrap().to_owned();
    Serve { child, addr }
}

/// One plain HTTP request; the whole answer (the server closes after it).
fn http(addr: &str, request: &str) -> String {
    let mut socket = TcpStream::connect(addr).unwrap();
    socket.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).unwrap();
    answer
}

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Opens the web SDK's WebSocket with `token` (already URL-encoded).
async fn open(addr: &str, token: &str) -> Ws {
    let url = format!(
        "ws://{addr}/websocket?appId=timwire&token={token}&sdkVer=2.9.2&pid=undefined&apiVer=normal"
    );
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio_tungstenite::client_async(url, tcp).await.unwrap().0
}

/// The next packet the server sends, `None` once it closed.
async fn next_packet(ws: &mut Ws) -> Option<ServerPacket<Bytes>> {
    loop {
        match ws.next().await? {
            Ok(Message::Binary(data)) => {
                let frame = Frame::from_message(data).unwrap();
                return Some(ServerPacket::decode(&frame).unwrap());
            }
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

#[test]
fn navigation_and_probe_answer_with_cors() {
    let server = serve(&[]);
    let navi = http(
        &server.addr,
        &format!(
            "GET /navi.js?appId=timwire&token=alice&callBack=getServerEndpoint&v=2.9.2&r=1 HTTP/1.1\r\nHost: {}\r\n\r\n",
            server.addr
        ),
    );
    assert!(navi.starts_with("HTTP/1.1 200 OK\r\n"), "{navi}");
    assert!(
        navi.contains("access-control-allow-origin: *\r\n"),
        "{navi}"
    );
    let body = navi.split_once("\r\n\r\n").unwrap().1;
    let json = body
        .strip_prefix("getServerEndpoint(")
        .and_then(|b| b.strip_suffix(");"))
        .unwrap();
    let navi: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(navi["server"], server.addr.as_str());

    let ping = http(&server.addr, "GET /ping?r=1234 HTTP/1.1\r\n\r\n");
    assert!(ping.starts_with("HTTP/1.1 200 OK\r\n"), "{ping}");
    assert!(
        ping.contains("access-control-allow-origin: *\r\n"),
        "{ping}"
    );
    let preflight = http(
        &server.addr,
        "OPTIONS /navi.js HTTP/1.1\r\nAccess-Control-Request-Method: GET\r\n\r\n",
    );
    assert!(preflight.starts_with("HTTP/1.1 204 "), "{preflight}");
}

#[tokio::test]
async fn tokens_name_users_and_a_second_login_kicks_the_first() {
    let server = serve(&["--user", "alice:a+secret", "--tokens", "listed"]);
    // The SDK URL-encodes its token.
    let mut first = open(&server.addr, "a%2Bsecret").await;
    match next_packet(&mut first).await {
        Some(ServerPacket::ConnAck(ack)) => {
            assert_eq!(ack.status.value(), 0);
            assert_eq!(&*ack.session.unwrap().user_id, "alice");
        }
        other => panic!("expected CONNACK first, got {other:?}"),
    }
    // An unlisted token: CONNACK TOKEN_INCORRECT (4), then the server closes.
    let mut refused = open(&server.addr, "alice").await;
    match next_packet(&mut refused).await {
        Some(ServerPacket::ConnAck(ack)) => assert_eq!(ack.status.value(), 4),
        other => panic!("expected a refusing CONNACK, got {other:?}"),
    }
    assert!(next_packet(&mut refused).await.is_none());
    // alice again elsewhere: the first connection gets DISCONNECT OTHER_DEVICE_LOGIN.
    let mut second = open(&server.addr, "a%2Bsecret").await;
    assert!(matches!(
        next_packet(&mut second).await,
        Some(ServerPacket::ConnAck(_))
    ));
    match next_packet(&mut first).await {
        Some(ServerPacket::Disconnect(d)) => {
            assert_eq!(d.status, DisconnectStatus::OTHER_DEVICE_LOGIN);
        }
        other => panic!("expected DISCONNECT, got {other:?}"),
    }
    assert!(next_packet(&mut first).await.is_none());
}

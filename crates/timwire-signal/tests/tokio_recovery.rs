//! A server using the tokio codec skips a malformed frame and receives the frames after it
//! ([`Recovering`]), and still stops at a framing error, after which the stream is out of sync.
#![cfg(feature = "tokio")]

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use timwire_signal::codec::{CodecError, Recovering, ServerCodec};
use timwire_signal::*;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Framed;

fn stream_bytes(packets: &[ClientPacket]) -> BytesMut {
    let mut wire = BytesMut::new();
    for p in packets {
        p.encode(Framing::Stream, &EncodeOptions::default(), &mut wire)
            .unwrap();
    }
    wire
}

fn publish(msg_id: u16) -> ClientPacket {
    ClientPublish::new(
        QoS::AtLeastOnce,
        "timMsg",
        "bob",
        msg_id,
        Bytes::from(vec![msg_id as u8; 100]),
    )
    .into()
}

/// Connects, writes `wire` in one go, closes; returns the server's side of the connection.
async fn serve(wire: BytesMut) -> TcpStream {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let writer = tokio::spawn(async move {
        let mut socket = TcpStream::connect(addr).await.unwrap();
        socket.write_all(&wire).await.unwrap();
        socket.shutdown().await.unwrap();
    });
    let (socket, _) = listener.accept().await.unwrap();
    writer.await.unwrap();
    socket
}

#[tokio::test]
async fn a_server_receives_the_frames_after_a_malformed_one() {
    let before = [publish(1), PingReq::default().into()];
    let after = [publish(2), publish(3)];
    let mut wire = stream_bytes(&before);
    // A well-delimited PUBLISH (qos 1) whose body is only a topic length that runs past the
    // body's end: prefix `32 33 01`, body `00`.
    wire.extend_from_slice(&[0x32, 0x33, 0x01, 0x00]);
    // A CONNACK: a server's message, from a client.
    wire.extend_from_slice(&[0x20, 0x22, 0x02, 0x00, 0x00]);
    wire.extend_from_slice(&stream_bytes(&after));

    let mut framed = Framed::new(serve(wire).await, Recovering::new(ServerCodec::new()));
    let mut received = Vec::new();
    let mut malformed = Vec::new();
    while let Some(item) = framed.next().await {
        match item.expect("no framing or I/O error") {
            Ok(packet) => received.push(packet),
            Err(e) => {
                assert!(e.is_recoverable(), "{e}");
                malformed.push(e);
            }
        }
    }
    let expected: Vec<ClientPacket> = before.into_iter().chain(after).collect();
    assert_eq!(received, expected);
    assert!(
        matches!(
            malformed[..],
            [
                DecodeError::Truncated {
                    kind: MessageType::PUBLISH,
                    ..
                },
                DecodeError::WrongDirection {
                    kind: MessageType::CONNACK,
                    ..
                }
            ]
        ),
        "{malformed:?}"
    );

    // The adapter encodes through the wrapped codec.
    let mut dst = BytesMut::new();
    tokio_util::codec::Encoder::encode(
        framed.codec_mut(),
        ServerPacket::<Bytes>::from(PingResp::default()),
        &mut dst,
    )
    .unwrap();
    assert_eq!(&dst[..], &[0xD0, 0xD0, 0x00]);
}

#[tokio::test]
async fn a_framing_error_still_ends_the_stream() {
    let mut wire = stream_bytes(&[publish(1)]);
    // A bad checksum: nothing after it can be trusted.
    wire.extend_from_slice(&[0xC0, 0x00, 0x00]);
    wire.extend_from_slice(&stream_bytes(&[publish(2)]));

    let mut framed = Framed::new(serve(wire).await, Recovering::new(ServerCodec::new()));
    assert_eq!(framed.next().await.unwrap().unwrap().unwrap(), publish(1));
    match framed.next().await {
        Some(Err(CodecError::Decode(e))) => {
            assert!(!e.is_recoverable());
            assert!(matches!(e, DecodeError::ChecksumMismatch { .. }), "{e}");
        }
        other => panic!("expected the checksum error, got {other:?}"),
    }
    assert!(framed.next().await.is_none());
}

#[tokio::test]
async fn without_the_adapter_framed_ends_at_the_malformed_frame() {
    let mut wire = stream_bytes(&[publish(1)]);
    wire.extend_from_slice(&[0x32, 0x33, 0x01, 0x00]);
    wire.extend_from_slice(&stream_bytes(&[publish(2)]));

    let mut framed = Framed::new(serve(wire).await, ServerCodec::new());
    assert_eq!(framed.next().await.unwrap().unwrap(), publish(1));
    match framed.next().await {
        Some(Err(CodecError::Decode(e))) => assert!(e.is_recoverable(), "{e}"),
        other => panic!("expected the body error, got {other:?}"),
    }
    // The stream has ended, though the next frame was intact: hence `Recovering`.
    assert!(framed.next().await.is_none());
}

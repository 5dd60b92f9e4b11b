//! The tokio-util codecs over a real loopback TCP connection, with a writer that splits the
//! byte stream at random boundaries.
#![cfg(feature = "tokio")]

use bytes::{Bytes, BytesMut};
use futures::{SinkExt, StreamExt};
use rand::{Rng, SeedableRng, rngs::StdRng};
use timwire_signal::codec::{ClientCodec, ServerCodec};
use timwire_signal::*;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{FramedRead, FramedWrite};

fn conversation() -> Vec<ClientPacket> {
    let mut packets: Vec<ClientPacket> = vec![Connect::new("device-1").into()];
    for i in 1..=200u16 {
        let data = Bytes::from(vec![i as u8; usize::from(i) * 37 % 3000]);
        packets.push(ClientPublish::new(QoS::AtLeastOnce, "timMsg", "bob", i, data).into());
        if i % 7 == 0 {
            packets.push(PingReq::default().into());
        }
        if i % 11 == 0 {
            packets.push(
                Query::new(
                    QoS::AtMostOnce,
                    "timPull",
                    "me",
                    i,
                    Bytes::from_static(b"\x08\x01"),
                )
                .into(),
            );
        }
    }
    packets.push(Disconnect::new(DisconnectStatus::LOGOUT).into());
    packets
}

#[tokio::test]
async fn client_packets_survive_random_write_splits() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let expected = conversation();

    // The writer encodes everything, then writes it in random-sized pieces with flushes.
    let to_send = expected.clone();
    let writer = tokio::spawn(async move {
        let mut wire = BytesMut::new();
        for p in &to_send {
            p.encode(Framing::Stream, &EncodeOptions::default(), &mut wire)
                .unwrap();
        }
        let mut socket = TcpStream::connect(addr).await.unwrap();
        socket.set_nodelay(true).unwrap();
        let mut rng = StdRng::seed_from_u64(0x7133_3eed);
        let mut pos = 0;
        while pos < wire.len() {
            let n = rng.random_range(1..=64).min(wire.len() - pos);
            socket.write_all(&wire[pos..pos + n]).await.unwrap();
            socket.flush().await.unwrap();
            pos += n;
            if rng.random_bool(0.05) {
                tokio::task::yield_now().await;
            }
        }
        socket.shutdown().await.unwrap();
    });

    let (socket, _) = listener.accept().await.unwrap();
    let mut frames = FramedRead::new(socket, ServerCodec::new());
    let mut received = Vec::new();
    while let Some(packet) = frames.next().await {
        received.push(packet.unwrap());
    }
    writer.await.unwrap();
    assert_eq!(received, expected);
}

#[tokio::test]
async fn server_and_client_codecs_talk_both_ways() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let mut framed = tokio_util::codec::Framed::new(socket, ServerCodec::new());
        while let Some(packet) = framed.next().await {
            let reply: ServerPacket = match packet.unwrap() {
                ClientPacket::Connect(_) => ConnAck::accepted("u1", "s1", 42).into(),
                ClientPacket::Publish(p) => ServerPubAck {
                    flags: Flags::NONE,
                    msg_id: p.msg_id,
                    date: 1,
                    status: AckStatus::SUCCESS,
                    millisecond: 2,
                    message_uid: Some("uid".into()),
                }
                .into(),
                ClientPacket::PingReq(_) => PingResp::default().into(),
                _ => break,
            };
            framed.send(reply).await.unwrap();
        }
    });
    let socket = TcpStream::connect(addr).await.unwrap();
    let (read, write) = socket.into_split();
    let mut rx = FramedRead::new(read, ClientCodec::new());
    let mut tx = FramedWrite::new(write, ClientCodec::new());
    tx.send(ClientPacket::<Bytes>::from(Connect::new("dev")))
        .await
        .unwrap();
    assert!(
        matches!(rx.next().await.unwrap().unwrap(), ServerPacket::ConnAck(a) if a.status == ConnAckStatus::ACCEPTED)
    );
    tx.send(&ClientPacket::<&[u8]>::from(ClientPublish::new(
        QoS::AtLeastOnce,
        "timMsg",
        "bob",
        9,
        &b"hi"[..],
    )))
    .await
    .unwrap();
    assert_eq!(rx.next().await.unwrap().unwrap().msg_id(), Some(9));
    tx.send(ClientPacket::from(PingReq::default()))
        .await
        .unwrap();
    assert!(matches!(
        rx.next().await.unwrap().unwrap(),
        ServerPacket::PingResp(_)
    ));
    tx.send(ClientPacket::<Bytes>::from(Disconnect::new(
        DisconnectStatus::LOGOUT,
    )))
    .await
    .unwrap();
    server.await.unwrap();
}

#[tokio::test]
async fn a_stream_ending_inside_a_frame_is_an_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut socket = TcpStream::connect(addr).await.unwrap();
        socket.write_all(&[0x40, 0x42, 0x02, 0x01]).await.unwrap();
        socket.shutdown().await.unwrap();
    });
    let (socket, _) = listener.accept().await.unwrap();
    let mut frames = FramedRead::new(socket, ServerCodec::new());
    let err = frames.next().await.unwrap().unwrap_err();
    assert!(
        matches!(
            err,
            codec::CodecError::Decode(DecodeError::UnexpectedEof { buffered: 4 })
        ),
        "{err}"
    );
}

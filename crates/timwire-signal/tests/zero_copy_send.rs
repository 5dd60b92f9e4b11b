//! Zero-copy sending: `SharedFrame`, `FrameQueue` and the tokio `FrameWriter` put exactly the
//! bytes of `Encode::to_bytes` on the wire, share payloads above the threshold instead of
//! copying them, and keep a slow reader's connection within the high-water mark.

use std::io::IoSlice;

use bytes::{Buf, Bytes};
use proptest::prelude::*;
use timwire_signal::queue::{self, FrameQueue, SharedFrame};
use timwire_signal::*;

fn options() -> EncodeOptions {
    EncodeOptions::default()
}

fn server_publish(msg_id: u16, target: &str, data: Bytes) -> ServerPacket {
    ServerPublish::new(
        QoS::AtLeastOnce,
        1_700_000_000,
        "timMsg",
        target,
        msg_id,
        data,
    )
    .into()
}

/// Empties `queue` the way a writer does: up to `max_slices` slices and at most `step` bytes at
/// a time, advancing by what was "written".
fn drain(queue: &mut FrameQueue, max_slices: usize, step: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while queue.has_remaining() {
        let mut slices = vec![IoSlice::new(&[]); max_slices];
        let n = queue.chunks_vectored(&mut slices);
        assert!(n > 0, "a non-empty queue gives at least one slice");
        let mut budget = step;
        for s in &slices[..n] {
            let take = s.len().min(budget);
            out.extend_from_slice(&s[..take]);
            budget -= take;
            if budget == 0 {
                break;
            }
        }
        let written = step - budget;
        let before = queue.remaining();
        queue.advance(written);
        assert_eq!(queue.remaining(), before - written);
        assert_eq!(queue.len(), queue.remaining());
    }
    assert!(queue.is_empty());
    out
}

fn packet_strategy() -> impl Strategy<Value = ServerPacket> {
    let sizes = prop_oneof![4 => 0usize..64, 3 => 500usize..3000, 1 => 60_000usize..70_000];
    prop_oneof![
        (
            any::<u16>(),
            "[a-z0-9\u{4e00}-\u{4e10}]{0,40}",
            sizes.clone(),
            any::<u8>()
        )
            .prop_map(|(id, target, len, fill)| server_publish(
                id,
                &target,
                Bytes::from(vec![fill; len])
            )),
        (any::<u16>(), sizes).prop_map(|(id, len)| QueryAck::new(
            QoS::AtLeastOnce,
            id,
            7,
            AckStatus::from(0),
            Bytes::from(vec![0x5a; len])
        )
        .into()),
        Just(PingResp::default().into()),
        any::<u16>().prop_map(|id| ServerPubAck::new(id, 7, AckStatus::from(0), 5).into()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the mix, threshold and write sizes, the queue writes exactly the frames'
    /// bytes, in order.
    #[test]
    fn the_queue_writes_exactly_the_encoded_frames(
        packets in proptest::collection::vec(packet_strategy(), 1..16),
        threshold in prop_oneof![Just(0usize), Just(1024), Just(2048), Just(usize::MAX)],
        framing in prop_oneof![Just(Framing::Stream), Just(Framing::Message)],
        max_slices in 1usize..8,
        step in prop_oneof![1usize..200, 1000usize..100_000],
    ) {
        let mut queue = FrameQueue::with_share_threshold(threshold);
        let mut expected = Vec::new();
        for p in &packets {
            let frame = p.to_bytes(framing, &options()).unwrap();
            let n = queue.push(p, framing, &options()).unwrap();
            prop_assert_eq!(n, frame.len());
            expected.extend_from_slice(&frame);
            prop_assert_eq!(queue.len(), expected.len());
        }
        prop_assert_eq!(queue.len(), expected.len());
        prop_assert_eq!(drain(&mut queue, max_slices, step), expected);
    }
}

/// Writes at most `max_slices` slices and `step` bytes once, as one `write_vectored` call
/// does; returns what was written.
fn write_once(queue: &mut FrameQueue, max_slices: usize, step: usize) -> Vec<u8> {
    let mut slices = vec![IoSlice::new(&[]); max_slices];
    let n = queue.chunks_vectored(&mut slices);
    let mut out = Vec::new();
    for s in &slices[..n] {
        let take = s.len().min(step - out.len());
        out.extend_from_slice(&s[..take]);
        if out.len() == step {
            break;
        }
    }
    assert_eq!(
        &queue.chunk()[..queue.chunk().len().min(out.len())],
        &out[..queue.chunk().len().min(out.len())]
    );
    queue.advance(out.len());
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Frames queued while earlier ones are partly written (a connection that is never
    /// idle, across the copy-only and shared states and the buffer's compaction) still come
    /// out exactly, in order.
    #[test]
    fn pushes_between_partial_writes_keep_every_byte_in_order(
        steps in proptest::collection::vec((packet_strategy(), 0usize..3, 1usize..6000), 1..40),
        threshold in prop_oneof![Just(0usize), Just(1024), Just(2048), Just(usize::MAX)],
        max_slices in 1usize..5,
    ) {
        let mut queue = FrameQueue::with_share_threshold(threshold);
        let (mut expected, mut written) = (Vec::new(), Vec::new());
        for (packet, writes, step) in &steps {
            expected.extend_from_slice(&packet.to_bytes(Framing::Stream, &options()).unwrap());
            queue.push(packet, Framing::Stream, &options()).unwrap();
            for _ in 0..*writes {
                written.extend(write_once(&mut queue, max_slices, *step));
                prop_assert_eq!(queue.len(), expected.len() - written.len());
            }
        }
        written.extend(drain(&mut queue, max_slices, 4096));
        prop_assert_eq!(written, expected);
    }
}

#[test]
fn large_payloads_are_shared_small_ones_copied() {
    let big = Bytes::from(vec![1u8; 64 * 1024]);
    let small = Bytes::from(vec![2u8; 100]);
    let mut queue = FrameQueue::new();
    queue
        .push(
            &server_publish(1, "bob", small.clone()),
            Framing::Stream,
            &options(),
        )
        .unwrap();
    queue
        .push(
            &server_publish(2, "bob", big.clone()),
            Framing::Stream,
            &options(),
        )
        .unwrap();
    queue
        .push(
            &server_publish(3, "bob", small.clone()),
            Framing::Stream,
            &options(),
        )
        .unwrap();
    let mut slices = [IoSlice::new(&[]); 8];
    // [frame 1 + head 2] [payload 2, shared] [frame 3]
    assert_eq!(queue.chunks_vectored(&mut slices), 3);
    assert_eq!(
        slices[1].as_ptr(),
        big.as_ptr(),
        "the large payload is not copied"
    );
    assert_eq!(slices[1].len(), big.len());
    for s in [&slices[0], &slices[2]] {
        let range = small.as_ptr_range();
        assert!(!range.contains(&s.as_ptr()), "small payloads are copied");
    }
    // Queued frames hold the payload; writing them out releases it.
    assert!(!big.is_unique(), "queued frames hold the payload");
    let all = queue.remaining();
    queue.advance(all);
    assert!(big.is_unique(), "written frames release the payload");
}

#[test]
fn a_shared_frame_is_head_plus_the_same_payload() {
    let payload = Bytes::from(vec![9u8; 10_000]);
    for packet in [
        server_publish(5, "carol", payload.clone()),
        QueryAck::new(QoS::AtLeastOnce, 6, 1, AckStatus::from(0), payload.clone()).into(),
    ] {
        for framing in [Framing::Stream, Framing::Message] {
            let frame = SharedFrame::encode(&packet, framing, &options()).unwrap();
            assert_eq!(frame.payload().as_ptr(), payload.as_ptr());
            let whole = packet.to_bytes(framing, &options()).unwrap();
            assert_eq!(frame.len(), whole.len());
            let mut joined = frame.head().to_vec();
            joined.extend_from_slice(frame.payload());
            assert_eq!(joined, whole);
            let mut frame = frame;
            assert_eq!(frame.copy_to_bytes(frame.remaining()), whole);
        }
    }
    // A packet with no payload, and a borrowed packet: all in the head.
    let ack: ServerPacket = ServerPubAck::new(9, 7, AckStatus::from(0), 5).into();
    let frame = SharedFrame::encode(&ack, Framing::Stream, &options()).unwrap();
    assert!(frame.payload().is_empty());
    assert_eq!(
        frame.head(),
        &ack.to_bytes(Framing::Stream, &options()).unwrap()[..]
    );
    let data = [1u8, 2, 3];
    let borrowed = ServerPublish::<&[u8]>::new(QoS::AtMostOnce, 0, "timMsg", "x", 1, &data[..]);
    let frame = SharedFrame::encode(&borrowed, Framing::Stream, &options()).unwrap();
    assert!(frame.payload().is_empty());
}

#[test]
fn encode_errors_queue_nothing() {
    let mut queue = FrameQueue::with_share_threshold(0);
    let too_big = EncodeOptions {
        max_body: 100,
        ..options()
    };
    let err = queue
        .push(
            &server_publish(1, "bob", Bytes::from(vec![0u8; 1000])),
            Framing::Stream,
            &too_big,
        )
        .unwrap_err();
    assert!(matches!(err, EncodeError::FrameTooLarge { .. }));
    let long = "x".repeat(70_000);
    assert!(
        queue
            .push(
                &server_publish(1, &long, Bytes::from(vec![0u8; 1000])),
                Framing::Stream,
                &options()
            )
            .is_err()
    );
    assert!(queue.is_empty());
    assert_eq!(queue.remaining(), 0);
}

#[cfg(feature = "tokio")]
mod tokio_writer {
    use std::time::Duration;

    use bytes::BytesMut;
    use timwire_signal::codec::FrameWriter;
    use tokio::io::AsyncReadExt;
    use tokio::net::{TcpListener, TcpSocket};

    use super::*;

    const FRAMES: usize = 10_000;
    const HIGH_WATER: usize = 64 * 1024;

    /// 10,000 frames sharing four payloads (16 B to 70 KiB) go through `FrameWriter` over
    /// loopback TCP to a reader that is slower than the writer; the reader decodes every frame
    /// and finds exactly what was sent, and the writer never holds more than the high-water
    /// mark after `send` returns.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ten_thousand_shared_frames_arrive_byte_exact_under_a_slow_reader() {
        let payloads: Vec<Bytes> = [16usize, 700, 3000, 70_000]
            .iter()
            .enumerate()
            .map(|(i, &len)| Bytes::from((0..len).map(|j| (i * 31 + j) as u8).collect::<Vec<u8>>()))
            .collect();
        let expected = |payloads: &[Bytes], i: usize| {
            server_publish(i as u16, &format!("user-{i}"), payloads[i % 4].clone())
        };
        let reader_payloads = payloads.clone();

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let reader = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let decoder = StreamDecoder::new();
            let mut buf = BytesMut::with_capacity(8 * 1024);
            let mut got = 0usize;
            let (mut read, mut next_pause) = (0usize, 256 * 1024);
            loop {
                while let Some(p) = decoder.decode_packet::<ServerPacket>(&mut buf).unwrap() {
                    assert_eq!(p, expected(&reader_payloads, got), "frame {got}");
                    got += 1;
                }
                // Slow: small reads, and a pause after every 256 KiB.
                let mut chunk = [0u8; 4096];
                let n = socket.read(&mut chunk).await.unwrap();
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                read += n;
                if read >= next_pause {
                    next_pause += 256 * 1024;
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
            assert!(buf.is_empty(), "no partial frame left");
            got
        });

        // A small send buffer, so that the slow reader is felt by the writer. (Loopback TCP
        // then waits for delayed ACKs, which the 40 ms timer paces: keep it at 64 KiB.)
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_send_buffer_size(64 * 1024).unwrap();
        let stream = socket.connect(addr).await.unwrap();
        // As a server would: no Nagle delay on partial writes into the small send buffer.
        stream.set_nodelay(true).unwrap();
        let mut writer = FrameWriter::new(stream, Framing::Stream).with_high_water(HIGH_WATER);
        let mut max_buffered = 0;
        for i in 0..FRAMES {
            writer.send(&expected(&payloads, i)).await.unwrap();
            max_buffered = max_buffered.max(writer.buffered());
            assert!(
                writer.buffered() <= HIGH_WATER,
                "frame {i}: {} queued",
                writer.buffered()
            );
        }
        writer.flush().await.unwrap();
        assert_eq!(writer.buffered(), 0);
        drop(writer);
        assert_eq!(reader.await.unwrap(), FRAMES);
        // The reader was slow enough for frames to queue up at all.
        assert!(max_buffered > 0);
        // Everything written: the queue released every payload it shared.
        for p in payloads {
            assert!(p.is_unique());
        }
    }
}

/// `Fanout` gives, for every recipient, exactly the bytes of encoding that recipient's PUBLISH
/// whole: msgId, qos and dup patched (and the stream checksum with the header byte), the
/// targetId changed by `retarget`, through every output (queue, `BytesMut`, `SharedFrame`);
/// with a head kept inline and with one too long for that (a 100-byte targetId).
#[test]
fn fanout_frames_are_each_recipients_publish() {
    use queue::Fanout;

    for (len, target) in [0usize, 100, 5000]
        .into_iter()
        .flat_map(|len| [(len, "group-7".to_owned()), (len, "g".repeat(100))])
    {
        for framing in [Framing::Stream, Framing::Message] {
            let payload = Bytes::from(vec![3u8; len]);
            let mut publish = ServerPublish::new(
                QoS::AtMostOnce,
                1_700_000_000,
                "timMsg",
                target.as_str(),
                0,
                payload.clone(),
            );
            publish.flags.retain = true;
            let fanout = if target.len() > 50 {
                Fanout::from_publish(publish.clone(), framing, &options()).unwrap()
            } else {
                Fanout::new(&publish, framing, &options()).unwrap()
            };
            assert_eq!(fanout.payload().as_ptr(), payload.as_ptr());
            let whole = |p: &ServerPublish| p.to_bytes(framing, &options()).unwrap();

            for (msg_id, qos, dup) in [
                (1, QoS::AtMostOnce, false),
                (0xBEEF, QoS::AtLeastOnce, false),
                (65535, QoS::ExactlyOnce, true),
                (7, QoS::AtLeastOnce, true),
            ] {
                let mut expected = publish.clone();
                expected.msg_id = msg_id;
                expected.flags.qos = qos;
                expected.flags.dup = dup;
                let mut queue = FrameQueue::with_share_threshold(1024);
                let n = fanout.push_with(&mut queue, msg_id, qos, dup);
                assert_eq!(n, fanout.frame_len());
                assert_eq!(drain(&mut queue, 4, 1 << 20), whole(&expected));
                // Checksum patched with the header: the frame decodes as that PUBLISH.
                if framing == Framing::Stream {
                    let mut wire = bytes::BytesMut::from(&whole(&expected)[..]);
                    let p = StreamDecoder::new()
                        .decode_packet::<ServerPacket>(&mut wire)
                        .unwrap()
                        .unwrap();
                    assert_eq!(p, ServerPacket::from(expected.clone()));
                }
            }

            let mut expected = publish.clone();
            expected.msg_id = 42;
            let mut queue = FrameQueue::new();
            fanout.push(&mut queue, 42);
            assert_eq!(drain(&mut queue, 4, 1 << 20), whole(&expected));
            let mut out = bytes::BytesMut::new();
            assert_eq!(fanout.write(&mut out, 42), out.len());
            assert_eq!(&out[..], &whole(&expected)[..]);
            let mut frame = fanout.frame(42);
            assert_eq!(frame.copy_to_bytes(frame.remaining()), whole(&expected));

            // Told its recipient count (here one), a fan-out gives the same frames: pushed
            // more than once, first with other flags, each frame is still that push's own.
            let single = Fanout::new(&publish, framing, &options())
                .unwrap()
                .for_recipients(1);
            let mut queue = FrameQueue::new();
            single.push_with(&mut queue, 5, QoS::ExactlyOnce, true);
            let mut first = publish.clone();
            (first.msg_id, first.flags.qos, first.flags.dup) = (5, QoS::ExactlyOnce, true);
            assert_eq!(drain(&mut queue, 4, 1 << 20), whole(&first));
            for msg_id in [6, 7] {
                single.push(&mut queue, msg_id);
                let mut expected = publish.clone();
                expected.msg_id = msg_id;
                assert_eq!(drain(&mut queue, 4, 1 << 20), whole(&expected));
            }

            let bob = fanout.retarget("bob-😀").unwrap();
            let mut expected = ServerPublish {
                target_id: "bob-😀".into(),
                ..publish.clone()
            };
            expected.msg_id = 9;
            let mut out = bytes::BytesMut::new();
            bob.write(&mut out, 9);
            assert_eq!(&out[..], &whole(&expected)[..]);
        }
    }
}

/// A fan-out told its recipient count shares the payload once copying it to everyone would pass
/// the copy budget, and copies below it; the bytes on the wire are the same either way.
#[test]
fn fanout_shares_by_recipient_count() {
    use queue::{FANOUT_COPY_BUDGET, Fanout};

    let payload = Bytes::from(vec![5u8; 1024]);
    let publish = ServerPublish::new(QoS::AtLeastOnce, 7, "timMsg", "g", 0, payload.clone());
    let few = FANOUT_COPY_BUDGET / payload.len();
    for (recipients, shared) in [(1, false), (few, false), (few + 1, true), (1000, true)] {
        let fanout = Fanout::from_publish(publish.clone(), Framing::Stream, &options())
            .unwrap()
            .for_recipients(recipients);
        assert_eq!(fanout.shares(), shared, "{recipients} recipients");
        assert_eq!(fanout.retarget("h").unwrap().shares(), shared);
        let mut queue = FrameQueue::new(); // default threshold: 1 KiB alone is copied
        fanout.push(&mut queue, 3);
        let mut slices = [std::io::IoSlice::new(&[]); 4];
        let n = queue.chunks_vectored(&mut slices);
        assert_eq!(n, if shared { 2 } else { 1 });
        assert_eq!(slices[n - 1].as_ptr() == payload.as_ptr(), shared);
        let mut expected = publish.clone();
        expected.msg_id = 3;
        assert_eq!(
            drain(&mut queue, 4, 1 << 20),
            expected.to_bytes(Framing::Stream, &options()).unwrap()
        );
    }
}

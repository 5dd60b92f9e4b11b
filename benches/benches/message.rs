//! A whole message, frame plus payload: a 1 KiB-class PUBLISH carrying a TimMessage, decoded
//! by timwire borrowed (`decode_slice`, `ClientPacket::<&[u8]>`, `TimMessageView`; the view returned
//! by `decode`, or filled in place by `View::decode_in`), by timwire
//! owned (`decode_packet`, then `Owned<TimMessage>` sharing the frame), and by rumqttc's frame
//! decoder followed by prost's payload decode from the frame's `Bytes` (its best case: bytes
//! fields shared). Each with and without reading every payload field afterwards.
#![allow(missing_docs)]

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use prost::Message;
use timwire_benches::proto::{tim_message_1k, walk_tim_message};
use timwire_benches::{MAX_BODY, MQTT_TOPIC, MSG_ID, TARGET, shared_buffer};
use timwire_proto::tim::{TimMessage, TimMessageView};
use timwire_proto::view::{Owned, View};
use timwire_signal::{
    ClientPacket, ClientPublish, Decode, Encode, EncodeOptions, Framing, QoS, StreamDecoder,
};

/// The same prost walk as the views', over the prost type.
fn walk_prost(m: &TimMessage) -> usize {
    let tid = |t: &Option<timwire_proto::tim::Tid>| {
        t.as_ref().map_or(0, |t| {
            t.node.len()
                + t.domain.as_ref().map_or(0, String::len)
                + t.resource.as_ref().map_or(0, String::len)
                + t.extend
                    .iter()
                    .map(|(k, v)| k.len() + v.len())
                    .sum::<usize>()
        })
    };
    m.ms_type as usize
        + tid(&m.from_tid)
        + tid(&m.to_tid)
        + tid(&m.room_tid)
        + m.data_binary.as_ref().map_or(0, Bytes::len)
        + m.data_string.as_ref().map_or(0, String::len)
        + m.extend
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>()
        + m.extra
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>()
        + m.to_list.iter().map(String::len).sum::<usize>()
}

/// Decodes one frame borrowed from `buf` (`decode_slice`, `ClientPacket::<&[u8]>`) and gives
/// its PUBLISH payload to `f`.
fn with_payload<R>(decoder: &StreamDecoder, buf: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
    let (frame, _) = decoder.decode_slice(buf).expect("valid").expect("complete");
    let ClientPacket::Publish(p) = ClientPacket::<&[u8]>::decode(&frame).expect("valid") else {
        unreachable!()
    };
    f(p.data)
}

fn whole_message(c: &mut Criterion) {
    let payload = Bytes::from(tim_message_1k().encode_to_vec());
    let publish = ClientPublish::new(QoS::AtLeastOnce, "timMsg", TARGET, MSG_ID, payload.clone());
    let tw_frame = ClientPacket::from(publish)
        .to_bytes(Framing::Stream, &EncodeOptions::default())
        .expect("fixture encodes")
        .to_vec();
    let mut mqtt =
        rumqttc::Publish::from_bytes(MQTT_TOPIC, rumqttc::QoS::AtLeastOnce, payload.clone());
    mqtt.pkid = MSG_ID;
    let mut mqtt_frame = BytesMut::new();
    rumqttc::Packet::Publish(mqtt)
        .write(&mut mqtt_frame, MAX_BODY)
        .expect("fixture encodes");
    let mqtt_frame = mqtt_frame.to_vec();

    let decoder = StreamDecoder::new();
    let size = BatchSize::NumIterations(256);
    let mut g = c.benchmark_group(format!(
        "message PUBLISH + TimMessage ({} B frame, {} B payload)",
        tw_frame.len(),
        payload.len()
    ));
    g.throughput(Throughput::Bytes(tw_frame.len() as u64));

    for read_all in [false, true] {
        let suffix = if read_all { " + read all" } else { "" };
        let walk = |view: &TimMessageView<'_>| {
            if read_all {
                walk_tim_message(view)
            } else {
                view.ms_type as usize
            }
        };
        g.bench_function(format!("timwire borrowed{suffix}"), |b| {
            b.iter_batched_ref(
                || shared_buffer(&tw_frame),
                |buf| {
                    with_payload(&decoder, buf, |data| {
                        black_box(walk(&TimMessageView::decode(data).expect("valid")))
                    })
                },
                size,
            )
        });
        g.bench_function(format!("timwire borrowed, view in place{suffix}"), |b| {
            b.iter_batched_ref(
                || shared_buffer(&tw_frame),
                |buf| {
                    with_payload(&decoder, buf, |data| {
                        let mut view = TimMessageView::default();
                        view.decode_in(data).expect("valid");
                        black_box(walk(&view))
                    })
                },
                size,
            )
        });
        g.bench_function(format!("timwire owned{suffix}"), |b| {
            b.iter_batched_ref(
                || shared_buffer(&tw_frame),
                |buf| {
                    let packet: ClientPacket = decoder
                        .decode_packet(buf)
                        .expect("valid")
                        .expect("complete");
                    let ClientPacket::Publish(p) = packet else {
                        unreachable!()
                    };
                    let owned = Owned::<TimMessage>::decode(p.data).expect("valid");
                    let n = if read_all {
                        walk_tim_message(&owned.view())
                    } else {
                        0
                    };
                    black_box((owned, n))
                },
                size,
            )
        });
        g.bench_function(format!("rumqttc + prost{suffix}"), |b| {
            b.iter_batched_ref(
                || shared_buffer(&mqtt_frame),
                |buf| {
                    let rumqttc::Packet::Publish(p) =
                        rumqttc::Packet::read(buf, MAX_BODY).expect("valid")
                    else {
                        unreachable!()
                    };
                    let m = TimMessage::decode(p.payload).expect("valid");
                    black_box(if read_all {
                        walk_prost(&m)
                    } else {
                        m.ms_type as usize
                    })
                },
                size,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, whole_message);
criterion_main!(benches);

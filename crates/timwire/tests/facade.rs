//! The facade names every type a server or client needs, without reaching into `timwire::signal`.

use std::any::type_name;
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use timwire::{
    AckStatus, ClientPacket, ConnAck, ConnAckSession, ConnAckStatus, Connect, DEFAULT_MAX_BODY,
    Decode, Encode, EncodeOptions, ErrorCode, Framing, QoS, ServerPacket, ServerPubAck,
    ServerPublish, StreamDecoder, SubAck, Subscribe, Subscriptions, Topics, UnsubAck, Unsubscribe,
    Will, time,
};

fn round_trip_server(packet: ServerPacket) {
    let wire = packet
        .to_bytes(Framing::Message, &EncodeOptions::default())
        .unwrap();
    assert_eq!(ServerPacket::from_message(wire).unwrap(), packet);
}

#[test]
fn server_answers_built_from_the_facade() {
    let t = UNIX_EPOCH + Duration::from_millis(1_795_432_394_449);
    let connack: ConnAck = ConnAck::accepted_at("bob", "tcp-0", t);
    let session: &ConnAckSession = connack.session.as_ref().unwrap();
    assert_eq!(session.timestamp, time::unix_millis(t));
    assert_eq!(connack.status, ConnAckStatus::ACCEPTED);
    round_trip_server(connack.into());

    let ack: ServerPubAck = ServerPubAck::at(1, AckStatus::SUCCESS, t).with_message_uid("TIM-1");
    assert_eq!(ack.timestamp_ms(), 1_795_432_394_449);
    round_trip_server(ack.into());

    let publish =
        ServerPublish::new(QoS::AtLeastOnce, 0, "timMsg", "alice", 2, Bytes::new()).with_time(t);
    assert_eq!(publish.date, time::unix_seconds(t));
    round_trip_server(publish.into());

    // Types that only need to be nameable from the facade.
    for name in [
        type_name::<ErrorCode>(),
        type_name::<Will>(),
        type_name::<SubAck>(),
        type_name::<UnsubAck>(),
        type_name::<Subscribe>(),
        type_name::<Unsubscribe>(),
        type_name::<Subscriptions>(),
        type_name::<Topics>(),
    ] {
        assert!(name.starts_with("timwire_signal::"), "{name}");
    }
    assert_eq!(StreamDecoder::new().max_body(), DEFAULT_MAX_BODY);
    let connect: ClientPacket = Connect::new("device-1").into();
    assert!(
        connect
            .encoded_len(Framing::Stream, &EncodeOptions::default())
            .unwrap()
            > 0
    );
}

//! `Arbitrary` packets for structure-aware fuzzing (feature `arbitrary`).
//!
//! Written by hand rather than derived: packets hold `Bytes` and `Text`, which do not
//! implement `Arbitrary`, and topic lists must not be empty. Every generated packet is encodable
//! (strings stay far below 65,535 bytes for any realistic fuzz input), so a round-trip target can
//! assert `decode(encode(p)) == p`.

use crate::Text;
use arbitrary::{Arbitrary, Result, Unstructured};
use bytes::Bytes;
use timwire_header::{Flags, QoS};

use crate::codes::{AckStatus, ConnAckStatus, DisconnectStatus};
use crate::packet::*;

fn text(u: &mut Unstructured<'_>) -> Result<Text> {
    Ok(Text::from(String::arbitrary(u)?))
}

fn data(u: &mut Unstructured<'_>) -> Result<Bytes> {
    Ok(Bytes::from(Vec::<u8>::arbitrary(u)?))
}

fn flags(u: &mut Unstructured<'_>) -> Result<Flags> {
    Ok(Flags::from_bits(u8::arbitrary(u)?))
}

fn qos(u: &mut Unstructured<'_>) -> Result<QoS> {
    Ok(QoS::from_bits(u8::arbitrary(u)?))
}

fn option<T>(
    u: &mut Unstructured<'_>,
    f: fn(&mut Unstructured<'_>) -> Result<T>,
) -> Result<Option<T>> {
    if bool::arbitrary(u)? {
        f(u).map(Some)
    } else {
        Ok(None)
    }
}

/// One or more topics (an empty list is not encodable).
fn topic_names(u: &mut Unstructured<'_>) -> Result<Vec<(String, QoS)>> {
    let mut list = vec![(String::arbitrary(u)?, qos(u)?)];
    for _ in 0..u.int_in_range(0..=4)? {
        list.push((String::arbitrary(u)?, qos(u)?));
    }
    Ok(list)
}

impl<'a> Arbitrary<'a> for ClientPacket<Bytes> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u.int_in_range(0..=8)? {
            0 => Connect {
                flags: flags(u)?,
                protocol_id: text(u)?,
                version: u.arbitrary()?,
                clean_session: u.arbitrary()?,
                keep_alive: u.arbitrary()?,
                client_id: text(u)?,
                will: option(u, |u| {
                    Ok(Will {
                        topic: text(u)?,
                        message: text(u)?,
                        qos: qos(u)?,
                        retain: u.arbitrary()?,
                    })
                })?,
                app_id: option(u, text)?,
                token: option(u, text)?,
            }
            .into(),
            1 => ClientPublish {
                flags: flags(u)?,
                topic: text(u)?,
                target_id: text(u)?,
                msg_id: u.arbitrary()?,
                data: data(u)?,
            }
            .into(),
            2 => ClientPubAck {
                flags: flags(u)?,
                msg_id: u.arbitrary()?,
            }
            .into(),
            3 => Query {
                flags: flags(u)?,
                topic: text(u)?,
                target_id: text(u)?,
                msg_id: u.arbitrary()?,
                data: data(u)?,
            }
            .into(),
            4 => QueryCon {
                flags: flags(u)?,
                msg_id: u.arbitrary()?,
            }
            .into(),
            5 => {
                let list = topic_names(u)?;
                let topics = Subscriptions::new(list.iter().map(|(t, q)| (t.as_str(), *q)))
                    .map_err(|_| arbitrary::Error::IncorrectFormat)?;
                Subscribe {
                    flags: flags(u)?,
                    msg_id: u.arbitrary()?,
                    topics,
                }
                .into()
            }
            6 => {
                let list = topic_names(u)?;
                let topics = Topics::new(list.iter().map(|(t, _)| t.as_str()))
                    .map_err(|_| arbitrary::Error::IncorrectFormat)?;
                Unsubscribe {
                    flags: flags(u)?,
                    msg_id: u.arbitrary()?,
                    topics,
                }
                .into()
            }
            7 => PingReq { flags: flags(u)? }.into(),
            _ => Disconnect {
                flags: flags(u)?,
                status: DisconnectStatus::new(u.arbitrary()?),
                reserved: u.arbitrary()?,
            }
            .into(),
        })
    }
}

impl<'a> Arbitrary<'a> for ServerPacket<Bytes> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u.int_in_range(0..=7)? {
            0 => ConnAck {
                flags: flags(u)?,
                status: ConnAckStatus::new(u.arbitrary()?),
                session: option(u, |u| {
                    Ok(ConnAckSession {
                        user_id: text(u)?,
                        session_id: text(u)?,
                        timestamp: u.arbitrary()?,
                    })
                })?,
                reserved: u.arbitrary()?,
            }
            .into(),
            1 => ServerPublish {
                flags: flags(u)?,
                date: u.arbitrary()?,
                topic: text(u)?,
                target_id: text(u)?,
                msg_id: u.arbitrary()?,
                data: data(u)?,
            }
            .into(),
            2 => ServerPubAck {
                flags: flags(u)?,
                msg_id: u.arbitrary()?,
                date: u.arbitrary()?,
                status: AckStatus::new(u.arbitrary()?),
                millisecond: u.arbitrary()?,
                message_uid: option(u, text)?,
            }
            .into(),
            3 => QueryAck {
                flags: flags(u)?,
                msg_id: u.arbitrary()?,
                date: u.arbitrary()?,
                status: AckStatus::new(u.arbitrary()?),
                data: data(u)?,
            }
            .into(),
            4 => {
                let mut granted = Vec::<u8>::arbitrary(u)?;
                if granted.is_empty() {
                    granted.push(u.arbitrary()?);
                }
                SubAck {
                    flags: flags(u)?,
                    msg_id: u.arbitrary()?,
                    granted: Bytes::from(granted),
                }
                .into()
            }
            5 => UnsubAck {
                flags: flags(u)?,
                msg_id: u.arbitrary()?,
            }
            .into(),
            6 => PingResp { flags: flags(u)? }.into(),
            _ => Disconnect {
                flags: flags(u)?,
                status: DisconnectStatus::new(u.arbitrary()?),
                reserved: u.arbitrary()?,
            }
            .into(),
        })
    }
}

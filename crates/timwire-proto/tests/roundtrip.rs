//! Property tests: every main message survives encode -> decode, and (with `serde`) the
//! canonical JSON both ways.

use std::collections::HashMap;
use std::fmt::Debug;

use bytes::Bytes;
use proptest::collection::{hash_map, vec};
use proptest::option;
use proptest::prelude::*;
use prost::Message;
use timwire_proto::conversation::{self, Conversation, FileAttachment, Location};
use timwire_proto::rongcloud::{DownStreamMessage, PushExtra, SyncRequestMsg, UpStreamMessage};
use timwire_proto::tim::{
    Tid, TimAck, TimAuth, TimError, TimMessage, TimMessageList, TimNodes, TimPresence, TimRoomBean,
    TimStream, TimUserBean,
};

fn s() -> impl Strategy<Value = String> {
    "\\PC{0,8}"
}

fn bin() -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..16).prop_map(Bytes::from)
}

fn smap() -> impl Strategy<Value = HashMap<String, String>> {
    hash_map(s(), s(), 0..3)
}

fn bmap() -> impl Strategy<Value = HashMap<String, Bytes>> {
    hash_map(s(), bin(), 0..3)
}

fn tid() -> impl Strategy<Value = Tid> {
    (
        s(),
        option::of(s()),
        option::of(s()),
        option::of(any::<i32>()),
        smap(),
    )
        .prop_map(|(node, domain, resource, termtyp, extend)| Tid {
            node,
            domain,
            resource,
            termtyp,
            extend,
        })
}

prop_compose! {
    fn tim_message()(
        ms_type in any::<i32>(), od_type in any::<i32>(),
        id in option::of(any::<i64>()), mid in option::of(any::<i64>()),
        bn_type in option::of(any::<i32>()),
        tids in (option::of(tid()), option::of(tid()), option::of(tid())),
        data_binary in option::of(bin()), data_string in option::of(s()),
        is_offline in option::of(any::<bool>()), timestamp in option::of(any::<i64>()),
        ud in (option::of(any::<i32>()), option::of(any::<i32>())),
        extend in smap(), extra in bmap(), to_list in vec(s(), 0..3),
    ) -> TimMessage {
        TimMessage {
            ms_type, od_type, id, mid, bn_type,
            from_tid: tids.0, to_tid: tids.1, room_tid: tids.2,
            data_binary, data_string, is_offline, timestamp,
            udtype: ud.0, udshow: ud.1, extend, extra, to_list,
        }
    }
}

prop_compose! {
    fn tim_presence()(
        id in option::of(any::<i64>()), offline in option::of(any::<bool>()),
        sub_status in option::of(any::<i32>()),
        from_tid in option::of(tid()), to_tid in option::of(tid()),
        to_list in vec(s(), 0..3), show in option::of(any::<i32>()),
        status in option::of(s()), extend in smap(), extra in bmap(),
    ) -> TimPresence {
        TimPresence { id, offline, sub_status, from_tid, to_tid, to_list, show, status, extend, extra }
    }
}

prop_compose! {
    fn tim_auth()(
        name in option::of(s()), pwd in option::of(s()), domain in option::of(s()),
        resource in option::of(s()), termtyp in option::of(any::<i32>()),
        token in option::of(s()), extend in smap(),
    ) -> TimAuth {
        TimAuth { name, pwd, domain, resource, termtyp, token, extend }
    }
}

prop_compose! {
    fn tim_ack()(
        ok in any::<bool>(), tim_type in any::<i32>(),
        error in option::of((option::of(any::<i32>()), option::of(s()))),
        t in option::of(any::<i64>()), n in option::of(s()),
        t2 in option::of(any::<i64>()), n2 in option::of(s()),
    ) -> TimAck {
        TimAck { ok, tim_type, error: error.map(|(code, info)| TimError { code, info }), t, n, t2, n2 }
    }
}

prop_compose! {
    fn tim_stream()(
        id in any::<i64>(), v_node in s(), dtype in option::of(any::<i32>()),
        body in option::of(bin()), from_node in s(),
    ) -> TimStream {
        TimStream { id, v_node, dtype, body, from_node }
    }
}

prop_compose! {
    fn tim_nodes()(
        ntype in any::<i32>(), nodelist in vec(s(), 0..3),
        users in hash_map(s(), (option::of(s()), option::of(any::<i64>()), vec(s(), 0..2), bmap()), 0..2),
        rooms in hash_map(s(), (option::of(s()), vec(s(), 0..2), option::of(any::<i64>()), option::of(any::<i32>())), 0..2),
        node in option::of(s()),
    ) -> TimNodes {
        let usermap = users.into_iter().map(|(k, (name, createtime, photo_tid_album, extra))| {
            (k, TimUserBean { name, createtime, photo_tid_album, extra, ..Default::default() })
        }).collect();
        let roommap = rooms.into_iter().map(|(k, (founder, managers, kind, gtype))| {
            (k, TimRoomBean { founder, managers, kind, gtype, ..Default::default() })
        }).collect();
        TimNodes { ntype, nodelist, usermap, roommap, node }
    }
}

prop_compose! {
    fn push_extra()(
        title in option::of(s()), template_id_no_use in option::of(any::<i32>()),
        push_id in option::of(s()), push_configs in option::of(s()), template_id in option::of(s()),
    ) -> PushExtra {
        PushExtra { title, template_id_no_use, push_id, push_configs, template_id }
    }
}

prop_compose! {
    fn up_stream()(
        session_id in any::<i32>(), classname in s(), content in bin(),
        push_text in option::of(s()), app_data in option::of(s()), user_id in vec(s(), 0..3),
        del_msg_time in option::of(any::<i64>()), del_msg_id in option::of(s()),
        config_flag in option::of(any::<i32>()), client_unique_id in option::of(any::<i64>()),
        extra_content in option::of(s()), push_ext in option::of(push_extra()),
    ) -> UpStreamMessage {
        UpStreamMessage {
            session_id, classname, content, push_text, app_data, user_id, del_msg_time,
            del_msg_id, config_flag, client_unique_id, extra_content, push_ext,
        }
    }
}

prop_compose! {
    // `type` stays within ChannelType: pbjson cannot write an unnamed enum value as JSON.
    fn down_stream()(
        head in (s(), 1..=8i32, option::of(s()), s(), bin(), any::<i64>(), any::<i64>()),
        mid in (option::of(any::<i64>()), option::of(s()), option::of(any::<i32>()),
                option::of(any::<i32>()), option::of(any::<i32>()), option::of(s())),
        tail in (option::of(any::<i64>()), option::of(s()), option::of(s()),
                 option::of(any::<i32>()), option::of(push_extra())),
    ) -> DownStreamMessage {
        let (from_user_id, r#type, group_id, classname, content, data_time, status) = head;
        let (extra, msg_id, direction, plantform, is_removed, source) = mid;
        let (client_unique_id, extra_content, push_content, config_flag, push_ext) = tail;
        DownStreamMessage {
            from_user_id, r#type, group_id, classname, content, data_time, status, extra, msg_id,
            direction, plantform, is_removed, source, client_unique_id, extra_content,
            push_content, config_flag, push_ext,
        }
    }
}

prop_compose! {
    fn sync_request()(
        sync_time in any::<i64>(), ispolling in any::<bool>(), isweb in option::of(any::<bool>()),
        is_pull_send in option::of(any::<bool>()), is_keeping in option::of(any::<bool>()),
        send_box_sync_time in option::of(any::<i64>()),
    ) -> SyncRequestMsg {
        SyncRequestMsg { sync_time, ispolling, isweb, is_pull_send, is_keeping, send_box_sync_time }
    }
}

prop_compose! {
    // Enum-typed fields stay within their enums (see down_stream); coordinates are exact
    // binary fractions so JSON number round trips are exact.
    fn message()(
        ids in (s(), s(), s(), 0..=4i32, 0..=11i32, s(), s(), any::<i64>()),
        state in (0..=2i32, 0..=3i32, s(), any::<bool>(), s(), 0..=4i32, any::<bool>()),
        file in option::of((s(), any::<u64>(), s(), s(), s(), option::of(any::<u32>()),
                            option::of(any::<u32>()), option::of(any::<u64>()))),
        location in option::of((s(), -180i32..180, -360i32..360)),
    ) -> conversation::Message {
        let (conversation_id, id, id_client, scene, r#type, from, to, time) = ids;
        let (flow, status, content, resend, custom, priority, need_read_receipt) = state;
        conversation::Message {
            conversation_id, id, id_client, scene, r#type, from, to, time, flow, status, content,
            file: file.map(|(url, size, name, md5, ext, width, height, duration)| FileAttachment {
                url, size, name, md5, ext, width, height, duration,
            }),
            location: location.map(|(title, lat, lon)| Location {
                title, latitude: f64::from(lat) / 2.0, longitude: f64::from(lon) / 4.0,
            }),
            resend, custom, priority, need_read_receipt,
        }
    }
}

prop_compose! {
    fn conversation_()(
        id in s(), scene in 0..=5i32, to in s(), update_time in any::<i64>(),
        unread in any::<u32>(), last_message in option::of(message()), custom in s(),
    ) -> Conversation {
        Conversation { id, scene, to, update_time, unread, last_message, custom }
    }
}

fn binary_round_trip<M: Message + Default + PartialEq + Debug>(m: &M) {
    let bytes = Bytes::from(m.encode_to_vec());
    assert_eq!(bytes.len(), m.encoded_len());
    assert_eq!(&M::decode(bytes).unwrap(), m);
}

#[cfg(feature = "serde")]
fn json_round_trip<M>(m: &M)
where
    M: PartialEq + Debug + serde::Serialize + serde::de::DeserializeOwned,
{
    let json = serde_json::to_value(m).unwrap();
    let back: M = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(&back, m, "message -> JSON -> message");
    assert_eq!(
        serde_json::to_value(&back).unwrap(),
        json,
        "JSON -> message -> JSON"
    );
    // Through text too (64-bit ints are strings, so nothing is lost).
    let text = serde_json::to_string(m).unwrap();
    assert_eq!(&serde_json::from_str::<M>(&text).unwrap(), m);
}

#[cfg(not(feature = "serde"))]
fn json_round_trip<M>(_: &M) {}

macro_rules! round_trip_tests {
    ($($name:ident: $strategy:expr;)*) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            $(
                #[test]
                fn $name(m in $strategy) {
                    binary_round_trip(&m);
                    json_round_trip(&m);
                }
            )*
        }
    };
}

round_trip_tests! {
    tim_message_round_trips: tim_message();
    tim_presence_round_trips: tim_presence();
    tim_auth_round_trips: tim_auth();
    tim_ack_round_trips: tim_ack();
    tim_stream_round_trips: tim_stream();
    tim_nodes_round_trips: tim_nodes();
    tim_message_list_round_trips: (option::of(any::<i64>()), vec(tim_message(), 0..3))
        .prop_map(|(id, message_list)| TimMessageList { id, message_list });
    up_stream_round_trips: up_stream();
    down_stream_round_trips: down_stream();
    sync_request_round_trips: sync_request();
    conversation_round_trips: conversation_();
}

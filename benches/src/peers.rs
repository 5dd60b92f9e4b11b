//! Code that peer protobuf crates generate from `proto/`, for the payload comparison benches
//! (`benches/payload_peers.rs` times them, `benches/payload_peers_alloc.rs` counts their
//! allocations), and the "read all" walks those benches run over each decoded message.
//!
//! The files under `peers/` are written by `cargo run -p xtask -- codegen`
//! (`crates/xtask/src/peers.rs`) and committed, so that the benches build without the peers'
//! code generators; do not edit them.

/// [buffa](https://docs.rs/buffa) 0.9.2, for the `tim` and `rongcloud` packages: its owned types
/// (`tim::TimMessage`, ...), its eager views (`tim::TimMessageView<'a>`, decoded from `&'a [u8]`)
/// and its owned views (`tim::TimMessageOwnedView`, decoded from `bytes::Bytes`).
///
/// Configured for prost's decoding semantics where buffa has a switch (unknown fields skipped,
/// open enums); see `crates/xtask/src/peers.rs`.
#[allow(
    missing_docs,
    unreachable_pub,
    dead_code,
    non_snake_case,
    non_camel_case_types,
    unused_qualifications,
    clippy::all
)]
pub mod buffa {
    /// Package `tim` (`proto/tim/*.proto`).
    pub mod tim {
        include!("peers/buffa/tim.rs");
    }
    /// Package `rongcloud` (`proto/rongcloud/*.proto`).
    pub mod rongcloud {
        include!("peers/buffa/rongcloud.rs");
    }
}

/// "Read all": every field of every message type the fixtures use (set or not), folded into a
/// checksum that the caller returns. Strings and bytes are touched (length and first byte);
/// repeated fields and maps are iterated to the end.
pub mod read_all {
    use super::buffa::{rongcloud as bf_rc, tim as bf_tim};
    use buffa::MessageFieldView;
    use timwire_proto::rongcloud::{
        DownStreamMessage, DownStreamMessages, PushExtra, UpStreamMessage,
    };
    use timwire_proto::tim::{Tid, TimMessage};

    fn touch(acc: u64, data: &[u8]) -> u64 {
        acc.wrapping_add(data.len() as u64)
            .wrapping_add(u64::from(data.first().copied().unwrap_or(0)))
    }

    fn opt_str(acc: u64, s: Option<&str>) -> u64 {
        s.map_or(acc.wrapping_add(1), |s| touch(acc, s.as_bytes()))
    }

    fn num(acc: u64, v: impl Into<i64>) -> u64 {
        acc.wrapping_add(v.into() as u64)
    }

    fn opt_num<T: Into<i64>>(acc: u64, v: Option<T>) -> u64 {
        v.map_or(acc.wrapping_add(1), |v| num(acc, v))
    }

    // prost (timwire-proto)

    fn prost_tid(acc: u64, t: Option<&Tid>) -> u64 {
        let Some(t) = t else {
            return acc.wrapping_add(1);
        };
        let mut acc = touch(acc, t.node.as_bytes());
        acc = opt_str(acc, t.domain.as_deref());
        acc = opt_str(acc, t.resource.as_deref());
        acc = opt_num(acc, t.termtyp);
        for (k, v) in &t.extend {
            acc = touch(touch(acc, k.as_bytes()), v.as_bytes());
        }
        acc
    }

    /// Every field of a prost `TimMessage` (and of its `Tid`s).
    pub fn prost_tim_message(m: &TimMessage) -> u64 {
        let mut acc = num(num(0, m.ms_type), m.od_type);
        acc = opt_num(acc, m.id);
        acc = opt_num(acc, m.mid);
        acc = opt_num(acc, m.bn_type);
        acc = prost_tid(acc, m.from_tid.as_ref());
        acc = prost_tid(acc, m.to_tid.as_ref());
        acc = prost_tid(acc, m.room_tid.as_ref());
        acc = m.data_binary.as_deref().map_or(acc, |d| touch(acc, d));
        acc = opt_str(acc, m.data_string.as_deref());
        acc = opt_num(acc, m.is_offline);
        acc = opt_num(acc, m.timestamp);
        acc = opt_num(acc, m.udtype);
        acc = opt_num(acc, m.udshow);
        for (k, v) in &m.extend {
            acc = touch(touch(acc, k.as_bytes()), v.as_bytes());
        }
        for (k, v) in &m.extra {
            acc = touch(touch(acc, k.as_bytes()), v);
        }
        for s in &m.to_list {
            acc = touch(acc, s.as_bytes());
        }
        acc
    }

    fn prost_push_extra(acc: u64, p: Option<&PushExtra>) -> u64 {
        let Some(p) = p else {
            return acc.wrapping_add(1);
        };
        let mut acc = opt_str(acc, p.title.as_deref());
        acc = opt_num(acc, p.template_id_no_use);
        acc = opt_str(acc, p.push_id.as_deref());
        acc = opt_str(acc, p.push_configs.as_deref());
        opt_str(acc, p.template_id.as_deref())
    }

    /// Every field of a prost `UpStreamMessage` (and of its `PushExtra`).
    pub fn prost_up_stream(m: &UpStreamMessage) -> u64 {
        let mut acc = num(0, m.session_id);
        acc = touch(acc, m.classname.as_bytes());
        acc = touch(acc, &m.content);
        acc = opt_str(acc, m.push_text.as_deref());
        acc = opt_str(acc, m.app_data.as_deref());
        for s in &m.user_id {
            acc = touch(acc, s.as_bytes());
        }
        acc = opt_num(acc, m.del_msg_time);
        acc = opt_str(acc, m.del_msg_id.as_deref());
        acc = opt_num(acc, m.config_flag);
        acc = opt_num(acc, m.client_unique_id);
        acc = opt_str(acc, m.extra_content.as_deref());
        prost_push_extra(acc, m.push_ext.as_ref())
    }

    fn prost_down_stream_message(acc: u64, m: &DownStreamMessage) -> u64 {
        let mut acc = touch(acc, m.from_user_id.as_bytes());
        acc = num(acc, m.r#type);
        acc = opt_str(acc, m.group_id.as_deref());
        acc = touch(acc, m.classname.as_bytes());
        acc = touch(acc, &m.content);
        acc = num(num(acc, m.data_time), m.status);
        acc = opt_num(acc, m.extra);
        acc = opt_str(acc, m.msg_id.as_deref());
        acc = opt_num(acc, m.direction);
        acc = opt_num(acc, m.plantform);
        acc = opt_num(acc, m.is_removed);
        acc = opt_str(acc, m.source.as_deref());
        acc = opt_num(acc, m.client_unique_id);
        acc = opt_str(acc, m.extra_content.as_deref());
        acc = opt_str(acc, m.push_content.as_deref());
        acc = opt_num(acc, m.config_flag);
        prost_push_extra(acc, m.push_ext.as_ref())
    }

    /// Every field of a prost `DownStreamMessages` and of every message in it.
    pub fn prost_down_stream(m: &DownStreamMessages) -> u64 {
        let mut acc = num(0, m.sync_time);
        acc = opt_num(acc, m.finished);
        for d in &m.list {
            acc = prost_down_stream_message(acc, d);
        }
        acc
    }

    // buffa views

    fn buffa_tid(acc: u64, t: &MessageFieldView<bf_tim::TidView<'_>>) -> u64 {
        let Some(t) = t.as_option() else {
            return acc.wrapping_add(1);
        };
        let mut acc = touch(acc, t.node.as_bytes());
        acc = opt_str(acc, t.domain);
        acc = opt_str(acc, t.resource);
        acc = opt_num(acc, t.termtyp);
        for (k, v) in &t.extend {
            acc = touch(touch(acc, k.as_bytes()), v.as_bytes());
        }
        acc
    }

    /// Every field of a buffa `TimMessageView` (and of its `TidView`s).
    pub fn buffa_tim_message(m: &bf_tim::TimMessageView<'_>) -> u64 {
        let mut acc = num(num(0, m.msType), m.odType);
        acc = opt_num(acc, m.id);
        acc = opt_num(acc, m.mid);
        acc = opt_num(acc, m.bnType);
        acc = buffa_tid(acc, &m.fromTid);
        acc = buffa_tid(acc, &m.toTid);
        acc = buffa_tid(acc, &m.roomTid);
        acc = m.dataBinary.map_or(acc, |d| touch(acc, d));
        acc = opt_str(acc, m.dataString);
        acc = opt_num(acc, m.isOffline);
        acc = opt_num(acc, m.timestamp);
        acc = opt_num(acc, m.udtype);
        acc = opt_num(acc, m.udshow);
        for (k, v) in &m.extend {
            acc = touch(touch(acc, k.as_bytes()), v.as_bytes());
        }
        for (k, v) in &m.extra {
            acc = touch(touch(acc, k.as_bytes()), v);
        }
        for s in &m.ToList {
            acc = touch(acc, s.as_bytes());
        }
        acc
    }

    fn buffa_push_extra(acc: u64, p: &MessageFieldView<bf_rc::PushExtraView<'_>>) -> u64 {
        let Some(p) = p.as_option() else {
            return acc.wrapping_add(1);
        };
        let mut acc = opt_str(acc, p.title);
        acc = opt_num(acc, p.templateIdNoUse);
        acc = opt_str(acc, p.pushId);
        acc = opt_str(acc, p.pushConfigs);
        opt_str(acc, p.templateId)
    }

    /// Every field of a buffa `UpStreamMessageView` (and of its `PushExtraView`).
    pub fn buffa_up_stream(m: &bf_rc::UpStreamMessageView<'_>) -> u64 {
        let mut acc = num(0, m.sessionId);
        acc = touch(acc, m.classname.as_bytes());
        acc = touch(acc, m.content);
        acc = opt_str(acc, m.pushText);
        acc = opt_str(acc, m.appData);
        for s in &m.userId {
            acc = touch(acc, s.as_bytes());
        }
        acc = opt_num(acc, m.delMsgTime);
        acc = opt_str(acc, m.delMsgId);
        acc = opt_num(acc, m.configFlag);
        acc = opt_num(acc, m.clientUniqueId);
        acc = opt_str(acc, m.extraContent);
        buffa_push_extra(acc, &m.pushExt)
    }

    fn buffa_down_stream_message(acc: u64, m: &bf_rc::DownStreamMessageView<'_>) -> u64 {
        let mut acc = touch(acc, m.fromUserId.as_bytes());
        acc = num(acc, m.r#type.to_i32());
        acc = opt_str(acc, m.groupId);
        acc = touch(acc, m.classname.as_bytes());
        acc = touch(acc, m.content);
        acc = num(num(acc, m.dataTime), m.status);
        acc = opt_num(acc, m.extra);
        acc = opt_str(acc, m.msgId);
        acc = opt_num(acc, m.direction);
        acc = opt_num(acc, m.plantform);
        acc = opt_num(acc, m.isRemoved);
        acc = opt_str(acc, m.source);
        acc = opt_num(acc, m.clientUniqueId);
        acc = opt_str(acc, m.extraContent);
        acc = opt_str(acc, m.pushContent);
        acc = opt_num(acc, m.configFlag);
        buffa_push_extra(acc, &m.pushExt)
    }

    /// Every field of a buffa `DownStreamMessagesView` and of every message view in it.
    pub fn buffa_down_stream(m: &bf_rc::DownStreamMessagesView<'_>) -> u64 {
        let mut acc = num(0, m.syncTime);
        acc = opt_num(acc, m.finished);
        for d in &m.list {
            acc = buffa_down_stream_message(acc, d);
        }
        acc
    }
}

//! tim's wire model (`proto/tim/`): message and field names as tim spells them, field numbers =
//! tim's Thrift field ids at its current IDL.
//!
//! Code fields (`ms_type`, `od_type`, `bn_type`, `ntype`, `gtype`, `TimReq::rtype`,
//! `TimError::code`, `TimAck::tim_type`) are plain `i32`, so any value round-trips, including
//! user-defined `od_type` > 30 and codes newer than this crate. To match on a known value,
//! convert with the generated enums: `MsType::try_from(msg.ms_type)`, or use the helpers
//! ([`TimMessage::ms_type_known`], ...). In JSON those fields are numbers.
//!
//! [`TimMessage::timestamp`] is Unix **nanoseconds**, set by the server
//! ([`TimMessage::sent_at`] converts it).

mod generated {
    #![allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic)]
    include!("generated/tim.rs");
    #[cfg(feature = "serde")]
    include!("generated/tim.serde.rs");
    include!("generated/tim.views.rs");
}

pub use generated::*;

pub mod presence;
pub mod rules;

use std::time::{Duration, SystemTime};

impl TimMessage {
    /// `ms_type` as a known [`MsType`], or `None` for a value this crate does not name.
    pub fn ms_type_known(&self) -> Option<MsType> {
        MsType::try_from(self.ms_type).ok()
    }

    /// `od_type` as a known [`OdType`], or `None` (e.g. a user-defined value > 30).
    pub fn od_type_known(&self) -> Option<OdType> {
        OdType::try_from(self.od_type).ok()
    }

    /// `bn_type` as a known [`BnType`], or `None` when absent or unknown.
    pub fn bn_type_known(&self) -> Option<BnType> {
        self.bn_type.and_then(|v| BnType::try_from(v).ok())
    }

    /// `timestamp` (Unix nanoseconds) as a [`SystemTime`]; `None` when absent or negative.
    pub fn sent_at(&self) -> Option<SystemTime> {
        let ns = u64::try_from(self.timestamp?).ok()?;
        SystemTime::UNIX_EPOCH.checked_add(Duration::from_nanos(ns))
    }
}

impl TimNodes {
    /// `ntype` as a known [`NodeInfoType`].
    pub fn ntype_known(&self) -> Option<NodeInfoType> {
        NodeInfoType::try_from(self.ntype).ok()
    }
}

impl TimAck {
    /// `tim_type` as a known [`TimType`] (the request this ack answers).
    pub fn tim_type_known(&self) -> Option<TimType> {
        TimType::try_from(self.tim_type).ok()
    }
}

impl TimError {
    /// `code` as a known [`TimErrorCode`].
    pub fn code_known(&self) -> Option<TimErrorCode> {
        self.code.and_then(|v| TimErrorCode::try_from(v).ok())
    }
}

impl TimRoomBean {
    /// `gtype` as a known [`GroupType`].
    pub fn gtype_known(&self) -> Option<GroupType> {
        self.gtype.and_then(|v| GroupType::try_from(v).ok())
    }
}

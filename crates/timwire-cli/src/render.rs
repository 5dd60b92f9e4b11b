//! Human-readable rendering of a frame's JSON form: one line of header and fields, and one
//! line with the payload.

use std::fmt::Write as _;

use crate::json::{FrameJson, Side};

/// How many data bytes the one-line form shows in hex.
const DATA_PREVIEW: usize = 24;

/// `C→S PUBLISH qos=1 msgId=1 topic="timMsg" targetId="bob" data=0a0b… (24 B)`.
pub(crate) fn line(j: &FrameJson) -> String {
    let mut out = String::new();
    let arrow = match j.from {
        Some(Side::Client) => "C→S",
        Some(Side::Server) => "S→C",
        None => "?→?",
    };
    let _ = write!(out, "{arrow} {:<11} qos={}", j.kind, j.qos);
    if j.dup {
        out.push_str(" dup");
    }
    if j.retain {
        out.push_str(" retain");
    }
    let mut field = |name: &str, value: String| {
        let _ = write!(out, " {name}={value}");
    };
    let quoted = |s: &str| format!("{s:?}");
    if let Some(v) = &j.protocol_id {
        field("protocolId", quoted(v));
    }
    if let Some(v) = j.version {
        field("version", v.to_string());
    }
    if let Some(v) = j.clean_session {
        field("cleanSession", v.to_string());
    }
    if let Some(v) = j.keep_alive {
        field("keepAlive", v.to_string());
    }
    if let Some(v) = &j.client_id {
        field("clientId", quoted(v));
    }
    if let Some(v) = &j.will_topic {
        field("willTopic", quoted(v));
    }
    if let Some(v) = &j.will {
        field("will", quoted(v));
    }
    if let Some(v) = j.will_qos {
        field("willQos", v.to_string());
    }
    if let Some(v) = j.will_retain {
        field("willRetain", v.to_string());
    }
    if let Some(v) = &j.app_id {
        field("appId", quoted(v));
    }
    if let Some(v) = &j.token {
        field("token", quoted(v));
    }
    if let Some(v) = j.msg_id {
        field("msgId", v.to_string());
    }
    if let Some(v) = j.date {
        field("date", v.to_string());
    }
    if let Some(v) = &j.topic {
        field("topic", quoted(v));
    }
    if let Some(v) = &j.target_id {
        field("targetId", quoted(v));
    }
    if let Some(v) = j.status {
        match &j.status_name {
            Some(name) => field("status", format!("{v}({name})")),
            None => field("status", v.to_string()),
        }
    }
    if let Some(v) = j.millisecond {
        field("millisecond", v.to_string());
    }
    if let Some(v) = &j.message_uid {
        field("messageUId", quoted(v));
    }
    if let Some(v) = &j.user_id {
        field("userId", quoted(v));
    }
    if let Some(v) = &j.session_id {
        field("sessionId", quoted(v));
    }
    if let Some(v) = j.timestamp {
        field("timestamp", v.to_string());
    }
    if let Some(v) = &j.subscriptions {
        let list: Vec<String> = v
            .iter()
            .map(|s| format!("{:?}:{}", s.topic, s.qos))
            .collect();
        field("subscriptions", format!("[{}]", list.join(",")));
    }
    if let Some(v) = &j.topics {
        field("topics", format!("{v:?}"));
    }
    if let Some(v) = &j.granted {
        field("granted", format!("{v:?}"));
    }
    if let Some(v) = j.reserved {
        field("reserved", v.to_string());
    }
    if let Some(v) = &j.text_encoding {
        field("textEncoding", v.clone());
    }
    if let Some(v) = &j.query_topic {
        field("queryTopic", quoted(v));
    }
    if let Some(v) = &j.data {
        let len = v.len() / 2;
        let shown = if v.len() > 2 * DATA_PREVIEW {
            format!("{}…", v.get(..2 * DATA_PREVIEW).unwrap_or(v))
        } else {
            v.clone()
        };
        field("data", format!("{shown} ({len} B)"));
    }
    out
}

/// `payload TimMessage {"msType":2,…}`, or the payload error, or `None` without a typed payload.
pub(crate) fn payload(j: &FrameJson) -> Option<String> {
    if let Some(error) = &j.payload_error {
        return Some(format!("payload error: {error}"));
    }
    let payload = j.payload.as_ref()?;
    let name = j.payload_type.as_deref().unwrap_or("payload");
    Some(format!("payload {name} {payload}"))
}

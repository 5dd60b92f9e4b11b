//! Human-readable rendering of a frame's JSON form: one line of header and fields, and one
//! line with the payload. The fields are the JSON's, in its order, as `name=value`.

use std::fmt::Write as _;

use serde_json::Value;

use crate::json::{FrameJson, Side};

/// How many data bytes the one-line form shows in hex.
const DATA_PREVIEW: usize = 24;

/// Fields the line shows elsewhere (the header part, `data` last) or not at all (the payload
/// has its own line; `frame` repeats the input).
const NOT_IN_LINE: &[&str] = &[
    "from",
    "type",
    "dup",
    "qos",
    "retain",
    "statusName",
    "data",
    "payloadType",
    "payload",
    "payloadError",
    "frame",
];

/// A value as the line shows it: strings quoted, lists in brackets.
fn value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(value).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// `C→S PUBLISH qos=1 msgId=1 topic="timMsg" targetId="bob" data=0a0b… (24 B)`.
pub(crate) fn line(j: &FrameJson) -> String {
    let fields = j.fields().0;
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let arrow = match j.from {
        Side::Client => "C→S",
        Side::Server => "S→C",
    };
    let kind = get("type").and_then(Value::as_str).unwrap_or("?");
    let qos = get("qos").map(value).unwrap_or_default();
    let mut out = format!("{arrow} {kind:<11} qos={qos}");
    for flag in ["dup", "retain"] {
        if get(flag).and_then(Value::as_bool) == Some(true) {
            let _ = write!(out, " {flag}");
        }
    }
    for (name, v) in &fields {
        if NOT_IN_LINE.contains(&name.as_str()) {
            continue;
        }
        let shown = match (name.as_str(), v) {
            ("status", _) => match get("statusName").and_then(Value::as_str) {
                Some(status_name) => format!("{v}({status_name})"),
                None => v.to_string(),
            },
            ("subscriptions", Value::Array(items)) => {
                let items: Vec<String> = items
                    .iter()
                    .map(|e| format!("{}:{}", value(&e["topic"]), e["qos"]))
                    .collect();
                format!("[{}]", items.join(","))
            }
            ("textEncoding", Value::String(s)) => s.clone(),
            _ => value(v),
        };
        let _ = write!(out, " {name}={shown}");
    }
    if let Some(Value::String(hex)) = get("data") {
        let len = hex.len() / 2;
        let shown = match hex.get(..2 * DATA_PREVIEW) {
            Some(head) if hex.len() > 2 * DATA_PREVIEW => format!("{head}…"),
            _ => hex.clone(),
        };
        let _ = write!(out, " data={shown} ({len} B)");
    }
    out
}

/// `payload TimMessage {"msType":2,…}`, or the payload error, or `None` without a typed payload.
pub(crate) fn payload(j: &FrameJson) -> Option<String> {
    if let Some(error) = &j.payload_error {
        return Some(format!("payload error: {error}"));
    }
    let payload = j.payload.as_ref()?;
    let name = j.payload_type.unwrap_or("payload");
    Some(format!("payload {name} {payload}"))
}

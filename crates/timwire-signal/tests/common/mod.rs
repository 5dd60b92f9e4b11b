//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use timwire_signal::header::stream::StreamPrefix;
use timwire_signal::{Header, header::varint};

/// `[header][body]`.
pub fn message(header: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![header];
    v.extend_from_slice(body);
    v
}

/// `[header][checksum][varint][body]`, built independently of the encoder under test.
pub fn stream(header: u8, body: &[u8]) -> Vec<u8> {
    let len = varint::encode(body.len() as u64).unwrap();
    let checksum = len.as_slice().iter().fold(header, |a, b| a ^ b);
    let mut v = vec![header, checksum];
    v.extend_from_slice(len.as_slice());
    v.extend_from_slice(body);
    assert_eq!(
        &v[..2 + len.len()],
        StreamPrefix::new(Header::from_byte(header), body.len() as u64)
            .unwrap()
            .as_bytes()
    );
    v
}

/// `[u16 len][bytes]`.
pub fn s(text: &str) -> Vec<u8> {
    let mut v = (text.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(text.as_bytes());
    v
}

pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

//! The bodies of timwire's fuzz targets.
//!
//! Each `fn(&[u8])` here is one target: `fuzz/fuzz_targets/<name>.rs` calls it under libFuzzer
//! (nightly, `cargo fuzz run <name>`), and `tests/corpus_replay.rs` calls it on stable for every
//! committed corpus and regression file, so CI keeps old findings fixed without nightly.
//! A target fails by panicking: decoders must never panic, so every panic here is either a
//! decoder bug or a broken property (asserted below).

use std::fmt::{Debug, Write as _};
use std::sync::OnceLock;

use bytes::{Bytes, BytesMut};
use timwire::capture::{ReadOptions, Reader as CaptureReader, Writer as CaptureWriter};
use timwire::proto::view::{HasView, Owned, View, ViewErrorKind};
use timwire::registry::{Carrier, Payload, Profile};
use timwire::signal::{
    ClientPacket, Decode, Encode, EncodeOptions, Frame, Framing, FromStream, ServerPacket,
    StreamDecoder, TextEncoding,
};

/// A fuzz target's body.
pub type Target = fn(&[u8]);

/// Every target, by name (the names of `fuzz/fuzz_targets/*.rs` and of the corpus folders).
pub const TARGETS: &[(&str, Target)] = &[
    ("stream_decoder", stream_decoder),
    ("message_decode", message_decode),
    ("payload_decode", payload_decode),
    ("roundtrip", roundtrip),
    ("capture_reader", capture_reader),
    ("payload_view", payload_view),
    ("capture", capture),
    ("relay_patch", relay_patch),
];

/// The outcome of taking frames off a stream, for comparing two ways of feeding it.
#[derive(Debug, PartialEq)]
enum Step {
    Frame(Frame<Bytes>),
    Error(timwire::DecodeError),
}

fn drain(decoder: &StreamDecoder, buf: &mut BytesMut, out: &mut Vec<Step>) -> bool {
    loop {
        let before = buf.clone();
        match decoder.decode(buf) {
            Ok(Some(frame)) => out.push(Step::Frame(frame)),
            Ok(None) => {
                assert_eq!(*buf, before, "\"need more\" consumed input");
                return true;
            }
            Err(e) => {
                assert_eq!(*buf, before, "a framing error consumed input");
                out.push(Step::Error(e));
                return false;
            }
        }
    }
}

/// The stream decoder fed in chunk sizes the fuzzer chooses.
///
/// Input: `[limit selector][n][n chunk sizes][stream bytes…]`. Properties: "need more" and
/// framing errors consume nothing; any chunking yields the same frames and errors as feeding
/// everything at once; every frame that decodes as a typed packet re-encodes and decodes to the
/// same packet; `decode_packet` (whose PUBLISH hot path parses in the buffer) gives what
/// `decode` + `decode_owned` give, and consumes as much.
pub fn stream_decoder(data: &[u8]) {
    let Some((&limit, rest)) = data.split_first() else {
        return;
    };
    let Some((&n, rest)) = rest.split_first() else {
        return;
    };
    let n = usize::from(n % 17).min(rest.len());
    let (sizes, stream) = rest.split_at(n);
    // Limits from 1 byte to 64 KiB, and the default.
    let decoder = match limit % 18 {
        17 => StreamDecoder::new(),
        shift => StreamDecoder::with_max_body(1usize << shift),
    };

    let mut whole = Vec::new();
    drain(&decoder, &mut BytesMut::from(stream), &mut whole);
    same_both_ways::<ClientPacket>(&decoder, stream);
    same_both_ways::<ServerPacket>(&decoder, stream);

    let mut chunked = Vec::new();
    let mut buf = BytesMut::new();
    let mut pos = 0;
    let mut sizes = sizes.iter().map(|&s| usize::from(s).max(1)).cycle();
    while pos < stream.len() {
        let size = sizes.next().unwrap_or(stream.len()).min(stream.len() - pos);
        buf.extend_from_slice(&stream[pos..pos + size]);
        pos += size;
        if !drain(&decoder, &mut buf, &mut chunked) {
            break;
        }
    }
    assert_eq!(chunked, whole, "chunking changed the result");

    for step in &whole {
        if let Step::Frame(frame) = step {
            check_reencode::<ClientPacket>(frame);
            check_reencode::<ServerPacket>(frame);
        }
    }
}

/// The first frame of `stream` taken as `P` by `decode_packet` and by `decode` +
/// `decode_owned`: the same result, the same bytes consumed.
fn same_both_ways<P>(decoder: &StreamDecoder, stream: &[u8])
where
    P: FromStream + PartialEq + std::fmt::Debug,
{
    let mut fast_buf = BytesMut::from(stream);
    let fast = decoder.decode_packet::<P>(&mut fast_buf);
    let mut general_buf = BytesMut::from(stream);
    let general = match decoder.decode(&mut general_buf) {
        Ok(Some(frame)) => P::decode_owned(frame).map(Some),
        other => other.map(|_| None),
    };
    assert_eq!(fast, general, "decode_packet and decode_owned disagree");
    assert_eq!(fast_buf.len(), general_buf.len(), "consumed differently");
}

/// A frame that decodes as `P` re-encodes (stream framing) to bytes that decode to the same `P`.
fn check_reencode<P>(frame: &Frame<Bytes>)
where
    P: FromStream + Encode + PartialEq + std::fmt::Debug,
{
    let Ok(packet) = P::decode(frame) else { return };
    let options = EncodeOptions {
        max_body: usize::MAX,
        ..EncodeOptions::default()
    };
    let bytes = packet
        .to_bytes(Framing::Stream, &options)
        .expect("a decoded packet encodes");
    let mut buf = BytesMut::from(&bytes[..]);
    let again = StreamDecoder::with_max_body(usize::MAX)
        .decode_packet::<P>(&mut buf)
        .expect("re-encoded bytes decode")
        .expect("a whole frame");
    assert_eq!(again, packet);
    assert!(buf.is_empty());
}

/// Message framing (WebSocket) in both directions, from a slice and from `Bytes`.
///
/// Properties: the two backings agree; a decoded packet re-encodes to a frame that decodes to
/// the same packet, in UTF-8 and CESU-8 text.
pub fn message_decode(data: &[u8]) {
    let shared = Bytes::copy_from_slice(data);
    message_direction::<ClientPacket<&[u8]>, ClientPacket<Bytes>>(data, &shared);
    message_direction::<ServerPacket<&[u8]>, ServerPacket<Bytes>>(data, &shared);
}

fn message_direction<'a, S, O>(data: &'a [u8], shared: &Bytes)
where
    S: Decode<&'a [u8]> + Encode + std::fmt::Debug,
    O: Decode<Bytes> + Encode + PartialEq + std::fmt::Debug,
{
    let borrowed = S::from_message(data);
    let owned = O::from_message(shared.clone());
    assert_eq!(borrowed.is_ok(), owned.is_ok(), "backings disagree");
    let (Ok(borrowed), Ok(owned)) = (borrowed, owned) else {
        return;
    };
    let options = EncodeOptions {
        max_body: usize::MAX,
        ..EncodeOptions::default()
    };
    let from_slice = borrowed
        .to_bytes(Framing::Message, &options)
        .expect("encodes");
    assert_eq!(
        from_slice,
        owned.to_bytes(Framing::Message, &options).expect("encodes")
    );
    for text in [TextEncoding::Utf8, TextEncoding::Cesu8] {
        let options = EncodeOptions { text, ..options };
        let bytes = owned.to_bytes(Framing::Message, &options).expect("encodes");
        assert_eq!(
            O::from_message(bytes).expect("re-encoded frame decodes"),
            owned
        );
    }
}

/// Every payload decode through the topic registry.
///
/// Input: `[selector][topic index][data…]`; the selector picks the profile and the carrier, the
/// index one of the profile's topics (or an unknown one). A typed payload re-encodes and
/// decodes to itself.
pub fn payload_decode(data: &[u8]) {
    let [selector, index, rest @ ..] = data else {
        return;
    };
    let profile = if selector & 1 == 0 {
        Profile::Tim
    } else {
        Profile::RongCloud
    };
    let carrier = match (selector >> 1) % 5 {
        0 => Carrier::ClientPublish,
        1 => Carrier::ServerPublish { sync: false },
        2 => Carrier::ServerPublish { sync: true },
        3 => Carrier::Query,
        _ => Carrier::QueryAck,
    };
    let topics: Vec<_> = profile.topics().collect();
    let topic = topics
        .get(usize::from(*index) % (topics.len() + 1))
        .map_or("unknownTopic", |t| t.name);
    let data = Bytes::copy_from_slice(rest);
    match profile.decode(topic, carrier, data.clone()) {
        Ok(Payload::Raw(raw)) => assert_eq!(raw, data),
        Ok(payload) => {
            let kind = payload.payload_type().expect("typed");
            let again = kind
                .decode(payload.encode_to_bytes())
                .expect("re-encoded payload decodes");
            assert_eq!(again, payload);
        }
        Err(_) => {}
    }
}

/// Structured round trip: an arbitrary packet encodes and decodes to itself in both framings
/// and both text encodings.
pub fn roundtrip(data: &[u8]) {
    let mut u = arbitrary::Unstructured::new(data);
    let Ok(client) = u.arbitrary::<bool>() else {
        return;
    };
    if client {
        if let Ok(packet) = u.arbitrary::<ClientPacket>() {
            roundtrip_packet(&packet);
        }
    } else if let Ok(packet) = u.arbitrary::<ServerPacket>() {
        roundtrip_packet(&packet);
    }
}

fn roundtrip_packet<P>(packet: &P)
where
    P: FromStream + Encode + PartialEq + std::fmt::Debug,
{
    for text in [TextEncoding::Utf8, TextEncoding::Cesu8] {
        let options = EncodeOptions {
            text,
            max_body: usize::MAX,
        };
        for framing in [Framing::Message, Framing::Stream] {
            let bytes = packet
                .to_bytes(framing, &options)
                .expect("arbitrary packets encode");
            assert_eq!(
                bytes.len(),
                packet.encoded_len(framing, &options).expect("sized")
            );
            let decoded = match framing {
                Framing::Message => P::from_message(bytes),
                Framing::Stream => StreamDecoder::with_max_body(usize::MAX)
                    .decode_packet::<P>(&mut BytesMut::from(&bytes[..]))
                    .map(|p| p.expect("a whole frame")),
            };
            assert_eq!(&decoded.expect("encoded packets decode"), packet);
        }
    }
}

/// The capture file reader, strict and skipping damage.
///
/// Input: `[mode][file…]`; the mode picks the frame-length limit (2 B to 1 MiB) and whether to
/// skip damaged records. Properties: the reader ends (at most one item per input byte, plus
/// one); the records it accepts, written out again and read back strictly, are the same records.
pub fn capture_reader(data: &[u8]) {
    let Some((&mode, file)) = data.split_first() else {
        return;
    };
    let options = ReadOptions {
        max_frame_len: 2 << (mode % 20),
        skip_damaged: mode & 0x80 != 0,
    };
    let Ok(reader) = CaptureReader::with_options(file, options) else {
        return;
    };
    let framing = reader.framing();
    let mut good = Vec::new();
    for (items, item) in reader.enumerate() {
        assert!(items <= file.len() + 1, "the reader does not end");
        match item {
            Ok(record) => good.push(record),
            Err(_) => break,
        }
    }
    let mut writer = CaptureWriter::new(Vec::new(), framing).expect("header writes");
    for record in &good {
        writer.write(record).expect("an accepted record writes");
    }
    let bytes = writer.into_inner();
    let back: Result<Vec<_>, _> = CaptureReader::new(&bytes[..])
        .expect("header reads")
        .collect();
    assert_eq!(back.expect("rewritten records read back"), good);
}

/// The zero-copy protobuf views against prost, on every message type.
///
/// Input: `[type selector][payload…]`; the selector picks one message type of
/// `timwire_proto::for_each_message!` (modulo their number, see [`view_types`]). Properties:
/// the view decoder (`FooView::decode`, and `Owned::<Foo>::decode` from `Bytes`) accepts the
/// payload exactly when prost's `Foo::decode` does; when both accept, the view converts to the
/// value prost decoded; when both reject, the error class is the same
/// ([`prost_error_kind`]). Any disagreement panics with the type, the input in hex and both
/// results.
pub fn payload_view(data: &[u8]) {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    let types = view_types();
    let (name, check) = types[usize::from(selector) % types.len()];
    if let Err(disagreement) = check(payload) {
        panic!(
            "view and prost disagree on {name}, input {}: {disagreement}",
            hex(payload)
        );
    }
}

/// The differential check of one message type: `Err` describes a disagreement.
pub type ViewCheck = fn(&[u8]) -> Result<(), String>;

/// Every message type with a view, in `for_each_message!` order: its protobuf name and
/// [`view_differential`] instantiated for it. `payload_view`'s selector byte indexes this.
pub fn view_types() -> &'static [(&'static str, ViewCheck)] {
    static TYPES: OnceLock<Vec<(&'static str, ViewCheck)>> = OnceLock::new();
    TYPES.get_or_init(|| {
        let mut types: Vec<(&'static str, ViewCheck)> = Vec::new();
        macro_rules! push {
            ($ty:path, $name:literal) => {
                types.push(($name, view_differential::<$ty>));
            };
        }
        timwire::proto::for_each_message!(push);
        types
    })
}

/// Decodes `bytes` as an `M` with prost and as its view (borrowed and [`Owned`]), and compares:
/// both accept or both reject; accepted values are equal; rejections have the same class.
pub fn view_differential<M>(bytes: &[u8]) -> Result<(), String>
where
    M: HasView + PartialEq + Debug,
{
    let prost = M::decode(bytes);
    let view = <M::View<'_> as View<'_>>::decode(bytes);
    let owned = Owned::<M>::decode(Bytes::copy_from_slice(bytes));
    match (&prost, &view) {
        (Ok(expected), Ok(view)) => {
            let got = view.to_message();
            if !same_message(&got, expected) {
                return Err(format!("values differ: prost {expected:?}, view {got:?}"));
            }
            let owned = owned.map_err(|e| format!("the view decodes but Owned fails: {e}"))?;
            let got = owned.to_message();
            if !same_message(&got, expected) {
                return Err(format!("values differ: prost {expected:?}, Owned {got:?}"));
            }
            // Reading every field, repeated field and map of the view does not fail.
            let mut sink = String::new();
            write!(sink, "{view:?}").map_err(|e| e.to_string())?;
            Ok(())
        }
        (Err(expected), Err(got)) => {
            let class = prost_error_kind(expected);
            if class != Some(got.kind()) {
                return Err(format!(
                    "error classes differ: prost {expected} ({class:?}), view {got} ({:?})",
                    got.kind()
                ));
            }
            match owned {
                Err(owned) if owned == *got => Ok(()),
                other => Err(format!(
                    "the view fails with {got} but Owned gives {:?}",
                    other.map(|_| "Ok")
                )),
            }
        }
        (Ok(expected), Err(got)) => Err(format!(
            "prost accepts ({expected:?}), the view rejects: {got} ({:?})",
            got.kind()
        )),
        (Err(expected), Ok(got)) => Err(format!(
            "prost rejects ({expected}), the view accepts: {:?}",
            got.to_message()
        )),
    }
}

/// Whether two prost messages are the same value: `==`, or (for `NaN` in float fields, which
/// `==` never equates) the same encoding. Maps encode in hash order, hence `==` first.
pub fn same_message<M: prost::Message + PartialEq>(a: &M, b: &M) -> bool {
    a == b || a.encode_to_vec() == b.encode_to_vec()
}

/// The [`ViewErrorKind`] of a prost `DecodeError`, from its description (the text after
/// `failed to decode Protobuf message: ` and the `Message.field: ` stack); `None` for a
/// description no view error has.
pub fn prost_error_kind(error: &prost::DecodeError) -> Option<ViewErrorKind> {
    let text = error.to_string();
    let mut rest = text.strip_prefix("failed to decode Protobuf message: ")?;
    // Skip the stack: `Message.field: ` entries (descriptions have spaces before any ':').
    while let Some((head, tail)) = rest.split_once(": ") {
        let is_frame = head.split_once('.').is_some_and(|(m, f)| {
            !m.is_empty()
                && !f.is_empty()
                && (m.chars().chain(f.chars()))
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '#')
        });
        if !is_frame {
            break;
        }
        rest = tail;
    }
    const KINDS: [ViewErrorKind; 10] = [
        // "invalid wire type value: N" before "invalid wire type: X (expected Y)".
        ViewErrorKind::InvalidWireType,
        ViewErrorKind::UnexpectedWireType,
        ViewErrorKind::InvalidVarint,
        ViewErrorKind::InvalidKey,
        ViewErrorKind::InvalidTag,
        ViewErrorKind::BufferUnderflow,
        ViewErrorKind::DelimitedLengthExceeded,
        ViewErrorKind::UnexpectedEndGroup,
        ViewErrorKind::InvalidUtf8,
        ViewErrorKind::RecursionLimit,
    ];
    KINDS.into_iter().find(|kind| {
        let description = kind.description();
        match *kind {
            ViewErrorKind::InvalidWireType | ViewErrorKind::InvalidKey => rest
                .strip_prefix(description)
                .is_some_and(|n| n.starts_with(": ")),
            ViewErrorKind::UnexpectedWireType => rest
                .strip_prefix(description)
                .is_some_and(|n| n.starts_with(": ") && n.contains(" (expected ")),
            _ => rest == description,
        }
    })
}

/// Lowercase hex, no separators.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The tcpdump/Wireshark capture reader of the CLI (`timwire_cli::pcap`): pcap and pcapng,
/// link layers, IP/TCP, TCP reassembly, WebSocket and the RMTP framing search.
///
/// Input: the capture file itself (so real captures are seeds as they are). Properties: reading
/// never panics; every record is non-empty, names a connection the capture lists, and has the
/// framing of that connection; the records hold no more bytes than the file (memory is bounded
/// by the input); reading the same bytes again gives the same result.
pub fn capture(data: &[u8]) {
    let options = timwire_cli::pcap::Options::default();
    let Ok(capture) = timwire_cli::pcap::read(data, &options) else {
        return;
    };
    let mut total = 0usize;
    for r in &capture.records {
        assert!(!r.frame.is_empty(), "an empty record");
        let conn = capture
            .connection(r.conn)
            .expect("a record names a listed connection");
        assert_eq!(
            conn.framing, r.framing,
            "a record's framing is its connection's"
        );
        total += r.frame.len();
    }
    assert!(
        total <= data.len(),
        "records hold {total} bytes, more than the {}-byte file",
        data.len()
    );
    let again = timwire_cli::pcap::read(data, &options).expect("reads again");
    assert_eq!(again.records, capture.records, "reading is deterministic");
}

/// The tim relay's byte patch: a server forwarding a client's TimMessage makes the recipients'
/// payload from the client's bytes, rewriting only the fields it sets
/// ([`Forwarded::with_client_bytes`](timwire_session::relay::tim::Forwarded::with_client_bytes)),
/// instead of encoding the message again.
///
/// Input: `[selector][client TimMessage bytes…]`; the selector's low bit gives the sender a
/// domain, the rest is the server's message number. Properties: when prost decodes the bytes
/// and the relay's rules take the message, the payload of every recipient's PUBLISH decodes to
/// exactly the forwarded message, whatever the client's bytes held (fields repeated, unknown
/// fields, groups, fields out of order), and nothing panics.
pub fn relay_patch(data: &[u8]) {
    use prost::Message as _;
    use timwire::proto::tim::{Tid, TimMessage};
    use timwire_session::relay::UidGenerator;
    use timwire_session::relay::tim::Forwarded;

    let Some((&selector, original)) = data.split_first() else {
        return;
    };
    let Ok(message) = TimMessage::decode(original) else {
        return;
    };
    let sender = Tid {
        node: "alice".into(),
        domain: (selector & 1 == 1).then(|| "example".into()),
        ..Default::default()
    };
    let stamp = UidGenerator::new(1)
        .next(1_795_432_394_449)
        .expect("a first stamp");
    let Ok(forwarded) = Forwarded::new(&sender, message, stamp, i64::from(selector >> 1)) else {
        return;
    };
    let patched = forwarded.with_client_bytes(original);
    let payload = patched.publish(1).data;
    match TimMessage::decode(payload.clone()) {
        Ok(sent) => assert!(
            same_message(&sent, patched.message()),
            "the patched payload decodes to another message: input {}, payload {}",
            hex(original),
            hex(&payload)
        ),
        Err(e) => panic!(
            "the patched payload does not decode ({e}): input {}, payload {}",
            hex(original),
            hex(&payload)
        ),
    }
}

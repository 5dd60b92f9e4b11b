//! RongCloud flag helpers keep every bit and name the known ones.

use bytes::Bytes;
use timwire_proto::rongcloud::flags::{ConfigFlag, MessageTag, ReceivedStatus};
use timwire_proto::rongcloud::{DownStreamMessage, UpStreamMessage};

#[test]
fn message_tag_bits() {
    assert_eq!(MessageTag::PERSISTED.bits(), 0x01);
    assert_eq!(MessageTag::COUNTED.bits(), 0x02);
    assert_eq!(MessageTag::MENTIONED.bits(), 0x04);
    assert_eq!(MessageTag::DISABLE_NOTIFICATION.bits(), 0x20);
    assert_eq!(MessageTag::CAN_INCLUDE_EXPANSION.bits(), 0x40);
    // 2.x web SDK: 7 = persisted + counted + mentioned.
    let t = MessageTag::from_bits(7);
    assert!(t.is_persisted() && t.is_counted() && t.is_mentioned());
    assert!(!t.is_disable_notification());
    assert_eq!(
        t.with(MessageTag::COUNTED, false),
        MessageTag::PERSISTED | MessageTag::MENTIONED
    );
    // Unknown bits survive and show in Debug.
    let odd = MessageTag::from_bits(0x101);
    assert_eq!(odd.bits(), 0x101);
    assert_eq!(format!("{odd:?}"), "MessageTag(PERSISTED | 0x100)");
    assert_eq!(format!("{:?}", MessageTag::EMPTY), "MessageTag(0x0)");
}

#[test]
fn config_flag_bits() {
    assert_eq!(ConfigFlag::PUSH.bits(), 0x01);
    assert_eq!(ConfigFlag::FILTER_BLACK_WHITE_LIST.bits(), 0x02);
    assert_eq!(ConfigFlag::DISABLE_PUSH_TITLE.bits(), 0x04);
    assert_eq!(ConfigFlag::FORCE_SHOW_DETAIL_CONTENT.bits(), 0x08);
    let up = UpStreamMessage {
        session_id: 3,
        classname: "RC:TxtMsg".into(),
        content: Bytes::new(),
        config_flag: Some(0x05),
        ..Default::default()
    };
    assert_eq!(
        up.message_tag(),
        MessageTag::PERSISTED | MessageTag::COUNTED
    );
    let f = up.config_flags();
    assert!(f.is_push() && f.is_disable_push_title() && !f.is_filter_black_white_list());
}

#[test]
fn received_status_bits() {
    assert_eq!(ReceivedStatus::RETRIEVED.bits(), 0x02);
    assert_eq!(ReceivedStatus::PERSISTED.bits(), 0x10);
    assert_eq!(ReceivedStatus::COUNTED.bits(), 0x20);
    assert_eq!(ReceivedStatus::MENTIONED.bits(), 0x40);
    assert_eq!(ReceivedStatus::DISABLE_NOTIFICATION.bits(), 0x200);
    assert_eq!(ReceivedStatus::CAN_INCLUDE_EXPANSION.bits(), 0x400);
    let down = DownStreamMessage {
        status: 0x232,
        ..Default::default()
    };
    let s = down.status_flags();
    assert!(s.is_retrieved() && s.is_persisted() && s.is_counted() && s.is_disable_notification());
    assert!(!s.is_mentioned());
    assert_eq!(
        ReceivedStatus::from(MessageTag::from_bits(0x67)),
        ReceivedStatus::from_bits(0x10 | 0x20 | 0x40 | 0x200 | 0x400)
    );
}

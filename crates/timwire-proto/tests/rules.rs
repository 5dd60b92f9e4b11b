//! tim rule helpers: one test per rule, each with a passing and a failing case.

use timwire_proto::tim::rules::{
    RuleViolation, check_burn, check_client_send, check_revoke, check_storable,
};
use timwire_proto::tim::{MsType, OdType, Tid, TimMessage};

fn tid(node: &str) -> Option<Tid> {
    Some(Tid {
        node: node.into(),
        ..Default::default()
    })
}

fn msg(ms: MsType, od: OdType) -> TimMessage {
    TimMessage {
        ms_type: ms as i32,
        od_type: od as i32,
        ..Default::default()
    }
}

/// alice -> bob, stored as mid 10.
fn original() -> TimMessage {
    TimMessage {
        mid: Some(10),
        from_tid: tid("alice"),
        to_tid: tid("bob"),
        ..msg(MsType::User, OdType::Chat)
    }
}

#[test]
fn system_message_is_never_sent_by_a_client() {
    assert_eq!(
        check_client_send(&msg(MsType::System, OdType::Chat)),
        Err(RuleViolation::SystemFromClient)
    );
    assert_eq!(check_client_send(&msg(MsType::User, OdType::Chat)), Ok(()));
    assert_eq!(check_client_send(&msg(MsType::Room, OdType::Chat)), Ok(()));
}

#[test]
fn revoke_needs_mid_and_comes_from_the_sender() {
    let revoke = TimMessage {
        mid: Some(10),
        ..msg(MsType::User, OdType::Revoke)
    };
    assert_eq!(check_client_send(&revoke), Ok(()));
    assert_eq!(check_revoke(&revoke, "alice", &original()), Ok(()));

    let no_mid = msg(MsType::User, OdType::Revoke);
    assert_eq!(
        check_client_send(&no_mid),
        Err(RuleViolation::MissingMid { od_type: 2 })
    );
    assert_eq!(
        check_revoke(&no_mid, "alice", &original()),
        Err(RuleViolation::MissingMid { od_type: 2 })
    );
    assert_eq!(
        check_revoke(&revoke, "bob", &original()),
        Err(RuleViolation::RevokeNotBySender {
            requester: "bob".into(),
            sender: Some("alice".into()),
        })
    );
    assert_eq!(
        check_revoke(&msg(MsType::User, OdType::Chat), "alice", &original()),
        Err(RuleViolation::WrongOdType {
            expected: 2,
            got: 1
        })
    );
    // Room messages may be revoked too (by their sender).
    let room_revoke = TimMessage {
        mid: Some(10),
        ..msg(MsType::Room, OdType::Revoke)
    };
    assert_eq!(check_client_send(&room_revoke), Ok(()));
}

#[test]
fn burn_needs_mid_comes_from_the_receiver_and_is_user_to_user() {
    let burn = TimMessage {
        mid: Some(10),
        ..msg(MsType::User, OdType::Burn)
    };
    assert_eq!(check_client_send(&burn), Ok(()));
    assert_eq!(check_burn(&burn, "bob", &original()), Ok(()));

    assert_eq!(
        check_burn(&burn, "alice", &original()),
        Err(RuleViolation::BurnNotByReceiver {
            requester: "alice".into(),
            receiver: Some("bob".into()),
        })
    );
    let no_mid = msg(MsType::User, OdType::Burn);
    assert_eq!(
        check_client_send(&no_mid),
        Err(RuleViolation::MissingMid { od_type: 3 })
    );
    assert_eq!(
        check_burn(&no_mid, "bob", &original()),
        Err(RuleViolation::MissingMid { od_type: 3 })
    );
    let room_burn = TimMessage {
        mid: Some(10),
        ..msg(MsType::Room, OdType::Burn)
    };
    assert_eq!(
        check_client_send(&room_burn),
        Err(RuleViolation::BurnNotUserToUser { ms_type: 3 })
    );
    assert_eq!(
        check_burn(&room_burn, "bob", &original()),
        Err(RuleViolation::BurnNotUserToUser { ms_type: 3 })
    );
    let room_original = TimMessage {
        ms_type: MsType::Room as i32,
        ..original()
    };
    assert_eq!(
        check_burn(&burn, "bob", &room_original),
        Err(RuleViolation::BurnNotUserToUser { ms_type: 3 })
    );
}

#[test]
fn stream_messages_are_never_stored() {
    assert_eq!(
        check_storable(&msg(MsType::User, OdType::Stream)),
        Err(RuleViolation::StreamNotStored)
    );
    assert_eq!(check_storable(&msg(MsType::User, OdType::Chat)), Ok(()));
    assert_eq!(check_storable(&msg(MsType::Room, OdType::Chat)), Ok(()));
}

#[test]
fn codes_have_matchable_names_and_unknown_values_survive() {
    let m = TimMessage {
        od_type: 42, // user-defined, > 30
        bn_type: Some(21),
        timestamp: Some(1_500_000_000),
        ..msg(MsType::User, OdType::Chat)
    };
    assert_eq!(m.ms_type_known(), Some(MsType::User));
    assert_eq!(m.od_type_known(), None);
    assert_eq!(
        m.bn_type_known(),
        Some(timwire_proto::tim::BnType::Modifyauth)
    );
    // timestamp is Unix nanoseconds.
    assert_eq!(
        m.sent_at(),
        Some(std::time::UNIX_EPOCH + std::time::Duration::from_millis(1500))
    );
}

//! ConversationId parsing and formatting, including every error case.

use timwire_proto::conversation::Scene;
use timwire_proto::{ConversationId, ConversationIdError};

#[test]
fn parses_and_formats() {
    for (text, id, scene) in [
        ("C2Calice", ConversationId::C2c("alice".into()), Scene::P2p),
        (
            "GROUP@TGS#1",
            ConversationId::Group("@TGS#1".into()),
            Scene::Group,
        ),
        ("@TIM#SYSTEM", ConversationId::System, Scene::System),
        // The id part is taken verbatim, even if it looks like a prefix itself.
        (
            "C2CGROUPx",
            ConversationId::C2c("GROUPx".into()),
            Scene::P2p,
        ),
        (
            "GROUPC2C",
            ConversationId::Group("C2C".into()),
            Scene::Group,
        ),
    ] {
        let parsed: ConversationId = text.parse().unwrap();
        assert_eq!(parsed, id);
        assert_eq!(parsed.to_string(), text);
        assert_eq!(parsed.scene(), scene);
    }
    assert_eq!(ConversationId::C2c("a".into()).target(), Some("a"));
    assert_eq!(ConversationId::System.target(), None);
}

#[test]
fn rejects_everything_else() {
    use ConversationIdError as E;
    for (text, err) in [
        ("", E::Empty),
        ("C2C", E::EmptyUserId),
        ("GROUP", E::EmptyGroupId),
        ("c2calice", E::UnknownPrefix("c2calice".into())),
        ("group1", E::UnknownPrefix("group1".into())),
        ("alice", E::UnknownPrefix("alice".into())),
        ("@TIM#SYSTEMx", E::UnknownPrefix("@TIM#SYSTEMx".into())),
        ("@TIM#system", E::UnknownPrefix("@TIM#system".into())),
        (" C2Calice", E::UnknownPrefix(" C2Calice".into())),
    ] {
        assert_eq!(text.parse::<ConversationId>(), Err(err), "{text:?}");
    }
    assert_eq!(
        ConversationIdError::EmptyUserId.to_string(),
        "conversation id `C2C` has no user id"
    );
}

#[test]
fn serde_uses_the_string_form() {
    let id = ConversationId::Group("g1".into());
    assert_eq!(serde_json::to_string(&id).unwrap(), r#""GROUPg1""#);
    assert_eq!(
        serde_json::from_str::<ConversationId>(r#""GROUPg1""#).unwrap(),
        id
    );
    assert!(serde_json::from_str::<ConversationId>(r#""DM1""#).is_err());
}

//! tim's message rules as validation helpers (not decode failures: a decoder accepts anything
//! the schema allows; a client or server calls these where tim's server enforces the rule).
//!
//! - a system message (msType 1) is never sent by a client: [`check_client_send`];
//! - revoke (odType 2) needs `mid` and comes from the original sender: [`check_revoke`];
//! - burn (odType 3) needs `mid`, comes from the original receiver and is user → user only:
//!   [`check_burn`];
//! - stream messages (odType 5) are never stored: [`check_storable`].

use super::{MsType, OdType, TimMessage};

/// Which of tim's rules a message breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleViolation {
    /// A client tried to send a system message (msType 1).
    #[error("a system message (msType 1) is never sent by a client")]
    SystemFromClient,
    /// A revoke or burn without `mid`, the id of the message it targets.
    #[error("odType {od_type} needs `mid`, the id of the message it targets")]
    MissingMid {
        /// The message's odType (2 revoke or 3 burn).
        od_type: i32,
    },
    /// A revoke from someone other than the original sender.
    #[error("revoke must come from the original sender {sender:?}, not {requester:?}")]
    RevokeNotBySender {
        /// Who asked for the revoke.
        requester: String,
        /// The original message's sender, if known.
        sender: Option<String>,
    },
    /// A burn from someone other than the original receiver.
    #[error("burn must come from the original receiver {receiver:?}, not {requester:?}")]
    BurnNotByReceiver {
        /// Who asked for the burn.
        requester: String,
        /// The original message's receiver, if known.
        receiver: Option<String>,
    },
    /// A burn on something other than a user → user message.
    #[error("burn-after-reading is user → user only (msType 2), got msType {ms_type}")]
    BurnNotUserToUser {
        /// The offending msType.
        ms_type: i32,
    },
    /// A stream message (odType 5) offered for storage.
    #[error("stream messages (odType 5) are never stored")]
    StreamNotStored,
    /// The message is not of the kind the check is for.
    #[error("expected odType {expected}, got {got}")]
    WrongOdType {
        /// The odType the check is for.
        expected: i32,
        /// The message's odType.
        got: i32,
    },
}

/// Checks a message a client is about to send (client → server): not a system message; revoke
/// and burn carry `mid`; burn is user → user.
pub fn check_client_send(msg: &TimMessage) -> Result<(), RuleViolation> {
    if msg.ms_type == MsType::System as i32 {
        return Err(RuleViolation::SystemFromClient);
    }
    if msg.od_type == OdType::Revoke as i32 || msg.od_type == OdType::Burn as i32 {
        require_mid(msg)?;
    }
    if msg.od_type == OdType::Burn as i32 && msg.ms_type != MsType::User as i32 {
        return Err(RuleViolation::BurnNotUserToUser {
            ms_type: msg.ms_type,
        });
    }
    Ok(())
}

/// Checks a revoke: `revoke` is odType 2 with `mid`, and `requester` (the node asking) is the
/// sender (`from_tid.node`) of `original`, the stored message `mid` points to.
pub fn check_revoke(
    revoke: &TimMessage,
    requester: &str,
    original: &TimMessage,
) -> Result<(), RuleViolation> {
    expect_od_type(revoke, OdType::Revoke)?;
    require_mid(revoke)?;
    let sender = original.from_tid.as_ref().map(|t| t.node.as_str());
    if sender != Some(requester) {
        return Err(RuleViolation::RevokeNotBySender {
            requester: requester.to_owned(),
            sender: sender.map(str::to_owned),
        });
    }
    Ok(())
}

/// Checks a burn-after-reading: `burn` is odType 3 with `mid`, both it and `original` are user →
/// user (msType 2), and `requester` is the receiver (`to_tid.node`) of `original`.
pub fn check_burn(
    burn: &TimMessage,
    requester: &str,
    original: &TimMessage,
) -> Result<(), RuleViolation> {
    expect_od_type(burn, OdType::Burn)?;
    require_mid(burn)?;
    for m in [burn, original] {
        if m.ms_type != MsType::User as i32 {
            return Err(RuleViolation::BurnNotUserToUser { ms_type: m.ms_type });
        }
    }
    let receiver = original.to_tid.as_ref().map(|t| t.node.as_str());
    if receiver != Some(requester) {
        return Err(RuleViolation::BurnNotByReceiver {
            requester: requester.to_owned(),
            receiver: receiver.map(str::to_owned),
        });
    }
    Ok(())
}

/// Checks that a message may be stored (history or offline table): stream messages
/// (odType 5) never are; they go to online recipients only.
pub fn check_storable(msg: &TimMessage) -> Result<(), RuleViolation> {
    if msg.od_type == OdType::Stream as i32 {
        return Err(RuleViolation::StreamNotStored);
    }
    Ok(())
}

fn require_mid(msg: &TimMessage) -> Result<(), RuleViolation> {
    match msg.mid {
        Some(_) => Ok(()),
        None => Err(RuleViolation::MissingMid {
            od_type: msg.od_type,
        }),
    }
}

fn expect_od_type(msg: &TimMessage, expected: OdType) -> Result<(), RuleViolation> {
    if msg.od_type != expected as i32 {
        return Err(RuleViolation::WrongOdType {
            expected: expected as i32,
            got: msg.od_type,
        });
    }
    Ok(())
}

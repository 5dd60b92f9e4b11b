//! Conversation ids as Tencent's IM SDK spells them.

use std::fmt;
use std::str::FromStr;

use super::Scene;

const C2C: &str = "C2C";
const GROUP: &str = "GROUP";
const SYSTEM: &str = "@TIM#SYSTEM";

/// A conversation id: `C2C<userID>`, `GROUP<groupID>` or `@TIM#SYSTEM`.
///
/// Parsing is exact and case-sensitive; anything else is a [`ConversationIdError`]. Serde
/// (de)serializes it as that string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConversationId {
    /// One-to-one with a user: `C2C<userID>`.
    C2c(String),
    /// A group: `GROUP<groupID>`.
    Group(String),
    /// The system notification conversation: `@TIM#SYSTEM`.
    System,
}

/// Why a string is not a [`ConversationId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConversationIdError {
    /// The string is empty.
    #[error("empty conversation id")]
    Empty,
    /// `C2C` with nothing after it.
    #[error("conversation id `C2C` has no user id")]
    EmptyUserId,
    /// `GROUP` with nothing after it.
    #[error("conversation id `GROUP` has no group id")]
    EmptyGroupId,
    /// Neither `C2C`, `GROUP` nor exactly `@TIM#SYSTEM`.
    #[error("conversation id {0:?} does not start with C2C or GROUP and is not @TIM#SYSTEM")]
    UnknownPrefix(String),
}

impl ConversationId {
    /// The conversation's [`Scene`] (P2P, GROUP or SYSTEM).
    pub fn scene(&self) -> Scene {
        match self {
            Self::C2c(_) => Scene::P2p,
            Self::Group(_) => Scene::Group,
            Self::System => Scene::System,
        }
    }

    /// The peer user id or group id; `None` for the system conversation.
    pub fn target(&self) -> Option<&str> {
        match self {
            Self::C2c(id) | Self::Group(id) => Some(id),
            Self::System => None,
        }
    }
}

impl FromStr for ConversationId {
    type Err = ConversationIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err(ConversationIdError::Empty);
        }
        if s == SYSTEM {
            return Ok(Self::System);
        }
        if let Some(user) = s.strip_prefix(C2C) {
            return if user.is_empty() {
                Err(ConversationIdError::EmptyUserId)
            } else {
                Ok(Self::C2c(user.to_owned()))
            };
        }
        if let Some(group) = s.strip_prefix(GROUP) {
            return if group.is_empty() {
                Err(ConversationIdError::EmptyGroupId)
            } else {
                Ok(Self::Group(group.to_owned()))
            };
        }
        Err(ConversationIdError::UnknownPrefix(s.to_owned()))
    }
}

impl fmt::Display for ConversationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::C2c(id) => write!(f, "{C2C}{id}"),
            Self::Group(id) => write!(f, "{GROUP}{id}"),
            Self::System => f.write_str(SYSTEM),
        }
    }
}

impl serde::Serialize for ConversationId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ConversationId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

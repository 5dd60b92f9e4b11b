//! Tokens of `timwire serve`: which user a web client's `token` logs in as.
//!
//! RongCloud's web SDK authenticates with the token in its WebSocket URL
//! (`/websocket?appId=…&token=…`) and never sends CONNECT. `serve` accepts:
//!
//! * a token given with `--user NAME:TOKEN` (repeatable): that user;
//! * any other non-empty token, unless `--tokens listed`: the token is the userId (so
//!   `connect("alice")` logs in as `alice`);
//! * with `--tokens listed`, only the tokens given with `--user`.
//!
//! A refused token gets CONNACK status 4 (TOKEN_INCORRECT), which engine 4.4.2 reports as
//! `onError(30002)` (docs/PROTOCOL.md §11).

use std::collections::HashMap;

/// Whether tokens not given with `--user` are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum TokenMode {
    /// Any other non-empty token is accepted as the userId itself.
    #[default]
    Open,
    /// Only the tokens given with `--user`.
    Listed,
}

/// The token table.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tokens {
    users: HashMap<String, String>,
    mode: TokenMode,
}

impl Tokens {
    /// `users` as `NAME:TOKEN` pairs, and the mode. A pair without `:` or with an empty side is
    /// an error naming it; a token given twice is an error.
    pub(crate) fn new(users: &[String], mode: TokenMode) -> anyhow::Result<Self> {
        let mut table = HashMap::new();
        for pair in users {
            let Some((name, token)) = pair.split_once(':') else {
                anyhow::bail!("--user {pair:?}: expected NAME:TOKEN");
            };
            if name.is_empty() || token.is_empty() {
                anyhow::bail!("--user {pair:?}: the name and the token must not be empty");
            }
            if table.insert(token.to_owned(), name.to_owned()).is_some() {
                anyhow::bail!("--user {pair:?}: token {token:?} is given twice");
            }
        }
        Ok(Self { users: table, mode })
    }

    /// The user `token` logs in as, `None` when it is refused.
    pub(crate) fn user(&self, token: &str) -> Option<String> {
        if let Some(user) = self.users.get(token) {
            return Some(user.clone());
        }
        (self.mode == TokenMode::Open && !token.is_empty()).then(|| token.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_tokens_name_their_user_and_the_mode_decides_the_rest() {
        let users = ["alice:s3cret".to_owned(), "bob:b:with:colons".to_owned()];
        let open = Tokens::new(&users, TokenMode::Open).unwrap();
        assert_eq!(open.user("s3cret").as_deref(), Some("alice"));
        assert_eq!(open.user("b:with:colons").as_deref(), Some("bob"));
        assert_eq!(open.user("carol").as_deref(), Some("carol"));
        assert_eq!(open.user(""), None);
        let listed = Tokens::new(&users, TokenMode::Listed).unwrap();
        assert_eq!(listed.user("s3cret").as_deref(), Some("alice"));
        assert_eq!(listed.user("carol"), None);
        assert_eq!(listed.user("alice"), None);
    }

    #[test]
    fn bad_pairs_are_errors() {
        for bad in ["alice", ":t", "alice:"] {
            let err = Tokens::new(&[bad.to_owned()], TokenMode::Open).unwrap_err();
            assert!(err.to_string().contains(bad), "{err}");
        }
        let twice = ["a:t".to_owned(), "b:t".to_owned()];
        assert!(Tokens::new(&twice, TokenMode::Open).is_err());
    }
}

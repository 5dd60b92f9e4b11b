//! An in-memory message store for a relay server: one mailbox per user, ordered by server time,
//! bounded, with the reads the profiles' delivery models need.
//!
//! | read | what | used for |
//! |---|---|---|
//! | [`pull`](MessageStore::pull) | a user's received (or sent) messages after a sync time, oldest first, in pages | RongCloud's `pullMsg` (QUERY → DownStreamMessages with `syncTime` and `finished`), the reconnect catch-up of either profile |
//! | [`history`](MessageStore::history), [`history_after`](MessageStore::history_after) | one conversation's messages before (after) a time, newest first | RongCloud's `qryPMsg`/`qryGMsg`/… (HistoryMsgOuput, `order` 0 and 1), tim's `timPull` |
//! | [`conversations`](MessageStore::conversations) | the latest message of each of a user's conversations, newest first | RongCloud's `qryRelation` (RelationsOutput) |
//! | [`undelivered`](MessageStore::undelivered), with [`mark_delivered`](MessageStore::mark_delivered) | a user's received messages the server has not seen acknowledged, in pages | tim's offline messages (`timOffl`: a batch, acknowledged as a whole), where the server keeps the sync time |
//!
//! The store is generic over the message type `M`: a RongCloud server stores the
//! `DownStreamMessage` each recipient is to get, a tim server the forwarded `TimMessage`
//! ([`relay`](crate::relay) builds both). Each message is stored once per mailbox it belongs
//! to: a group message once for every member, a private one for the recipient
//! ([`Direction::Received`]) and for the sender ([`Direction::Sent`], its outbox and history).
//!
//! # Time and sync times
//!
//! Messages are ordered by their server time in Unix milliseconds (then by insertion). A pull
//! "after my sync time" misses nothing only if no message is stored later with a time at or
//! before a sync time already handed out. So stamp messages with the relay's
//! [`UidGenerator`](crate::relay::UidGenerator), which gives every message its own millisecond,
//! each after the last, and store them as soon as they are stamped. (Times from elsewhere are
//! accepted and kept in order, without that guarantee.)
//!
//! [`pull`](MessageStore::pull) returns messages whose time is strictly after `since_ms`, and a
//! [`Page::sync_time`] to pull after next time: the time of the page's last message. Several
//! messages can share a millisecond; a page never ends between two of them (the next pull,
//! after that millisecond, would skip the rest). When `limit` would split them the page ends
//! before that millisecond, and when the page would then be empty it holds the whole
//! millisecond, more than `limit` messages.
//!
//! # Limits
//!
//! Every table a peer can grow is bounded ([`StoreLimits`]):
//!
//! | table | limit | when exceeded | counted in [`StoreStats`] |
//! |---|---|---|---|
//! | messages in one mailbox | [`max_per_user`](StoreLimits::max_per_user), default 1,000 | that mailbox's oldest message is dropped | `evicted_per_user` |
//! | messages in the whole store | [`max_total`](StoreLimits::max_total), default 100,000 | the store's oldest stored message (any mailbox) is dropped | `evicted_total` |
//! | mailboxes (users) | [`max_users`](StoreLimits::max_users), default 10,000 | a message for a user with no mailbox is refused with [`StoreError::TooManyUsers`] | `refused` |
//! | delivery marks | one per mailbox at most | (kept only for users with a mailbox; removed with it) | — |
//!
//! A mailbox whose last message is dropped is removed, so it no longer counts as a user. A
//! dropped message is gone: a client that had not pulled it yet never gets it. Size the limits
//! for how long users may stay offline.
//!
//! ```
//! use timwire_session::store::{Conversation, Direction, MessageStore, StoreLimits};
//!
//! let mut store = MessageStore::new(StoreLimits::default());
//! let chat = Conversation::new(1, "alice"); // bob's private conversation with alice
//! store.insert("bob", 1_000, chat.clone(), Direction::Received, "hi")?;
//! store.insert("bob", 1_001, chat.clone(), Direction::Received, "there")?;
//!
//! let page = store.pull("bob", Direction::Received, 1_000, 10);
//! assert_eq!(page.messages.iter().map(|m| m.message).collect::<Vec<_>>(), ["there"]);
//! assert_eq!((page.sync_time, page.finished), (1_001, true));
//!
//! let history = store.history("bob", &chat, None, 10);
//! assert_eq!(history.messages.iter().map(|m| m.message).collect::<Vec<_>>(), ["there", "hi"]);
//! # Ok::<(), timwire_session::store::StoreError>(())
//! ```

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

// Mailboxes are looked up by user name for every message stored and marked delivered (see
// the root Cargo.toml for why foldhash).
use foldhash::HashMap;

use crate::insert_order::InsertOrder;

/// The bounds of a [`MessageStore`] (see the [module docs](self) for what happens at each).
///
/// ```
/// use timwire_session::store::StoreLimits;
///
/// let limits = StoreLimits { max_per_user: 50, ..StoreLimits::default() };
/// assert_eq!((limits.max_per_user, limits.max_total, limits.max_users), (50, 100_000, 10_000));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    /// Messages kept in one mailbox; past it the mailbox's oldest is dropped. At least 1 is
    /// used.
    pub max_per_user: usize,
    /// Messages kept in the whole store; past it the oldest stored is dropped. At least 1 is
    /// used.
    pub max_total: usize,
    /// Mailboxes; a message for a new user past it is refused.
    pub max_users: usize,
}

impl Default for StoreLimits {
    fn default() -> Self {
        Self {
            max_per_user: 1_000,
            max_total: 100_000,
            max_users: 10_000,
        }
    }
}

/// Which way a stored message went, seen from the mailbox's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Someone sent it to the owner (the inbox).
    Received,
    /// The owner sent it (the outbox).
    Sent,
}

/// A conversation, seen from the mailbox's owner: its type and the other side.
///
/// `kind` is the profile's conversation type (RongCloud: the `ChannelType` number, 1 private,
/// 3 group, …; tim: the TimMessage `msType`, 2 user, 3 room). `target` is whom the owner talks
/// to: in a private conversation the other user (the sender of a received message, the
/// recipient of a sent one), in a group the group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Conversation {
    /// The conversation type.
    pub kind: i32,
    /// The other side: a user, a group, a room.
    pub target: String,
}

impl Conversation {
    /// A conversation of `kind` with `target`.
    pub fn new(kind: i32, target: impl Into<String>) -> Self {
        Self {
            kind,
            target: target.into(),
        }
    }
}

/// A message in a mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored<M> {
    /// Server time, Unix milliseconds.
    pub time_ms: i64,
    /// Insertion number, unique in the store; breaks ties between equal times.
    pub seq: u64,
    /// The conversation it belongs to, from the owner's side.
    pub conversation: Conversation,
    /// Received or sent by the owner.
    pub direction: Direction,
    /// The message itself.
    pub message: M,
}

/// An answer of [`MessageStore::pull`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<'a, M> {
    /// The messages after the asked sync time, oldest first.
    pub messages: Vec<&'a Stored<M>>,
    /// What to pull after next time: the last message's time, or the asked time when the page
    /// is empty.
    pub sync_time: i64,
    /// Whether nothing of the asked direction is left after this page.
    pub finished: bool,
}

/// An answer of [`MessageStore::history`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History<'a, M> {
    /// The conversation's messages before the asked time, newest first.
    pub messages: Vec<&'a Stored<M>>,
    /// Whether older messages are left.
    pub has_more: bool,
}

/// Counters and sizes of a [`MessageStore`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Mailboxes now.
    pub users: usize,
    /// Messages now, all mailboxes together.
    pub messages: usize,
    /// Messages ever inserted.
    pub inserted: u64,
    /// Messages dropped because their mailbox was full.
    pub evicted_per_user: u64,
    /// Messages dropped because the store was full.
    pub evicted_total: u64,
    /// Messages refused because the user had no mailbox and the store had `max_users`.
    pub refused: u64,
}

/// Why [`MessageStore::insert`] refused a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The user has no mailbox and the store already has [`StoreLimits::max_users`].
    #[error("no mailbox for user {user:?} and the store already has {max} users")]
    TooManyUsers {
        /// The user the message was for.
        user: String,
        /// The limit.
        max: usize,
    },
}

/// An in-memory, bounded message store (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct MessageStore<M> {
    limits: StoreLimits,
    mailboxes: HashMap<Arc<str>, VecDeque<Stored<M>>>,
    /// Every stored message by insertion number, with its mailbox: the oldest is dropped
    /// first when the store is full.
    by_seq: InsertOrder,
    /// Per mailbox: the time up to which the server knows its received messages were
    /// delivered (profiles where the server tracks delivery: tim's offline messages).
    delivered: HashMap<Arc<str>, i64>,
    next_seq: u64,
    stats: StoreStats,
}

impl<M> MessageStore<M> {
    /// An empty store with `limits`.
    pub fn new(limits: StoreLimits) -> Self {
        Self {
            limits: StoreLimits {
                max_per_user: limits.max_per_user.max(1),
                max_total: limits.max_total.max(1),
                max_users: limits.max_users,
            },
            mailboxes: HashMap::default(),
            by_seq: InsertOrder::default(),
            delivered: HashMap::default(),
            next_seq: 0,
            stats: StoreStats::default(),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> StoreLimits {
        self.limits
    }

    /// Sizes and counters.
    pub fn stats(&self) -> StoreStats {
        StoreStats {
            users: self.mailboxes.len(),
            messages: self.by_seq.len(),
            ..self.stats
        }
    }

    /// How many messages `user`'s mailbox holds.
    pub fn len(&self, user: &str) -> usize {
        self.mailboxes.get(user).map_or(0, VecDeque::len)
    }

    /// Whether the store holds no message.
    pub fn is_empty(&self) -> bool {
        self.by_seq.len() == 0
    }

    /// Stores `message` in `user`'s mailbox at server time `time_ms`, dropping the oldest
    /// messages the [limits](StoreLimits) require, and returns its insertion number.
    ///
    /// ```
    /// use timwire_session::store::{Conversation, Direction, MessageStore, StoreError, StoreLimits};
    ///
    /// let mut store = MessageStore::new(StoreLimits { max_per_user: 2, max_total: 10, max_users: 1 });
    /// let chat = Conversation::new(1, "bob");
    /// for (time, text) in [(1, "a"), (2, "b"), (3, "c")] {
    ///     store.insert("alice", time, chat.clone(), Direction::Sent, text)?;
    /// }
    /// assert_eq!(store.len("alice"), 2); // "a" was dropped
    /// assert_eq!(store.stats().evicted_per_user, 1);
    /// let refused = store.insert("carol", 4, chat, Direction::Received, "d");
    /// assert!(matches!(refused, Err(StoreError::TooManyUsers { max: 1, .. })));
    /// # Ok::<(), StoreError>(())
    /// ```
    pub fn insert(
        &mut self,
        user: &str,
        time_ms: i64,
        conversation: Conversation,
        direction: Direction,
        message: M,
    ) -> Result<u64, StoreError> {
        let (key, len): (Arc<str>, usize) = match self.mailboxes.get_key_value(user) {
            Some((key, mailbox)) => (Arc::clone(key), mailbox.len()),
            None => {
                if self.mailboxes.len() >= self.limits.max_users {
                    self.stats.refused = self.stats.refused.saturating_add(1);
                    return Err(StoreError::TooManyUsers {
                        user: user.to_owned(),
                        max: self.limits.max_users,
                    });
                }
                (Arc::from(user), 0)
            }
        };
        // Make room: first in this mailbox, then in the store.
        if len >= self.limits.max_per_user {
            self.drop_oldest_of(&key);
            self.stats.evicted_per_user = self.stats.evicted_per_user.saturating_add(1);
        }
        if self.by_seq.len() >= self.limits.max_total {
            self.drop_oldest_stored();
            self.stats.evicted_total = self.stats.evicted_total.saturating_add(1);
        }
        let seq = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(1);
        let mailbox = self.mailboxes.entry(Arc::clone(&key)).or_default();
        // After every message of the same or an earlier time: usually at the end, checked
        // first (a binary search over a long mailbox of large messages misses the cache at
        // every step, and this runs for every message relayed).
        let at = match mailbox.back() {
            Some(last) if last.time_ms > time_ms => {
                mailbox.partition_point(|m| m.time_ms <= time_ms)
            }
            _ => mailbox.len(),
        };
        mailbox.insert(
            at,
            Stored {
                time_ms,
                seq,
                conversation,
                direction,
                message,
            },
        );
        self.by_seq.push(seq, key);
        self.stats.inserted = self.stats.inserted.saturating_add(1);
        Ok(seq)
    }

    /// Drops the first (oldest) message of `user`'s mailbox.
    fn drop_oldest_of(&mut self, user: &Arc<str>) {
        let Some(mailbox) = self.mailboxes.get_mut(user) else {
            return;
        };
        if let Some(dropped) = mailbox.pop_front() {
            self.by_seq.remove(dropped.seq);
        }
        if mailbox.is_empty() {
            self.mailboxes.remove(user);
            self.delivered.remove(user);
        }
    }

    /// Drops the message inserted first, whichever mailbox holds it.
    fn drop_oldest_stored(&mut self) {
        let Some((seq, user)) = self.by_seq.pop_first() else {
            return;
        };
        if let Some(mailbox) = self.mailboxes.get_mut(&user) {
            if let Some(at) = mailbox.iter().position(|m| m.seq == seq) {
                mailbox.remove(at);
            }
            if mailbox.is_empty() {
                self.mailboxes.remove(&user);
                self.delivered.remove(&user);
            }
        }
    }

    /// `user`'s messages of `direction` whose time is after `since_ms`, oldest first, at most
    /// `limit` of them unless one millisecond holds more (see the [module docs](self#time-and-sync-times)).
    ///
    /// ```
    /// use timwire_session::store::{Conversation, Direction, MessageStore, StoreLimits};
    ///
    /// let mut store = MessageStore::new(StoreLimits::default());
    /// for time in [10, 20, 20, 30] {
    ///     store.insert("bob", time, Conversation::new(1, "alice"), Direction::Received, time)?;
    /// }
    /// let first = store.pull("bob", Direction::Received, 0, 2);
    /// // the page does not end inside millisecond 20
    /// assert_eq!((first.messages.len(), first.sync_time, first.finished), (1, 10, false));
    /// let second = store.pull("bob", Direction::Received, first.sync_time, 2);
    /// assert_eq!((second.messages.len(), second.sync_time, second.finished), (2, 20, false));
    /// let last = store.pull("bob", Direction::Received, second.sync_time, 2);
    /// assert_eq!((last.messages.len(), last.sync_time, last.finished), (1, 30, true));
    /// # Ok::<(), timwire_session::store::StoreError>(())
    /// ```
    pub fn pull(
        &self,
        user: &str,
        direction: Direction,
        since_ms: i64,
        limit: usize,
    ) -> Page<'_, M> {
        let Some(mailbox) = self.mailboxes.get(user) else {
            return Page {
                messages: Vec::new(),
                sync_time: since_ms,
                finished: true,
            };
        };
        let start = mailbox.partition_point(|m| m.time_ms <= since_ms);
        let mut after = mailbox
            .range(start..)
            .filter(|m| m.direction == direction)
            .peekable();
        let mut messages: Vec<&Stored<M>> = Vec::new();
        while messages.len() < limit {
            match after.next() {
                Some(m) => messages.push(m),
                None => break,
            }
        }
        let split = match (messages.last(), after.peek()) {
            (Some(last), Some(next)) if next.time_ms == last.time_ms => Some(last.time_ms),
            _ => None,
        };
        if let Some(split) = split {
            // The limit splits a millisecond: end the page before it, or take all of it.
            messages.retain(|m| m.time_ms != split);
            if messages.is_empty() {
                messages.extend(
                    mailbox
                        .range(start..)
                        .filter(|m| m.direction == direction && m.time_ms == split),
                );
            }
        }
        let sync_time = messages.last().map_or(since_ms, |m| m.time_ms);
        let finished = !mailbox
            .range(start..)
            .any(|m| m.direction == direction && m.time_ms > sync_time);
        Page {
            messages,
            sync_time,
            finished,
        }
    }

    /// Records that `user`'s received messages up to `time_ms` were delivered (the server
    /// tracks delivery, as tim's offline messages need: the client acknowledged a batch). Never
    /// moves back; ignored for a user with no mailbox (nothing to deliver), and forgotten with
    /// the mailbox, so this table is bounded by the mailboxes.
    pub fn mark_delivered(&mut self, user: &str, time_ms: i64) {
        let Some((key, _)) = self.mailboxes.get_key_value(user) else {
            return;
        };
        // Marked again for every acknowledgement (tim): the mark usually exists.
        if let Some(mark) = self.delivered.get_mut(user) {
            *mark = (*mark).max(time_ms);
            return;
        }
        self.delivered.insert(Arc::clone(key), time_ms);
    }

    /// The time up to which `user`'s received messages were [marked
    /// delivered](Self::mark_delivered), `None` when none were.
    pub fn delivered_through(&self, user: &str) -> Option<i64> {
        self.delivered.get(user).copied()
    }

    /// `user`'s received messages not yet [marked delivered](Self::mark_delivered), oldest
    /// first, in pages like [`pull`](Self::pull): what a server sends a reconnecting client when
    /// the server, not the client, keeps the sync time (tim's offline messages). Mark a page
    /// delivered (its [`sync_time`](Page::sync_time)) once the client acknowledged it.
    ///
    /// ```
    /// use timwire_session::store::{Conversation, Direction, MessageStore, StoreLimits};
    ///
    /// let mut store = MessageStore::new(StoreLimits::default());
    /// let chat = Conversation::new(2, "alice");
    /// for (time, text) in [(1, "a"), (2, "b"), (3, "c")] {
    ///     store.insert("bob", time, chat.clone(), Direction::Received, text)?;
    /// }
    /// let batch = store.undelivered("bob", 2);
    /// assert_eq!(batch.messages.iter().map(|m| m.message).collect::<Vec<_>>(), ["a", "b"]);
    /// let through = batch.sync_time;
    /// store.mark_delivered("bob", through); // the client acknowledged the batch
    /// let rest = store.undelivered("bob", 2);
    /// assert_eq!(rest.messages.iter().map(|m| m.message).collect::<Vec<_>>(), ["c"]);
    /// assert!(rest.finished);
    /// # Ok::<(), timwire_session::store::StoreError>(())
    /// ```
    pub fn undelivered(&self, user: &str, limit: usize) -> Page<'_, M> {
        let since = self.delivered_through(user).unwrap_or(i64::MIN);
        self.pull(user, Direction::Received, since, limit)
    }

    /// `user`'s messages in `conversation` (both directions) whose time is before `before_ms`
    /// (all of them when `None`), newest first, at most `limit`.
    ///
    /// ```
    /// use timwire_session::store::{Conversation, Direction, MessageStore, StoreLimits};
    ///
    /// let mut store = MessageStore::new(StoreLimits::default());
    /// let (bob, carol) = (Conversation::new(1, "bob"), Conversation::new(1, "carol"));
    /// store.insert("alice", 1, bob.clone(), Direction::Sent, "to bob")?;
    /// store.insert("alice", 2, carol, Direction::Sent, "to carol")?;
    /// store.insert("alice", 3, bob.clone(), Direction::Received, "from bob")?;
    /// let history = store.history("alice", &bob, Some(3), 10);
    /// assert_eq!(history.messages.iter().map(|m| m.message).collect::<Vec<_>>(), ["to bob"]);
    /// assert!(!history.has_more);
    /// # Ok::<(), timwire_session::store::StoreError>(())
    /// ```
    pub fn history(
        &self,
        user: &str,
        conversation: &Conversation,
        before_ms: Option<i64>,
        limit: usize,
    ) -> History<'_, M> {
        let Some(mailbox) = self.mailboxes.get(user) else {
            return History {
                messages: Vec::new(),
                has_more: false,
            };
        };
        let end = match before_ms {
            Some(before) => mailbox.partition_point(|m| m.time_ms < before),
            None => mailbox.len(),
        };
        let mut older = mailbox
            .range(..end)
            .rev()
            .filter(|m| &m.conversation == conversation);
        let messages: Vec<&Stored<M>> = older.by_ref().take(limit).collect();
        let has_more = older.next().is_some();
        History { messages, has_more }
    }

    /// `user`'s messages in `conversation` (both directions) whose time is after `after_ms`:
    /// the `limit` oldest of them, the ones nearest to `after_ms`, listed newest first like
    /// [`history`](Self::history). `has_more` says whether newer messages are left.
    ///
    /// ```
    /// use timwire_session::store::{Conversation, Direction, MessageStore, StoreLimits};
    ///
    /// let mut store = MessageStore::new(StoreLimits::default());
    /// let bob = Conversation::new(1, "bob");
    /// for (time, text) in [(1, "a"), (2, "b"), (3, "c"), (4, "d")] {
    ///     store.insert("alice", time, bob.clone(), Direction::Received, text)?;
    /// }
    /// let newer = store.history_after("alice", &bob, 1, 2);
    /// assert_eq!(newer.messages.iter().map(|m| m.message).collect::<Vec<_>>(), ["c", "b"]);
    /// assert!(newer.has_more);
    /// # Ok::<(), timwire_session::store::StoreError>(())
    /// ```
    pub fn history_after(
        &self,
        user: &str,
        conversation: &Conversation,
        after_ms: i64,
        limit: usize,
    ) -> History<'_, M> {
        let Some(mailbox) = self.mailboxes.get(user) else {
            return History {
                messages: Vec::new(),
                has_more: false,
            };
        };
        let start = mailbox.partition_point(|m| m.time_ms <= after_ms);
        let mut newer = mailbox
            .range(start..)
            .filter(|m| &m.conversation == conversation);
        let mut messages: Vec<&Stored<M>> = newer.by_ref().take(limit).collect();
        let has_more = newer.next().is_some();
        messages.reverse();
        History { messages, has_more }
    }

    /// The latest message of each of `user`'s conversations, newest first, at most `limit`.
    ///
    /// ```
    /// use timwire_session::store::{Conversation, Direction, MessageStore, StoreLimits};
    ///
    /// let mut store = MessageStore::new(StoreLimits::default());
    /// store.insert("alice", 1, Conversation::new(1, "bob"), Direction::Sent, "old")?;
    /// store.insert("alice", 2, Conversation::new(3, "team"), Direction::Received, "news")?;
    /// store.insert("alice", 3, Conversation::new(1, "bob"), Direction::Received, "new")?;
    /// let latest = store.conversations("alice", 10);
    /// let seen: Vec<_> = latest.iter().map(|m| (m.conversation.target.as_str(), m.message)).collect();
    /// assert_eq!(seen, [("bob", "new"), ("team", "news")]);
    /// # Ok::<(), timwire_session::store::StoreError>(())
    /// ```
    pub fn conversations(&self, user: &str, limit: usize) -> Vec<&Stored<M>> {
        let Some(mailbox) = self.mailboxes.get(user) else {
            return Vec::new();
        };
        let mut seen: HashSet<&Conversation> = HashSet::new();
        mailbox
            .iter()
            .rev()
            .filter(|m| seen.insert(&m.conversation))
            .take(limit)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat(target: &str) -> Conversation {
        Conversation::new(1, target)
    }

    #[test]
    fn total_limit_drops_the_oldest_stored_across_mailboxes() {
        let mut store = MessageStore::new(StoreLimits {
            max_per_user: 10,
            max_total: 3,
            max_users: 10,
        });
        store
            .insert("a", 1, chat("x"), Direction::Received, 1)
            .unwrap();
        store
            .insert("b", 2, chat("x"), Direction::Received, 2)
            .unwrap();
        store
            .insert("b", 3, chat("x"), Direction::Received, 3)
            .unwrap();
        store
            .insert("c", 4, chat("x"), Direction::Received, 4)
            .unwrap();
        let stats = store.stats();
        assert_eq!(
            (stats.messages, stats.users, stats.evicted_total),
            (3, 2, 1)
        );
        assert_eq!(store.len("a"), 0); // its only message went, and with it the mailbox
        store
            .insert("c", 5, chat("x"), Direction::Received, 5)
            .unwrap();
        assert_eq!(store.len("b"), 1);
        let left = store.pull("b", Direction::Received, 0, 10);
        assert_eq!(
            left.messages.iter().map(|m| m.message).collect::<Vec<_>>(),
            [3]
        );
    }

    #[test]
    fn a_freed_mailbox_slot_takes_a_new_user() {
        let mut store = MessageStore::new(StoreLimits {
            max_per_user: 10,
            max_total: 1,
            max_users: 1,
        });
        store
            .insert("a", 1, chat("x"), Direction::Received, ())
            .unwrap();
        // "b" is refused while "a" holds the only mailbox...
        assert!(
            store
                .insert("b", 2, chat("x"), Direction::Received, ())
                .is_err()
        );
        assert_eq!(store.stats().refused, 1);
        // ...and a user's mailbox disappears with its last message.
        store
            .insert("a", 3, chat("x"), Direction::Received, ())
            .unwrap();
        assert_eq!((store.len("a"), store.stats().users), (1, 1));
    }

    #[test]
    fn pull_of_one_direction_ignores_the_other() {
        let mut store = MessageStore::new(StoreLimits::default());
        store
            .insert("a", 1, chat("b"), Direction::Sent, "out")
            .unwrap();
        store
            .insert("a", 2, chat("b"), Direction::Received, "in")
            .unwrap();
        store
            .insert("a", 3, chat("b"), Direction::Sent, "out2")
            .unwrap();
        let inbox = store.pull("a", Direction::Received, 0, 10);
        assert_eq!(
            inbox.messages.iter().map(|m| m.message).collect::<Vec<_>>(),
            ["in"]
        );
        assert_eq!((inbox.sync_time, inbox.finished), (2, true));
        let outbox = store.pull("a", Direction::Sent, 1, 1);
        assert_eq!(
            outbox
                .messages
                .iter()
                .map(|m| m.message)
                .collect::<Vec<_>>(),
            ["out2"]
        );
        assert!(outbox.finished);
    }

    #[test]
    fn a_millisecond_larger_than_the_limit_comes_whole() {
        let mut store = MessageStore::new(StoreLimits::default());
        for n in 0..5 {
            store
                .insert("a", 7, chat("b"), Direction::Received, n)
                .unwrap();
        }
        store
            .insert("a", 8, chat("b"), Direction::Received, 5)
            .unwrap();
        let page = store.pull("a", Direction::Received, 0, 2);
        assert_eq!(
            page.messages.iter().map(|m| m.message).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4]
        );
        assert_eq!((page.sync_time, page.finished), (7, false));
    }

    #[test]
    fn out_of_order_times_are_kept_in_time_order() {
        let mut store = MessageStore::new(StoreLimits::default());
        store
            .insert("a", 5, chat("b"), Direction::Received, "late")
            .unwrap();
        store
            .insert("a", 3, chat("b"), Direction::Received, "early")
            .unwrap();
        let page = store.pull("a", Direction::Received, 0, 10);
        assert_eq!(
            page.messages.iter().map(|m| m.message).collect::<Vec<_>>(),
            ["early", "late"]
        );
    }

    #[test]
    fn history_after_reads_forward_from_a_time() {
        let mut store = MessageStore::new(StoreLimits::default());
        for t in 1..=5 {
            let target = if t % 2 == 0 { "b" } else { "c" };
            store
                .insert("a", t, chat(target), Direction::Received, t)
                .unwrap();
        }
        // conversation "c" holds 1, 3, 5
        let after = store.history_after("a", &chat("c"), 1, 5);
        assert_eq!(
            after.messages.iter().map(|m| m.message).collect::<Vec<_>>(),
            [5, 3]
        );
        assert!(!after.has_more);
        let first = store.history_after("a", &chat("c"), 0, 1);
        assert_eq!(
            first.messages.iter().map(|m| m.message).collect::<Vec<_>>(),
            [1]
        );
        assert!(first.has_more);
        assert!(
            store
                .history_after("a", &chat("c"), 5, 5)
                .messages
                .is_empty()
        );
        assert!(
            store
                .history_after("nobody", &chat("c"), 0, 5)
                .messages
                .is_empty()
        );
    }

    #[test]
    fn delivery_marks_move_forward_and_go_with_the_mailbox() {
        let mut store = MessageStore::new(StoreLimits {
            max_per_user: 2,
            max_total: 10,
            max_users: 10,
        });
        store.mark_delivered("a", 5); // no mailbox: ignored
        assert_eq!(store.delivered_through("a"), None);
        store
            .insert("a", 1, chat("b"), Direction::Received, 1)
            .unwrap();
        store.insert("a", 2, chat("b"), Direction::Sent, 2).unwrap();
        let all = store.undelivered("a", 10);
        // only received messages count
        assert_eq!(
            all.messages.iter().map(|m| m.message).collect::<Vec<_>>(),
            [1]
        );
        store.mark_delivered("a", 1);
        store.mark_delivered("a", 0); // never back
        assert_eq!(store.delivered_through("a"), Some(1));
        assert!(store.undelivered("a", 10).messages.is_empty());
        // the mailbox goes (its messages evicted by the store limit), and the mark with it
        let mut small = MessageStore::new(StoreLimits {
            max_per_user: 5,
            max_total: 1,
            max_users: 10,
        });
        small
            .insert("a", 1, chat("b"), Direction::Received, 1)
            .unwrap();
        small.mark_delivered("a", 1);
        small
            .insert("c", 2, chat("b"), Direction::Received, 2)
            .unwrap();
        assert_eq!((small.len("a"), small.delivered_through("a")), (0, None));
    }

    #[test]
    fn unknown_user_reads_are_empty() {
        let store: MessageStore<()> = MessageStore::new(StoreLimits::default());
        let page = store.pull("nobody", Direction::Received, 42, 10);
        assert_eq!(
            (page.messages.len(), page.sync_time, page.finished),
            (0, 42, true)
        );
        assert!(
            store
                .history("nobody", &chat("x"), None, 10)
                .messages
                .is_empty()
        );
        assert!(store.conversations("nobody", 10).is_empty());
        assert!(store.is_empty());
    }
}

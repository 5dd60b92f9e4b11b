//! msgIds: 1, 2, … 65535, then 1 again, as RongCloud's SDKs count
//! (`MessageIdHandler.messageIdPlus`: `if (id >= 65535) id = 0; id++`), never 0, and never an
//! id still in use.
//!
//! An id is in use from the moment a request takes it until its answer arrives or it times out
//! (a qos ≥ 1 PUBLISH until its PUBACK, a QUERY until its QUERYACK, …). The SDKs do not check
//! this: after 65,535 requests they would hand out an id whose answer is still awaited, and an
//! answer would then match the wrong request. [`MsgIds`] skips such ids instead. qos-0
//! PUBLISHes and sync copies take an id and give it back at once.
//!
//! Each direction has its own ids: a client's requests and a server's PUBLISHes are numbered
//! independently, and an answer's direction says whose id it carries. RongCloud's engine 4.4.2
//! does not look at the direction (any packet with a msgId it awaits is that request's answer),
//! so a server's ids skip the client's held requests and its qos-0 PUBLISHes carry 0
//! ([`ServerSession::publish`](crate::ServerSession::publish)).
//!
//! ```
//! use timwire_session::msgid::MsgIds;
//!
//! let mut ids = MsgIds::starting_at(65_534);
//! let held = ids.allocate().unwrap(); // 65534 stays in use
//! assert_eq!(ids.allocate(), Some(65_535));
//! ids.release(65_535);
//! assert_eq!(ids.allocate(), Some(1)); // wrapped past 65535, never 0
//! for _ in 2..65_534 {
//!     let id = ids.allocate().unwrap();
//!     ids.release(id);
//! }
//! // 65534 is still in use: skipped.
//! assert_eq!(ids.allocate(), Some(65_535));
//! assert_eq!(held, 65_534);
//! ```

use std::collections::BTreeSet;

/// A msgId allocator that never hands out an id in use.
///
/// The ids in use are kept in a set, so memory grows with them (the session engine bounds them
/// by its window and tables) and an idle session holds none (an 8 KiB bitmap per connection
/// was a third of an idle server connection's memory, BENCHMARKS.md run 14). Allocation skips
/// in-use ids: at most one step, each a set lookup, per id in use.
#[derive(Clone)]
pub struct MsgIds {
    next: u16,
    in_use: BTreeSet<u16>,
}

impl std::fmt::Debug for MsgIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MsgIds")
            .field("next", &self.next)
            .field("in_use", &self.in_use.len())
            .finish()
    }
}

impl Default for MsgIds {
    fn default() -> Self {
        Self::new()
    }
}

impl MsgIds {
    /// An allocator whose first id is 1.
    pub fn new() -> Self {
        Self::starting_at(1)
    }

    /// An allocator whose first id is `first` (0 counts as 1).
    pub fn starting_at(first: u16) -> Self {
        Self {
            next: first.max(1),
            in_use: BTreeSet::new(),
        }
    }

    /// Whether `id` is in use.
    pub fn is_in_use(&self, id: u16) -> bool {
        self.in_use.contains(&id)
    }

    /// How many ids are in use.
    pub fn in_use(&self) -> usize {
        self.in_use.len()
    }

    /// The id the next [`allocate`](Self::allocate) starts looking from.
    pub fn peek(&self) -> u16 {
        self.next
    }

    /// Takes the next free id (marking it in use), or `None` when all 65,535 are in use.
    pub fn allocate(&mut self) -> Option<u16> {
        let mut id = self.next;
        for _ in 0..u16::MAX {
            let following = if id == u16::MAX {
                1
            } else {
                id.saturating_add(1)
            };
            if !self.is_in_use(id) {
                self.mark(id);
                self.next = following;
                return Some(id);
            }
            id = following;
        }
        None
    }

    /// Marks `id` in use (taken by other means, e.g. a reserved id). Returns `false` if it
    /// already was, or is 0.
    pub fn mark(&mut self, id: u16) -> bool {
        id != 0 && self.in_use.insert(id)
    }

    /// Gives `id` back. Returns `false` if it was not in use.
    pub fn release(&mut self, id: u16) -> bool {
        self.in_use.remove(&id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_like_the_sdks_when_nothing_is_in_flight() {
        let mut ids = MsgIds::new();
        let cycle: Vec<u16> = (0..65_535)
            .map(|_| {
                let id = ids.allocate().unwrap();
                ids.release(id);
                id
            })
            .collect();
        assert!(cycle.iter().copied().eq(1..=65_535));
        assert_eq!(ids.allocate(), Some(1));
        assert_eq!(MsgIds::starting_at(0).peek(), 1);
    }

    #[test]
    fn skips_ids_in_use_and_runs_out() {
        let mut ids = MsgIds::starting_at(65_535);
        assert!(ids.mark(1));
        assert!(!ids.mark(1));
        assert!(!ids.mark(0));
        assert_eq!(ids.allocate(), Some(65_535));
        assert_eq!(ids.allocate(), Some(2));
        assert_eq!(ids.in_use(), 3);
        let mut full = MsgIds::new();
        for _ in 0..65_535 {
            full.allocate().unwrap();
        }
        assert_eq!(full.allocate(), None);
        assert!(full.release(300));
        assert!(!full.release(300));
        assert_eq!(full.allocate(), Some(300));
    }
}

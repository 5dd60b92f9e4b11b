//! The store's messages in insertion order, for dropping the oldest when the store is full.
//!
//! Sequence numbers only grow, so the order is a queue: a new message goes to the back in O(1)
//! (a `BTreeMap` insert was 3.8 % of a tim relay's instructions: ~500 per message, two
//! messages per relay), the oldest comes off the front. A message removed from the middle
//! (a mailbox over its own limit drops its oldest) is found by binary search and left as a
//! gap; gaps at the front are dropped at once, and the queue is compacted when gaps outnumber
//! the messages, so it never holds more than about twice what the store does.

use std::collections::VecDeque;
use std::sync::Arc;

/// Gaps tolerated before a compaction, on top of one per live message.
const SLACK: usize = 64;

#[derive(Debug, Clone, Default)]
pub(crate) struct InsertOrder {
    /// (sequence number, mailbox), ascending; `None` is a removed message.
    entries: VecDeque<(u64, Option<Arc<str>>)>,
    live: usize,
}

impl InsertOrder {
    /// Messages held.
    pub(crate) fn len(&self) -> usize {
        self.live
    }

    /// Adds message `seq` of `mailbox`; `seq` is above every earlier one.
    pub(crate) fn push(&mut self, seq: u64, mailbox: Arc<str>) {
        debug_assert!(self.entries.back().is_none_or(|(last, _)| *last < seq));
        self.entries.push_back((seq, Some(mailbox)));
        self.live = self.live.saturating_add(1);
    }

    /// Removes message `seq`, wherever it is.
    pub(crate) fn remove(&mut self, seq: u64) {
        let Ok(at) = self.entries.binary_search_by_key(&seq, |(s, _)| *s) else {
            return;
        };
        if let Some((_, mailbox)) = self.entries.get_mut(at) {
            if mailbox.take().is_some() {
                self.live = self.live.saturating_sub(1);
            }
        }
        self.trim_front();
        if self.entries.len() > self.live.saturating_mul(2).saturating_add(SLACK) {
            self.entries.retain(|(_, mailbox)| mailbox.is_some());
        }
    }

    /// Takes the oldest message out.
    pub(crate) fn pop_first(&mut self) -> Option<(u64, Arc<str>)> {
        while let Some((seq, mailbox)) = self.entries.pop_front() {
            if let Some(mailbox) = mailbox {
                self.live = self.live.saturating_sub(1);
                return Some((seq, mailbox));
            }
        }
        None
    }

    fn trim_front(&mut self) {
        while self.entries.front().is_some_and(|(_, m)| m.is_none()) {
            self.entries.pop_front();
        }
    }

    /// Entries kept, gaps included (tests: the bound).
    #[cfg(test)]
    fn capacity_used(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oldest_first_skipping_removed_ones() {
        let mut order = InsertOrder::default();
        for seq in 0..5 {
            order.push(seq, Arc::from(if seq % 2 == 0 { "a" } else { "b" }));
        }
        order.remove(0);
        order.remove(3);
        order.remove(3); // twice: nothing more
        order.remove(9); // never held
        assert_eq!(order.len(), 3);
        let taken: Vec<_> = std::iter::from_fn(|| order.pop_first()).collect();
        assert_eq!(
            taken,
            [
                (1, Arc::from("b")),
                (2, Arc::from("a")),
                (4, Arc::from("a"))
            ]
        );
        assert_eq!(order.len(), 0);
    }

    #[test]
    fn gaps_behind_an_old_message_stay_bounded() {
        // One old message at the front and a busy mailbox dropping its oldest on every insert:
        // the gaps cannot reach the front, so compaction has to bound them.
        let mut order = InsertOrder::default();
        order.push(0, Arc::from("idle"));
        for seq in 1..10_000u64 {
            order.push(seq, Arc::from("busy"));
            if seq > 10 {
                order.remove(seq - 10);
            }
        }
        assert_eq!(order.len(), 11);
        assert!(
            order.capacity_used() <= 11 * 2 + SLACK + 1,
            "{}",
            order.capacity_used()
        );
        assert_eq!(order.pop_first(), Some((0, Arc::from("idle"))));
        assert_eq!(order.pop_first().map(|(seq, _)| seq), Some(9_990));
    }
}

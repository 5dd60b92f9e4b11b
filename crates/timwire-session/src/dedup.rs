//! Duplicates from the peer: a qos ≥ 1 request is delivered to the app once.
//!
//! A peer sends a request again when it resends an unacknowledged PUBLISH (tim profile, or a
//! client retransmitting with the dup bit) or when it misbehaves. The engine recognises a copy
//! by its msgId **and** a hash of its content (topic, targetId, data; for SUBSCRIBE and
//! UNSUBSCRIBE their topic list), so that a msgId legitimately reused after 65,535 requests
//! with new content is not mistaken for a copy:
//!
//! | the msgId is … | same content | other content |
//! |---|---|---|
//! | still awaiting our answer (server: the app has not answered) | copy: dropped | [`ProtocolViolation::MsgIdInUse`](crate::ProtocolViolation::MsgIdInUse) |
//! | among the last [`Limits::dedup_memory`](crate::Limits::dedup_memory) answered PUBLISHes | copy: dropped, our answer (PUBACK) sent again | a new request |
//! | unknown | a new request | a new request |
//!
//! A client answers a server's qos ≥ 1 PUBLISH on arrival, so for it only the second row
//! applies. qos-0 PUBLISHes are never deduplicated (they are never resent), nor are QUERYs once
//! answered (nobody resends a QUERY; a QUERYACK would be too large to keep). Copies are counted
//! in [`Stats::duplicates`](crate::Stats::duplicates).
//!
//! The memory is a ring: the oldest entry is forgotten first, so it never exceeds its limit.
//! Across reconnects the engine remembers nothing; payload-level deduplication (tim's
//! TimMessage `id`, RongCloud's messageUId) is the app's, with `timwire`'s registry.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hash, Hasher, RandomState};

/// A bounded map that forgets its oldest entry first.
#[derive(Debug, Clone)]
pub(crate) struct Ring<K, V> {
    map: HashMap<K, (u64, V)>,
    order: VecDeque<(K, u64)>,
    capacity: usize,
    generation: u64,
}

impl<K: Copy + Eq + Hash, V> Ring<K, V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            map: HashMap::new(),
            order: VecDeque::new(),
            capacity,
            generation: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key).map(|(_, v)| v)
    }

    pub(crate) fn remove(&mut self, key: &K) -> Option<V> {
        self.map.remove(key).map(|(_, v)| v)
    }

    /// Inserts or replaces `key`, forgetting the oldest entries beyond the capacity.
    pub(crate) fn insert(&mut self, key: K, value: V) {
        if self.capacity == 0 {
            return;
        }
        self.generation = self.generation.wrapping_add(1);
        self.map.insert(key, (self.generation, value));
        self.order.push_back((key, self.generation));
        // Every live entry has exactly one order slot with its generation, so bounding the
        // order queue bounds the map.
        while self.order.len() > self.capacity {
            if let Some((old, generation)) = self.order.pop_front() {
                if self.map.get(&old).is_some_and(|(g, _)| *g == generation) {
                    self.map.remove(&old);
                }
            }
        }
    }

    pub(crate) fn clear(&mut self) {
        self.map.clear();
        self.order.clear();
    }
}

/// Hashes request content for duplicate detection, with per-session random keys (a peer
/// cannot aim collisions at another session).
#[derive(Debug, Clone, Default)]
pub(crate) struct ContentHasher(RandomState);

impl ContentHasher {
    pub(crate) fn hash(&self, parts: &[&[u8]]) -> u64 {
        let mut h = self.0.build_hasher();
        for part in parts {
            part.hash(&mut h);
        }
        h.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_forgets_the_oldest_and_stays_bounded() {
        let mut ring = Ring::new(3);
        for k in 0u16..10 {
            ring.insert(k, k);
        }
        assert_eq!(ring.len(), 3);
        assert_eq!(ring.get(&6), None);
        assert_eq!(ring.get(&9), Some(&9));
        // Re-inserting a key refreshes it; the stale slot does not evict the new value.
        ring.insert(7, 70);
        ring.insert(1, 1);
        ring.insert(2, 2);
        assert_eq!(ring.get(&7), Some(&70));
        assert_eq!(ring.len(), 3);
        for _ in 0..100_000 {
            ring.insert(5, 5);
        }
        assert_eq!(ring.len(), 1);
        assert!(ring.order.len() <= 3);
        assert_eq!(ring.remove(&5), Some(5));
        let mut off = Ring::new(0);
        off.insert(1u16, ());
        assert_eq!(off.len(), 0);
    }

    #[test]
    fn hashes_separate_parts() {
        let h = ContentHasher::default();
        assert_eq!(h.hash(&[b"ab", b"c"]), h.hash(&[b"ab", b"c"]));
        assert_ne!(h.hash(&[b"ab", b"c"]), h.hash(&[b"a", b"bc"]));
    }
}

//! Chatrooms of `timwire serve --profile rongcloud`: who joined, and the latest messages each
//! room keeps for `chrmPull`. Every table is bounded.
//!
//! The flow of RongCloud's web SDK (docs/PROTOCOL.md §11): `joinChrm` (`joinChrmR` when it
//! rejoins after a reconnect) with the room as the QUERY's targetId → ChrmOutput with the join
//! time; `chatMsg` PUBLISHes to the room; each other member gets `s_ntf` NotifyMsg type 2 with
//! the room's id and answers with `chrmPull` (ChrmPullMsg, the room as targetId) →
//! DownStreamMessages; `quitChrm` leaves.

use std::collections::{HashMap, HashSet, VecDeque};

use timwire::proto::rongcloud::{DownStreamMessage, DownStreamMessages};

/// Rooms at once.
const MAX_ROOMS: usize = 10_000;
/// Members of one room.
const MAX_MEMBERS: usize = 10_000;
/// Messages one room keeps (the oldest give way), and the most one pull returns.
const MAX_KEPT: usize = 200;

/// Why a join was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum JoinError {
    /// [`MAX_ROOMS`] rooms exist.
    #[error("too many chatrooms (at most {MAX_ROOMS})")]
    TooManyRooms,
    /// The room has [`MAX_MEMBERS`] members.
    #[error("the chatroom is full (at most {MAX_MEMBERS} members)")]
    Full,
}

#[derive(Debug, Default)]
struct Room {
    members: HashSet<String>,
    messages: VecDeque<DownStreamMessage>,
}

/// The chatrooms.
#[derive(Debug, Default)]
pub(crate) struct Rooms {
    rooms: HashMap<String, Room>,
}

impl Rooms {
    /// `user` joins `room` (created on the first join).
    pub(crate) fn join(&mut self, room: &str, user: &str) -> Result<(), JoinError> {
        if !self.rooms.contains_key(room) && self.rooms.len() >= MAX_ROOMS {
            return Err(JoinError::TooManyRooms);
        }
        let r = self.rooms.entry(room.to_owned()).or_default();
        if !r.members.contains(user) && r.members.len() >= MAX_MEMBERS {
            return Err(JoinError::Full);
        }
        r.members.insert(user.to_owned());
        Ok(())
    }

    /// `user` leaves `room`; a room without members is dropped with its messages.
    pub(crate) fn quit(&mut self, room: &str, user: &str) {
        if let Some(r) = self.rooms.get_mut(room) {
            r.members.remove(user);
            if r.members.is_empty() {
                self.rooms.remove(room);
            }
        }
    }

    /// Whether `user` is in `room`.
    pub(crate) fn is_member(&self, room: &str, user: &str) -> bool {
        self.rooms
            .get(room)
            .is_some_and(|r| r.members.contains(user))
    }

    /// Keeps `message` in `room`; returns the members to notify (all but `sender`).
    pub(crate) fn post(
        &mut self,
        room: &str,
        sender: &str,
        message: DownStreamMessage,
    ) -> Vec<String> {
        let Some(r) = self.rooms.get_mut(room) else {
            return Vec::new();
        };
        if r.messages.len() >= MAX_KEPT {
            r.messages.pop_front();
        }
        r.messages.push_back(message);
        r.members
            .iter()
            .filter(|m| m.as_str() != sender)
            .cloned()
            .collect()
    }

    /// The `chrmPull` answer: the messages after `since` (ms), at most `count` (1 to
    /// [`MAX_KEPT`]); from `since` 0 (a first pull) the latest `count`, otherwise the oldest
    /// first and `finished` false when more are left.
    pub(crate) fn pull(&self, room: &str, since: i64, count: i32) -> DownStreamMessages {
        let count = usize::try_from(count).unwrap_or(0).clamp(1, MAX_KEPT);
        let after: Vec<&DownStreamMessage> = self
            .rooms
            .get(room)
            .map(|r| r.messages.iter().filter(|m| m.data_time > since).collect())
            .unwrap_or_default();
        let (page, finished) = if since == 0 {
            let skip = after.len().saturating_sub(count);
            (after.get(skip..).unwrap_or_default(), true)
        } else {
            let end = after.len().min(count);
            (after.get(..end).unwrap_or_default(), end == after.len())
        };
        DownStreamMessages {
            list: page.iter().map(|m| (*m).clone()).collect(),
            sync_time: page.last().map_or(since, |m| m.data_time),
            finished: Some(finished),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(time: i64) -> DownStreamMessage {
        DownStreamMessage {
            data_time: time,
            ..DownStreamMessage::default()
        }
    }

    fn times(answer: &DownStreamMessages) -> Vec<i64> {
        answer.list.iter().map(|m| m.data_time).collect()
    }

    #[test]
    fn members_are_notified_and_pull_what_came_after() {
        let mut rooms = Rooms::default();
        rooms.join("lobby", "alice").unwrap();
        rooms.join("lobby", "bob").unwrap();
        assert!(rooms.is_member("lobby", "bob"));
        assert_eq!(rooms.post("lobby", "alice", at(10)), ["bob"]);
        rooms.post("lobby", "alice", at(20));
        rooms.post("lobby", "bob", at(30));
        let first = rooms.pull("lobby", 0, 2);
        assert_eq!((times(&first), first.sync_time), (vec![20, 30], 30));
        let later = rooms.pull("lobby", 10, 1);
        assert_eq!(
            (times(&later), later.sync_time, later.finished),
            (vec![20], 20, Some(false))
        );
        let none = rooms.pull("lobby", 30, 5);
        assert_eq!((none.list.len(), none.sync_time), (0, 30));
        assert!(rooms.post("nowhere", "alice", at(1)).is_empty());
        rooms.quit("lobby", "alice");
        rooms.quit("lobby", "bob");
        assert_eq!(rooms.pull("lobby", 0, 10).list.len(), 0);
    }

    #[test]
    fn tables_are_bounded() {
        let mut rooms = Rooms::default();
        rooms.join("r", "a").unwrap();
        for t in 1..=i64::try_from(MAX_KEPT).unwrap() + 5 {
            rooms.post("r", "a", at(t));
        }
        let kept = rooms.pull("r", 0, i32::MAX);
        assert_eq!(kept.list.len(), MAX_KEPT);
        assert_eq!(kept.list[0].data_time, 6);
        for n in 1..MAX_ROOMS {
            rooms.join(&n.to_string(), "a").unwrap();
        }
        assert_eq!(rooms.join("one more", "a"), Err(JoinError::TooManyRooms));
        rooms.join("r", "a").unwrap(); // an existing room still takes joins
    }
}

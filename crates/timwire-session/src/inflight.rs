//! qos 1 in both directions: our requests awaiting their answers.
//!
//! Every request the app submits that needs an answer — a qos ≥ 1 PUBLISH (either role), and a
//! client's QUERY, SUBSCRIBE and UNSUBSCRIBE — takes a msgId ([`msgid`](crate::msgid)) and a
//! slot in a **window** until its answer arrives. The answer is matched by msgId alone (WIRE.md
//! §6) and by type: a PUBACK answers a PUBLISH, a QUERYACK a QUERY, and so on.
//!
//! * **Backpressure.** When a window is full the request is refused with
//!   [`SubmitError::WindowFull`](crate::SubmitError::WindowFull); the engine keeps no queue of
//!   its own. When a slot frees, a `WindowOpen` event says so (once per refusal).
//!   Windows: [`Limits::max_inflight_publishes`](crate::Limits::max_inflight_publishes)
//!   (default 32) and, client only, [`Limits::max_inflight_requests`](crate::Limits::max_inflight_requests)
//!   (default 16).
//! * **Timeouts.** A request not answered within [`Config::request_timeout`](crate::Config::request_timeout)
//!   (default 30 s, counted from submission) is reported with a `TimedOut` event and forgotten;
//!   its msgId is free again. An answer that comes later is dropped (counted in
//!   [`Stats::late_answers`](crate::Stats::late_answers)), and so is the second answer to a
//!   resent PUBLISH (both copies may be acknowledged), as RongCloud's SDK drops answers
//!   whose callback timed out.
//! * **Delivery model** ([`Profile`](crate::Profile)). RongCloud: nothing is sent twice.
//!   tim: a PUBLISH without PUBACK is sent again [`Config::retransmit_interval`](crate::Config::retransmit_interval)
//!   after it was last handed to the driver, at most [`Config::max_retransmits`](crate::Config::max_retransmits)
//!   times, until it times out. A client's resend carries the dup bit; a server's never does
//!   (dup on S→C means "sync copy").
//! * **Answers matching nothing** (not in flight, not late) are strays: counted, never stored,
//!   and more than [`Limits::max_stray_answers`](crate::Limits::max_stray_answers) close the
//!   connection.
//! * **On close** the requests still in flight are kept, and `drain_unacknowledged` gives them
//!   back for sending on the next connection.

use std::cell::Cell;
// Looked up on every PUBACK and every push (see the root Cargo.toml for why foldhash); the
// keys are this side's own msgIds, bounded by the window.
use foldhash::HashMap;
use std::time::{Duration, Instant};

use crate::event::{RequestId, RequestKind, Window};

/// One request awaiting its answer.
#[derive(Debug, Clone)]
pub(crate) struct Entry<P> {
    pub(crate) id: RequestId,
    pub(crate) kind: RequestKind,
    pub(crate) packet: P,
    /// When it times out (`None`: never, the timeout overflowed `Instant`).
    pub(crate) deadline: Option<Instant>,
    /// When it was last handed to the driver.
    pub(crate) last_sent: Option<Instant>,
    /// How many times it was handed to the driver.
    pub(crate) sends: u32,
    /// Whether a transmission is queued.
    pub(crate) queued: bool,
}

/// How unanswered PUBLISHes are resent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Resend {
    pub(crate) interval: Duration,
    pub(crate) max: u32,
}

/// What the timer found.
#[derive(Debug, Default)]
pub(crate) struct Expired {
    /// Timed out: (msgId, request, kind, transmissions), removed from the table.
    pub(crate) timed_out: Vec<(u16, RequestId, RequestKind, u32)>,
    /// To send again: msgIds, marked queued.
    pub(crate) resend: Vec<u16>,
}

/// Our requests awaiting answers, by msgId.
#[derive(Debug, Clone)]
pub(crate) struct Inflight<P> {
    entries: HashMap<u16, Entry<P>>,
    publishes: usize,
    requests: usize,
    /// The earliest timer of all entries and the resend rule it was found with; `None` when
    /// not known. A driver asks for it after every event, far more often than entries come
    /// and go, so it is kept up to date where that is cheap (an entry added, a send counted,
    /// an entry other than the earliest removed) and found again only after the rest.
    earliest: Cell<Option<(Option<Resend>, Option<Instant>)>>,
}

impl<P> Default for Inflight<P> {
    fn default() -> Self {
        Self {
            entries: HashMap::default(),
            publishes: 0,
            requests: 0,
            earliest: Cell::new(None),
        }
    }
}

impl<P> Inflight<P> {
    pub(crate) fn count(&self, window: Window) -> usize {
        match window {
            Window::Publish => self.publishes,
            Window::Request => self.requests,
        }
    }

    fn count_mut(&mut self, window: Window) -> &mut usize {
        match window {
            Window::Publish => &mut self.publishes,
            Window::Request => &mut self.requests,
        }
    }

    pub(crate) fn insert(&mut self, msg_id: u16, entry: Entry<P>) {
        let window = entry.kind.window();
        self.fold_in(&entry);
        if let Some(old) = self.entries.insert(msg_id, entry) {
            self.forget_earliest();
            // msgIds in use are never handed out again, so this does not happen; keep the
            // counts right regardless.
            let c = self.count_mut(old.kind.window());
            *c = c.saturating_sub(1);
        }
        let c = self.count_mut(window);
        *c = c.saturating_add(1);
    }

    /// Hands out `msg_id`'s queued packet: counts the send at `now` and returns the packet
    /// with how many times it was sent before. `None` when it is not in flight or not queued
    /// (answered, timed out or already handed out since it was queued).
    pub(crate) fn hand_out(&mut self, msg_id: u16, now: Instant) -> Option<(&P, u32)> {
        let entry = self.entries.get_mut(&msg_id)?;
        if !entry.queued {
            return None;
        }
        entry.queued = false;
        let before = entry.sends;
        entry.sends = entry.sends.saturating_add(1);
        entry.last_sent = Some(now);
        // Its resend time appears (no timer of it moves): the earliest can only move to it.
        if let Some((resend, earliest)) = self.earliest.get() {
            let timer = timer_of(entry, resend);
            self.earliest.set(Some((resend, earlier(earliest, timer))));
        }
        Some((&entry.packet, before))
    }

    /// Removes the request with `msg_id` if it is of `kind`.
    pub(crate) fn take(&mut self, msg_id: u16, kind: RequestKind) -> Option<Entry<P>> {
        if self.entries.get(&msg_id)?.kind != kind {
            return None;
        }
        let entry = self.entries.remove(&msg_id)?;
        if let Some((resend, earliest)) = self.earliest.get() {
            // Removing a later entry leaves the earliest as it was.
            let timer = timer_of(&entry, resend);
            if timer.is_some() && timer <= earliest {
                self.forget_earliest();
            }
        }
        let c = self.count_mut(kind.window());
        *c = c.saturating_sub(1);
        Some(entry)
    }

    /// The earliest deadline or resend time.
    pub(crate) fn next_timeout(&self, resend: Option<Resend>) -> Option<Instant> {
        if let Some((known, earliest)) = self.earliest.get() {
            if known == resend {
                return earliest;
            }
        }
        let earliest = self
            .entries
            .values()
            .filter_map(|e| timer_of(e, resend))
            .min();
        self.earliest.set(Some((resend, earliest)));
        earliest
    }

    /// Takes a new entry's timers into the earliest, when that is known.
    fn fold_in(&self, entry: &Entry<P>) {
        if let Some((resend, earliest)) = self.earliest.get() {
            let timer = timer_of(entry, resend);
            self.earliest.set(Some((resend, earlier(earliest, timer))));
        }
    }

    fn forget_earliest(&self) {
        self.earliest.set(None);
    }

    /// Removes what timed out by `now` and marks what must be sent again.
    pub(crate) fn expire(&mut self, now: Instant, resend: Option<Resend>) -> Expired {
        self.forget_earliest();
        let mut expired = Expired::default();
        for (&msg_id, e) in &mut self.entries {
            if e.deadline.is_some_and(|d| d <= now) {
                expired.timed_out.push((msg_id, e.id, e.kind, e.sends));
            } else if resend
                .and_then(|r| resend_at(e, r))
                .is_some_and(|t| t <= now)
            {
                e.queued = true;
                expired.resend.push(msg_id);
            }
        }
        expired.timed_out.sort_by_key(|&(_, id, _, _)| id);
        expired
            .resend
            .sort_by_key(|msg_id| self.entries.get(msg_id).map(|e| e.id));
        for &(msg_id, _, kind, _) in &expired.timed_out {
            self.take(msg_id, kind);
        }
        expired
    }

    /// Takes every request out, oldest first.
    pub(crate) fn drain(&mut self) -> Vec<Entry<P>> {
        self.forget_earliest();
        let mut all: Vec<Entry<P>> = self.entries.drain().map(|(_, e)| e).collect();
        all.sort_by_key(|e| e.id);
        self.publishes = 0;
        self.requests = 0;
        all
    }
}

/// The earlier of two optional times (`None` is never earlier).
fn earlier(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// An entry's earliest timer: its deadline or its resend.
fn timer_of<P>(e: &Entry<P>, resend: Option<Resend>) -> Option<Instant> {
    earlier(e.deadline, resend.and_then(|r| resend_at(e, r)))
}

/// When `e` is due to be resent: a PUBLISH handed out, not queued again, with resends left.
fn resend_at<P>(e: &Entry<P>, r: Resend) -> Option<Instant> {
    if e.kind != RequestKind::Publish || e.queued || e.sends == 0 || e.sends > r.max {
        return None;
    }
    e.last_sent?.checked_add(r.interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64, kind: RequestKind, t: Instant) -> Entry<()> {
        Entry {
            id: RequestId(id),
            kind,
            packet: (),
            deadline: t.checked_add(Duration::from_secs(30)),
            last_sent: Some(t),
            sends: 1,
            queued: false,
        }
    }

    #[test]
    fn windows_resends_and_timeouts() {
        let t = Instant::now();
        let mut table = Inflight::default();
        table.insert(1, entry(1, RequestKind::Publish, t));
        table.insert(2, entry(2, RequestKind::Query, t));
        assert_eq!(
            (table.count(Window::Publish), table.count(Window::Request)),
            (1, 1)
        );
        // A PUBACK does not answer a QUERY.
        assert!(table.take(2, RequestKind::Publish).is_none());
        let resend = Some(Resend {
            interval: Duration::from_secs(10),
            max: 2,
        });
        assert_eq!(
            table.next_timeout(resend),
            t.checked_add(Duration::from_secs(10))
        );
        assert_eq!(
            table.next_timeout(None),
            t.checked_add(Duration::from_secs(30))
        );
        let at = |s| t.checked_add(Duration::from_secs(s)).unwrap();
        let e = table.expire(at(10), resend);
        assert_eq!((e.timed_out.len(), e.resend), (0, vec![1]));
        // Queued again: no second resend until it is handed out.
        assert!(table.expire(at(20), resend).resend.is_empty());
        let e = table.expire(at(30), resend);
        assert_eq!(e.timed_out.len(), 2);
        assert_eq!(
            (table.count(Window::Publish), table.count(Window::Request)),
            (0, 0)
        );
        assert!(table.drain().is_empty());
    }

    /// The earliest timer kept up to date across inserts, sends and removals is the one a
    /// scan of every entry finds, after every step of a long mixed sequence.
    #[test]
    fn kept_earliest_matches_a_scan() {
        let t = Instant::now();
        let at = |ms: u64| t.checked_add(Duration::from_millis(ms)).unwrap();
        let resend = Some(Resend {
            interval: Duration::from_millis(700),
            max: 2,
        });
        let mut table = Inflight::default();
        let mut state = 0x2545_f491_u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            state >> 33
        };
        let mut now = 0;
        let mut changed = 0;
        for step in 0..5_000u64 {
            now += next() % 50;
            let msg_id = u16::try_from(next() % 40).unwrap();
            match next() % 4 {
                0 | 1 => {
                    let kind = if next() % 3 == 0 {
                        RequestKind::Query
                    } else {
                        RequestKind::Publish
                    };
                    let mut e = entry(step, kind, at(now));
                    e.deadline = at(now).checked_add(Duration::from_millis(next() % 3_000));
                    e.queued = true;
                    e.sends = 0;
                    e.last_sent = None;
                    table.insert(msg_id, e);
                }
                2 => {
                    let _ = table.hand_out(msg_id, at(now));
                }
                _ => {
                    let kind = table.entries.get(&msg_id).map(|e| e.kind);
                    if let Some(kind) = kind {
                        table.take(msg_id, kind);
                    }
                }
            }
            if next() % 50 == 0 {
                let _ = table.expire(at(now), resend);
            }
            let kept = table.next_timeout(resend);
            let scanned = table
                .entries
                .values()
                .filter_map(|e| timer_of(e, resend))
                .min();
            assert_eq!(kept, scanned, "step {step}");
            assert_eq!(table.next_timeout(None), {
                table.entries.values().filter_map(|e| e.deadline).min()
            });
            // Back to the rule the driver uses, so that the next step updates it in place.
            let again = table.next_timeout(resend);
            assert_eq!(again, scanned);
            if kept.is_some() {
                changed += 1;
            }
        }
        assert!(changed > 1_000, "the sequence kept entries in flight");
    }
}

//! Wire times from [`SystemTime`]: CONNACK's timestamp (ms, `i64`), PUBLISH's date (s, `u32`),
//! PUBACK's date (s, `u32`) and millisecond (`u16`).
//!
//! Every conversion saturates and never panics:
//!
//! * CONNACK's `i64` milliseconds are signed: a time before the Unix epoch becomes a negative
//!   count, and a time beyond ±292 million years becomes `i64::MIN` / `i64::MAX`.
//! * The `u32` seconds of PUBLISH and PUBACK cannot go below the epoch: an earlier time becomes
//!   0 (with millisecond 0); a time past 2106-02-07 06:28:15 UTC becomes `u32::MAX` (with
//!   millisecond 999).
//!
//! Sub-millisecond parts are truncated toward the epoch's floor (a time 1.5 ms before the epoch
//! is −2 ms, as [`SystemTime`] arithmetic would order it).
//!
//! ```
//! use std::time::{Duration, SystemTime, UNIX_EPOCH};
//! use timwire_signal::time;
//!
//! let t = UNIX_EPOCH + Duration::from_millis(1_795_432_394_449);
//! assert_eq!(time::unix_millis(t), 1_795_432_394_449);
//! assert_eq!(time::unix_seconds(t), 1_795_432_394);
//! assert_eq!(time::unix_seconds_millis(t), (1_795_432_394, 449));
//!
//! // Before the epoch: negative milliseconds, seconds saturate at 0.
//! let before = UNIX_EPOCH - Duration::from_millis(1500);
//! assert_eq!(time::unix_millis(before), -1500);
//! assert_eq!(time::unix_seconds_millis(before), (0, 0));
//! // Past u32 seconds: the largest value the fields can say.
//! let far = UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX) + 1);
//! assert_eq!(time::unix_seconds_millis(far), (u32::MAX, 999));
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, as CONNACK's `timestamp` holds them; negative before the
/// epoch, saturating at `i64::MIN` and `i64::MAX`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// assert_eq!(timwire_signal::time::unix_millis(UNIX_EPOCH + Duration::from_micros(2_999)), 2);
/// ```
pub fn unix_millis(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => {
            // Round away from the epoch, so that earlier times never compare later.
            let before = before.duration();
            let ms = before
                .as_millis()
                .saturating_add(u128::from(before.subsec_nanos() % 1_000_000 != 0));
            i64::try_from(ms).map_or(i64::MIN, i64::saturating_neg)
        }
    }
}

/// Whole seconds since the Unix epoch, as PUBLISH's and PUBACK's `date` hold them: 0 before the
/// epoch, `u32::MAX` past 2106.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// assert_eq!(timwire_signal::time::unix_seconds(UNIX_EPOCH + Duration::from_millis(1_999)), 1);
/// ```
pub fn unix_seconds(time: SystemTime) -> u32 {
    unix_seconds_millis(time).0
}

/// Seconds since the Unix epoch and the milliseconds past them, as PUBACK's `date` and
/// `millisecond` hold them: `(0, 0)` before the epoch, `(u32::MAX, 999)` past 2106.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = UNIX_EPOCH + Duration::from_millis(1_234);
/// assert_eq!(timwire_signal::time::unix_seconds_millis(t), (1, 234));
/// ```
pub fn unix_seconds_millis(time: SystemTime) -> (u32, u16) {
    let Ok(after) = time.duration_since(UNIX_EPOCH) else {
        return (0, 0);
    };
    match u32::try_from(after.as_secs()) {
        // subsec_millis() < 1000, so it fits in u16.
        Ok(secs) => (secs, u16::try_from(after.subsec_millis()).unwrap_or(999)),
        Err(_) => (u32::MAX, 999),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn extremes_saturate() {
        // The farthest times this platform's SystemTime can hold, probed without panicking.
        let mut far = UNIX_EPOCH;
        let mut early = UNIX_EPOCH;
        for shift in (0..64).rev() {
            let step = Duration::from_secs(1 << shift);
            if let Some(t) = far.checked_add(step) {
                far = t;
            }
            if let Some(t) = early.checked_sub(step) {
                early = t;
            }
        }
        assert_eq!(unix_seconds_millis(far), (u32::MAX, 999));
        assert_eq!(unix_seconds(far), u32::MAX);
        assert!(unix_millis(far) > 0);
        assert_eq!(unix_seconds_millis(early), (0, 0));
        assert!(unix_millis(early) < 0);
    }

    #[test]
    fn sub_millisecond_parts_round_toward_the_past() {
        assert_eq!(unix_millis(UNIX_EPOCH + Duration::from_micros(1_500)), 1);
        assert_eq!(unix_millis(UNIX_EPOCH - Duration::from_micros(1_500)), -2);
        assert_eq!(unix_millis(UNIX_EPOCH), 0);
        let last = UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX)) + Duration::from_millis(7);
        assert_eq!(unix_seconds_millis(last), (u32::MAX, 7));
    }
}

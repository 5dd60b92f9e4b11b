//! What the broker comparison's examples share (`mqtt_load`, `idle_memory`; see
//! `benches/broker/run.sh` and BENCHMARKS.md): the summary line `timwire load` prints, its
//! percentiles, and a process's resident memory.

use std::fmt;
use std::io;

/// The summary line of a load run, as `timwire load` prints it:
/// `sent S delivered D lost L duplicates U p50 X ms p99 Y ms`.
///
/// ```
/// use timwire_benches::broker::Summary;
///
/// let latencies_us = vec![900, 1_100, 1_000, 4_000];
/// let line = Summary::new(4, 4, 0, latencies_us).to_string();
/// assert_eq!(line, "sent 4 delivered 4 lost 0 duplicates 0 p50 1.1 ms p99 4.0 ms");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Messages sent at least once.
    pub sent: u64,
    /// Messages that reached their recipient at least once.
    pub delivered: u64,
    /// Messages asked for that never arrived.
    pub lost: u64,
    /// Copies beyond the first.
    pub duplicates: u64,
    /// The median latency, milliseconds.
    pub p50_ms: f64,
    /// The 99th percentile latency, milliseconds.
    pub p99_ms: f64,
}

impl Summary {
    /// The summary of a run of `messages`, of which `sent` were sent, with one latency in
    /// microseconds per delivered message, and `duplicates` extra copies.
    pub fn new(messages: u64, sent: u64, duplicates: u64, mut latencies_us: Vec<u64>) -> Self {
        latencies_us.sort_unstable();
        let delivered = latencies_us.len() as u64;
        Self {
            sent,
            delivered,
            lost: messages.saturating_sub(delivered),
            duplicates,
            p50_ms: percentile_ms(&latencies_us, 50),
            p99_ms: percentile_ms(&latencies_us, 99),
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sent {} delivered {} lost {} duplicates {} p50 {:.1} ms p99 {:.1} ms",
            self.sent, self.delivered, self.lost, self.duplicates, self.p50_ms, self.p99_ms
        )
    }
}

/// The `p`th percentile of sorted microsecond latencies, in milliseconds, as `timwire load`
/// takes it (the element at `len * p / 100`); 0 when there are none.
///
/// ```
/// use timwire_benches::broker::percentile_ms;
///
/// assert_eq!(percentile_ms(&[1_000, 2_000, 3_000, 4_000], 50), 3.0);
/// assert_eq!(percentile_ms(&[], 99), 0.0);
/// ```
pub fn percentile_ms(sorted_us: &[u64], p: usize) -> f64 {
    let Some(last) = sorted_us.len().checked_sub(1) else {
        return 0.0;
    };
    let at = (sorted_us.len().saturating_mul(p) / 100).min(last);
    sorted_us.get(at).map_or(0.0, |us| *us as f64 / 1000.0)
}

/// The resident set size of process `pid` in KiB (`VmRSS` in `/proc/PID/status`, Linux).
///
/// ```
/// let kib = timwire_benches::broker::rss_kib(std::process::id()).unwrap();
/// assert!(kib > 0);
/// ```
pub fn rss_kib(pid: u32) -> io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    parse_vm_rss(&status).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("no VmRSS line in /proc/{pid}/status"),
        )
    })
}

/// The `VmRSS:` value of a `/proc/PID/status` text, in KiB.
fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let mut words = line.split_whitespace().skip(1);
    let value = words.next()?.parse().ok()?;
    (words.next() == Some("kB")).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_rss_is_read_in_kib() {
        let status = "Name:\tmosquitto\nVmPeak:\t  9000 kB\nVmRSS:\t    6512 kB\nThreads:\t1\n";
        assert_eq!(parse_vm_rss(status), Some(6512));
        assert_eq!(parse_vm_rss("VmRSS:\t12 MB\n"), None);
        assert_eq!(parse_vm_rss("Name:\tx\n"), None);
    }

    #[test]
    fn the_summary_counts_the_lost() {
        let s = Summary::new(10, 9, 2, vec![5_000; 7]);
        assert_eq!((s.delivered, s.lost, s.duplicates), (7, 3, 2));
        assert_eq!(
            s.to_string(),
            "sent 9 delivered 7 lost 3 duplicates 2 p50 5.0 ms p99 5.0 ms"
        );
    }
}

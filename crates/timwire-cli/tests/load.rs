//! `timwire load` and `timwire serve`: every message delivered once, with and without chaos,
//! for both profiles and transports (small sizes; the full-size figures are in BENCHMARKS.md).

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_timwire");

/// The summary line's numbers: sent, delivered, lost, duplicates.
fn summary(stdout: &str) -> (u64, u64, u64, u64) {
    let line = stdout.lines().last().unwrap_or_default();
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words.len(), 14, "{line}");
    let labels: Vec<&str> = [0, 2, 4, 6, 8, 10, 11, 13]
        .iter()
        .map(|&i| words[i])
        .collect();
    assert_eq!(
        labels,
        [
            "sent",
            "delivered",
            "lost",
            "duplicates",
            "p50",
            "ms",
            "p99",
            "ms"
        ]
    );
    for i in [9, 12] {
        assert!(words[i].parse::<f64>().is_ok_and(|ms| ms >= 0.0), "{line}");
    }
    let n = |i: usize| words[i].parse::<u64>().unwrap();
    (n(1), n(3), n(5), n(7))
}

/// Runs `timwire load` with `args`; returns the exit code, stdout and stderr.
fn load(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).arg("load").args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

/// The number before `word` in the stats line on stderr.
fn count_before(stderr: &str, word: &str) -> u64 {
    let words: Vec<&str> = stderr.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| w.trim_end_matches(',') == word)
        .unwrap_or_else(|| panic!("no {word:?} in {stderr}"));
    words[at - 1].parse().unwrap()
}

#[test]
fn load_delivers_everything_once() {
    for profile in ["tim", "rongcloud"] {
        for transport in ["tcp", "ws"] {
            let args = [
                "--profile",
                profile,
                "--transport",
                transport,
                "--connections",
                "20",
                "--messages",
                "2000",
                "--payload",
                "100",
                "--qos",
                "1",
                "--stall",
                "20",
            ];
            let (code, stdout, stderr) = load(&args);
            assert_eq!(code, 0, "{profile} {transport}: {stdout}{stderr}");
            assert_eq!(
                summary(&stdout),
                (2000, 2000, 0, 0),
                "{profile} {transport}"
            );
        }
    }
}

#[test]
fn load_with_chaos_loses_nothing() {
    for profile in ["tim", "rongcloud"] {
        for transport in ["tcp", "ws"] {
            let args = [
                "--profile",
                profile,
                "--transport",
                transport,
                "--connections",
                "20",
                "--messages",
                "6000",
                "--payload",
                "200",
                "--qos",
                "1",
                "--chaos",
                "--stall",
                "20",
            ];
            let (code, stdout, stderr) = load(&args);
            assert_eq!(code, 0, "{profile} {transport}: {stdout}{stderr}");
            assert_eq!(
                summary(&stdout),
                (6000, 6000, 0, 0),
                "{profile} {transport}"
            );
            // The chaos did cut connections, and the clients came back.
            assert!(count_before(&stderr, "cuts") > 0, "{stderr}");
            assert!(count_before(&stderr, "reconnects") > 0, "{stderr}");
        }
    }
}

#[test]
fn load_reports_loss_and_fails_when_nothing_arrives() {
    // A port nobody listens on: every message is lost, and the exit code says so.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let addr = free.to_string();
    let args = [
        "--server",
        &addr,
        "--connections",
        "3",
        "--messages",
        "30",
        "--stall",
        "1",
    ];
    let (code, stdout, stderr) = load(&args);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let (sent, delivered, lost, duplicates) = summary(&stdout);
    assert_eq!((delivered, lost, duplicates), (0, 30, 0));
    assert!(sent <= 30);
}

#[test]
fn serve_relays_for_load_clients() {
    for (profile, transport) in [("tim", "tcp"), ("rongcloud", "ws")] {
        let mut serve = Command::new(BIN)
            .args([
                "serve",
                "--profile",
                profile,
                "--tcp",
                "127.0.0.1:0",
                "--ws",
                "127.0.0.1:0",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(serve.stdout.take().unwrap()).lines();
        let mut addrs = Vec::new();
        for _ in 0..2 {
            let line = lines.next().unwrap().unwrap();
            let words: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(words.first(), Some(&"listening"), "{line}");
            addrs.push((words[1].to_owned(), words[2].to_owned()));
        }
        let addr = &addrs.iter().find(|(t, _)| t == transport).unwrap().1;
        let args = [
            "--server",
            addr,
            "--profile",
            profile,
            "--transport",
            transport,
            "--connections",
            "10",
            "--messages",
            "500",
            "--stall",
            "20",
        ];
        let (code, stdout, stderr) = load(&args);
        // Ctrl-C: a graceful shutdown and the closing line.
        let _ = Command::new("kill")
            .args(["-INT", &serve.id().to_string()])
            .status();
        let rest: Vec<String> = lines.map(Result::unwrap).collect();
        let status = serve.wait().unwrap();
        assert_eq!(code, 0, "{profile}: {stdout}{stderr}");
        assert_eq!(summary(&stdout), (500, 500, 0, 0), "{profile}");
        assert!(status.success(), "{rest:?}");
        let closing = rest.last().unwrap();
        assert!(closing.contains("messages 500 "), "{closing}");
    }
}

//! The library half of the `timwire` command-line tool: reading tcpdump and Wireshark captures
//! (pcap and pcapng) into RMTP frames ([`pcap`]).
//!
//! It is a library, not a module of the binary, so that the capture fuzz target
//! (`fuzz/fuzz_targets/capture.rs`, through `crates/timwire-fuzz`) can call the same reader,
//! link-layer decoding, TCP reassembly and WebSocket parsing that `timwire inspect` runs.

pub mod pcap;

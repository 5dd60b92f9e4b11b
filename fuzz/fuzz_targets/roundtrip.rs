//! See `timwire_fuzz::roundtrip` for the input layout and the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| timwire_fuzz::roundtrip(data));

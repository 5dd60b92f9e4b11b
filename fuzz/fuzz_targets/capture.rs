//! See `timwire_fuzz::capture` for the input layout and the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| timwire_fuzz::capture(data));

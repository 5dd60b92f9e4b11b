//! See `timwire_fuzz::relay_patch` for the input layout and the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| timwire_fuzz::relay_patch(data));

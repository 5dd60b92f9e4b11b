//! See `timwire_fuzz::capture_reader` for the input layout and the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| timwire_fuzz::capture_reader(data));

//! Manifest bytes -> `Tree::from_json` (parse, validate, fold) -> the model's names.
#![no_main]

#[path = "../checks/manifest.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| check::check(bytes));

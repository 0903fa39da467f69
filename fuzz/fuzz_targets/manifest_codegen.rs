//! Manifest bytes -> `Manifest::from_json` -> generated tokens and file, which must parse.
#![no_main]

#[path = "../checks/manifest_codegen.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| check::check(bytes));

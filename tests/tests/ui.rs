//! Compile-pass and compile-fail tests of `#[craftkit_template]`, with the expected compiler
//! output in `tests/ui/fail/*.stderr` (refresh with `TRYBUILD=overwrite`).
//!
//! The macro reads manifests from `tests/ui/manifests/` here: `CRAFTKIT_MANIFEST_DIR` is set
//! for the compiler runs trybuild starts.
#![allow(unsafe_code)] // std::env::set_var, before any other thread exists: see below

#[test]
fn ui() {
    let manifests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/manifests");
    // SAFETY: this binary has this one test, so no other thread reads the environment now.
    unsafe { std::env::set_var(craftkit_codegen::MANIFEST_DIR_ENV, manifests) };
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}

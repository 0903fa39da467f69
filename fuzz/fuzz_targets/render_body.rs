//! Bytes -> the body of `POST /v1/templates/:slug/render` on the local server's router.
#![no_main]

use std::cell::RefCell;

#[path = "../checks/render_body.rs"]
mod check;

thread_local! {
    /// One harness for the whole run (it replaces its runtime and server now and then).
    static HARNESS: RefCell<check::Harness> = RefCell::new(check::Harness::new());
}

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| HARNESS.with(|h| h.borrow_mut().check(bytes)));

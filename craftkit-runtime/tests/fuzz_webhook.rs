//! The `webhook` fuzz target's check (`fuzz/checks/webhook.rs`) over its committed corpus
//! and every input that once failed it (`fuzz/regressions/webhook/`), on stable.

#![cfg(feature = "webhook")]

#[path = "../../fuzz/checks/webhook.rs"]
mod check;

#[path = "../../fuzz/checks/inputs.rs"]
mod inputs;

#[test]
fn fuzz_regressions_webhook() {
    inputs::for_each("regressions/webhook", check::check);
}

#[test]
fn fuzz_corpus_webhook() {
    inputs::for_each("corpus/webhook", check::check);
}

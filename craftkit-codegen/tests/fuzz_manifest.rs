//! The `manifest` fuzz target's check (`fuzz/checks/manifest.rs`) over its committed corpus
//! and every input that once failed it (`fuzz/regressions/manifest/`), on stable.

#[path = "../../fuzz/checks/manifest.rs"]
mod check;

#[path = "../../fuzz/checks/inputs.rs"]
mod inputs;

#[test]
fn fuzz_regressions_manifest() {
    inputs::for_each("regressions/manifest", check::check);
}

#[test]
fn fuzz_corpus_manifest() {
    inputs::for_each("corpus/manifest", check::check);
}

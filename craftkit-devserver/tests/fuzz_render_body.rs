//! The `render_body` fuzz target's check (`fuzz/checks/render_body.rs`) over its committed
//! corpus and every input that once failed it (`fuzz/regressions/render_body/`), on stable.

#[path = "../../fuzz/checks/render_body.rs"]
mod check;

#[path = "../../fuzz/checks/inputs.rs"]
mod inputs;

#[test]
fn fuzz_regressions_render_body() {
    let mut harness = check::Harness::new();
    inputs::for_each("regressions/render_body", |bytes| harness.check(bytes));
}

#[test]
fn fuzz_corpus_render_body() {
    let mut harness = check::Harness::new();
    inputs::for_each("corpus/render_body", |bytes| harness.check(bytes));
}

//! The check of the `manifest_codegen` fuzz target, shared with its stable regression test
//! (`craftkit-codegen/tests/fuzz_manifest.rs`), which includes this file with `#[path]`.
//!
//! Any bytes give an error or code that parses: the manifest is read and validated by
//! `Tree::from_json`, and a valid one is generated; its tokens and its formatted file
//! (what `Builder::to_source` writes) must both parse as a Rust file. A panic, a stack
//! overflow or an unbounded run anywhere on the way is a bug.

use craftkit_codegen::{Options, generate};
use craftkit_core::manifest::Tree;

/// Runs the check on one input; panics (with the reason) when a property does not hold.
pub fn check(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(tree) = Tree::from_json(text) else {
        return;
    };
    // With the default options, a valid manifest always generates.
    let generated = match generate(&tree, &Options::default()) {
        Ok(generated) => generated,
        Err(error) => panic!("generation failed on a manifest that validates: {error}"),
    };
    if let Err(error) = syn::parse2::<syn::File>(generated.tokens()) {
        panic!("the generated tokens do not parse: {error}");
    }
    let file = generated.to_file_string();
    if let Err(error) = syn::parse_file(&file) {
        panic!("the formatted file does not parse: {error}\n{file}");
    }
    // The formatter prints `syn` items built directly, so nothing re-parses them; a generator
    // that gave up must say so with an `Error`, never with a `compile_error!` in the file.
    assert!(
        !file.contains("compile_error!"),
        "the formatted file is the fallback: {file}"
    );
}

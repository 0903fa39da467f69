//! Nothing to use: this crate exists for its tests, which compile the Rust snippets of
//! `README.md` and `docs/*.md` so that none of them stops compiling unnoticed.
//!
//! - `build.rs` extracts every ```` ```rust ```` block that has no `<!-- snippet: path -->`
//!   marker into a module of `OUT_DIR/snippets.rs`; `tests/snippets.rs` includes it, so each
//!   block is compiled as a module of a test binary and its `#[tokio::test]`s run.
//! - A block after a marker is an excerpt of the file it names, which the workspace compiles
//!   and runs; `tests/marked.rs` checks that it appears there line for line.

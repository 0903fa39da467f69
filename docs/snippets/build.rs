//! Extracts the Rust snippets of `README.md` and `docs/*.md` into `OUT_DIR/snippets.rs`, one
//! module per fenced ```` ```rust ```` block, for `tests/snippets.rs` to compile.
//!
//! A block right after a `<!-- snippet: path -->` line is left out: it is an excerpt of that
//! file, checked by `tests/marked.rs`. Every other Rust block is compiled as written, so each
//! must be complete: its `use` lines, its items, and no bare statements.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let here = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let docs = here.parent().expect("docs/").to_path_buf();
    let root = docs.parent().expect("the workspace root").to_path_buf();
    let mut files = vec![root.join("README.md")];
    let mut guides: Vec<PathBuf> = std::fs::read_dir(&docs)
        .expect("docs/ is readable")
        .map(|entry| entry.expect("a docs/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    guides.sort();
    files.extend(guides);
    println!("cargo::rerun-if-changed={}", docs.display());

    let mut out = String::new();
    let mut count = 0;
    for file in &files {
        println!("cargo::rerun-if-changed={}", file.display());
        let text = std::fs::read_to_string(file).expect("a Markdown file");
        let name = file.strip_prefix(&root).unwrap_or(file);
        for snippet in rust_blocks(&text) {
            count += 1;
            writeln!(
                out,
                "/// `{}`, the block at line {}.\n#[allow(dead_code)]\nmod {} {{\n{}}}\n",
                name.display(),
                snippet.line,
                module_name(name, snippet.line),
                snippet.code
            )
            .expect("writing to a String");
        }
    }
    assert!(count > 0, "no Rust snippet found in README.md or docs/*.md");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    std::fs::write(out_dir.join("snippets.rs"), out).expect("OUT_DIR is writable");
}

/// A fenced Rust block: the line of its opening fence (from 1) and its text.
struct Block {
    line: usize,
    code: String,
}

/// The ```` ```rust ```` blocks (`rust`, or `rust,...` such as `rust,no_run`) of `text` that
/// follow no snippet marker.
fn rust_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().enumerate();
    let mut previous = "";
    while let Some((n, line)) = lines.next() {
        let fence = line.trim_start();
        let info = fence.strip_prefix("```").map(str::trim);
        let marked = previous.trim_start().starts_with("<!-- snippet:");
        previous = line;
        let Some(info) = info else { continue };
        let is_rust = info == "rust" || info.starts_with("rust,");
        let mut code = String::new();
        for (_, body) in lines.by_ref() {
            if body.trim_start().starts_with("```") {
                break;
            }
            code.push_str(body);
            code.push('\n');
        }
        if is_rust && !marked {
            blocks.push(Block { line: n + 1, code });
        }
    }
    blocks
}

/// `readme_md_line_42`, `docs_bulk_md_line_7`.
fn module_name(file: &Path, line: usize) -> String {
    let stem: String = file
        .to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("{stem}_line_{line}")
}

//! The snippets of `README.md` and `docs/*.md` that are excerpts of the workspace's code: each
//! fenced block after a `<!-- snippet: path -->` line appears, line for line and in order, in
//! that file (which the workspace compiles and runs), so an excerpt cannot drift from code
//! that builds. Every other Rust block is compiled by `tests/snippets.rs`. Also checked here:
//! no Rust block is `ignore`d, every relative link resolves, and the README opens with the
//! repository's two commands and has at most 200 lines before its links.

use std::path::{Path, PathBuf};

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `README.md` and every `docs/*.md`, as (name, text).
fn documents() -> Vec<(String, String)> {
    let root = root();
    let mut names = vec!["README.md".to_owned()];
    let mut guides: Vec<String> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .map(|entry| entry.expect("a docs/ entry").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    guides.sort();
    names.extend(guides);
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(root.join(&name)).expect("a Markdown file");
            (name, text)
        })
        .collect()
}

#[test]
fn every_marked_snippet_is_in_the_file_it_names() {
    let root = root();
    let mut checked = 0;
    for (name, text) in documents() {
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let Some(path) = line
                .strip_prefix("<!-- snippet: ")
                .and_then(|rest| rest.strip_suffix(" -->"))
            else {
                continue;
            };
            let fence = lines.next().expect("a fenced block after the marker");
            assert!(
                fence.starts_with("```"),
                "{name}: `{path}`: no code block after the marker"
            );
            let snippet: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.starts_with("```"))
                .collect();
            let file = std::fs::read_to_string(root.join(path))
                .unwrap_or_else(|e| panic!("{name}: {path}: {e}"));
            let file: Vec<&str> = file.lines().collect();
            let found = file
                .windows(snippet.len())
                .any(|window| window == snippet.as_slice())
                || (path.ends_with(".toml") && contains_in_order(&file, &snippet));
            assert!(
                found,
                "{name}: the snippet from `{path}` is not in that file:\n{}",
                snippet.join("\n")
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 4,
        "the builder, Default, override and integration-test snippets"
    );
}

#[test]
fn every_rust_block_is_compiled_one_way_or_the_other() {
    // A block that says `ignore` would read as "not checked" to whoever edits it: each
    // block is either an excerpt (marked) or compiled as written (tests/snippets.rs), so none
    // is ignored.
    for (name, text) in documents() {
        for (n, line) in text.lines().enumerate() {
            let info = line.trim_start().strip_prefix("```").unwrap_or_default();
            assert!(
                !(info.starts_with("rust") && info.contains("ignore")),
                "{name}:{}: {}: no Rust block is ignored; write ```rust (compiled by \
                 tests/snippets.rs) or mark it as an excerpt (<!-- snippet: path -->)",
                n + 1,
                line.trim()
            );
        }
    }
}

#[test]
fn every_relative_link_points_to_a_file() {
    // The README sends readers to the guides, and the guides to each other and to SECURITY.md:
    // a moved or renamed file must not leave a dead link behind.
    let root = root();
    let mut checked = 0;
    for (name, text) in documents() {
        let dir = root
            .join(&name)
            .parent()
            .expect("a file's folder")
            .to_path_buf();
        for (at, _) in text.match_indices("](") {
            let rest = &text[at + 2..];
            let Some(end) = rest.find(')') else { continue };
            let target = &rest[..end];
            if target.contains("://") || target.starts_with('#') || target.contains(' ') {
                continue;
            }
            let file = target.split('#').next().unwrap_or(target);
            assert!(
                dir.join(file).exists(),
                "{name}: the link `{target}` points to no file"
            );
            checked += 1;
        }
    }
    assert!(checked >= 7, "the README links its seven guides");
}

#[test]
fn the_readme_opens_with_the_two_commands_and_stays_a_front_page() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let first_block: Vec<&str> = readme
        .lines()
        .skip_while(|line| !line.starts_with("```"))
        .skip(1)
        .take_while(|line| !line.starts_with("```"))
        .collect();
    assert_eq!(
        first_block,
        [
            "cargo run -p craftkit-example-render",
            "cargo test --workspace"
        ],
        "the README's first block is the repository's two commands: run the demo, run the tests"
    );
    let before_links = readme
        .lines()
        .position(|line| line == "## Links")
        .expect("a `## Links` section");
    assert!(
        before_links <= 200,
        "the README has {before_links} lines before its links; at most 200 (move details to docs/)"
    );
}

/// Every line of `snippet` in `file`, in order, blank lines of the snippet aside: a TOML
/// excerpt may leave out tables between the ones it shows.
fn contains_in_order(file: &[&str], snippet: &[&str]) -> bool {
    let mut rest = file.iter();
    snippet
        .iter()
        .filter(|l| !l.trim().is_empty())
        .all(|wanted| rest.any(|line| line == wanted))
}

//! The README's snippets are the examples' code: each fenced block after a
//! `<!-- snippet: path -->` line appears, line for line and in order, in that file (which CI
//! compiles and runs), so the README cannot drift from code that builds.

use std::path::Path;

#[test]
fn every_readme_snippet_is_in_the_file_it_names() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let mut lines = readme.lines();
    let mut checked = 0;
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
            "`{path}`: no code block after the marker"
        );
        let snippet: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        let file =
            std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        let file: Vec<&str> = file.lines().collect();
        let found = file
            .windows(snippet.len())
            .any(|window| window == snippet.as_slice())
            || (path.ends_with(".toml") && contains_in_order(&file, &snippet));
        assert!(
            found,
            "the README's snippet from `{path}` is not in that file:\n{}",
            snippet.join("\n")
        );
        checked += 1;
    }
    assert!(
        checked >= 4,
        "the builder, Default, override and integration-test snippets"
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

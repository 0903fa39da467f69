//! Feeding the committed inputs of a fuzz target to its check, for the stable regression tests
//! (each includes this file with `#[path]`).

use std::path::PathBuf;

/// Runs `check` on every file of `fuzz/<dir>` (relative to the repository's root) but hidden
/// ones, in name order, naming the file that fails. A corpus (`corpus/...`) must not be empty.
pub fn for_each(dir: &str, mut check: impl FnMut(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz")
        .join(dir);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .filter(|path| {
            !path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    assert!(
        !paths.is_empty() || !dir.ends_with("corpus"),
        "no inputs in {}",
        dir.display()
    );
    for path in &paths {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&bytes)));
        if let Err(panic) = outcome {
            eprintln!("failing input: {}", path.display());
            std::panic::resume_unwind(panic);
        }
    }
}

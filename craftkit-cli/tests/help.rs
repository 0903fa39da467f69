//! Every subcommand's `--help` and `-h`, compared with the text beside this file in `help/`:
//! a flag, an environment variable or a line of help that goes missing (or changes) shows up
//! here. Regenerate the files with `UPDATE_SNAPSHOTS=1 cargo test -p craftkit-cli --test help`.

use std::path::Path;

use assert_cmd::Command;

/// The subcommands, and "" for `cargo craftkit` itself.
const SUBCOMMANDS: [&str; 11] = [
    "", "pull", "check", "push", "generate", "docs", "schema", "render", "serve", "trigger",
    "resend",
];

/// What `cargo craftkit [SUB] FLAG` prints, with no Craftkit variable in the environment (a
/// set CRAFTKIT_API_URL would show in the help).
fn help(sub: &str, flag: &str) -> String {
    let mut args = vec!["craftkit"];
    args.extend([sub, flag].into_iter().filter(|a| !a.is_empty()));
    let output = Command::cargo_bin("cargo-craftkit")
        .unwrap()
        .args(&args)
        .env_remove("CRAFTKIT_API_KEY")
        .env_remove("CRAFTKIT_API_URL")
        .env_remove("CRAFTKIT_WEBHOOK_SECRET")
        .env_remove("COLUMNS")
        .output()
        .unwrap();
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn every_help_text_is_the_one_on_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/help");
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut differ = Vec::new();
    for sub in SUBCOMMANDS {
        for (flag, suffix) in [("--help", "long"), ("-h", "short")] {
            let text = help(sub, flag);
            let name = format!(
                "{}.{suffix}.txt",
                if sub.is_empty() {
                    "cargo-craftkit"
                } else {
                    sub
                }
            );
            let path = dir.join(&name);
            if update {
                std::fs::write(&path, &text).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                differ.push(format!("{name}:\n{text}"));
            }
        }
    }
    assert!(
        differ.is_empty(),
        "help differs from tests/help (UPDATE_SNAPSHOTS=1 to accept):\n{}",
        differ.join("\n")
    );
}

//! `cargo craftkit render SLUG --batch FILE.jsonl` through the real binary, against the local
//! server started in this process: one render per line under faults, malformed and invalid
//! lines as failed lines with their numbers, a rerun that sends nothing for what is done,
//! `--shard` shares that partition the file, and a run killed with SIGKILL mid-batch then
//! started again with the same arguments (with and without a journal): the server's render
//! count equals the number of lines and every PDF is whole.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use craftkit_devserver::{Config, Fault, FaultKind, FaultWhen};
use serde_json::{Value, json};

const KEY: &str = "ck_test_clibatchprojectalpha0000001";
const SLUG: &str = "charter-handover";

mod common;

use common::{Live, fixtures};

/// The server for these tests: the one key, and `config`.
fn start(name: &str, config: Config) -> Live {
    Live::start(
        &format!("batch-{name}"),
        Config {
            keys: vec![KEY.into()],
            ..config
        },
    )
}

impl Live {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-craftkit"));
        cmd.arg("craftkit")
            .arg("render")
            .arg(SLUG)
            .args(args)
            .env("CRAFTKIT_API_URL", self.server().url())
            .env("CRAFTKIT_API_KEY", KEY)
            .current_dir(&self.dir)
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let Output {
            status,
            stdout,
            stderr,
        } = self.cmd(args).output().unwrap();
        (
            status.code().unwrap_or(-1),
            String::from_utf8_lossy(&stdout).into_owned(),
            String::from_utf8_lossy(&stderr).into_owned(),
        )
    }

    fn renders(&self) -> usize {
        self.server().render_count(KEY)
    }

    /// Render POSTs the server received so far.
    fn posts(&self) -> usize {
        self.server()
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/render"))
            .count()
    }

    fn write(&self, name: &str, lines: &[String]) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        path
    }
}

fn valid_data() -> Value {
    let text =
        std::fs::read_to_string(fixtures().join("payloads/charter-handover.valid.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Line `i`'s data: the valid fixture with its own booking code.
fn data(i: usize) -> Value {
    let mut data = valid_data();
    data["booking"]["code"] = json!(format!("BL-{i:05}"));
    data
}

fn data_lines(n: usize) -> Vec<String> {
    (0..n).map(|i| data(i).to_string()).collect()
}

/// The number on the summary's row `label` (`  succeeded   12  (40.1/s)`).
fn row(stdout: &str, label: &str) -> Option<usize> {
    stdout.lines().find_map(|line| {
        let rest = line.strip_prefix("  ")?.strip_prefix(label)?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-") && bytes.windows(5).rev().take(64).any(|w| w == b"%%EOF")
}

/// The files in `dir`, checking each is a whole PDF.
fn whole_pdfs(dir: &Path) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(name.ends_with(".pdf"), "only PDFs, no .part left: {name}");
        assert!(
            is_pdf(&std::fs::read(entry.path()).unwrap()),
            "{name} is whole"
        );
        names.insert(name);
    }
    names
}

#[test]
fn every_line_renders_once_and_bad_lines_fail_with_their_numbers() {
    let live = start(
        "summary",
        Config {
            render_delay: Duration::from_millis(5),
            faults: vec![
                Fault {
                    kind: FaultKind::Drop,
                    when: FaultWhen::Rate(0.05),
                },
                Fault {
                    kind: FaultKind::DropAfter,
                    when: FaultWhen::Rate(0.05),
                },
                Fault {
                    kind: FaultKind::Status(503),
                    when: FaultWhen::Rate(0.05),
                },
                Fault {
                    kind: FaultKind::RateLimited(Duration::from_millis(100)),
                    when: FaultWhen::Rate(0.05),
                },
            ],
            ..Config::default()
        },
    );
    let mut lines = data_lines(30);
    let mut wrong_type = data(100);
    wrong_type["guests"] = json!("six");
    lines[4] = "{\"booking\": ".into(); // line 5: not JSON
    lines[9] = json!({"key": "line-ten", "data": data(9)}).to_string(); // line 10: own key
    lines[14] = wrong_type.to_string(); // line 15: 422
    lines[19] = String::new(); // line 20: blank, skipped
    lines[24] = "[1, 2, 3]".into(); // line 25: not an object
    lines.push(data(3).to_string()); // line 31: the same as line 4
    let batch = live.write("batch.jsonl", &lines);
    let batch = batch.to_str().unwrap();
    let out = live.dir.join("pdfs");
    let journal = live.dir.join("batch.journal");
    let args = [
        "--batch",
        batch,
        "--out",
        out.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
        "--concurrency",
        "6",
    ];

    let (code, stdout, stderr) = live.run(&args);
    assert_eq!(code, 1, "failed lines make exit 1\n{stdout}\n{stderr}");
    // 30 lines less the malformed two, the blank one and the 422; line 31 repeats line 4.
    let good = 26;
    assert_eq!(live.renders(), good, "{stdout}");
    let pdfs = whole_pdfs(&out);
    assert_eq!(pdfs.len(), good);
    assert!(pdfs.contains("line-ten.pdf"), "{pdfs:?}");
    for expected in [
        "line 5: invalid_line: not JSON",
        "line 15: validation_failed",
        "line 25: invalid_line: not a JSON object",
    ] {
        assert!(stdout.contains(expected), "{expected}\n{stdout}");
    }
    assert_eq!(row(&stdout, "failed"), Some(3), "{stdout}");
    // Line 31 finds line 4's PDF on disk (or, had they run at once, waited for it).
    assert_eq!(
        row(&stdout, "succeeded").unwrap_or(0) + row(&stdout, "on disk").unwrap_or(0),
        good + 1,
        "{stdout}"
    );
    assert!(
        stdout.contains("p50 ") && stdout.contains("p95 "),
        "{stdout}"
    );
    assert!(
        !stdout.contains("line-ten"),
        "keys are not printed: {stdout}"
    );
    assert!(!stderr.contains("line-ten"), "{stderr}");

    // Again, with the same arguments: nothing new; only the 422 line is sent again (errors
    // are not journaled, and it was never rendered).
    let posts = live.posts();
    let (code, stdout, _) = live.run(&args);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(live.renders(), good);
    assert_eq!(live.posts() - posts, 1, "{stdout}");
    assert_eq!(row(&stdout, "on disk"), Some(good + 1), "{stdout}");
}

#[test]
fn shards_split_a_file_with_no_overlap_and_nothing_left_out() {
    let live = start(
        "shards",
        Config {
            render_delay: Duration::from_millis(2),
            ..Config::default()
        },
    );
    let n = 45;
    let batch = live.write("batch.jsonl", &data_lines(n));
    let batch = batch.to_str().unwrap();
    let mut total = 0;
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let before = live.renders();
        let (code, stdout, stderr) = live.run(&["--batch", batch, "--shard", &shard]);
        assert_eq!(code, 0, "{stdout}\n{stderr}");
        let rendered = live.renders() - before;
        assert!(rendered > 0, "shard {shard} has lines");
        assert!(
            stderr.contains(&format!("rendering {rendered} lines")),
            "{stderr}"
        );
        assert_eq!(row(&stdout, "replayed"), Some(0), "no overlap: {stdout}");
        total += rendered;
    }
    assert_eq!(total, n, "together the shards are the whole file");
    // The whole file once more: every line was rendered by exactly one shard.
    let (code, stdout, _) = live.run(&["--batch", batch]);
    assert_eq!(code, 0);
    assert_eq!(row(&stdout, "replayed"), Some(n), "{stdout}");
    assert_eq!(live.renders(), n);
}

fn kill_mid_batch_and_rerun(name: &str, journal: bool) {
    let live = start(
        name,
        Config {
            render_delay: Duration::from_millis(20),
            workers: 2,
            ..Config::default()
        },
    );
    let n = 80;
    let batch = live.write("batch.jsonl", &data_lines(n));
    let out = live.dir.join("pdfs");
    let journal_path = live.dir.join("batch.journal");
    let mut args = vec![
        "--batch".to_owned(),
        batch.to_str().unwrap().to_owned(),
        "--out".into(),
        out.to_str().unwrap().into(),
        "--concurrency".into(),
        "4".into(),
    ];
    if journal {
        args.extend(["--journal".into(), journal_path.to_str().unwrap().into()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    let mut child = live
        .cmd(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once a fifth of the lines are rendered (and some of their PDFs are written).
    while live.renders() < n / 5 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the batch ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let at_kill = live.renders();
    assert!(at_kill < n, "killed mid-batch: {at_kill} of {n} rendered");

    let (code, stdout, stderr) = live.run(&args);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(live.renders(), n, "no line rendered twice, none left out");
    assert_eq!(whole_pdfs(&out).len(), n, "every PDF is there and whole");
    assert!(
        stdout.contains(&format!("{n} lines")),
        "every line accounted for: {stdout}"
    );
    // A third run has nothing to do.
    let posts = live.posts();
    let (code, stdout, _) = live.run(&args);
    assert_eq!(code, 0);
    assert_eq!(live.posts(), posts, "no request: {stdout}");
    assert_eq!(row(&stdout, "on disk"), Some(n), "{stdout}");
}

#[test]
fn a_batch_killed_mid_way_and_run_again_renders_each_line_once() {
    kill_mid_batch_and_rerun("kill-journal", true);
}

#[test]
fn without_a_journal_the_keys_alone_keep_a_killed_batch_exactly_once() {
    kill_mid_batch_and_rerun("kill-no-journal", false);
}

#[test]
fn batch_usage_errors_exit_2() {
    let live = start("usage", Config::default());
    let batch = live.write("batch.jsonl", &data_lines(1));
    let batch = batch.to_str().unwrap();
    for args in [
        vec!["--batch", batch, "--shard", "4/3"],
        vec!["--batch", batch, "--concurrency", "0"],
        vec!["--batch", "does-not-exist.jsonl"],
        vec!["--batch", batch, "data.json"],
        vec!["--out", "pdfs"],
    ] {
        let (code, stdout, stderr) = live.run(&args);
        assert_eq!(code, 2, "{args:?}\n{stdout}\n{stderr}");
    }
    assert_eq!(live.renders(), 0);
}

/// A line over 20 MiB (the API's limit for a request body, so no request could carry it) is
/// an error found by the first pass: nothing is sent, and the line is never held whole.
#[test]
fn a_line_over_the_body_limit_stops_the_batch_before_anything_is_sent() {
    let live = start("huge-line", Config::default());
    let mut lines = data_lines(2);
    lines.push(format!("{{\"pad\": \"{}\"}}", "x".repeat(20 * 1024 * 1024)));
    let batch = live.write("huge.jsonl", &lines);
    let (code, _, stderr) = live.run(&["--batch", batch.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("line 3: larger than 20 MiB, the API's limit for a request body"),
        "{stderr}"
    );
    assert_eq!(live.posts(), 0);
}

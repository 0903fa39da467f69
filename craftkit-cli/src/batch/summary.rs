//! The tally of a batch and its closing summary: succeeded, replayed, skipped, failed (with
//! line numbers and codes), latency percentiles.

use std::time::{Duration, Instant};

use craftkit_runtime::client::Error;
use hdrhistogram::Histogram;

/// Failures listed one by one in the summary; past this, only their number per code.
const LISTED: usize = 50;
/// Failures kept for the summary (the rest are only counted, so memory stays bounded).
const KEPT: usize = 1_000;

/// A failed line: its number, a code and a one-line reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failed {
    pub line: u64,
    pub code: String,
    pub message: String,
}

pub(crate) struct Tally {
    started: Instant,
    pub rendered: u64,
    pub replayed: u64,
    pub accepted: u64,
    pub on_disk: u64,
    pub from_journal: u64,
    pub failed: u64,
    failures: Vec<Failed>,
    by_code: std::collections::BTreeMap<String, u64>,
    /// Milliseconds per line that was sent, from its start to its result.
    latency: Histogram<u64>,
}

impl Tally {
    pub(crate) fn new() -> Tally {
        Tally {
            started: Instant::now(),
            rendered: 0,
            replayed: 0,
            accepted: 0,
            on_disk: 0,
            from_journal: 0,
            failed: 0,
            failures: Vec::new(),
            by_code: Default::default(),
            // 1 ms to 1 hour, 3 significant digits: about 100 KiB whatever the batch's size.
            latency: Histogram::new_with_bounds(1, 3_600_000, 3)
                .unwrap_or_else(|_| Histogram::new(3).expect("3 significant digits are valid")),
        }
    }

    pub(crate) fn latency(&mut self, elapsed: Duration) {
        let ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        self.latency.saturating_record(ms.max(1));
    }

    pub(crate) fn fail(&mut self, failed: Failed) {
        self.failed += 1;
        *self.by_code.entry(failed.code.clone()).or_default() += 1;
        if self.failures.len() < KEPT {
            self.failures.push(failed);
        }
    }

    /// The lines that were done, whatever their end.
    pub(crate) fn done(&self) -> u64 {
        self.rendered + self.accepted + self.on_disk + self.from_journal + self.failed
    }

    /// The summary, for standard output.
    pub(crate) fn summary(&mut self, source: &str) -> String {
        let elapsed = self.started.elapsed().as_secs_f64();
        let mut out = format!("{source}: {} lines in {elapsed:.1} s\n", self.done());
        let mut row = |label: &str, n: u64, note: &str| {
            if n > 0 || matches!(label, "succeeded" | "replayed" | "failed") {
                out.push_str(&format!("  {label:<10} {n:>8}{note}\n"));
            }
        };
        let rate = self.rendered as f64 / elapsed.max(1e-3);
        row("succeeded", self.rendered, &format!("  ({rate:.1}/s)"));
        row(
            "replayed",
            self.replayed,
            "  (of the succeeded: the server already had them, nothing new rendered)",
        );
        row(
            "accepted",
            self.accepted,
            "  (--no-wait: queued, not waited for)",
        );
        row(
            "on disk",
            self.on_disk,
            "  (the PDF was already there: no request)",
        );
        row(
            "journal",
            self.from_journal,
            "  (done in an earlier run: no request)",
        );
        row("failed", self.failed, "");
        self.failures.sort_by_key(|f| f.line);
        for failed in self.failures.iter().take(LISTED) {
            out.push_str(&format!(
                "    line {}: {}: {}\n",
                failed.line, failed.code, failed.message
            ));
        }
        if self.failed as usize > LISTED {
            out.push_str(&format!(
                "    ... and {} more; by code:",
                self.failed as usize - LISTED
            ));
            for (code, n) in &self.by_code {
                out.push_str(&format!(" {code} {n},"));
            }
            out.pop();
            out.push('\n');
        }
        if !self.latency.is_empty() {
            out.push_str(&format!(
                "  latency    p50 {} ms, p95 {} ms, max {} ms (per line sent, retries and waits included)\n",
                self.latency.value_at_quantile(0.50),
                self.latency.value_at_quantile(0.95),
                self.latency.max(),
            ));
        }
        out
    }
}

/// A code and a one-line reason for an error that ended a line.
pub(crate) fn describe(error: &Error) -> (String, String) {
    let code = match error {
        Error::Api(failure) => failure.kind.clone(),
        Error::Transport { .. } => "no_answer".into(),
        Error::Validation(_) => "validation_failed".into(),
        Error::Deadline { .. } => "deadline".into(),
        Error::Io(_) => "io".into(),
        Error::Decode { .. } => "unexpected_answer".into(),
        _ => "error".into(),
    };
    (code, error.to_string().replace('\n', " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_lists_failures_by_line_and_percentiles() {
        let mut tally = Tally::new();
        tally.rendered = 3;
        tally.replayed = 1;
        for ms in [10, 20, 30, 1_000] {
            tally.latency(Duration::from_millis(ms));
        }
        tally.fail(Failed {
            line: 9,
            code: "render_failed".into(),
            message: "the renderer crashed".into(),
        });
        tally.fail(Failed {
            line: 2,
            code: "invalid_line".into(),
            message: "not JSON".into(),
        });
        let text = tally.summary("batch.jsonl");
        assert!(text.starts_with("batch.jsonl: 5 lines"), "{text}");
        let two = text.find("line 2: invalid_line: not JSON").expect(&text);
        let nine = text.find("line 9: render_failed").expect(&text);
        assert!(two < nine, "by line number: {text}");
        assert!(text.contains("p50 20 ms, p95 1000 ms"), "{text}");
        assert!(text.contains("replayed"), "{text}");
        assert!(!text.contains("on disk"), "empty rows are left out: {text}");
    }

    #[test]
    fn many_failures_are_counted_by_code() {
        let mut tally = Tally::new();
        for line in 0..(KEPT as u64 + 500) {
            tally.fail(Failed {
                line,
                code: if line % 2 == 0 { "a" } else { "b" }.into(),
                message: String::new(),
            });
        }
        let text = tally.summary("x");
        assert_eq!(text.matches("    line ").count(), LISTED);
        assert!(
            text.contains("and 1450 more; by code: a 750, b 750"),
            "{text}"
        );
    }
}

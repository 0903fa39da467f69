//! Progress on standard error: an `indicatif` bar with rate and ETA on a terminal, a plain
//! line every few seconds otherwise (a CI log, a file).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a plain progress line is printed.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

pub(crate) enum Progress {
    Bar(ProgressBar),
    Plain {
        total: u64,
        done: u64,
        failed: u64,
        started: Instant,
        last: Instant,
    },
}

impl Progress {
    /// A bar when standard error is a terminal, else plain lines.
    pub(crate) fn new(total: u64) -> Progress {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{bar:40} {pos}/{len} {percent}% {per_sec} ETA {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            Progress::Bar(bar)
        } else {
            let now = Instant::now();
            Progress::Plain {
                total,
                done: 0,
                failed: 0,
                started: now,
                last: now,
            }
        }
    }

    /// One more line done.
    pub(crate) fn tick(&mut self, failed: bool, failed_so_far: u64) {
        match self {
            Progress::Bar(bar) => {
                bar.inc(1);
                if failed {
                    bar.set_message(format!("{failed_so_far} failed"));
                }
            }
            Progress::Plain {
                done,
                failed: failures,
                last,
                ..
            } => {
                *done += 1;
                *failures = failed_so_far;
                if last.elapsed() >= PLAIN_EVERY {
                    *last = Instant::now();
                    self.print();
                }
            }
        }
    }

    fn print(&self) {
        if let Progress::Plain {
            total,
            done,
            failed,
            started,
            ..
        } = self
        {
            let elapsed = started.elapsed().as_secs_f64();
            let rate = *done as f64 / elapsed.max(1e-3);
            let left = total.saturating_sub(*done);
            let eta = if rate > 0.0 {
                format!("{:.0} s", left as f64 / rate)
            } else {
                "?".into()
            };
            let percent = if *total == 0 {
                100.0
            } else {
                *done as f64 * 100.0 / *total as f64
            };
            eprintln!(
                "progress: {done}/{total} lines ({percent:.1}%), {failed} failed, {rate:.1} lines/s, ETA {eta}"
            );
        }
    }

    /// Clears the bar (the summary follows).
    pub(crate) fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

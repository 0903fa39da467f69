//! `cargo craftkit render SLUG --batch FILE.jsonl`: one render per line, through
//! [`Client::render_stream`](craftkit_runtime::Client::render_stream), resumable.
//!
//! Stages: [`lines`] (a line to an item with its key, and the `--shard` share), [`journal`]
//! (what earlier runs finished), [`progress`] (bar or plain lines), [`summary`] (the tally and
//! the closing report). Resuming needs none of the journal: each line's idempotency key makes
//! the server answer a line it already rendered with that render, and a PDF already in
//! `--out` skips its line; the journal only saves the requests.

mod journal;
mod lines;
mod progress;
mod summary;

use std::cell::RefCell;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use craftkit_runtime::client::{BatchItem, BatchOptions, BatchOutcome, BatchResult, Visibility};
use futures_util::StreamExt;

pub(crate) use lines::Shard;

use crate::Failure;
use journal::{Done, Journal};
use lines::Line;
use progress::Progress;
use summary::{Failed, Tally};

/// The flags of `render` that only `--batch` takes, flattened into
/// [`render::Args`](crate::render::Args) where they stood when each was its own field.
///
/// Each also conflicts with the DATA file: `requires = "batch"` alone lets `render SLUG
/// DATA.json --out DIR` through and ignores `--out`, since clap skips `requires` when an
/// argument that conflicts with the required one is present (clap-rs/clap#4520).
#[derive(clap::Args, Debug)]
pub(crate) struct Flags {
    /// Render every line of this file: one JSON `data` object a line, or
    /// {"key": "...", "data": {...}}. A line without a key gets one derived from the slug
    /// and its content, so running the file again renders nothing twice. Exit 1 if any
    /// line failed.
    #[arg(long = "batch", id = "batch", value_name = "FILE.jsonl")]
    pub file: Option<PathBuf>,
    /// With --batch: write each PDF into this directory, as KEY.pdf (a hash of the key
    /// when the key is not a plain file name); a PDF already there skips its line.
    #[arg(long, value_name = "DIR", requires = "batch", conflicts_with = "data")]
    pub out: Option<PathBuf>,
    /// With --batch: the most renders in flight; fewer while the API answers 429.
    #[arg(long, value_name = "N", default_value_t = 16, requires = "batch", conflicts_with = "data",
          value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// With --batch: record finished lines here (append-only), so that a rerun sends no
    /// request for them.
    #[arg(long, value_name = "FILE", requires = "batch", conflicts_with = "data")]
    pub journal: Option<PathBuf>,
    /// With --batch: render only shard K of N (by a hash of each line's key), so that N
    /// machines split one file with no overlap: --shard 1/3, --shard 2/3, --shard 3/3.
    #[arg(long, value_name = "K/N", requires = "batch", conflicts_with = "data", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
}

/// What the line reader and the result loop both update.
struct State {
    tally: Tally,
    progress: Progress,
    /// An error reading the batch file, which ends the batch early (exit 2).
    read_error: Option<String>,
}

impl State {
    fn fail(&mut self, line: u64, code: String, message: String) {
        self.tally.fail(Failed {
            line,
            code,
            message,
        });
        self.progress.tick(true, self.tally.failed);
    }

    fn ok(&mut self) {
        self.progress.tick(false, self.tally.failed);
    }
}

/// Renders every line of `file` (the `--batch` of `args`) with `args.slug`; exit 1 if any
/// line failed.
pub(crate) async fn run(args: &crate::render::Args, file: &Path) -> Result<(), Failure> {
    let flags = &args.batch;
    let client = args.api.client()?;
    let source = file.display().to_string();
    let open = || {
        File::open(file)
            .map(BufReader::new)
            .map_err(|e| Failure::input(format!("{source}: {e}")))
    };
    if let Some(out) = &flags.out {
        std::fs::create_dir_all(out)
            .map_err(|e| Failure::input(format!("--out {}: {e}", out.display())))?;
    }
    let journal = match &flags.journal {
        Some(path) => Journal::load(path)
            .map_err(|e| Failure::input(format!("--journal {}: {e}", path.display())))?,
        None => Journal::default(),
    };
    let writer = match &flags.journal {
        Some(path) => Some(
            journal::Writer::open(path)
                .map_err(|e| Failure::input(format!("--journal {}: {e}", path.display())))?,
        ),
        None => None,
    };

    // A first pass counts this shard's lines, for the progress's total and ETA.
    let slug = args.slug.as_str();
    let shard = flags.shard;
    let mine = move |line: &Line| shard.is_none_or(|s| s.contains(line.key()));
    let mut total = 0u64;
    for (number, raw) in lines::read(open()?) {
        let raw = raw.map_err(|e| Failure::input(format!("{source}: line {number}: {e}")))?;
        if lines::parse(slug, number, &raw).is_some_and(|line| mine(&line)) {
            total += 1;
        }
    }
    let shard_note = shard.map_or(String::new(), |s| format!(" (shard {s})"));
    eprintln!(
        "rendering {total} lines of {source}{shard_note} with {slug}, at most {} at a time{}",
        flags.concurrency,
        if journal.len() > 0 {
            format!("; the journal records {} done", journal.len())
        } else {
            String::new()
        }
    );

    let state = Rc::new(RefCell::new(State {
        tally: Tally::new(),
        progress: Progress::new(total),
        read_error: None,
    }));
    let reader_state = state.clone();
    let (with_out, no_wait) = (flags.out.is_some(), args.no_wait);
    let items = lines::read(open()?)
        .map_while(move |(number, raw)| match raw {
            Ok(raw) => Some((number, raw)),
            Err(e) => {
                reader_state.borrow_mut().read_error = Some(format!("line {number}: {e}"));
                None
            }
        })
        .filter_map(|(number, raw)| lines::parse(slug, number, &raw))
        .filter(move |line| mine(line))
        .filter_map({
            let state = state.clone();
            move |line| match line {
                Line::Malformed {
                    number, problem, ..
                } => {
                    state
                        .borrow_mut()
                        .fail(number, "invalid_line".into(), problem);
                    None
                }
                Line::Item { number, key, data } => {
                    let skip = match journal.get(slug, &key) {
                        Some(Done::Failed(code)) => Some(Err(code.clone())),
                        // With --out, a PDF on disk is what says a line is done.
                        Some(Done::Succeeded) if !with_out => Some(Ok(())),
                        Some(Done::Accepted) if no_wait => Some(Ok(())),
                        _ => None,
                    };
                    match skip {
                        None => Some(BatchItem::json(slug, data, key).index(number)),
                        Some(Ok(())) => {
                            let mut state = state.borrow_mut();
                            state.tally.from_journal += 1;
                            state.ok();
                            None
                        }
                        Some(Err(code)) => {
                            state.borrow_mut().fail(
                                number,
                                code,
                                "failed in an earlier run (from the journal)".into(),
                            );
                            None
                        }
                    }
                }
            }
        });

    let mut batch_options = BatchOptions::new()
        .max_in_flight(usize::from(flags.concurrency))
        .wait(!args.no_wait);
    if let Some(out) = &flags.out {
        batch_options = batch_options.download_dir(out);
    }
    if args.private {
        batch_options = batch_options.visibility(Visibility::Private);
    }
    let mut results = client.render_many(items, batch_options);
    while let Some(result) = results.next().await {
        let record = outcome(&mut state.borrow_mut(), &result);
        if let (Some(writer), Some((done, render))) = (&writer, record) {
            writer.record(slug, &result.key, result.index, &done, &render);
        }
    }
    drop(results);
    if let Some(writer) = writer {
        if let Err(e) = writer.finish() {
            eprintln!(
                "warning: the journal could not be written ({e}); a rerun will send requests for lines that are done, and still render none twice"
            );
        }
    }

    let mut state = match Rc::try_unwrap(state) {
        Ok(state) => state.into_inner(),
        Err(_) => {
            return Err(Failure::input(
                "internal: the batch's state is still shared",
            ));
        }
    };
    state.progress.finish();
    print!("{}", state.tally.summary(&source));
    if let Some(error) = state.read_error {
        return Err(Failure::input(format!(
            "{source}: reading stopped at {error}; the lines before it were rendered"
        )));
    }
    if state.tally.failed > 0 {
        return Err(Failure::failed(format!(
            "{} of {} lines failed",
            state.tally.failed,
            state.tally.done()
        )));
    }
    Ok(())
}

/// Tallies one result; what to journal of it, if anything.
fn outcome(state: &mut State, result: &BatchResult) -> Option<(Done, String)> {
    if result.attempts > 0 {
        state.tally.latency(result.elapsed);
    }
    let line = result.index;
    match &result.outcome {
        BatchOutcome::Rendered {
            render, replayed, ..
        } => {
            state.tally.rendered += 1;
            state.tally.replayed += u64::from(*replayed);
            state.ok();
            Some((Done::Succeeded, render.id.clone()))
        }
        BatchOutcome::Accepted { render, replayed } => {
            state.tally.accepted += 1;
            state.tally.replayed += u64::from(*replayed);
            state.ok();
            Some((Done::Accepted, render.id.clone()))
        }
        BatchOutcome::OnDisk { .. } => {
            state.tally.on_disk += 1;
            state.ok();
            None
        }
        BatchOutcome::RenderFailed {
            render,
            code,
            message,
        } => {
            state.fail(line, code.clone(), message.clone());
            Some((Done::Failed(code.clone()), render.id.clone()))
        }
        BatchOutcome::Error(error) => {
            let (code, message) = summary::describe(error);
            state.fail(line, code, message);
            None
        }
        _ => {
            state.fail(line, "error".into(), format!("{:?}", result.outcome));
            None
        }
    }
}

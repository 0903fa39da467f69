//! craftkit-codegen against typify, the closest peer (JSON Schema -> Rust types), on the same
//! shape: for each size, the manifest's JSON text -> craftkit's formatted file, and the JSON
//! Schema that craftkit exports for that manifest -> typify's formatted file. One process,
//! runs of the two interleaved, the medians of each (wall clock and CPU time) reported as a
//! Markdown table.
//!
//! `cargo run --release -- [--sizes 100,1000,10000,50000] [--samples N]`, or `./run.sh`.
//! `--samples N` runs each generator N times at every size; without it, fewer runs are
//! taken as sizes grow (see [`default_samples`]). `--only craftkit` or `--only typify` runs
//! just one of them (for `perf record` or `valgrind --tool=callgrind`).

mod generators;
mod inputs;
mod timing;

use std::process::ExitCode;

use timing::{Samples, ratio, show};

/// One size's figures.
struct Row {
    variables: usize,
    ours: Samples,
    typify: Samples,
    ours_bytes: usize,
    typify_bytes: usize,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let Arguments {
        sizes,
        samples,
        only,
    } = arguments()?;
    let mut rows = Vec::new();
    for variables in sizes {
        let (mut ours_runs, mut typify_runs) =
            samples.map_or_else(|| default_samples(variables), |n| (n, n));
        match only {
            Some(Only::Craftkit) => typify_runs = 0,
            Some(Only::Typify) => ours_runs = 0,
            None => {}
        }
        eprintln!("{variables} variables: {ours_runs} runs of craftkit, {typify_runs} of typify");
        rows.push(measure(variables, ours_runs, typify_runs)?);
    }
    print_table(&rows);
    Ok(())
}

/// Runs per size (craftkit, typify) when `--samples` is not given: enough for a stable median
/// at small sizes, few where one typify run takes seconds.
fn default_samples(variables: usize) -> (usize, usize) {
    match variables {
        0..=999 => (31, 31),
        1_000..=9_999 => (21, 11),
        10_000..=49_999 => (11, 5),
        _ => (7, 3),
    }
}

/// The command line.
struct Arguments {
    sizes: Vec<usize>,
    samples: Option<usize>,
    only: Option<Only>,
}

/// Which generator alone to run.
#[derive(Clone, Copy)]
enum Only {
    Craftkit,
    Typify,
}

fn arguments() -> Result<Arguments, String> {
    let mut sizes = vec![100, 1_000, 10_000, 50_000];
    let mut samples = None;
    let mut only = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--sizes" => {
                sizes = value()?
                    .split(',')
                    .map(|s| s.trim().replace('_', "").parse::<usize>())
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("--sizes: {e}"))?;
            }
            "--samples" => {
                let n = value()?
                    .parse::<usize>()
                    .map_err(|e| format!("--samples: {e}"))?;
                samples = Some(n.max(1));
            }
            "--only" => {
                only = Some(match value()?.as_str() {
                    "craftkit" => Only::Craftkit,
                    "typify" => Only::Typify,
                    other => return Err(format!("--only: `{other}` is not craftkit or typify")),
                });
            }
            other => {
                return Err(format!(
                    "unknown argument `{other}` (use --sizes, --samples, --only)"
                ));
            }
        }
    }
    Ok(Arguments {
        sizes,
        samples,
        only,
    })
}

/// Times both generators on one size, alternating their runs so that a change of load on the
/// machine falls on both. The first run of each is a warm-up (not recorded) that also checks
/// that it succeeds; a generator with no runs is not run at all.
fn measure(variables: usize, ours_runs: usize, typify_runs: usize) -> Result<Row, String> {
    let inputs = inputs::Inputs::new(variables)?;
    let ours_bytes = match ours_runs {
        0 => 0,
        _ => generators::craftkit(&inputs.manifest_json)?.len(),
    };
    let typify_bytes = match typify_runs {
        0 => 0,
        _ => generators::typify(&inputs.schema_json)?.len(),
    };
    let mut row = Row {
        variables,
        ours: Samples::default(),
        typify: Samples::default(),
        ours_bytes,
        typify_bytes,
    };
    while row.ours.len() < ours_runs || row.typify.len() < typify_runs {
        if row.ours.len() < ours_runs {
            row.ours
                .time(|| generators::craftkit(&inputs.manifest_json))?;
        }
        if row.typify.len() < typify_runs {
            row.typify
                .time(|| generators::typify(&inputs.schema_json))?;
        }
    }
    Ok(row)
}

fn print_table(rows: &[Row]) {
    println!(
        "| variables | craftkit | typify | typify / craftkit | craftkit CPU | typify CPU | typify / craftkit (CPU) | craftkit CPU per variable | runs (craftkit, typify) | output bytes (craftkit, typify) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let per_variable = row.ours.cpu() / u32::try_from(row.variables.max(1)).unwrap_or(u32::MAX);
        println!(
            "| {} | {} | {} | {:.2}x | {} | {} | {:.2}x | {} | {}, {} | {}, {} |",
            row.variables,
            show(row.ours.wall()),
            show(row.typify.wall()),
            ratio(row.typify.wall(), row.ours.wall()),
            show(row.ours.cpu()),
            show(row.typify.cpu()),
            ratio(row.typify.cpu(), row.ours.cpu()),
            show(per_variable),
            row.ours.len(),
            row.typify.len(),
            row.ours_bytes,
            row.typify_bytes,
        );
    }
}

//! What one `#[craftkit_template("slug")]` expansion costs, measured as the macro runs it: the
//! cache read, the parse, validation and fold, the model, the items and their tokens
//! (`attribute::expand`, the function the proc-macro calls), on a manifest of N variables.
//!
//! `cargo run -p craftkit-codegen --example expand -- 200 60` (N variables, runs). Run it in
//! the default dev profile: Cargo builds proc macros unoptimized there, so that is the build a
//! user's `cargo check` runs. Prints the median and the quartiles of the runs.

#[path = "../../benches/big_manifest.rs"]
mod big_manifest;

use std::time::{Duration, Instant};

use craftkit_codegen::ManifestSource;
use quote::quote;

fn main() {
    let mut args = std::env::args().skip(1);
    let variables: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(200);
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(60);
    let dir = std::env::temp_dir().join(format!("craftkit-expand-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary cache directory");
    let mut manifest = big_manifest::big_manifest(variables);
    manifest["slug"] = "bench-template".into();
    std::fs::write(dir.join("bench-template.json"), manifest.to_string()).expect("write");
    let source = ManifestSource::new(&dir);

    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let attr = quote!("bench-template");
            let item = quote! {
                /// The benchmark's template.
                pub struct BenchTemplate;
            };
            let start = Instant::now();
            let tokens = craftkit_codegen::attribute::expand(attr, item, &source);
            let elapsed = start.elapsed();
            assert!(!tokens.to_string().contains("compile_error"));
            elapsed
        })
        .collect();
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{variables} variables, {runs} expansions: median {:.2} ms (quartiles {:.2}-{:.2} ms)",
        at(0.5).as_secs_f64() * 1e3,
        at(0.25).as_secs_f64() * 1e3,
        at(0.75).as_secs_f64() * 1e3,
    );
    let _ = std::fs::remove_dir_all(&dir);
}

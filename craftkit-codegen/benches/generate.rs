//! Generation time by manifest size: validation + fold + naming + tokens + prettyplease.
//! Run: `cargo bench -p craftkit-codegen --bench generate`.

#[path = "../../benches/big_manifest.rs"]
mod big_manifest;

use craftkit_codegen::{Options, generate};
use craftkit_core::manifest::Manifest;

fn main() {
    divan::main();
}

/// Manifest JSON text to formatted Rust source, as the Builder and `cargo craftkit generate` do.
#[divan::bench(args = [100, 1_000, 10_000], sample_count = 10)]
fn json_to_formatted_code(bencher: divan::Bencher, variables: usize) {
    let text = big_manifest::big_manifest(variables).to_string();
    bencher.bench(|| {
        let manifest = Manifest::from_json(divan::black_box(&text)).unwrap();
        generate(&manifest, &Options::default())
            .unwrap()
            .to_file_string()
    });
}

/// Manifest JSON text to tokens, as the attribute macro does (no formatting).
#[divan::bench(args = [100, 1_000, 10_000], sample_count = 10)]
fn json_to_tokens(bencher: divan::Bencher, variables: usize) {
    let text = big_manifest::big_manifest(variables).to_string();
    bencher.bench(|| {
        let manifest = Manifest::from_json(divan::black_box(&text)).unwrap();
        generate(&manifest, &Options::default()).unwrap().tokens()
    });
}

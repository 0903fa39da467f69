//! Generation time by manifest size: validation + fold + naming + tokens + prettyplease.
//! Run: `cargo bench -p craftkit-codegen --bench generate`. The comparison with typify is
//! `benches/typify-compare/run.sh`.

#[path = "../../benches/big_manifest.rs"]
mod big_manifest;

use craftkit_codegen::{Builder, Options, generate};
use craftkit_core::manifest::Tree;

fn main() {
    divan::main();
}

/// Manifest JSON text to formatted Rust source, as the Builder and `cargo craftkit generate` do.
#[divan::bench(args = [100, 1_000, 10_000], sample_count = 10)]
fn json_to_formatted_code(bencher: divan::Bencher, variables: usize) {
    let text = big_manifest::big_manifest(variables).to_string();
    bencher.bench(|| {
        let tree = Tree::from_json(divan::black_box(&text)).unwrap();
        generate(&tree, &Options::default())
            .unwrap()
            .to_file_string()
    });
}

/// Manifest JSON text to tokens, as the attribute macro does (no formatting).
#[divan::bench(args = [100, 1_000, 10_000], sample_count = 10)]
fn json_to_tokens(bencher: divan::Bencher, variables: usize) {
    let text = big_manifest::big_manifest(variables).to_string();
    bencher.bench(|| {
        let tree = Tree::from_json(divan::black_box(&text)).unwrap();
        generate(&tree, &Options::default()).unwrap().tokens()
    });
}

/// One template through the `Builder` as a build script runs it: read the cached manifest,
/// generate, and write `<slug>.rs` and `craftkit.rs` (unchanged files are compared, not
/// rewritten).
#[divan::bench(args = [100, 1_000, 10_000], sample_count = 10)]
fn builder_generate(bencher: divan::Bencher, variables: usize) {
    let dir = std::env::temp_dir().join(format!(
        "craftkit-bench-builder-{}-{variables}",
        std::process::id()
    ));
    let manifests = dir.join("manifests");
    std::fs::create_dir_all(&manifests).unwrap();
    let manifest = big_manifest::big_manifest(variables);
    let slug = manifest["slug"].as_str().unwrap().to_owned();
    std::fs::write(manifests.join(format!("{slug}.json")), manifest.to_string()).unwrap();
    let mut builder = Builder::new();
    builder
        .manifest_dir(&manifests)
        .out_dir(dir.join("out"))
        .quiet(true)
        .template(&slug);
    bencher.bench(|| builder.generate().unwrap());
    std::fs::remove_dir_all(&dir).ok();
}

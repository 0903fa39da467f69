//! Prints a large valid manifest: `cargo run --release -p craftkit-codegen --example make_manifest -- 10000 > big.json`.

#[path = "../../benches/big_manifest.rs"]
mod big_manifest;

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    println!("{:#}", big_manifest::big_manifest(n));
}

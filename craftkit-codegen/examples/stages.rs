//! Times each stage on a manifest file: `cargo run --release -p craftkit-codegen --example stages -- FILE`.
use std::time::Instant;
fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: stages MANIFEST.json");
    let text = std::fs::read_to_string(path).expect("readable file");
    let t = Instant::now();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let t1 = t.elapsed();
    let manifest = craftkit_core::manifest::Manifest::from_value(&value).unwrap();
    let t2 = t.elapsed();
    let tree = manifest.tree().unwrap();
    let t3 = t.elapsed();
    let generated = craftkit_codegen::generate(&tree, &Default::default()).unwrap();
    let t4 = t.elapsed();
    let file = generated.to_file_string();
    let t5 = t.elapsed();
    eprintln!(
        "json {t1:?} | parse+validate {:?} | tree {:?} | generate {:?} | format {:?} | {} bytes",
        t2 - t1,
        t3 - t2,
        t4 - t3,
        t5 - t4,
        file.len()
    );
}

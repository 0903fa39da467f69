//! Prints what the generator says of manifest files: `cargo run -p craftkit-codegen --example check -- FILE...`.
fn main() {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        match craftkit_core::manifest::Manifest::from_json(&text) {
            Ok(m) => println!("{path}: ok ({} variables)", m.variables.len()),
            Err(e) => println!("{path}: {e}"),
        }
    }
}

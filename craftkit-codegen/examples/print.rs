//! Prints the generated code of a manifest file: `cargo run -p craftkit-codegen --example print -- FILE`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: print MANIFEST.json");
    let text = std::fs::read_to_string(&path).expect("readable file");
    match craftkit_core::manifest::Tree::from_json(&text) {
        Ok(m) => match craftkit_codegen::generate(&m, &Default::default()) {
            Ok(g) => print!("{}", g.to_file_string()),
            Err(e) => eprintln!("{e}"),
        },
        Err(e) => eprintln!("{e}"),
    }
}

//! Converts `openapi.yaml` (the API contract, written as YAML for people) to the JSON that
//! `GET /v1/openapi.json` serves, once, at build time: a document that is not valid YAML fails
//! the build rather than a request, and the server links no YAML parser.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=openapi.yaml");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let source = manifest_dir.join("openapi.yaml");
    let text = std::fs::read_to_string(&source)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", source.display())));
    let document: serde_json::Value = serde_norway::from_str(&text).unwrap_or_else(|e| {
        fail(&format!(
            "{} is not a YAML document of JSON values: {e}",
            source.display()
        ))
    });
    let json = serde_json::to_string(&document)
        .unwrap_or_else(|e| fail(&format!("cannot write the document as JSON: {e}")));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("openapi.json");
    std::fs::write(&out, json)
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", out.display())));
}

/// Stops the build with `message`, as a build script reports an error.
fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}

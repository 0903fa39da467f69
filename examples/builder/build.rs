//! Generates the bindings of two templates into `OUT_DIR` from the manifest cache
//! (`.craftkit/manifests/` at the workspace root, since this crate has none of its own).

fn main() {
    if let Err(error) = craftkit_codegen::Builder::new()
        .templates(["charter-handover", "invoice"])
        .generate()
    {
        // A build script reports through its exit status; the message says what to fix.
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

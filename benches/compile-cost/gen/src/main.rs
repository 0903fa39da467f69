//! Writes the sources that `benches/compile-cost/run.sh` compiles, from one manifest:
//!
//! ```text
//! compile-cost-gen BASE_MANIFEST OUT_DIR [TEMPLATES]     # TEMPLATES: 20 by default
//! ```
//!
//! For each of the templates `t1`..`tN` (copies of `BASE_MANIFEST` with those slugs):
//!
//! - `OUT_DIR/manifests/tN.json`: the manifest, for the cache of the `#[craftkit_template]` crate;
//! - `OUT_DIR/hand/tN.rs`: the same types as a Rust developer would write them by hand (plain
//!   serde derives; see [`hand`]), named as craftkit names them, the root `TN`;
//! - `OUT_DIR/typify/tN.rs`: typify 0.8's output for the JSON Schema craftkit exports for the
//!   template (see [`typify_output`]), the root `TN`;
//!
//! and `OUT_DIR/typify/dependencies.toml`, the `[dependencies]` lines typify's output needs.

mod hand;
mod typify_output;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use craftkit_codegen::{Options, generate};
use craftkit_core::manifest::Tree;
use serde_json::Value;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("compile-cost-gen: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (base, out, templates) = match args.as_slice() {
        [base, out] => (base, out, 20),
        [base, out, n] => (base, out, n.parse().map_err(|e| format!("TEMPLATES: {e}"))?),
        _ => return Err("usage: compile-cost-gen BASE_MANIFEST OUT_DIR [TEMPLATES]".into()),
    };
    let out = PathBuf::from(out);
    let base: Value = serde_json::from_str(&read(Path::new(base))?)
        .map_err(|e| format!("{base}: {e}"))?;
    for dir in ["manifests", "hand", "typify"] {
        std::fs::create_dir_all(out.join(dir)).map_err(|e| format!("{}: {e}", out.display()))?;
    }

    let mut typify_uses = typify_output::Uses::default();
    for n in 1..=templates {
        let slug = format!("t{n}");
        let root = format!("T{n}");
        let mut manifest = base.clone();
        manifest["slug"] = slug.clone().into();
        let manifest_json = serde_json::to_string_pretty(&manifest).expect("a JSON value");
        write(&out.join(format!("manifests/{slug}.json")), &(manifest_json.clone() + "\n"))?;

        // The manifest as the macro reads it, and its types as the macro names them.
        let tree = Tree::from_json(&manifest_json).map_err(|e| format!("{slug}: {e}"))?;
        let generated = generate(&tree, &Options::default().with_root_name(&root))
            .map_err(|e| format!("{slug}: {e}"))?;
        let header = format!(
            "// Template `{slug}` written by hand: the types craftkit generates for it, as plain serde\n\
             // structs and enums. Written by benches/compile-cost/gen.\n\n"
        );
        let code = hand::write(&generated.tokens(), &root).map_err(|e| format!("{slug}: {e}"))?;
        write(&out.join(format!("hand/{slug}.rs")), &(header + &code))?;

        // The JSON Schema craftkit exports for it, through typify.
        let schema = craftkit_codegen::schema::json_schema(&tree);
        let code = typify_output::write(schema, &root).map_err(|e| format!("{slug}: {e}"))?;
        typify_uses.scan(&code);
        let header = format!(
            "// Template `{slug}` through typify 0.8: its output for the JSON Schema that craftkit\n\
             // exports for the template. Written by benches/compile-cost/gen.\n\n"
        );
        write(&out.join(format!("typify/{slug}.rs")), &(header + &code))?;
    }
    write(&out.join("typify/dependencies.toml"), &typify_uses.dependencies())?;
    eprintln!(
        "compile-cost-gen: {templates} templates written to {}",
        out.display()
    );
    Ok(())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

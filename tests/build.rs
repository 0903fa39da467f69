//! Writes a hostile manifest into `OUT_DIR/hostile/manifests/` and generates its bindings and
//! docs page with `craftkit_codegen::Builder`, as a user's build script would: `src/lib.rs`
//! compiles the result under `#![deny(warnings)]`, and `tests/hostile_manifest.rs` checks that
//! the generated code declares exactly what the manifest declares and says what it said.
//!
//! The manifest puts text that could end a comment, a string or an item (`*/`, `"`, `\`,
//! `#[`, `///`, code fences, `<script>`, bidi controls, NUL, `\r`, a lone `\n}` followed by
//! `fn evil(){}`, and strings of 1 MiB) into every free-text field: the title, descriptions,
//! examples, formats, enum values and JSON keys. The 1 MiB strings (title, descriptions, an
//! example, an enum value) are made here, at build time, and never committed.

use std::path::PathBuf;

use serde_json::{Value, json};

/// One MiB.
const MIB: usize = 1024 * 1024;

/// Short texts that must never leave a doc comment or a string literal.
const HOSTILE: &[&str] = &[
    "*/ fn evil() {} /*",
    "/* an unterminated block comment",
    "a \" quote, a \\ backslash, a \\\" escaped quote",
    "#[doc = \"injected\"] #![allow(warnings)]",
    "/// not a doc comment //! nor an inner one",
    "```rust\nfn evil() {}\n```",
    "~~~\nfn evil() {}\n~~~",
    "<script>alert(1)</script>",
    "right-to-left \u{202e}evil\u{202c}, isolates \u{2066}a\u{2069} \u{2067}b\u{2069} \u{2068}c\u{2069}, marks \u{200e}\u{200f}\u{061c}, embeddings \u{202a}d\u{202c} \u{202b}e\u{202c}, override \u{202d}f\u{202c}",
    "nul \0 here",
    "carriage \r return, and \r\n a CRLF",
    "\n}\nfn evil(){}\n",
    "\"] fn evil() {} #[doc = \"",
    "    indented like a code block",
    "[intra](link) and `code` and r#\"raw\"#",
];

/// `unit` repeated to at least one MiB.
fn mib_of(unit: &str) -> String {
    unit.repeat(MIB.div_ceil(unit.len()))
}

fn manifest() -> Value {
    let all = HOSTILE.join("\n");
    let big = mib_of("*/ \" \\ #[x] #![y] /// <b> \u{202e}r\u{2066} \0 \r ");
    let mut values: Vec<Value> = [
        "*/",
        "/*",
        "\"",
        "\\",
        "#[x]",
        "#![x]",
        "///",
        "```",
        "<script>",
        "\u{202e}",
        "\u{2066}x\u{2069}",
        "a\0b",
        "a\rb",
        "\n}\nfn evil(){}",
        "*/ fn evil() {} /*",
    ]
    .into_iter()
    .map(Value::from)
    .collect();
    // 1 MiB: serde's derived `Deserialize` would match it as a byte-string pattern, for which
    // rustc needs gigabytes (over 8 GiB for a 1.8 MiB value; see SECURITY.md), so the generator
    // deserializes an enum with a value this long through `TryFrom<String>` instead.
    let unit = "*/\"\\#[\u{202e}";
    values.push(Value::from(format!("v{}", mib_of(unit))));
    json!({
        "slug": "hostile-text",
        "name": format!("Hostile */ \" \\ #[x] /// <script> \u{202e}title\u{202c} {}", big),
        "description": format!("{all}\n{big}"),
        "version": 1,
        "status": "published",
        "pipeline": "html",
        "variables": [
            {
                "path": "*/ fn evil() {} /*",
                "type": "string",
                "required": true,
                "description": all,
                "example": "\"] fn evil() {} #[doc = \"",
                "format": "*/ ` \u{202e}fmt\u{202c} \0 \r\n} fn evil(){}"
            },
            {
                "path": "quote \" backslash \\ #! <script> \u{202e}rtl\u{2066}",
                "type": "text",
                "description": big,
                "example": big
            },
            {
                "path": "nested.#!doc = \"x\" key",
                "type": "string",
                "description": "/// a doc comment\n\n}\nfn evil(){}\n"
            },
            {
                "path": "mood",
                "type": "enum",
                "required": true,
                "values": values,
                "description": "```\n*/\n```"
            },
            {
                "path": "rows[]",
                "type": "array",
                "items": "enum",
                "values": ["<b>", "\u{202e}"],
                "description": "<script>\u{202e}"
            }
        ]
    })
}

/// Keys that have broken the generator's naming before, or might: digit-leading, keywords,
/// prelude names, collisions, plurals, spaces, non-ASCII.
const KEYS: &[&str] = &[
    "2nd",
    "1st",
    "3d",
    "0",
    "home",
    "work",
    "address",
    "type",
    "self",
    "Self",
    "crate",
    "first name",
    "first-name",
    "firstName",
    "first_name",
    "_",
    "buses",
    "areas",
    "entries",
    "inventory",
    "option",
    "result",
    "string",
    "vec",
    "serde",
    "Default",
    "ÄnderungsDatum",
    "a b",
    "x",
    "status",
    "Status",
    "2nd-line",
    "async",
    "fn",
];

/// Descriptions that once tripped rustdoc or clippy lints.
const DESCRIPTIONS: &[&str] = &[
    "plain words",
    "a\ttab\tor two",
    "- an item\ncontinued lazily\n- another\nand more",
    "1. first\nstill first\n2) second",
    "\tindented by a tab",
    "see [this] <b>bold</b> https://example.org/x.",
    "* star\n+ plus\n-5 degrees is not a list",
];

const SCALARS: &[&str] = &[
    "string",
    "text",
    "number",
    "integer",
    "boolean",
    "date",
    "datetime",
    "image",
    "signature",
    "enum",
];

const ENUM_VALUES: &[&str] = &[
    "draft",
    "final",
    "2nd-try",
    "in-progress",
    "in_progress",
    "DONE",
    "done",
    "self",
    "Self",
    "ünïcode",
    "a b",
];

/// A deterministic xorshift generator: the sample is the same on every machine and run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("small")
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// The variables of one random object at `prefix` (`""` for the root), `depth` levels deep at
/// most, each key distinct among its siblings.
fn random_object(rng: &mut Rng, prefix: &str, depth: usize, out: &mut Vec<Value>) {
    let mut keys: Vec<&str> = Vec::new();
    for _ in 0..1 + rng.below(5) {
        let key = rng.pick(KEYS);
        if keys.contains(&key) {
            continue;
        }
        keys.push(key);
        let path = format!("{prefix}{key}");
        let description = rng.pick(DESCRIPTIONS);
        let required = rng.below(3) == 0;
        match (depth, rng.below(4)) {
            (1.., 0) => random_object(rng, &format!("{path}."), depth - 1, out),
            (1.., 1) => random_object(rng, &format!("{path}[]."), depth - 1, out),
            (_, 2) => {
                let items = rng.pick(&SCALARS[..9]);
                out.push(
                    json!({"path": format!("{path}[]"), "type": "array", "items": items,
                    "required": required, "description": description}),
                );
            }
            _ => {
                let ty = rng.pick(SCALARS);
                let mut variable = json!({"path": path, "type": ty, "required": required,
                    "description": description});
                if ty == "enum" {
                    let mut values: Vec<&str> = Vec::new();
                    for _ in 0..1 + rng.below(4) {
                        let value = rng.pick(ENUM_VALUES);
                        if !values.contains(&value) {
                            values.push(value);
                        }
                    }
                    variable["values"] = json!(values);
                }
                out.push(variable);
            }
        }
    }
}

/// Random manifests of hostile keys and descriptions, generated through the Builder into
/// `OUT_DIR/random/craftkit.rs`, which `src/lib.rs` compiles under `#![deny(warnings)]` and
/// CI's `cargo clippy --all-targets -- -D warnings` lints: a valid manifest must give
/// lint-clean code through the Builder path, not only through the macro (whose expansion
/// clippy does not lint).
fn random_sample(out: &std::path::Path) {
    const COUNT: usize = 24;
    let dir = out.join("random");
    let manifests = dir.join("manifests");
    std::fs::create_dir_all(&manifests).expect("OUT_DIR is writable");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut builder = craftkit_codegen::Builder::new();
    builder.quiet(true);
    builder.manifest_dir(&manifests).out_dir(&dir);
    for i in 0..COUNT {
        let mut variables = Vec::new();
        random_object(&mut rng, "", 3, &mut variables);
        let slug = format!("random-{i}");
        let manifest = json!({"slug": slug, "name": format!("Random {i}"), "version": i + 1,
            "pipeline": "html", "variables": variables});
        let text = serde_json::to_string_pretty(&manifest).expect("JSON");
        std::fs::write(manifests.join(format!("{slug}.json")), text).expect("writable");
        builder.template(slug);
    }
    if let Err(error) = builder.generate() {
        eprintln!("a random manifest of the sample does not generate: {error}");
        std::process::exit(1);
    }
}

fn main() {
    // The Builders below are quiet: the manifests they read are written here, into OUT_DIR,
    // and a `rerun-if-changed` on a file the script itself writes would rerun it (and rebuild
    // this crate's large generated code) on every build. The script's inputs are these.
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../craftkit-codegen/tests/common/name_pool.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let hostile = out.join("hostile");
    let manifests = hostile.join("manifests");
    std::fs::create_dir_all(&manifests).expect("OUT_DIR is writable");
    let text = serde_json::to_string_pretty(&manifest()).expect("JSON");
    std::fs::write(manifests.join("hostile-text.json"), text).expect("OUT_DIR is writable");
    let result = craftkit_codegen::Builder::new()
        .quiet(true)
        .manifest_dir(&manifests)
        .out_dir(&hostile)
        .docs_dir(hostile.join("docs"))
        .template("hostile-text")
        .generate();
    if let Err(error) = result {
        // Not a panic: a build script's error is the user's error message.
        eprintln!("the hostile manifest does not generate: {error}");
        std::process::exit(1);
    }
    random_sample(&out);
    names_sample(&out);
    compat(&out);
}

// The pool of `craftkit-codegen/tests/names.rs`, one file for both.
#[path = "../craftkit-codegen/tests/common/name_pool.rs"]
mod name_pool;
use name_pool::{SLUGS as NAME_SLUGS, VALUES as NAME_VALUES, keys_for as slug_keys};

/// The variables of one random object at `prefix` whose keys are the generator's own names:
/// objects are more likely than in [`random_object`], so the slug's name recurs at every depth.
fn named_object(rng: &mut Rng, keys: &[String], prefix: &str, depth: usize, out: &mut Vec<Value>) {
    let mut seen: Vec<&str> = Vec::new();
    // Half the time the slug's own name first (`order.order.order`).
    let first = if rng.below(2) == 0 { Some(0) } else { None };
    for n in 0..1 + rng.below(5) {
        let key = match (n, first) {
            (0, Some(i)) => keys[i].as_str(),
            _ => keys[rng.below(keys.len())].as_str(),
        };
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let path = format!("{prefix}{key}");
        let required = rng.below(2) == 0;
        match (depth, rng.below(6)) {
            (1.., 0 | 1) => named_object(rng, keys, &format!("{path}."), depth - 1, out),
            (1.., 2) => named_object(rng, keys, &format!("{path}[]."), depth - 1, out),
            (_, 3) => {
                let mut values: Vec<&str> = Vec::new();
                for _ in 0..1 + rng.below(4) {
                    let value = rng.pick(NAME_VALUES);
                    if !values.contains(&value) {
                        values.push(value);
                    }
                }
                out.push(
                    json!({"path": path, "type": "enum", "values": values, "required": required}),
                );
            }
            _ => {
                let ty = rng.pick(&SCALARS[..9]);
                out.push(json!({"path": path, "type": ty, "required": required}));
            }
        }
    }
}

/// Manifests whose keys are the generator's own names (issue 24: a template `order` with a
/// required `order.order.order` did not compile), each generated through the Builder into
/// `OUT_DIR/names/<i>/craftkit.rs` and held by a module of `OUT_DIR/names.rs`, which
/// `src/lib.rs` compiles under `#![deny(warnings)]` and CI's clippy lints. One module each, so
/// that slugs repeat; few enough to keep the build short.
fn names_sample(out: &std::path::Path) {
    const COUNT: usize = 30;
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut modules = String::new();
    for i in 0..COUNT {
        let slug = NAME_SLUGS[i % NAME_SLUGS.len()];
        let keys = slug_keys(slug);
        let mut variables = Vec::new();
        named_object(&mut rng, &keys, "", 3, &mut variables);
        let dir = out.join("names").join(i.to_string());
        let manifests = dir.join("manifests");
        std::fs::create_dir_all(&manifests).expect("OUT_DIR is writable");
        let manifest = json!({"slug": slug, "name": format!("Names {i}"), "version": 1,
            "pipeline": "html", "variables": variables});
        let text = serde_json::to_string_pretty(&manifest).expect("JSON");
        std::fs::write(manifests.join(format!("{slug}.json")), text).expect("writable");
        let result = craftkit_codegen::Builder::new()
            .quiet(true)
            .manifest_dir(&manifests)
            .out_dir(&dir)
            .template(slug)
            .generate();
        if let Err(error) = result {
            eprintln!("the names sample {i} (`{slug}`) does not generate: {error}");
            std::process::exit(1);
        }
        modules.push_str(&format!(
            "/// Template `{slug}`, keys drawn from the generator's own names.\n\
             pub mod sample_{i} {{\n    include!({generated:?});\n}}\n",
            generated = dir.join("craftkit.rs"),
        ));
    }
    std::fs::write(out.join("names.rs"), modules).expect("OUT_DIR is writable");
}

/// The evolution test (issue 14, item 3): for `compat/manifests/base.json` and each compatible
/// variation of it beside it, the bindings of template `handover` (as the Builder writes them
/// after a `pull`) into `OUT_DIR/compat/<variation>/`, and `OUT_DIR/compat.rs`: one module per
/// variation holding those bindings and the unchanged user code `compat/user.rs`.
fn compat(out: &std::path::Path) {
    let here = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let source = here.join("compat/manifests");
    println!("cargo:rerun-if-changed={}", source.display());
    println!(
        "cargo:rerun-if-changed={}",
        here.join("compat/user.rs").display()
    );
    let mut names: Vec<String> = std::fs::read_dir(&source)
        .expect("tests/compat/manifests is readable")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            Some(name.strip_suffix(".json")?.to_owned())
        })
        .collect();
    names.sort();
    let mut modules = String::new();
    for name in &names {
        let dir = out.join("compat").join(name);
        let manifests = dir.join("manifests");
        std::fs::create_dir_all(&manifests).expect("OUT_DIR is writable");
        std::fs::copy(
            source.join(format!("{name}.json")),
            manifests.join("handover.json"),
        )
        .expect("the variation is readable");
        let result = craftkit_codegen::Builder::new()
            .quiet(true)
            .manifest_dir(&manifests)
            .out_dir(&dir)
            .template("handover")
            .generate();
        if let Err(error) = result {
            eprintln!("the compat variation `{name}` does not generate: {error}");
            std::process::exit(1);
        }
        let module = name.replace('-', "_");
        modules.push_str(&format!(
            "/// The user code against the bindings of `compat/manifests/{name}.json`.\n\
             pub mod {module} {{\n    include!({generated:?});\n    include!({user:?});\n}}\n",
            generated = dir.join("craftkit.rs"),
            user = here.join("compat/user.rs"),
        ));
    }
    modules.push_str(
        "/// A variation: its name, its manifest's JSON, and the user code's JSON against it.\n",
    );
    modules.push_str(
        "pub type Variation = (&'static str, &'static str, fn() -> ::std::string::String);\n",
    );
    modules.push_str("/// Each variation, in name order.\n");
    modules.push_str("pub const VARIATIONS: &[Variation] = &[\n");
    for name in &names {
        let module = name.replace('-', "_");
        modules.push_str(&format!(
            "    ({name:?}, include_str!({manifest:?}), {module}::user_json),\n",
            manifest = source.join(format!("{name}.json")),
        ));
    }
    modules.push_str("];\n");
    std::fs::write(out.join("compat.rs"), modules).expect("OUT_DIR is writable");
}

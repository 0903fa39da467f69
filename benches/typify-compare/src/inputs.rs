//! The inputs of one size: the manifest as JSON text (what craftkit-codegen reads) and the
//! JSON Schema that craftkit's own export writes for it (what typify reads).

#[path = "../../big_manifest.rs"]
mod big_manifest;

use craftkit_core::manifest::Tree;
use serde_json::Value;

/// One size's inputs, both as text: parsing is part of what each generator is timed on.
pub struct Inputs {
    /// The manifest, as `.craftkit/manifests/<slug>.json` would hold it.
    pub manifest_json: String,
    /// The JSON Schema of the same template's `data`, as `cargo craftkit schema` writes it,
    /// after [`for_typify`].
    pub schema_json: String,
}

impl Inputs {
    /// The manifest of `variables` variables made by the shared benchmark generator, and its
    /// schema.
    pub fn new(variables: usize) -> Result<Inputs, String> {
        let manifest_json = big_manifest::big_manifest(variables).to_string();
        let tree = Tree::from_json(&manifest_json).map_err(|e| e.to_string())?;
        let mut schema = craftkit_codegen::schema::json_schema(&tree);
        for_typify(&mut schema);
        Ok(Inputs {
            manifest_json,
            schema_json: schema.to_string(),
        })
    }
}

/// The changes the export needs before typify 0.8 takes it, both to enum values only.
///
/// typify panics ("Failed to make unique variant names for [in-progress,in_progress,done,DONE]")
/// on an enum whose values differ only in case or punctuation, which craftkit names
/// `InProgress`, `InProgressSnake`, `Done`, `DoneUpper`. Such a value gets `-alt`, `-alt2`, ...
/// appended, so the enum keeps its number of variants and typify the same work.
///
/// Nothing else is changed: the `pattern`s of dates and images, `format`, `examples`,
/// `["T", "null"]` types and `null` in optional enums, inline nested objects, the root's
/// `title` and the `x-craftkit` annotations all go to typify as exported.
pub fn for_typify(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Array(values)) = map.get_mut("enum") {
                distinct_enum_values(values);
            }
            map.values_mut().for_each(for_typify);
        }
        Value::Array(items) => items.iter_mut().for_each(for_typify),
        _ => {}
    }
}

/// Makes string values that agree on their letters and digits, ignoring case, differ there.
fn distinct_enum_values(values: &mut [Value]) {
    let folded = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let mut seen = std::collections::HashSet::new();
    for value in values.iter_mut() {
        let Value::String(text) = value else { continue };
        let mut candidate = text.clone();
        let mut n = 1;
        while !seen.insert(folded(&candidate)) {
            candidate = if n == 1 {
                format!("{text}-alt")
            } else {
                format!("{text}-alt{n}")
            };
            n += 1;
        }
        *text = candidate;
    }
}

//! The peer: typify 0.8's output for the JSON Schema that craftkit exports for a template
//! (`craftkit_codegen::schema::json_schema`, what `cargo craftkit schema` writes),
//! with default settings, as benches/typify-compare drives it.

use serde_json::Value;
use typify::{TypeSpace, TypeSpaceSettings};

/// typify's formatted output for `schema`, its root type named `root`.
///
/// Two changes to the export, neither to a type's shape: its `title` (the template's name,
/// which typify names the root type after) becomes `root`, and [`for_typify`].
pub fn write(mut schema: Value, root: &str) -> Result<String, String> {
    schema["title"] = root.into();
    for_typify(&mut schema);
    let schema: schemars::schema::RootSchema =
        serde_json::from_value(schema).map_err(|e| format!("schemars: {e}"))?;
    let mut space = TypeSpace::new(&TypeSpaceSettings::default());
    space
        .add_root_schema(schema)
        .map_err(|e| format!("typify: {e}"))?;
    let file: syn::File =
        syn::parse2(space.to_stream()).map_err(|e| format!("typify's tokens: {e}"))?;
    let code = prettyplease::unparse(&file);
    if !code.contains(&format!("pub struct {root} {{")) {
        return Err(format!("typify did not name the root type `{root}`"));
    }
    Ok(code)
}

/// The crates that typify's output refers to, beyond `serde` and `serde_json` (which every
/// variant has), collected over all templates.
#[derive(Default)]
pub struct Uses {
    regress: bool,
    chrono: bool,
    uuid: bool,
}

impl Uses {
    /// Notes the crates that `code` refers to.
    pub fn scan(&mut self, code: &str) {
        self.regress |= code.contains("::regress::");
        self.chrono |= code.contains("::chrono::");
        self.uuid |= code.contains("::uuid::");
    }

    /// The `[dependencies]` lines for them (the versions typify 0.8's own dependencies use).
    pub fn dependencies(&self) -> String {
        let mut lines = String::new();
        if self.regress {
            lines += "regress = \"0.12\"\n";
        }
        if self.chrono {
            lines += "chrono = { version = \"0.4\", default-features = false, features = [\"serde\"] }\n";
        }
        if self.uuid {
            lines += "uuid = { version = \"1\", features = [\"serde\"] }\n";
        }
        lines
    }
}

/// The changes the export needs before typify 0.8's output compiles: to enum values and to
/// object keys that differ only in case or punctuation.
///
/// - typify panics ("Failed to make unique variant names for [in-progress,in_progress,done,DONE]")
///   on an enum whose values differ only there, which craftkit names `InProgress`,
///   `InProgressSnake`, `Done`, `DoneUpper`. Such a value gets `-alt`, `-alt2`, ... appended,
///   so the enum keeps its number of variants (as benches/typify-compare does; this part is
///   copied from its `inputs.rs`).
/// - typify names the fields of keys `firstName` and `first_name` both `first_name`, and its
///   struct does not compile (craftkit names them `first_name_camel` and `first_name`). The
///   later such key gets `_alt`, `_alt2`, ... appended (in `properties` and `required`), so
///   the struct keeps its number of fields.
///
/// Nothing else is changed: the `pattern`s of dates and images, `format`, `examples`,
/// `["T", "null"]` types and `null` in optional enums, inline nested objects and the
/// `x-craftkit` annotations all go to typify as exported.
fn for_typify(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Array(values)) = map.get_mut("enum") {
                distinct(values.iter_mut().filter_map(string_mut), "-alt");
            }
            if let Some(Value::Object(properties)) = map.get_mut("properties") {
                let renames = distinct_keys(properties);
                if let Some(Value::Array(required)) = map.get_mut("required") {
                    for key in required.iter_mut().filter_map(string_mut) {
                        if let Some((_, new)) = renames.iter().find(|(old, _)| old == key) {
                            key.clone_from(new);
                        }
                    }
                }
            }
            map.values_mut().for_each(for_typify);
        }
        Value::Array(items) => items.iter_mut().for_each(for_typify),
        _ => {}
    }
}

fn string_mut(value: &mut Value) -> Option<&mut String> {
    match value {
        Value::String(text) => Some(text),
        _ => None,
    }
}

/// Renames the keys of `properties` that [`distinct`] changes, in place and in order; returns
/// the renames (old, new).
fn distinct_keys(properties: &mut serde_json::Map<String, Value>) -> Vec<(String, String)> {
    let mut keys: Vec<String> = properties.keys().cloned().collect();
    let old = keys.clone();
    distinct(keys.iter_mut(), "_alt");
    let renames: Vec<(String, String)> =
        old.into_iter().zip(keys).filter(|(old, new)| old != new).collect();
    if !renames.is_empty() {
        let entries = std::mem::take(properties);
        for (key, value) in entries {
            let key = match renames.iter().find(|(old, _)| *old == key) {
                Some((_, new)) => new.clone(),
                None => key,
            };
            properties.insert(key, value);
        }
    }
    renames
}

/// Makes strings that agree on their letters and digits, ignoring case, differ there, by
/// appending `suffix`, `suffix2`, ... to the later ones.
fn distinct<'a>(texts: impl Iterator<Item = &'a mut String>, suffix: &str) {
    let folded = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let mut seen = std::collections::HashSet::new();
    for text in texts {
        let mut candidate = text.clone();
        let mut n = 1;
        while !seen.insert(folded(&candidate)) {
            candidate = if n == 1 {
                format!("{text}{suffix}")
            } else {
                format!("{text}{suffix}{n}")
            };
            n += 1;
        }
        *text = candidate;
    }
}

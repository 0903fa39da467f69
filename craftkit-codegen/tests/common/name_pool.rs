//! The names the generated code defines or uses, drawn as manifest keys, slugs and enum values
//! by the names property test (`../names.rs`) and by the compiled sample of `tests/build.rs`
//! (which includes this file by path): one pool for both.

/// Slugs named like the objects templates hold, and like the generator's own names.
pub const SLUGS: &[&str] = &[
    "order", "booking", "ij", "tenant", "builder", "field", "state", "set", "unset", "line",
];

/// Keys every manifest draws from, beside the slug's own forms (see [`keys_for`]).
pub const KEYS: &[&str] = &[
    "builder",
    "Builder",
    "build",
    "maybe_build",
    "Unset",
    "unset",
    "Set",
    "set",
    "Option",
    "Result",
    "Vec",
    "String",
    "Box",
    "Self",
    "self",
    "type",
    "fn",
    "crate",
    "super",
    "field",
    "Field",
    "state",
    "State",
    "D",
    "d",
    "ALL",
    "as_str",
    "tree",
    "value",
    "object",
    "signature",
    "Signature",
    "line",
    "lines",
    "x",
    "xState",
    "x_state",
    "1st",
];

/// Enum values: the enum's own items, and names variants would take.
pub const VALUES: &[&str] = &[
    "ALL", "a-l-l", "all", "as_str", "Self", "self", "open", "D", "Unset", "Set", "draft",
];

/// The keys of a manifest of slug `slug`: its name in every case and with the suffixes the
/// generator adds (`orderBuilder`, `order_state`, `OrderObject`), and [`KEYS`].
pub fn keys_for(slug: &str) -> Vec<String> {
    let camel = {
        let mut chars = slug.chars();
        chars
            .next()
            .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
            .unwrap_or_default()
    };
    let mut keys: Vec<String> = [
        slug.to_owned(),
        camel.clone(),
        format!("{slug}Builder"),
        format!("{slug}_builder"),
        format!("{camel}Builder"),
        format!("{slug}State"),
        format!("{slug}_state"),
        format!("{camel}State2"),
        format!("{slug}Object"),
        format!("{slug}_types"),
    ]
    .into_iter()
    .collect();
    keys.extend(KEYS.iter().map(|k| (*k).to_owned()));
    keys
}

//! A manifest of hostile text (comment and string terminators, attributes, code fences, HTML,
//! bidi controls, NUL, `\r`, a lone `\n}` then `fn evil(){}`) through `#[craftkit_template]`,
//! under deny(warnings): the expansion compiles, declares nothing but the template's types,
//! and keeps every value exactly.
#![deny(warnings, missing_docs)]

use craftkit_runtime::{Template, craftkit_template};

/// The hostile template.
#[craftkit_template("hostile-macro")]
pub struct HostileMacro;

/// Nothing injected: an `evil` function would clash with this one.
#[allow(dead_code)]
fn evil() {}

fn main() {
    assert_eq!(HostileMacro::SLUG, "hostile-macro");
    let values: Vec<&str> = hostile_macro::Mood::ALL
        .iter()
        .map(|m| m.as_str())
        .collect();
    assert_eq!(
        values,
        [
            "*/",
            "\"",
            "\\",
            "#![x]",
            "```",
            "<script>",
            "\u{202e}",
            "a\0b",
            "a\rb",
            "\n}\nfn evil(){}"
        ]
    );
    let payload = HostileMacro {
        fn_evil: "\u{202e}\"] #[x] */".into(),
        quote_back: None,
        mood: hostile_macro::Mood::ALL[9],
    };
    let json = craftkit_runtime::serde_json::to_value(&payload).unwrap();
    assert_eq!(json["*/ fn evil() {} /*"], "\u{202e}\"] #[x] */");
    assert_eq!(json["mood"], "\n}\nfn evil(){}");
    let manifest: craftkit_runtime::serde_json::Value =
        craftkit_runtime::serde_json::from_str(HostileMacro::MANIFEST_JSON).unwrap();
    assert_eq!(manifest["variables"][2]["values"][7], "a\u{0}b");
    evil();
}

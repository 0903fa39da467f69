//! `data::validate` checks render data against a manifest as the spec says (`spec/manifest.md`
//! types, bounds and required-ness of undeclared objects; `spec/api.md` "Errors"): each of the
//! API's validation codes (`required`, `type`, `enum`, `format`, `image`, `min`, `max`,
//! `length`, `items`) is reported with the data's own path (`areas[1].photos[0]`), unknown keys
//! are listed as warnings rather than violations, and no JSON value whatsoever makes it panic or
//! report a path the manifest does not declare.

use std::collections::BTreeSet;

use craftkit_core::data::{self, Code, Report, Violation};
use craftkit_core::manifest::{Field, Items, Manifest, Node, Object, Tree};
use proptest::prelude::*;
use serde_json::{Value, json};

/// The tree of a valid `html` manifest with these variables (JSON array items, no brackets).
fn tree(variables: &str) -> Tree {
    let text = format!(
        r#"{{"slug": "data-test", "version": 1, "pipeline": "html", "variables": [{variables}]}}"#
    );
    Manifest::from_json(&text)
        .and_then(|m| m.tree())
        .unwrap_or_else(|e| panic!("test manifest is invalid: {e}\n{text}"))
}

fn check(variables: &str, data: Value) -> Report {
    data::validate(&tree(variables), &data)
}

/// The (path, code) of every violation, in order.
fn found(variables: &str, data: Value) -> Vec<(String, Code)> {
    let report = check(variables, data);
    report
        .violations
        .iter()
        .map(|v| (v.path.clone(), v.code))
        .collect()
}

fn one(path: &str, code: Code) -> Vec<(String, Code)> {
    vec![(path.to_owned(), code)]
}

/// The single violation of `data`, asserted to be at `path` with `code`.
fn single(variables: &str, data: Value, path: &str, code: Code) -> Violation {
    let report = check(variables, data.clone());
    assert_eq!(
        report.violations.len(),
        1,
        "for {data}: {:#?}",
        report.violations
    );
    let violation = report.violations.into_iter().next().unwrap();
    assert_eq!(
        (violation.path.as_str(), violation.code),
        (path, code),
        "for {data}: {violation}"
    );
    violation
}

fn valid(variables: &str, data: Value) {
    let report = check(variables, data.clone());
    assert!(
        report.is_valid(),
        "{data} should be valid: {:#?}",
        report.violations
    );
}

// --- codes ---

#[test]
fn codes_are_the_apis_strings() {
    let codes = [
        (Code::Required, "required"),
        (Code::Type, "type"),
        (Code::Enum, "enum"),
        (Code::Format, "format"),
        (Code::Image, "image"),
        (Code::Min, "min"),
        (Code::Max, "max"),
        (Code::Length, "length"),
        (Code::Items, "items"),
    ];
    for (code, text) in codes {
        assert_eq!(code.as_str(), text);
        assert_eq!(code.to_string(), text);
    }
}

#[test]
fn a_violation_displays_path_message_and_code() {
    let v = single(
        r#"{"path": "guest", "type": "string", "required": true}"#,
        json!({}),
        "guest",
        Code::Required,
    );
    assert_eq!(
        v.to_string(),
        "guest: required variable is missing [required]"
    );
}

// --- required ---

const GUEST: &str = r#"{"path": "guest", "type": "string", "required": true}"#;

#[test]
fn a_missing_required_variable_is_required() {
    let v = single(GUEST, json!({}), "guest", Code::Required);
    assert_eq!(v.message, "required variable is missing");
}

#[test]
fn a_null_required_variable_is_required() {
    let v = single(GUEST, json!({"guest": null}), "guest", Code::Required);
    assert_eq!(v.message, "required variable is null");
}

#[test]
fn an_optional_variable_may_be_absent_or_null() {
    let optional = r#"{"path": "note", "type": "text"}, {"path": "seats", "type": "integer"}"#;
    valid(optional, json!({}));
    valid(optional, json!({"note": null, "seats": null}));
}

const MAYBE: &str = r#"{"path": "maybe", "type": "object"},
                       {"path": "maybe.must", "type": "string", "required": true},
                       {"path": "maybe.may", "type": "string"}"#;

#[test]
fn a_declared_optional_object_may_be_absent_or_null() {
    valid(MAYBE, json!({}));
    valid(MAYBE, json!({"maybe": null}));
    valid(MAYBE, json!({"maybe": {"must": "x"}}));
}

#[test]
fn a_present_optional_object_must_carry_its_required_keys() {
    assert_eq!(
        found(MAYBE, json!({"maybe": {}})),
        one("maybe.must", Code::Required)
    );
    assert_eq!(
        found(MAYBE, json!({"maybe": {"may": "y", "must": null}})),
        one("maybe.must", Code::Required)
    );
}

#[test]
fn an_undeclared_object_is_required_when_a_child_is() {
    let vars = r#"{"path": "booking.code", "type": "string", "required": true},
                  {"path": "booking.note", "type": "string"}"#;
    // Only the object is reported: its children are not looked for in a missing object.
    assert_eq!(found(vars, json!({})), one("booking", Code::Required));
    assert_eq!(
        found(vars, json!({"booking": null})),
        one("booking", Code::Required)
    );
    assert_eq!(
        found(vars, json!({"booking": {"note": "n"}})),
        one("booking.code", Code::Required)
    );
    valid(vars, json!({"booking": {"code": "BK-1"}}));
}

#[test]
fn required_ness_climbs_through_nested_undeclared_objects() {
    let vars = r#"{"path": "booking.details.code", "type": "string", "required": true}"#;
    assert_eq!(found(vars, json!({})), one("booking", Code::Required));
    assert_eq!(
        found(vars, json!({"booking": {}})),
        one("booking.details", Code::Required)
    );
    assert_eq!(
        found(vars, json!({"booking": {"details": {}}})),
        one("booking.details.code", Code::Required)
    );
}

#[test]
fn an_undeclared_object_with_only_optional_children_is_optional() {
    let vars = r#"{"path": "notes.text", "type": "text"}"#;
    valid(vars, json!({}));
    valid(vars, json!({"notes": {}}));
}

#[test]
fn required_keys_are_checked_in_every_array_item() {
    let vars = r#"{"path": "areas[].name", "type": "string", "required": true}"#;
    assert_eq!(found(vars, json!({})), one("areas", Code::Required));
    valid(vars, json!({"areas": []}));
    assert_eq!(
        found(
            vars,
            json!({"areas": [{"name": "deck"}, {}, {"name": null}]})
        ),
        [
            ("areas[1].name".to_owned(), Code::Required),
            ("areas[2].name".to_owned(), Code::Required),
        ]
    );
}

// --- type ---

#[test]
fn each_scalar_type_rejects_the_wrong_json_type() {
    let cases: [(&str, Value); 12] = [
        (r#""type": "string""#, json!(5)),
        (r#""type": "string""#, json!(["a"])),
        (r#""type": "text""#, json!(true)),
        (r#""type": "number""#, json!("5")),
        (r#""type": "integer""#, json!("5")),
        (r#""type": "boolean""#, json!("true")),
        (r#""type": "boolean""#, json!(0)),
        (r#""type": "date""#, json!(20260614)),
        (r#""type": "datetime""#, json!(1_781_000_000)),
        (r#""type": "enum", "values": ["a", "b"]"#, json!(1)),
        (
            r#""type": "image""#,
            json!({"url": "https://example.com/a.png"}),
        ),
        (r#""type": "signature""#, json!(true)),
    ];
    for (decl, value) in cases {
        let vars = format!(r#"{{"path": "v", {decl}}}"#);
        single(&vars, json!({ "v": value }), "v", Code::Type);
    }
}

#[test]
fn each_scalar_type_accepts_its_json_type() {
    let cases: [(&str, Value); 11] = [
        (r#""type": "string""#, json!("x")),
        (r#""type": "text""#, json!("line 1\nline 2")),
        (r#""type": "number""#, json!(1.5)),
        (r#""type": "number""#, json!(-3)),
        (r#""type": "integer""#, json!(-3)),
        (r#""type": "boolean""#, json!(false)),
        (r#""type": "date""#, json!("2026-06-14")),
        (r#""type": "datetime""#, json!("2026-06-14T15:00:00+02:00")),
        (r#""type": "enum", "values": ["a", "b"]"#, json!("b")),
        (r#""type": "image""#, json!("https://example.com/a.png")),
        (r#""type": "signature""#, json!("https://example.com/s.svg")),
    ];
    for (decl, value) in cases {
        let vars = format!(r#"{{"path": "v", {decl}}}"#);
        valid(&vars, json!({ "v": value }));
    }
}

const COUNT: &str = r#"{"path": "count", "type": "integer"}"#;

fn count(text: &str) -> Value {
    serde_json::from_str(&format!(r#"{{"count": {text}}}"#)).unwrap()
}

#[test]
fn an_integer_must_be_whole() {
    single(COUNT, count("1.5"), "count", Code::Type);
}

#[test]
fn an_integer_must_fit_in_i64() {
    valid(COUNT, count("9223372036854775807"));
    valid(COUNT, count("-9223372036854775808"));
    let v = single(COUNT, count("9223372036854775808"), "count", Code::Type); // 2^63
    assert!(v.message.contains("64-bit"), "{v}");
    single(COUNT, count("18446744073709551616"), "count", Code::Type); // 2^64
    single(COUNT, count("-9223372036854775809"), "count", Code::Type);
}

#[test]
fn an_object_rejects_other_json_types() {
    let vars = r#"{"path": "booking.code", "type": "string"}, {"path": "meta", "type": "object"}"#;
    let v = single(vars, json!({"booking": ["code"]}), "booking", Code::Type);
    assert_eq!(v.message, "expected an object, got an array");
    single(vars, json!({"booking": "BK-1"}), "booking", Code::Type);
    // A declared object without children takes any keys, but still only an object.
    single(vars, json!({"meta": [1, 2]}), "meta", Code::Type);
    valid(vars, json!({"meta": {"any": {"thing": [1]}}}));
}

#[test]
fn an_array_rejects_other_json_types() {
    let vars = r#"{"path": "areas[].name", "type": "string"},
                  {"path": "tags[]", "type": "array", "items": "string"}"#;
    let v = single(
        vars,
        json!({"areas": {"name": "deck"}}),
        "areas",
        Code::Type,
    );
    assert_eq!(v.message, "expected an array, got an object");
    single(vars, json!({"tags": "a,b"}), "tags", Code::Type);
}

#[test]
fn an_array_item_of_the_wrong_type_is_reported_at_its_index() {
    let vars = r#"{"path": "tags[]", "type": "array", "items": "string"},
                  {"path": "areas[].name", "type": "string"}"#;
    single(vars, json!({"tags": ["a", "b", 3]}), "tags[2]", Code::Type);
    single(vars, json!({"tags": ["a", null]}), "tags[1]", Code::Type);
    single(
        vars,
        json!({"areas": [{"name": "deck"}, "galley"]}),
        "areas[1]",
        Code::Type,
    );
    single(
        vars,
        json!({"areas": [{"name": "deck"}, {"name": 7}]}),
        "areas[1].name",
        Code::Type,
    );
}

// --- enum ---

#[test]
fn an_enum_value_must_be_listed_and_the_message_lists_the_values() {
    let vars =
        r#"{"path": "areas[].condition", "type": "enum", "values": ["ok", "worn", "damaged"]}"#;
    let v = single(
        vars,
        json!({"areas": [{"condition": "ok"}, {"condition": "bad"}]}),
        "areas[1].condition",
        Code::Enum,
    );
    assert!(v.message.contains("ok, worn, damaged"), "{v}");
    assert!(v.message.contains("\"bad\""), "{v}");
    // Case-sensitive, exactly.
    single(
        vars,
        json!({"areas": [{"condition": "OK"}]}),
        "areas[0].condition",
        Code::Enum,
    );
}

#[test]
fn an_array_of_enums_checks_each_item() {
    let vars = r#"{"path": "flags[]", "type": "array", "items": "enum", "values": ["a", "b"]}"#;
    valid(vars, json!({"flags": ["a", "b", "a"]}));
    single(vars, json!({"flags": ["a", "c"]}), "flags[1]", Code::Enum);
}

// --- format ---

#[test]
fn a_date_must_be_a_real_yyyy_mm_dd_date() {
    let vars = r#"{"path": "day", "type": "date"}"#;
    for bad in [
        "2026-02-30",
        "14/06/2026",
        "2026-6-14",
        "2026-02-29",
        "2026-06-14T00:00:00Z",
        "",
    ] {
        single(vars, json!({ "day": bad }), "day", Code::Format);
    }
    valid(vars, json!({"day": "2028-02-29"}));
    valid(vars, json!({"day": "2026-12-31"}));
}

#[test]
fn a_datetime_must_carry_an_offset() {
    let vars = r#"{"path": "at", "type": "datetime"}"#;
    for bad in [
        "2026-06-14T15:00:00",
        "2026-06-14 15:00",
        "2026-06-14",
        "2026-02-30T10:00:00Z",
    ] {
        single(vars, json!({ "at": bad }), "at", Code::Format);
    }
    for good in [
        "2026-06-14T15:00:00+02:00",
        "2026-06-14T13:00:00Z",
        "2026-11-24T10:02:11.200Z",
        "2026-06-14T15:00:00-05:30",
    ] {
        valid(vars, json!({ "at": good }));
    }
}

// --- image ---

#[test]
fn an_image_must_be_https_or_an_accepted_data_uri() {
    for ty in ["image", "signature"] {
        let vars = format!(r#"{{"path": "photo", "type": "{ty}"}}"#);
        for bad in [
            "http://example.com/a.png",
            "ftp://example.com/a.png",
            "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
            "data:image/png;base64,!!!not base64!!!",
            "example.com/a.png",
            "https://",
        ] {
            single(&vars, json!({ "photo": bad }), "photo", Code::Image);
        }
        for good in [
            "https://example.com/a.png",
            "https://cdn.example.com:8443/p/a.jpg?v=2#x",
            "data:image/png;base64,iVBORw0KGgo=",
            "data:image/jpeg;base64,/9j/4AAQ",
            "data:image/svg+xml;base64,PHN2Zy8+",
        ] {
            valid(&vars, json!({ "photo": good }));
        }
    }
}

#[test]
fn an_image_is_at_most_10_mib_decoded() {
    use base64::Engine as _;
    let vars = r#"{"path": "photo", "type": "image"}"#;
    let uri = |bytes: &[u8]| {
        let data = base64::engine::general_purpose::STANDARD.encode(bytes);
        json!({ "photo": format!("data:image/png;base64,{data}") })
    };
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.resize(10 * 1024 * 1024, 0);
    valid(vars, uri(&png));
    png.push(0);
    let v = single(vars, uri(&png), "photo", Code::Image);
    assert!(v.message.contains("10 MiB"), "{v}");
}

// --- min / max ---

#[test]
fn integer_bounds_give_min_and_max() {
    let vars = r#"{"path": "seats", "type": "integer", "minimum": 1, "maximum": 12}"#;
    let v = single(vars, json!({"seats": 0}), "seats", Code::Min);
    assert_eq!(v.message, "expected at least 1, got 0");
    let v = single(vars, json!({"seats": 13}), "seats", Code::Max);
    assert_eq!(v.message, "expected at most 12, got 13");
    valid(vars, json!({"seats": 1}));
    valid(vars, json!({"seats": 12}));
}

#[test]
fn number_bounds_give_min_and_max() {
    let vars = r#"{"path": "fuel", "type": "number", "minimum": 0.5, "maximum": 99.5}"#;
    single(vars, json!({"fuel": 0.49}), "fuel", Code::Min);
    single(vars, json!({"fuel": -3}), "fuel", Code::Min);
    single(vars, json!({"fuel": 99.51}), "fuel", Code::Max);
    single(vars, json!({"fuel": 100}), "fuel", Code::Max);
    valid(vars, json!({"fuel": 0.5}));
    valid(vars, json!({"fuel": 99.5}));
    valid(vars, json!({"fuel": 7}));
}

#[test]
fn big_integer_bounds_are_exact() {
    // 2^53 + 1: as f64 it would round to 2^53.
    let vars = r#"{"path": "n", "type": "integer", "maximum": 9007199254740993}"#;
    valid(vars, count_at("n", "9007199254740992"));
    valid(vars, count_at("n", "9007199254740993"));
    single(vars, count_at("n", "9007199254740994"), "n", Code::Max);
    let vars = r#"{"path": "n", "type": "integer", "minimum": 9007199254740993}"#;
    single(vars, count_at("n", "9007199254740992"), "n", Code::Min);
    valid(vars, count_at("n", "9007199254740993"));
}

fn count_at(key: &str, number: &str) -> Value {
    serde_json::from_str(&format!(r#"{{"{key}": {number}}}"#)).unwrap()
}

/// 9007199254740993 is above 9007199254740992.0 (a float that is exactly 2^53), but both are
/// the same `f64`, which is how mixed integer/float pairs are compared.
#[test]

fn an_integer_above_a_float_bound_by_less_than_f64_precision_is_over() {
    let vars = r#"{"path": "n", "type": "number", "maximum": 9007199254740992.0}"#;
    single(vars, count_at("n", "9007199254740993"), "n", Code::Max);
}

// --- length ---

#[test]
fn length_counts_unicode_scalar_values() {
    let vars = r#"{"path": "s", "type": "string", "minLength": 3, "maxLength": 3}"#;
    valid(vars, json!({"s": "ÄÖÜ"})); // 6 bytes, 3 characters
    valid(vars, json!({"s": "⛵🌊⚓"})); // 10 bytes, 3 characters
    let v = single(vars, json!({"s": "ÄÖ"}), "s", Code::Length);
    assert_eq!(v.message, "expected at least 3 characters, got 2");
    let v = single(vars, json!({"s": "ÄÖÜß"}), "s", Code::Length);
    assert_eq!(v.message, "expected at most 3 characters, got 4");
    // "e" + COMBINING ACUTE ACCENT is one grapheme but two scalar values.
    single(vars, json!({"s": "e\u{301}"}), "s", Code::Length);
    valid(vars, json!({"s": "ae\u{301}"}));
}

#[test]
fn text_has_length_bounds_too() {
    let vars = r#"{"path": "t", "type": "text", "maxLength": 5}"#;
    single(vars, json!({"t": "one\ntwo"}), "t", Code::Length);
    valid(vars, json!({"t": "a\nb"}));
}

// --- items ---

#[test]
fn array_length_bounds_give_items() {
    let vars = r#"{"path": "areas[]", "type": "array", "minItems": 1, "maxItems": 2},
                  {"path": "areas[].name", "type": "string"},
                  {"path": "tags[]", "type": "array", "items": "string", "maxItems": 2}"#;
    let v = single(vars, json!({"areas": []}), "areas", Code::Items);
    assert_eq!(v.message, "expected at least 1 items, got 0");
    single(vars, json!({"areas": [{}, {}, {}]}), "areas", Code::Items);
    single(vars, json!({"tags": ["a", "b", "c"]}), "tags", Code::Items);
    valid(
        vars,
        json!({"areas": [{}, {"name": "deck"}], "tags": ["a", "b"]}),
    );
}

#[test]
fn an_array_too_long_still_has_its_items_checked() {
    let vars = r#"{"path": "tags[]", "type": "array", "items": "string", "maxItems": 2}"#;
    assert_eq!(
        found(vars, json!({"tags": ["a", "b", 3]})),
        [
            ("tags".to_owned(), Code::Items),
            ("tags[2]".to_owned(), Code::Type)
        ]
    );
}

// --- paths ---

#[test]
fn nested_array_paths_carry_every_index() {
    let vars = r#"{"path": "areas[].name", "type": "string", "required": true},
                  {"path": "areas[].photos[]", "type": "array", "items": "image", "maxItems": 2}"#;
    single(
        vars,
        json!({"areas": [
            {"name": "deck", "photos": ["https://example.com/1.png"]},
            {"name": "galley", "photos": ["http://example.com/2.png", "https://example.com/3.png"]}
        ]}),
        "areas[1].photos[0]",
        Code::Image,
    );
    single(
        vars,
        json!({"areas": [{"name": "deck", "photos": ["https://a.example/1.png", "https://a.example/2.png", "https://a.example/3.png"]}]}),
        "areas[0].photos",
        Code::Items,
    );
}

#[test]
fn bounds_of_a_scalar_array_apply_to_each_item() {
    let vars = r#"{"path": "crew[]", "type": "array", "items": "string", "maxLength": 3},
                  {"path": "scores[]", "type": "array", "items": "integer", "minimum": 0}"#;
    let v = single(
        vars,
        json!({"crew": ["Ann", "Bobby", "Cy"]}),
        "crew[1]",
        Code::Length,
    );
    assert_eq!(v.message, "expected at most 3 characters, got 5");
    single(vars, json!({"scores": [3, 0, -1]}), "scores[2]", Code::Min);
}

#[test]
fn keys_that_are_not_rust_names_keep_their_json_spelling_in_paths() {
    let vars = r#"{"path": "Tenant Name.first-name", "type": "string", "required": true},
                  {"path": "ÄnderungsDatum", "type": "date"}"#;
    assert_eq!(
        found(
            vars,
            json!({"Tenant Name": {}, "ÄnderungsDatum": "gestern"})
        ),
        [
            ("Tenant Name.first-name".to_owned(), Code::Required),
            ("ÄnderungsDatum".to_owned(), Code::Format),
        ]
    );
}

#[test]
fn violations_come_in_manifest_order_and_all_at_once() {
    let vars = r#"{"path": "booking.code", "type": "string", "required": true, "maxLength": 4},
                  {"path": "areas[].condition", "type": "enum", "values": ["ok"], "required": true},
                  {"path": "seats", "type": "integer", "maximum": 9},
                  {"path": "signatures.captain", "type": "signature", "required": true}"#;
    assert_eq!(
        found(
            vars,
            json!({"seats": 10, "areas": [{"condition": "bad"}, {}], "booking": {"code": "BK-29"}})
        ),
        [
            ("booking.code".to_owned(), Code::Length),
            ("areas[0].condition".to_owned(), Code::Enum),
            ("areas[1].condition".to_owned(), Code::Required),
            ("seats".to_owned(), Code::Max),
            ("signatures".to_owned(), Code::Required),
        ]
    );
}

// --- unknown keys ---

#[test]
fn unknown_keys_are_listed_with_their_full_path_and_are_not_violations() {
    let vars = r#"{"path": "booking.code", "type": "string"},
                  {"path": "areas[].name", "type": "string"},
                  {"path": "meta", "type": "object"},
                  {"path": "qr", "type": "qrcode"}"#;
    let report = check(
        vars,
        json!({
            "booking": {"code": "BK-1", "extra": 1},
            "areas": [{"name": "deck", "extra": true}, {"name": "galley"}],
            "meta": {"free": "keys"},
            "qr": {"also": "free"},
            "extra": null
        }),
    );
    assert!(report.is_valid(), "{:#?}", report.violations);
    let keys: BTreeSet<&str> = report.unknown_keys.iter().map(String::as_str).collect();
    assert_eq!(
        keys,
        BTreeSet::from(["booking.extra", "areas[0].extra", "extra"])
    );
    assert_eq!(report.unknown_keys.len(), 3, "{:?}", report.unknown_keys);
}

// --- the root ---

#[test]
fn a_non_object_root_is_one_type_violation_at_the_empty_path() {
    let vars = r#"{"path": "guest", "type": "string", "required": true}"#;
    for root in [
        json!(null),
        json!([]),
        json!([{"guest": "x"}]),
        json!("guest"),
        json!(5),
        json!(true),
    ] {
        let report = check(vars, root.clone());
        assert_eq!(
            report.violations.len(),
            1,
            "{root}: {:?}",
            report.violations
        );
        assert_eq!(
            (
                report.violations[0].path.as_str(),
                report.violations[0].code
            ),
            ("", Code::Type),
            "{root}"
        );
        assert!(report.unknown_keys.is_empty());
        assert!(
            report.violations[0].to_string().starts_with("(data): "),
            "{}",
            report.violations[0]
        );
    }
}

#[test]
fn an_empty_manifest_accepts_any_object() {
    let report = check("", json!({"a": 1}));
    assert!(report.is_valid());
    assert_eq!(report.unknown_keys, ["a"]);
}

// --- unknown types ---

#[test]
fn an_unknown_type_accepts_any_json() {
    let vars = r#"{"path": "qr", "type": "qrcode", "required": true},
                  {"path": "codes[]", "type": "array", "items": "qrcode"}"#;
    for value in [
        json!("https://example.com"),
        json!(5),
        json!(-1.5),
        json!(false),
        json!({"payload": "x", "size": 3}),
        json!([1, "two", null]),
    ] {
        valid(
            vars,
            json!({"qr": value.clone(), "codes": [value.clone(), value]}),
        );
    }
    // Still required: present and not null.
    single(vars, json!({"qr": null}), "qr", Code::Required);
    single(vars, json!({}), "qr", Code::Required);
}

// --- property: any JSON ---

/// A manifest with every kind of node: implied and declared objects, arrays of objects and of
/// scalars (nested), bounds, enums, an opaque object and an unknown type.
const EVERYTHING: &str = r#"
    {"path": "booking.code", "type": "string", "required": true, "maxLength": 8},
    {"path": "booking.day", "type": "date"},
    {"path": "booking.at", "type": "datetime"},
    {"path": "areas[]", "type": "array", "minItems": 1, "maxItems": 3},
    {"path": "areas[].name", "type": "text", "required": true, "minLength": 1},
    {"path": "areas[].condition", "type": "enum", "values": ["ok", "worn"]},
    {"path": "areas[].photos[]", "type": "array", "items": "image", "maxItems": 2},
    {"path": "areas[].checks[].done", "type": "boolean", "required": true},
    {"path": "crew[]", "type": "array", "items": "string", "maxLength": 3},
    {"path": "flags[]", "type": "array", "items": "enum", "values": ["a", "b"]},
    {"path": "seats", "type": "integer", "minimum": 1, "maximum": 9007199254740993},
    {"path": "fuel", "type": "number", "minimum": -0.5, "maximum": 1e3},
    {"path": "ok", "type": "boolean"},
    {"path": "maybe", "type": "object"},
    {"path": "maybe.must", "type": "string", "required": true},
    {"path": "meta", "type": "object"},
    {"path": "qr", "type": "qrcode"},
    {"path": "sig", "type": "signature", "required": true}
"#;

const KEYS: &[&str] = &[
    "booking",
    "code",
    "day",
    "at",
    "areas",
    "name",
    "condition",
    "photos",
    "checks",
    "done",
    "crew",
    "flags",
    "seats",
    "fuel",
    "ok",
    "maybe",
    "must",
    "meta",
    "qr",
    "sig",
];

/// Every path of the tree, as written in the manifest (`areas[]`, `areas[].name`), with each
/// array also without its `[]` (where data paths name the array itself).
fn tree_paths(object: &Object, out: &mut BTreeSet<String>) {
    for Field { path, node, .. } in &object.fields {
        out.insert(path.clone());
        if let Some(array) = path.strip_suffix("[]") {
            out.insert(array.to_owned());
        }
        match node {
            Node::Object(inner)
            | Node::Array(craftkit_core::manifest::Array {
                items: Items::Object(inner),
                ..
            }) => tree_paths(inner, out),
            _ => {}
        }
    }
}

/// A data path with its indices blanked: `areas[1].photos[0]` -> `areas[].photos[]`.
fn blank_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            c => out.push(c),
        }
    }
    out
}

fn json_string() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,12}",
        prop::sample::select(vec![
            "",
            "ok",
            "worn",
            "a",
            "ÄÖÜ",
            "2026-06-14",
            "2026-02-30",
            "2026-06-14T15:00:00+02:00",
            "2026-06-14T15:00:00",
            "https://example.com/a.png",
            "http://example.com/a.png",
            "data:image/png;base64,iVBORw0KGgo=",
            "data:image/png;base64,!!",
            "data:",
        ])
        .prop_map(str::to_owned),
    ]
}

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => "[a-z.\\[\\]]{0,5}",
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e20f64..1e20).prop_map(Value::from),
        Just(json!(9007199254740993u64)),
        json_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(json_key(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn json_data() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => json_value(),
        4 => prop::collection::btree_map(json_key(), json_value(), 0..12)
            .prop_map(|map| Value::Object(map.into_iter().collect())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_json_is_validated_without_panic_and_with_declared_paths(data in json_data()) {
        let tree = tree(EVERYTHING);
        let mut declared = BTreeSet::new();
        tree_paths(tree.root(), &mut declared);
        let top: BTreeSet<&str> = tree.root().fields.iter().map(|f| f.key.as_str()).collect();

        let report = data::validate(&tree, &data);

        if !data.is_object() {
            prop_assert_eq!(report.violations.len(), 1);
            prop_assert_eq!(report.violations[0].path.as_str(), "");
            prop_assert_eq!(report.violations[0].code, Code::Type);
            prop_assert!(report.unknown_keys.is_empty());
            return Ok(());
        }
        for violation in &report.violations {
            let first = violation.path.split(['.', '[']).next().unwrap_or_default();
            prop_assert!(
                top.contains(first),
                "violation at `{}` does not start with a declared key: {}", violation.path, violation
            );
            let shape = blank_indices(&violation.path);
            prop_assert!(
                declared.contains(&shape),
                "violation at `{}` ({}) is not a manifest path: {}", violation.path, shape, violation
            );
            prop_assert!(!violation.message.is_empty());
        }
        for key in &report.unknown_keys {
            prop_assert!(
                !declared.contains(&blank_indices(key)),
                "`{}` is declared but reported unknown", key
            );
        }
        // Validation is a pure function of the data.
        prop_assert_eq!(&data::validate(&tree, &data), &report);
    }
}

//! `Manifest::compare` follows the spec's compatibility table ("Compatibility between two
//! manifests" in `spec/manifest.md`) row by row: for each kind of change between the compiled
//! manifest and the live one, the exact changes reported (path, kind, breaking), including
//! implied objects whose required-ness follows from their children, bounds compared by value,
//! and no spurious changes for identical or merely reformatted manifests.

use craftkit_core::data;
use craftkit_core::manifest::{Change, ChangeKind, Compatibility, Manifest};

/// A valid `html` manifest, version 1, with these variables (JSON array items, no brackets).
fn manifest(variables: &str) -> Manifest {
    manifest_with("", variables)
}

/// As [`manifest`], with extra top-level fields (`"name": "x",` ...; each ending in a comma)
/// that override the defaults.
fn manifest_with(extra: &str, variables: &str) -> Manifest {
    let text = format!(
        r#"{{"slug": "compat-test", {extra} "variables": [{variables}]{defaults}}}"#,
        defaults = defaults_not_in(extra)
    );
    Manifest::from_json(&text).unwrap_or_else(|e| panic!("test manifest is invalid: {e}\n{text}"))
}

fn defaults_not_in(extra: &str) -> String {
    let mut out = String::new();
    if !extra.contains("\"version\"") {
        out.push_str(r#", "version": 1"#);
    }
    if !extra.contains("\"pipeline\"") {
        out.push_str(r#", "pipeline": "html""#);
    }
    out
}

fn compare(compiled: &Manifest, live: &Manifest) -> Compatibility {
    compiled
        .compare(live)
        .unwrap_or_else(|e| panic!("compare failed: {e}"))
}

/// The changes from a manifest with `old` variables to one with `new` variables.
fn changes(old: &str, new: &str) -> Vec<Change> {
    compare(&manifest(old), &manifest(new)).changes
}

fn at(path: &str, kind: ChangeKind, breaking: bool) -> Change {
    Change {
        path: Some(path.to_owned()),
        kind,
        breaking,
    }
}

fn top(kind: ChangeKind) -> Change {
    Change {
        path: None,
        kind,
        breaking: false,
    }
}

fn type_changed(from: &str, to: &str) -> ChangeKind {
    ChangeKind::TypeChanged {
        from: from.to_owned(),
        to: to.to_owned(),
    }
}

fn bound(bound: &'static str, from: Option<&str>, to: Option<&str>) -> ChangeKind {
    ChangeKind::BoundChanged {
        bound,
        from: from.map(str::to_owned),
        to: to.map(str::to_owned),
    }
}

const CODE: &str = r#"{"path": "booking.code", "type": "string", "required": true}"#;

// --- a new variable ---

#[test]
fn a_new_optional_variable_is_compatible() {
    let found = changes(
        CODE,
        &format!(r#"{CODE}, {{"path": "booking.note", "type": "text"}}"#),
    );
    assert_eq!(
        found,
        [at(
            "booking.note",
            ChangeKind::Added { required: false },
            false
        )]
    );
}

#[test]
fn a_new_required_variable_is_breaking() {
    let found = changes(
        CODE,
        &format!(r#"{CODE}, {{"path": "booking.seats", "type": "integer", "required": true}}"#),
    );
    assert_eq!(
        found,
        [at(
            "booking.seats",
            ChangeKind::Added { required: true },
            true
        )]
    );
}

#[test]
fn an_optional_variable_made_required_is_breaking() {
    let found = changes(
        r#"{"path": "guest", "type": "string"}"#,
        r#"{"path": "guest", "type": "string", "required": true}"#,
    );
    assert_eq!(found, [at("guest", ChangeKind::MadeRequired, true)]);
}

#[test]
fn a_required_variable_made_optional_is_compatible() {
    let found = changes(
        r#"{"path": "guest", "type": "string", "required": true}"#,
        r#"{"path": "guest", "type": "string", "required": false}"#,
    );
    assert_eq!(found, [at("guest", ChangeKind::MadeOptional, false)]);
}

// --- a variable removed ---

#[test]
fn a_removed_variable_is_compatible() {
    let found = changes(
        &format!(r#"{CODE}, {{"path": "guest", "type": "string", "required": true}}"#),
        CODE,
    );
    assert_eq!(found, [at("guest", ChangeKind::Removed, false)]);
}

#[test]
fn a_removed_object_reports_only_its_own_path() {
    let found = changes(
        &format!(
            r#"{CODE},
            {{"path": "crew", "type": "object", "description": "who sails"}},
            {{"path": "crew.captain", "type": "string", "required": true}},
            {{"path": "crew.cook.name", "type": "string"}},
            {{"path": "areas[].name", "type": "string", "required": true}},
            {{"path": "areas[].photos[]", "type": "array", "items": "image"}}"#
        ),
        CODE,
    );
    assert_eq!(
        found,
        [
            at("crew", ChangeKind::Removed, false),
            at("areas[]", ChangeKind::Removed, false),
        ]
    );
}

#[test]
fn a_new_optional_object_with_children_reports_only_the_object() {
    let found = changes(
        CODE,
        &format!(
            r#"{CODE},
            {{"path": "crew", "type": "object"}},
            {{"path": "crew.captain", "type": "string", "required": true}},
            {{"path": "crew.cook.name", "type": "string", "required": true}}"#
        ),
    );
    assert_eq!(
        found,
        [at("crew", ChangeKind::Added { required: false }, false)]
    );
}

#[test]
fn a_new_implied_array_of_optional_items_reports_only_the_array() {
    let found = changes(
        CODE,
        &format!(
            r#"{CODE}, {{"path": "areas[].name", "type": "string"}},
            {{"path": "areas[].photos[]", "type": "array", "items": "image"}}"#
        ),
    );
    assert_eq!(
        found,
        [at("areas[]", ChangeKind::Added { required: false }, false)]
    );
}

// --- a type changed ---

#[test]
fn string_to_integer_is_a_breaking_type_change() {
    let found = changes(
        r#"{"path": "seats", "type": "string"}"#,
        r#"{"path": "seats", "type": "integer"}"#,
    );
    assert_eq!(
        found,
        [at("seats", type_changed("string", "integer"), true)]
    );
}

#[test]
fn array_of_strings_to_array_of_objects_is_a_breaking_type_change() {
    let found = changes(
        r#"{"path": "tags[]", "type": "array", "items": "string"}"#,
        r#"{"path": "tags[].label", "type": "string"}"#,
    );
    assert_eq!(
        found,
        [
            at(
                "tags[]",
                type_changed("array of string", "array of objects"),
                true
            ),
            // The item key is new too; it is optional, so this part alone would be compatible.
            at("tags[].label", ChangeKind::Added { required: false }, false),
        ]
    );
}

#[test]
fn object_to_string_is_a_breaking_type_change() {
    let found = changes(
        r#"{"path": "booking.code", "type": "string"}"#,
        r#"{"path": "booking", "type": "string"}"#,
    );
    assert_eq!(
        found,
        [
            at("booking", type_changed("object", "string"), true),
            at("booking.code", ChangeKind::Removed, false),
        ]
    );
}

#[test]
fn a_type_change_also_reports_bounds_that_no_longer_apply() {
    let found = changes(
        r#"{"path": "seats", "type": "string", "maxLength": 4}"#,
        r#"{"path": "seats", "type": "integer", "minimum": 1}"#,
    );
    assert_eq!(
        found,
        [
            at("seats", type_changed("string", "integer"), true),
            at("seats", bound("maxLength", Some("4"), None), false),
            at("seats", bound("minimum", None, Some("1")), true),
        ]
    );
}

/// `tags` and `tags[]` are the same JSON key: code generated from the old manifest sends a
/// string where the live one wants an array, and the server rejects it with `type`.
#[test]
fn scalar_to_array_under_the_same_key_is_a_breaking_type_change() {
    let (old, live) = (
        manifest(r#"{"path": "tags", "type": "string"}"#),
        manifest(r#"{"path": "tags[]", "type": "array", "items": "string"}"#),
    );
    let sent_by_old_code = serde_json::json!({"tags": "sails"});
    let report = data::validate(&live.tree().unwrap(), &sent_by_old_code);
    assert_eq!(
        report.violations[0].code,
        data::Code::Type,
        "the live template rejects it"
    );
    let compat = compare(&old, &live);
    assert!(compat.is_breaking(), "{compat}\n{compat:?}");
    assert!(
        compat
            .breaking()
            .any(|c| matches!(c.kind, ChangeKind::TypeChanged { .. })
                && matches!(c.path.as_deref(), Some("tags" | "tags[]"))),
        "{compat:?}"
    );
}

/// As above for an implied object turned into an implied array of objects with the same keys:
/// old code sends `{"booking": {"code": ..}}`, the live template wants `{"booking": [..]}`.
#[test]
fn object_to_array_under_the_same_key_is_a_breaking_type_change() {
    let (old, live) = (
        manifest(r#"{"path": "booking.code", "type": "string"}"#),
        manifest(r#"{"path": "booking[].code", "type": "string"}"#),
    );
    let sent_by_old_code = serde_json::json!({"booking": {"code": "BK-1"}});
    let report = data::validate(&live.tree().unwrap(), &sent_by_old_code);
    assert_eq!(
        report.violations[0].code,
        data::Code::Type,
        "the live template rejects it"
    );
    let compat = compare(&old, &live);
    assert!(compat.is_breaking(), "{compat}\n{compat:?}");
    assert!(
        compat
            .breaking()
            .any(|c| matches!(c.kind, ChangeKind::TypeChanged { .. })
                && matches!(c.path.as_deref(), Some("booking" | "booking[]"))),
        "{compat:?}"
    );
}

// --- enum values ---

const STATE: &str = r#"{"path": "state", "type": "enum", "values": ["ok", "worn", "damaged"]}"#;

#[test]
fn an_enum_value_removed_is_breaking() {
    let found = changes(
        STATE,
        r#"{"path": "state", "type": "enum", "values": ["ok", "damaged"]}"#,
    );
    assert_eq!(
        found,
        [at(
            "state",
            ChangeKind::EnumValueRemoved("worn".into()),
            true
        )]
    );
}

#[test]
fn an_enum_value_added_is_compatible() {
    let found = changes(
        STATE,
        r#"{"path": "state", "type": "enum", "values": ["ok", "worn", "damaged", "missing"]}"#,
    );
    assert_eq!(
        found,
        [at(
            "state",
            ChangeKind::EnumValueAdded("missing".into()),
            false
        )]
    );
}

#[test]
fn enum_values_reordered_are_no_change() {
    let found = changes(
        STATE,
        r#"{"path": "state", "type": "enum", "values": ["damaged", "ok", "worn"]}"#,
    );
    assert_eq!(found, []);
}

#[test]
fn enum_values_of_an_array_of_enums_are_compared_too() {
    let found = changes(
        r#"{"path": "flags[]", "type": "array", "items": "enum", "values": ["a", "b"]}"#,
        r#"{"path": "flags[]", "type": "array", "items": "enum", "values": ["b", "c"]}"#,
    );
    assert_eq!(
        found,
        [
            at("flags[]", ChangeKind::EnumValueRemoved("a".into()), true),
            at("flags[]", ChangeKind::EnumValueAdded("c".into()), false),
        ]
    );
}

// --- bounds ---

/// The single change from `old` to `new` bounds on a variable of `ty` (with `extra` fields).
fn bound_change(ty: &str, extra: &str, old: &str, new: &str) -> Vec<Change> {
    let var = |bounds: &str| {
        let sep = if bounds.is_empty() { "" } else { ", " };
        format!(r#"{{"path": "v", "type": "{ty}"{extra}{sep}{bounds}}}"#)
    };
    changes(&var(old), &var(new))
}

#[test]
fn max_length_lower_is_breaking_and_higher_is_compatible() {
    assert_eq!(
        bound_change("string", "", r#""maxLength": 16"#, r#""maxLength": 8"#),
        [at("v", bound("maxLength", Some("16"), Some("8")), true)]
    );
    assert_eq!(
        bound_change("text", "", r#""maxLength": 16"#, r#""maxLength": 32"#),
        [at("v", bound("maxLength", Some("16"), Some("32")), false)]
    );
}

#[test]
fn min_length_higher_is_breaking_and_lower_is_compatible() {
    assert_eq!(
        bound_change("string", "", r#""minLength": 2"#, r#""minLength": 3"#),
        [at("v", bound("minLength", Some("2"), Some("3")), true)]
    );
    assert_eq!(
        bound_change("string", "", r#""minLength": 2"#, r#""minLength": 1"#),
        [at("v", bound("minLength", Some("2"), Some("1")), false)]
    );
}

#[test]
fn minimum_higher_is_breaking_and_lower_is_compatible() {
    assert_eq!(
        bound_change("integer", "", r#""minimum": 0"#, r#""minimum": 1"#),
        [at("v", bound("minimum", Some("0"), Some("1")), true)]
    );
    assert_eq!(
        bound_change("number", "", r#""minimum": 0.5"#, r#""minimum": -0.5"#),
        [at("v", bound("minimum", Some("0.5"), Some("-0.5")), false)]
    );
}

#[test]
fn maximum_lower_is_breaking_and_higher_is_compatible() {
    assert_eq!(
        bound_change("number", "", r#""maximum": 10"#, r#""maximum": 9.5"#),
        [at("v", bound("maximum", Some("10"), Some("9.5")), true)]
    );
    assert_eq!(
        bound_change("integer", "", r#""maximum": 10"#, r#""maximum": 11"#),
        [at("v", bound("maximum", Some("10"), Some("11")), false)]
    );
}

#[test]
fn big_integer_bounds_are_compared_exactly() {
    // 2^53 + 1 and 2^53 are the same f64; as bounds they differ by one.
    assert_eq!(
        bound_change(
            "integer",
            "",
            r#""maximum": 9007199254740993"#,
            r#""maximum": 9007199254740992"#
        ),
        [at(
            "v",
            bound(
                "maximum",
                Some("9007199254740993"),
                Some("9007199254740992")
            ),
            true
        )]
    );
}

/// `minItems`/`maxItems` live on arrays, whose paths end in `[]`.
fn array_bound_change(old: &str, new: &str) -> Vec<Change> {
    let var = |bounds: &str| {
        format!(r#"{{"path": "crew[]", "type": "array", "items": "string", {bounds}}}"#)
    };
    changes(&var(old), &var(new))
}

#[test]
fn min_items_higher_is_breaking_and_lower_is_compatible() {
    assert_eq!(
        array_bound_change(r#""minItems": 1"#, r#""minItems": 2"#),
        [at("crew[]", bound("minItems", Some("1"), Some("2")), true)]
    );
    assert_eq!(
        array_bound_change(r#""minItems": 1"#, r#""minItems": 0"#),
        [at("crew[]", bound("minItems", Some("1"), Some("0")), false)]
    );
}

#[test]
fn max_items_lower_is_breaking_and_higher_is_compatible() {
    assert_eq!(
        array_bound_change(r#""maxItems": 6"#, r#""maxItems": 5"#),
        [at("crew[]", bound("maxItems", Some("6"), Some("5")), true)]
    );
    assert_eq!(
        array_bound_change(r#""maxItems": 6"#, r#""maxItems": 60"#),
        [at(
            "crew[]",
            bound("maxItems", Some("6"), Some("60")),
            false
        )]
    );
}

#[test]
fn item_bounds_of_a_scalar_array_are_compared() {
    assert_eq!(
        array_bound_change(r#""maxLength": 20"#, r#""maxLength": 10"#),
        [at(
            "crew[]",
            bound("maxLength", Some("20"), Some("10")),
            true
        )]
    );
}

#[test]
fn a_bound_added_is_tighter_and_a_bound_removed_is_looser() {
    for name in ["minLength", "maxLength"] {
        assert_eq!(
            bound_change("string", "", "", &format!(r#""{name}": 3"#)),
            [at("v", bound(name, None, Some("3")), true)],
            "{name} added"
        );
        assert_eq!(
            bound_change("string", "", &format!(r#""{name}": 3"#), ""),
            [at("v", bound(name, Some("3"), None), false)],
            "{name} removed"
        );
    }
    for name in ["minimum", "maximum"] {
        assert_eq!(
            bound_change("number", "", "", &format!(r#""{name}": 3"#)),
            [at("v", bound(name, None, Some("3")), true)],
            "{name} added"
        );
        assert_eq!(
            bound_change("number", "", &format!(r#""{name}": 3"#), ""),
            [at("v", bound(name, Some("3"), None), false)],
            "{name} removed"
        );
    }
    for name in ["minItems", "maxItems"] {
        assert_eq!(
            array_bound_change(r#""description": "x""#, &format!(r#""{name}": 3"#)),
            [
                at("crew[]", bound(name, None, Some("3")), true),
                at("crew[]", ChangeKind::DescriptionChanged, false),
            ],
            "{name} added"
        );
        assert_eq!(
            array_bound_change(&format!(r#""{name}": 3"#), r#""description": "x""#),
            [
                at("crew[]", bound(name, Some("3"), None), false),
                at("crew[]", ChangeKind::DescriptionChanged, false),
            ],
            "{name} removed"
        );
    }
}

#[test]
fn equal_numbers_written_differently_are_no_change() {
    assert_eq!(
        bound_change(
            "number",
            "",
            r#""minimum": 5, "maximum": 10.0"#,
            r#""minimum": 5.0, "maximum": 10"#
        ),
        []
    );
    assert_eq!(
        bound_change("number", "", r#""maximum": 1e2"#, r#""maximum": 100"#),
        []
    );
}

// --- documentation and template-level changes ---

#[test]
fn description_and_example_changes_are_compatible() {
    let found = changes(
        r#"{"path": "guest", "type": "string", "description": "Guest", "example": "Ann"}"#,
        r#"{"path": "guest", "type": "string", "description": "Lead guest", "example": "Bo"}"#,
    );
    assert_eq!(
        found,
        [
            at("guest", ChangeKind::DescriptionChanged, false),
            at("guest", ChangeKind::ExampleChanged, false),
        ]
    );
}

#[test]
fn format_hint_change_is_compatible() {
    let found = changes(
        r#"{"path": "contact", "type": "string", "format": "email"}"#,
        r#"{"path": "contact", "type": "string", "format": "phone"}"#,
    );
    assert_eq!(found, [at("contact", ChangeKind::FormatChanged, false)]);
}

#[test]
fn name_description_and_version_changes_are_compatible() {
    let old = manifest_with(
        r#""name": "Charter handover", "description": "Old text", "version": 11,"#,
        CODE,
    );
    let new = manifest_with(
        r#""name": "Yacht handover", "description": "New text", "version": 12,"#,
        CODE,
    );
    let compat = compare(&old, &new);
    assert_eq!(
        compat.changes,
        [
            top(ChangeKind::VersionChanged { from: 11, to: 12 }),
            top(ChangeKind::NameChanged),
            top(ChangeKind::TemplateDescriptionChanged),
        ]
    );
    assert!(!compat.is_breaking());
}

#[test]
fn a_pipeline_change_is_compatible_and_reported() {
    let old = manifest_with(r#""pipeline": "html","#, CODE);
    let new = manifest_with(r#""pipeline": "pdf-form","#, CODE);
    let compat = compare(&old, &new);
    assert_eq!(
        compat.changes,
        [top(ChangeKind::PipelineChanged {
            from: "html".into(),
            to: "pdf-form".into()
        })]
    );
    assert!(!compat.is_breaking());
    assert_eq!(compat.compatible().count(), 1);
}

#[test]
fn status_and_updated_at_are_not_changes() {
    let old = manifest_with(
        r#""status": "published", "updatedAt": "2026-11-20T09:14:03Z","#,
        CODE,
    );
    let new = manifest_with(r#""updatedAt": "2026-12-01T00:00:00Z","#, CODE);
    assert_eq!(compare(&old, &new).changes, []);
}

// --- implied objects ---

/// The spec: "An undeclared object or array is required when anything directly inside it is
/// required". Code generated from the old manifest may leave `booking` out entirely; the live
/// manifest requires it (and `booking.ref` inside it), so both are breaking.
#[test]
fn a_required_child_makes_an_undeclared_optional_object_required() {
    let old = r#"{"path": "booking.note", "type": "string"}"#;
    let new = r#"{"path": "booking.note", "type": "string"},
                 {"path": "booking.ref", "type": "string", "required": true}"#;
    // The spec's rule, checked on the trees themselves.
    let required = |m: &Manifest| m.tree().unwrap().root().fields[0].required;
    assert!(!required(&manifest(old)), "all children optional: optional");
    assert!(required(&manifest(new)), "a required child: required");

    let compat = compare(&manifest(old), &manifest(new));
    assert_eq!(
        compat.changes,
        [
            at("booking", ChangeKind::MadeRequired, true),
            at("booking.ref", ChangeKind::Added { required: true }, true),
        ]
    );
    assert_eq!(compat.breaking().count(), 2);
}

#[test]
fn required_ness_propagates_through_nested_undeclared_objects() {
    let compat = compare(
        &manifest(r#"{"path": "a.b.c", "type": "string"}"#),
        &manifest(r#"{"path": "a.b.c", "type": "string", "required": true}"#),
    );
    assert_eq!(
        compat.changes,
        [
            at("a", ChangeKind::MadeRequired, true),
            at("a.b", ChangeKind::MadeRequired, true),
            at("a.b.c", ChangeKind::MadeRequired, true),
        ]
    );
}

#[test]
fn an_undeclared_array_follows_its_items_required_ness() {
    let compat = compare(
        &manifest(r#"{"path": "areas[].name", "type": "string", "required": true}"#),
        &manifest(r#"{"path": "areas[].name", "type": "string"}"#),
    );
    assert_eq!(
        compat.changes,
        [
            at("areas[]", ChangeKind::MadeOptional, false),
            at("areas[].name", ChangeKind::MadeOptional, false),
        ]
    );
}

/// A declared optional object stays optional whatever its children are: the new required key
/// is breaking, the object itself is not.
#[test]
fn a_declared_optional_object_stays_optional_with_a_new_required_child() {
    let old = r#"{"path": "maybe", "type": "object"}, {"path": "maybe.x", "type": "string"}"#;
    let new = r#"{"path": "maybe", "type": "object"}, {"path": "maybe.x", "type": "string"},
                 {"path": "maybe.must", "type": "string", "required": true}"#;
    assert_eq!(
        changes(old, new),
        [at("maybe.must", ChangeKind::Added { required: true }, true)]
    );
}

#[test]
fn declaring_an_implied_object_with_the_same_required_ness_is_only_documentation() {
    let found = changes(
        CODE,
        &format!(
            r#"{{"path": "booking", "type": "object", "required": true, "description": "The booking"}}, {CODE}"#
        ),
    );
    assert_eq!(
        found,
        [at("booking", ChangeKind::DescriptionChanged, false)]
    );
}

// --- no changes ---

const FULL: &str = r#"{
  "slug": "charter-handover",
  "name": "Charter handover",
  "description": "Signed hand-over of a chartered yacht at embarkation.",
  "version": 12,
  "status": "published",
  "pipeline": "html",
  "updatedAt": "2026-11-20T09:14:03Z",
  "variables": [
    {"path": "booking.code", "type": "string", "required": true, "description": "Booking reference", "example": "BK-2931", "maxLength": 16},
    {"path": "areas[]", "type": "array", "required": true, "minItems": 1, "description": "One row per inspected area"},
    {"path": "areas[].name", "type": "string", "required": true},
    {"path": "areas[].condition", "type": "enum", "values": ["ok", "worn", "damaged"], "required": true},
    {"path": "areas[].photos[]", "type": "array", "items": "image", "maxItems": 6},
    {"path": "fuel", "type": "number", "minimum": 0, "maximum": 100},
    {"path": "qr", "type": "qrcode"},
    {"path": "signatures.captain", "type": "signature", "required": true}
  ]
}"#;

#[test]
fn identical_manifests_have_no_changes() {
    let m = Manifest::from_json(FULL).unwrap();
    let compat = compare(&m, &m.clone());
    assert_eq!(compat.changes, []);
    assert!(!compat.is_breaking());
    assert_eq!(compat.to_string(), "no changes");
}

#[test]
fn key_order_and_white_space_are_no_changes() {
    let reordered = r#"{"variables":[
        {"required":true,"maxLength":16,"example":"BK-2931","description":"Booking reference","type":"string","path":"booking.code"},
        {"description":"One row per inspected area","minItems":1,"required":true,"type":"array","path":"areas[]"},
        {"required":true,"type":"string","path":"areas[].name"},
        {"required":true,"values":["ok","worn","damaged"],"type":"enum","path":"areas[].condition"},
        {"maxItems":6,"items":"image","type":"array","path":"areas[].photos[]"},
        {"maximum":100,"minimum":0,"type":"number","path":"fuel"},
        {"type":"qrcode","path":"qr"},
        {"required":true,"type":"signature","path":"signatures.captain"}],
      "updatedAt":"2026-11-20T09:14:03Z","pipeline":"html","status":"published","version":12,
      "description":"Signed hand-over of a chartered yacht at embarkation.","name":"Charter handover",
      "slug":"charter-handover","someFutureField":{"ignored":true}}"#;
    let old = Manifest::from_json(FULL).unwrap();
    let new = Manifest::from_json(reordered).unwrap();
    assert_eq!(compare(&old, &new).changes, []);
    assert_eq!(compare(&new, &old).changes, []);
}

// --- the whole report ---

#[test]
fn breaking_and_compatible_split_the_changes() {
    let compat = compare(
        &manifest_with(r#""version": 1,"#, STATE),
        &manifest_with(
            r#""version": 2,"#,
            r#"{"path": "state", "type": "enum", "values": ["ok", "worn", "lost"], "required": true},
               {"path": "note", "type": "text"}"#,
        ),
    );
    let breaking: Vec<&Change> = compat.breaking().collect();
    let compatible: Vec<&Change> = compat.compatible().collect();
    assert!(compat.is_breaking());
    assert_eq!(
        breaking,
        [
            &at("state", ChangeKind::MadeRequired, true),
            &at(
                "state",
                ChangeKind::EnumValueRemoved("damaged".into()),
                true
            ),
        ]
    );
    assert_eq!(
        compatible,
        [
            &top(ChangeKind::VersionChanged { from: 1, to: 2 }),
            &at("state", ChangeKind::EnumValueAdded("lost".into()), false),
            &at("note", ChangeKind::Added { required: false }, false),
        ]
    );
    assert_eq!(compat.changes.len(), 5);
}

#[test]
fn display_reads_well() {
    let compat = compare(
        &manifest_with(
            r#""version": 3,"#,
            r#"{"path": "booking.code", "type": "string", "maxLength": 16}"#,
        ),
        &manifest_with(
            r#""version": 4,"#,
            r#"{"path": "booking.code", "type": "string", "maxLength": 8, "required": true}"#,
        ),
    );
    let text = compat.to_string();
    assert!(text.contains("breaking"), "{text}");
    assert!(text.contains("booking.code"), "{text}");
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [
            "compatible: version 3 -> 4",
            "breaking:   `booking`: optional -> required",
            "breaking:   `booking.code`: optional -> required",
            "breaking:   `booking.code`: maxLength 16 -> 8",
        ]
    );
    let one = at("guest", ChangeKind::Removed, false).to_string();
    assert_eq!(
        one,
        "compatible: `guest`: removed (the server ignores the key and warns)"
    );
}

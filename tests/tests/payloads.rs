//! The payload fixtures against the generated `CharterHandover`: a valid payload round-trips
//! exactly; each defect of the invalid one fails to deserialize with its path, or (for bounds)
//! fails `Template::validate`; and the shared data validator finds exactly the expected
//! violations. Each fixture template also goes through serde's derived `Serialize` (an
//! attribute on every type keeps it), and both tell a serializer the same thing.
//!
//! The types come from `#[craftkit_template]` reading the workspace's manifest cache
//! (`.craftkit/manifests/`), compiled under `#![deny(warnings)]` as a user's crate would be.
#![deny(warnings)]

use craftkit_runtime::serde::Serialize;
use craftkit_runtime::serde::de::DeserializeOwned;
use craftkit_runtime::{Template, data};
use serde_json::{Value, json};
use via_macro::CharterHandover;

/// The fixture templates through the attribute macro; the four share one module, so their
/// nested types must not collide.
mod via_macro {
    use craftkit_runtime::craftkit_template;

    /// The charter hand-over document.
    #[craftkit_template("charter-handover")]
    pub struct CharterHandover;

    /// An invoice.
    #[craftkit_template("invoice")]
    pub struct Invoice;

    /// Every shape the generator handles.
    #[craftkit_template("kitchen-sink")]
    pub struct KitchenSink;

    /// A fillable lease form.
    #[craftkit_template("lease-form")]
    pub struct LeaseForm;
}

/// The same templates, an attribute on every type: each derives serde's `Serialize` (and each
/// enum its `Deserialize`).
mod derived {
    use craftkit_runtime::craftkit_template;

    /// The charter hand-over document.
    #[craftkit_template("charter-handover", attributes(#[doc(alias = "derived")]))]
    pub struct CharterHandover;

    /// An invoice.
    #[craftkit_template("invoice", attributes(#[doc(alias = "derived")]))]
    pub struct Invoice;

    /// Every shape the generator handles.
    #[craftkit_template("kitchen-sink", attributes(#[doc(alias = "derived")]))]
    pub struct KitchenSink;

    /// A fillable lease form.
    #[craftkit_template("lease-form", attributes(#[doc(alias = "derived")]))]
    pub struct LeaseForm;
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/payloads/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn decode(value: &Value) -> Result<CharterHandover, serde_path_to_error::Error<serde_json::Error>> {
    serde_path_to_error::deserialize(value)
}

#[test]
fn the_valid_payload_round_trips_to_the_same_json() {
    let valid = fixture("charter-handover.valid.json");
    let payload = decode(&valid).expect("the valid fixture deserializes");
    assert_eq!(serde_json::to_value(&payload).unwrap(), valid);
    payload
        .validate()
        .expect("the valid fixture is within bounds");
    // and through the snapshot's type, which must be the same code
    let snapshot: craftkit_tests::snapshots::charter_handover_file::CharterHandover =
        serde_json::from_value(valid.clone()).unwrap();
    assert_eq!(serde_json::to_value(&snapshot).unwrap(), valid);
}

/// A payload of the `invoice` fixture template.
fn invoice_example() -> Value {
    json!({
        "number": "INV-1", "issued_on": "2026-10-01", "due_on": "2026-10-31", "currency": "CHF",
        "seller": {"name": "S", "address": {"street": "a", "city": "b", "postcode": "c", "country": "d"}},
        "buyer": {"name": "B", "address": {"street": "a", "city": "b", "country": "d"}},
        "lines": [{"description": "x", "quantity": 1.5, "unit_price": 10, "unit": "h"}],
        "totals": {"net": 15, "tax": 1.2, "gross": 16.2}
    })
}

/// A payload of the `lease-form` fixture template.
fn lease_form_example() -> Value {
    json!({
        "Tenant Name": "Grace Hopper", "1st-payment": "2026-01-01", "monthlyRent": 1200,
        "type": "Fixed term", "Self": "me",
        "landlord": {"signature": "https://example.org/l.png"},
        "tenant": {"signature": "https://example.org/t.png", "e-mail": "g@example.org"}
    })
}

/// A payload of the `kitchen-sink` fixture template: every shape the generator handles.
fn kitchen_sink_example() -> Value {
    json!({
        "title": "t", "count": 0, "status": "DONE", "qr": {"any": ["json", 1]},
        "self": "a", "Self": "b", "_": "c", "firstName": "d", "first_name": "e", "first-name": "f",
        "big": 9007199254740993_i64, "at": "2026-02-28T23:59:59.120+05:30", "ratio": -1.5,
        "a": {"b": {"c": {"d": {"e": {"f": "deep"}}}}},
        "sections": [{"heading": "h", "rows": [{"cells": ["x"], "address": {"city": "c"}}]}],
        "home": {"address": {"city": "Split"}}, "levels": ["low", "high"]
    })
}

#[test]
fn every_fixture_example_payload_round_trips() {
    use via_macro::{Invoice, KitchenSink, LeaseForm};
    fn round_trip<T: Template + std::fmt::Debug>(value: Value) {
        let payload: T =
            serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{}: {e}", T::SLUG));
        assert_eq!(
            serde_json::to_value(&payload).unwrap(),
            value,
            "{}",
            T::SLUG
        );
    }
    round_trip::<Invoice>(invoice_example());
    round_trip::<LeaseForm>(lease_form_example());
    round_trip::<KitchenSink>(kitchen_sink_example());
}

/// Sets `pointer` in the valid payload to `value` (or removes it for `None`).
fn valid_with(pointer: &str, value: Option<Value>) -> Value {
    let mut payload = fixture("charter-handover.valid.json");
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = payload
        .pointer_mut(parent)
        .unwrap()
        .as_object_mut()
        .unwrap();
    match value {
        Some(value) => target.insert(key.to_owned(), value),
        None => target.remove(key),
    };
    payload
}

#[test]
fn each_defect_fails_to_deserialize_at_its_path() {
    let cases = [
        (
            "/booking/code",
            None,
            "booking.code",
            "a required key is missing",
        ),
        ("/guests", Some(json!("six")), "guests", "invalid type"),
        (
            "/areas/1/condition",
            Some(json!("broken")),
            "areas[1].condition",
            "unknown variant `broken`",
        ),
        (
            "/handed_over_on",
            Some(json!("14/06/2026")),
            "handed_over_on",
            "14/06/2026",
        ),
        (
            "/signatures/captain",
            Some(json!("ftp://example.org/sig.png")),
            "signatures.captain",
            "ftp",
        ),
        (
            "/booking/embarkation",
            Some(json!("2026-06-14T15:00:00")),
            "booking.embarkation",
            "offset",
        ),
        ("/crew", Some(json!("Marko")), "crew", "invalid type"),
    ];
    for (pointer, value, path, message) in cases {
        let error = decode(&valid_with(pointer, value)).expect_err(pointer);
        // The generated `Deserialize` names the data path in the message itself (as the
        // server's `details[].path` does), at every depth.
        let text = error.to_string();
        assert!(
            text.contains(&format!("at `{path}`: ")),
            "{pointer}: {text}"
        );
        assert!(text.contains(message), "{pointer}: {text}");
    }
}

/// The JSON shapes serde's derive accepts and the server refuses: a struct from an array (by
/// field order) and a unit variant from its map form. Both fail to deserialize now.
#[test]
fn arrays_for_objects_and_maps_for_enums_are_refused() {
    for (pointer, value, path) in [
        (
            "/booking",
            json!(["BK-2931", "2026-06-14T15:00:00+02:00"]),
            "booking",
        ),
        ("/areas/1", json!(["Galley", "worn"]), "areas[1]"),
        (
            "/areas/1/condition",
            json!({"worn": null}),
            "areas[1].condition",
        ),
    ] {
        let mut payload = fixture("charter-handover.valid.json");
        *payload.pointer_mut(pointer).unwrap() = value;
        let error = decode(&payload).expect_err(pointer);
        assert!(
            error.to_string().contains(&format!("at `{path}`")),
            "{error}"
        );
        let report = data::validate(CharterHandover::tree(), &payload);
        assert!(
            report
                .violations
                .iter()
                .any(|v| v.path == path && v.code.as_str() == "type"),
            "the server refuses it too: {report:?}"
        );
    }
    let root: Result<CharterHandover, _> = serde_json::from_value(json!([]));
    assert!(root.is_err(), "the root is an object too");
}

/// One defect at a time, at every key of every fixture payload: the generated types refuse
/// exactly the payloads that the server's validator refuses with `required`, `type`, `enum`,
/// `format` or `image` (a malformed image or signature value), and accept the rest (bounds
/// are `validate()`'s job).
#[test]
fn deserialization_refuses_what_the_server_refuses() {
    use via_macro::{Invoice, KitchenSink, LeaseForm};

    fn defects(value: &Value) -> Vec<Value> {
        let mut out = vec![
            Value::Null,
            json!([]),
            json!({}),
            json!("text"),
            json!(7),
            json!(1.5),
            json!(true),
            json!([value.clone()]),
            json!({"x": value.clone()}),
        ];
        if let Value::String(s) = value {
            out.push(json!({ s.clone(): null }));
            out.push(json!(format!("{s}-not-a-value")));
        }
        out
    }

    /// Every (parent pointer, key) of `value`, objects and arrays alike.
    fn places(value: &Value, at: String, out: &mut Vec<(String, String)>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    out.push((at.clone(), key.clone()));
                    places(inner, format!("{at}/{key}"), out);
                }
            }
            Value::Array(items) => {
                for (i, inner) in items.iter().enumerate() {
                    out.push((at.clone(), i.to_string()));
                    places(inner, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    fn check<T: Template>(valid: Value) -> usize {
        let mut places_found = Vec::new();
        places(&valid, String::new(), &mut places_found);
        let mut checked = 0;
        for (parent, key) in places_found {
            let original = valid.pointer(&format!("{parent}/{key}")).unwrap().clone();
            let mut variants: Vec<Option<Value>> =
                defects(&original).into_iter().map(Some).collect();
            variants.push(None); // the key removed
            for defect in variants {
                let mut payload = valid.clone();
                match (payload.pointer_mut(&parent).unwrap(), &defect) {
                    (Value::Object(map), Some(v)) => {
                        map.insert(key.clone(), v.clone());
                    }
                    (Value::Object(map), None) => {
                        map.remove(&key);
                    }
                    (Value::Array(items), Some(v)) => {
                        items[key.parse::<usize>().unwrap()] = v.clone()
                    }
                    (Value::Array(items), None) => {
                        items.remove(key.parse::<usize>().unwrap());
                    }
                    _ => unreachable!(),
                }
                let report = data::validate(T::tree(), &payload);
                let server_refuses = report.violations.iter().any(|v| {
                    matches!(
                        v.code.as_str(),
                        "required" | "type" | "enum" | "format" | "image"
                    )
                });
                let decoded = serde_json::from_value::<T>(payload.clone());
                assert_eq!(
                    decoded.is_err(),
                    server_refuses,
                    "{}: {parent}/{key} = {defect:?}: server {:?}, types {:?}",
                    T::SLUG,
                    report.violations,
                    decoded.err().map(|e| e.to_string()),
                );
                checked += 1;
            }
        }
        checked
    }

    let mut checked = check::<CharterHandover>(fixture("charter-handover.valid.json"));
    checked += check::<Invoice>(invoice_example());
    checked += check::<LeaseForm>(lease_form_example());
    checked += check::<KitchenSink>(kitchen_sink_example());
    assert!(checked > 500, "only {checked} payloads checked");
}

#[test]
fn bounds_fail_validate_with_every_data_path() {
    let mut payload = valid_with("/fuel_level", Some(json!(140)));
    payload["booking"]["code"] = json!("BK");
    payload["areas"] = json!([]);
    let payload = decode(&payload).expect("bounds are not part of the type");
    let error = payload.validate().expect_err("out of bounds");
    let found: Vec<(&str, &str)> = error
        .violations
        .iter()
        .map(|v| (v.path.as_str(), v.code.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("booking.code", "length"),
            ("fuel_level", "max"),
            ("areas", "items")
        ]
    );
    let message = error.to_string();
    assert!(
        message.contains("charter-handover") && message.contains("fuel_level"),
        "{message}"
    );
}

#[test]
fn non_finite_numbers_fail_validate_instead_of_becoming_null() {
    let mut payload = decode(&fixture("charter-handover.valid.json")).unwrap();
    payload.fuel_level = f64::NAN;
    let error = payload.validate().expect_err("NaN cannot be sent");
    assert!(error.to_string().contains("NaN"), "{error}");
}

#[test]
fn the_data_validator_finds_exactly_the_expected_violations() {
    let expected = fixture("charter-handover.invalid.expected.json");
    let report = data::validate(
        CharterHandover::tree(),
        &fixture("charter-handover.invalid.json"),
    );
    let mut found: Vec<(String, String)> = report
        .violations
        .iter()
        .map(|v| (v.path.clone(), v.code.as_str().to_owned()))
        .collect();
    let mut wanted: Vec<(String, String)> = expected["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_owned(),
                d["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    wanted.sort();
    assert_eq!(found, wanted);
    assert_eq!(report.unknown_keys, ["unknown_key"]);
    assert!(
        data::validate(
            CharterHandover::tree(),
            &fixture("charter-handover.valid.json")
        )
        .is_valid()
    );
}

#[test]
fn the_template_impl_carries_the_manifest() {
    assert_eq!(CharterHandover::SLUG, "charter-handover");
    assert_eq!(CharterHandover::VERSION, 12);
    assert_eq!(
        CharterHandover::PIPELINE,
        craftkit_runtime::manifest::Pipeline::Html
    );
    let cached = std::fs::read_to_string(format!(
        "{}/fixtures/manifests/charter-handover.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let manifest = craftkit_runtime::manifest::Manifest::from_json(&cached).unwrap();
    assert_eq!(CharterHandover::FINGERPRINT, manifest.fingerprint());
    assert_eq!(CharterHandover::manifest(), &manifest);
}

/// A struct whose every field is optional implements `Default`: the fields you set, and the
/// rest left out of the JSON.
#[test]
fn an_all_optional_object_is_default_plus_what_you_set() {
    use via_macro::kitchen_sink::{Work, WorkAddress};

    assert_eq!(serde_json::to_value(Work::default()).unwrap(), json!({}));
    let address = WorkAddress {
        city: Some("Split".into()),
        ..WorkAddress::default()
    };
    assert_eq!(
        serde_json::to_value(&address).unwrap(),
        json!({"city": "Split"})
    );
}

/// What a serializer is told, as `serde_assert` records it.
fn tokens(value: &impl Serialize) -> String {
    let serializer = serde_assert::Serializer::builder().build();
    format!("{:?}", value.serialize(&serializer).expect("serializes"))
}

/// `payload`, and `payload` without each of its keys (at every depth, one at a time).
fn variants(payload: &Value) -> Vec<Value> {
    fn paths(value: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        if let Value::Object(map) = value {
            for (key, child) in map {
                at.push(key.clone());
                out.push(at.clone());
                paths(child, at, out);
                at.pop();
            }
        }
    }
    fn without(value: &mut Value, path: &[String]) {
        if let (Value::Object(map), [first, rest @ ..]) = (value, path) {
            if rest.is_empty() {
                map.remove(first);
            } else if let Some(child) = map.get_mut(first) {
                without(child, rest);
            }
        }
    }
    let mut all = Vec::new();
    paths(payload, &mut Vec::new(), &mut all);
    let mut out = vec![payload.clone()];
    for path in all {
        let mut smaller = payload.clone();
        without(&mut smaller, &path);
        out.push(smaller);
    }
    out
}

/// Every variant of `payload` that both types read (a required key left out is refused by
/// both, with the same error) serializes the same through both; returns how many did (the
/// callers check that each payload's optional keys were exercised).
fn same<G, D>(payload: &Value) -> usize
where
    G: Serialize + DeserializeOwned,
    D: Serialize + DeserializeOwned,
{
    let mut compared = 0;
    for value in variants(payload) {
        let generated = serde_json::from_value::<G>(value.clone());
        let derived = serde_json::from_value::<D>(value.clone());
        match (generated, derived) {
            (Ok(generated), Ok(derived)) => {
                assert_eq!(tokens(&generated), tokens(&derived), "{value}");
                let text = serde_json::to_string(&generated).unwrap();
                assert_eq!(text, serde_json::to_string(&derived).unwrap(), "{value}");
                assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
                compared += 1;
            }
            (Err(g), Err(d)) => assert_eq!(g.to_string(), d.to_string(), "{value}"),
            (g, d) => panic!(
                "one reads {value} and the other does not: {:?} / {:?}",
                g.err(),
                d.err()
            ),
        }
    }
    compared
}

#[test]
fn generated_and_derived_serialize_alike() {
    let charter = fixture("charter-handover.valid.json");
    let compared = same::<via_macro::CharterHandover, derived::CharterHandover>(&charter);
    assert!(compared >= 8, "{compared} payloads compared");
    let invoice = invoice_example();
    assert!(same::<via_macro::Invoice, derived::Invoice>(&invoice) >= 1);
    let kitchen_sink = kitchen_sink_example();
    assert!(same::<via_macro::KitchenSink, derived::KitchenSink>(&kitchen_sink) >= 13);
    let lease = lease_form_example();
    assert!(same::<via_macro::LeaseForm, derived::LeaseForm>(&lease) >= 3);
}

/// The recorder sees what the derive would tell it: an absent optional field is skipped, and
/// the struct's length counts the fields written.
#[test]
fn the_tokens_name_the_struct_its_length_and_the_skipped_fields() {
    let lease: via_macro::LeaseForm = serde_json::from_value(json!({
        "Tenant Name": "Grace Hopper", "1st-payment": "2026-01-01", "monthlyRent": 1200,
        "type": "Fixed term",
        "landlord": {"signature": "https://example.org/l.png"},
        "tenant": {"signature": "https://example.org/t.png"}
    }))
    .unwrap();
    let recorded = tokens(&lease);
    assert!(
        recorded.starts_with("Tokens([Struct { name: \"LeaseForm\", len: "),
        "{recorded}"
    );
    assert!(recorded.contains("SkippedField(\"Self\")"), "{recorded}");
    assert!(
        recorded.contains("Field(\"monthlyRent\"), U64(1200)")
            || recorded.contains("Field(\"monthlyRent\"), I64(1200)"),
        "{recorded}"
    );
}

//! The payload fixtures against the generated `CharterHandover`: a valid payload round-trips
//! exactly; each defect of the invalid one fails to deserialize with its path, or (for bounds)
//! fails `Template::validate`; and the shared data validator finds exactly the expected
//! violations.
//!
//! The types come from `#[craftkit_template]` reading the workspace's manifest cache
//! (`.craftkit/manifests/`), compiled under `#![deny(warnings)]` as a user's crate would be.
#![deny(warnings)]

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
    round_trip::<Invoice>(json!({
        "number": "INV-1", "issued_on": "2026-10-01", "due_on": "2026-10-31", "currency": "CHF",
        "seller": {"name": "S", "address": {"street": "a", "city": "b", "postcode": "c", "country": "d"}},
        "buyer": {"name": "B", "address": {"street": "a", "city": "b", "country": "d"}},
        "lines": [{"description": "x", "quantity": 1.5, "unit_price": 10, "unit": "h"}],
        "totals": {"net": 15, "tax": 1.2, "gross": 16.2}
    }));
    round_trip::<LeaseForm>(json!({
        "Tenant Name": "Grace Hopper", "1st-payment": "2026-01-01", "monthlyRent": 1200,
        "type": "Fixed term", "Self": "me",
        "landlord": {"signature": "https://example.org/l.png"},
        "tenant": {"signature": "https://example.org/t.png", "e-mail": "g@example.org"}
    }));
    round_trip::<KitchenSink>(json!({
        "title": "t", "count": 0, "status": "DONE", "qr": {"any": ["json", 1]},
        "self": "a", "Self": "b", "_": "c", "firstName": "d", "first_name": "e", "first-name": "f",
        "big": 9007199254740993_i64, "at": "2026-02-28T23:59:59.120+05:30", "ratio": -1.5,
        "a": {"b": {"c": {"d": {"e": {"f": "deep"}}}}},
        "sections": [{"heading": "h", "rows": [{"cells": ["x"], "address": {"city": "c"}}]}],
        "home": {"address": {"city": "Split"}}, "levels": ["low", "high"]
    }));
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
        ("/booking/code", None, "booking", "missing field `code`"),
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
        assert_eq!(error.path().to_string(), path, "{pointer}: {error}");
        assert!(
            error.inner().to_string().contains(message),
            "{pointer}: {error}"
        );
    }
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

//! Generated types implement `Serialize` themselves (a method chain through the runtime),
//! except a type whose overrides give it derives or attributes, which keeps serde's derive
//! and its `#[serde(...)]` attributes. Both must tell a serializer exactly the same thing: the
//! struct's name and length, each field and each skipped one in order, each enum value's index
//! and name. Each fixture template is generated twice here, once as usual and once with an
//! attribute on every type (so every type derives), and the same payloads, with each optional
//! key left out in turn, go through both into `serde_assert`'s token recorder and into JSON.
#![deny(warnings)]

use craftkit_runtime::serde::Serialize;
use craftkit_runtime::serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The fixture templates, each type's `Serialize` written by the generator.
mod generated {
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

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/payloads/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn generated_and_derived_serialize_alike() {
    let charter = fixture("charter-handover.valid.json");
    let compared = same::<generated::CharterHandover, derived::CharterHandover>(&charter);
    assert!(compared >= 8, "{compared} payloads compared");
    let invoice = json!({
        "number": "INV-1", "issued_on": "2026-10-01", "due_on": "2026-10-31", "currency": "CHF",
        "seller": {"name": "S", "address": {"street": "a", "city": "b", "postcode": "c", "country": "d"}},
        "buyer": {"name": "B", "address": {"street": "a", "city": "b", "country": "d"}},
        "lines": [{"description": "x", "quantity": 1.5, "unit_price": 10, "unit": "h"}],
        "totals": {"net": 15, "tax": 1.2, "gross": 16.2}
    });
    assert!(same::<generated::Invoice, derived::Invoice>(&invoice) >= 1);
    let kitchen_sink = json!({
        "title": "t", "count": 0, "status": "DONE", "qr": {"any": ["json", 1]},
        "self": "a", "Self": "b", "_": "c", "firstName": "d", "first_name": "e", "first-name": "f",
        "big": 9007199254740993_i64, "at": "2026-02-28T23:59:59.120+05:30", "ratio": -1.5,
        "a": {"b": {"c": {"d": {"e": {"f": "deep"}}}}},
        "sections": [{"heading": "h", "rows": [{"cells": ["x"], "address": {"city": "c"}}]}],
        "home": {"address": {"city": "Split"}}, "levels": ["low", "high"]
    });
    assert!(same::<generated::KitchenSink, derived::KitchenSink>(&kitchen_sink) >= 13);
    let lease = json!({
        "Tenant Name": "Grace Hopper", "1st-payment": "2026-01-01", "monthlyRent": 1200,
        "type": "Fixed term", "Self": "me",
        "landlord": {"signature": "https://example.org/l.png"},
        "tenant": {"signature": "https://example.org/t.png", "e-mail": "g@example.org"}
    });
    assert!(same::<generated::LeaseForm, derived::LeaseForm>(&lease) >= 3);
}

/// The recorder sees what the derive would tell it: an absent optional field is skipped, and
/// the struct's length counts the fields written.
#[test]
fn the_tokens_name_the_struct_its_length_and_the_skipped_fields() {
    let lease: generated::LeaseForm = serde_json::from_value(json!({
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

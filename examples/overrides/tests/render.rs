//! Overrides end to end: a payload with `rust_decimal::Decimal` money and `chrono::NaiveDate`
//! dates serializes to the JSON the template takes, reads back to the same value, passes the
//! template's validator, and renders to a PDF on the local server.

use craftkit_devserver::{Config, DevServer};
use craftkit_example_overrides::{Invoice, invoice, sample_invoice};
use craftkit_runtime::{Client, Template};
use rust_decimal::Decimal;

#[test]
fn decimal_money_and_chrono_dates_serialize_to_the_templates_json_and_back() {
    let payload = sample_invoice();
    let data = payload.to_data().expect("valid data");
    assert_eq!(data["issued_on"], "2026-06-14");
    assert_eq!(data["lines"][0]["unit_price"], 3150.0);
    assert_eq!(data["lines"][0]["tax_rate"], 0.13);
    assert_eq!(data["lines"][1].get("tax_rate"), None);
    assert_eq!(data["totals"]["gross"], 4823.0);
    // Renamed in Rust, the same key in JSON.
    assert_eq!(data["buyer"]["reference"], "PO-7731");
    let back: Invoice = serde_json::from_value(data).expect("reads back");
    assert_eq!(back, payload);
    assert_eq!(back.lines[0].unit_price, Decimal::new(315_000, 2));
    // The derives of the config: Eq and Hash on every type.
    let mut set = std::collections::HashSet::new();
    assert!(set.insert(back));
    assert!(!set.insert(payload));
}

#[test]
fn an_all_optional_template_is_its_default_plus_what_is_set() {
    use craftkit_example_overrides::{DeliveryNote, short_note};
    let note = short_note();
    assert_eq!(
        note.to_data().expect("valid"),
        serde_json::json!({"recipient": {"name": "Ada Lovelace"}})
    );
    assert_eq!(
        DeliveryNote::default().to_data().expect("valid"),
        serde_json::json!({})
    );
    assert_eq!(DeliveryNote::builder().build(), DeliveryNote::default());
}

#[test]
fn the_validator_still_checks_what_the_replaced_types_serialize_to() {
    let mut payload = sample_invoice();
    payload.lines.clear(); // `lines[]` needs at least one item
    let error = payload.validate().expect_err("refused");
    assert!(error.to_string().contains("lines"), "{error}");
    // A string where the template takes a number is refused on the way in.
    let mut data = sample_invoice().to_data().expect("valid");
    data["totals"]["net"] = serde_json::json!("4413.50");
    let error = serde_json::from_value::<Invoice>(data).expect_err("a string is not a number");
    assert!(error.to_string().contains("totals.net"), "{error}");
    let _: invoice::InvoiceLine = sample_invoice().lines.remove(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn renders_through_the_local_server() {
    let cache = concat!(env!("CARGO_MANIFEST_DIR"), "/.craftkit/manifests");
    let server = DevServer::start(Config {
        templates: craftkit_devserver::load_templates(cache).expect("the cache loads"),
        ..Config::default()
    })
    .await
    .expect("the local server starts");
    let client = Client::builder()
        .key(&server.keys()[0])
        .base_url(server.url())
        .build()
        .expect("a client");
    let render = client
        .render(&sample_invoice())
        .send()
        .await
        .expect("accepted")
        .wait()
        .await
        .expect("rendered");
    let pdf = client.download(&render).await.expect("downloaded");
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    server.stop().await;
}

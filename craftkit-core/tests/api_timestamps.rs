//! The API's timestamps decode as `DateTime` (issue 26, item 6): an RFC 3339 text is kept as
//! written, and a malformed one in a render, a share or an event is a decode error that quotes
//! it, never a panic and never a string passed through.

use craftkit_core::DateTime;
use craftkit_core::api::{Event, Render, Share};
use serde_json::{Value, json};

fn render(created_at: Value, completed_at: Value) -> Value {
    json!({
        "id": "rnd_1", "object": "render", "template": "invoice", "templateVersion": 1,
        "status": "succeeded", "visibility": "private", "createdAt": created_at,
        "completedAt": completed_at, "filename": "invoice.pdf",
    })
}

#[test]
fn timestamps_decode_as_written() {
    let decoded: Render =
        serde_json::from_value(render(json!("2026-01-01T00:00:00.000Z"), Value::Null)).unwrap();
    assert_eq!(
        decoded.created_at,
        DateTime::parse("2026-01-01T00:00:00.000Z").unwrap()
    );
    assert_eq!(decoded.completed_at, None);
    // Written back exactly as read.
    assert_eq!(
        serde_json::to_value(&decoded).unwrap()["createdAt"],
        "2026-01-01T00:00:00.000Z"
    );
}

#[test]
fn a_malformed_timestamp_is_an_error_that_quotes_it() {
    let cases = [
        render(json!("2026-13-01T00:00:00Z"), Value::Null),
        render(json!("2026-01-01T00:00:00.000Z"), json!("2026-01-01 00:00")),
        render(json!(""), Value::Null),
        render(json!(1_767_225_600), Value::Null),
    ];
    for case in cases {
        let error = serde_json::from_value::<Render>(case.clone()).expect_err("malformed");
        assert!(
            error.to_string().contains("date") || error.to_string().contains("RFC 3339"),
            "{case}: {error}"
        );
    }
    let share = json!({
        "id": "shr_1", "object": "share", "renderId": "rnd_1", "url": "https://x/s/1",
        "label": null, "createdAt": "2026-01-01T00:00:00Z", "revokedAt": "soon",
    });
    let error = serde_json::from_value::<Share>(share).expect_err("revokedAt");
    assert!(error.to_string().contains("soon"), "{error}");
    let event = json!({
        "id": "evt_1", "object": "event", "type": "render.succeeded",
        "createdAt": "2026-01-01T25:00:00Z",
        "data": render(json!("2026-01-01T00:00:00Z"), Value::Null),
    });
    let error = serde_json::from_value::<Event>(event).expect_err("hour 25");
    assert!(error.to_string().contains("25:00"), "{error}");
}

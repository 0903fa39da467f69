//! `Debug` of the API objects that carry a download or share URL shows no token: the URL's
//! path and query serve the PDF to anyone who has them, a secret like the API key.

use craftkit_core::api::{Event, Render, Share};
use serde_json::json;

const TOKEN: &str = "tok_9f8e7d6c5b4a39281706";

fn render() -> Render {
    serde_json::from_value(json!({
        "id": "rnd_1", "object": "render", "template": "invoice", "templateVersion": 3,
        "status": "succeeded", "visibility": "public",
        "createdAt": "2026-01-01T00:00:00.000Z", "completedAt": "2026-01-01T00:00:01.000Z",
        "downloadUrl": format!("https://files.craftkit.io/files/{TOKEN}/invoice.pdf?sig={TOKEN}"),
        "filename": "invoice.pdf", "pages": 2, "bytes": 1234,
    }))
    .unwrap()
}

#[test]
fn a_render_shows_the_download_urls_host_not_its_token() {
    let shown = format!("{:?}", render());
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(
        shown.contains("\"https://files.craftkit.io/[redacted]\""),
        "{shown}"
    );
    // The other fields are still there to debug with.
    for field in [
        "rnd_1",
        "invoice.pdf",
        "Succeeded",
        "template_version: 3",
        "pages: Some(2)",
    ] {
        assert!(shown.contains(field), "{field} missing from {shown}");
    }
    let pretty = format!("{:#?}", render());
    assert!(!pretty.contains(TOKEN), "{pretty}");
}

#[test]
fn an_event_shows_its_renders_url_without_the_token() {
    let event: Event = serde_json::from_value(json!({
        "id": "evt_1", "object": "event", "type": "render.succeeded",
        "createdAt": "2026-01-01T00:00:01.000Z", "data": serde_json::to_value(render()).unwrap(),
    }))
    .unwrap();
    let shown = format!("{event:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(shown.contains("evt_1") && shown.contains("files.craftkit.io/[redacted]"));
}

#[test]
fn a_share_shows_its_urls_host_not_its_token() {
    let share = Share {
        id: "shr_1".into(),
        object: "share".into(),
        render_id: "rnd_1".into(),
        url: format!("http://127.0.0.1:8080/s/{TOKEN}"),
        label: Some("for the client".into()),
        created_at: "2026-01-01T00:00:00.000Z".parse().unwrap(),
        revoked_at: None,
    };
    let shown = format!("{share:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(
        shown.contains("\"http://127.0.0.1:8080/[redacted]\""),
        "{shown}"
    );
    assert!(shown.contains("shr_1") && shown.contains("for the client"));
}

#[test]
fn a_url_of_an_unexpected_shape_is_redacted_whole() {
    for url in [
        format!("files/{TOKEN}"),
        format!("https://user:{TOKEN}@files.craftkit.io/x"),
        format!("https://{TOKEN}\u{202e}/x"),
        String::new(),
    ] {
        let mut render = render();
        render.download_url = Some(url.clone());
        let shown = format!("{render:?}");
        assert!(!shown.contains(TOKEN), "{url:?} shown as {shown}");
    }
    let mut private = render();
    private.download_url = None;
    assert!(format!("{private:?}").contains("download_url: None"));
}

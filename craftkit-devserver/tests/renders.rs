//! Renders (`spec/api.md`, "Renders"): acceptance (`202`, `Location`, `queued`), validation
//! (`422` with every problem and no render), warnings, options (`templateVersion`,
//! `visibility`, `sync`, `filename`), malformed requests, the 20 MiB limit, and the
//! lifecycle up to a terminal state that never changes.

mod common;

use std::time::Duration;

use common::{
    KEY, SLUG, SLUG_VERSION, STATUSES, Server, assert_timestamp, config_with, detail_pairs,
    fixture_json, invalid_data, is_prefixed_base62, render_body, render_path, valid_body,
    valid_data,
};
use serde_json::json;

#[test]
fn a_valid_payload_is_accepted_as_a_queued_render() {
    let server = Server::start();
    let reply = server.render(&valid_body());
    let render = reply.expect(202);
    let id = render["id"].as_str().expect("id");
    assert!(is_prefixed_base62(id, "rnd_", 1), "render id: {id}");
    let location = reply.header("location").expect("a Location header");
    let path = format!("/v1/renders/{id}");
    assert!(
        location == path || location == format!("{}{path}", server.url()),
        "Location: {location}"
    );
    assert_eq!(render["object"], "render");
    assert_eq!(render["status"], "queued", "{render}");
    assert_eq!(render["template"], SLUG);
    assert_eq!(render["templateVersion"], SLUG_VERSION);
    assert_eq!(render["visibility"], "public", "public is the default");
    assert_timestamp(&render["createdAt"]);
    assert!(render["completedAt"].is_null(), "{render}");
    assert!(render["downloadUrl"].is_null(), "{render}");
    assert!(render["error"].is_null(), "{render}");
    assert!(render["filename"].is_string(), "{render}");
    assert!(render["warnings"].is_array(), "{render}");
    assert_eq!(server.render_count(KEY), 1);

    // The Location leads to the render.
    let fetched = server.get(&path).send().expect(200);
    assert_eq!(fetched["id"], id);

    // Another render is another id.
    let second = server.render_accepted(&valid_body());
    assert_ne!(second, id);
    assert_eq!(server.render_count(KEY), 2);
}

#[test]
fn an_invalid_payload_is_422_with_exactly_the_expected_details_and_no_render() {
    let server = Server::start();
    let expected = fixture_json("payloads/charter-handover.invalid.expected.json");
    let reply = server.render(&json!({"data": invalid_data()}));
    assert_eq!(expected["status"], 422);
    let error = reply.expect_error(422, expected["type"].as_str().unwrap());
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
    wanted.sort();
    assert_eq!(detail_pairs(&error), wanted, "{error}");
    for detail in error["details"].as_array().unwrap() {
        assert!(
            detail["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{detail}"
        );
    }
    assert_eq!(server.render_count(KEY), 0, "a 422 creates no render");
}

#[test]
fn one_problem_is_one_detail_with_a_data_path() {
    let server = Server::start();
    let mut data = valid_data();
    data["areas"][1]["condition"] = json!("broken");
    let error = server
        .render(&json!({"data": data}))
        .expect_error(422, "validation_failed");
    assert_eq!(
        detail_pairs(&error),
        [("areas[1].condition".to_owned(), "enum".to_owned())]
    );
    assert_eq!(server.render_count(KEY), 0);
}

/// Each validation code of the contract, at the data's own path.
#[test]
fn every_validation_code_names_the_data_path() {
    let server = Server::start();
    let mut data = valid_data();
    data["guests"] = json!(0);
    data["booking"]["code"] = json!("BK");
    data["booking"]["embarkation"] = json!("2026-06-14 15:00");
    data["handed_over_on"] = json!("2026-02-30");
    data["vessel"]["length_m"] = json!(200);
    data["vessel"].as_object_mut().unwrap().remove("name");
    data["engine_hours"] = json!(1.5);
    data["deposit_taken"] = json!("yes");
    data["crew"] = json!(["a", "b", "c", "d", "e"]);
    data["areas"][0]["photos"] = json!(vec!["https://example.org/p.png"; 7]);
    data["inventory"][0]["quantity"] = json!(-1);
    data["handover_notes"] = json!("x".repeat(4001));
    data["company_logo"] = json!("http://assets.example.org/logo.png");
    data["signatures"]["charterer"] = json!("data:image/gif;base64,R0lGODlhAQABAAAAACw=");
    let error = server
        .render(&json!({"data": data}))
        .expect_error(422, "validation_failed");
    let mut wanted: Vec<(String, String)> = [
        ("guests", "min"),
        ("booking.code", "length"),
        ("booking.embarkation", "format"),
        ("handed_over_on", "format"),
        ("vessel.length_m", "max"),
        ("vessel.name", "required"),
        ("engine_hours", "type"),
        ("deposit_taken", "type"),
        ("crew", "items"),
        ("areas[0].photos", "items"),
        ("inventory[0].quantity", "min"),
        ("handover_notes", "length"),
        ("company_logo", "image"),
        ("signatures.charterer", "image"),
    ]
    .iter()
    .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
    .collect();
    wanted.sort();
    assert_eq!(detail_pairs(&error), wanted, "{error}");

    let mut data = valid_data();
    data["areas"] = json!([]);
    let error = server
        .render(&json!({"data": data}))
        .expect_error(422, "validation_failed");
    assert_eq!(
        detail_pairs(&error),
        [("areas".to_owned(), "items".to_owned())]
    );
    assert_eq!(server.render_count(KEY), 0);
}

#[test]
fn an_unknown_data_key_is_ignored_and_listed_in_the_warnings() {
    let server = Server::start();
    let mut data = valid_data();
    data["unknown_key"] = json!(1);
    let render = server.render(&json!({"data": data})).expect(202);
    let warnings = render["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains("unknown_key"))),
        "{render}"
    );
    let id = render["id"].as_str().unwrap();
    let done = server.wait_for_terminal(id);
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(
        done["warnings"], render["warnings"],
        "warnings stay on the render"
    );
}

#[test]
fn nested_unknown_keys_are_warnings_too() {
    let server = Server::start();
    let mut data = valid_data();
    data["booking"]["berth"] = json!("B12");
    data["areas"][0]["smell"] = json!("fresh");
    let render = server.render(&json!({"data": data})).expect(202);
    let warnings = render["warnings"].to_string();
    assert!(warnings.contains("berth"), "{render}");
    assert!(warnings.contains("smell"), "{render}");
}

#[test]
fn options_sync_is_accepted_not_honored_and_warned_about() {
    let server = Server::start();
    let reply = server.render(&render_body(valid_data(), json!({"sync": true})));
    let render = reply.expect(202);
    assert_eq!(render["status"], "queued", "{render}");
    assert!(reply.header("location").is_some());
    let warnings = render["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains("sync"))),
        "{render}"
    );
    // Without the option, no such warning.
    let plain = server.render(&valid_body()).expect(202);
    assert!(
        !plain["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains("sync"))),
        "{plain}"
    );
}

#[test]
fn a_wrong_template_version_is_409_naming_the_current_version() {
    let server = Server::start();
    for wrong in [SLUG_VERSION - 1, SLUG_VERSION + 1] {
        let error = server
            .render(&render_body(
                valid_data(),
                json!({"templateVersion": wrong}),
            ))
            .expect_error(409, "template_version_mismatch");
        let message = error["details"][0]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("details[0].message: {error}"));
        assert!(
            message.contains(&SLUG_VERSION.to_string()),
            "details[0].message names the current version {SLUG_VERSION}: {message}"
        );
    }
    assert_eq!(server.render_count(KEY), 0);
    let render = server
        .render(&render_body(
            valid_data(),
            json!({"templateVersion": SLUG_VERSION}),
        ))
        .expect(202);
    assert_eq!(render["templateVersion"], SLUG_VERSION);
}

#[test]
fn a_private_render_has_no_download_url() {
    let server = Server::start();
    let render = server.succeeded_render(json!({"visibility": "private"}));
    assert_eq!(render["visibility"], "private");
    assert!(render["downloadUrl"].is_null(), "{render}");
}

#[test]
fn a_public_render_has_a_download_url_that_serves_the_pdf_without_a_key() {
    let server = Server::start();
    for options in [json!({}), json!({"visibility": "public"})] {
        let render = server.succeeded_render(options);
        assert_eq!(render["visibility"], "public");
        let url = render["downloadUrl"]
            .as_str()
            .unwrap_or_else(|| panic!("a public render has a downloadUrl: {render}"));
        assert!(
            url.starts_with("http://") || url.starts_with("https://"),
            "{url}"
        );
        for _ in 0..2 {
            // Permanent: it answers every time, without a key.
            let reply = server.get_url(url).send();
            reply.expect(200);
            assert_eq!(reply.header("content-type"), Some("application/pdf"));
            assert!(reply.body.starts_with(b"%PDF-"));
            assert_eq!(Some(reply.body.len() as u64), render["bytes"].as_u64());
        }
    }
}

#[test]
fn malformed_json_and_other_content_types_are_400() {
    let server = Server::start();
    let path = render_path(SLUG);
    let good = serde_json::to_vec(&valid_body()).unwrap();
    let cases: Vec<(Option<&str>, Vec<u8>)> = vec![
        (Some("application/json"), b"{\"data\": {".to_vec()),
        (Some("application/json"), b"not json".to_vec()),
        (Some("application/json"), Vec::new()),
        (Some("text/plain"), good.clone()),
        (Some("application/x-www-form-urlencoded"), good.clone()),
        (None, good.clone()),
    ];
    for (content_type, body) in cases {
        let reply = server.post(&path).raw(content_type, body.clone()).send();
        assert_eq!(
            reply.status,
            400,
            "Content-Type {content_type:?}, body {:?}: {}",
            String::from_utf8_lossy(&body),
            reply.text()
        );
        reply.expect_error(400, "invalid_request");
    }
    // A parameter on the media type is fine.
    server
        .post(&path)
        .raw(Some("application/json; charset=utf-8"), good)
        .send()
        .expect(202);
    assert_eq!(server.render_count(KEY), 1);
}

#[test]
fn an_idempotency_key_over_255_chars_is_400() {
    let server = Server::start();
    let path = render_path(SLUG);
    server
        .post(&path)
        .idempotency_key(&"k".repeat(256))
        .json(&valid_body())
        .send()
        .expect_error(400, "invalid_request");
    for bad in ["", "tab\tinside"] {
        server
            .post(&path)
            .idempotency_key(bad)
            .json(&valid_body())
            .send()
            .expect_error(400, "invalid_request");
    }
    assert_eq!(server.render_count(KEY), 0);
    server
        .post(&path)
        .idempotency_key(&"k".repeat(255))
        .json(&valid_body())
        .send()
        .expect(202);
    server
        .post(&path)
        .idempotency_key("a ~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}")
        .json(&valid_body())
        .send()
        .expect(202);
    assert_eq!(server.render_count(KEY), 2);
}

/// The valid render body, padded with white space to exactly `size` bytes: the same JSON,
/// cheap for both sides to build and parse, so only the size differs.
fn padded_body(size: usize) -> Vec<u8> {
    let mut body = serde_json::to_vec(&valid_body()).unwrap();
    body.resize(size, b' ');
    body
}

#[test]
fn a_body_over_20_mib_is_413() {
    let server = Server::start();
    let path = render_path(SLUG);
    let reply = server
        .post(&path)
        .raw(Some("application/json"), padded_body(20 * 1024 * 1024 + 1))
        .try_send()
        .expect("a complete 413 answer");
    reply.expect_error(413, "payload_too_large");
    let mut big = serde_json::to_vec(&valid_body()).unwrap();
    big.pop();
    big.extend_from_slice(br#","padding":""#);
    big.resize(big.len() + 21 * 1024 * 1024, b'x');
    big.extend_from_slice(br#""}"#);
    let reply = server
        .post(&path)
        .raw(Some("application/json"), big)
        .try_send()
        .expect("a complete 413 answer");
    reply.expect_error(413, "payload_too_large");
    assert_eq!(server.render_count(KEY), 0);

    // 20 MiB itself is not over the limit.
    server
        .post(&path)
        .raw(Some("application/json"), padded_body(20 * 1024 * 1024))
        .send()
        .expect(202);
}

#[test]
fn a_render_succeeds_with_its_pages_and_bytes() {
    let server = Server::start();
    let accepted = server.render(&valid_body()).expect(202);
    let id = accepted["id"].as_str().unwrap();
    let render = server.wait_for_terminal(id);
    assert_eq!(render["status"], "succeeded", "{render}");
    assert_eq!(render["id"], id);
    assert_eq!(render["createdAt"], accepted["createdAt"]);
    assert_timestamp(&render["completedAt"]);
    let completed = render["completedAt"].as_str().expect("completedAt");
    assert!(
        completed >= render["createdAt"].as_str().unwrap(),
        "completedAt is not before createdAt: {render}"
    );
    assert!(render["pages"].as_u64().is_some_and(|p| p >= 1), "{render}");
    let bytes = render["bytes"].as_u64().expect("bytes");
    assert!(render["error"].is_null(), "{render}");
    let pdf = server.get(&format!("/v1/renders/{id}/download")).send();
    pdf.expect(200);
    assert!(pdf.body.starts_with(b"%PDF-"));
    assert_eq!(pdf.body.len() as u64, bytes, "bytes is the PDF's length");
}

#[test]
fn a_render_that_is_not_terminal_carries_retry_after() {
    let server = Server::with(config_with(|c| {
        c.render_delay = Duration::from_millis(600);
        c.workers = 1;
    }));
    let id = server.render_accepted(&valid_body());
    let reply = server.get(&format!("/v1/renders/{id}")).send();
    let render = reply.expect(200);
    let status = render["status"].as_str().unwrap();
    assert!(
        status == "queued" || status == "rendering",
        "600 ms render already {status}"
    );
    let retry_after = reply
        .retry_after()
        .expect("a non-terminal GET carries Retry-After");
    assert!(
        retry_after > 0.0 && retry_after.is_finite(),
        "{retry_after}"
    );

    let done = server.wait_for_terminal(&id);
    assert_eq!(done["status"], "succeeded");
}

#[test]
fn a_terminal_render_never_changes() {
    let server = Server::start();
    let id = server.render_accepted(&valid_body());
    let done = server.wait_for_terminal(&id);
    assert_eq!(done["status"], "succeeded");
    for _ in 0..5 {
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(server.get_render(&id), done);
    }
    // Other work does not touch it.
    server.succeeded_render(json!({}));
    assert_eq!(server.get_render(&id), done);
}

#[test]
fn every_status_seen_is_of_the_closed_enum() {
    let server = Server::with(config_with(|c| {
        c.render_delay = Duration::from_millis(60);
        c.workers = 1;
    }));
    let ids: Vec<String> = (0..3)
        .map(|_| server.render_accepted(&valid_body()))
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..200 {
        let mut all_done = true;
        for id in &ids {
            let render = server.get_render(id);
            let status = render["status"].as_str().unwrap().to_owned();
            assert!(STATUSES.contains(&status.as_str()), "{render}");
            all_done &= status == "succeeded";
            seen.insert(status);
        }
        if all_done {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(seen.contains("succeeded"), "{seen:?}");
    assert!(
        seen.contains("queued"),
        "one worker: someone waited: {seen:?}"
    );
}

#[test]
fn a_filename_with_a_path_is_400() {
    let server = Server::start();
    for filename in [
        "../../x",
        "../x.pdf",
        "a/b.pdf",
        "..\\..\\x",
        "/etc/passwd",
        "..",
    ] {
        let reply = server.render(&render_body(valid_data(), json!({"filename": filename})));
        assert_eq!(reply.status, 400, "{filename}: {}", reply.text());
        reply.expect_error(400, "invalid_request");
    }
    assert_eq!(server.render_count(KEY), 0);

    let render = server.succeeded_render(json!({"filename": "handover-BK-2931.pdf"}));
    assert_eq!(render["filename"], "handover-BK-2931.pdf");
    let url = render["downloadUrl"].as_str().unwrap();
    assert!(!url.contains(".."), "{url}");
}

#[test]
fn a_render_can_be_fetched_again_later() {
    let server = Server::start();
    let render = server.succeeded_render(json!({}));
    let id = render["id"].as_str().unwrap();
    // Many later renders do not push it out.
    for _ in 0..5 {
        server.render_accepted(&valid_body());
    }
    let again = server.get_render(id);
    assert_eq!(again, render);
}

#[test]
fn a_render_body_without_data_is_rejected_without_a_render() {
    let server = Server::start();
    for body in [json!({}), json!([]), json!({"options": {}})] {
        let reply = server.render(&body);
        assert!(
            reply.status == 400 || reply.status == 422,
            "{body}: {} {}",
            reply.status,
            reply.text()
        );
        let kind = if reply.status == 400 {
            "invalid_request"
        } else {
            "validation_failed"
        };
        reply.expect_error(reply.status, kind);
    }
    assert_eq!(server.render_count(KEY), 0);
}

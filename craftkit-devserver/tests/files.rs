//! Files (`spec/api.md`, "Renders" and "Share links"): `GET /v1/renders/:id/download` with
//! the key, and share links: created only for a succeeded render, listed, served without a
//! key, revoked, with unguessable tokens.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{KEY, Reply, Server, assert_timestamp, config_with, is_prefixed_base62, valid_body};
use serde_json::{Value, json};

/// A server whose renders take long enough to be seen unfinished.
fn slow_server() -> Server {
    Server::with(config_with(|c| {
        c.render_delay = Duration::from_millis(800);
        c.workers = 1;
    }))
}

/// Checks a PDF answer of the contract and returns its bytes.
#[track_caller]
fn assert_pdf(reply: &Reply) -> &[u8] {
    reply.expect(200);
    assert_eq!(reply.header("content-type"), Some("application/pdf"));
    let length: usize = reply
        .header("content-length")
        .expect("Content-Length")
        .parse()
        .expect("a number");
    assert_eq!(length, reply.body.len());
    assert!(reply.body.starts_with(b"%PDF-"), "not a PDF");
    &reply.body
}

/// The token of a share URL: its last path segment.
fn token(url: &str) -> &str {
    url.trim_end_matches('/').rsplit('/').next().unwrap()
}

#[test]
fn a_download_before_success_is_409() {
    let server = slow_server();
    let id = server.render_accepted(&valid_body());
    let render = server.get_render(&id);
    assert_ne!(render["status"], "succeeded", "{render}");
    server
        .get(&format!("/v1/renders/{id}/download"))
        .send()
        .expect_error(409, "render_not_ready");
    assert!(server.get_render(&id)["downloadUrl"].is_null());
}

#[test]
fn a_download_after_success_is_the_pdf() {
    let server = Server::start();
    let render = server.succeeded_render(json!({"filename": "handover-BK-2931.pdf"}));
    let id = render["id"].as_str().unwrap();
    let reply = server.get(&format!("/v1/renders/{id}/download")).send();
    let pdf = assert_pdf(&reply);
    assert_eq!(Some(pdf.len() as u64), render["bytes"].as_u64());
    let disposition = reply
        .header("content-disposition")
        .expect("Content-Disposition");
    assert!(
        disposition.contains("handover-BK-2931.pdf"),
        "Content-Disposition names the file: {disposition}"
    );

    // The public URL serves the same file.
    let public = server
        .get_url(render["downloadUrl"].as_str().unwrap())
        .send();
    assert_eq!(assert_pdf(&public), pdf);
}

#[test]
fn a_file_name_beyond_ascii_downloads_under_its_name() {
    let server = Server::start();
    let name = "Übergabe BK 2931 (Split).pdf";
    let render = server.succeeded_render(json!({"filename": name}));
    assert_eq!(render["filename"], name);
    let id = render["id"].as_str().unwrap();
    let reply = server.get(&format!("/v1/renders/{id}/download")).send();
    assert_pdf(&reply);
    assert!(reply.header("content-disposition").is_some());
    let url = render["downloadUrl"].as_str().expect("downloadUrl");
    assert_pdf(&server.get_url(url).send());
}

#[test]
fn a_private_render_downloads_with_the_key_only() {
    let server = Server::start();
    let render = server.succeeded_render(json!({"visibility": "private"}));
    let id = render["id"].as_str().unwrap();
    let path = format!("/v1/renders/{id}/download");
    let reply = server.get(&path).send();
    assert_eq!(
        Some(assert_pdf(&reply).len() as u64),
        render["bytes"].as_u64()
    );
    assert!(reply.header("content-disposition").is_some());
    server
        .get(&path)
        .no_key()
        .send()
        .expect_error(401, "unauthenticated");
}

#[test]
fn a_share_before_success_is_409() {
    let server = slow_server();
    let id = server.render_accepted(&valid_body());
    server
        .post(&format!("/v1/renders/{id}/shares"))
        .json(&json!({"label": "too early"}))
        .send()
        .expect_error(409, "render_not_ready");
    let shares = server
        .get(&format!("/v1/renders/{id}/shares"))
        .send()
        .expect(200);
    assert_eq!(shares["data"], json!([]));
}

#[test]
fn shares_are_created_listed_served_and_revoked() {
    let server = Server::start();
    let render = server.succeeded_render(json!({}));
    let id = render["id"].as_str().unwrap();
    let shares_path = format!("/v1/renders/{id}/shares");

    let labelled = server
        .post(&shares_path)
        .json(&json!({"label": "for the charterer"}))
        .send()
        .expect(201);
    let share_id = labelled["id"].as_str().unwrap();
    assert!(is_prefixed_base62(share_id, "shr_", 1), "{labelled}");
    assert_eq!(labelled["object"], "share");
    assert_eq!(labelled["renderId"], id);
    assert_eq!(labelled["label"], "for the charterer");
    assert_timestamp(&labelled["createdAt"]);
    assert!(labelled["revokedAt"].is_null(), "{labelled}");
    let url = labelled["url"].as_str().expect("url");
    assert!(
        url.starts_with("http://") || url.starts_with("https://"),
        "{url}"
    );

    // The body is optional.
    let unlabelled = server.post(&shares_path).send().expect(201);
    assert!(unlabelled["label"].is_null(), "{unlabelled}");
    let empty_object = server
        .post(&shares_path)
        .json(&json!({}))
        .send()
        .expect(201);
    assert!(empty_object["label"].is_null());

    let listed = server.get(&shares_path).send().expect(200);
    let ids: BTreeSet<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    let wanted: BTreeSet<&str> = [
        share_id,
        unlabelled["id"].as_str().unwrap(),
        empty_object["id"].as_str().unwrap(),
    ]
    .into();
    assert_eq!(ids, wanted);
    let listed_labelled = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == share_id)
        .unwrap();
    assert_eq!(listed_labelled, &labelled);

    // Served without a key, repeatedly.
    for _ in 0..2 {
        let reply = server.get_url(url).send();
        assert_eq!(
            Some(assert_pdf(&reply).len() as u64),
            render["bytes"].as_u64()
        );
    }

    let revoked = server
        .delete(&format!("/v1/shares/{share_id}"))
        .send()
        .expect(200);
    assert_eq!(revoked["id"], share_id);
    assert_timestamp(&revoked["revokedAt"]);
    assert_eq!(revoked["url"], labelled["url"]);
    assert_eq!(revoked["label"], labelled["label"]);

    let gone = server.get_url(url).send();
    assert_eq!(gone.status, 404, "a revoked share: {}", gone.text());

    let listed = server.get(&shares_path).send().expect(200);
    let after = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == share_id)
        .unwrap();
    assert_eq!(after["revokedAt"], revoked["revokedAt"]);

    // Other shares and the render's own URL are untouched.
    assert_pdf(&server.get_url(unlabelled["url"].as_str().unwrap()).send());
    assert_pdf(
        &server
            .get_url(render["downloadUrl"].as_str().unwrap())
            .send(),
    );
}

#[test]
fn a_share_of_a_private_render_serves_it_without_a_key() {
    let server = Server::start();
    let render = server.succeeded_render(json!({"visibility": "private"}));
    let id = render["id"].as_str().unwrap();
    let share = server
        .post(&format!("/v1/renders/{id}/shares"))
        .json(&json!({"label": "private one"}))
        .send()
        .expect(201);
    assert_pdf(&server.get_url(share["url"].as_str().unwrap()).send());
}

#[test]
fn share_tokens_are_long_random_and_distinct() {
    let server = Server::start();
    let render = server.succeeded_render(json!({}));
    let id = render["id"].as_str().unwrap();
    let mut tokens = BTreeSet::new();
    for _ in 0..8 {
        let share = server
            .post(&format!("/v1/renders/{id}/shares"))
            .send()
            .expect(201);
        let url = share["url"].as_str().unwrap().to_owned();
        let token = token(&url).to_owned();
        assert!(
            is_prefixed_base62(&token, "", 22),
            "a token of at least 22 base62 characters (128 bits): {url}"
        );
        assert!(
            !url.contains(id),
            "the URL does not derive from the render id: {url}"
        );
        assert!(tokens.insert(token), "a token came twice: {url}");
    }
    // A guessed token serves nothing.
    let first = tokens.iter().next().unwrap();
    let base = server
        .post(&format!("/v1/renders/{id}/shares"))
        .send()
        .expect(201)["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let guessed = base.replace(token(&base), &"A".repeat(first.len()));
    assert_eq!(server.get_url(&guessed).send().status, 404);
}

#[test]
fn a_share_body_that_is_not_json_is_400() {
    let server = Server::start();
    let render = server.succeeded_render(json!({}));
    let id = render["id"].as_str().unwrap();
    server
        .post(&format!("/v1/renders/{id}/shares"))
        .raw(Some("application/json"), "{\"label\": ")
        .send()
        .expect_error(400, "invalid_request");
    let listed = server
        .get(&format!("/v1/renders/{id}/shares"))
        .send()
        .expect(200);
    assert_eq!(listed["data"], json!([]));
}

/// A share body is an object: an array or a string is `400`, not a share without a label
/// (schemathesis found `[null, null]` answered `201`).
#[test]
fn a_share_body_that_is_not_an_object_is_400() {
    let server = Server::start();
    let render = server.succeeded_render(json!({}));
    let id = render["id"].as_str().unwrap();
    for body in ["[null, null]", "\"for the charterer\"", "5", "null"] {
        server
            .post(&format!("/v1/renders/{id}/shares"))
            .raw(Some("application/json"), body)
            .send()
            .expect_error(400, "invalid_request");
    }
    let listed = server
        .get(&format!("/v1/renders/{id}/shares"))
        .send()
        .expect(200);
    assert_eq!(listed["data"], json!([]));
}

/// A share body is JSON: another content type is `400 invalid_request` like anywhere else.
#[test]

fn a_share_body_in_another_content_type_is_400() {
    let server = Server::start();
    let render = server.succeeded_render(json!({}));
    let id = render["id"].as_str().unwrap();
    server
        .post(&format!("/v1/renders/{id}/shares"))
        .raw(Some("text/plain"), r#"{"label": "for the charterer"}"#)
        .send()
        .expect_error(400, "invalid_request");
}

#[test]
fn shares_of_an_unknown_render_are_404() {
    let server = Server::start();
    let path = "/v1/renders/rnd_0000000000000000000000/shares";
    server
        .post(path)
        .json(&json!({}))
        .send()
        .expect_error(404, "not_found");
    server.get(path).send().expect_error(404, "not_found");
}

/// `413 payload_too_large` is for any request body over 20 MiB, not only a render's.
#[test]

fn a_share_body_over_20_mib_is_413() {
    let server = Server::start();
    let render = server.succeeded_render(json!({}));
    let id = render["id"].as_str().unwrap();
    let mut body = br#"{"label": "for the charterer"}"#.to_vec();
    body.resize(21 * 1024 * 1024, b' ');
    let reply = server
        .post(&format!("/v1/renders/{id}/shares"))
        .raw(Some("application/json"), body)
        .try_send()
        .expect("a complete answer");
    reply.expect_error(413, "payload_too_large");
    let listed: Value = server
        .get(&format!("/v1/renders/{id}/shares"))
        .send()
        .expect(200);
    assert_eq!(listed["data"], json!([]));
    assert_eq!(server.render_count(KEY), 1);
}

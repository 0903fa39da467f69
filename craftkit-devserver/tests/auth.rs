//! Authentication and namespaces (`spec/api.md`, "Hosts, keys, namespaces"): a missing,
//! malformed or unknown key is `401 unauthenticated`; a render, template or share of another
//! project is `404 not_found`, exactly as if it did not exist.

mod common;

use common::{KEY, OTHER_KEY, SLUG, Server, UNKNOWN_KEY, render_path, valid_body};
use serde_json::json;
use ureq::http::Method;

/// Every call of the contract that needs a key, with a body where it takes one.
fn authenticated_calls() -> Vec<(Method, String, Option<serde_json::Value>)> {
    vec![
        (Method::GET, "/v1/templates".into(), None),
        (Method::GET, format!("/v1/templates/{SLUG}"), None),
        (
            Method::POST,
            "/v1/templates".into(),
            Some(json!({"slug": "fresh", "pipeline": "html", "variables": []})),
        ),
        (Method::POST, format!("/v1/templates/{SLUG}/publish"), None),
        (Method::POST, render_path(SLUG), Some(valid_body())),
        (
            Method::GET,
            "/v1/renders/rnd_0000000000000000000000".into(),
            None,
        ),
        (
            Method::GET,
            "/v1/renders/rnd_0000000000000000000000/download".into(),
            None,
        ),
        (
            Method::POST,
            "/v1/renders/rnd_0000000000000000000000/shares".into(),
            Some(json!({"label": "x"})),
        ),
        (
            Method::GET,
            "/v1/renders/rnd_0000000000000000000000/shares".into(),
            None,
        ),
        (
            Method::DELETE,
            "/v1/shares/shr_0000000000000000000000".into(),
            None,
        ),
    ]
}

#[test]
fn a_missing_key_is_401_on_every_call() {
    let server = Server::start();
    for (method, path, body) in authenticated_calls() {
        let call = server.call(method.clone(), &path).no_key();
        let call = match &body {
            Some(body) => call.json(body),
            None => call,
        };
        let reply = call.send();
        assert_eq!(reply.status, 401, "{method} {path}: {}", reply.text());
        reply.expect_error(401, "unauthenticated");
    }
    assert_eq!(server.render_count(KEY), 0);
}

#[test]
fn a_malformed_key_is_401() {
    let server = Server::start();
    let malformed = [
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        "Bearer abc".to_owned(),
        "Bearer ck_test_short".to_owned(),
        "Bearer ck_prod_contractsuiteprojectalpha".to_owned(),
        "Bearer ck_test_contract-suite-project-alpha".to_owned(),
        format!("Basic {KEY}"),
        KEY.to_owned(),
        format!("Token {KEY}"),
    ];
    for value in &malformed {
        let reply = server.get("/v1/templates").authorization(value).send();
        assert_eq!(
            reply.status,
            401,
            "Authorization: {value:?}: {}",
            reply.text()
        );
        reply.expect_error(401, "unauthenticated");
    }
}

#[test]
fn an_unknown_well_formed_key_is_401() {
    let server = Server::start();
    for key in [UNKNOWN_KEY, "ck_live_contractsuiteunknownkeyzz"] {
        server
            .get("/v1/templates")
            .key(key)
            .send()
            .expect_error(401, "unauthenticated");
        server
            .post(&render_path(SLUG))
            .key(key)
            .json(&valid_body())
            .send()
            .expect_error(401, "unauthenticated");
    }
    assert_eq!(server.render_count(KEY), 0);
}

#[test]
fn a_known_key_is_accepted() {
    let server = Server::start();
    for key in [KEY, OTHER_KEY] {
        server.get("/v1/templates").key(key).send().expect(200);
    }
}

#[test]
fn a_render_of_another_project_is_404_as_if_unknown() {
    let server = Server::start();
    let render = server.succeeded_render(json!({}));
    let id = render["id"].as_str().unwrap();

    let paths = [
        format!("/v1/renders/{id}"),
        format!("/v1/renders/{id}/download"),
        format!("/v1/renders/{id}/shares"),
    ];
    for path in &paths {
        server
            .get(path)
            .key(OTHER_KEY)
            .send()
            .expect_error(404, "not_found");
    }
    server
        .post(&format!("/v1/renders/{id}/shares"))
        .key(OTHER_KEY)
        .json(&json!({"label": "not mine"}))
        .send()
        .expect_error(404, "not_found");

    // Indistinguishable from a render that does not exist at all.
    let unknown = "rnd_0000000000000000000000";
    for path in [
        format!("/v1/renders/{unknown}"),
        format!("/v1/renders/{unknown}/download"),
        format!("/v1/renders/{unknown}/shares"),
    ] {
        server.get(&path).send().expect_error(404, "not_found");
    }

    // The owner still sees it, and no share was made for the other project.
    server.get_render(id);
    let shares = server
        .get(&format!("/v1/renders/{id}/shares"))
        .send()
        .expect(200);
    assert_eq!(shares["data"], json!([]), "{shares}");
}

#[test]
fn a_share_of_another_project_is_404() {
    let server = Server::start();
    let render = server.succeeded_render(json!({}));
    let id = render["id"].as_str().unwrap();
    let share = server
        .post(&format!("/v1/renders/{id}/shares"))
        .json(&json!({}))
        .send()
        .expect(201);
    let share_id = share["id"].as_str().unwrap();

    server
        .delete(&format!("/v1/shares/{share_id}"))
        .key(OTHER_KEY)
        .send()
        .expect_error(404, "not_found");
    server
        .delete("/v1/shares/shr_0000000000000000000000")
        .send()
        .expect_error(404, "not_found");

    // The failed revocation did nothing.
    let url = share["url"].as_str().unwrap();
    server.get_url(url).send().expect(200);
}

#[test]
fn a_template_of_another_project_is_404() {
    let server = Server::start();
    let manifest = json!({
        "slug": "alpha-only",
        "name": "Alpha only",
        "pipeline": "html",
        "variables": [{"path": "title", "type": "string", "required": true}]
    });
    server
        .post("/v1/templates")
        .json(&manifest)
        .send()
        .expect(201);
    server
        .post("/v1/templates/alpha-only/publish")
        .send()
        .expect(200);
    server.get("/v1/templates/alpha-only").send().expect(200);

    server
        .get("/v1/templates/alpha-only")
        .key(OTHER_KEY)
        .send()
        .expect_error(404, "not_found");
    server
        .post(&render_path("alpha-only"))
        .key(OTHER_KEY)
        .json(&json!({"data": {"title": "x"}}))
        .send()
        .expect_error(404, "not_found");
    server
        .post("/v1/templates/alpha-only/publish")
        .key(OTHER_KEY)
        .send()
        .expect_error(404, "not_found");
    let list = server
        .get("/v1/templates")
        .key(OTHER_KEY)
        .send()
        .expect(200);
    let slugs: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["slug"].as_str())
        .collect();
    assert!(!slugs.contains(&"alpha-only"), "{slugs:?}");
    assert_eq!(server.render_count(OTHER_KEY), 0);
}

#[test]
fn an_unknown_template_is_404() {
    let server = Server::start();
    server
        .get("/v1/templates/no-such-template")
        .send()
        .expect_error(404, "not_found");
    server
        .post(&render_path("no-such-template"))
        .json(&valid_body())
        .send()
        .expect_error(404, "not_found");
    assert_eq!(server.render_count(KEY), 0);
}

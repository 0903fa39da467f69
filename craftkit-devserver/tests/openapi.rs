//! `GET /v1/openapi.json`: the contract as an OpenAPI 3.1 document, without a key.

mod common;

use common::Server;

#[test]
fn the_document_is_served_as_json_without_a_key() {
    let server = Server::start();
    let reply = server.get("/v1/openapi.json").no_key().send();
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert!(reply.header("request-id").is_some());
    let document = reply.json();
    assert_eq!(document["openapi"], "3.1.0");
    assert!(document["paths"]["/v1/templates/{slug}/render"]["post"].is_object());
    assert!(document["webhooks"]["render.succeeded"]["post"].is_object());
}

#[test]
fn a_key_is_not_needed_and_a_wrong_one_does_not_matter() {
    let server = Server::start();
    let reply = server
        .get("/v1/openapi.json")
        .authorization("Bearer nonsense")
        .send();
    assert_eq!(reply.status, 200, "{}", reply.text());
}

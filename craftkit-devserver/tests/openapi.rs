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

#[test]
fn every_answer_is_recorded_with_the_route_that_answered_and_its_json_body() {
    let server = Server::start();
    let manifest = server.get("/v1/templates/charter-handover").send();
    assert_eq!(manifest.status, 200);
    server.get("/v1/renders/rnd_0000000000000000000000").send();
    server.get("/no/such/route").send();
    let answers = server.dev().responses();
    assert_eq!(answers.len(), 3, "{answers:#?}");

    assert_eq!(answers[0].route.as_deref(), Some("/v1/templates/{slug}"));
    assert_eq!(answers[0].status, 200);
    assert_eq!(answers[0].body.as_ref(), Some(&manifest.json()));
    assert_eq!(answers[0].header("etag"), manifest.header("etag"));

    assert_eq!(answers[1].route.as_deref(), Some("/v1/renders/{id}"));
    assert_eq!(answers[1].status, 404);
    let error = answers[1].body.as_ref().expect("a JSON error body");
    assert_eq!(error["error"]["type"], "not_found");
    assert_eq!(
        error["error"]["requestId"].as_str(),
        answers[1].header("request-id")
    );

    assert_eq!(answers[2].route, None, "no route matched");
    assert_eq!(answers[2].status, 404);
}

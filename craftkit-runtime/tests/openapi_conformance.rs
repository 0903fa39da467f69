//! The client's decoding checked against the contract's document (`openapi.yaml`, served by
//! the local server at `GET /v1/openapi.json`): a realistic client session (templates listed,
//! read, revalidated, created and published; a render accepted and replayed, polled, waited
//! for and downloaded; shares created, listed and revoked; and the error answers `401`, `404`,
//! `409`, `422` and `429`) runs against the local server, which records every answer it sends
//! (`DevServer::responses`). Each answer must be documented for its operation and status, carry
//! every header the document requires (each matching its schema), and have a JSON body that
//! validates against the operation's schema for that status.
//!
//! The document's object schemas are made strict here (`additionalProperties: false` where
//! they list `properties`): the document itself leaves them open so that the API may add
//! fields, but a field the server sends and the document does not name is drift, and fails
//! this test as a renamed or retyped field does.

mod common;

use std::collections::{BTreeSet, HashMap};

use common::*;
use craftkit_devserver::{DevServer, Fault, FaultKind, FaultWhen, RecordedResponse};
use craftkit_runtime::client::TemplateDraft;
use craftkit_runtime::client::{Error, RetryPolicy, Visibility, derive_idempotency_key};
use craftkit_runtime::manifest::{Pipeline, VarType, Variable};
use futures_util::TryStreamExt;
use jsonschema::Validator;
use serde_json::{Value, json};

/// The document with strict object schemas, and the validators built from it so far.
struct Contract {
    document: Value,
    validators: HashMap<String, Validator>,
}

impl Contract {
    fn load() -> Contract {
        let mut document: Value = serde_json::from_str(craftkit_devserver::openapi_json())
            .expect("the served document is JSON");
        strict(&mut document["components"]["schemas"]);
        Contract {
            document,
            validators: HashMap::new(),
        }
    }

    /// The object at `pointer` (RFC 6901), following OpenAPI `$ref`s (responses, headers) to
    /// where they point; with the pointer it was found at.
    fn resolve(&self, pointer: &str) -> Option<(String, &Value)> {
        let mut pointer = pointer.to_owned();
        for _ in 0..8 {
            let value = self.document.pointer(&pointer)?;
            match value.get("$ref").and_then(Value::as_str) {
                Some(target) => pointer = target.strip_prefix('#')?.to_owned(),
                None => return Some((pointer, value)),
            }
        }
        None
    }

    /// Whether `instance` validates against the schema at `pointer`; the errors if not.
    fn validate(&mut self, pointer: &str, instance: &Value) -> Result<(), Vec<String>> {
        if !self.validators.contains_key(pointer) {
            // The whole document is the root, so that the schema's `$ref`s resolve; its other
            // members are not keywords and are ignored.
            let mut root = self.document.clone();
            root["$ref"] = Value::String(format!("#{}", fragment(pointer)));
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(&root)
                .unwrap_or_else(|e| panic!("the schema at {pointer} does not compile: {e}"));
            self.validators.insert(pointer.to_owned(), validator);
        }
        let errors: Vec<String> = self.validators[pointer]
            .iter_errors(instance)
            .map(|e| format!("{} at `{}`", e, e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Every way `answer` departs from the document; with the operation and status it was
    /// checked as.
    fn check(&mut self, answer: &RecordedResponse) -> (String, Vec<String>) {
        let name = format!("{} {} -> {}", answer.method, answer.path, answer.status);
        let Some(route) = &answer.route else {
            return (name, vec!["no route answered".into()]);
        };
        let operation = format!("/paths/{}/{}", escape(route), answer.method.to_lowercase());
        let Some(operation_id) = self
            .document
            .pointer(&format!("{operation}/operationId"))
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            return (
                name,
                vec![format!("{} {route} is not in the document", answer.method)],
            );
        };
        let status = answer.status.to_string();
        let range = format!("{}XX", &status[..1]);
        let Some((response, documented)) = [status.as_str(), range.as_str(), "default"]
            .iter()
            .find_map(|key| self.resolve(&format!("{operation}/responses/{key}")))
        else {
            return (
                format!("{operation_id} {status}"),
                vec![format!("status {status} is not documented")],
            );
        };
        let documented = documented.clone();
        let label = format!("{operation_id} {status}");
        let mut problems = Vec::new();

        let headers = documented["headers"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for header in headers.keys() {
            let Some((header_pointer, spec)) =
                self.resolve(&format!("{response}/headers/{}", escape(header)))
            else {
                problems.push(format!("header {header}: its $ref does not resolve"));
                continue;
            };
            let required = spec["required"].as_bool().unwrap_or(false);
            match answer.header(header) {
                None if required => problems.push(format!("required header {header} is missing")),
                None => {}
                Some(value) => {
                    if let Err(errors) = self.validate(
                        &format!("{header_pointer}/schema"),
                        &Value::String(value.to_owned()),
                    ) {
                        problems.push(format!("header {header}: {value:?}: {errors:?}"));
                    }
                }
            }
        }

        let content_type = answer
            .header("content-type")
            .map(|v| v.split(';').next().unwrap_or("").trim().to_owned());
        match (documented["content"].as_object(), content_type) {
            (None, None) => {}
            (None, Some(sent)) => problems.push(format!("a {sent} body where none is documented")),
            (Some(_), None) => problems.push("no Content-Type where a body is documented".into()),
            (Some(content), Some(sent)) => {
                if !content.contains_key(&sent) {
                    problems.push(format!(
                        "Content-Type {sent} is not one of {:?}",
                        content.keys().collect::<Vec<_>>()
                    ));
                } else if sent == "application/json" {
                    let schema = format!("{response}/content/{}/schema", escape(&sent));
                    match &answer.body {
                        None => problems.push("the JSON body did not parse".into()),
                        Some(body) => {
                            if let Err(errors) = self.validate(&schema, body) {
                                problems.push(format!("body {body}: {errors:?}"));
                            }
                        }
                    }
                }
            }
        }
        (label, problems)
    }
}

/// `additionalProperties: false` on every object schema that lists its `properties` and says
/// nothing of others, recursively.
fn strict(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.get("properties").is_some_and(Value::is_object)
                && !map.contains_key("additionalProperties")
            {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(strict);
        }
        Value::Array(items) => items.iter_mut().for_each(strict),
        _ => {}
    }
}

/// A JSON pointer token (RFC 6901).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// A JSON pointer as a URI fragment: braces (path templates) are not allowed there as is.
fn fragment(pointer: &str) -> String {
    pointer.replace('{', "%7B").replace('}', "%7D")
}

/// An answer that departs from the document.
#[derive(Debug)]
struct Departure {
    /// The operation and status it was checked as: `getRender 200`.
    label: String,
    /// The call: `GET /v1/renders/rnd_... -> 200`.
    call: String,
    problems: Vec<String>,
}

/// The answers of `server` checked against the document: every operation and status seen,
/// and every answer that departs from it.
fn check_all(contract: &mut Contract, server: &DevServer) -> (BTreeSet<String>, Vec<Departure>) {
    let mut seen = BTreeSet::new();
    let mut departures = Vec::new();
    for answer in server.responses() {
        let (label, problems) = contract.check(&answer);
        if !problems.is_empty() {
            departures.push(Departure {
                label: label.clone(),
                call: format!("{} {} -> {}", answer.method, answer.path, answer.status),
                problems,
            });
        }
        seen.insert(label);
    }
    (seen, departures)
}

/// The API error of a failed call.
fn api_status(result: Result<impl std::fmt::Debug, Error>) -> u16 {
    let error = result.expect_err("the call fails");
    error
        .status()
        .unwrap_or_else(|| panic!("an API error, not {error:?}"))
}

/// The client session, against a server that behaves.
async fn session(server: &DevServer) {
    let client = client(server);
    let plain = reqwest::Client::new();

    let document = plain
        .get(format!("{}/v1/openapi.json", server.url()))
        .send()
        .await
        .expect("an answer");
    assert_eq!(document.status(), 200);

    // Templates: list, read, revalidate, an older version, create, publish.
    let listed: Vec<Value> = client.list_templates().try_collect().await.unwrap();
    assert_eq!(listed.len(), CACHED_SLUGS.len());
    let fetched = client.template(SLUG).await.unwrap();
    let etag = fetched.etag.expect("an ETag");
    assert!(
        client
            .template_if_none_match(SLUG, &etag)
            .await
            .unwrap()
            .is_none()
    );
    client.template_version(SLUG, SLUG_VERSION).await.unwrap();
    let draft = TemplateDraft::from_value(&json!({
        "slug": "site-visit",
        "name": "Site visit",
        "pipeline": "html",
        "variables": [
            {"path": "site", "type": "string", "required": true},
            {"path": "rooms[]", "type": "array", "minItems": 1},
            {"path": "rooms[].name", "type": "string", "required": true},
            {"path": "rooms[].state", "type": "enum", "values": ["ok", "damaged"]}
        ]
    }))
    .unwrap();
    let created = client.create_template(&draft).await.unwrap();
    assert_eq!(created.version, 0);
    let published = client.publish_template("site-visit").await.unwrap();
    assert_eq!(published.version, 1);

    // A render: accepted, replayed with its key, polled until done, downloaded (public: its
    // permanent URL; private: the key-bound endpoint), shared, listed and revoked.
    let key = derive_idempotency_key("openapi-conformance", &["public"]);
    let handle = client
        .render(&valid_payload())
        .idempotency_key(key.clone())
        .filename("handover.pdf")
        .send()
        .await
        .unwrap();
    let replay = client
        .render(&valid_payload())
        .idempotency_key(key.clone())
        .filename("handover.pdf")
        .send()
        .await
        .unwrap();
    let render = handle.wait().await.unwrap();
    assert_eq!(replay.into_render().id, render.id);
    assert!(is_pdf(&client.download(&render).await.unwrap()));
    let private = client
        .render(&valid_payload())
        .visibility(Visibility::Private)
        .send()
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    assert!(is_pdf(&client.download(&private).await.unwrap()));
    client.get_render(&render.id).await.unwrap();
    let share = client
        .share(&render.id, Some("for the charterer"))
        .await
        .unwrap();
    let unlabelled = client.share(&render.id, None).await.unwrap();
    assert_eq!(client.shares(&render.id).await.unwrap().len(), 2);
    let revoked = client.revoke_share(&share.id).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    let opened = plain.get(&unlabelled.url).send().await.expect("an answer");
    assert_eq!(opened.status(), 200);
    let gone = plain.get(&share.url).send().await.expect("an answer");
    assert_eq!(gone.status(), 404);

    // Error answers: 401, 404, 409, 422.
    let stranger = client_with(server, UNKNOWN_KEY, RetryPolicy::none());
    assert_eq!(api_status(stranger.template(SLUG).await), 401);
    assert_eq!(api_status(client.template("no-such-template").await), 404);
    assert_eq!(
        api_status(client.get_render("rnd_0000000000000000000000").await),
        404
    );
    assert_eq!(
        api_status(client.revoke_share("shr_0000000000000000000000").await),
        404
    );
    assert_eq!(api_status(client.create_template(&draft).await), 409);
    let conflicting = client
        .render_json(SLUG, json!({"booking": {"code": "BK-1"}}))
        .idempotency_key(key)
        .send()
        .await;
    assert_eq!(api_status(conflicting), 409);
    let invalid = client
        .render_json(SLUG, json!({"booking": {"code": 5}}))
        .send()
        .await;
    assert_eq!(api_status(invalid), 422);
    // A pdf-form cannot bind an array; the builder leaves that to the server.
    let bad_manifest = TemplateDraft::new("broken", Pipeline::PdfForm).variable(Variable {
        items: Some(VarType::String),
        ..Variable::new("rows[]", VarType::Array)
    });
    assert_eq!(api_status(client.create_template(&bad_manifest).await), 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_of_a_client_session_matches_the_document() {
    let mut contract = Contract::load();
    let server = start_default().await;
    session(&server).await;

    // 429: the first request of this server is rate limited, and the client (no retries) says so.
    let limited = start(craftkit_devserver::Config {
        faults: vec![Fault {
            kind: FaultKind::RateLimited(std::time::Duration::from_millis(500)),
            when: FaultWhen::Requests(vec![1]),
        }],
        ..config()
    })
    .await;
    let impatient = client_with(&limited, KEY, RetryPolicy::none());
    assert_eq!(api_status(impatient.template(SLUG).await), 429);

    let (mut seen, mut failures) = check_all(&mut contract, &server);
    let (seen_limited, failures_limited) = check_all(&mut contract, &limited);
    seen.extend(seen_limited);
    failures.extend(failures_limited);
    server.stop().await;
    limited.stop().await;

    assert!(
        failures.is_empty(),
        "answers that depart from openapi.yaml:\n{}",
        failures
            .iter()
            .map(|d| format!("  {} ({}): {:#?}", d.label, d.call, d.problems))
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The session reached every operation and status it is meant to check.
    let expected = [
        "getOpenApiDocument 200",
        "listTemplates 200",
        "getTemplate 200",
        "getTemplate 304",
        "getTemplate 401",
        "getTemplate 404",
        "getTemplate 429",
        "createTemplate 201",
        "createTemplate 409",
        "createTemplate 422",
        "publishTemplate 200",
        "createRender 202",
        "createRender 200",
        "createRender 409",
        "createRender 422",
        "getRender 200",
        "getRender 404",
        "downloadRender 200",
        "publicDownload 200",
        "createShare 201",
        "listShares 200",
        "revokeShare 200",
        "revokeShare 404",
        "openShare 200",
        "openShare 404",
    ];
    let missing: Vec<_> = expected.iter().filter(|e| !seen.contains(**e)).collect();
    assert!(
        missing.is_empty(),
        "not reached: {missing:?}; seen: {seen:?}"
    );
}

#[test]
fn a_server_answer_that_drifts_from_the_document_is_caught() {
    let mut contract = Contract::load();
    let render = json!({
        "id": "rnd_2bX9kQ", "object": "render", "template": "charter-handover",
        "templateVersion": 12, "status": "succeeded", "visibility": "public",
        "createdAt": "2026-11-24T10:02:11.204Z", "completedAt": "2026-11-24T10:02:13.880Z",
        "downloadUrl": "https://files.craftkit.io/r/rnd_2bX9kQ/handover.pdf",
        "filename": "handover.pdf", "pages": 3, "bytes": 48213, "error": null, "warnings": []
    });
    let answer = |body: Value| RecordedResponse {
        method: "GET".into(),
        path: "/v1/renders/rnd_2bX9kQ".into(),
        route: Some("/v1/renders/{id}".into()),
        status: 200,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("request-id".into(), "req_abc".into()),
        ],
        body: Some(body),
    };
    let (label, problems) = contract.check(&answer(render.clone()));
    assert_eq!(label, "getRender 200");
    assert!(problems.is_empty(), "{problems:?}");

    let mut renamed = render.clone();
    let status = renamed.as_object_mut().unwrap().remove("status").unwrap();
    renamed["state"] = status;
    let (_, problems) = contract.check(&answer(renamed));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("status"), "{problems:?}");

    let mut retyped = render.clone();
    retyped["status"] = json!("done");
    assert_eq!(contract.check(&answer(retyped)).1.len(), 1);

    let mut without_request_id = answer(render);
    without_request_id.headers.pop();
    let (_, problems) = contract.check(&without_request_id);
    assert!(
        problems == ["required header Request-Id is missing"],
        "{problems:?}"
    );
}

#[test]
fn the_webhook_events_the_server_sends_match_the_document() {
    use craftkit_runtime::client::RenderStatus;
    use craftkit_runtime::webhook::EventType;

    let mut contract = Contract::load();
    let now = std::time::SystemTime::now();
    for kind in [EventType::RenderSucceeded, EventType::RenderFailed] {
        let event = craftkit_devserver::test_event(kind.clone(), None, now);
        let json = serde_json::to_value(&event).unwrap();
        if let Err(errors) = contract.validate("/components/schemas/Event", &json) {
            panic!("{kind} event {json}: {errors:?}");
        }
        let expected = match kind {
            EventType::RenderSucceeded => RenderStatus::Succeeded,
            _ => RenderStatus::Failed,
        };
        assert_eq!(event.data.status, expected);
    }
}

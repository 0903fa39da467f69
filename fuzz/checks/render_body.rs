//! The check of the `render_body` fuzz target, shared with its stable regression test
//! (`craftkit-devserver/tests/fuzz_render_body.rs`), which includes this file with `#[path]`.
//!
//! The input is the body of `POST /v1/templates/:slug/render`, sent with a valid key to the
//! local server's router in-process. The answer is never a panic and never a `5xx`; its status
//! is one the contract allows for this call (`202`, `400`, `404` for a slug that is not
//! published, `409 template_version_mismatch`, `413`, `422`), with the contract's JSON error
//! body on errors. And it agrees with the validator: for a JSON object with `data`, the server
//! answers `422` exactly when `craftkit_core::data::validate` reports violations (when
//! `options` are given, they may fail first with `400` or `409`), with one detail each.
//!
//! The slug is the body's `template` when that is a slug-shaped string (a fixture's, or an
//! unknown one for a `404`), else one of the fixtures', picked by the input's length.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use craftkit_core::api::{ErrorBody, Render};
use craftkit_core::data;
use craftkit_core::manifest::Tree;
use craftkit_devserver::{Config, DEV_KEY, load_templates, router_for_fuzzing};
use serde_json::Value;
use tower::ServiceExt;

/// The published templates: the repository's fixtures.
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/manifests");

/// Requests per server. Accepted renders stay queued in the server's store (their render delay
/// is an hour, so no PDF is made), so the runtime and the server are replaced after this many
/// requests, which keeps memory bounded over millions of runs.
const REQUESTS_PER_SERVER: usize = 1000;

/// A server and the fixtures' folded manifests.
pub struct Harness {
    trees: BTreeMap<String, Tree>,
    config: Config,
    server: Option<(tokio::runtime::Runtime, axum::Router)>,
    served: usize,
}

impl Harness {
    /// A harness over the fixtures of `tests/fixtures/manifests`.
    pub fn new() -> Harness {
        let templates = load_templates(FIXTURES).expect("the fixtures load");
        let trees = templates
            .iter()
            .map(|m| (m.slug.clone(), m.tree().expect("the fixtures are valid")))
            .collect();
        let config = Config {
            templates,
            render_delay: std::time::Duration::from_secs(3600),
            workers: 1,
            ..Config::default()
        };
        Harness {
            trees,
            config,
            server: None,
            served: 0,
        }
    }

    /// Sends `body` to the server; the status and the parsed answer.
    fn send(&mut self, slug: &str, body: &[u8]) -> (StatusCode, Vec<u8>) {
        // `%`, not `is_multiple_of`: this file is also compiled by the workspace (rust-version
        // 1.85), where that method does not exist yet.
        #[allow(clippy::manual_is_multiple_of)]
        let fresh = self.served % REQUESTS_PER_SERVER == 0;
        if fresh {
            // The old runtime is dropped first, with the tasks of its queued renders.
            self.server = None;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a current-thread runtime");
            let router = router_for_fuzzing(self.config.clone()).expect("the server builds");
            self.server = Some((runtime, router));
        }
        self.served += 1;
        let (runtime, router) = self.server.as_ref().expect("built above");
        let request = Request::post(format!("/v1/templates/{slug}/render"))
            .header("authorization", format!("Bearer {DEV_KEY}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_vec()))
            .expect("a valid request");
        runtime.block_on(async {
            let response = router.clone().oneshot(request).await.expect("infallible");
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("the answer's body is readable");
            (status, bytes.to_vec())
        })
    }

    /// Runs the check on one input; panics (with the reason) when a property does not hold.
    pub fn check(&mut self, bytes: &[u8]) {
        let json: Option<Value> = serde_json::from_slice(bytes).ok();
        let object = json.as_ref().and_then(Value::as_object);
        let named = object
            .and_then(|o| o.get("template"))
            .and_then(Value::as_str)
            .filter(|s| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
            });
        let slug = match named {
            Some(slug) => slug.to_owned(),
            None => self
                .trees
                .keys()
                .nth(bytes.len() % self.trees.len())
                .expect("fixtures")
                .clone(),
        };
        let (status, answer) = self.send(&slug, bytes);
        let shown = String::from_utf8_lossy(&answer);

        assert!(!status.is_server_error(), "{status}: {shown}");
        let allowed = [
            StatusCode::ACCEPTED,
            StatusCode::BAD_REQUEST,
            StatusCode::NOT_FOUND,
            StatusCode::CONFLICT,
            StatusCode::PAYLOAD_TOO_LARGE,
            StatusCode::UNPROCESSABLE_ENTITY,
        ];
        assert!(allowed.contains(&status), "unexpected {status}: {shown}");
        let tree = self.trees.get(&slug);
        if json.is_none() {
            assert_eq!(status, StatusCode::BAD_REQUEST, "not JSON, yet: {shown}");
        } else if object.is_none() {
            // Not even as `[data, options]`, which serde would read as the struct.
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "not an object, yet: {shown}"
            );
        }
        if status == StatusCode::ACCEPTED {
            let render: Render = serde_json::from_slice(&answer)
                .unwrap_or_else(|e| panic!("a 202 whose body is not a Render ({e}): {shown}"));
            assert_eq!(render.template, slug, "{shown}");
            let tree = tree.unwrap_or_else(|| panic!("accepted for an unknown template: {shown}"));
            let data = object.and_then(|o| o.get("data"));
            let data = data.unwrap_or_else(|| panic!("accepted without data: {shown}"));
            let report = data::validate(tree, data);
            assert!(
                report.is_valid(),
                "accepted data with violations {:?}",
                report.violations
            );
            return;
        }
        let error: ErrorBody = serde_json::from_slice(&answer)
            .unwrap_or_else(|e| panic!("a {status} without the JSON error body ({e}): {shown}"));
        let expected_kind = match status.as_u16() {
            400 => "invalid_request",
            404 => "not_found",
            409 => "template_version_mismatch",
            413 => "payload_too_large",
            _ => "validation_failed",
        };
        assert_eq!(error.error.kind, expected_kind, "{status}: {shown}");
        // An unknown template is a 404, unless the body is refused first.
        if status == StatusCode::NOT_FOUND || tree.is_none() {
            assert!(
                tree.is_none() && matches!(status.as_u16(), 400 | 404),
                "{status} for template `{slug}`: {shown}"
            );
        }

        // Agreement with the validator.
        let (Some(tree), Some(object)) = (tree, object) else {
            assert_ne!(status, StatusCode::UNPROCESSABLE_ENTITY, "{shown}");
            return;
        };
        let Some(data) = object.get("data") else {
            assert_ne!(status, StatusCode::UNPROCESSABLE_ENTITY, "{shown}");
            return;
        };
        let report = data::validate(tree, data);
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            let found: Vec<(&str, &str)> = error
                .error
                .details
                .iter()
                .map(|d| (d.path.as_str(), d.code.as_str()))
                .collect();
            let expected: Vec<(&str, &str)> = report
                .violations
                .iter()
                .map(|v| (v.path.as_str(), v.code.as_str()))
                .collect();
            assert_eq!(found, expected, "the 422's details are not the violations");
            assert!(!expected.is_empty(), "422 for data without violations");
        } else if !report.is_valid() {
            // Only a problem with `options` (or the body's shape) may come first.
            assert!(
                object.contains_key("options") && status != StatusCode::NOT_FOUND,
                "{status} for data with violations {:?}: {shown}",
                report.violations
            );
        }
    }
}

impl Default for Harness {
    fn default() -> Harness {
        Harness::new()
    }
}

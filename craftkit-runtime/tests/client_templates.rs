//! Proves the client's template calls against the local server: `list_templates` follows the
//! cursor over more templates than one page holds (the server caps a page at 100) and yields
//! each exactly once; `template` answers the manifest with its `ETag` and
//! `template_if_none_match` answers `None` (304) while it holds; `template_version` reads an
//! older version after a publish; `create_template` reports an invalid manifest as a `422`
//! naming the variable paths; and `verify::<CharterHandover>()` judges a published change
//! compatible (a new optional variable) or breaking (a new required one).

mod common;

use std::collections::BTreeMap;

use common::*;
use craftkit_runtime::Template;
use craftkit_runtime::client::{Client, Error, TemplateDraft};
use craftkit_runtime::manifest::{ChangeKind, ManifestError, Pipeline, VarType, Variable};
use futures_util::StreamExt;
use serde_json::{Value, json};

/// A small valid draft.
fn small_draft(slug: &str) -> TemplateDraft {
    TemplateDraft::new(slug, Pipeline::Html)
        .name(format!("Template {slug}"))
        .description("A one-variable template for paging tests.")
        .variable(Variable {
            required: true,
            ..Variable::new("title", VarType::String)
        })
}

/// The cached charter hand-over manifest (its `version` and `status` are not sent) with one
/// more variable, as a draft.
fn charter_draft_with(variable: Value) -> TemplateDraft {
    let mut manifest = cached_manifest(SLUG);
    manifest["variables"]
        .as_array_mut()
        .expect("variables")
        .push(variable);
    TemplateDraft::from_value(&manifest).expect("a valid draft")
}

/// Replaces and publishes `charter-handover` (`replace: true`); returns the new version.
async fn republish_charter(client: &Client, variable: Value) -> u64 {
    let draft = client
        .create_template(&charter_draft_with(variable).replace(true))
        .await
        .expect("the draft is created");
    assert_eq!(
        draft.status,
        Some(craftkit_runtime::manifest::Status::Draft)
    );
    let published = client.publish_template(SLUG).await.expect("published");
    assert_eq!(
        published.status,
        Some(craftkit_runtime::manifest::Status::Published)
    );
    published.version
}

#[tokio::test(flavor = "multi_thread")]
async fn list_templates_pages_through_more_than_100_and_yields_each_once() {
    let server = start_default().await;
    let client = client(&server);

    let created: Vec<String> = (0..105).map(|i| format!("paging-{i:03}")).collect();
    for slug in &created {
        let draft = client
            .create_template(&small_draft(slug))
            .await
            .expect("draft");
        assert_eq!((draft.slug.as_str(), draft.version), (slug.as_str(), 0));
        let published = client.publish_template(slug).await.expect("published");
        assert_eq!(published.version, 1);
    }

    let items: Vec<Value> = client
        .list_templates()
        .map(|item| item.expect("every page is fetched"))
        .collect()
        .await;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for item in &items {
        let slug = item["slug"]
            .as_str()
            .expect("a summary has a slug")
            .to_owned();
        assert!(
            item.get("variables").is_none(),
            "a summary has no variables: {item}"
        );
        assert_eq!(item["status"], "published", "{item}");
        *seen.entry(slug).or_default() += 1;
    }
    let duplicates: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        duplicates.is_empty(),
        "yielded more than once: {duplicates:?}"
    );
    let mut expected: Vec<String> = created.clone();
    expected.extend(CACHED_SLUGS.iter().map(|s| s.to_string()));
    expected.sort();
    assert_eq!(seen.keys().cloned().collect::<Vec<_>>(), expected);
    assert_eq!(
        items.len(),
        109,
        "more than a page of 100: the cursor was followed"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_template_comes_with_its_etag_and_if_none_match_answers_none_while_it_holds() {
    let server = start_default().await;
    let client = client(&server);

    let fetch = client.template(SLUG).await.expect("published");
    assert_eq!(fetch.manifest.slug, SLUG);
    assert_eq!(fetch.manifest.version, SLUG_VERSION);
    assert_eq!(
        &fetch.manifest,
        CharterHandover::manifest(),
        "the manifest the type was made from"
    );
    let etag = fetch.etag.clone().expect("an ETag header");
    assert_eq!(etag, format!("\"{}\"", fetch.manifest.fingerprint()));

    assert_eq!(
        client
            .template_if_none_match(SLUG, &etag)
            .await
            .expect("304"),
        None
    );
    assert_eq!(
        client
            .template_if_none_match(SLUG, &format!("W/{etag}"))
            .await
            .expect("304"),
        None,
        "the weak comparison"
    );
    let stale = client
        .template_if_none_match(SLUG, "\"not-the-fingerprint\"")
        .await;
    assert_eq!(stale.expect("200"), Some(fetch.clone()));

    // A publish changes the manifest, so the old ETag no longer holds.
    let version = republish_charter(&client, json!({"path": "weather", "type": "string"})).await;
    let changed = client
        .template_if_none_match(SLUG, &etag)
        .await
        .expect("200");
    let changed = changed.expect("the manifest changed: a 200, not a 304");
    assert_eq!(changed.manifest.version, version);
    assert_ne!(changed.etag.as_deref(), Some(etag.as_str()));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn template_version_reads_an_older_version_after_a_publish() {
    let server = start_default().await;
    let client = client(&server);
    let before = client.template(SLUG).await.expect("published");

    let version = republish_charter(&client, json!({"path": "weather", "type": "string"})).await;
    assert_eq!(
        version,
        SLUG_VERSION + 1,
        "each publish increments the version"
    );
    let latest = client.template(SLUG).await.expect("published");
    assert_eq!(latest.manifest.version, version);
    assert!(
        latest
            .manifest
            .variables
            .iter()
            .any(|v| v.path == "weather")
    );

    let old = client
        .template_version(SLUG, SLUG_VERSION)
        .await
        .expect("the older version");
    assert_eq!(old.manifest, before.manifest);
    assert_eq!(old.etag, before.etag);
    assert!(!old.manifest.variables.iter().any(|v| v.path == "weather"));
    let new = client
        .template_version(SLUG, version)
        .await
        .expect("the latest by number");
    assert_eq!(new, latest);

    let error = client
        .template_version(SLUG, 99)
        .await
        .expect_err("no version 99");
    let api = error
        .api()
        .unwrap_or_else(|| panic!("expected Error::Api, got {error:?}"));
    assert_eq!((api.status, api.kind.as_str()), (404, "not_found"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_and_draft_only_templates_are_404s() {
    let server = start_default().await;
    let client = client(&server);

    let error = client.template("no-such-template").await.expect_err("404");
    let api = error
        .api()
        .unwrap_or_else(|| panic!("expected Error::Api, got {error:?}"));
    assert_eq!((api.status, api.kind.as_str()), (404, "not_found"));

    client
        .create_template(&small_draft("draft-only"))
        .await
        .expect("draft");
    let error = client.template("draft-only").await.expect_err("404");
    let api = error
        .api()
        .unwrap_or_else(|| panic!("expected Error::Api, got {error:?}"));
    assert_eq!(
        (api.status, api.kind.as_str()),
        (404, "template_not_published")
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_manifest_is_a_422_naming_the_variable_paths() {
    let server = start_default().await;
    let client = client(&server);

    // The builder checks nothing: the server is the judge, and names every path at once.
    let draft = TemplateDraft::new("broken", Pipeline::Html)
        .name("Broken")
        .variable(Variable {
            required: true,
            ..Variable::new("title", VarType::String)
        })
        .variable(Variable::new("areas[].condition", VarType::Enum))
        .variable(Variable {
            minimum: Some(100.into()),
            maximum: Some(0.into()),
            ..Variable::new("fuel", VarType::Number)
        });
    let error = client.create_template(&draft).await.expect_err("422");
    let Error::Api(api) = &error else {
        panic!("expected Error::Api, got {error:?}");
    };
    assert_eq!(
        (api.status, api.kind.as_str(), api.attempts),
        (422, "validation_failed", 1)
    );
    let paths: Vec<&str> = api.details.iter().map(|d| d.path.as_str()).collect();
    assert!(paths.contains(&"areas[].condition"), "{paths:?}");
    assert!(paths.contains(&"fuel"), "{paths:?}");
    assert!(
        !paths.contains(&"title"),
        "a valid variable is not a problem: {paths:?}"
    );
    assert!(error.to_string().contains("areas[].condition"), "{error}");

    // Nothing was created.
    let error = client
        .publish_template("broken")
        .await
        .expect_err("no draft");
    assert_eq!(error.status(), Some(404));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_published_slug_is_only_replaced_when_asked() {
    let server = start_default().await;
    let client = client(&server);

    let draft = charter_draft_with(json!({"path": "weather", "type": "string"}));
    let error = client.create_template(&draft).await.expect_err("409");
    let api = error
        .api()
        .unwrap_or_else(|| panic!("expected Error::Api, got {error:?}"));
    assert_eq!((api.status, api.kind.as_str()), (409, "template_exists"));

    let replaced = client
        .create_template(&draft.replace(true))
        .await
        .expect("replaced");
    assert_eq!(
        replaced.version, SLUG_VERSION,
        "a draft carries the last published version"
    );
    let live = client.template(SLUG).await.expect("still published");
    assert_eq!(
        live.manifest.version, SLUG_VERSION,
        "a draft does not change the live manifest"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_finds_no_change_on_the_version_the_type_was_generated_from() {
    let server = start_default().await;
    let client = client(&server);

    let changes = client.verify::<CharterHandover>().await.expect("compared");
    assert!(!changes.is_breaking(), "{changes}");
    assert!(changes.changes.is_empty(), "{changes}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_judges_a_new_optional_variable_compatible() {
    let server = start_default().await;
    let client = client(&server);

    let version = republish_charter(
        &client,
        json!({"path": "weather", "type": "string", "description": "Forecast at hand-over"}),
    )
    .await;
    let changes = client.verify::<CharterHandover>().await.expect("compared");
    assert!(!changes.is_breaking(), "{changes}");
    assert!(
        changes
            .changes
            .iter()
            .any(|c| c.path.as_deref() == Some("weather")
                && matches!(c.kind, ChangeKind::Added { required: false })
                && !c.breaking),
        "the new variable is listed: {changes}"
    );
    assert!(changes.changes.iter().any(|c| matches!(
        c.kind,
        ChangeKind::VersionChanged { from: SLUG_VERSION, to } if to == version
    )));
    assert!(changes.to_string().contains("weather"), "{changes}");

    // Unpinned typed renders go on working; a render pinned to the type's version is refused.
    let render = client
        .render_and_wait(&valid_payload())
        .await
        .expect("still renders");
    assert_eq!(render.template_version, version);
    let error = client
        .render(&valid_payload())
        .pin_version(true)
        .send()
        .await
        .expect_err("409");
    let api = error
        .api()
        .unwrap_or_else(|| panic!("expected Error::Api, got {error:?}"));
    assert_eq!(
        (api.status, api.kind.as_str()),
        (409, "template_version_mismatch")
    );
    assert!(
        api.details
            .first()
            .is_some_and(|d| d.message.contains(&version.to_string())),
        "details[0] names the current version: {api:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_judges_a_new_required_variable_breaking() {
    let server = start_default().await;
    let client = client(&server);

    republish_charter(
        &client,
        json!({"path": "skipper_name", "type": "string", "required": true}),
    )
    .await;
    let changes = client.verify::<CharterHandover>().await.expect("compared");
    assert!(changes.is_breaking(), "{changes}");
    let breaking: Vec<_> = changes.breaking().collect();
    assert!(
        breaking
            .iter()
            .any(|c| c.path.as_deref() == Some("skipper_name")
                && matches!(c.kind, ChangeKind::Added { required: true })),
        "{changes}"
    );
    assert!(changes.to_string().contains("skipper_name"), "{changes}");

    // What verify warns about: the server now rejects the type's payload.
    let error = client
        .render(&valid_payload())
        .send()
        .await
        .expect_err("422");
    let api = error
        .api()
        .unwrap_or_else(|| panic!("expected Error::Api, got {error:?}"));
    assert_eq!((api.status, api.kind.as_str()), (422, "validation_failed"));
    assert!(
        api.details.iter().any(|d| d.path == "skipper_name"),
        "{api:?}"
    );
    server.stop().await;
}

#[test]
fn a_draft_read_from_a_pulled_manifest_sends_no_server_fields() {
    // A pulled manifest carries `version`, `status` and `updatedAt`; the body has none of them.
    let mut pulled = cached_manifest(SLUG);
    pulled["updatedAt"] = json!("2026-11-24T10:02:11Z");
    let draft = TemplateDraft::from_value(&pulled).expect("a valid manifest");
    let body = serde_json::to_value(&draft).expect("serializes");
    for field in ["version", "status", "updatedAt", "replace"] {
        assert!(body.get(field).is_none(), "{field} in {body}");
    }
    assert_eq!(body["slug"], SLUG);
    let paths = |v: &Value| -> Vec<String> {
        v["variables"]
            .as_array()
            .expect("variables")
            .iter()
            .map(|v| v["path"].to_string())
            .collect()
    };
    assert_eq!(paths(&body), paths(&pulled));
    assert!(!draft.replaces());

    // `"replace": true` in the JSON, or the setter, sends it.
    pulled["replace"] = json!(true);
    let replacing = TemplateDraft::from_value(&pulled).expect("valid");
    assert!(replacing.replaces());
    assert_eq!(replacing, draft.clone().replace(true));
    assert_eq!(serde_json::to_value(&replacing).unwrap()["replace"], true);

    // A pulled manifest taken as it is makes the same draft.
    let manifest: craftkit_runtime::manifest::Manifest =
        serde_json::from_value(cached_manifest(SLUG)).expect("a manifest");
    assert_eq!(TemplateDraft::from(manifest), draft);
}

#[test]
fn a_draft_read_from_json_reports_every_problem_before_anything_is_sent() {
    let syntax =
        TemplateDraft::from_json("{\n  \"slug\": \"x\",\n  \"pipeline\": }").expect_err("not JSON");
    assert!(
        matches!(syntax, ManifestError::Syntax { line: 3, .. }),
        "{syntax:?}"
    );

    let invalid = TemplateDraft::from_value(&json!({
        "slug": "broken",
        "pipeline": "html",
        "replace": "yes",
        "variables": [
            {"path": "areas[].condition", "type": "enum"},
            {"path": "fuel", "type": "number", "minimum": 100, "maximum": 0}
        ]
    }))
    .expect_err("invalid");
    let paths: Vec<&str> = invalid.problems().iter().map(|p| p.path()).collect();
    assert_eq!(paths, ["areas[].condition", "fuel", "replace"], "{invalid}");
    assert!(
        invalid
            .to_string()
            .contains("`replace` must be true or false")
    );

    // A document that is no manifest at all, and a valid one whose only fault is `replace`.
    assert_eq!(
        TemplateDraft::from_value(&json!([1]))
            .unwrap_err()
            .problems()[0]
            .path(),
        "(document)"
    );
    let bad_replace = TemplateDraft::from_value(&json!({
        "slug": "ok", "pipeline": "html", "variables": [], "replace": 1
    }))
    .expect_err("replace is not a boolean");
    assert!(
        matches!(&bad_replace, ManifestError::Invalid { slug: Some(s), problems } if s == "ok" && problems.len() == 1),
        "{bad_replace:?}"
    );
}

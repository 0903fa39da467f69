//! `cargo craftkit push` end to end, through the real binary against the local server: a new
//! template saved as a draft then published and cached; a compatible change published; a
//! breaking one (by the spec's rules, or by a generated Rust name) refused, then published with
//! --allow-breaking; a pulled manifest pushed unchanged; and every kind of bad file named,
//! with nothing sent.

use std::path::PathBuf;

use assert_cmd::Command;
use craftkit_devserver::Config;
use craftkit_runtime::manifest::Manifest;
use predicates::prelude::*;
use serde_json::{Value, json};

mod common;

use common::{Live, fixtures};

impl Live {
    /// `cargo craftkit ARGS` in the scratch directory, against the server, with the default
    /// directories (`.craftkit/templates`, `.craftkit/manifests`) and no environment override.
    fn push(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("cargo-craftkit").unwrap();
        cmd.arg("craftkit")
            .arg("push")
            .args(args)
            .env("CRAFTKIT_API_URL", self.server().url())
            .env("CRAFTKIT_API_KEY", &self.server().keys()[0])
            .env_remove("CRAFTKIT_MANIFEST_DIR")
            .current_dir(&self.dir);
        cmd
    }

    fn templates(&self) -> PathBuf {
        self.dir.join(".craftkit/templates")
    }

    /// Writes `manifest` as the template file of `slug`.
    fn write(&self, slug: &str, manifest: &Value) {
        std::fs::create_dir_all(self.templates()).unwrap();
        std::fs::write(
            self.templates().join(format!("{slug}.json")),
            serde_json::to_string_pretty(manifest).unwrap(),
        )
        .unwrap();
    }

    /// The published manifest of `slug`, or the API's status for it.
    fn live(&self, slug: &str) -> Result<Manifest, u16> {
        let client = craftkit_runtime::Client::builder()
            .key(&self.server().keys()[0])
            .base_url(self.server().url())
            .build()
            .unwrap();
        self.runtime
            .block_on(client.template(slug))
            .map(|fetch| fetch.manifest)
            .map_err(|e| e.status().unwrap())
    }

    /// The cached manifest of `slug`, if any.
    fn cached(&self, slug: &str) -> Option<Manifest> {
        let path = self.dir.join(format!(".craftkit/manifests/{slug}.json"));
        let text = std::fs::read_to_string(path).ok()?;
        Some(Manifest::from_json(&text).unwrap())
    }

    /// How many drafts were sent (`POST /v1/templates`) so far.
    fn drafts_sent(&self) -> usize {
        self.server()
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/v1/templates")
            .count()
    }
}

fn site_visit(extra: &[Value]) -> Value {
    let mut variables = vec![
        json!({"path": "site", "type": "string", "required": true}),
        json!({"path": "rooms[]", "type": "array", "minItems": 1}),
        json!({"path": "rooms[].name", "type": "string", "required": true}),
    ];
    variables.extend_from_slice(extra);
    json!({"slug": "site-visit", "name": "Site visit", "pipeline": "html", "variables": variables})
}

#[test]
fn push_creates_publishes_and_caches_and_refuses_a_breaking_change_until_allowed() {
    let live = Live::start("push-lifecycle", Config::default());
    live.write("site-visit", &site_visit(&[]));

    // A draft only: nothing published, nothing cached.
    live.push(&[])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "site-visit: new template: draft saved (nothing published yet)",
        ))
        .stdout(predicate::str::contains("pass --publish"));
    assert_eq!(live.live("site-visit"), Err(404));
    assert!(live.cached("site-visit").is_none());

    // Published, and cached as `pull` would have cached it.
    live.push(&["site-visit", "--publish"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "site-visit: published version 1; cached manifest new (version 1)",
        ));
    let published = live.live("site-visit").unwrap();
    assert_eq!(published.version, 1);
    assert_eq!(live.cached("site-visit"), Some(published.clone()));

    // The same file again: nothing to publish, and no version 2 for nothing.
    live.push(&["--publish"])
        .assert()
        .success()
        .stdout(predicate::str::contains("site-visit: up to date"))
        .stdout(predicate::str::contains(
            "site-visit: not published again: the draft is published version 1",
        ));
    assert_eq!(live.live("site-visit").unwrap().version, 1);

    // A compatible change: the report `check` prints, then published and cached.
    let notes = json!({"path": "notes", "type": "text"});
    live.write("site-visit", &site_visit(std::slice::from_ref(&notes)));
    live.push(&["--publish"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "site-visit: compatible (published version 1, draft)",
        ))
        .stdout(predicate::str::contains("`notes`: new optional variable"))
        .stdout(predicate::str::contains(
            "site-visit: published version 2; cached manifest updated (version 1 -> 2)",
        ));
    assert_eq!(live.live("site-visit").unwrap().version, 2);
    assert_eq!(live.cached("site-visit").unwrap().version, 2);

    // A breaking change: listed, the draft saved, nothing published, the cache untouched.
    let inspector = json!({"path": "inspector", "type": "string", "required": true});
    live.write("site-visit", &site_visit(&[notes, inspector]));
    live.push(&["--publish"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "site-visit: BREAKING (published version 2, draft)",
        ))
        .stdout(predicate::str::contains(
            "`inspector`: new required variable",
        ))
        .stderr(predicate::str::contains("--allow-breaking"))
        .stderr(predicate::str::contains("site-visit would break code"));
    assert_eq!(live.live("site-visit").unwrap().version, 2);
    assert_eq!(live.cached("site-visit").unwrap().version, 2);

    // Without --publish the same change is only a draft, and says so without failing.
    live.push(&[])
        .assert()
        .success()
        .stdout(predicate::str::contains("BREAKING"));

    // Allowed: published and cached.
    live.push(&["--publish", "--allow-breaking"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "site-visit: published version 3; cached manifest updated (version 2 -> 3)",
        ));
    let published = live.live("site-visit").unwrap();
    assert_eq!(published.version, 3);
    let cached = live.cached("site-visit").unwrap();
    assert_eq!(cached, published);
    assert!(cached.variables.iter().any(|v| v.path == "inspector"));
}

#[test]
fn a_change_that_renames_a_generated_rust_name_is_refused_like_a_breaking_one() {
    let live = Live::start("push-rename", Config::default());
    let address =
        |owner: &str| json!({"path": format!("{owner}.address.street"), "type": "string"});
    let manifest = |variables: Vec<Value>| json!({"slug": "letter", "pipeline": "html", "variables": variables});
    live.write("letter", &manifest(vec![address("home")]));
    live.push(&["--publish"]).assert().success();

    // A new optional `work.address` is compatible for the API, but the generated `Address`
    // becomes `HomeAddress`: code that names it would no longer compile.
    live.write("letter", &manifest(vec![address("home"), address("work")]));
    live.push(&["--publish"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("letter: BREAKING"))
        .stdout(predicate::str::contains("new optional variable"))
        .stdout(predicate::str::contains("Rust: "))
        .stdout(predicate::str::contains("HomeAddress"))
        .stderr(predicate::str::contains("--allow-breaking"));
    assert_eq!(live.live("letter").unwrap().version, 1);
}

#[test]
fn a_pulled_manifest_pushes_as_it_is_and_changes_nothing() {
    let live = Live::start("push-pulled", Config::default());
    std::fs::create_dir_all(live.templates()).unwrap();
    std::fs::copy(
        fixtures().join("manifests/charter-handover.json"),
        live.templates().join("charter-handover.json"),
    )
    .unwrap();
    live.push(&["charter-handover", "--publish"])
        .assert()
        .success()
        .stdout(predicate::str::contains("charter-handover: up to date"))
        .stdout(predicate::str::contains(
            "not published again: the draft is published version 12",
        ));
    assert_eq!(live.live("charter-handover").unwrap().version, 12);
}

#[test]
fn every_bad_file_is_named_with_its_problem_and_nothing_is_sent() {
    let live = Live::start("push-errors", Config::default());

    live.push(&[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no template directory"))
        .stderr(predicate::str::contains("--templates-dir"));
    std::fs::create_dir_all(live.templates()).unwrap();
    live.push(&[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no template files in"));

    let dir = live.templates();
    std::fs::write(
        dir.join("not-json.json"),
        "{\n  \"slug\": \"not-json\",\n  \"pipeline\": \n}\n",
    )
    .unwrap();
    live.write(
        "invalid",
        &json!({"slug": "invalid", "pipeline": "html", "variables": [
            {"path": "title", "type": "string"},
            {"path": "areas[].condition", "type": "enum"}
        ]}),
    );
    live.write("renamed", &site_visit(&[]));
    live.write("Not A Slug", &site_visit(&[]));
    live.write("site-visit", &site_visit(&[]));
    std::fs::write(dir.join("README.md"), "not a template").unwrap();

    // Every file is read and checked first: all problems at once, the good file not sent.
    let assert = live.push(&["--publish"]).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    for expected in [
        "not-json.json:4:1: expected value",
        "invalid.json: the manifest of template `invalid` is invalid",
        "invalid.json:10:15: variable `areas[].condition`",
        "areas[].condition",
        "renamed.json: the file is named for `renamed` but the manifest's slug is `site-visit`",
        "Not A Slug.json: `Not A Slug` is not a template slug",
        "nothing was pushed",
    ] {
        assert!(stderr.contains(expected), "{expected:?} in:\n{stderr}");
    }
    assert!(!stderr.contains("README"), "{stderr}");
    assert_eq!(live.drafts_sent(), 0);
    assert_eq!(live.live("site-visit"), Err(404));

    // A named template without a file, with the close one suggested.
    live.push(&["site-vist"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "site-vist.json: no such file (did you mean `site-visit`?)",
        ));
    // A named template is a slug, never a path.
    live.push(&["../escape"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`../escape` is not a template slug",
        ));
    // The good file alone goes through.
    live.push(&["site-visit"]).assert().success();
    assert_eq!(live.drafts_sent(), 1);
}

#[test]
fn a_template_file_over_the_apis_body_limit_is_refused_unread() {
    let live = Live::start("push-large", Config::default());
    std::fs::create_dir_all(live.templates()).unwrap();
    let mut text = serde_json::to_string(&site_visit(&[])).unwrap();
    text.push_str(&" ".repeat(20 * 1024 * 1024));
    std::fs::write(live.templates().join("site-visit.json"), text).unwrap();
    live.push(&[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "site-visit.json: larger than 20 MiB, the API's limit for a request body",
        ));
    assert_eq!(live.drafts_sent(), 0);
}

#[test]
fn overrides_written_before_a_templates_first_publish_do_not_block_it() {
    let live = Live::start("push-config-first", Config::default());
    live.write("site-visit", &site_visit(&[]));
    // Overrides for a template nobody has published yet: nothing to pull, so the cache cannot
    // hold it; the push that publishes it must not be refused for it.
    let config = live.dir.join(".craftkit/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(
        &config,
        "[template.site-visit.types.Room]\nrename = \"Space\"\n",
    )
    .unwrap();

    live.push(&["--publish"]).assert().success();
    assert_eq!(live.live("site-visit").unwrap().version, 1);
    assert!(live.cached("site-visit").is_some());

    // Once published and cached, a change is compared with the overrides applied, as for
    // any cached template.
    live.write(
        "site-visit",
        &site_visit(&[json!({"path": "rooms[].area", "type": "number"})]),
    );
    live.push(&["--publish"]).assert().success();
    assert_eq!(live.live("site-visit").unwrap().version, 2);

    // A template neither cached nor pushed is still a mistake to name (a typo).
    std::fs::write(
        &config,
        "[template.site-vist.types.Room]\nrename = \"Space\"\n",
    )
    .unwrap();
    live.push(&[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `site-visit`?"));
}

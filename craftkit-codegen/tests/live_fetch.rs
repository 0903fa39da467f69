//! Live manifests (craftkit-codegen's `fetch` feature) against the local server: a manifest
//! missing from the cache is fetched, validated and written into the cache as pretty JSON with
//! a trailing newline, without the key; what the server refuses is an error that says so.

use std::time::Duration;

use craftkit_codegen::ManifestSource;
use craftkit_codegen::fetch::LiveFetcher;
use craftkit_devserver::{Config, DevServer};

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("craftkit-live-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_missing_manifest_is_fetched_into_the_cache() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let templates = craftkit_devserver::load_templates(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/manifests"
    ))
    .unwrap();
    let server = runtime
        .block_on(DevServer::start(Config {
            templates,
            render_delay: Duration::ZERO,
            ..Config::default()
        }))
        .unwrap();
    let key = server.keys()[0].clone();
    let cache = scratch("cache");

    let source = ManifestSource::new(&cache).with_fetcher(LiveFetcher::new(server.url(), &key));
    let loaded = source.load("charter-handover").expect("fetched");
    assert_eq!(loaded.manifest().version, 12);
    let written = std::fs::read_to_string(cache.join("charter-handover.json")).unwrap();
    assert!(
        written.ends_with("}\n") && written.contains("\n  \"slug\": \"charter-handover\""),
        "pretty JSON:\n{written}"
    );
    assert!(!written.contains(&key), "the cache never holds the key");
    // the cached file is what the generator reads next time, with no fetcher at all
    let offline = ManifestSource::new(&cache)
        .load("charter-handover")
        .unwrap();
    assert_eq!(offline.manifest(), loaded.manifest());

    let error = source.load("no-such-template").unwrap_err().to_string();
    assert!(
        error.contains("404") && error.contains("not_found"),
        "{error}"
    );
    assert!(!error.contains(&key), "{error}");
    assert!(!cache.join("no-such-template.json").exists());

    let wrong = ManifestSource::new(&cache).with_fetcher(LiveFetcher::new(
        server.url(),
        "ck_test_wrongwrongwrongwrong0000",
    ));
    let error = wrong.load("invoice").unwrap_err().to_string();
    assert!(
        error.contains("401") && !error.contains("wrongwrong"),
        "{error}"
    );
    assert!(format!("{:?}", LiveFetcher::new(server.url(), &key)).contains("[redacted]"));

    runtime.block_on(server.stop());
    std::fs::remove_dir_all(cache).unwrap();
}

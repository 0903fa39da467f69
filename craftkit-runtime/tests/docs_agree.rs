//! What the documents promise about the client is what the code does (issue 26, part 1): the
//! idempotency key a render sends without one, how the API key prints, and which document is
//! the API contract. Each check reads the repository's own files, so a document that drifts
//! from the code fails here.

use craftkit_runtime::client::Client;

const README: &str = include_str!("../../README.md");
/// The guides the README links to for the client and for development (the API contract).
const CLIENT_GUIDE: &str = include_str!("../../docs/client.md");
const DEVELOPMENT_GUIDE: &str = include_str!("../../docs/development.md");
const SECURITY: &str = include_str!("../../SECURITY.md");
const OPENAPI: &str = include_str!("../../craftkit-devserver/openapi.yaml");
const API_TYPES: &str = include_str!("../../craftkit-core/src/api.rs");
const RENDER_RS: &str = include_str!("../src/client/render.rs");

/// A document's text with its line breaks and indentation folded into single spaces.
fn flat(text: &str) -> String {
    text.split_whitespace()
        .filter(|word| !matches!(*word, "///" | "//!"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn no_document_says_a_keyless_render_derives_its_key_from_the_payload() {
    for (name, text) in [
        ("README.md", README),
        ("docs/client.md", CLIENT_GUIDE),
        ("SECURITY.md", SECURITY),
        ("render.rs", RENDER_RS),
    ] {
        assert!(
            !flat(text).contains("derived from the payload unless"),
            "{name} says a render's key is derived from its payload; the client sends a fresh key per call"
        );
    }
    assert!(
        flat(SECURITY).contains("otherwise a fresh random one per call"),
        "SECURITY.md must say what a render without a key sends"
    );
    for (name, text) in [("README.md", README), ("docs/client.md", CLIENT_GUIDE)] {
        assert!(
            flat(text).contains("each call sends a fresh random key that its own retries reuse"),
            "{name} must say what a render without a key sends"
        );
    }
    assert!(
        flat(RENDER_RS).contains("Without one, a fresh random key is made for this call"),
        "RenderRequest::idempotency_key's rustdoc must say what is sent without a key"
    );
}

#[test]
fn the_api_key_prints_as_security_md_says() {
    for (key, shown) in [
        ("ck_live_docsagreekey0000000000000001", "ck_live_[redacted]"),
        ("ck_test_docsagreekey0000000000000001", "ck_test_[redacted]"),
    ] {
        let client = Client::new(key).expect("a well-formed key");
        let debug = format!("{client:?}");
        assert!(debug.contains(shown), "{debug}");
        assert!(!debug.contains("docsagreekey"), "{debug}");
    }
    assert!(
        SECURITY.contains("`ApiKey` prints as `ck_live_[redacted]`"),
        "SECURITY.md must show the key's Debug form as the code prints it"
    );
    assert!(!SECURITY.contains("ck_live_…(redacted)"));
}

#[test]
fn the_contract_named_is_the_one_in_the_repository() {
    // `spec/api.md` is not in this repository: the OpenAPI document is the contract.
    for (name, text) in [
        ("README.md", README),
        ("docs/development.md", DEVELOPMENT_GUIDE),
        ("craftkit-devserver/openapi.yaml", OPENAPI),
        ("craftkit-core/src/api.rs", API_TYPES),
    ] {
        assert!(
            !text.contains("spec/api.md"),
            "{name} cites spec/api.md, which is not in the repository"
        );
    }
    assert!(
        flat(README).contains(
            "The API contract: [`craftkit-devserver/openapi.yaml`](craftkit-devserver/openapi.yaml)"
        ),
        "README.md must link the OpenAPI document as the contract"
    );
    assert!(
        flat(DEVELOPMENT_GUIDE).contains("The API contract: `craftkit-devserver/openapi.yaml`"),
        "docs/development.md must name the OpenAPI document as the contract"
    );
    assert!(API_TYPES.contains("craftkit-devserver/openapi.yaml"));
}

#[test]
fn the_blocking_client_suggests_only_what_works() {
    // `spawn_blocking` of a current-thread runtime is refused: the error must not send the
    // caller there (it did, while the guard refused every thread of any runtime).
    let blocking = include_str!("../src/blocking.rs");
    assert!(!blocking.contains("or call it in spawn_blocking"));
    for (name, text) in [("README.md", README), ("docs/client.md", CLIENT_GUIDE)] {
        assert!(
            !flat(text).contains("has the same calls"),
            "{name} must not say the blocking client has the same calls without them all"
        );
    }
}

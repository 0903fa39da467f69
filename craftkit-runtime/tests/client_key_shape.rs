//! A key of the wrong shape is an error, never a panic, and the error shows no part of it:
//! keys with a new line (a header injection), a carriage return, NUL, a non-ASCII letter, a
//! space or tab inside, a bidi control, 1 MiB of letters after junk, or a key that is only
//! a prefix, through `Client::new` and the builder. White space around a good key is trimmed
//! (a key read from a file ends with a new line), and that key works. Also the one error kind
//! `client_secrets.rs` does not make, `NotReady`, holds no key.

mod common;

use common::*;
use craftkit_runtime::client::{Client, ClientBuilder, Error};

/// The distinctive secret part of the keys below.
const CANARY: &str = "ShapeCanaryR2t4Y6u8I0o1P3a5";

fn hostile_keys() -> Vec<String> {
    let good = format!("ck_test_{CANARY}");
    vec![
        format!("{good}\nX-Injected: 1"),
        format!("{good}\r\nX-Injected: 1"),
        format!("ck_test_{CANARY}\rx"),
        format!("{good}\0"),
        format!("{good}Ä"),
        format!("ck_test_Ä{CANARY}"),
        format!("ck_test_{CANARY} x"),
        format!("ck_test_{CANARY}\tx"),
        format!("ck_test_\u{202e}{CANARY}"),
        format!("ck_live_{CANARY}!"),
        format!("ck_prod_{CANARY}"),
        format!("Bearer ck_test_{CANARY}"),
        format!("ck_test_{}", &CANARY[..10]),
        format!("ck_test_-{CANARY}{}", "a".repeat(1 << 20)),
        "ck_test_".to_owned(),
        String::new(),
    ]
}

/// Every rendering of an error and its sources.
fn rendered(error: &Error) -> Vec<String> {
    let mut out = vec![
        error.to_string(),
        format!("{error:?}"),
        format!("{error:#?}"),
    ];
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        out.push(format!("{cause} {cause:?}"));
        source = cause.source();
    }
    out
}

#[track_caller]
fn assert_no_canary(text: &str) {
    assert!(
        !text.contains(CANARY) && !text.contains(&CANARY[..10]),
        "the key shows: {text:.300}"
    );
}

#[test]
fn a_hostile_key_is_a_config_error_that_does_not_show_it() {
    for key in hostile_keys() {
        let builder: ClientBuilder = Client::builder().key(&key).base_url("http://127.0.0.1:9");
        assert_no_canary(&format!("{builder:?} {builder:#?}"));
        let error = builder.build().expect_err("a key of the wrong shape");
        assert!(matches!(error, Error::Config(_)), "{error:?}");
        for text in rendered(&error) {
            assert_no_canary(&text);
        }
        let error = Client::new(&key).expect_err("a key of the wrong shape");
        assert!(matches!(error, Error::Config(_)), "{error:?}");
        for text in rendered(&error) {
            assert_no_canary(&text);
        }
    }
}

#[tokio::test]
async fn white_space_around_a_key_is_trimmed_and_the_key_works() {
    let server = start_default().await;
    for padded in [
        format!("{KEY}\n"),
        format!("  {KEY}\r\n"),
        format!("\t{KEY} "),
    ] {
        let client = Client::builder()
            .key(&padded)
            .base_url(server.url())
            .build()
            .expect("a padded key is trimmed");
        assert!(!format!("{client:?}").contains(&KEY["ck_test_".len()..]));
        client
            .template(SLUG)
            .await
            .expect("the trimmed key is accepted");
    }
    server.stop().await;
}

#[tokio::test]
async fn not_ready_holds_no_key() {
    let server = start(craftkit_devserver::Config {
        render_delay: std::time::Duration::from_secs(5),
        ..config()
    })
    .await;
    let client = client(&server);
    let handle = client
        .render(&valid_payload())
        .send()
        .await
        .expect("accepted");
    let render = client.get_render(&handle.id).await.expect("queued");
    let error = client.download(&render).await.expect_err("not ready");
    assert!(matches!(error, Error::NotReady { .. }), "{error:?}");
    for text in rendered(&error) {
        assert!(!text.contains(&KEY["ck_test_".len()..]), "{text}");
    }
    server.stop().await;
}

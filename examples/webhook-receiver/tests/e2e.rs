//! The receiver against the local server: a real delivery is verified and its PDF downloaded
//! once; a redelivery of the same event is acknowledged and not processed again; a forged
//! delivery (another secret, or the body changed after signing) is refused with `401`.

use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use craftkit_devserver::{Config, DevServer, WebhookEndpoint};
use craftkit_example_webhook_receiver::{Processed, Receiver};
use craftkit_runtime::Client;
use craftkit_runtime::webhook::{self, EventType, SIGNATURE_HEADER};
use tower::ServiceExt;

const SECRET: &str = "whsec_e2e";

async fn post(receiver: &Receiver, body: Vec<u8>, header: Option<String>) -> (StatusCode, String) {
    let mut request = Request::post("/webhooks/craftkit");
    if let Some(header) = header {
        request = request.header(SIGNATURE_HEADER, header);
    }
    let response = receiver
        .router()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test(flavor = "multi_thread")]
async fn one_download_per_event_and_forgeries_are_refused() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver_url = format!("http://{}", listener.local_addr().unwrap());
    let endpoint = format!("{receiver_url}/webhooks/craftkit");
    let cache = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.craftkit/manifests");
    let server = DevServer::start(Config {
        templates: craftkit_devserver::load_templates(cache).unwrap(),
        webhooks: vec![WebhookEndpoint {
            url: endpoint,
            secret: SECRET.into(),
            previous_secret: None,
        }],
        ..Config::default()
    })
    .await
    .unwrap();
    let client = Client::builder()
        .key(&server.keys()[0])
        .base_url(server.url())
        .build()
        .unwrap();
    let out = std::env::temp_dir().join(format!("craftkit-receiver-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let receiver = Receiver::new(SECRET, client.clone(), &out);
    let app = receiver.router();
    let serve = tokio::spawn(async move { axum::serve(listener, app).await });

    let payload = craftkit_example_macro::sample_handover().unwrap();
    let render = client
        .render(&payload)
        .send()
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    let mut processed: Vec<Processed> = Vec::new();
    for _ in 0..200 {
        processed = receiver.processed();
        if !processed.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(processed.len(), 1, "one delivery processed");
    let delivered = processed[0].event.clone();
    assert_eq!(delivered.kind, EventType::RenderSucceeded);
    assert_eq!(delivered.data.id, render.id);
    let pdf = std::fs::read(processed[0].pdf.as_ref().expect("a PDF path")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));

    // A redelivery: the same event, signed again as Craftkit signs each attempt.
    let body = serde_json::to_vec(&delivered).unwrap();
    let header = webhook::sign(SECRET, &body, now());
    let (status, _) = post(&receiver, body.clone(), Some(header.clone())).await;
    assert_eq!(status, StatusCode::OK, "a redelivery is acknowledged");
    assert_eq!(receiver.processed().len(), 1, "and not processed again");

    // Forgeries: another secret, a body changed after signing, no signature at all.
    let forged = webhook::sign("whsec_attacker", &body, now());
    let (status, error) = post(&receiver, body.clone(), Some(forged)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(error.contains("\"code\":\"signature_mismatch\""), "{error}");
    assert!(!error.contains(SECRET), "the secret is never echoed");
    let mut tampered = delivered.clone();
    tampered.id = "evt_forged".into();
    let tampered = serde_json::to_vec(&tampered).unwrap();
    let (status, _) = post(&receiver, tampered, Some(header)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, error) = post(&receiver, body, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(error.contains("missing_signature"), "{error}");
    // Too large: refused before anything is verified or parsed.
    let (status, _) = post(&receiver, vec![b' '; 2 << 20], Some("t=1,v1=00".into())).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(receiver.processed().len(), 1, "nothing else was processed");

    // `DevServer::trigger` (and `cargo craftkit trigger`): a signed test event on demand, of
    // an existing render or a made-up one.
    let url = format!("{}/webhooks/craftkit", receiver_url);
    let (event, status) = server
        .trigger(EventType::RenderFailed, &url, SECRET, None)
        .await
        .unwrap();
    assert_eq!(status, 200);
    let (again, status) = server
        .trigger(
            EventType::RenderSucceeded,
            &url,
            "whsec_wrong",
            Some(&render.id),
        )
        .await
        .unwrap();
    assert_eq!(status, 401, "signed with another secret");
    assert_eq!(again.data.id, render.id);
    let processed = receiver.processed();
    assert_eq!(processed.len(), 2);
    assert_eq!(processed[1].event.id, event.id);
    assert_eq!(processed[1].event.kind, "render.failed");
    assert!(
        server
            .trigger(EventType::RenderSucceeded, &url, SECRET, Some("rnd_nope"))
            .await
            .is_err()
    );

    serve.abort();
    server.stop().await;
    let _ = std::fs::remove_dir_all(out);
}

//! Linked images (`https://` URLs in `image` and `signature` values), fetched before a render
//! when the server was started with `--fetch-assets` ([`Config::fetch_assets`]).
//!
//! Off by default: a local server that fetches whatever URL a payload names is a server that
//! makes requests on a caller's behalf, and tests should not depend on the network. When on,
//! each distinct URL is fetched once per render with reqwest (rustls on `ring`): a connect
//! timeout and a total timeout, at most [`AssetFetch::max_bytes`] (the contract's 10 MiB), at
//! most five redirects and never to a URL that is not `https://`. A URL that cannot be fetched
//! fails the render with `asset_unreachable`, as the contract says.

use std::collections::BTreeSet;
use std::time::Duration;

use craftkit_core::manifest::{Items, Node, Object};
use craftkit_core::value::Image;
use futures_util::StreamExt as _;
use serde_json::Value;

use crate::pdf::{Assets, is_image};

/// How the server fetches linked images. `AssetFetch::default()` is what `--fetch-assets`
/// turns on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetFetch {
    /// How long connecting (TCP and TLS) may take.
    pub connect_timeout: Duration,
    /// How long one fetch may take in all, redirects and body included.
    pub timeout: Duration,
    /// The largest body accepted, in bytes.
    pub max_bytes: u64,
    /// Distinct URLs fetched for one render at most; a render with more fails.
    pub max_assets: usize,
    /// DER certificates to trust as the only roots, for a test's own HTTPS server; empty: the
    /// system's roots (through rustls-platform-verifier).
    pub root_certificates: Vec<Vec<u8>>,
}

impl Default for AssetFetch {
    fn default() -> AssetFetch {
        AssetFetch {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(20),
            max_bytes: 10 << 20,
            max_assets: 32,
            root_certificates: Vec::new(),
        }
    }
}

/// The most redirects followed for one asset.
const MAX_REDIRECTS: usize = 5;

/// Fetches assets with one HTTP client (its connections and TLS sessions are reused).
#[derive(Clone)]
pub(crate) struct Fetcher {
    http: reqwest::Client,
    settings: AssetFetch,
}

/// Why a render's assets could not be fetched: the render's `error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FetchError {
    /// `asset_unreachable`, or `render_failed` for a render with too many assets.
    pub(crate) code: &'static str,
    /// What failed, naming the URL.
    pub(crate) message: String,
}

impl Fetcher {
    /// A fetcher for `settings`; fails when a root certificate does not parse.
    pub(crate) fn new(settings: AssetFetch) -> Result<Fetcher, String> {
        crate::install_crypto_provider();
        let redirects = reqwest::redirect::Policy::custom(|attempt| {
            if attempt.url().scheme() != "https" {
                let to = attempt.url().to_string();
                attempt.error(format!("redirected to {to}, which is not https"))
            } else if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
            } else {
                attempt.follow()
            }
        });
        let mut builder = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .redirect(redirects)
            .https_only(true)
            .user_agent(concat!("craftkit-devserver/", env!("CARGO_PKG_VERSION")));
        if !settings.root_certificates.is_empty() {
            let roots = settings
                .root_certificates
                .iter()
                .map(|der| reqwest::Certificate::from_der(der))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("a root certificate for --fetch-assets is not DER: {e}"))?;
            builder = builder.tls_certs_only(roots);
        }
        let http = builder
            .build()
            .map_err(|e| format!("cannot build the asset fetcher's HTTP client: {e}"))?;
        Ok(Fetcher { http, settings })
    }

    /// Fetches every linked image of `data` (read along `root`, the template's tree).
    pub(crate) async fn fetch_all(
        &self,
        root: &Object,
        data: &Value,
    ) -> Result<Assets, FetchError> {
        let mut urls = BTreeSet::new();
        linked_images(root, data, &mut urls);
        if urls.len() > self.settings.max_assets {
            return Err(FetchError {
                code: "render_failed",
                message: format!(
                    "the data links {} images; the local server fetches at most {} per render",
                    urls.len(),
                    self.settings.max_assets
                ),
            });
        }
        let mut fetches = futures_util::stream::iter(urls)
            .map(|url| async move {
                let fetched = self.fetch(&url).await;
                (url, fetched)
            })
            .buffer_unordered(4);
        let mut assets = Assets::new();
        while let Some((url, fetched)) = fetches.next().await {
            match fetched {
                Ok(bytes) => {
                    assets.insert(url, bytes);
                }
                Err(why) => {
                    return Err(FetchError {
                        code: "asset_unreachable",
                        message: format!("the image {url} could not be fetched: {why}"),
                    });
                }
            }
        }
        Ok(assets)
    }

    /// One asset's bytes, or why not.
    async fn fetch(&self, url: &str) -> Result<Vec<u8>, String> {
        let mut response = self.http.get(url).send().await.map_err(describe)?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the server answered {status}"));
        }
        let max = self.settings.max_bytes;
        let too_big = || format!("larger than {max} bytes");
        if response.content_length().is_some_and(|length| length > max) {
            return Err(too_big());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(describe)? {
            if body.len() as u64 + chunk.len() as u64 > max {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// A reqwest error with its causes (reqwest's own message alone says little: "error sending
/// request").
fn describe(error: reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else if error.is_redirect() {
        "redirect refused".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !causes.contains(&text) {
            causes.push(text);
        }
        source = cause.source();
    }
    if causes.is_empty() {
        what
    } else {
        format!("{what} ({})", causes.join(": "))
    }
}

/// The `https://` values of `image` and `signature` variables in `data`, read along the tree
/// (so only what the PDF draws is fetched; unknown keys are never looked at).
pub(crate) fn linked_images(object: &Object, data: &Value, urls: &mut BTreeSet<String>) {
    let Some(map) = data.as_object() else {
        return;
    };
    for field in &object.fields {
        let Some(value) = map.get(&field.key) else {
            continue;
        };
        match &field.node {
            Node::Scalar(scalar) if is_image(&scalar.ty) => add_url(value, urls),
            Node::Object(inner) => linked_images(inner, value, urls),
            Node::Array(array) => {
                let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
                match &array.items {
                    Items::Scalar(scalar) if is_image(&scalar.ty) => {
                        items.iter().for_each(|item| add_url(item, urls));
                    }
                    Items::Object(inner) => {
                        for item in items {
                            linked_images(inner, item, urls);
                        }
                    }
                    Items::Scalar(_) => {}
                }
            }
            Node::Scalar(_) | Node::OpaqueObject => {}
        }
    }
}

/// Adds `value` to `urls` when it is an `https://` image URL.
fn add_url(value: &Value, urls: &mut BTreeSet<String>) {
    let url = value
        .as_str()
        .filter(|v| Image::parse(v).is_ok_and(|i| i.is_url()));
    if let Some(url) = url {
        urls.insert(url.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use craftkit_core::manifest::Manifest;
    use serde_json::json;

    #[test]
    fn only_https_images_the_pdf_draws_are_fetched() {
        let manifest = Manifest::from_json(
            &json!({"slug": "t", "version": 1, "pipeline": "html", "variables": [
                {"path": "logo", "type": "image"},
                {"path": "owner.sig", "type": "signature"},
                {"path": "photos[]", "type": "array", "items": "image"},
                {"path": "rows[].pic", "type": "image"},
                {"path": "note", "type": "string"},
                {"path": "meta", "type": "object"}
            ]})
            .to_string(),
        )
        .expect("a valid manifest");
        let tree = manifest.tree().expect("it folds");
        let data = json!({
            "logo": "https://a.example/logo.png",
            "owner": {"sig": "https://a.example/sig.svg"},
            "photos": ["https://a.example/1.jpg", "data:image/png;base64,iVBORw0KGgo=", "https://a.example/logo.png"],
            "rows": [{"pic": "https://a.example/row.png"}, {"pic": null}, "not an object"],
            "note": "https://a.example/not-an-image",
            "meta": {"img": "https://a.example/opaque.png"},
            "unknown": "https://a.example/unknown.png"
        });
        let mut urls = BTreeSet::new();
        linked_images(tree.root(), &data, &mut urls);
        assert_eq!(
            urls.into_iter().collect::<Vec<_>>(),
            [
                "https://a.example/1.jpg",
                "https://a.example/logo.png",
                "https://a.example/row.png",
                "https://a.example/sig.svg",
            ]
        );
    }
}

//! Linked images (`https://` URLs in `image` and `signature` values), fetched before a render
//! when the server was started with `--fetch-assets` ([`Config::fetch_assets`]).
//!
//! Off by default: a local server that fetches whatever URL a payload names is a server that
//! makes requests on a caller's behalf, and tests should not depend on the network. When on,
//! each distinct URL is fetched once per render with reqwest (rustls on `ring`): a connect
//! timeout and a total timeout, at most [`AssetFetch::max_bytes`] (the contract's 10 MiB), at
//! most five redirects and never to a URL that is not `https://`. A URL that cannot be fetched
//! fails the render with `asset_unreachable`, as the contract says.
//!
//! Only public addresses are fetched from (unless [`AssetFetch::allow_private`]): whoever can
//! send a render must not reach the machine's own services or its network through it. A host
//! written as an IP address (in any spelling the URL parser reads: `0x7f000001`, `2130706433`
//! and `127.1` are all `127.0.0.1`) is checked before connecting, on the first request and on
//! every redirect; a name is checked in the resolver, so only the addresses it resolved to and
//! that passed ([`is_public`]) are connected to (no second lookup a rebinding DNS server could
//! answer differently). No proxy is used. Every failure to connect, whatever its cause (a
//! refused address, a closed port, a port that speaks no TLS, a timeout, a certificate), is
//! the same "unreachable", so a render cannot be used to tell an open port from a closed one.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
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
    /// Fetch from any address, loopback and private networks included
    /// (`--fetch-assets-allow-private`). For tests against an HTTPS server on the same
    /// machine; `false` (the default) fetches only from public addresses: not loopback,
    /// private, shared, link-local, multicast, unspecified, documentation or reserved ones, in
    /// IPv4 or IPv6 (IPv4-mapped included).
    pub allow_private: bool,
}

impl Default for AssetFetch {
    fn default() -> AssetFetch {
        AssetFetch {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(20),
            max_bytes: 10 << 20,
            max_assets: 32,
            root_certificates: Vec::new(),
            allow_private: false,
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
        let allow_private = settings.allow_private;
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            match redirect_refused(attempt.url(), attempt.previous().len(), allow_private) {
                Some(why) => attempt.error(why),
                None => attempt.follow(),
            }
        });
        let mut builder = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .redirect(redirects)
            .https_only(true)
            // A proxy would resolve and connect in our place, past the checks below.
            .no_proxy()
            .user_agent(concat!("craftkit-devserver/", env!("CARGO_PKG_VERSION")));
        if !allow_private {
            builder = builder.dns_resolver(PublicResolver);
        }
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
        if !self.settings.allow_private {
            let parsed = reqwest::Url::parse(url).map_err(|_| UNREACHABLE.to_owned())?;
            if !host_may_be_public(&parsed) {
                return Err(UNREACHABLE.to_owned());
            }
        }
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

/// What a render says of a URL it could not connect to, whatever the cause.
const UNREACHABLE: &str = "unreachable (no answer over HTTPS from a public address)";

/// Why a fetch failed, as the render says it: a refused redirect in the policy's words, else
/// [`UNREACHABLE`], the same text for a refused address, a closed port, a port that speaks no
/// TLS, an untrusted certificate or a timeout (the causes stay in the server's log).
fn describe(error: reqwest::Error) -> String {
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<Refused>() {
            return refused.0.clone();
        }
        source = cause.source();
    }
    tracing::debug!(error = ?error, "a linked image could not be fetched");
    UNREACHABLE.to_owned()
}

/// A redirect the policy refused, in words a render can show.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// Why a redirect to `url`, after `previous` hops, is not followed; `None`: follow it.
fn redirect_refused(url: &reqwest::Url, previous: usize, allow_private: bool) -> Option<Refused> {
    if url.scheme() != "https" {
        Some(Refused(format!("redirected to {url}, which is not https")))
    } else if previous > MAX_REDIRECTS {
        Some(Refused(format!("more than {MAX_REDIRECTS} redirects")))
    } else if !allow_private && !host_may_be_public(url) {
        Some(Refused(UNREACHABLE.to_owned()))
    } else {
        None
    }
}

/// False when `url`'s host is an IP address that is not public (or there is no host); a
/// name is left to [`PublicResolver`]. The URL parser has already turned every spelling of an
/// IPv4 address (`0x7f000001`, `2130706433`, `127.1`) into its dotted form.
fn host_may_be_public(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    match bare.unwrap_or(host).parse::<IpAddr>() {
        Ok(ip) => is_public(ip),
        Err(_) => true,
    }
}

/// Resolves names with the system's resolver and keeps only public addresses: reqwest then
/// connects to those it was given, so an answer that changes between lookups cannot slip a
/// private address in. A name with none fails like an unreachable one.
struct PublicResolver;

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = resolved.filter(|addr| is_public(addr.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// Whether `ip` is a public (globally routed) address: not unspecified, loopback, private
/// (RFC 1918, IPv6 unique local), shared (100.64.0.0/10), link-local, multicast, broadcast,
/// documentation, benchmarking or reserved, and not an IPv6 address that carries an IPv4 one
/// that is not public (IPv4-mapped, IPv4-compatible, NAT64, 6to4). The standard library's
/// `is_global` is not stable yet; this follows its lists.
pub(crate) fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    !matches!(
        ip.octets(),
        [0, ..] // "this network", 0.0.0.0
            | [10, ..] // private
            | [127, ..] // loopback
            | [100, 64..=127, ..] // shared address space (carrier-grade NAT)
            | [169, 254, ..] // link-local
            | [172, 16..=31, ..] // private
            | [192, 0, 0 | 2, _] // IETF protocol assignments, documentation
            | [192, 168, ..] // private
            | [198, 18 | 19, ..] // benchmarking
            | [198, 51, 100, _] // documentation
            | [203, 0, 113, _] // documentation
            | [224..=255, ..] // multicast, reserved, broadcast
    )
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let embedded_v4 = |high: u16, low: u16| {
        let [a, b] = high.to_be_bytes();
        let [c, d] = low.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    match segments {
        // Unspecified, loopback and IPv4-compatible (deprecated): ::/96.
        [0, 0, 0, 0, 0, 0, _, _] => false,
        // NAT64 (64:ff9b::/96): the IPv4 address it reaches.
        [0x64, 0xff9b, 0, 0, 0, 0, high, low] => is_public_v4(embedded_v4(high, low)),
        // 6to4 (2002::/16): the IPv4 address of the relay.
        [0x2002, high, low, ..] => is_public_v4(embedded_v4(high, low)),
        other => !matches!(
            other,
            [0xfc00..=0xfdff, ..] // unique local
                | [0xfe80..=0xfebf, ..] // link-local
                | [0xfec0..=0xfeff, ..] // site-local (deprecated)
                | [0xff00..=0xffff, ..] // multicast
                | [0x2001, 0x0db8, ..] // documentation
                | [0x2001, 0..=0x01ff, ..] // IETF protocol assignments (Teredo, ORCHID, ...)
                | [0x64, 0xff9b, ..] // local-use NAT64 (64:ff9b:1::/48)
                | [0x100, 0, 0, 0, ..] // discard-only
                | [0x3fff, 0..=0x0fff, ..] // documentation (3fff::/20)
        ),
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

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "0.0.0.0",
            "127.0.0.1",
            "127.1.2.3",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "64:ff9b::7f00:1",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "2001::1",
            "100::1",
        ] {
            let ip: IpAddr = private.parse().expect("an address");
            assert!(!is_public(ip), "{private} is not public");
        }
        for public in [
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "192.0.3.1",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            let ip: IpAddr = public.parse().expect("an address");
            assert!(is_public(ip), "{public} is public");
        }
    }

    #[test]
    fn every_spelling_of_a_private_host_is_refused_before_connecting() {
        for url in [
            "https://127.0.0.1/",
            "https://0x7f000001/",
            "https://2130706433/",
            "https://127.1/",
            "https://0177.0.0.1/",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::ffff:7f00:1]/",
            "https://169.254.169.254/latest/meta-data/",
            "https://[fe80::1]/",
            "https://0/",
        ] {
            let parsed = reqwest::Url::parse(url).expect("a URL");
            assert!(!host_may_be_public(&parsed), "{url} ({parsed}) passes");
            let refused = redirect_refused(&parsed, 0, false).map(|r| r.0);
            assert_eq!(refused.as_deref(), Some(UNREACHABLE), "{url}");
            assert!(
                redirect_refused(&parsed, 0, true).is_none(),
                "{url}, allowed"
            );
        }
        for url in [
            "https://8.8.8.8/",
            "https://a.example/",
            "https://[2606:4700::1]/",
        ] {
            let parsed = reqwest::Url::parse(url).expect("a URL");
            assert!(host_may_be_public(&parsed), "{url}");
            assert!(redirect_refused(&parsed, 0, false).is_none(), "{url}");
        }
        let http = reqwest::Url::parse("http://8.8.8.8/").expect("a URL");
        let refused = redirect_refused(&http, 0, true).map(|r| r.0);
        assert!(refused.is_some_and(|why| why.contains("which is not https")));
        let https = reqwest::Url::parse("https://8.8.8.8/").expect("a URL");
        assert!(redirect_refused(&https, MAX_REDIRECTS + 1, true).is_some());
    }

    #[tokio::test]
    async fn the_resolver_keeps_only_public_addresses() {
        use reqwest::dns::Resolve as _;
        for host in ["localhost", "127.0.0.1", "ip6-localhost"] {
            let name: reqwest::dns::Name = host.parse().expect("a name");
            match PublicResolver.resolve(name).await {
                Ok(addrs) => {
                    let addrs: Vec<SocketAddr> = addrs.collect();
                    panic!("{host} resolved to {addrs:?}");
                }
                Err(why) => assert!(
                    why.to_string().contains("no public address") || host == "ip6-localhost",
                    "{host}: {why}"
                ),
            }
        }
    }
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

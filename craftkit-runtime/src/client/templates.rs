//! Templates: list (a stream that follows the cursor), get (with `If-None-Match`), a given
//! version, create, publish, and `verify` against the manifest compiled into a type.

use craftkit_core::api::Page;
use craftkit_core::manifest::{Compatibility, Manifest};
use futures_util::Stream;
use reqwest::Method;
use serde_json::Value;

use super::transport::Call;
use super::{Client, Error};
use crate::Template;

/// A manifest and its `ETag`.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateFetch {
    /// The published manifest.
    pub manifest: Manifest,
    /// Its `ETag` (the quoted fingerprint), for a later `If-None-Match`.
    pub etag: Option<String>,
}

impl Client {
    /// Every published template's summary (a manifest without `variables`), fetched a page at
    /// a time as the stream is read.
    pub fn list_templates(&self) -> impl Stream<Item = Result<Value, Error>> + '_ {
        struct State {
            cursor: Option<String>,
            buffer: std::vec::IntoIter<Value>,
            done: bool,
        }
        let start = State {
            cursor: None,
            buffer: Vec::new().into_iter(),
            done: false,
        };
        futures_util::stream::unfold(start, move |mut state| async move {
            loop {
                if let Some(item) = state.buffer.next() {
                    return Some((Ok(item), state));
                }
                if state.done {
                    return None;
                }
                let path = match &state.cursor {
                    Some(cursor) => format!("/v1/templates?limit=100&cursor={}", encode(cursor)),
                    None => "/v1/templates?limit=100".to_owned(),
                };
                match self.json::<Page<Value>>(Call::get(path)).await {
                    Ok(page) => {
                        state.done = !page.has_more || page.next_cursor.is_none();
                        state.cursor = page.next_cursor;
                        state.buffer = page.data.into_iter();
                    }
                    Err(error) => {
                        state.done = true;
                        return Some((Err(error), state));
                    }
                }
            }
        })
    }

    /// The published manifest of `slug`.
    pub async fn template(&self, slug: &str) -> Result<TemplateFetch, Error> {
        let path = format!("/v1/templates/{}", encode(slug));
        required(self.fetch_template(Call::get(path.clone())).await?, &path)
    }

    /// The manifest of `slug` unless it still has the `ETag` given: `None` for `304 Not
    /// Modified`.
    pub async fn template_if_none_match(
        &self,
        slug: &str,
        etag: &str,
    ) -> Result<Option<TemplateFetch>, Error> {
        self.fetch_template(
            Call::get(format!("/v1/templates/{}", encode(slug))).header("if-none-match", etag),
        )
        .await
    }

    /// An older published version of `slug`.
    pub async fn template_version(&self, slug: &str, version: u64) -> Result<TemplateFetch, Error> {
        let path = format!("/v1/templates/{}?version={version}", encode(slug));
        required(self.fetch_template(Call::get(path.clone())).await?, &path)
    }

    async fn fetch_template(&self, call: Call) -> Result<Option<TemplateFetch>, Error> {
        let path = call.route().into_owned();
        let answer = self.execute(call).await?;
        if answer.status == 304 {
            return Ok(None);
        }
        let manifest = self.decode((&Method::GET, &path), &answer.body)?;
        let etag = answer
            .headers
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Some(TemplateFetch { manifest, etag }))
    }

    /// Creates (or, with `replace`, replaces) the draft of a template: a manifest without
    /// `version` and `status`. The server validates it (`422` naming each variable path).
    pub async fn create_template(&self, draft: &Value, replace: bool) -> Result<Manifest, Error> {
        let mut body = draft.clone();
        if replace {
            if let Some(map) = body.as_object_mut() {
                map.insert("replace".into(), Value::Bool(true));
            }
        }
        self.json(Call::send_json(Method::POST, "/v1/templates", &body)?)
            .await
    }

    /// Publishes the draft of `slug` as its next version.
    pub async fn publish_template(&self, slug: &str) -> Result<Manifest, Error> {
        self.json(Call::new(
            Method::POST,
            format!("/v1/templates/{}/publish", encode(slug)),
        ))
        .await
    }

    /// Compares the manifest compiled into `T` with the live one by the spec's compatibility
    /// rules. An application can call it at start-up and refuse to run on a breaking change:
    ///
    /// ```no_run
    /// # async fn demo<T: craftkit_runtime::Template>(client: craftkit_runtime::client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let changes = client.verify::<T>().await?;
    /// if changes.is_breaking() {
    ///     return Err(format!("template {} changed:\n{changes}", T::SLUG).into());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn verify<T: Template>(&self) -> Result<Compatibility, Error> {
        let live = self.template(T::SLUG).await?.manifest;
        T::manifest().compare(&live).map_err(|e| {
            Error::Config(format!(
                "the compiled-in and the live manifest of `{}` could not be compared ({e}); \
                 both were validated, so this is a bug in craftkit: please report it",
                T::SLUG
            ))
        })
    }
}

/// A fetch made without `If-None-Match` cannot be `304`; a server that says so is wrong.
fn required(fetch: Option<TemplateFetch>, path: &str) -> Result<TemplateFetch, Error> {
    fetch.ok_or_else(|| Error::Decode {
        method: "GET".into(),
        path: path.split('?').next().unwrap_or(path).to_owned(),
        json_path: String::new(),
        message: "304 Not Modified to a request without If-None-Match".into(),
    })
}

/// Percent-encodes a path segment or query value.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

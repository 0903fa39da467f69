//! Templates: list (a stream that follows the cursor), get (with `If-None-Match`), a given
//! version, create (from a [`TemplateDraft`]), publish, and `verify` against the manifest
//! compiled into a type.

use craftkit_core::api::Page;
use craftkit_core::manifest::{
    Compatibility, Manifest, ManifestError, Pipeline, Problem, Rule, Status, Subject, Variable,
};
use futures_util::Stream;
use reqwest::Method;
use serde::Serialize;
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

    /// Creates the draft of a template, or, with [`TemplateDraft::replace`], replaces the draft
    /// of a published one; answers the draft as stored (status `draft`, the version of the last
    /// publish or 0). The server validates it: an invalid manifest is `422 validation_failed`
    /// with a detail naming each variable path, and a published slug without `replace` is `409
    /// template_exists`. Not retried (a POST without an idempotency key).
    ///
    /// ```no_run
    /// # async fn demo(client: craftkit_runtime::Client) -> Result<(), craftkit_runtime::client::Error> {
    /// use craftkit_runtime::client::TemplateDraft;
    /// use craftkit_runtime::manifest::{Pipeline, VarType, Variable};
    ///
    /// let draft = TemplateDraft::new("site-visit", Pipeline::Html)
    ///     .name("Site visit")
    ///     .variable(Variable { required: true, ..Variable::new("site", VarType::String) })
    ///     .replace(true);
    /// let stored = client.create_template(&draft).await?;
    /// let published = client.publish_template(&stored.slug).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_template(&self, draft: &TemplateDraft) -> Result<Manifest, Error> {
        self.json(Call::send_json(Method::POST, "/v1/templates", draft)?)
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

/// The body of `POST /v1/templates`: a template's manifest without the fields the server sets
/// (`version`, `status`, `updatedAt`), and whether it replaces the draft of a published
/// template. [`Client::create_template`] sends it.
///
/// Build one with [`TemplateDraft::new`] and its setters (which never fail: the server checks
/// the manifest and answers `422` naming each variable path), take a pulled [`Manifest`] with
/// `From`, or read a JSON manifest with [`TemplateDraft::from_json`], which checks every rule of
/// the spec before anything is sent.
///
/// ```
/// use craftkit_runtime::client::TemplateDraft;
/// use craftkit_runtime::manifest::{Pipeline, VarType, Variable};
///
/// let draft = TemplateDraft::new("site-visit", Pipeline::Html)
///     .name("Site visit")
///     .variable(Variable { required: true, ..Variable::new("site", VarType::String) })
///     .variable(Variable { min_items: Some(1), ..Variable::new("rooms[]", VarType::Array) })
///     .variable(Variable { required: true, ..Variable::new("rooms[].name", VarType::String) });
/// assert_eq!(draft.to_manifest().variables.len(), 3);
///
/// // The same draft from a JSON manifest (a pulled one may keep its `version` and `status`).
/// let read = TemplateDraft::from_json(r#"{
///     "slug": "site-visit", "name": "Site visit", "pipeline": "html",
///     "variables": [
///         {"path": "site", "type": "string", "required": true},
///         {"path": "rooms[]", "type": "array", "minItems": 1},
///         {"path": "rooms[].name", "type": "string", "required": true}
///     ]
/// }"#)?;
/// assert_eq!(read, draft);
/// # Ok::<(), craftkit_runtime::manifest::ManifestError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateDraft {
    slug: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    pipeline: Pipeline,
    variables: Vec<Variable>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    replace: bool,
}

impl TemplateDraft {
    /// A draft of the template `slug` for `pipeline`, with no name, no description, no
    /// variables, and not replacing a published template.
    pub fn new(slug: impl Into<String>, pipeline: Pipeline) -> TemplateDraft {
        TemplateDraft {
            slug: slug.into(),
            name: None,
            description: None,
            pipeline,
            variables: Vec::new(),
            replace: false,
        }
    }

    /// Reads a manifest from JSON text and checks every rule of the spec, as
    /// [`Manifest::from_json`] does; `version`, `status` and `updatedAt` may be there (a
    /// pulled manifest) and are not sent, and `"replace": true` sets [`replace`](Self::replace).
    ///
    /// Text that is not JSON is [`ManifestError::Syntax`] with its line and column; a manifest
    /// that breaks rules is [`ManifestError::Invalid`] listing every problem with its variable
    /// path.
    pub fn from_json(text: &str) -> Result<TemplateDraft, ManifestError> {
        let value: Value = serde_json::from_str(text).map_err(|error| {
            // Manifest::from_json words (and positions) a syntax error; its other errors
            // cannot happen on text that does not parse.
            Manifest::from_json(text)
                .err()
                .unwrap_or_else(|| ManifestError::Syntax {
                    line: error.line(),
                    column: error.column(),
                    message: error.to_string(),
                })
        })?;
        TemplateDraft::from_value(&value)
    }

    /// [`from_json`](Self::from_json) for a JSON value.
    pub fn from_value(value: &Value) -> Result<TemplateDraft, ManifestError> {
        let Some(map) = value.as_object() else {
            // Not an object: the manifest parser says so in its words.
            return Err(Manifest::from_value(value)
                .err()
                .unwrap_or_else(not_an_object));
        };
        let mut map = map.clone();
        let replace = match map.remove("replace") {
            None | Some(Value::Null) | Some(Value::Bool(false)) => Ok(false),
            Some(Value::Bool(true)) => Ok(true),
            Some(other) => Err(Problem {
                subject: Subject::Field("replace".into()),
                rule: Rule::WrongType,
                message: format!("`replace` must be true or false, not {other}"),
            }),
        };
        // The server sets these; a draft is checked as the draft the server would store.
        map.remove("updatedAt");
        map.insert("version".into(), Value::from(0));
        map.insert("status".into(), Value::from("draft"));
        match (Manifest::from_value(&Value::Object(map)), replace) {
            (Ok(manifest), Ok(replace)) => Ok(TemplateDraft::from(manifest).replace(replace)),
            (Ok(manifest), Err(problem)) => Err(ManifestError::Invalid {
                slug: Some(manifest.slug),
                problems: vec![problem],
            }),
            (Err(ManifestError::Invalid { slug, mut problems }), Err(problem)) => {
                problems.push(problem);
                Err(ManifestError::Invalid { slug, problems })
            }
            (Err(error), _) => Err(error),
        }
    }

    /// Sets the template's human name.
    pub fn name(mut self, name: impl Into<String>) -> TemplateDraft {
        self.name = Some(name.into());
        self
    }

    /// Sets what the template is for.
    pub fn description(mut self, description: impl Into<String>) -> TemplateDraft {
        self.description = Some(description.into());
        self
    }

    /// Adds a variable after those already added.
    pub fn variable(mut self, variable: Variable) -> TemplateDraft {
        self.variables.push(variable);
        self
    }

    /// Adds variables after those already added, in order.
    pub fn variables(mut self, variables: impl IntoIterator<Item = Variable>) -> TemplateDraft {
        self.variables.extend(variables);
        self
    }

    /// Whether the draft may replace the draft of a template that is already published (the
    /// API's `"replace": true`): without it, such a slug is `409 template_exists`. A template
    /// that was never published takes a new draft either way.
    pub fn replace(mut self, replace: bool) -> TemplateDraft {
        self.replace = replace;
        self
    }

    /// The template's slug.
    pub fn slug(&self) -> &str {
        &self.slug
    }

    /// Whether the draft replaces that of a published template ([`replace`](Self::replace)).
    pub fn replaces(&self) -> bool {
        self.replace
    }

    /// The draft as the manifest the server would store for a template never published
    /// (version 0, status `draft`): to read its fields, [`validate`](Manifest::validate) it
    /// before sending, or [`compare`](Manifest::compare) the published manifest with it.
    pub fn to_manifest(&self) -> Manifest {
        Manifest {
            slug: self.slug.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            version: 0,
            status: Some(Status::Draft),
            pipeline: self.pipeline,
            updated_at: None,
            variables: self.variables.clone(),
        }
    }
}

/// A pulled (or hand-made) manifest as a draft of its next version: its slug, name,
/// description, pipeline and variables; not replacing (set [`TemplateDraft::replace`] to make a
/// new draft of a published template).
impl From<Manifest> for TemplateDraft {
    fn from(manifest: Manifest) -> TemplateDraft {
        TemplateDraft {
            slug: manifest.slug,
            name: manifest.name,
            description: manifest.description,
            pipeline: manifest.pipeline,
            variables: manifest.variables,
            replace: false,
        }
    }
}

/// What the manifest parser says of a document that is not an object (it always does; this
/// stands in should it ever not).
fn not_an_object() -> ManifestError {
    ManifestError::Invalid {
        slug: None,
        problems: vec![Problem {
            subject: Subject::Field("(document)".into()),
            rule: Rule::WrongType,
            message: "a manifest is a JSON object".into(),
        }],
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

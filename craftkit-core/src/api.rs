//! The JSON objects of the Craftkit API (its contract: `craftkit-devserver/openapi.yaml`),
//! shared by the runtime client and the local server so both speak the same shapes. Unknown
//! fields are ignored on input; optional ones are written as `null`, as the API does.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::value::DateTime;

/// A render, as `POST /v1/templates/:slug/render` and `GET /v1/renders/:id` answer it.
///
/// Its `Debug` shows the `downloadUrl`'s scheme and host only: the rest of the URL is a token
/// that serves the PDF to anyone who has it.
///
/// ```
/// # use craftkit_core::api::Render;
/// let render: Render = serde_json::from_value(serde_json::json!({
///     "id": "rnd_1", "object": "render", "template": "invoice", "templateVersion": 1,
///     "status": "succeeded", "visibility": "public", "createdAt": "2026-01-01T00:00:00.000Z",
///     "downloadUrl": "https://files.craftkit.io/files/tok_secret/invoice.pdf",
///     "filename": "invoice.pdf",
/// }))?;
/// let shown = format!("{render:?}");
/// assert!(shown.contains("https://files.craftkit.io/[redacted]"));
/// assert!(!shown.contains("tok_secret"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Render {
    /// `rnd_<base62>`.
    pub id: String,
    /// Always `"render"`.
    pub object: String,
    /// The template's slug.
    pub template: String,
    /// The published version it renders.
    pub template_version: u64,
    /// Where the render is.
    pub status: RenderStatus,
    /// `public` or `private`.
    pub visibility: Visibility,
    /// When it was created (RFC 3339, milliseconds, UTC, as the API writes it). An answer
    /// whose timestamp is not RFC 3339 fails to decode, naming `createdAt`.
    pub created_at: DateTime,
    /// When it reached a terminal state.
    pub completed_at: Option<DateTime>,
    /// The permanent public URL of the PDF: `null` for private renders and until it succeeds.
    pub download_url: Option<String>,
    /// The PDF's file name.
    pub filename: String,
    /// Pages of the PDF, once it succeeded.
    pub pages: Option<u32>,
    /// Size of the PDF in bytes, once it succeeded.
    pub bytes: Option<u64>,
    /// Why it failed, on `failed`.
    pub error: Option<RenderError>,
    /// What the server wants the caller to know (ignored keys, `options.sync`).
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// The closed status enum of a render. `Succeeded` and `Failed` are terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RenderStatus {
    /// Accepted, waiting for a worker.
    Queued,
    /// Being rendered.
    Rendering,
    /// Done: the PDF can be downloaded.
    Succeeded,
    /// Done: no PDF; see `error`.
    Failed,
}

impl RenderStatus {
    /// Whether the status never changes again.
    pub fn is_terminal(self) -> bool {
        matches!(self, RenderStatus::Succeeded | RenderStatus::Failed)
    }

    /// The status as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            RenderStatus::Queued => "queued",
            RenderStatus::Rendering => "rendering",
            RenderStatus::Succeeded => "succeeded",
            RenderStatus::Failed => "failed",
        }
    }
}

/// Who may read a render's PDF without the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Anyone with the permanent `downloadUrl`.
    #[default]
    Public,
    /// Only callers with the key, through `GET /v1/renders/:id/download`.
    Private,
}

/// Why a render failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderError {
    /// `render_failed`, `asset_unreachable` or `timeout`.
    pub code: String,
    /// What happened.
    pub message: String,
}

/// A durable, revocable link to one render's PDF. Its `Debug` shows the URL's scheme and host
/// only (the rest is the token that serves the PDF).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Share {
    /// `shr_<base62>`.
    pub id: String,
    /// Always `"share"`.
    pub object: String,
    /// The render it shares.
    pub render_id: String,
    /// The URL that serves the PDF without a key, until revoked.
    pub url: String,
    /// A label for people.
    pub label: Option<String>,
    /// When it was created.
    pub created_at: DateTime,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime>,
}

impl std::fmt::Debug for Render {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Render")
            .field("id", &self.id)
            .field("object", &self.object)
            .field("template", &self.template)
            .field("template_version", &self.template_version)
            .field("status", &self.status)
            .field("visibility", &self.visibility)
            .field("created_at", &self.created_at)
            .field("completed_at", &self.completed_at)
            .field(
                "download_url",
                &self.download_url.as_deref().map(RedactedUrl),
            )
            .field("filename", &self.filename)
            .field("pages", &self.pages)
            .field("bytes", &self.bytes)
            .field("error", &self.error)
            .field("warnings", &self.warnings)
            .finish()
    }
}

impl std::fmt::Debug for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Share")
            .field("id", &self.id)
            .field("object", &self.object)
            .field("render_id", &self.render_id)
            .field("url", &RedactedUrl(&self.url))
            .field("label", &self.label)
            .field("created_at", &self.created_at)
            .field("revoked_at", &self.revoked_at)
            .finish()
    }
}

/// A URL that holds a secret, shown as its scheme and host followed by `/[redacted]` (the
/// path and query are where the token is), or `[redacted]` when it has no `scheme://host`.
struct RedactedUrl<'a>(&'a str);

impl std::fmt::Debug for RedactedUrl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let origin = self.0.split_once("://").and_then(|(scheme, rest)| {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            // A `user:password@` part is a secret too.
            let host = host.rsplit('@').next().unwrap_or_default();
            let plain = |s: &str| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b".-+:[]".contains(&b))
            };
            (plain(scheme) && plain(host)).then_some((scheme, host))
        });
        match origin {
            Some((scheme, host)) => write!(f, "\"{scheme}://{host}/[redacted]\""),
            None => f.write_str("\"[redacted]\""),
        }
    }
}

/// The body of every non-2xx answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ApiError,
}

/// An API error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    /// `validation_failed`, `not_found`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// What happened, for people.
    pub message: String,
    /// One entry per problem (validation), each with a data path.
    #[serde(default)]
    pub details: Vec<ErrorDetail>,
    /// The request's id, for support.
    pub request_id: Option<String>,
}

/// One problem of an API error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// The data path (`areas[1].condition`) or manifest path it concerns.
    pub path: String,
    /// `required`, `type`, `enum`, `format`, `image`, `min`, `max`, `length`, `items`, or a
    /// manifest rule's code.
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// A page of a list: `{"data": [...], "hasMore": false, "nextCursor": null}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items.
    pub data: Vec<T>,
    /// Whether more follow.
    #[serde(default)]
    pub has_more: bool,
    /// The cursor of the next page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// A webhook event: `render.succeeded` or `render.failed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// `evt_<base62>`: receivers dedupe by it (delivery is at least once).
    pub id: String,
    /// Always `"event"`.
    pub object: String,
    /// `render.succeeded`, `render.failed`, or a type this version does not know
    /// ([`EventType::Unknown`]): it compares with a string (`event.kind == "render.failed"`).
    #[serde(rename = "type")]
    pub kind: EventType,
    /// When the event happened.
    pub created_at: DateTime,
    /// The render.
    pub data: Render,
}

/// The type of a webhook [`Event`].
///
/// The API may add event types: one this version does not know deserializes as
/// [`EventType::Unknown`] with its text, never as an error, so a receiver can acknowledge it
/// and move on. (The same holds for no other string of the API: a render's status and
/// visibility are closed by the contract and stay closed enums.)
///
/// ```
/// use craftkit_core::api::EventType;
///
/// let kind: EventType = serde_json::from_str(r#""render.succeeded""#)?;
/// assert_eq!(kind, EventType::RenderSucceeded);
/// assert_eq!(kind, "render.succeeded");
/// let new: EventType = serde_json::from_str(r#""render.archived""#)?;
/// assert_eq!(new, EventType::Unknown("render.archived".into()));
/// assert_eq!(serde_json::to_string(&new)?, r#""render.archived""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum EventType {
    /// `render.succeeded`: the PDF can be downloaded.
    RenderSucceeded,
    /// `render.failed`: see the render's `error`.
    RenderFailed,
    /// A type this version does not know, as the API wrote it.
    Unknown(String),
}

impl EventType {
    /// The type as the API writes it.
    pub fn as_str(&self) -> &str {
        match self {
            EventType::RenderSucceeded => "render.succeeded",
            EventType::RenderFailed => "render.failed",
            EventType::Unknown(text) => text,
        }
    }
}

impl From<String> for EventType {
    fn from(text: String) -> EventType {
        match text.as_str() {
            "render.succeeded" => EventType::RenderSucceeded,
            "render.failed" => EventType::RenderFailed,
            _ => EventType::Unknown(text),
        }
    }
}

impl From<&str> for EventType {
    fn from(text: &str) -> EventType {
        EventType::from(text.to_owned())
    }
}

impl From<EventType> for String {
    fn from(kind: EventType) -> String {
        match kind {
            EventType::Unknown(text) => text,
            known => known.as_str().to_owned(),
        }
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for EventType {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for EventType {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The old name of [`RenderBody`], kept so that code written against it still compiles.
#[deprecated(
    since = "0.1.1",
    note = "renamed `RenderBody` (the client's builder is `client::RenderRequest`)"
)]
pub type RenderRequest = RenderBody;

/// The body of `POST /v1/templates/:slug/render`: what goes on the wire (the client's request
/// builder is `craftkit_runtime::client::RenderRequest`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderBody {
    /// The template's data.
    pub data: Value,
    /// Options.
    #[serde(default, skip_serializing_if = "RenderOptions::is_empty")]
    pub options: RenderOptions,
}

/// Whether `name` is a plain file name, as a render's `filename` must be: 1 to 255 bytes, not
/// `.` or `..`, no `/`, `\`, `"` or control character, and a single ordinary path component on
/// this platform (so not `C:x` on Windows). The local server refuses any other
/// `options.filename`, and `cargo craftkit render` writes a PDF under the name a server
/// answered only when it passes this check.
///
/// ```
/// use craftkit_core::api::is_plain_file_name;
///
/// assert!(is_plain_file_name("handover-BK-2931.pdf"));
/// assert!(!is_plain_file_name("../escaped.sh"));
/// assert!(!is_plain_file_name("/etc/passwd"));
/// ```
pub fn is_plain_file_name(name: &str) -> bool {
    use std::path::{Component, Path};

    let plain_text = !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| c.is_control() || matches!(c, '/' | '\\' | '"'));
    let mut components = Path::new(name).components();
    plain_text
        && matches!(
            (components.next(), components.next()),
            (Some(Component::Normal(only)), None) if only == name
        )
}

/// `options` of a render request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RenderOptions {
    /// The PDF's file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// `public` (default) or `private`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    /// Render only if this is the published version (else `409 template_version_mismatch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_version: Option<u64>,
    /// Accepted and not honored: renders are always asynchronous.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<bool>,
}

impl RenderOptions {
    /// Whether no option is set.
    pub fn is_empty(&self) -> bool {
        *self == RenderOptions::default()
    }
}

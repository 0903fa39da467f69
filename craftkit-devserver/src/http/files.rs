//! What is served without a key: the permanent public `downloadUrl` of a public render, and
//! share links until they are revoked.

use axum::body::{Body, Bytes};
use axum::extract::State;

use super::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api_error::Failure;
use crate::app::App;
use crate::ids::percent_encode;

/// A PDF answer with its length and a download name.
pub(crate) fn pdf_response(pdf: Bytes, filename: &str) -> Response {
    let length = pdf.len();
    let mut response = (StatusCode::OK, Body::from(pdf)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if let Ok(value) = HeaderValue::from_str(&content_disposition(filename)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// `attachment; filename="..."; filename*=UTF-8''...` (RFC 6266): an ASCII fallback and the
/// exact name percent-encoded.
fn content_disposition(filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encode(filename);
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

pub(crate) async fn public_download(
    State(app): State<App>,
    Path((token, _filename)): Path<(String, String)>,
) -> Result<Response, Failure> {
    let mut store = app.store.lock();
    let (key, id) = store
        .download_tokens
        .get(&token)
        .cloned()
        .ok_or_else(|| Failure::not_found("file"))?;
    let entry = store
        .project(&key)?
        .renders
        .get(&id)
        .ok_or_else(|| Failure::not_found("file"))?;
    match &entry.pdf {
        Some(pdf) => Ok(pdf_response(pdf.clone(), &entry.render.filename)),
        None => Err(Failure::not_found("file")),
    }
}

pub(crate) async fn shared(
    State(app): State<App>,
    Path(token): Path<String>,
) -> Result<Response, Failure> {
    let mut store = app.store.lock();
    let (key, share_id) = store
        .share_tokens
        .get(&token)
        .cloned()
        .ok_or_else(|| Failure::not_found("share"))?;
    let project = store.project(&key)?;
    let share = project
        .shares
        .get(&share_id)
        .ok_or_else(|| Failure::not_found("share"))?;
    if share.share.revoked_at.is_some() {
        return Err(Failure::not_found("share"));
    }
    let entry = project
        .renders
        .get(&share.share.render_id)
        .ok_or_else(|| Failure::not_found("share"))?;
    match &entry.pdf {
        Some(pdf) => Ok(pdf_response(pdf.clone(), &entry.render.filename)),
        None => Err(Failure::not_found("share")),
    }
}

//! The routes of the contract, and the layers every request goes through, one per concern:
//! one log line, the answer recorded, request id, `Host` check, and for the API the request
//! recorded (bounded body), rate limit and faults.

mod auth;
mod body;
mod events;
mod extract;
mod files;
mod host;
mod openapi;

pub(crate) use host::AllowedHosts;
pub(crate) use openapi::DOCUMENT as OPENAPI_JSON;
mod renders;
mod shares;
mod templates;

use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::MatchedPath;
use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::Method;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};

use crate::api_error::{Failure, REQUEST_ID};
use crate::app::App;
use crate::config::FaultKind;
use crate::faults::FailRender;
use crate::ids::random_id;

/// One route: a method and a path (axum's syntax, which is OpenAPI's: `{id}`) with its handler.
pub(crate) struct Route {
    // The router reads the method from `endpoint`; the table keeps it for the OpenAPI test.
    #[cfg_attr(not(test), allow(dead_code))]
    pub method: Method,
    pub path: &'static str,
    endpoint: MethodRouter<App>,
}

fn route<H, T>(method: Method, path: &'static str, handler: H) -> Route
where
    H: Handler<T, App>,
    T: 'static,
{
    // Only the standard methods below are used; MethodFilter knows all of them.
    let filter = MethodFilter::try_from(method.clone()).expect("a standard HTTP method");
    Route {
        method,
        path,
        endpoint: on(filter, handler),
    }
}

/// Every route of the server: the router is built from this table, and a test compares it
/// with the paths and methods of `openapi.yaml`, both ways.
pub(crate) fn routes() -> Vec<Route> {
    vec![
        route(Method::GET, "/v1/openapi.json", openapi::document),
        route(Method::GET, "/v1/templates", templates::list),
        route(Method::POST, "/v1/templates", templates::create),
        route(Method::GET, "/v1/templates/{slug}", templates::get),
        route(
            Method::POST,
            "/v1/templates/{slug}/publish",
            templates::publish,
        ),
        route(Method::POST, "/v1/templates/{slug}/render", renders::create),
        route(Method::GET, "/v1/renders/{id}", renders::get),
        route(Method::GET, "/v1/renders/{id}/download", renders::download),
        route(Method::POST, "/v1/renders/{id}/shares", shares::create),
        route(Method::GET, "/v1/renders/{id}/shares", shares::list),
        route(Method::DELETE, "/v1/shares/{id}", shares::revoke),
        route(
            Method::GET,
            "/files/{token}/{filename}",
            files::public_download,
        ),
        route(Method::GET, "/s/{token}", files::shared),
    ]
}

/// The local server's own routes, which the service does not have: outside `/v1/` and the
/// contract's document (see `events`).
pub(crate) fn dev_routes() -> Vec<Route> {
    vec![route(
        Method::POST,
        "/_dev/events/{id}/resend",
        events::resend,
    )]
}

pub(crate) fn router(app: App) -> Router {
    routes()
        .into_iter()
        .chain(dev_routes())
        // Routes of one path with different methods merge into one method router.
        .fold(Router::new(), |router, route| {
            router.route(route.path, route.endpoint)
        })
        .fallback(|| async { Failure::not_found("route") })
        .method_not_allowed_fallback(|| async {
            Failure::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "invalid_request",
                "this method is not allowed on this path",
            )
        })
        .layer(axum::extract::DefaultBodyLimit::disable())
        // One layer per concern; the last added runs first: the log line, the answer recorded,
        // the request id, the `Host` check, then for the API the request recorded, the rate
        // limit and an injected fault.
        .layer(middleware::from_fn_with_state(
            app.clone(),
            inject_fault_layer,
        ))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            rate_limit_layer,
        ))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            record_request_layer,
        ))
        .layer(middleware::from_fn_with_state(app.clone(), host_layer))
        .layer(middleware::from_fn(request_id_layer))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            record_response_layer,
        ))
        .layer(middleware::from_fn(log_layer))
        .with_state(app)
}

/// Whether `request` is to the API (`/v1/...`): the requests that are recorded with their
/// body, rate limited and subject to injected faults.
fn is_api(request: &Request) -> bool {
    request.uri().path().starts_with("/v1/")
}

/// The fault injected into a request's answer, for the log line.
#[derive(Clone)]
struct InjectedFault(FaultKind);

/// Marks an answer that is never sent (an injected dropped connection): it is not recorded.
#[derive(Clone, Copy)]
struct Dropped;

/// The key of an API request that authenticated, for the rate limit.
#[derive(Clone)]
struct ProjectKey(String);

/// One log line per request: method, path (without secrets), status, latency, request id and
/// the injected fault.
async fn log_layer(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = loggable_path(request.uri().path());
    let response = next.run(request).await;
    let request_id = response
        .headers()
        .get("request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info!(
        %method,
        path = %path,
        status = response.status().as_u16(),
        latency_ms = %format!("{:.2}", started.elapsed().as_secs_f64() * 1000.0),
        request_id = %request_id,
        fault = ?response.extensions().get::<InjectedFault>().map(|f| &f.0),
        "request"
    );
    response
}

/// Records every answer that is sent (see [`record_response`]), with its `request-id`.
async fn record_response_layer(State(app): State<App>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = loggable_path(request.uri().path());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|matched| matched.as_str().to_owned());
    let response = next.run(request).await;
    if response.extensions().get::<Dropped>().is_some() {
        return response;
    }
    record_response(&app, &method, &path, route, response).await
}

/// A new request id: in scope while the request is answered (errors carry it) and in the
/// answer's `request-id` header.
async fn request_id_layer(request: Request, next: Next) -> Response {
    let request_id = random_id("req_");
    let mut response = REQUEST_ID
        .scope(request_id.clone(), next.run(request))
        .await;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("request-id", value);
    }
    response
}

/// Refuses a request whose `Host` is not one the server answers for (`421`).
async fn host_layer(State(app): State<App>, request: Request, next: Next) -> Response {
    match app.allowed_hosts.check(request.headers()) {
        Ok(()) => next.run(request).await,
        Err(failure) => failure.into_response(),
    }
}

/// Records an API request as received (see [`record_request`]); its body is read within its
/// limit (`413`) only with a known key, since the handler refuses other requests without
/// reading it. The key goes on to the rate limit.
async fn record_request_layer(State(app): State<App>, request: Request, next: Next) -> Response {
    if !is_api(&request) {
        return next.run(request).await;
    }
    let key = auth::authenticate(&app, request.headers()).ok();
    let mut request = match record_request(&app, request, key.is_some()).await {
        Ok(request) => request,
        Err(refused) => return refused,
    };
    if let Some(key) = key {
        request.extensions_mut().insert(ProjectKey(key));
    }
    next.run(request).await
}

/// The rate limit of the key's project (`429`), counted before any injected fault, as a
/// gateway would.
async fn rate_limit_layer(State(app): State<App>, request: Request, next: Next) -> Response {
    let wait = request
        .extensions()
        .get::<ProjectKey>()
        .and_then(|key| app.rate_limit(&key.0));
    match wait {
        Some(wait) => Failure::rate_limited(wait).into_response(),
        None => next.run(request).await,
    }
}

/// An injected fault, or the handler: for API requests, the fault the configuration picks.
async fn inject_fault_layer(State(app): State<App>, request: Request, next: Next) -> Response {
    if !is_api(&request) {
        return next.run(request).await;
    }
    let fault = app.faults.pick();
    let mut response = inject_fault(fault.as_ref(), request, next).await;
    if let Some(fault) = fault {
        response.extensions_mut().insert(InjectedFault(fault));
    }
    response
}

/// Records an API request as received and hands it on unchanged: with `read_body`, its body
/// is read (at most [`body::MAX_BODY`], else `413`) and recorded; without, it is recorded
/// without its body, which is left unread.
async fn record_request(app: &App, request: Request, read_body: bool) -> Result<Request, Response> {
    let (parts, body) = request.into_parts();
    let record = |body| {
        app.recorder
            .record(parts.method.as_str(), &parts.uri, &parts.headers, body);
    };
    if !read_body {
        record(None);
        return Ok(Request::from_parts(parts, body));
    }
    match body::read_limited(body, body::declared_length(&parts.headers)).await {
        Ok(bytes) => {
            record(Some(bytes.clone()));
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        Err(failure) => {
            record(None);
            Err(failure.into_response())
        }
    }
}

/// Runs the request through `fault` (none: straight to the handler). A dropped connection is
/// marked [`Dropped`].
async fn inject_fault(fault: Option<&FaultKind>, mut request: Request, next: Next) -> Response {
    match fault {
        Some(FaultKind::Drop) => dropped_connection(),
        Some(FaultKind::Status(status)) => Failure::server_error(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
        )
        .into_response(),
        Some(FaultKind::RateLimited(wait)) => {
            Failure::rate_limited(wait.as_secs_f64()).into_response()
        }
        Some(FaultKind::Delay(wait)) => {
            tokio::time::sleep(*wait).await;
            next.run(request).await
        }
        Some(FaultKind::FailRender) => {
            request.extensions_mut().insert(FailRender);
            next.run(request).await
        }
        Some(FaultKind::DropAfter) => {
            // The work is done; the answer is lost.
            drop(next.run(request).await);
            dropped_connection()
        }
        None => next.run(request).await,
    }
}

/// Records an answer as sent (its body when it is JSON) and hands it on unchanged.
async fn record_response(
    app: &App,
    method: &Method,
    path: &str,
    route: Option<String>,
    response: Response,
) -> Response {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        app.recorder
            .record_response(method.as_str(), path, route, &response, None);
        return response;
    }
    let (parts, body) = response.into_parts();
    // Every JSON answer is the server's own, built in memory: reading it cannot fail.
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let response = Response::from_parts(parts, Body::from(bytes.clone()));
    app.recorder
        .record_response(method.as_str(), path, route, &response, Some(bytes));
    response
}

/// A response whose body fails at once: the connection closes without a complete answer, as
/// when a server or a proxy drops it.
fn dropped_connection() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other(
            "connection dropped (injected fault)",
        ))
    });
    let mut response = Response::new(Body::from_stream(stream));
    response
        .headers_mut()
        .insert("content-length", HeaderValue::from_static("1"));
    response.extensions_mut().insert(Dropped);
    response
}

/// The path for a log line, with the tokens of public links left out: they are secrets.
fn loggable_path(path: &str) -> String {
    if path.starts_with("/s/") {
        "/s/<token>".to_owned()
    } else if path.starts_with("/files/") {
        "/files/<token>/...".to_owned()
    } else {
        path.to_owned()
    }
}

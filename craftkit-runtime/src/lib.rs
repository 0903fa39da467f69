//! Typed payloads for Craftkit templates.
//!
//! Each published template has a manifest (`GET /v1/templates/:slug`) that says which
//! variables it binds. `craftkit-codegen` turns a manifest into Rust types at build time, so
//! a payload that compiles is a payload the template accepts:
//!
//! ```
//! use craftkit_runtime::{craftkit_template, Template};
//!
//! #[craftkit_template("charter-handover")] // reads .craftkit/manifests/charter-handover.json
//! pub struct CharterHandover;
//!
//! // A payload has every required field (the compiler checks), from a builder or a literal.
//! fn data(payload: &CharterHandover) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
//!     payload.validate()?; // bounds the type system cannot express
//!     Ok(serde_json::to_value(payload)?) // exactly the `data` the template accepts
//! }
//! # let _ = data;
//! ```
//!
//! This crate is what generated code and applications depend on: the [`Template`] trait, the
//! value types ([`Date`], [`DateTime`], [`Image`], [`Signature`]), the [`manifest`] model and
//! the [`data`] validator (both from `craftkit-core`), and, with the default `macros` feature,
//! the [`craftkit_template`] attribute.
//!
//! # Cargo features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `macros` | yes | re-exports `#[craftkit_template("slug")]` as [`craftkit_template`] (crate `craftkit-macros`; no HTTP or TLS in the proc-macro's build) |
//! | `client` | yes | the async HTTP client, `client` (reqwest with rustls on the `ring` provider, tokio): render with an idempotency key, wait, download, share, verify |
//! | `middleware` | no | `ClientBuilder::middleware`: your own `reqwest-middleware` 0.5 stack (metrics, tracing, a proxy's auth) under the client's retries, idempotency keys and deadlines; each attempt passes through it once |
//! | `webhook` | yes | `webhook`: verifying signed webhook deliveries (HMAC-SHA256, no I/O); `webhook::inbox`: processing each event once (claim with a lease and a fencing token, complete, release), `MemoryInbox` |
//! | `blocking` | no | `blocking::Client`: every call of the client for code that is not async (the async client, its connections driven by a runtime on a thread of its own: the same requests and retry rules; works in a multi-thread runtime's `spawn_blocking`) |
//! | `axum` | no | `webhook::axum`: `Endpoint` (verify, claim, run your function, complete or release, the right status in each case) and the `VerifiedEvent` extractor, for axum 0.8 receivers; with `client`, `IntoResponse` for `client::Error` (a 422's details, nothing else) |
//! | `sqlite` | no | `webhook::inbox::SqliteInbox`: the inbox in one SQLite file, for one instance (sqlx; SQLite compiled in) |
//! | `postgres` | no | `webhook::inbox::PgInbox`: the inbox in PostgreSQL on your pool, your work in the transaction that marks the event done (sqlx) |
//! | `redis` | no | `webhook::inbox::RedisInbox`: the inbox in Redis, for many instances with idempotent effects (redis-rs) |
//! | `fetch` | no | lets the macro fetch a manifest the cache lacks when `CRAFTKIT_API_KEY` is set (adds a blocking HTTP/TLS client to the proc-macro's build) |
//! | `time` | no | conversions between [`Date`]/[`DateTime`] and the `time` crate's types |
//! | `chrono` | no | conversions between [`Date`]/[`DateTime`] and the `chrono` crate's types |
//!
//! Generated code needs only `default-features = false`: it uses the [`Template`] trait, the
//! value types and the re-exported `serde`.

pub use craftkit_core::{
    DataError, Date, DateTime, Image, Signature, Template, ValidationError, ValueError, data,
    manifest, value,
};

#[cfg(feature = "macros")]
pub use craftkit_macros::craftkit_template;

#[cfg(feature = "blocking")]
pub mod blocking;
pub mod builder;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub use client::Client;

#[cfg(feature = "webhook")]
pub mod webhook;

/// The serde version generated code implements (`::craftkit_runtime::serde::Serialize`, and
/// `#[serde(crate = "::craftkit_runtime::serde")]` where it derives), so that applications need
/// no serde dependency of their own for generated types.
pub use serde;
/// The serde_json version whose `Value` generated code uses for variables of unknown type.
pub use serde_json;

mod parse_enum;
pub use parse_enum::ParseEnumError;

#[doc(hidden)]
pub mod __private;

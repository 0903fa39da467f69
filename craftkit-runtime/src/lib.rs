//! Typed payloads for Craftkit templates.
//!
//! Each published template has a manifest (`GET /v1/templates/:slug`) that says which
//! variables it binds. `craftkit-codegen` turns a manifest into Rust types at build time, so
//! a payload that compiles is a payload the template accepts:
//!
//! ```ignore
//! use craftkit_runtime::{craftkit_template, Template};
//!
//! #[craftkit_template("charter-handover")]   // reads .craftkit/manifests/charter-handover.json
//! pub struct CharterHandover;
//!
//! let payload = CharterHandover { /* every required field, checked by the compiler */ };
//! payload.validate()?;                       // bounds the type system cannot express
//! let json = serde_json::to_value(&payload)?; // exactly the `data` the template accepts
//! ```
//!
//! This crate is what generated code and applications depend on: the [`Template`] trait, the
//! value types ([`Date`], [`DateTime`], [`Image`], [`Signature`]), the [`manifest`] model and
//! the [`data`] validator (both from `craftkit-core`), and, with the default `macros` feature,
//! the [`craftkit_template`] attribute.

pub use craftkit_core::{
    Date, DateTime, Image, Signature, Template, ValidationError, ValueError, data, manifest, value,
};

#[cfg(feature = "macros")]
pub use craftkit_macros::craftkit_template;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub use client::Client;

#[cfg(feature = "webhook")]
pub mod webhook;

/// The serde version generated code derives with (`#[serde(crate = "::craftkit_runtime::serde")]`),
/// so that applications need no serde dependency of their own for generated types.
pub use serde;
/// The serde_json version whose `Value` generated code uses for variables of unknown type.
pub use serde_json;

#[doc(hidden)]
pub mod __private;

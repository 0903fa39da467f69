//! The pure core of Craftkit's Rust SDK: no network, no disk.
//!
//! - [`manifest`]: a template's manifest (what `GET /v1/templates/:slug` answers), parsed and
//!   validated by every rule of the spec, folded into a [`manifest::Tree`], fingerprinted, and
//!   compared with another version for compatibility.
//! - [`data`]: the validator of render `data` against a manifest: the one the local server
//!   answers `422` with and the one [`Template::validate`] runs before a request is sent.
//! - [`value`]: the value types that generated code uses for `date`, `datetime`, `image` and
//!   `signature` variables.
//! - [`Template`]: the trait every generated payload type implements.
//! - [`suggest`]: "did you mean", shared by the generator's errors and generated enums.
//!
//! Applications depend on `craftkit-runtime`, which re-exports all of this; this crate exists
//! on its own so that the code generator (and so the proc-macro) can use the manifest model
//! without compiling the HTTP client.
//!
//! # Cargo features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `time` | no | conversions between [`Date`]/[`DateTime`] and the `time` crate's types |
//! | `chrono` | no | conversions between [`Date`]/[`DateTime`] and the `chrono` crate's types |
//! | `webhook` | no | the `webhook` module: the signer of webhook deliveries (`Craftkit-Signature`, HMAC-SHA256), shared by the local server and the runtime |

pub mod api;
pub mod data;
pub mod manifest;
pub mod suggest;
mod template;
pub mod value;
#[cfg(feature = "webhook")]
pub mod webhook;

pub use template::{DataError, Template, ValidationError};
pub use value::{Date, DateTime, Image, Signature, ValueError};

//! Value types for the manifest's `date`, `datetime`, `image` and `signature` variables.
//!
//! Each type parses and validates the JSON string the spec defines for its variable type, and
//! serializes back to the string it was given:
//!
//! | variable type | type | JSON value |
//! | --- | --- | --- |
//! | `date` | [`Date`] | `"2026-06-14"` |
//! | `datetime` | [`DateTime`] | `"2026-06-14T15:00:00+02:00"`, kept exactly as written |
//! | `image` | [`Image`] | an `https://` URL, or a PNG, JPEG or SVG `data:` URI of at most 10 MiB |
//! | `signature` | [`Signature`] | the same as `image` |
//!
//! Every parser returns a [`ValueError`] that says what was given and what was expected, and
//! none panics, whatever the input. With the `time` or `chrono` feature, [`Date`] and
//! [`DateTime`] convert to and from those crates' types.
//!
//! ```
//! use craftkit_core::value::{Date, DateTime, Image};
//!
//! #[derive(serde::Deserialize)]
//! struct Invoice {
//!     due: Date,
//!     issued_at: DateTime,
//!     logo: Image,
//! }
//!
//! let invoice: Invoice = serde_json::from_str(r#"{
//!     "due": "2026-07-01",
//!     "issued_at": "2026-06-14T15:00:00+02:00",
//!     "logo": "https://cdn.example.com/logo.png"
//! }"#)?;
//! assert_eq!(invoice.due.month(), 7);
//! assert_eq!(invoice.issued_at.as_str(), "2026-06-14T15:00:00+02:00");
//! assert!(invoice.logo.is_url());
//! # Ok::<(), serde_json::Error>(())
//! ```

mod date;
mod datetime;
mod error;
mod image;

pub use date::Date;
pub use datetime::DateTime;
pub use error::ValueError;
pub use image::{Image, MAX_IMAGE_BYTES, Signature};

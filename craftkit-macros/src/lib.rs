//! `#[craftkit_template("slug")]`: a thin shell over `craftkit-codegen`.
//!
//! Use it through `craftkit-runtime`, which re-exports it (feature `macros`, on by default):
//!
//! ```ignore
//! use craftkit_runtime::craftkit_template;
//!
//! /// Our hand-over document.
//! #[craftkit_template("charter-handover")]
//! pub struct CharterHandover;
//! ```
//!
//! The struct gets the template's fields, its nested types go into a module named after it
//! (`charter_handover::Booking`), and it implements `craftkit_runtime::Template`. The manifest
//! is read from `<crate root>/.craftkit/manifests/<slug>.json` (else the workspace root's, or
//! `$CRAFTKIT_MANIFEST_DIR`), and the compiler tracks that file: editing it re-expands the
//! macro. Every problem is a compile error at the slug.
//!
//! # Cargo features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `fetch` | no | fetch a manifest the cache lacks from the API when `CRAFTKIT_API_KEY` is set (`craftkit-codegen`'s `fetch`: blocking ureq, rustls on ring) |

use std::path::PathBuf;

use proc_macro::TokenStream;

/// Fills a unit struct with the fields of a template's manifest; see the crate docs.
#[proc_macro_attribute]
pub fn craftkit_template(attr: TokenStream, item: TokenStream) -> TokenStream {
    let crate_root =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from);
    let source = craftkit_codegen::ManifestSource::for_crate(&crate_root);
    craftkit_codegen::attribute::expand(attr.into(), item.into(), &source).into()
}

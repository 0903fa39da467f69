//! Generated code, compiled as a user's crate would compile it: under `#![deny(warnings)]`
//! (with the workspace's `missing_docs` lint).
//!
//! [`snapshots`] holds the checked-in expected output for each fixture manifest
//! (`tests/snapshots/<slug>.rs`), which `tests/snapshots.rs` compares with the generator's
//! output on every run: compiling them here proves the snapshots are valid Rust. The same
//! templates through `#[craftkit_template]` are compiled in `tests/payloads.rs`.

#![deny(warnings)]

/// The expected generator output of each fixture manifest.
pub mod snapshots {
    /// `charter-handover` (html): nested objects, arrays of objects, enums, images, signatures.
    pub mod charter_handover_file {
        include!("../snapshots/charter-handover.rs");
    }
    /// `invoice` (docx): same-named nested objects (`seller.address`, `buyer.address`).
    pub mod invoice_file {
        include!("../snapshots/invoice.rs");
    }
    /// `kitchen-sink` (html): every type, bound and naming case.
    pub mod kitchen_sink_file {
        include!("../snapshots/kitchen-sink.rs");
    }
    /// `lease-form` (pdf-form): keys with spaces, digits and `Self`.
    pub mod lease_form_file {
        include!("../snapshots/lease-form.rs");
    }
}

/// The bindings `build.rs` generates from a hostile manifest (comment and string terminators,
/// attributes, code fences, HTML, bidi controls, NUL, `\r`, 1 MiB strings in every free-text
/// field): compiled here under `#![deny(warnings)]`, checked by `tests/hostile_manifest.rs`.
pub mod hostile {
    include!(concat!(env!("OUT_DIR"), "/hostile/craftkit.rs"));
}

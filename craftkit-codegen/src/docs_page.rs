//! The old name of [`markdown`](crate::markdown), kept so that code written against it still
//! compiles (with a deprecation warning).

use craftkit_core::manifest::Manifest;

/// Renamed [`markdown::page`](crate::markdown::page).
pub fn markdown(manifest: &Manifest) -> Result<String, crate::Error> {
    crate::markdown::page(manifest)
}

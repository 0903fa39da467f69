//! The devserver's PDF writer: a render's data, laid out as a readable A4 document.
//!
//! The devserver has no template engine; what it renders is a faithful, plain view of the
//! data a template would receive: a title block (the template's name and version), then every
//! variable of the manifest in manifest order: scalars as label/value rows, objects as
//! indented sections, arrays of objects as tables that continue over pages with their header
//! repeated, images and signatures embedded (PNG and JPEG), drawn as vector graphics (SVG, see
//! [`svg`]) or drawn as labelled boxes that say why (linked `https://` images unless the worker
//! fetched them into [`Assets`], and anything that cannot be drawn). A `TEST` watermark marks
//! test-key renders.
//! Every page has a footer (`slug · version N`, `page i of n`).
//!
//! Why `pdf-writer`: it is typst's low-level PDF writer: pure Rust (`#![forbid(unsafe_code)]`),
//! four tiny dependencies (`bitflags`, `itoa`, `memchr`, `ryu`), and it only serializes
//! (objects, streams, the xref table, string escaping), so a page costs microseconds and the
//! same input gives the same bytes. Layout and fonts are ours (`layout`, `text`); heavier
//! crates (`printpdf`, `genpdf`, `lopdf`) bring an object model or a layout engine we do not
//! need and are slower to build and to run. Fonts: see [`text`] for the Helvetica + embedded
//! Liberation Sans scheme that keeps any text extractable. The watermark is drawn as glyph
//! outlines, not text, so that copying or extracting the page's text never picks it up.
//!
//! The writer never panics on any input and bounds its work: long values are cut after a
//! thousand lines, table cells after six, and a document after [`layout::MAX_PAGES`] pages.

mod deflate;
mod document;
mod image;
mod layout;
mod svg;
mod table;
mod text;
mod writer;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use craftkit_core::manifest::Tree;

pub(crate) use document::is_image;

/// Linked images fetched before the render: the bytes of each `https://` URL, by the URL as it
/// appears in the data.
pub type Assets = HashMap<String, Vec<u8>>;

/// What to render: a template's folded manifest and data already validated against it.
#[derive(Debug, Clone, Copy)]
pub struct PdfInput<'a> {
    /// The template; `tree.manifest()` gives its name, slug and version.
    pub tree: &'a Tree,
    /// The render's `data`, already validated against `tree`.
    pub data: &'a serde_json::Value,
    /// Text drawn faintly across every page (`TEST` for renders made with a test key).
    pub watermark: Option<&'a str>,
    /// Fetched linked images; `None` draws every `https://` image as a labelled box.
    pub assets: Option<&'a Assets>,
}

/// A finished PDF document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedPdf {
    /// The PDF file.
    pub bytes: Vec<u8>,
    /// How many pages it has.
    pub pages: u32,
}

/// Why a PDF could not be produced.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PdfError {
    /// The data would fill more pages than a document may have.
    #[error("the document would need more than {limit} pages")]
    TooManyPages {
        /// The greatest number of pages.
        limit: usize,
    },
    /// The document's PNG images together decode to more pixel bytes than one render may
    /// decode (each image's size is read from its header before it is decoded).
    #[error(
        "the document's PNG images decode to more than {limit} bytes of pixels together, the \
         most one render decodes; use fewer or smaller images (or JPEG, which is embedded \
         without decoding)"
    )]
    ImagesTooLarge {
        /// The most pixel bytes one render decodes.
        limit: usize,
    },
    /// The bundled font could not be used.
    #[error("font error: {0}")]
    Font(String),
}

/// Renders `input` as an A4 PDF.
///
/// ```text
/// let tree = manifest.tree()?;
/// let pdf = render_pdf(&PdfInput { tree: &tree, data: &data, watermark: Some("TEST"), assets: None })?;
/// assert_eq!(pdf.pages, 1);
/// ```
///
/// A one-page document takes well under a millisecond in a release build (see the ignored
/// test `one_page_render_time`).
pub fn render_pdf(input: &PdfInput<'_>) -> Result<RenderedPdf, PdfError> {
    let manifest = input.tree.manifest();
    let mut doc = layout::Doc::new(input.assets);
    document::layout(&mut doc, manifest, input.tree.root(), input.data)?;
    let (pages, fonts, images) = doc.finish();
    if images.over_budget() {
        return Err(PdfError::ImagesTooLarge {
            limit: image::MAX_RENDER_PIXEL_BYTES,
        });
    }
    let title = manifest
        .name
        .as_deref()
        .filter(|name| !name.trim().is_empty())
        .unwrap_or(&manifest.slug);
    let meta = writer::Meta {
        title,
        footer: format!("{}  ·  version {}", manifest.slug, manifest.version),
        watermark: input.watermark,
    };
    let page_count = u32::try_from(pages.len()).unwrap_or(u32::MAX);
    let bytes = writer::write(pages, fonts, &images, &meta)?;
    Ok(RenderedPdf {
        bytes,
        pages: page_count,
    })
}

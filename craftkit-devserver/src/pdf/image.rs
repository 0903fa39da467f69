//! `image` and `signature` values: embedded PNG and JPEG, SVG drawn as vector graphics,
//! placeholders for the rest.
//!
//! - A PNG data URI is decoded with the pure-Rust `png` crate to 8-bit grey or RGB samples
//!   (palettes expanded, 16-bit stripped), re-compressed with Flate, its alpha channel (when
//!   not fully opaque) written as an `/SMask`.
//! - A JPEG data URI is embedded as it is (`/DCTDecode`): only its SOF marker is read, for
//!   the size and the number of components. Adobe CMYK JPEGs get the inverted `/Decode`.
//! - An SVG data URI is drawn as paths ([`super::svg`]): a form XObject, placed like an image.
//! - An `https://` URL is drawn from the bytes the worker fetched for it when the server
//!   fetches assets (`--fetch-assets`; PNG, JPEG or SVG by their content), else it is a
//!   labelled placeholder box, like anything that fails to decode (the box says why).
//!
//! Each distinct value is decoded once per document and written as one XObject, however often
//! it is drawn.

use std::collections::HashMap;
use std::io::Cursor;

use craftkit_core::value::Image;
use pdf_writer::{Filter, Name, Pdf, Ref};

use super::Assets;
use super::deflate::compress;
use super::layout::{Doc, MUTED_GREY, clean, wrap};
use super::svg::{self, SvgForm};
use super::text::Style;

/// Decoded pixels beyond this are not embedded (a placeholder says why).
const MAX_PIXEL_BYTES: usize = 64 << 20;
/// Decoded pixels, in bytes, of all the PNGs of one render together; past it the render fails
/// ([`super::PdfError::ImagesTooLarge`]). Each PNG's share is read from its header and taken
/// before it is decoded, so a render decodes at most this much whatever its data holds.
pub(crate) const MAX_RENDER_PIXEL_BYTES: usize = 256 << 20;

/// What an image value draws as.
#[derive(Debug, Clone)]
pub(crate) enum Visual {
    /// An embedded image: the XObject `/Im{index}`, and its size in pixels.
    Embedded {
        /// Index into the document's prepared images.
        index: usize,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// An SVG drawn as paths: the form XObject `/Sv{index}`, and its size in CSS pixels.
    Vector {
        /// Index into the document's converted SVGs.
        index: usize,
        /// Width in CSS pixels.
        width: f32,
        /// Height in CSS pixels.
        height: f32,
    },
    /// A box with a title (`SVG image`) and a detail line (the URL).
    Placeholder {
        /// What the box stands for.
        title: &'static str,
        /// More about it: a URL, or why decoding failed.
        detail: String,
    },
}

/// The PDF colour space of prepared samples.
#[derive(Debug, Clone, Copy)]
enum ColorSpace {
    Gray,
    Rgb,
    Cmyk,
}

/// An image ready to be written as an XObject.
struct Prepared {
    width: u32,
    height: u32,
    color: ColorSpace,
    /// Sample data, already encoded with `filter`.
    data: Vec<u8>,
    filter: Filter,
    /// Flate-compressed 8-bit alpha, when the image is not fully opaque.
    alpha: Option<Vec<u8>>,
    /// Adobe CMYK JPEGs store inverted samples.
    invert: bool,
}

/// What a value decodes to.
enum Decoded {
    Raster(Prepared),
    Vector(SvgForm),
}

/// The images of one document.
#[derive(Default)]
pub(crate) struct ImageSet<'a> {
    seen: HashMap<&'a str, Visual>,
    prepared: Vec<Prepared>,
    forms: Vec<SvgForm>,
    assets: Option<&'a Assets>,
    /// Decoded pixel bytes taken so far, of [`MAX_RENDER_PIXEL_BYTES`].
    decoded: usize,
    /// Whether a PNG would have taken the decoded pixels past [`MAX_RENDER_PIXEL_BYTES`]:
    /// nothing more is decoded and the render fails.
    over_budget: bool,
}

impl<'a> ImageSet<'a> {
    /// An empty set that draws `https://` URLs from `assets` when they are there.
    pub(crate) fn new(assets: Option<&'a Assets>) -> ImageSet<'a> {
        ImageSet {
            assets,
            ..ImageSet::default()
        }
    }

    /// What `value` draws as, decoding it the first time it is met.
    pub(crate) fn get(&mut self, value: &'a str) -> Visual {
        if let Some(visual) = self.seen.get(value) {
            return visual.clone();
        }
        if self.over_budget {
            // The render fails: nothing more is decoded.
            return Visual::Placeholder {
                title: "Unreadable image",
                detail: String::new(),
            };
        }
        let mut budget = Budget {
            decoded: &mut self.decoded,
            over: &mut self.over_budget,
        };
        let visual = match prepare(value, self.assets, &mut budget) {
            Ok(Decoded::Raster(prepared)) => {
                let visual = Visual::Embedded {
                    index: self.prepared.len(),
                    width: prepared.width,
                    height: prepared.height,
                };
                self.prepared.push(prepared);
                visual
            }
            Ok(Decoded::Vector(form)) => {
                let visual = Visual::Vector {
                    index: self.forms.len(),
                    width: form.width,
                    height: form.height,
                };
                self.forms.push(form);
                visual
            }
            Err(placeholder) => placeholder,
        };
        self.seen.insert(value, visual.clone());
        visual
    }

    /// Whether the document's PNGs decode to more than [`MAX_RENDER_PIXEL_BYTES`]; the render
    /// then fails.
    pub(crate) fn over_budget(&self) -> bool {
        self.over_budget
    }

    /// Writes every prepared image; returns the `/XObject` resource entries.
    pub(crate) fn write(
        &self,
        pdf: &mut Pdf,
        next_ref: &mut impl FnMut() -> Ref,
    ) -> Vec<(String, Ref)> {
        let mut entries = Vec::with_capacity(self.prepared.len());
        for (index, image) in self.prepared.iter().enumerate() {
            let id = next_ref();
            let mask = image.alpha.as_ref().map(|alpha| {
                let mask_id = next_ref();
                let mut x = pdf.image_xobject(mask_id, alpha);
                x.width(dimension(image.width))
                    .height(dimension(image.height))
                    .color_space_name(Name(b"DeviceGray"))
                    .bits_per_component(8);
                x.filter(Filter::FlateDecode);
                mask_id
            });
            let mut x = pdf.image_xobject(id, &image.data);
            x.width(dimension(image.width))
                .height(dimension(image.height))
                .bits_per_component(8);
            x.filter(image.filter);
            let (space, components) = match image.color {
                ColorSpace::Gray => (Name(b"DeviceGray"), 1),
                ColorSpace::Rgb => (Name(b"DeviceRGB"), 3),
                ColorSpace::Cmyk => (Name(b"DeviceCMYK"), 4),
            };
            x.color_space_name(space);
            if image.invert {
                x.decode((0..components).flat_map(|_| [1.0, 0.0]));
            }
            if let Some(mask) = mask {
                x.s_mask(mask);
            }
            entries.push((image_name(index), id));
        }
        for (index, svg) in self.forms.iter().enumerate() {
            // svg2pdf numbers its objects from 1; they take the document's next numbers.
            let mut renumbered = HashMap::new();
            let chunk = svg
                .chunk
                .renumber(|old| *renumbered.entry(old).or_insert_with(&mut *next_ref));
            if let Some(&form) = renumbered.get(&svg.form) {
                pdf.extend(&chunk);
                entries.push((form_name(index), form));
            }
        }
        entries
    }
}

/// The resource name of prepared image `index`.
pub(crate) fn image_name(index: usize) -> String {
    format!("Im{}", index + 1)
}

/// The resource name of converted SVG `index`.
pub(crate) fn form_name(index: usize) -> String {
    format!("Sv{}", index + 1)
}

fn dimension(pixels: u32) -> i32 {
    i32::try_from(pixels).unwrap_or(i32::MAX)
}

/// A render's decoded-pixel budget, as [`decode_png`] takes from it.
struct Budget<'s> {
    /// Bytes taken so far.
    decoded: &'s mut usize,
    /// Set when a PNG would take more than what is left.
    over: &'s mut bool,
}

/// Decodes `value` into an embeddable image or an SVG form, or says what placeholder to draw
/// instead.
fn prepare(
    value: &str,
    assets: Option<&Assets>,
    budget: &mut Budget<'_>,
) -> Result<Decoded, Visual> {
    let unreadable = |why: &str| Visual::Placeholder {
        title: "Unreadable image",
        detail: why.to_owned(),
    };
    let image = Image::parse(value).map_err(|e| unreadable(&e.to_string()))?;
    if image.is_url() {
        let Some(bytes) = assets.and_then(|assets| assets.get(image.as_str())) else {
            return Err(Visual::Placeholder {
                title: "Linked image (not fetched)",
                detail: image.as_str().to_owned(),
            });
        };
        let fetched = |why: String| Visual::Placeholder {
            title: "Unreadable image",
            detail: format!("{}: {why}", image.as_str()),
        };
        return match sniff(bytes) {
            Some("image/png") => decode_png(bytes, budget)
                .map(Decoded::Raster)
                .map_err(fetched),
            Some("image/jpeg") => jpeg(bytes.clone())
                .map(Decoded::Raster)
                .map_err(|why| fetched(why.to_owned())),
            Some(_) => svg_form(bytes),
            None => Err(fetched("not a PNG, JPEG or SVG image".to_owned())),
        };
    }
    let media_type = image.media_type().unwrap_or_default();
    let bytes = image
        .decode()
        .ok_or_else(|| unreadable("the data URI does not decode"))?;
    match media_type {
        "image/png" => decode_png(&bytes, budget)
            .map(Decoded::Raster)
            .map_err(|why| unreadable(&why)),
        "image/jpeg" => jpeg(bytes).map(Decoded::Raster).map_err(&unreadable),
        "image/svg+xml" => svg_form(&bytes),
        other => Err(unreadable(&format!("unsupported media type {other}"))),
    }
}

/// An SVG as a form XObject, or the `SVG image` placeholder with the reason it is not drawn.
fn svg_form(bytes: &[u8]) -> Result<Decoded, Visual> {
    svg::convert(bytes)
        .map(Decoded::Vector)
        .map_err(|why| Visual::Placeholder {
            title: "SVG image",
            detail: why,
        })
}

/// The media type of fetched bytes, by their content (a server's `Content-Type` is often
/// wrong): PNG and JPEG by their signatures, SVG by an `<svg` near the start.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some("image/jpeg");
    }
    let head = &bytes[..bytes.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    (trimmed.starts_with('<') && text.contains("<svg")).then_some("image/svg+xml")
}

/// Decodes a PNG into 8-bit samples and an optional alpha channel, taking its decoded size
/// from `budget` first (read from the header, before any pixel is decoded).
fn decode_png(bytes: &[u8], budget: &mut Budget<'_>) -> Result<Prepared, String> {
    let limits = png::Limits {
        bytes: MAX_PIXEL_BYTES,
    };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    // Like browsers, draw what decodes even when a chunk's checksum is wrong.
    decoder.ignore_checksums(true);
    decoder.set_ignore_text_chunk(true);
    let mut reader = decoder.read_info().map_err(png_error)?;
    let size = reader
        .output_buffer_size()
        .filter(|&size| size <= MAX_PIXEL_BYTES)
        .ok_or_else(|| "PNG: too many pixels to embed".to_owned())?;
    match budget.decoded.checked_add(size) {
        Some(total) if total <= MAX_RENDER_PIXEL_BYTES => *budget.decoded = total,
        _ => {
            *budget.over = true;
            return Err(format!(
                "PNG: the render's images decode to more than {MAX_RENDER_PIXEL_BYTES} bytes"
            ));
        }
    }
    let mut buf = vec![0; size];
    let frame = reader.next_frame(&mut buf).map_err(png_error)?;
    buf.truncate(frame.buffer_size());
    let (width, height) = (frame.width, frame.height);
    let (color, channels, has_alpha) = match reader.output_color_type().0 {
        png::ColorType::Grayscale => (ColorSpace::Gray, 1, false),
        png::ColorType::GrayscaleAlpha => (ColorSpace::Gray, 2, true),
        png::ColorType::Rgb => (ColorSpace::Rgb, 3, false),
        png::ColorType::Rgba => (ColorSpace::Rgb, 4, true),
        png::ColorType::Indexed => return Err("PNG: palette was not expanded".to_owned()),
    };
    if frame.line_size != width as usize * channels {
        return Err("PNG: unexpected row layout".to_owned());
    }
    let (samples, alpha) = if has_alpha {
        let color_channels = channels - 1;
        let pixels = buf.len() / channels;
        let mut samples = Vec::with_capacity(pixels * color_channels);
        let mut alpha = Vec::with_capacity(pixels);
        for pixel in buf.chunks_exact(channels) {
            samples.extend_from_slice(&pixel[..color_channels]);
            alpha.push(pixel[color_channels]);
        }
        let opaque = alpha.iter().all(|&a| a == u8::MAX);
        (samples, (!opaque).then(|| compress(&alpha)))
    } else {
        (buf, None)
    };
    Ok(Prepared {
        width,
        height,
        color,
        data: compress(&samples),
        filter: Filter::FlateDecode,
        alpha,
        invert: false,
    })
}

/// A short reason for a PNG that does not decode.
fn png_error(error: png::DecodingError) -> String {
    match error {
        png::DecodingError::LimitsExceeded => "PNG: too many pixels to embed".to_owned(),
        png::DecodingError::IoError(_) => "PNG: the data ends too early".to_owned(),
        _ => "PNG: the data could not be decoded".to_owned(),
    }
}

/// Embeds a JPEG as it is, after reading its frame header.
fn jpeg(bytes: Vec<u8>) -> Result<Prepared, &'static str> {
    let info = jpeg_info(&bytes)?;
    Ok(Prepared {
        width: info.width,
        height: info.height,
        color: info.color,
        data: bytes,
        filter: Filter::DctDecode,
        alpha: None,
        invert: info.adobe && matches!(info.color, ColorSpace::Cmyk),
    })
}

/// What the SOF marker of a JPEG says.
struct JpegInfo {
    width: u32,
    height: u32,
    color: ColorSpace,
    /// An `APP14 Adobe` marker was seen.
    adobe: bool,
}

/// Walks a JPEG's markers up to its frame header (SOF0, SOF1 or SOF2: the kinds PDF readers
/// decode), never reading past the end.
fn jpeg_info(b: &[u8]) -> Result<JpegInfo, &'static str> {
    const BAD: &str = "JPEG: no readable frame header";
    if !b.starts_with(&[0xFF, 0xD8]) {
        return Err("JPEG: missing start-of-image marker");
    }
    let mut adobe = false;
    let mut i = 2;
    loop {
        // Skip to the next marker (0xFF, possibly padded with more 0xFF).
        while b.get(i) != Some(&0xFF) {
            if i >= b.len() {
                return Err(BAD);
            }
            i += 1;
        }
        while b.get(i) == Some(&0xFF) {
            i += 1;
        }
        let marker = *b.get(i).ok_or(BAD)?;
        i += 1;
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            continue;
        }
        if matches!(marker, 0xD9 | 0xDA) {
            return Err(BAD);
        }
        let len = usize::from(u16::from_be_bytes([
            *b.get(i).ok_or(BAD)?,
            *b.get(i + 1).ok_or(BAD)?,
        ]));
        let segment = b.get(i + 2..i + len).ok_or(BAD)?;
        match marker {
            0xC0..=0xC2 => {
                let [precision, h1, h0, w1, w0, components, ..] = *segment else {
                    return Err(BAD);
                };
                if precision != 8 {
                    return Err("JPEG: only 8-bit samples can be embedded");
                }
                let (width, height) = (u16::from_be_bytes([w1, w0]), u16::from_be_bytes([h1, h0]));
                if width == 0 || height == 0 {
                    return Err("JPEG: zero width or height");
                }
                if usize::from(width) * usize::from(height) > MAX_PIXEL_BYTES {
                    return Err("JPEG: too many pixels to embed");
                }
                let color = match components {
                    1 => ColorSpace::Gray,
                    3 => ColorSpace::Rgb,
                    4 => ColorSpace::Cmyk,
                    _ => return Err("JPEG: unsupported number of components"),
                };
                return Ok(JpegInfo {
                    width: u32::from(width),
                    height: u32::from(height),
                    color,
                    adobe,
                });
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err("JPEG: lossless or arithmetic-coded JPEG cannot be embedded");
            }
            0xEE if segment.starts_with(b"Adobe") => adobe = true,
            _ => {}
        }
        i += len;
    }
}

/// Smallest side of an embedded image on the page, so a 1×1 pixel image stays visible.
const MIN_SIDE: f32 = 24.0;
/// Width of a placeholder box at most.
const PLACEHOLDER_WIDTH: f32 = 230.0;
/// Title size in a placeholder box.
const PLACEHOLDER_TITLE: f32 = 8.5;
/// Detail size in a placeholder box.
const PLACEHOLDER_DETAIL: f32 = 7.5;

/// The size `visual` takes when drawn within `max_width` × `max_height` points: an image (or
/// an SVG's CSS pixels) at 96 dpi, scaled down to fit (and up to [`MIN_SIDE`]), keeping its
/// aspect ratio.
pub(crate) fn fit(visual: &Visual, max_width: f32, max_height: f32) -> (f32, f32) {
    let (w, h) = match visual {
        Visual::Embedded { width, height, .. } => (*width as f32 * 0.75, *height as f32 * 0.75),
        Visual::Vector { width, height, .. } => (width * 0.75, height * 0.75),
        Visual::Placeholder { detail, .. } => {
            let width = max_width.min(PLACEHOLDER_WIDTH);
            let lines = placeholder_lines(detail, width).len() as f32;
            return (
                width,
                10.0 + PLACEHOLDER_TITLE + lines * (PLACEHOLDER_DETAIL + 2.5),
            );
        }
    };
    let mut scale = (max_width / w).min(max_height / h).min(1.0);
    if w.max(h) * scale < MIN_SIDE {
        scale = (MIN_SIDE / w.max(h)).min(max_width / w).min(max_height / h);
    }
    ((w * scale).max(1.0), (h * scale).max(1.0))
}

fn placeholder_lines(detail: &str, width: f32) -> Vec<String> {
    if detail.is_empty() {
        return Vec::new();
    }
    wrap(
        &clean(detail),
        width - 12.0,
        PLACEHOLDER_DETAIL,
        Style::Regular,
        3,
    )
    .lines
}

/// Draws `visual` with its top-left corner at (`x`, `top`), `width` × `height` as [`fit`] gave.
pub(crate) fn draw(doc: &mut Doc<'_>, visual: &Visual, x: f32, top: f32, width: f32, height: f32) {
    match visual {
        Visual::Embedded { index, .. } | Visual::Vector { index, .. } => {
            // Both are drawn in the unit square: an image XObject by definition, svg2pdf's
            // form by its /Matrix.
            let name = match visual {
                Visual::Vector { .. } => form_name(*index),
                _ => image_name(*index),
            };
            let content = doc.content();
            content.save_state();
            content.transform([width, 0.0, 0.0, height, x, top - height]);
            content.x_object(Name(name.as_bytes()));
            content.restore_state();
        }
        Visual::Placeholder { title, detail } => {
            doc.stroke_rect(x, top, width, height, true);
            let mut baseline = top - 5.0 - PLACEHOLDER_TITLE;
            doc.text(
                x + 6.0,
                baseline,
                PLACEHOLDER_TITLE,
                Style::Bold,
                MUTED_GREY,
                title,
            );
            for line in placeholder_lines(detail, width) {
                baseline -= PLACEHOLDER_DETAIL + 2.5;
                doc.text(
                    x + 6.0,
                    baseline,
                    PLACEHOLDER_DETAIL,
                    Style::Regular,
                    MUTED_GREY,
                    &line,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_header_walk_never_reads_past_the_end() {
        for bad in [
            &b""[..],
            b"\xFF\xD8",
            b"\xFF\xD8\xFF",
            b"\xFF\xD8\xFF\xC0\x00",
            b"\xFF\xD8\xFF\xC0\x00\x11\x08",
        ] {
            assert!(jpeg_info(bad).is_err());
        }
        let sof = b"\xFF\xD8\xFF\xC0\x00\x0B\x08\x00\x02\x00\x03\x01\x01\x11\x00";
        let info = jpeg_info(sof).expect("valid SOF0");
        assert_eq!((info.width, info.height), (3, 2));
    }

    #[test]
    fn fetched_bytes_are_recognised_by_their_content() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0"), Some("image/jpeg"));
        assert_eq!(
            sniff("\u{feff} <?xml version=\"1.0\"?>\n<svg/>".as_bytes()),
            Some("image/svg+xml")
        );
        assert_eq!(sniff(b"<html><body>not found</body></html>"), None);
        assert_eq!(sniff(b""), None);
        let mut assets = Assets::new();
        assets.insert("https://a.example/x".to_owned(), b"<html/>".to_vec());
        let mut set = ImageSet::new(Some(&assets));
        assert!(matches!(
            set.get("https://a.example/x"),
            Visual::Placeholder { title: "Unreadable image", detail } if detail.contains("not a PNG, JPEG or SVG")
        ));
    }

    #[test]
    fn urls_and_svg_become_placeholders() {
        let mut set = ImageSet::default();
        assert!(
            matches!(set.get("https://a.example/x.png"), Visual::Placeholder { detail, .. } if detail == "https://a.example/x.png")
        );
        assert!(matches!(
            set.get("data:image/svg+xml,%3Csvg%2F%3E"),
            Visual::Placeholder {
                title: "SVG image",
                ..
            }
        ));
        assert!(matches!(
            set.get("data:image/png;base64,iVBORw0KGgo="),
            Visual::Placeholder {
                title: "Unreadable image",
                ..
            }
        ));
        assert!(matches!(
            set.get("not an image"),
            Visual::Placeholder { .. }
        ));
    }
}

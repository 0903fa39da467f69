//! Fonts, character encoding and text measurement.
//!
//! Two kinds of font carry the text:
//!
//! - **Helvetica and Helvetica-Bold**, two of the PDF's built-in fonts, with `WinAnsiEncoding`:
//!   one byte a character, nothing embedded. Every character that WinAnsi can encode (ASCII,
//!   Latin-1 and a few typographic extras such as `€ – — “ ” …`) is drawn with them, so a
//!   document in English, German, French or Spanish embeds no font at all.
//! - **Liberation Sans Regular**, embedded as a subsetted CID font (`Type0`/`CIDFontType2`,
//!   `Identity-H`) with a `ToUnicode` CMap, for every other character (`č ć Ł ő`, Greek,
//!   Cyrillic, ...). It is vendored in `fonts/` under the SIL Open Font License 1.1
//!   (`fonts/LICENSE-OFL.txt`).
//!
//! Why Liberation Sans: it is designed to be metric-compatible with Arial, and so with
//! Helvetica. A word that mixes the two fonts (`Čović` is `Č` embedded, `ovi` Helvetica, `ć`
//! embedded) keeps the same advance widths and looks like one face; the Helvetica widths below
//! were read from Liberation Sans Regular and Bold and are written into the font dictionaries
//! (`/Widths`), so layout and viewer agree whatever font a viewer substitutes for Helvetica.
//! It is a single ~400 KB TTF, unmodified (the OFL forbids renaming a modified copy, so we keep
//! the original rather than a pre-made subset), covering Latin, Greek and Cyrillic. CJK or
//! emoji coverage would take a font of 10+ MB, out of proportion for a development server: a
//! character the font lacks is drawn as `?` but keeps its own CID and `ToUnicode` entry, so
//! `名前` or `😀` still extract, copy and search correctly.
//!
//! The font is parsed once ([`LazyLock`]); a document subsets it (`subsetter`, typst's crate)
//! only when it uses a non-WinAnsi character, keeping just the glyphs it draws.

use std::collections::HashMap;
use std::sync::LazyLock;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, TextRenderingMode, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};

use super::PdfError;
use super::deflate::compress;

/// The vendored TrueType font for characters outside WinAnsi.
static FONT_DATA: &[u8] = include_bytes!("fonts/LiberationSans-Regular.ttf");

/// The embedded font, parsed once per process.
static EMBEDDED: LazyLock<Option<Embedded>> = LazyLock::new(|| Embedded::parse(FONT_DATA));

/// Resource names of the three fonts.
const HELVETICA: Name<'static> = Name(b"F1");
const HELVETICA_BOLD: Name<'static> = Name(b"F2");
const EMBEDDED_NAME: Name<'static> = Name(b"F3");

/// Greatest CID handed out; further distinct characters share [`OVERFLOW_CID`].
const MAX_CID: u16 = u16::MAX - 1;
/// The CID of every character past [`MAX_CID`] distinct ones: drawn `?`, extracted `�`.
const OVERFLOW_CID: u16 = u16::MAX;

/// The weight a piece of text is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// Helvetica (and the embedded font).
    Regular,
    /// Helvetica-Bold (and the embedded font, stroked to look bold).
    Bold,
}

/// Advance widths (1/1000 em) of WinAnsi codes 32..=255 in Helvetica.
#[rustfmt::skip]
const HELVETICA_WIDTHS: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
    0, 556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, 0, 222, 222,
    333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667, 278, 333, 556, 556, 556, 556,
    260, 556, 333, 737, 370, 556, 584, 333, 737, 552, 400, 549, 333, 333, 333, 576, 537, 333, 333,
    333, 365, 556, 834, 834, 834, 611, 667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667,
    278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
    611, 556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, 556, 556,
    556, 556, 556, 556, 556, 549, 611, 556, 556, 556, 556, 500, 556, 500,
];

/// Advance widths (1/1000 em) of WinAnsi codes 32..=255 in Helvetica-Bold.
#[rustfmt::skip]
const HELVETICA_BOLD_WIDTHS: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
    0, 556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, 0, 278, 278,
    500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667, 278, 333, 556, 556, 556, 556,
    280, 556, 333, 737, 370, 556, 584, 333, 737, 552, 400, 549, 333, 333, 333, 576, 556, 333, 333,
    333, 365, 556, 834, 834, 834, 611, 722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667,
    278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
    611, 556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, 611, 611,
    611, 611, 611, 611, 611, 549, 611, 611, 611, 611, 611, 556, 611, 556,
];

/// The WinAnsi code of `c`, if it has one (PDF 32000-1, Annex D).
pub(crate) fn winansi(c: char) -> Option<u8> {
    let code = match c {
        ' '..='~' | '\u{A0}'..='\u{FF}' => return u8::try_from(u32::from(c)).ok(),
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    };
    Some(code)
}

/// The Liberation Sans face and what a document needs from it.
struct Embedded {
    face: ttf_parser::Face<'static>,
    /// Scale from font units to 1/1000 em.
    scale: f32,
    /// The glyph drawn for a character the font lacks: `?`.
    fallback: u16,
}

impl Embedded {
    fn parse(data: &'static [u8]) -> Option<Embedded> {
        let face = ttf_parser::Face::parse(data, 0).ok()?;
        let scale = 1000.0 / f32::from(face.units_per_em().max(1));
        let fallback = face.glyph_index('?').map_or(0, |g| g.0);
        Some(Embedded {
            face,
            scale,
            fallback,
        })
    }

    /// The glyph that draws `c`: its own, or `?`.
    fn glyph(&self, c: char) -> u16 {
        match self.face.glyph_index(c) {
            Some(g) if g.0 != 0 => g.0,
            _ => self.fallback,
        }
    }

    /// The advance of `glyph` in 1/1000 em.
    fn advance(&self, glyph: u16) -> f32 {
        let units = self
            .face
            .glyph_hor_advance(ttf_parser::GlyphId(glyph))
            .unwrap_or(0);
        f32::from(units) * self.scale
    }
}

/// The advance width of `c` in 1/1000 em, in whichever font will draw it.
pub(crate) fn advance(c: char, style: Style) -> f32 {
    if let Some(code) = winansi(c) {
        let table = match style {
            Style::Regular => &HELVETICA_WIDTHS,
            Style::Bold => &HELVETICA_BOLD_WIDTHS,
        };
        return table
            .get(usize::from(code).saturating_sub(32))
            .map_or(500.0, |&w| f32::from(w));
    }
    match &*EMBEDDED {
        Some(font) => font.advance(font.glyph(c)),
        None => 500.0,
    }
}

/// The width of `text` at `size` points.
pub(crate) fn measure(text: &str, size: f32, style: Style) -> f32 {
    text.chars().map(|c| advance(c, style)).sum::<f32>() * size / 1000.0
}

/// The characters of one document that the embedded font draws, each with its own CID.
#[derive(Default)]
pub(crate) struct FontSet {
    cids: HashMap<char, u16>,
    /// `(character, original glyph)` of CID `i + 1`.
    used: Vec<(char, u16)>,
    /// Whether [`OVERFLOW_CID`] was handed out.
    overflow: bool,
}

impl FontSet {
    /// The CID that draws `c`, handing out the next one on first use.
    fn cid(&mut self, c: char) -> u16 {
        if let Some(&cid) = self.cids.get(&c) {
            return cid;
        }
        let next = self.used.len() + 1;
        let Ok(cid) = u16::try_from(next) else {
            self.overflow = true;
            return OVERFLOW_CID;
        };
        if cid > MAX_CID {
            self.overflow = true;
            return OVERFLOW_CID;
        }
        let glyph = EMBEDDED.as_ref().map_or(0, |font| font.glyph(c));
        self.cids.insert(c, cid);
        self.used.push((c, glyph));
        cid
    }

    /// Shows `text` at the current text position (inside `BT`/`ET`), switching between
    /// Helvetica and the embedded font as the characters require. The caller has set the fill
    /// and stroke colour to the same value (the stroke makes embedded text look bold).
    pub(crate) fn show(&mut self, content: &mut Content, style: Style, size: f32, text: &str) {
        let base = match style {
            Style::Regular => HELVETICA,
            Style::Bold => HELVETICA_BOLD,
        };
        let mut current: Option<bool> = None; // Some(embedded?)
        let mut buf: Vec<u8> = Vec::with_capacity(text.len() * 2);
        let flush = |content: &mut Content, embedded: bool, buf: &mut Vec<u8>| {
            if buf.is_empty() {
                return;
            }
            if embedded && style == Style::Bold {
                content.set_line_width(size * 0.03);
                content.set_text_rendering_mode(TextRenderingMode::FillStroke);
                content.show(Str(buf));
                content.set_text_rendering_mode(TextRenderingMode::Fill);
            } else {
                content.show(Str(buf));
            }
            buf.clear();
        };
        for c in text.chars() {
            let code = winansi(c);
            let embedded = code.is_none();
            if current != Some(embedded) {
                if let Some(was) = current {
                    flush(content, was, &mut buf);
                }
                content.set_font(if embedded { EMBEDDED_NAME } else { base }, size);
                current = Some(embedded);
            }
            match code {
                Some(byte) => buf.push(byte),
                None => buf.extend_from_slice(&self.cid(c).to_be_bytes()),
            }
        }
        if let Some(was) = current {
            flush(content, was, &mut buf);
        }
    }

    /// Writes the fonts into `pdf`, returning the `/Font` resource entries.
    pub(crate) fn write(
        &self,
        pdf: &mut Pdf,
        next_ref: &mut impl FnMut() -> Ref,
    ) -> Result<Vec<(Name<'static>, Ref)>, PdfError> {
        let mut entries = Vec::with_capacity(3);
        for (name, base, widths) in [
            (HELVETICA, Name(b"Helvetica"), &HELVETICA_WIDTHS),
            (
                HELVETICA_BOLD,
                Name(b"Helvetica-Bold"),
                &HELVETICA_BOLD_WIDTHS,
            ),
        ] {
            let id = next_ref();
            pdf.type1_font(id)
                .base_font(base)
                .encoding_predefined(Name(b"WinAnsiEncoding"))
                .first_char(32)
                .last_char(255)
                .widths(widths.iter().map(|&w| f32::from(w)));
            entries.push((name, id));
        }
        if !self.used.is_empty() || self.overflow {
            entries.push((EMBEDDED_NAME, self.write_embedded(pdf, next_ref)?));
        }
        Ok(entries)
    }

    /// Writes the subsetted Liberation Sans as a `Type0` font; returns its reference.
    fn write_embedded(
        &self,
        pdf: &mut Pdf,
        next_ref: &mut impl FnMut() -> Ref,
    ) -> Result<Ref, PdfError> {
        let font = EMBEDDED
            .as_ref()
            .ok_or_else(|| PdfError::Font("the bundled font could not be parsed".to_owned()))?;
        let mut remapper = subsetter::GlyphRemapper::new();
        remapper.remap(0);
        remapper.remap(font.fallback);
        for &(_, glyph) in &self.used {
            remapper.remap(glyph);
        }
        let subset = subsetter::subset(FONT_DATA, 0, &remapper)
            .map_err(|e| PdfError::Font(format!("subsetting failed: {e:?}")))?;

        let max_cid = if self.overflow {
            OVERFLOW_CID
        } else {
            u16::try_from(self.used.len()).unwrap_or(MAX_CID)
        };
        let new_gid = |old: u16| remapper.get(old).unwrap_or(0);
        let fallback_gid = new_gid(font.fallback);
        // CIDToGIDMap: two bytes per CID from 0; CIDs past `used` (only the overflow) draw `?`.
        let mut cid_to_gid = Vec::with_capacity((usize::from(max_cid) + 1) * 2);
        cid_to_gid.extend_from_slice(&[0, 0]);
        for cid in 1..=max_cid {
            let gid = match self.used.get(usize::from(cid) - 1) {
                Some(&(_, glyph)) => new_gid(glyph),
                None => fallback_gid,
            };
            cid_to_gid.extend_from_slice(&gid.to_be_bytes());
        }

        let tag = subset_tag(&self.used);
        let base_font = format!("{tag}+LiberationSans");
        let system_info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        let (type0, cid_font, descriptor, file, map, cmap) = (
            next_ref(),
            next_ref(),
            next_ref(),
            next_ref(),
            next_ref(),
            next_ref(),
        );
        pdf.type0_font(type0)
            .base_font(Name(base_font.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_font)
            .to_unicode(cmap);

        let fallback_width = font.advance(font.fallback);
        let mut cid = pdf.cid_font(cid_font);
        cid.subtype(CidFontType::Type2)
            .base_font(Name(base_font.as_bytes()))
            .system_info(system_info)
            .font_descriptor(descriptor)
            .default_width(fallback_width)
            .cid_to_gid_map_stream(map);
        if !self.used.is_empty() {
            cid.widths()
                .consecutive(1, self.used.iter().map(|&(_, g)| font.advance(g)));
        }
        cid.finish();

        let face = &font.face;
        let bbox = face.global_bounding_box();
        let s = font.scale;
        pdf.font_descriptor(descriptor)
            .name(Name(base_font.as_bytes()))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                f32::from(bbox.x_min) * s,
                f32::from(bbox.y_min) * s,
                f32::from(bbox.x_max) * s,
                f32::from(bbox.y_max) * s,
            ))
            .italic_angle(0.0)
            .ascent(f32::from(face.ascender()) * s)
            .descent(f32::from(face.descender()) * s)
            .cap_height(f32::from(face.capital_height().unwrap_or(face.ascender())) * s)
            .stem_v(80.0)
            .font_file2(file);

        let packed = compress(&subset);
        pdf.stream(file, &packed).filter(Filter::FlateDecode).pair(
            Name(b"Length1"),
            i32::try_from(subset.len()).unwrap_or(i32::MAX),
        );
        let packed = compress(&cid_to_gid);
        pdf.stream(map, &packed).filter(Filter::FlateDecode);

        let mut unicode = UnicodeCmap::new(Name(b"Craftkit-UTF16"), system_info);
        for (i, &(c, _)) in self.used.iter().enumerate() {
            if let Ok(cid) = u16::try_from(i + 1) {
                unicode.pair(cid, c);
            }
        }
        if self.overflow {
            unicode.pair(OVERFLOW_CID, char::REPLACEMENT_CHARACTER);
        }
        let packed = compress(&unicode.finish());
        pdf.cmap(cmap, &packed).filter(Filter::FlateDecode);
        Ok(type0)
    }
}

/// Appends the outlines of `text`, set in the embedded font at `size` from the origin, as a
/// path to `content`, and returns its width. The watermark is drawn this way rather than as
/// text: text would be extracted and interleaved with the document's own.
pub(crate) fn outlines(content: &mut Content, text: &str, size: f32) -> f32 {
    let Some(font) = EMBEDDED.as_ref() else {
        return 0.0;
    };
    let mut path = PathBuilder {
        content,
        x: 0.0,
        scale: font.scale * size / 1000.0,
        last: (0.0, 0.0),
    };
    for c in text.chars() {
        let glyph = font.glyph(c);
        font.face
            .outline_glyph(ttf_parser::GlyphId(glyph), &mut path);
        path.x += font.advance(glyph) * size / 1000.0;
    }
    path.x
}

/// Turns a glyph's outline into PDF path operators, offset by `x` and scaled.
struct PathBuilder<'c> {
    content: &'c mut Content,
    x: f32,
    scale: f32,
    /// The current point, in page units, for converting quadratic curves to cubic ones.
    last: (f32, f32),
}

impl PathBuilder<'_> {
    fn point(&self, x: f32, y: f32) -> (f32, f32) {
        (self.x + x * self.scale, y * self.scale)
    }
}

impl ttf_parser::OutlineBuilder for PathBuilder<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        let p = self.point(x, y);
        self.content.move_to(p.0, p.1);
        self.last = p;
    }

    fn line_to(&mut self, x: f32, y: f32) {
        let p = self.point(x, y);
        self.content.line_to(p.0, p.1);
        self.last = p;
    }

    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (q, p, l) = (self.point(x1, y1), self.point(x, y), self.last);
        let c1 = (l.0 + 2.0 / 3.0 * (q.0 - l.0), l.1 + 2.0 / 3.0 * (q.1 - l.1));
        let c2 = (p.0 + 2.0 / 3.0 * (q.0 - p.0), p.1 + 2.0 / 3.0 * (q.1 - p.1));
        self.content.cubic_to(c1.0, c1.1, c2.0, c2.1, p.0, p.1);
        self.last = p;
    }

    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (c1, c2, p) = (self.point(x1, y1), self.point(x2, y2), self.point(x, y));
        self.content.cubic_to(c1.0, c1.1, c2.0, c2.1, p.0, p.1);
        self.last = p;
    }

    fn close(&mut self) {
        self.content.close_path();
    }
}

/// A subset tag of six capital letters, derived from the glyphs kept (so output stays
/// deterministic, as PDF 32000-1 §9.6.4 only asks that different subsets get different tags).
fn subset_tag(used: &[(char, u16)]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &(c, _) in used {
        hash ^= u64::from(u32::from(c));
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (0..6)
        .map(|i| {
            let letter = (hash >> (i * 5)) % 26;
            char::from(b'A' + u8::try_from(letter).unwrap_or(0))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_font_parses_and_has_latin_extended() {
        let font = EMBEDDED.as_ref().expect("bundled font parses");
        assert_ne!(font.fallback, 0);
        for c in ['č', 'ć', 'Ł', 'Ж', 'Ω'] {
            assert_ne!(font.glyph(c), font.fallback, "{c}");
        }
        assert_eq!(font.glyph('名'), font.fallback);
    }

    #[test]
    fn helvetica_widths_match_the_metric_compatible_font() {
        let font = EMBEDDED.as_ref().expect("bundled font parses");
        for c in ['a', 'W', ' ', 'é', '€'] {
            let embedded = font.advance(font.glyph(c));
            assert!((advance(c, Style::Regular) - embedded).abs() < 1.0, "{c}");
        }
        assert_eq!(winansi('Ž'), Some(0x8E));
        assert_eq!(winansi('Č'), None);
        assert_eq!(winansi('\u{7F}'), None);
    }
}

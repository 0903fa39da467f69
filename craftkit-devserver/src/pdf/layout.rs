//! Pages, the cursor that walks down them, and line wrapping.
//!
//! Coordinates are PDF points from the bottom-left corner of an A4 page. The cursor `y` is
//! the top of the next thing to draw; whatever does not fit above the bottom margin goes on a
//! new page ([`Doc::ensure`]).

use std::borrow::Cow;

use pdf_writer::Content;

use super::image::ImageSet;
use super::text::{FontSet, Style, advance, measure};
use super::{Assets, PdfError};

/// A4 width in points.
pub(crate) const PAGE_WIDTH: f32 = 595.276;
/// A4 height in points.
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
/// Left edge of the text area.
pub(crate) const LEFT: f32 = 48.0;
/// Right edge of the text area.
pub(crate) const RIGHT: f32 = PAGE_WIDTH - 48.0;
/// Where the cursor starts on a new page.
pub(crate) const TOP: f32 = PAGE_HEIGHT - 48.0;
/// Nothing is drawn below this, but the footer.
pub(crate) const BOTTOM: f32 = 50.0;
/// Body text size.
pub(crate) const BODY: f32 = 9.5;
/// Distance between two body lines.
pub(crate) const LEADING: f32 = 12.0;
/// Indentation of one level of nesting.
pub(crate) const INDENT: f32 = 14.0;
/// Deeper nesting than this is not indented further, so the text keeps room.
pub(crate) const MAX_INDENT_LEVELS: usize = 8;
/// A document never has more pages than this (a render that would is an error, not a hang).
pub(crate) const MAX_PAGES: usize = 10_000;

/// Grey levels (0 black, 1 white).
pub(crate) const TEXT_GREY: f32 = 0.0;
/// Secondary text.
pub(crate) const MUTED_GREY: f32 = 0.4;
/// Rules and borders.
pub(crate) const RULE_GREY: f32 = 0.75;

/// The x offset of nesting level `depth`.
pub(crate) fn indent(depth: usize) -> f32 {
    LEFT + INDENT * depth.min(MAX_INDENT_LEVELS) as f32
}

/// The document being laid out: finished pages, the current one, and the cursor.
pub(crate) struct Doc<'a> {
    /// The characters drawn with the embedded font.
    pub(crate) fonts: FontSet,
    /// Images met so far, decoded once each.
    pub(crate) images: ImageSet<'a>,
    finished: Vec<Content>,
    page: Content,
    /// Top of the next thing to draw.
    pub(crate) y: f32,
}

impl<'a> Doc<'a> {
    /// A document with one empty page, drawing `https://` images from `assets` when given.
    pub(crate) fn new(assets: Option<&'a Assets>) -> Doc<'a> {
        Doc {
            fonts: FontSet::default(),
            images: ImageSet::new(assets),
            finished: Vec::new(),
            page: Content::new(),
            y: TOP,
        }
    }

    /// The index of the current page, from 0.
    pub(crate) fn page_index(&self) -> usize {
        self.finished.len()
    }

    /// The current page's content stream.
    pub(crate) fn content(&mut self) -> &mut Content {
        &mut self.page
    }

    /// Starts a new page and puts the cursor at its top.
    pub(crate) fn new_page(&mut self) -> Result<(), PdfError> {
        if self.finished.len() + 1 >= MAX_PAGES {
            return Err(PdfError::TooManyPages { limit: MAX_PAGES });
        }
        let done = std::mem::replace(&mut self.page, Content::new());
        self.finished.push(done);
        self.y = TOP;
        Ok(())
    }

    /// Makes room for `height` points: starts a new page unless they fit on this one (or the
    /// page is still empty, where nothing would fit better). Returns whether a page began.
    pub(crate) fn ensure(&mut self, height: f32) -> Result<bool, PdfError> {
        if self.y - height < BOTTOM && self.y < TOP {
            self.new_page()?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Draws one line of text with its baseline at `baseline`.
    pub(crate) fn text(
        &mut self,
        x: f32,
        baseline: f32,
        size: f32,
        style: Style,
        grey: f32,
        s: &str,
    ) {
        if s.is_empty() {
            return;
        }
        let content = &mut self.page;
        content.set_fill_gray(grey).set_stroke_gray(grey);
        content.begin_text();
        content.next_line(x, baseline);
        self.fonts.show(content, style, size, s);
        content.end_text();
    }

    /// Draws a horizontal rule at `y`.
    pub(crate) fn rule(&mut self, x1: f32, x2: f32, y: f32, grey: f32, width: f32) {
        self.page
            .set_stroke_gray(grey)
            .set_line_width(width)
            .move_to(x1, y)
            .line_to(x2, y)
            .stroke();
    }

    /// Fills a rectangle given by its top-left corner.
    pub(crate) fn fill_rect(&mut self, x: f32, top: f32, width: f32, height: f32, grey: f32) {
        self.page
            .set_fill_gray(grey)
            .rect(x, top - height, width, height)
            .fill_nonzero();
    }

    /// Outlines a rectangle given by its top-left corner, dashed or solid.
    pub(crate) fn stroke_rect(&mut self, x: f32, top: f32, width: f32, height: f32, dashed: bool) {
        let content = &mut self.page;
        content.save_state();
        if dashed {
            content.set_dash_pattern([3.0, 2.0], 0.0);
        }
        content
            .set_stroke_gray(RULE_GREY)
            .set_line_width(0.75)
            .rect(x, top - height, width, height)
            .stroke();
        content.restore_state();
    }

    /// Every page's content, the fonts and the images, once layout is done.
    pub(crate) fn finish(mut self) -> (Vec<Content>, FontSet, ImageSet<'a>) {
        self.finished.push(self.page);
        (self.finished, self.fonts, self.images)
    }
}

/// `text` made safe to draw: line breaks normalised to `\n`, tabs to spaces, other control
/// and invisible formatting characters dropped.
pub(crate) fn clean(text: &str) -> Cow<'_, str> {
    let drop_or_change = |c: char| {
        c.is_control() && c != '\n'
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{FE00}'..='\u{FE0F}' | '\u{2028}' | '\u{2029}')
    };
    if !text.chars().any(drop_or_change) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.push_str("    "),
            c if drop_or_change(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Lines of text wrapped to a width.
#[derive(Debug, Default)]
pub(crate) struct Wrapped {
    /// The lines, the last one ending in `…` when text was cut.
    pub(crate) lines: Vec<String>,
    /// Whether `max_lines` cut the text short.
    pub(crate) truncated: bool,
}

/// Wraps `text` (already [`clean`]ed) into lines at most `width` points wide, breaking after
/// spaces and hyphens, or anywhere in a word too long for a line. At most `max_lines` lines;
/// when more would be needed the last one ends in an ellipsis. Linear in the text's length
/// and stops reading as soon as the lines are full.
pub(crate) fn wrap(text: &str, width: f32, size: f32, style: Style, max_lines: usize) -> Wrapped {
    let mut out = Wrapped::default();
    let max_lines = max_lines.max(1);
    // Widths are summed in 1/1000 em, so compare against the width in those units.
    let limit = width.max(1.0) * 1000.0 / size.max(0.1);
    'paragraphs: for paragraph in text.split('\n') {
        if out.lines.len() >= max_lines {
            out.truncated = true;
            break;
        }
        let mut start = 0usize;
        let mut line_width = 0.0f32;
        // (byte index just after a break opportunity, line width up to it)
        let mut last_break: Option<(usize, f32)> = None;
        for (i, c) in paragraph.char_indices() {
            let w = advance(c, style);
            if line_width + w > limit && i > start && c != ' ' {
                let cut = match last_break {
                    Some((at, at_width)) if at > start => {
                        line_width -= at_width;
                        at
                    }
                    _ => {
                        line_width = 0.0;
                        i
                    }
                };
                out.lines.push(paragraph[start..cut].trim_end().to_owned());
                start = cut;
                last_break = None;
                if out.lines.len() >= max_lines {
                    out.truncated = true;
                    break 'paragraphs;
                }
            }
            line_width += w;
            if matches!(c, ' ' | '-' | '/' | '_' | '.' | ',') {
                last_break = Some((i + c.len_utf8(), line_width));
            }
        }
        out.lines.push(paragraph[start..].trim_end().to_owned());
    }
    if let Some(last) = out.lines.last_mut().filter(|_| out.truncated) {
        while !last.is_empty() && measure(last, size, style) + measure("…", size, style) > width {
            last.pop();
        }
        last.push('…');
    }
    out
}

/// Cuts `text` to one line of at most `width` points, ending in `…` when cut.
pub(crate) fn truncate(text: &str, width: f32, size: f32, style: Style) -> String {
    let first = text.split('\n').next().unwrap_or_default();
    let wrapped = wrap(first, width, size, style, 1);
    let mut line = wrapped.lines.into_iter().next().unwrap_or_default();
    if first.len() < text.len() && !wrapped.truncated {
        while !line.is_empty() && measure(&line, size, style) + measure("…", size, style) > width
        {
            line.pop();
        }
        line.push('…');
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_inside_long_words() {
        let w = wrap(
            "alpha beta gamma delta",
            measure("gamma delta", BODY, Style::Regular) + 1.0,
            BODY,
            Style::Regular,
            10,
        );
        assert_eq!(w.lines, ["alpha beta", "gamma delta"]);
        let w = wrap(&"x".repeat(100), 50.0, BODY, Style::Regular, 100);
        assert!(
            w.lines.len() > 1
                && w.lines
                    .iter()
                    .all(|l| measure(l, BODY, Style::Regular) <= 50.0)
        );
        assert_eq!(w.lines.concat(), "x".repeat(100));
        let w = wrap("a\n\nb", 100.0, BODY, Style::Regular, 10);
        assert_eq!(w.lines, ["a", "", "b"]);
    }

    #[test]
    fn truncates_with_an_ellipsis() {
        let w = wrap(&"word ".repeat(10_000), 100.0, BODY, Style::Regular, 3);
        assert_eq!(w.lines.len(), 3);
        assert!(w.truncated && w.lines[2].ends_with('…'));
        assert!(measure(&w.lines[2], BODY, Style::Regular) <= 100.0);
        assert_eq!(truncate("one\ntwo", 100.0, BODY, Style::Regular), "one…");
    }

    #[test]
    fn a_document_stops_at_the_page_limit() {
        let mut doc = Doc::new(None);
        let mut pages = 1;
        while doc.new_page().is_ok() {
            pages += 1;
        }
        assert_eq!(pages, MAX_PAGES);
        assert_eq!(
            doc.new_page(),
            Err(PdfError::TooManyPages { limit: MAX_PAGES })
        );
        assert_eq!(doc.finish().0.len(), MAX_PAGES);
    }

    #[test]
    fn cleans_control_characters() {
        assert_eq!(clean("a\r\nb\rc\td\u{0}e\u{FEFF}"), "a\nb\nc    de");
        assert!(matches!(clean("plain"), Cow::Borrowed(_)));
    }
}

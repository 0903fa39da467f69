//! The PDF file itself: catalog, page tree, shared resources, footers and the watermark.

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, TextStr};

use super::PdfError;
use super::deflate::compress;
use super::image::ImageSet;
use super::layout::{LEFT, MUTED_GREY, PAGE_HEIGHT, PAGE_WIDTH, RIGHT, truncate};
use super::text::{FontSet, Style, measure, outlines};

/// Footer text size.
const FOOTER_SIZE: f32 = 7.5;
/// The watermark's opacity.
const WATERMARK_ALPHA: f32 = 0.15;

/// What the footer and the document information name.
pub(crate) struct Meta<'m> {
    /// The document title: the template's name or slug.
    pub(crate) title: &'m str,
    /// `slug · version N`, for the footer.
    pub(crate) footer: String,
    /// Text drawn faintly across every page.
    pub(crate) watermark: Option<&'m str>,
}

/// Writes the finished pages into a PDF file.
pub(crate) fn write(
    pages: Vec<Content>,
    mut fonts: FontSet,
    images: &ImageSet<'_>,
    meta: &Meta<'_>,
) -> Result<Vec<u8>, PdfError> {
    let count = pages.len();
    let mark = meta
        .watermark
        .filter(|m| !m.trim().is_empty())
        .map(watermark);
    let has_watermark = mark.is_some();
    // Footers and watermarks are drawn last: they need the page count, and the watermark lies
    // over the content, faint enough to read through.
    let contents: Vec<Vec<u8>> = pages
        .into_iter()
        .enumerate()
        .map(|(i, mut content)| {
            footer(&mut content, &mut fonts, meta, i + 1, count);
            if has_watermark {
                content.save_state();
                content.set_parameters(Name(b"GW"));
                content.x_object(Name(b"Wm"));
                content.restore_state();
            }
            compress(&content.finish())
        })
        .collect();

    let mut pdf = Pdf::new();
    let mut last = 0;
    let mut next_ref = move || {
        last += 1;
        Ref::new(last)
    };
    let catalog = next_ref();
    let tree = next_ref();
    let info = next_ref();
    let page_refs: Vec<(Ref, Ref)> = (0..count).map(|_| (next_ref(), next_ref())).collect();

    pdf.catalog(catalog).pages(tree);
    pdf.document_info(info)
        .title(TextStr(meta.title))
        .producer(TextStr("craftkit-devserver"));

    let font_entries = fonts.write(&mut pdf, &mut next_ref)?;
    let image_entries = images.write(&mut pdf, &mut next_ref);
    let mark = mark.map(|form| {
        let id = next_ref();
        pdf.form_xobject(id, &compress(&form))
            .bbox(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .filter(Filter::FlateDecode);
        id
    });
    let gs = next_ref();
    pdf.ext_graphics(gs)
        .non_stroking_alpha(WATERMARK_ALPHA)
        .stroking_alpha(WATERMARK_ALPHA);

    let mut pages_writer = pdf.pages(tree);
    pages_writer
        .kids(page_refs.iter().map(|&(page, _)| page))
        .count(i32::try_from(count).unwrap_or(i32::MAX))
        .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
    let mut resources = pages_writer.resources();
    let mut font_dict = resources.fonts();
    for (name, id) in &font_entries {
        font_dict.pair(*name, *id);
    }
    font_dict.finish();
    let mut xobjects = resources.x_objects();
    for (name, id) in &image_entries {
        xobjects.pair(Name(name.as_bytes()), *id);
    }
    if let Some(id) = mark {
        xobjects.pair(Name(b"Wm"), id);
    }
    xobjects.finish();
    resources.ext_g_states().pair(Name(b"GW"), gs);
    resources.finish();
    pages_writer.finish();

    for ((page, content_id), content) in page_refs.iter().zip(&contents) {
        pdf.page(*page).parent(tree).contents(*content_id);
        pdf.stream(*content_id, content).filter(Filter::FlateDecode);
    }
    Ok(pdf.finish())
}

/// `slug · version N` on the left, `page i of n` on the right.
fn footer(content: &mut Content, fonts: &mut FontSet, meta: &Meta<'_>, page: usize, count: usize) {
    let y = 30.0;
    content.save_state();
    content
        .set_fill_gray(MUTED_GREY)
        .set_stroke_gray(MUTED_GREY);
    let right = format!("page {page} of {count}");
    let right_width = measure(&right, FOOTER_SIZE, Style::Regular);
    let left = truncate(
        &meta.footer,
        RIGHT - LEFT - right_width - 20.0,
        FOOTER_SIZE,
        Style::Regular,
    );
    for (x, text) in [(LEFT, left.as_str()), (RIGHT - right_width, right.as_str())] {
        content.begin_text();
        content.next_line(x, y);
        fonts.show(content, Style::Regular, FOOTER_SIZE, text);
        content.end_text();
    }
    content.restore_state();
}

/// The watermark as a form XObject: `mark` in large outlined letters along the diagonal.
fn watermark(mark: &str) -> Vec<u8> {
    let mark = truncate(mark, 2000.0, 10.0, Style::Bold);
    let diagonal = (PAGE_WIDTH * PAGE_WIDTH + PAGE_HEIGHT * PAGE_HEIGHT).sqrt();
    // Measure at 1 pt on a scratch stream, then draw at the size that fills 60 % of the diagonal.
    let width_at_one = outlines(&mut Content::new(), &mark, 1.0).max(0.01);
    let size = (diagonal * 0.6 / width_at_one).min(150.0);
    let width = width_at_one * size;
    let angle = PAGE_HEIGHT.atan2(PAGE_WIDTH);
    let (sin, cos) = angle.sin_cos();
    // Centre the letters (baseline a third of the size below the middle) on the page.
    let (dx, dy) = (-width / 2.0, -size / 3.0);
    let x = PAGE_WIDTH / 2.0 + dx * cos - dy * sin;
    let y = PAGE_HEIGHT / 2.0 + dx * sin + dy * cos;
    let mut content = Content::new();
    content.transform([cos, sin, -sin, cos, x, y]);
    content.set_fill_gray(0.45);
    outlines(&mut content, &mark, size);
    content.fill_nonzero();
    content.finish()
}

//! Arrays of objects as tables.
//!
//! The columns are the item's scalar keys in manifest order (keys of nested objects flattened
//! to `location.deck`); a header row names them. Cells wrap to at most [`MAX_CELL_LINES`]
//! lines, the last one ending in `…` when cut. Arrays and free-form objects inside the items
//! (`sections[].rows[]`) are not columns: they are drawn indented under their row. Items
//! with more columns than fit legibly (under 32 pt each) are drawn as numbered sections. A row
//! never splits across pages; when one does not fit, it starts a new page, which begins with
//! the header again.

use craftkit_core::manifest::{Field, Node, Object};
use serde_json::Value;

use super::PdfError;
use super::document::{ABSENT, field_block, fields, format_value, heading, is_image};
use super::image::{Visual, draw, fit};
use super::layout::{Doc, MUTED_GREY, RIGHT, RULE_GREY, TEXT_GREY, clean, indent, wrap};
use super::text::{Style, advance, measure};

/// Lines a cell may take.
const MAX_CELL_LINES: usize = 6;
/// Lines a header cell may take.
const MAX_HEADER_LINES: usize = 2;
/// Cell text size.
const CELL_SIZE: f32 = 8.5;
/// Distance between two lines in a cell.
const CELL_LEADING: f32 = 10.5;
/// Padding inside a cell.
const PAD: f32 = 4.0;
/// Height of an image thumbnail in a cell, at most.
const THUMB_HEIGHT: f32 = 40.0;
/// Below this average column width, items are drawn as sections instead of table rows.
const MIN_COLUMN_WIDTH: f32 = 32.0;
/// Header background.
const HEADER_FILL: f32 = 0.92;

/// One column: where its value sits in an item.
struct Column<'a> {
    label: String,
    keys: Vec<&'a str>,
    image: bool,
}

/// An array or free-form object inside the items, drawn under each row.
struct Nested<'a> {
    label: String,
    keys: Vec<&'a str>,
    field: &'a Field,
}

/// What one cell shows.
enum Cell {
    Text(Vec<String>, f32),
    Image(Visual, f32, f32),
}

impl Cell {
    fn height(&self) -> f32 {
        match self {
            Cell::Text(lines, _) => lines.len().max(1) as f32 * CELL_LEADING,
            Cell::Image(_, _, h) => *h,
        }
    }
}

/// Draws `items` as a table titled `label`, at nesting level `depth`.
pub(crate) fn table<'a>(
    doc: &mut Doc<'a>,
    label: &str,
    object: &'a Object,
    items: &'a [Value],
    depth: usize,
) -> Result<(), PdfError> {
    let (mut columns, mut nested) = (Vec::new(), Vec::new());
    collect(object, &[], "", &mut columns, &mut nested);
    heading(doc, &format!("{label} ({})", items.len()), depth)?;
    let x = indent(depth);
    if columns.is_empty() || (RIGHT - x) / (columns.len() as f32) < MIN_COLUMN_WIDTH {
        // Nothing to tabulate, or too many columns to read: each item is a numbered section.
        for (i, item) in items.iter().enumerate() {
            heading(doc, &format!("{label} #{}", i + 1), depth + 1)?;
            fields(doc, object, item.as_object(), depth + 2)?;
        }
        return Ok(());
    }
    let widths = column_widths(&columns, items, RIGHT - x);
    let header: Vec<Vec<String>> = columns
        .iter()
        .zip(&widths)
        .map(|(c, w)| {
            wrap(
                &clean(&c.label),
                w - 2.0 * PAD,
                CELL_SIZE,
                Style::Bold,
                MAX_HEADER_LINES,
            )
            .lines
        })
        .collect();
    let header_height =
        header.iter().map(Vec::len).max().unwrap_or(1) as f32 * CELL_LEADING + 2.0 * PAD;
    let mut header_page = None;
    for item in items {
        let cells: Vec<Cell> = columns
            .iter()
            .zip(&widths)
            .map(|(column, &w)| cell(doc, column, item, (w - 2.0 * PAD).max(1.0)))
            .collect();
        let row_height = cells.iter().map(Cell::height).fold(CELL_LEADING, f32::max) + 2.0 * PAD;
        let need_header = header_page != Some(doc.page_index());
        doc.ensure(row_height + if need_header { header_height } else { 0.0 })?;
        if header_page != Some(doc.page_index()) {
            draw_header(doc, x, &widths, &header, header_height);
            header_page = Some(doc.page_index());
        }
        draw_row(doc, x, &widths, &cells, row_height);
        draw_nested(doc, &nested, item, depth + 1)?;
    }
    doc.y -= 6.0;
    Ok(())
}

/// Splits `object`'s fields into columns (scalars, flattened through objects) and nested
/// blocks (arrays and free-form objects).
fn collect<'a>(
    object: &'a Object,
    keys: &[&'a str],
    prefix: &str,
    columns: &mut Vec<Column<'a>>,
    nested: &mut Vec<Nested<'a>>,
) {
    for field in &object.fields {
        let mut path = keys.to_vec();
        path.push(field.key.as_str());
        let label = format!("{prefix}{}", field.key);
        match &field.node {
            Node::Scalar(scalar) => columns.push(Column {
                label,
                keys: path,
                image: is_image(&scalar.ty),
            }),
            Node::Object(inner) => collect(inner, &path, &format!("{label}."), columns, nested),
            Node::OpaqueObject | Node::Array(_) => nested.push(Nested {
                label,
                keys: path,
                field,
            }),
        }
    }
}

/// The value at `keys` inside `item`, when present and not null.
fn lookup<'a>(item: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter()
        .try_fold(item, |value, key| value.as_object()?.get(*key))
        .filter(|value| !value.is_null())
}

/// The nested blocks of one item, indented under its row.
fn draw_nested<'a>(
    doc: &mut Doc<'a>,
    nested: &[Nested<'a>],
    item: &'a Value,
    depth: usize,
) -> Result<(), PdfError> {
    for block in nested {
        if let Some(value) = lookup(item, &block.keys) {
            doc.y -= 2.0;
            field_block(doc, &block.label, block.field, Some(value), depth)?;
        }
    }
    Ok(())
}

/// What one cell of `item` shows, `width` points wide inside its padding.
fn cell<'a>(doc: &mut Doc<'a>, column: &Column<'a>, item: &'a Value, width: f32) -> Cell {
    let value = lookup(item, &column.keys);
    let image = value.and_then(Value::as_str).filter(|_| column.image);
    if let Some(text) = image {
        let visual = doc.images.get(text);
        if matches!(visual, Visual::Embedded { .. } | Visual::Vector { .. }) {
            let (w, h) = fit(&visual, width, THUMB_HEIGHT);
            return Cell::Image(visual, w, h);
        }
        let text = match &visual {
            Visual::Placeholder { title, detail } if detail.is_empty() => (*title).to_owned(),
            Visual::Placeholder { title, detail } => format!("{title}: {detail}"),
            Visual::Embedded { .. } | Visual::Vector { .. } => String::new(),
        };
        let lines = wrap(&clean(&text), width, CELL_SIZE, Style::Regular, 3).lines;
        return Cell::Text(lines, MUTED_GREY);
    }
    match value {
        None => Cell::Text(vec![ABSENT.to_owned()], MUTED_GREY),
        Some(value) => {
            let text = format_value(value);
            Cell::Text(
                wrap(
                    &clean(&text),
                    width,
                    CELL_SIZE,
                    Style::Regular,
                    MAX_CELL_LINES,
                )
                .lines,
                TEXT_GREY,
            )
        }
    }
}

fn draw_header(doc: &mut Doc<'_>, x: f32, widths: &[f32], header: &[Vec<String>], height: f32) {
    let total: f32 = widths.iter().sum();
    doc.fill_rect(x, doc.y, total, height, HEADER_FILL);
    let mut cx = x;
    for (lines, w) in header.iter().zip(widths) {
        let mut baseline = doc.y - PAD - CELL_SIZE;
        for line in lines {
            doc.text(cx + PAD, baseline, CELL_SIZE, Style::Bold, TEXT_GREY, line);
            baseline -= CELL_LEADING;
        }
        cx += w;
    }
    doc.y -= height;
    doc.rule(x, x + total, doc.y, RULE_GREY, 0.75);
}

fn draw_row(doc: &mut Doc<'_>, x: f32, widths: &[f32], cells: &[Cell], height: f32) {
    let mut cx = x;
    for (cell, w) in cells.iter().zip(widths) {
        match cell {
            Cell::Text(lines, grey) => {
                let mut baseline = doc.y - PAD - CELL_SIZE;
                for line in lines {
                    doc.text(cx + PAD, baseline, CELL_SIZE, Style::Regular, *grey, line);
                    baseline -= CELL_LEADING;
                }
            }
            Cell::Image(visual, iw, ih) => draw(doc, visual, cx + PAD, doc.y - PAD, *iw, *ih),
        }
        cx += w;
    }
    doc.y -= height;
    let total: f32 = widths.iter().sum();
    doc.rule(x, x + total, doc.y, RULE_GREY, 0.4);
}

/// The width of `text` in points, counting no further than `cap`.
fn measure_capped(text: &str, size: f32, style: Style, cap: f32) -> f32 {
    let limit = cap * 1000.0 / size;
    let mut total = 0.0;
    for c in text.chars() {
        total += advance(c, style);
        if total > limit {
            return cap;
        }
    }
    total * size / 1000.0
}

/// Column widths filling `available`: each column's natural width (its widest cell) when all
/// fit, scaled up to fill the line; otherwise narrow columns keep their natural width and the
/// rest share what remains equally.
fn column_widths(columns: &[Column<'_>], items: &[Value], available: f32) -> Vec<f32> {
    let natural: Vec<f32> = columns
        .iter()
        .map(|column| {
            let header = measure(&column.label, CELL_SIZE, Style::Bold).min(available / 3.0);
            let cells = if column.image {
                60.0
            } else {
                items
                    .iter()
                    .filter_map(|item| lookup(item, &column.keys))
                    .map(|value| {
                        measure_capped(&format_value(value), CELL_SIZE, Style::Regular, available)
                    })
                    .fold(measure(ABSENT, CELL_SIZE, Style::Regular), f32::max)
            };
            header.max(cells) + 2.0 * PAD + 1.0
        })
        .collect();
    share(&natural, available)
}

/// Shares `available` among columns of `natural` widths (see [`column_widths`]).
fn share(natural: &[f32], available: f32) -> Vec<f32> {
    let total: f32 = natural.iter().sum();
    if natural.is_empty() || total <= 0.0 {
        return vec![available / natural.len().max(1) as f32; natural.len()];
    }
    if total <= available {
        return natural.iter().map(|n| n * available / total).collect();
    }
    let mut widths = vec![0.0; natural.len()];
    let mut fixed = vec![false; natural.len()];
    let mut remaining = available;
    loop {
        let flexible = fixed.iter().filter(|f| !**f).count();
        if flexible == 0 {
            break;
        }
        let even = remaining / flexible as f32;
        let mut changed = false;
        for i in 0..natural.len() {
            if !fixed[i] && natural[i] <= even {
                widths[i] = natural[i];
                fixed[i] = true;
                remaining -= natural[i];
                changed = true;
            }
        }
        if !changed {
            for i in 0..natural.len() {
                if !fixed[i] {
                    widths[i] = even;
                }
            }
            break;
        }
    }
    widths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_columns_keep_their_width_and_the_rest_share() {
        let widths = share(&[30.0, 400.0, 400.0], 500.0);
        assert_eq!(widths, [30.0, 235.0, 235.0]);
        let widths = share(&[50.0, 50.0], 500.0);
        assert_eq!(widths, [250.0, 250.0]);
        assert!((share(&[10.0; 40], 100.0).iter().sum::<f32>() - 100.0).abs() < 0.01);
    }
}

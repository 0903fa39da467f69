//! The walk over the manifest tree: a title block, then every field in manifest order.
//!
//! Scalars are label/value rows, objects indented sections, arrays of scalars comma or bullet
//! lists, arrays of images galleries, arrays of objects tables ([`super::table`]). The walk
//! follows the tree, not the data, so unknown keys are never printed, and it accepts any JSON
//! in any place: a value of an unexpected shape is printed as JSON rather than refused.

use std::borrow::Cow;

use craftkit_core::manifest::{Field, Items, Manifest, Node, Object, VarType};
use serde_json::{Map, Value};

use super::PdfError;
use super::image::{draw, fit};
use super::layout::{
    BODY, Doc, LEADING, LEFT, MUTED_GREY, RIGHT, RULE_GREY, TEXT_GREY, clean, indent, wrap,
};
use super::table;
use super::text::{Style, measure};

/// Lines one value may take before it is cut with an ellipsis (about 20 pages).
const MAX_VALUE_LINES: usize = 1_000;
/// Lines a label may take.
const MAX_LABEL_LINES: usize = 4;
/// Where values start, at the outer levels.
const VALUE_X: f32 = LEFT + 170.0;
/// Room a label keeps at deep levels.
const MIN_LABEL_WIDTH: f32 = 80.0;
/// Space below each row.
const ROW_GAP: f32 = 2.5;
/// JSON nesting shown as sections inside an opaque object before falling back to JSON text.
const MAX_JSON_DEPTH: usize = 6;

/// What is shown for an absent optional value.
pub(crate) const ABSENT: &str = "—";

/// Lays out the title block and every field of the tree.
pub(crate) fn layout<'a>(
    doc: &mut Doc<'a>,
    manifest: &Manifest,
    root: &'a Object,
    data: &'a Value,
) -> Result<(), PdfError> {
    title_block(doc, manifest)?;
    fields(doc, root, data.as_object(), 0)
}

/// The template's name (or slug), "version N" and the description, over a rule.
fn title_block(doc: &mut Doc<'_>, manifest: &Manifest) -> Result<(), PdfError> {
    let title = manifest
        .name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(&manifest.slug);
    let width = RIGHT - LEFT;
    for line in wrap(&clean(title), width, 18.0, Style::Bold, 3).lines {
        doc.text(LEFT, doc.y - 18.0, 18.0, Style::Bold, TEXT_GREY, &line);
        doc.y -= 22.0;
    }
    let version = format!("version {}  ·  {}", manifest.version, manifest.slug);
    doc.text(
        LEFT,
        doc.y - 10.0,
        10.0,
        Style::Regular,
        MUTED_GREY,
        &version,
    );
    doc.y -= 14.0;
    if let Some(description) = manifest.description.as_deref() {
        for line in wrap(&clean(description), width, 9.0, Style::Regular, 6).lines {
            doc.text(LEFT, doc.y - 9.0, 9.0, Style::Regular, MUTED_GREY, &line);
            doc.y -= 11.5;
        }
    }
    doc.y -= 6.0;
    doc.rule(LEFT, RIGHT, doc.y, RULE_GREY, 0.75);
    doc.y -= 12.0;
    doc.ensure(LEADING)?;
    Ok(())
}

/// Every field of `object`, reading values from `data`.
pub(crate) fn fields<'a>(
    doc: &mut Doc<'a>,
    object: &'a Object,
    data: Option<&'a Map<String, Value>>,
    depth: usize,
) -> Result<(), PdfError> {
    for field in &object.fields {
        let value = data.and_then(|map| map.get(&field.key));
        field_block(doc, &field.key, field, value, depth)?;
    }
    Ok(())
}

/// One field, labelled `label`, with its value (absent, null or of any shape).
pub(crate) fn field_block<'a>(
    doc: &mut Doc<'a>,
    label: &str,
    field: &'a Field,
    value: Option<&'a Value>,
    depth: usize,
) -> Result<(), PdfError> {
    let value = value.filter(|v| !v.is_null());
    match (&field.node, value) {
        (_, None) => value_row(doc, label, ABSENT, depth),
        (Node::Scalar(scalar), Some(value)) if is_image(&scalar.ty) => {
            image_row(doc, label, value, &scalar.ty, depth)
        }
        (Node::Scalar(_), Some(value)) => value_row(doc, label, &format_value(value), depth),
        (Node::Object(object), Some(Value::Object(map))) => {
            heading(doc, &field.path, depth)?;
            fields(doc, object, Some(map), depth + 1)
        }
        (Node::OpaqueObject, Some(value)) => json_block(doc, label, value, depth, 0),
        (Node::Array(_), Some(Value::Array(items))) if items.is_empty() => {
            value_row(doc, label, "none", depth)
        }
        (Node::Array(array), Some(Value::Array(items))) => match &array.items {
            Items::Scalar(scalar) if is_image(&scalar.ty) => gallery(doc, label, items, depth),
            Items::Scalar(scalar) => list(doc, label, &scalar.ty, items, depth),
            Items::Object(object) => table::table(doc, label, object, items, depth),
        },
        (_, Some(value)) => value_row(doc, label, &format_value(value), depth),
    }
}

/// Whether values of `ty` are drawn as pictures.
pub(crate) fn is_image(ty: &VarType) -> bool {
    matches!(ty, VarType::Image | VarType::Signature)
}

/// A value as a reader wants it: strings as they are, numbers as JSON writes them, booleans
/// `yes`/`no`, anything else as compact JSON.
pub(crate) fn format_value(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(s) => Cow::Borrowed(s),
        Value::Number(n) => Cow::Owned(n.to_string()),
        Value::Bool(true) => Cow::Borrowed("yes"),
        Value::Bool(false) => Cow::Borrowed("no"),
        Value::Null => Cow::Borrowed(ABSENT),
        other => Cow::Owned(other.to_string()),
    }
}

/// The x of labels and of values at nesting level `depth`.
fn columns(depth: usize) -> (f32, f32) {
    let label_x = indent(depth);
    (label_x, VALUE_X.max(label_x + MIN_LABEL_WIDTH + 10.0))
}

/// A section title: an object's path.
pub(crate) fn heading(doc: &mut Doc<'_>, text: &str, depth: usize) -> Result<(), PdfError> {
    // Keep the heading with at least two lines of what follows.
    doc.ensure(LEADING * 3.5)?;
    doc.y -= 3.0;
    let x = indent(depth);
    let line = super::layout::truncate(&clean(text), RIGHT - x, 10.5, Style::Bold);
    doc.text(x, doc.y - 10.5, 10.5, Style::Bold, TEXT_GREY, &line);
    doc.y -= LEADING + 3.0;
    Ok(())
}

/// A label and a wrapped value, split across pages line by line when long.
pub(crate) fn value_row(
    doc: &mut Doc<'_>,
    label: &str,
    value: &str,
    depth: usize,
) -> Result<(), PdfError> {
    let (label_x, value_x) = columns(depth);
    let value = wrap(
        &clean(value),
        RIGHT - value_x,
        BODY,
        Style::Regular,
        MAX_VALUE_LINES,
    )
    .lines;
    let lines = value.iter().map(|line| (0.0, line.as_str()));
    labelled_lines(doc, label, label_x, value_x, lines)
}

/// Draws `label` beside `lines` (each with its x offset in the value column).
fn labelled_lines<'l>(
    doc: &mut Doc<'_>,
    label: &str,
    label_x: f32,
    value_x: f32,
    lines: impl Iterator<Item = (f32, &'l str)>,
) -> Result<(), PdfError> {
    let label = wrap(
        &clean(label),
        value_x - label_x - 10.0,
        BODY,
        Style::Regular,
        MAX_LABEL_LINES,
    )
    .lines;
    let mut labels = label.iter();
    let mut values = lines;
    loop {
        let (l, v) = (labels.next(), values.next());
        if l.is_none() && v.is_none() {
            break;
        }
        doc.ensure(LEADING)?;
        let baseline = doc.y - BODY;
        if let Some(l) = l {
            doc.text(label_x, baseline, BODY, Style::Regular, MUTED_GREY, l);
        }
        if let Some((dx, v)) = v {
            doc.text(value_x + dx, baseline, BODY, Style::Regular, TEXT_GREY, v);
        }
        doc.y -= LEADING;
    }
    doc.y -= ROW_GAP;
    Ok(())
}

/// An array of scalars: a comma list when short, else one bullet per item.
fn list(
    doc: &mut Doc<'_>,
    label: &str,
    ty: &VarType,
    items: &[Value],
    depth: usize,
) -> Result<(), PdfError> {
    let texts: Vec<Cow<'_, str>> = items.iter().map(format_value).collect();
    let total: usize = texts.iter().map(|t| t.len() + 2).sum();
    let short = *ty != VarType::Text && total <= 240 && texts.iter().all(|t| !t.contains('\n'));
    if short {
        return value_row(doc, label, &texts.join(", "), depth);
    }
    let (label_x, value_x) = columns(depth);
    let bullet_indent = measure("•  ", BODY, Style::Regular);
    let mut lines: Vec<(f32, String)> = Vec::new();
    for text in &texts {
        let wrapped = wrap(
            &clean(text),
            RIGHT - value_x - bullet_indent,
            BODY,
            Style::Regular,
            MAX_VALUE_LINES,
        );
        for (i, line) in wrapped.lines.into_iter().enumerate() {
            if i == 0 {
                lines.push((0.0, format!("•  {line}")));
            } else {
                lines.push((bullet_indent, line));
            }
        }
        if lines.len() > MAX_VALUE_LINES * 4 {
            lines.push((0.0, "…".to_owned()));
            break;
        }
    }
    labelled_lines(
        doc,
        label,
        label_x,
        value_x,
        lines.iter().map(|(dx, l)| (*dx, l.as_str())),
    )
}

/// A single image or signature beside its label.
fn image_row<'a>(
    doc: &mut Doc<'a>,
    label: &str,
    value: &'a Value,
    ty: &VarType,
    depth: usize,
) -> Result<(), PdfError> {
    let Value::String(text) = value else {
        return value_row(doc, label, &format_value(value), depth);
    };
    let (label_x, value_x) = columns(depth);
    let visual = doc.images.get(text);
    let max_height = if *ty == VarType::Signature {
        70.0
    } else {
        140.0
    };
    let (w, h) = fit(&visual, (RIGHT - value_x).min(260.0), max_height);
    doc.ensure(h.max(LEADING) + 4.0)?;
    let label = super::layout::truncate(
        &clean(label),
        value_x - label_x - 10.0,
        BODY,
        Style::Regular,
    );
    doc.text(
        label_x,
        doc.y - BODY,
        BODY,
        Style::Regular,
        MUTED_GREY,
        &label,
    );
    draw(doc, &visual, value_x, doc.y - 1.0, w, h);
    doc.y -= h.max(LEADING) + 4.0 + ROW_GAP;
    Ok(())
}

/// An array of images: thumbnails in rows beside the label.
fn gallery<'a>(
    doc: &mut Doc<'a>,
    label: &str,
    items: &'a [Value],
    depth: usize,
) -> Result<(), PdfError> {
    const GAP: f32 = 6.0;
    let (label_x, value_x) = columns(depth);
    let mut pending: Vec<(super::image::Visual, f32, f32)> = Vec::new();
    let mut row_width = 0.0;
    let mut first_row = true;
    let flush = |doc: &mut Doc<'a>,
                 pending: &mut Vec<(super::image::Visual, f32, f32)>,
                 first: &mut bool|
     -> Result<(), PdfError> {
        let height = pending.iter().map(|p| p.2).fold(LEADING, f32::max);
        doc.ensure(height + GAP)?;
        if std::mem::take(first) {
            let label = super::layout::truncate(
                &clean(label),
                value_x - label_x - 10.0,
                BODY,
                Style::Regular,
            );
            doc.text(
                label_x,
                doc.y - BODY,
                BODY,
                Style::Regular,
                MUTED_GREY,
                &label,
            );
        }
        let mut x = value_x;
        for (visual, w, h) in pending.drain(..) {
            draw(doc, &visual, x, doc.y - 1.0, w, h);
            x += w + GAP;
        }
        doc.y -= height + GAP;
        Ok(())
    };
    for item in items {
        let visual = match item {
            Value::String(s) => doc.images.get(s),
            other => super::image::Visual::Placeholder {
                title: "Not an image",
                detail: format_value(other).into_owned(),
            },
        };
        let (w, h) = fit(&visual, 120.0, 90.0);
        if !pending.is_empty() && value_x + row_width + w > RIGHT {
            flush(doc, &mut pending, &mut first_row)?;
            row_width = 0.0;
        }
        row_width += w + GAP;
        pending.push((visual, w, h));
    }
    if !pending.is_empty() {
        flush(doc, &mut pending, &mut first_row)?;
    }
    doc.y -= ROW_GAP;
    Ok(())
}

/// A value of an object declared without children: its keys as rows, recursively.
pub(crate) fn json_block(
    doc: &mut Doc<'_>,
    label: &str,
    value: &Value,
    depth: usize,
    json_depth: usize,
) -> Result<(), PdfError> {
    match value {
        Value::Object(map) if json_depth < MAX_JSON_DEPTH && !map.is_empty() => {
            heading(doc, label, depth)?;
            for (key, value) in map {
                json_block(doc, key, value, depth + 1, json_depth + 1)?;
            }
            Ok(())
        }
        other => value_row(doc, label, &format_value(other), depth),
    }
}

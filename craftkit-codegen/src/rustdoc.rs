//! Rustdoc text for generated items, made safe for rustdoc: a manifest's description may hold
//! anything, and must neither become a doctest nor trip rustdoc's lints in the user's crate.

use craftkit_core::manifest::{Field, Items, Manifest, Node, Scalar, VarType};
use serde_json::Value;

/// Markdown-safe text: brackets escaped (no intra-doc links), `<`/`>` escaped (no HTML tags),
/// URLs wrapped as autolinks, indentation and code fences neutralised (no doctests), tabs made
/// spaces (`clippy::tabs_in_doc_comments`), and the lines that continue a list item indented
/// under it (`clippy::doc_lazy_continuation`), which is how Markdown reads them anyway.
pub(crate) fn escape(text: &str) -> Vec<String> {
    let mut list_indent = 0;
    text.lines()
        .map(|line| {
            let line = line.trim_start();
            let mut out = String::with_capacity(line.len());
            if line.starts_with("```") || line.starts_with("~~~") {
                out.push('\\');
            }
            let mut rest = line;
            while !rest.is_empty() {
                if let Some(url_len) = url_at(rest) {
                    out.push('<');
                    out.push_str(&rest[..url_len]);
                    out.push('>');
                    rest = &rest[url_len..];
                    continue;
                }
                let c = rest.chars().next().unwrap_or_default();
                match c {
                    '[' => out.push_str("\\["),
                    ']' => out.push_str("\\]"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '\t' => out.push(' '),
                    '\0'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}' => out.push('\u{fffd}'),
                    c if is_bidi_control(c) => out.extend(c.escape_unicode()),
                    c => out.push(c),
                }
                rest = &rest[c.len_utf8()..];
            }
            match list_marker(&out) {
                Some(width) => list_indent = width,
                None if out.is_empty() => list_indent = 0,
                None if list_indent > 0 => out.insert_str(0, &" ".repeat(list_indent)),
                None => {}
            }
            out
        })
        .collect()
}

/// The width of the list marker a line starts with (`- `, `* `, `+ `, `1. `, `2) `), if any.
fn list_marker(line: &str) -> Option<usize> {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    let marker = match line.as_bytes().get(digits) {
        Some(b'.' | b')') if (1..=9).contains(&digits) => digits + 1,
        Some(b'-' | b'*' | b'+') if digits == 0 => 1,
        _ => return None,
    };
    match line.as_bytes().get(marker) {
        Some(b' ') => Some(marker + 1),
        None => Some(marker),
        _ => None,
    }
}

/// The length of an `http(s)://` URL at the start of `text`, if one starts there.
fn url_at(text: &str) -> Option<usize> {
    let scheme = ["https://", "http://"]
        .into_iter()
        .find(|s| text.starts_with(s))?;
    let len = text
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`' | '[' | ']'))
        .map_or(text.len(), |(i, _)| i);
    let url = text[..len].trim_end_matches(['.', ',', ';', ':', ')', '!', '?']);
    (url.len() > scheme.len()).then_some(url.len())
}

/// Whether `c` is a Unicode bidirectional control (`Bidi_Control`): in a comment it may make
/// the text read in another order than the compiler reads it, and rustc denies it there
/// (`text_direction_codepoint_in_comment`); the docs show it escaped (`\u{202e}`) instead.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// Inline code for a value: backticks that survive a value containing backticks; control
/// characters become spaces and bidi controls are escaped (`\u{202e}`).
pub(crate) fn code(text: &str) -> String {
    let mut one_line = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            one_line.push(' ');
        } else if is_bidi_control(c) {
            one_line.extend(c.escape_unicode());
        } else {
            one_line.push(c);
        }
    }
    if one_line.contains('`') {
        format!("`` {one_line} ``")
    } else {
        format!("`{one_line}`")
    }
}

fn example(value: &Value) -> String {
    const MAX: usize = 200;
    let text = value.to_string();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => code(&format!("{}…", &text[..cut])),
        None => code(&text),
    }
}

/// The doc lines of the root struct.
pub(crate) fn root(manifest: &Manifest, fingerprint: &str) -> Vec<String> {
    let mut lines = Vec::new();
    lines.push(escape(manifest.name.as_deref().unwrap_or(&manifest.slug)).join(" "));
    if let Some(description) = &manifest.description {
        lines.push(String::new());
        lines.extend(escape(description));
    }
    lines.push(String::new());
    lines.push(format!(
        "- Template: {} (version {})",
        code(&manifest.slug),
        manifest.version
    ));
    lines.push(format!("- Pipeline: `{}`", manifest.pipeline));
    lines.push(format!("- Manifest fingerprint: `{fingerprint}`"));
    lines.push(String::new());
    lines.push(format!(
        "Generated by craftkit-codegen from the manifest of {}: serializes to exactly the `data` \
         object that a render of this template accepts.",
        code(&manifest.slug)
    ));
    lines
}

/// The doc lines of a field.
pub(crate) fn field(field: &Field) -> Vec<String> {
    let variable = field.variable.as_ref();
    let mut lines = Vec::new();
    if let Some(description) = variable.and_then(|v| v.description.as_deref()) {
        lines.extend(escape(description));
        lines.push(String::new());
    }
    lines.push(format!("- JSON path: {}", code(&field.path)));
    let (ty, scalar, items) = describe(&field.node);
    let presence = match (field.required, variable.is_some()) {
        (true, true) => "required",
        (true, false) => "required (a variable inside it is required)",
        (false, _) => "optional",
    };
    lines.push(format!("- Type: {ty}, {presence}"));
    if let Some(scalar) = scalar {
        bounds(scalar, &mut lines);
    }
    if let Some((min, max)) = items {
        if let Some(range) = range_text(min.map(|n| n.to_string()), max.map(|n| n.to_string())) {
            lines.push(format!("- Items: {range}"));
        }
    }
    if let Some(format) = variable.and_then(|v| v.format.as_deref()) {
        lines.push(format!("- Format: {}", code(format)));
    }
    if let Some(value) = variable.and_then(|v| v.example.as_ref()) {
        lines.push(format!("- Example: {}", example(value)));
    }
    if let Some(unknown) = unknown_type(&field.node) {
        lines.push(String::new());
        lines.push(format!(
            "The type {} is not known to this version of craftkit: the value is kept as raw JSON.",
            code(unknown)
        ));
    }
    lines
}

fn unknown_type(node: &Node) -> Option<&str> {
    match node {
        Node::Scalar(Scalar {
            ty: VarType::Unknown(name),
            ..
        })
        | Node::Array(craftkit_core::manifest::Array {
            items:
                Items::Scalar(Scalar {
                    ty: VarType::Unknown(name),
                    ..
                }),
            ..
        }) => Some(name),
        _ => None,
    }
}

type ItemBounds = Option<(Option<u64>, Option<u64>)>;

fn describe(node: &Node) -> (String, Option<&Scalar>, ItemBounds) {
    match node {
        Node::Scalar(s) => (code(s.ty.as_str()), Some(s), None),
        Node::Object(_) => ("object".to_owned(), None, None),
        Node::OpaqueObject => ("object (any keys)".to_owned(), None, None),
        Node::Array(a) => match &a.items {
            Items::Scalar(s) => (
                format!("array of {}", code(s.ty.as_str())),
                Some(s),
                Some((a.min_items, a.max_items)),
            ),
            Items::Object(_) => (
                "array of objects".to_owned(),
                None,
                Some((a.min_items, a.max_items)),
            ),
        },
    }
}

fn bounds(scalar: &Scalar, lines: &mut Vec<String>) {
    if let Some(range) = range_text(
        scalar.min_length.map(|n| n.to_string()),
        scalar.max_length.map(|n| n.to_string()),
    ) {
        lines.push(format!("- Length: {range} characters"));
    }
    if let Some(range) = range_text(
        scalar.minimum.as_ref().map(ToString::to_string),
        scalar.maximum.as_ref().map(ToString::to_string),
    ) {
        lines.push(format!("- Range: {range}"));
    }
    if !scalar.values.is_empty() {
        let values: Vec<String> = scalar.values.iter().map(|v| code(v)).collect();
        lines.push(format!("- Values: {}", values.join(", ")));
    }
}

/// Bounds as prose: `1 to 5`, `at least 1`, `at most 5`.
pub(crate) fn range_text(min: Option<String>, max: Option<String>) -> Option<String> {
    match (min, max) {
        (Some(min), Some(max)) => Some(format!("{min} to {max}")),
        (Some(min), None) => Some(format!("at least {min}")),
        (None, Some(max)) => Some(format!("at most {max}")),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Description text trips neither `clippy::tabs_in_doc_comments` nor
    /// `clippy::doc_lazy_continuation`.
    #[test]
    fn tabs_and_list_continuations_are_lint_clean() {
        assert_eq!(escape("a\tb"), ["a b"]);
        assert_eq!(
            escape("- item\ncontinued\n\nafter"),
            ["- item", "  continued", "", "after"]
        );
        assert_eq!(
            escape("10. ten\nmore\n* star\nagain"),
            ["10. ten", "    more", "* star", "  again"]
        );
        assert_eq!(escape("-5 degrees\nnext"), ["-5 degrees", "next"]);
        assert_eq!(escape("1.5 litres\nnext"), ["1.5 litres", "next"]);
    }

    #[test]
    fn hostile_text_stays_prose() {
        assert_eq!(escape("see [notes] <b>"), ["see \\[notes\\] &lt;b&gt;"]);
        assert_eq!(
            escape("    indented\n```rust\nx"),
            ["indented", "\\```rust", "x"]
        );
        assert_eq!(
            escape("at https://example.org/a, then"),
            ["at <https://example.org/a>, then"]
        );
        assert_eq!(escape("nul\0here"), ["nul\u{fffd}here"]);
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(
            escape("a\u{202e}b\u{2066}c\u{200f}"),
            ["a\\u{202e}b\\u{2066}c\\u{200f}"]
        );
        assert_eq!(code("\u{202e}x\u{61c}"), "`\\u{202e}x\\u{61c}`");
    }
}

//! Where in `.craftkit/config.toml` a setting is written, and a problem shown there as a
//! compiler shows one: `.craftkit/config.toml:LINE:COL: message`, the line quoted, a caret
//! under the part that caused it.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use crate::Setting;

/// A place in a file: 1-based line and column (the column counts characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Position {
    /// The line, from 1.
    pub line: usize,
    /// The column on that line, from 1, in characters.
    pub column: usize,
}

impl Position {
    /// The position of the byte `offset` of `text` (clamped to its end and to a character
    /// boundary).
    pub fn of(text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Position {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

/// `path` as a user reads it: relative to the crate being built (or the current directory)
/// when it lies under it, as `.craftkit/config.toml`.
pub(crate) fn shown(path: &Path) -> PathBuf {
    let roots = [
        std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
        std::env::current_dir().ok(),
    ];
    roots
        .iter()
        .flatten()
        .find_map(|root| path.strip_prefix(root).ok())
        .filter(|relative| !relative.as_os_str().is_empty())
        .map_or_else(|| path.to_owned(), Path::to_owned)
}

/// The position of `span` in `text`, and the text that goes after `file:line:col: message`:
/// the line quoted, with carets under the span (on its first line).
pub(crate) fn snippet(text: &str, span: Range<usize>) -> (Position, String) {
    let start = Position::of(text, span.start);
    let line = text.lines().nth(start.line - 1).unwrap_or("");
    let from = span.start.min(text.len());
    let spanned = text
        .get(from..span.end.clamp(from, text.len()))
        .unwrap_or("");
    // Carets under the span's part on its first line; one for an empty span (end of file).
    let width = line
        .chars()
        .skip(start.column - 1)
        .take(spanned.chars().count())
        .count()
        .max(1);
    let number = start.line.to_string();
    let gutter = " ".repeat(number.len());
    let mut out = String::new();
    let _ = write!(
        out,
        "\n{gutter} |\n{number} | {line}\n{gutter} | {}{}",
        " ".repeat(start.column - 1),
        "^".repeat(width)
    );
    (start, out)
}

/// `message` shown at `span` of the file `path` whose text is `text`:
/// `path:line:col: message`, then the line and a caret.
pub(crate) fn render(path: &Path, text: &str, span: Range<usize>, message: &str) -> String {
    let (at, quoted) = snippet(text, span);
    format!(
        "{}:{}:{}: {message}{quoted}",
        shown(path).display(),
        at.line,
        at.column
    )
}

/// The span of the text in the file that gave `setting` for the template `slug`: the
/// template's own key first (`[template.<slug>]`), then the top level's. `None` when the
/// file does not say it (it came from a Builder setting or a macro argument), or does not
/// parse.
pub(crate) fn locate(text: &str, slug: &str, setting: &Setting) -> Option<Range<usize>> {
    let root = DeTable::parse(text).ok()?;
    let root = root.get_ref();
    let template = get(root, "template")
        .and_then(|(_, v)| v.get_ref().as_table())
        .and_then(|t| get(t, slug))
        .and_then(|(_, v)| v.get_ref().as_table());
    let both = || template.into_iter().chain(Some(root));
    match setting {
        Setting::Derive(derive) => both().find_map(|table| derive_in(table, derive)),
        Setting::Attributes => both().find_map(|table| key_span(table, &["attributes"])),
        Setting::Replace(kind) => both().find_map(|table| key_span(table, &["replace", kind])),
        Setting::Type(given) => key_span(template?, &["types", given]),
        Setting::TypeDerive(given, derive) => {
            let ty = get(template?, "types")
                .and_then(|(_, v)| v.get_ref().as_table())
                .and_then(|t| get(t, given))?;
            ty.1.get_ref()
                .as_table()
                .and_then(|t| derive_in(t, derive))
                .or_else(|| Some(ty.0.span()))
        }
        Setting::Field(path) => key_span(template?, &["fields", path]),
        Setting::FieldNames => key_span(template?, &["fields"]),
        Setting::TypeNames => key_span(template?, &["types"]),
    }
}

/// The span of the key `[template.<slug>]` names its template by.
pub(crate) fn template_key(text: &str, slug: &str) -> Option<Range<usize>> {
    let root = DeTable::parse(text).ok()?;
    key_span(root.get_ref(), &["template", slug])
}

type Entry<'a, 'i> = (&'a Spanned<DeString<'i>>, &'a Spanned<DeValue<'i>>);

fn get<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<Entry<'a, 'i>> {
    table.iter().find(|(k, _)| k.get_ref().as_ref() == key)
}

/// The span of the last key of `keys`, each a table in the one before.
fn key_span(table: &DeTable<'_>, keys: &[&str]) -> Option<Range<usize>> {
    let (first, rest) = keys.split_first()?;
    let (key, value) = get(table, first)?;
    if rest.is_empty() {
        return Some(key.span());
    }
    key_span(value.get_ref().as_table()?, rest)
}

/// The span of the item of `derives` whose last path segment is `derive`.
fn derive_in(table: &DeTable<'_>, derive: &str) -> Option<Range<usize>> {
    let (_, derives) = get(table, "derives")?;
    derives.get_ref().as_array()?.iter().find_map(|item| {
        let text = item.get_ref().as_str()?;
        let last = text.rsplit("::").next().unwrap_or(text).trim();
        (last == derive).then(|| item.span())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters_from_one() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(Position::of(text, 0), Position { line: 1, column: 1 });
        assert_eq!(Position::of(text, 6), Position { line: 2, column: 1 });
        // `=` after a two-byte character is the fourth character of its line.
        assert_eq!(Position::of(text, 10), Position { line: 2, column: 4 });
    }

    #[test]
    fn a_rendered_problem_quotes_its_line_with_a_caret_under_the_span() {
        let text = "derives = [\"Eq\"]\n[replace]\nstrnig = \"X\"\n";
        let span = locate(text, "any", &Setting::Replace("strnig".into())).unwrap();
        let shown = render(Path::new("c/config.toml"), text, span, "no such type");
        assert_eq!(
            shown,
            "c/config.toml:3:1: no such type\n  |\n3 | strnig = \"X\"\n  | ^^^^^^"
        );
    }

    #[test]
    fn a_template_key_wins_over_the_top_level_and_array_items_are_found() {
        let text = "derives = [\"Hash\"]\n[template.a]\nderives = [\"x::Hash\", \"Eq\"]\n";
        let span = locate(text, "a", &Setting::Derive("Hash".into())).unwrap();
        assert_eq!(&text[span], "\"x::Hash\"");
        let span = locate(text, "b", &Setting::Derive("Hash".into())).unwrap();
        assert_eq!(&text[span], "\"Hash\"");
        assert_eq!(locate(text, "a", &Setting::Derive("Ord".into())), None);
    }
}

//! The path grammar: `segment *("." segment)`, `segment = name ["[]"]`.

use super::error::Rule;

/// The most segments a path may have. The spec sets no limit; a careful API does, so that a
/// hostile manifest cannot make any recursive stage (folding, generation, validation) run out
/// of stack. 64 is far beyond any real document.
pub const MAX_PATH_DEPTH: usize = 64;

/// One segment of a path: a JSON key, and whether the key holds an array (`areas[]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PathSegment<'a> {
    /// The JSON key, exactly.
    pub name: &'a str,
    /// Whether the segment ends in `[]`.
    pub array: bool,
}

/// Splits a path into segments, or says every way it breaks the grammar.
///
/// ```text
/// let segments = parse_path("areas[].photos[]").unwrap();
/// assert_eq!(segments.len(), 2);
/// assert!(segments[0].array && segments[1].array);
/// assert!(parse_path("booking..code").is_err());
/// ```
pub(crate) fn parse_path(path: &str) -> Result<Vec<PathSegment<'_>>, Vec<(Rule, String)>> {
    let mut problems = Vec::new();
    let mut segments = Vec::new();
    for segment in path.split('.') {
        match parse_segment(segment) {
            Ok(parsed) => segments.push(parsed),
            Err(problem) => {
                if !problems.iter().any(|(rule, _)| *rule == problem.0) {
                    problems.push(problem);
                }
            }
        }
    }
    let depth = path.split('.').count();
    if depth > MAX_PATH_DEPTH {
        problems.push((
            Rule::TooDeep,
            format!("the path has {depth} segments; at most {MAX_PATH_DEPTH} are allowed"),
        ));
    }
    if problems.is_empty() {
        Ok(segments)
    } else {
        Err(problems)
    }
}

fn parse_segment(segment: &str) -> Result<PathSegment<'_>, (Rule, String)> {
    if segment.is_empty() {
        return Err((
            Rule::EmptySegment,
            "the path has an empty segment (two dots in a row, or a dot at its start or end); separate names with single dots, as in `booking.code`".to_owned(),
        ));
    }
    let (name, array) = match segment.strip_suffix("[]") {
        Some(name) => (name, true),
        None => (segment, false),
    };
    if name.contains(['[', ']']) {
        return Err(if name.ends_with("[]") {
            (
                Rule::MultipleBrackets,
                format!(
                    "the segment `{}` has more than one `[]`; an array of arrays is written with a named level, as in `grid[].cells[]`",
                    segment.escape_debug()
                ),
            )
        } else {
            (
                Rule::MisplacedBrackets,
                format!(
                    "in `{}`, `[]` may only close a segment; write `a[].b` for a key inside array items",
                    segment.escape_debug()
                ),
            )
        });
    }
    if name.is_empty() {
        return Err((
            Rule::EmptyName,
            "a segment is `[]` with no name; give the array a key, as in `areas[]`".to_owned(),
        ));
    }
    if name.trim() != name {
        return Err((
            Rule::Whitespace,
            format!(
                "the name `{}` has white space at its start or end; remove it",
                name.escape_debug()
            ),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err((
            Rule::ControlCharacter,
            format!(
                "the name `{}` contains a control character",
                name.escape_debug()
            ),
        ));
    }
    Ok(PathSegment { name, array })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(path: &str) -> Vec<Rule> {
        parse_path(path)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|(rule, _)| rule)
            .collect()
    }

    #[test]
    fn valid_paths_split_into_segments() {
        let segments = parse_path("areas[].name").unwrap();
        assert_eq!(
            segments,
            [
                PathSegment {
                    name: "areas",
                    array: true
                },
                PathSegment {
                    name: "name",
                    array: false
                }
            ]
        );
        assert!(parse_path("Tenant Name").is_ok());
        assert!(parse_path("ÄnderungsDatum").is_ok());
        assert!(parse_path("first-name").is_ok());
    }

    #[test]
    fn each_grammar_rule_has_its_own_error() {
        assert_eq!(rules("booking..code"), [Rule::EmptySegment]);
        assert_eq!(rules(".code"), [Rule::EmptySegment]);
        assert_eq!(rules("code."), [Rule::EmptySegment]);
        assert_eq!(rules(""), [Rule::EmptySegment]);
        assert_eq!(rules("grid[][]"), [Rule::MultipleBrackets]);
        assert_eq!(rules("a[]b"), [Rule::MisplacedBrackets]);
        assert_eq!(rules("a[b]"), [Rule::MisplacedBrackets]);
        assert_eq!(rules("[]"), [Rule::EmptyName]);
        assert_eq!(rules("booking. code"), [Rule::Whitespace]);
        assert_eq!(rules("a\u{7}b"), [Rule::ControlCharacter]);
    }

    #[test]
    fn depth_is_bounded() {
        let deep = vec!["a"; MAX_PATH_DEPTH + 1].join(".");
        assert_eq!(rules(&deep), [Rule::TooDeep]);
        assert!(parse_path(&vec!["a"; MAX_PATH_DEPTH].join(".")).is_ok());
    }
}

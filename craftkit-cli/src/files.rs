//! Reading the files a command is given, in bounded memory: a manifest, a template draft, a
//! data file or a batch line is at most [`MAX_FILE_BYTES`], the API's limit for a request
//! body (`413` past it), so a larger one is an error before it is read whole.

use std::io::{BufRead, Read};
use std::path::Path;

/// The most bytes a file (or a batch line) may have: the API's limit for a request body,
/// 20 MiB.
pub(crate) const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;

/// What an over-long file or line is told.
const TOO_LARGE: &str = "larger than 20 MiB, the API's limit for a request body";

/// The file's text, read up to [`MAX_FILE_BYTES`]: past it an error, without reading on.
pub(crate) fn read_text(path: &Path) -> std::io::Result<String> {
    let file = std::fs::File::open(path)?;
    let mut text = String::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => std::io::Error::other("not UTF-8 text"),
            _ => e,
        })?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::other(TOO_LARGE));
    }
    Ok(text)
}

/// The lines of `reader` (without their `\n`), each at most `limit` bytes: a longer one is an
/// error, after which nothing more is read, and at most `limit` bytes of it are ever held.
pub(crate) fn lines(
    reader: impl BufRead,
    limit: u64,
) -> impl Iterator<Item = std::io::Result<Vec<u8>>> {
    let mut reader = reader;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut line = Vec::new();
        loop {
            let available = match reader.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    done = true;
                    return Some(Err(e));
                }
            };
            if available.is_empty() {
                done = true;
                return (!line.is_empty()).then_some(Ok(line));
            }
            let (taken, end) = match available.iter().position(|b| *b == b'\n') {
                Some(at) => (&available[..at], Some(at + 1)),
                None => (available, None),
            };
            if (line.len() + taken.len()) as u64 > limit {
                done = true;
                return Some(Err(std::io::Error::other(TOO_LARGE)));
            }
            line.extend_from_slice(taken);
            match end {
                Some(consumed) => {
                    reader.consume(consumed);
                    return Some(Ok(line));
                }
                None => {
                    let consumed = available.len();
                    reader.consume(consumed);
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &[u8], limit: u64) -> Vec<Result<String, String>> {
        lines(std::io::BufReader::with_capacity(4, text), limit)
            .map(|line| {
                line.map(|l| String::from_utf8(l).unwrap())
                    .map_err(|e| e.to_string())
            })
            .collect()
    }

    #[test]
    fn lines_are_split_as_split_does_across_buffer_refills() {
        let ok = |s: &str| Ok(s.to_owned());
        assert_eq!(
            all(b"ab\ncdefghij\n\nk", 100),
            [ok("ab"), ok("cdefghij"), ok(""), ok("k")]
        );
        assert_eq!(all(b"ab\n", 100), [ok("ab")]);
        assert_eq!(all(b"", 100), Vec::<Result<String, String>>::new());
        assert_eq!(all(b"a\r\nb", 100), [ok("a\r"), ok("b")]);
    }

    #[test]
    fn a_line_over_the_limit_is_an_error_and_the_end() {
        let lines = all(b"abcd\nabcdefghij\nab\n", 4);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], Ok("abcd".to_owned()));
        assert!(
            lines[1].as_ref().unwrap_err().contains("20 MiB"),
            "{lines:?}"
        );
    }

    #[test]
    fn a_file_over_the_limit_is_refused() {
        let dir = std::env::temp_dir().join(format!("craftkit-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.json");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(MAX_FILE_BYTES + 1).unwrap();
        let error = read_text(&path).unwrap_err().to_string();
        assert!(error.contains("20 MiB"), "{error}");
        std::fs::write(&path, "{}").unwrap();
        assert_eq!(read_text(&path).unwrap(), "{}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

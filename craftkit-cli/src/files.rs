//! Reading the files a command is given, in bounded memory: a manifest, a template draft, a
//! data file or a batch line is at most [`MAX_FILE_BYTES`], the API's limit for a request
//! body (`413` past it), so a larger one is an error before it is read whole. A journal's
//! lines are read the same way, but one over its limit is skipped ([`lines_skipping_long`]).

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
/// error, after which nothing more is read, and at most `limit` bytes of it are ever held (in a
/// buffer that may have grown to twice that).
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
        // `Stop` never skips a line (`Ok(None)`): it ends with the error instead.
        // Past the end, nothing is read again (a terminal would wait for another end of input).
        let next = next_line(&mut reader, limit, OverLimit::Stop, &mut done)?
            .and_then(|line| line.ok_or_else(|| std::io::Error::other(TOO_LARGE)));
        done |= next.is_err();
        Some(next)
    })
}

/// The lines of `reader` as [`lines`] reads them, but a line over `limit` bytes is read past,
/// never held, and yielded as `None`: for files whose long lines are garbage to skip (a
/// journal's records), not input to refuse.
pub(crate) fn lines_skipping_long(
    reader: impl BufRead,
    limit: u64,
) -> impl Iterator<Item = std::io::Result<Option<Vec<u8>>>> {
    let mut reader = reader;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let next = next_line(&mut reader, limit, OverLimit::Skip, &mut done)?;
        done |= next.is_err();
        Some(next)
    })
}

/// What [`next_line`] does with a line over its limit.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OverLimit {
    /// Stop there: an error, and nothing more of the line is read.
    Stop,
    /// Read on to the end of the line, dropping it: `Ok(None)`.
    Skip,
}

/// The next line of `reader`: `None` at the end, `Ok(Some(line))`, `Ok(None)` for a line over
/// `limit` skipped, or an error (a read error, or a line over `limit` with [`OverLimit::Stop`]).
/// Holds at most `limit` bytes of a line, in a buffer of at most twice that. Sets `ended` once
/// the reader has said it is at its end, so that the caller reads no more.
fn next_line(
    reader: &mut impl BufRead,
    limit: u64,
    over: OverLimit,
    ended: &mut bool,
) -> Option<std::io::Result<Option<Vec<u8>>>> {
    let mut line = Vec::new();
    let mut skipping = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Some(Err(e)),
        };
        if available.is_empty() {
            *ended = true;
            return match (skipping, line.is_empty()) {
                (true, _) => Some(Ok(None)),
                (false, true) => None,
                (false, false) => Some(Ok(Some(line))),
            };
        }
        let (taken, end) = match available.iter().position(|b| *b == b'\n') {
            Some(at) => (&available[..at], Some(at + 1)),
            None => (available, None),
        };
        if !skipping && (line.len() + taken.len()) as u64 > limit {
            if over == OverLimit::Stop {
                return Some(Err(std::io::Error::other(TOO_LARGE)));
            }
            skipping = true;
            line = Vec::new();
        }
        if !skipping {
            line.extend_from_slice(taken);
        }
        let consumed = end.unwrap_or(available.len());
        reader.consume(consumed);
        if end.is_some() {
            return Some(Ok((!skipping).then_some(line)));
        }
    }
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

    /// A reader of one line of `length` bytes of `x`, then `rest`, through a 64 KiB buffer:
    /// nothing of it is in memory until read.
    fn long_line_then(
        length: u64,
        rest: &'static [u8],
    ) -> std::io::BufReader<std::io::Chain<std::io::Take<std::io::Repeat>, &'static [u8]>> {
        std::io::BufReader::with_capacity(64 * 1024, std::io::repeat(b'x').take(length).chain(rest))
    }

    #[test]
    fn a_line_over_the_limit_is_not_read_on_nor_held() {
        let mut reader = long_line_then(16 << 20, b"\nnext\n");
        let mut read = Vec::new();
        let held = allocation_counter::measure(|| {
            read = lines(&mut reader, 1 << 20)
                .map(|line| line.map_err(|e| e.to_string()))
                .collect();
        });
        assert_eq!(read.len(), 1, "the error ends the lines");
        assert!(read[0].as_ref().unwrap_err().contains("20 MiB"));
        assert!(held.bytes_max < 2 << 20, "{held:?}");
        // Read no further than the limit and one buffer past it.
        let unread = reader.get_ref().get_ref().0.limit();
        assert!(
            unread > (16 << 20) - (2 << 20),
            "{unread} bytes left unread"
        );
    }

    #[test]
    fn a_line_at_the_limit_is_kept_and_one_byte_more_is_not() {
        let read = |text: &'static [u8]| -> Vec<Option<Vec<u8>>> {
            lines_skipping_long(std::io::BufReader::with_capacity(3, text), 4)
                .map(Result::unwrap)
                .collect()
        };
        assert_eq!(
            read(b"abcd\nabcde\nx"),
            [Some(b"abcd".to_vec()), None, Some(b"x".to_vec())]
        );
        assert_eq!(all(b"abcd\nabcde\nx", 4)[0], Ok("abcd".to_owned()));
        assert!(all(b"abcd\nabcde\nx", 4)[1].is_err());
    }

    /// A reader that gives `data`, then fails.
    struct FailsAfter(&'static [u8]);

    impl Read for FailsAfter {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("the disk is gone"));
            }
            let n = buf.len().min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_read_error_while_skipping_ends_the_lines_with_it() {
        let reader = std::io::BufReader::with_capacity(2, FailsAfter(b"ok\nabcdefgh"));
        let read: Vec<_> = lines_skipping_long(reader, 4)
            .map(|line| line.map_err(|e| e.to_string()))
            .collect();
        assert_eq!(
            read,
            [Ok(Some(b"ok".to_vec())), Err("the disk is gone".to_owned())]
        );
    }

    /// A reader that counts how often it is read at its end.
    struct CountsEnds<'a>(&'a [u8], usize);

    impl Read for CountsEnds<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                self.1 += 1;
            }
            let n = buf.len().min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn the_end_of_input_is_read_once() {
        // A terminal's end of input (Ctrl-D) is one read of nothing: reading on waits for another.
        let mut source = CountsEnds(b"a\nb", 0);
        let mut it = lines(std::io::BufReader::new(&mut source), 100);
        assert_eq!(it.by_ref().count(), 2);
        assert!(it.next().is_none());
        drop(it);
        assert_eq!(source.1, 1);
        let mut source = CountsEnds(b"a\nb", 0);
        let mut it = lines_skipping_long(std::io::BufReader::new(&mut source), 100);
        assert_eq!(it.by_ref().count(), 2);
        assert!(it.next().is_none());
        drop(it);
        assert_eq!(source.1, 1);
    }

    #[test]
    fn a_line_over_the_limit_is_skipped_without_being_held() {
        let reader = long_line_then(16 << 20, b"\nnext\n\nx");
        let mut read = Vec::new();
        let held = allocation_counter::measure(|| {
            read = lines_skipping_long(reader, 1 << 20)
                .map(Result::unwrap)
                .collect();
        });
        let line = |s: &[u8]| Some(s.to_vec());
        assert_eq!(read, [None, line(b"next"), line(b""), line(b"x")]);
        assert!(held.bytes_max < 2 << 20, "{held:?}");
        // A long last line without its newline is skipped too.
        let read: Vec<_> = lines_skipping_long(long_line_then(5, b""), 4)
            .map(Result::unwrap)
            .collect();
        assert_eq!(read, [None]);
        // Within the limit, the same lines as `lines`.
        let text = b"ab\ncdefghij\n\nk";
        let skipping: Vec<_> =
            lines_skipping_long(std::io::BufReader::with_capacity(4, &text[..]), 100)
                .map(|line| line.unwrap().unwrap())
                .collect();
        let plain: Vec<_> = lines(&text[..], 100).map(Result::unwrap).collect();
        assert_eq!(skipping, plain);
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

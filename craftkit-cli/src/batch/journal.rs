//! `--journal FILE`: an append-only record of the lines that are done, so that a rerun sends
//! no request for them. Each record is one JSON line, written by a thread of its own and
//! synced to disk in groups (every record that queued up while the last group was synced).
//! A kill can tear the last line: reading skips a line that does not parse, and appending
//! starts on a fresh line. Reading holds at most [`MAX_RECORD_BYTES`] of a line: a longer
//! one (garbage, or a record whose error code or render id, both the server's, is that long)
//! is skipped like a torn one, and its line renders again under the same idempotency key.
//!
//! Correctness never depends on the journal: without it, or with records lost, the
//! idempotency keys still make every line render once. Records hold a hash of the slug and the
//! key, never the key.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// How a line ended, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Done {
    /// Rendered (and, in a run with `--out`, written to disk).
    Succeeded,
    /// Accepted by a `--no-wait` run, not waited for.
    Accepted,
    /// The render failed, with its code.
    Failed(String),
}

/// The longest line read as a record, 64 KiB. A record is about 150 bytes plus the server's
/// error code; a line past this is skipped without being held.
pub(crate) const MAX_RECORD_BYTES: u64 = 64 * 1024;

/// The records of a journal: what is done, by the hash of slug and key.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    done: HashMap<u128, Done>,
}

/// The id a record is filed under: 16 bytes of SHA-256 over the slug and the key.
pub(crate) fn record_id(slug: &str, key: &str) -> u128 {
    let digest = Sha256::new()
        .chain_update(slug.as_bytes())
        .chain_update(b"\n")
        .chain_update(key.as_bytes())
        .finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(first)
}

impl Journal {
    /// Reads the journal at `path`; a missing file is an empty journal. Lines that do not
    /// parse (a torn last line) or are longer than [`MAX_RECORD_BYTES`] are skipped.
    pub(crate) fn load(path: &Path) -> std::io::Result<Journal> {
        match File::open(path) {
            Ok(file) => Journal::read(BufReader::new(file)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Journal::default()),
            Err(e) => Err(e),
        }
    }

    /// The records of a journal's text (see [`Journal::load`]).
    fn read(reader: impl BufRead) -> std::io::Result<Journal> {
        let mut journal = Journal::default();
        for line in crate::files::lines_skipping_long(reader, MAX_RECORD_BYTES) {
            let Some(line) = line? else {
                continue;
            };
            let Ok(record) = serde_json::from_slice::<Value>(&line) else {
                continue;
            };
            let id = record["id"]
                .as_str()
                .and_then(|id| u128::from_str_radix(id, 16).ok());
            let done = match record["status"].as_str() {
                Some("succeeded") => Done::Succeeded,
                Some("accepted") => Done::Accepted,
                Some("failed") => Done::Failed(
                    record["code"]
                        .as_str()
                        .unwrap_or("render_failed")
                        .to_owned(),
                ),
                _ => continue,
            };
            if let Some(id) = id {
                journal.done.insert(id, done);
            }
        }
        Ok(journal)
    }

    /// What the journal says of the line with `key`.
    pub(crate) fn get(&self, slug: &str, key: &str) -> Option<&Done> {
        self.done.get(&record_id(slug, key))
    }

    /// How many lines it records.
    pub(crate) fn len(&self) -> usize {
        self.done.len()
    }
}

/// Appends records from a thread of its own.
pub(crate) struct Writer {
    sender: Option<mpsc::Sender<String>>,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Writer {
    /// Opens `path` for appending (creating it), starting on a fresh line after a torn one.
    pub(crate) fn open(path: &Path) -> std::io::Result<Writer> {
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)?;
        let length = file.metadata()?.len();
        if length > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(length - 1))?;
            file.read_exact(&mut last)?;
            if last[0] != b'\n' {
                file.write_all(b"\n")?;
            }
        }
        let (sender, receiver) = mpsc::channel::<String>();
        let thread = std::thread::Builder::new()
            .name("craftkit-journal".into())
            .spawn(move || write_records(file, receiver))?;
        Ok(Writer {
            sender: Some(sender),
            thread: Some(thread),
        })
    }

    /// Queues the record that the line `line` with `key` ended as `done`.
    pub(crate) fn record(&self, slug: &str, key: &str, line: u64, done: &Done, render: &str) {
        let (status, code) = match done {
            Done::Succeeded => ("succeeded", None),
            Done::Accepted => ("accepted", None),
            Done::Failed(code) => ("failed", Some(code.as_str())),
        };
        let mut record = json!({
            "id": format!("{:032x}", record_id(slug, key)),
            "line": line,
            "status": status,
            "render": render,
        });
        if let Some(code) = code {
            record["code"] = json!(code);
        }
        if let Some(sender) = &self.sender {
            // The thread only stops early on a write error, which `finish` reports.
            let _ = sender.send(format!("{record}\n"));
        }
    }

    /// Writes what is queued, syncs, and reports the first write error, if any.
    pub(crate) fn finish(mut self) -> std::io::Result<()> {
        drop(self.sender.take());
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(std::io::Error::other(
                "the journal's writer thread panicked",
            )),
            None => Ok(()),
        }
    }
}

/// The writer thread: each round takes every record queued, writes them, syncs once.
fn write_records(mut file: File, receiver: mpsc::Receiver<String>) -> std::io::Result<()> {
    while let Ok(first) = receiver.recv() {
        let mut group = first;
        while let Ok(next) = receiver.try_recv() {
            group.push_str(&next);
        }
        file.write_all(group.as_bytes())?;
        file.sync_data()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!(
            "craftkit-journal-{}-{name}.jsonl",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        path
    }

    #[test]
    fn records_survive_a_torn_last_line_and_appending_after_it() {
        let path = temp("torn");
        let writer = Writer::open(&path).unwrap();
        writer.record("invoice", "k1", 1, &Done::Succeeded, "rnd_1");
        writer.record(
            "invoice",
            "k2",
            2,
            &Done::Failed("render_failed".into()),
            "rnd_2",
        );
        writer.finish().unwrap();
        // A kill in the middle of a write.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(br#"{"id": "00ab", "stat"#).unwrap();
        drop(file);

        let journal = Journal::load(&path).unwrap();
        assert_eq!(journal.len(), 2);
        assert_eq!(journal.get("invoice", "k1"), Some(&Done::Succeeded));
        assert_eq!(
            journal.get("invoice", "k2"),
            Some(&Done::Failed("render_failed".into()))
        );
        assert_eq!(journal.get("lease", "k1"), None, "another template's key");

        let writer = Writer::open(&path).unwrap();
        writer.record("invoice", "k3", 3, &Done::Accepted, "rnd_3");
        writer.finish().unwrap();
        let journal = Journal::load(&path).unwrap();
        assert_eq!(journal.len(), 3);
        assert_eq!(journal.get("invoice", "k3"), Some(&Done::Accepted));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("k1"), "no key in the journal: {text}");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn a_line_too_long_for_a_record_is_skipped_without_being_held() {
        let record = format!(
            "{{\"id\": \"{:032x}\", \"line\": 1, \"status\": \"succeeded\", \"render\": \"rnd_1\"}}\n",
            record_id("invoice", "k1")
        );
        // 16 MiB of garbage on one line (a record of ours is about 150 bytes), then a record.
        let garbage = std::io::repeat(b'{').take(16 << 20);
        let reader = BufReader::new(garbage.chain(std::io::Cursor::new(format!("\n{record}"))));
        let mut journal = Journal::default();
        let held = allocation_counter::measure(|| journal = Journal::read(reader).unwrap());
        assert_eq!(journal.len(), 1);
        assert_eq!(journal.get("invoice", "k1"), Some(&Done::Succeeded));
        assert!(held.bytes_max < 1 << 20, "{held:?}");
    }

    #[test]
    fn a_missing_journal_is_empty() {
        let journal = Journal::load(&temp("missing")).unwrap();
        assert_eq!(journal.len(), 0);
    }
}

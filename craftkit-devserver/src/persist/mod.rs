//! `--data-dir`: what the server acknowledged, kept so that a restarted server has it all. One
//! SQLite database (WAL, `synchronous = FULL`: a commit is on disk before the answer goes out)
//! holds templates, renders, shares and idempotency keys; every change is one transaction,
//! made while the store's lock is held and before the change is applied in memory, so the
//! database and the running server agree and a change that cannot be stored is a `500` that
//! changed nothing. PDFs are files, each written atomically before its render says
//! `succeeded`.
//!
//! ```text
//! <dir>/craftkit-devserver.sqlite3   (and its -wal): templates, renders, shares, keys
//! <dir>/pdfs/<render id>.pdf
//! <dir>/imported-json/               the files of the JSON-file format, once imported
//! ```
//! Rows are per project, a hash of its key: the key itself is never written. Everything is
//! created `0600`/`0700` on Unix.
//!
//! Without the `sqlite` feature, [`Persist`] cannot be made and a server given a data
//! directory refuses to start.

#[cfg(feature = "sqlite")]
mod database;
#[cfg(feature = "sqlite")]
mod legacy;
#[cfg(feature = "sqlite")]
mod private;

use std::time::SystemTime;

use craftkit_core::api::{Render, Share};
use craftkit_core::manifest::Manifest;
use serde_json::Value;

#[cfg(feature = "sqlite")]
pub(crate) use database::Persist;

/// A server built without the `sqlite` feature has no data directory: this type has no value.
#[cfg(not(feature = "sqlite"))]
pub(crate) enum Persist {}

#[cfg(not(feature = "sqlite"))]
impl Persist {
    pub fn open(dir: &std::path::Path) -> Result<Persist, String> {
        Err(format!(
            "cannot keep state in {}: this craftkit-devserver was built without its `sqlite` \
             feature (turn it on, or start the server without a data directory)",
            dir.display()
        ))
    }

    pub fn commit(&self, _project_key: &str, _changes: &[Change<'_>]) -> Result<(), String> {
        match *self {}
    }

    pub fn save_pdf(&self, _render_id: &str, _pdf: &[u8]) -> std::io::Result<()> {
        match *self {}
    }

    pub fn restore(
        &self,
        _inner: &mut crate::store::Inner,
        _key: &str,
    ) -> Result<Vec<String>, String> {
        match *self {}
    }
}

/// One change of acknowledged state. [`Persist::commit`] writes a list of them as one
/// transaction.
// Without SQLite there is nothing to write them to.
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) enum Change<'a> {
    /// The draft of a template, created or replaced.
    Draft(&'a Manifest),
    /// A new published version (its `version` set); the draft of its slug is gone.
    Published(&'a Manifest),
    /// A render, new or in a new state, with what it needs to be rendered again.
    Render {
        render: &'a Render,
        data: &'a Value,
        download_token: Option<&'a str>,
        fail: bool,
    },
    /// A consumed `Idempotency-Key`, answered with `render_id`.
    Idempotency {
        key: &'a str,
        fingerprint: &'a str,
        render_id: &'a str,
        created: SystemTime,
    },
    /// A new share and the token of its link.
    Share { share: &'a Share, token: &'a str },
    /// A share revoked (its `revokedAt` set).
    Revoked(&'a Share),
}

/// Seconds since the epoch, as idempotency records keep their time.
#[cfg(feature = "sqlite")]
fn unix_seconds(at: SystemTime) -> i64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(feature = "sqlite")]
fn from_unix_seconds(seconds: i64) -> SystemTime {
    SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(u64::try_from(seconds).unwrap_or(0))
}

/// The project of `key` as stored: a hash, so that the key is never written.
#[cfg(feature = "sqlite")]
fn project_of(key: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(key.as_bytes())[..12])
}

#[cfg(all(test, not(feature = "sqlite")))]
mod tests {
    #[test]
    fn without_sqlite_a_data_directory_is_refused_with_the_reason() {
        let message = match super::Persist::open(std::path::Path::new("/tmp/kept")) {
            Err(message) => message,
            Ok(persist) => match persist {},
        };
        assert!(message.contains("`sqlite` feature"), "{message}");
    }
}

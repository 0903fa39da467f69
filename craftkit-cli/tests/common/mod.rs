//! What the command-line tests share: the local server started in the test's process, with the
//! fixture templates, and a fresh scratch directory to run the real `cargo-craftkit` binary in.
//! Both go away when the [`Live`] is dropped. Each test file adds its own methods (`impl Live`
//! in that file) for the commands it runs.

use std::path::{Path, PathBuf};

use craftkit_devserver::{Config, DevServer};

/// A local server and a scratch directory for one test.
pub struct Live {
    pub runtime: tokio::runtime::Runtime,
    server: Option<DevServer>,
    /// Empty at the start; the commands run in it.
    pub dir: PathBuf,
}

impl Live {
    /// Starts the server with `config` and the fixture templates, and makes an empty
    /// `craftkit-cli-NAME-PID` directory under the system's temporary directory.
    pub fn start(name: &str, config: Config) -> Live {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let templates = craftkit_devserver::load_templates(fixtures().join("manifests")).unwrap();
        let server = runtime
            .block_on(DevServer::start(Config {
                templates,
                ..config
            }))
            .unwrap();
        let dir = std::env::temp_dir().join(format!("craftkit-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Live {
            runtime,
            server: Some(server),
            dir,
        }
    }

    pub fn server(&self) -> &DevServer {
        self.server.as_ref().unwrap()
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.stop());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The workspace's test fixtures (manifests, payloads).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

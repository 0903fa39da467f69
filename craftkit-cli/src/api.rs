//! The arguments every subcommand that calls the API shares, and the secret type that keeps
//! a key or a signing secret out of any `Debug` output.

use crate::Failure;

/// Where live calls go: `--api-url` (or `CRAFTKIT_API_URL`, default the live API) with
/// `--key` (or `CRAFTKIT_API_KEY`). Flattened into each subcommand that calls the API.
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct Api {
    /// The API key (or CRAFTKIT_API_KEY). Never printed.
    #[arg(long, env = "CRAFTKIT_API_KEY", hide_env_values = true)]
    pub key: Option<Secret>,
    /// The API base URL (or CRAFTKIT_API_URL).
    #[arg(
        long,
        env = "CRAFTKIT_API_URL",
        default_value = "https://api.craftkit.io"
    )]
    pub api_url: String,
}

impl Api {
    /// A client for these settings; no key is an input error that says where to set one.
    pub(crate) fn client(&self) -> Result<craftkit_runtime::Client, Failure> {
        let key = self
            .key
            .as_ref()
            .ok_or_else(|| Failure::input("no API key: set CRAFTKIT_API_KEY (or pass --key)"))?;
        craftkit_runtime::Client::builder()
            .key(key.expose())
            .base_url(&self.api_url)
            .build()
            .map_err(|e| Failure::input(e.to_string()))
    }
}

/// A value that must never be printed (an API key, a webhook signing secret): its `Debug`
/// says only that it is there, so a `{:?}` of the arguments that hold it is safe to log.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    /// The value itself, for the one call that needs it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

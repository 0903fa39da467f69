//! The `Host` check: a browser page whose domain was rebound to 127.0.0.1 (DNS rebinding)
//! sends its own domain as `Host`, so only loopback names, and those configured, are served.

use axum::http::{HeaderMap, StatusCode, header};

use crate::api_error::Failure;

/// The loopback names always accepted, with the server's port or none.
const LOOPBACK: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// The `Host` values a server accepts.
#[derive(Debug)]
pub(crate) struct AllowedHosts {
    /// Exact values, lowercase: `127.0.0.1:PORT`, `localhost`, a configured `name:port`.
    exact: Vec<String>,
    /// Configured names accepted with any port (or none), lowercase.
    any_port: Vec<String>,
}

impl AllowedHosts {
    /// The loopback names with `port` or none, and `configured` (`name` for any port,
    /// `name:port` for that one).
    pub(crate) fn new(port: u16, configured: &[String]) -> AllowedHosts {
        let mut exact: Vec<String> = LOOPBACK
            .iter()
            .flat_map(|name| [(*name).to_owned(), format!("{name}:{port}")])
            .collect();
        let mut any_port = Vec::new();
        for host in configured {
            let host = host.trim().to_ascii_lowercase();
            if split_port(&host).is_some() {
                exact.push(host);
            } else {
                any_port.push(host);
            }
        }
        AllowedHosts { exact, any_port }
    }

    fn allows(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        let name = split_port(&host).map_or(host.as_str(), |(name, _)| name);
        self.exact.contains(&host) || self.any_port.iter().any(|allowed| allowed == name)
    }

    /// `Ok` when the request has no `Host` (not a browser's: HTTP/1.0 or a bare tool) or an
    /// accepted one, else `421 invalid_request` naming what is accepted.
    pub(crate) fn check(&self, headers: &HeaderMap) -> Result<(), Failure> {
        let Some(host) = headers.get(header::HOST) else {
            return Ok(());
        };
        match host.to_str() {
            Ok(host) if self.allows(host) => Ok(()),
            _ => Err(Failure::new(
                StatusCode::MISDIRECTED_REQUEST,
                "invalid_request",
                "this server answers only to Host 127.0.0.1, localhost or [::1] (with its port); \
                 start it with --allowed-host NAME to accept another name",
            )),
        }
    }
}

/// `name:port` split in two when it ends with a numeric port (`[::1]` alone has none).
fn split_port(host: &str) -> Option<(&str, &str)> {
    let (name, port) = host.rsplit_once(':')?;
    let bracketed_ipv6_without_port = host.starts_with('[') && !name.ends_with(']');
    (!port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && !bracketed_ipv6_without_port)
        .then_some((name, port))
}

#[cfg(test)]
mod tests {
    use super::AllowedHosts;

    #[test]
    fn loopback_names_with_the_port_or_none_and_configured_names_are_accepted() {
        let hosts = AllowedHosts::new(4010, &["Dev.Example".to_owned(), "box.lan:8080".to_owned()]);
        for host in [
            "127.0.0.1:4010",
            "LOCALHOST:4010",
            "[::1]:4010",
            "localhost",
            "[::1]",
            "dev.example",
            "dev.example:9",
            "box.lan:8080",
        ] {
            assert!(hosts.allows(host), "{host}");
        }
        for host in [
            "127.0.0.1:4011",
            "evil.example:4010",
            "evil.example",
            "localhost.evil.example:4010",
            "box.lan",
            "box.lan:8081",
            "[::2]:4010",
            "",
        ] {
            assert!(!hosts.allows(host), "{host}");
        }
    }
}

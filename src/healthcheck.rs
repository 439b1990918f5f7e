//! `asklake healthcheck`: asks the running server's `/healthz` on loopback, for container health checks.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use crate::config::Config;

/// How long the probe waits for an answer.
const TIMEOUT: Duration = Duration::from_secs(3);

/// The loopback address that reaches a server bound to `bind` (`0.0.0.0:3000` → `127.0.0.1:3000`).
pub fn probe_addr(bind: &str) -> anyhow::Result<SocketAddr> {
    let mut addr: SocketAddr = bind.parse().with_context(|| format!("[server] bind {bind:?} is not an address"))?;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    Ok(addr)
}

/// GETs `/healthz`; exit 0 on 200, 1 otherwise (the reason goes to stderr).
pub async fn run(config: &Config) -> anyhow::Result<ExitCode> {
    let addr = probe_addr(&config.server.bind)?;
    let client = reqwest::Client::builder().timeout(TIMEOUT).build().context("building the HTTP client")?;
    match client.get(format!("http://{addr}/healthz")).send().await {
        Ok(r) if r.status().is_success() => Ok(ExitCode::SUCCESS),
        Ok(r) => {
            eprintln!("unhealthy: /healthz on {addr} answered {}", r.status());
            Ok(ExitCode::FAILURE)
        }
        Err(e) => {
            eprintln!("unhealthy: no answer from /healthz on {addr}: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspecified_bind_is_probed_on_loopback() {
        assert_eq!(probe_addr("0.0.0.0:3000").unwrap(), "127.0.0.1:3000".parse().unwrap());
        assert_eq!(probe_addr("[::]:8080").unwrap(), "[::1]:8080".parse().unwrap());
        assert_eq!(probe_addr("10.1.2.3:3000").unwrap(), "10.1.2.3:3000".parse().unwrap());
        assert!(probe_addr("localhost").is_err());
    }
}

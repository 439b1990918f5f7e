//! Tracing setup (human-readable or JSON lines) and a `spawn_blocking` that keeps the caller's span.

use tracing_subscriber::{EnvFilter, fmt};

/// Output format of log lines.
#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Compact human-readable lines on stderr.
    #[default]
    Pretty,
    /// One JSON object per line on stderr, for log shippers.
    Json,
}

/// Installs the global subscriber. `RUST_LOG` overrides the default level.
/// Safe to call more than once (later calls are ignored), which tests rely on.
pub fn init(format: LogFormat, verbose: u8) {
    let default = match verbose {
        0 => "asklake=info,warn",
        1 => "asklake=debug,info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Pretty => builder.compact().try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Runs blocking work on the blocking pool inside the current tracing span.
pub fn spawn_blocking_in_span<F, R>(f: F) -> tokio::task::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
}

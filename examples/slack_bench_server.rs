//! Benchmark server for `benches/slack_ack.sh`: the real asklake router and handlers with an instant fake asker
//! and the counting in-memory Slack double (`asklake::slack::memory`) that answers at once, so the load measures
//! the signed slash-command ack path.
//! Not part of `asklake serve`.
//!
//! Usage: `slack_bench_server <bind> <signing-secret> <store-file>`; prints `listening <port>` when ready and runs
//! until stdin closes or SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use asklake::config::Config;
use asklake::pipeline::{Answer, Asker, Language, Outcome, ProgressSink, Question};
use asklake::slack::memory::MemorySlack;
use asklake::startup::{Application, Deps};
use asklake::store::Store;
use tokio_util::sync::CancellationToken;

/// The allocator `asklake` itself runs with (see `src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct InstantAsker;

#[async_trait::async_trait]
impl Asker for InstantAsker {
    async fn ask(&self, question: Question, _progress: &dyn ProgressSink, _cancel: CancellationToken) -> Answer {
        Answer {
            question: question.text,
            language: Language::En,
            text: "benchmark answer".into(),
            outcome: Outcome::NoRows,
            sql: Some("SELECT 1".into()),
            result: None,
            attempts: Vec::new(),
            verified: None,
            engine: "duckdb".into(),
            elapsed: Duration::ZERO,
            offers: Vec::new(),
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    anyhow::ensure!(args.len() == 4, "usage: slack_bench_server <bind> <signing-secret> <store-file>");
    let mut config = Config::default();
    config.server.bind = args[1].clone();
    config.server.shutdown_grace_secs = 5;
    config.slack.signing_secret = Some(args[2].clone().into());
    config.slack.allow_everyone = true;
    config.store.path = args[3].clone().into();
    let store = Store::open(&config.store.path)?;
    let deps = Deps::new(Arc::new(InstantAsker), Arc::new(MemorySlack::counting()), store);
    let app = Application::build(config, deps).await?;
    println!("listening {}", app.port());
    let stop = async {
        let stdin_closed = tokio::task::spawn_blocking(|| {
            let mut sink = String::new();
            while std::io::stdin().read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        tokio::select! {
            _ = stdin_closed => {}
            _ = asklake::startup::shutdown_signal() => {}
        }
    };
    app.run_until_stopped(stop).await
}

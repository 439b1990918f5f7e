//! `asklake alerts drain|preview`.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use super::classify::classify;
use super::envelope::parse_body;
use super::group::{Alerted, Routing, group};
use super::narrative::summary_sentence;
use super::render::MessageKind;
use super::rules::{Rules, Verdict};
use crate::cli::AlertsCommand;
use crate::config::Config;
use crate::templates::Templates;

/// Runs `asklake alerts …`.
pub async fn run(config: &Config, cmd: AlertsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AlertsCommand::Preview { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("could not read event file {}", file.display()))?;
            println!("{}", preview(config, &text).with_context(|| format!("could not preview {}", file.display()))?);
            Ok(ExitCode::SUCCESS)
        }
        AlertsCommand::Drain { once } => drain(config, once).await,
    }
}

/// The Block Kit JSON asklake would post for the events in `text` (JSON, JSON lines, or `{"Records": […]}`).
pub fn preview(config: &Config, text: &str) -> anyhow::Result<String> {
    let events = match parse_body(text) {
        Ok(ev) => ev,
        Err(first) => {
            let mut all = Vec::new();
            for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                all.extend(parse_body(line).map_err(|e| anyhow::anyhow!("line {}: {e} (whole file: {first})", i + 1))?);
            }
            all
        }
    };
    let rules = Rules::load(&config.alerts.rules_file)?;
    let alerted: Vec<Alerted> = events
        .into_iter()
        .filter_map(|event| {
            let actor = classify(&event);
            match rules.evaluate(&event, &actor) {
                Verdict::Alert { severity, reasons } => Some(Alerted { event, actor, severity, reasons }),
                _ => None,
            }
        })
        .collect();
    let renderer = super::build::renderer(config, Templates::embedded());
    let mut out = Vec::new();
    for g in group(alerted, &Routing::from_config(&config.alerts)) {
        let story = summary_sentence(&g, &config.alerts.language);
        let r = renderer.render(&g, MessageKind::Digest, Some(&story))?;
        let thread: Vec<_> = r.thread.iter().map(|t| t.json.clone()).collect();
        out.push(serde_json::json!({"account": g.account, "channel": g.route.channel, "message": r.parent.json, "thread": thread}));
    }
    Ok(serde_json::to_string_pretty(&out)?)
}

async fn drain(config: &Config, once: bool) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        once,
        "only `asklake alerts drain --once` runs from the command line; `asklake serve` runs the worker"
    );
    let store = crate::store::Store::open(&config.store.path)?;
    let slack = slack_client(config)?;
    let queue = super::build::queue(config, &store, Duration::from_secs(1)).await?;
    let worker = super::build::worker(config, queue, slack, store, Templates::embedded(), None)?;
    let out = worker.drain_once().await?;
    println!("{out:#?}");
    Ok(if out.failed_posts > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// The Slack Web API client for the CLI: the same retrying, pacing client `serve` uses.
fn slack_client(config: &Config) -> anyhow::Result<Arc<dyn crate::slack::api::SlackApi>> {
    crate::startup::build_slack(config)
}

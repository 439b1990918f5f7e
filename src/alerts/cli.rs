//! `asklake alerts drain|preview|eval|dead-letters`.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use super::envelope::parse_message;
use super::rules::Rules;
use crate::cli::AlertsCommand;
use crate::config::{Config, QueueKind};
use crate::store::Store;
use crate::store::deadletters::DeadLetter;
use crate::templates::Templates;

/// Problems listed one by one before the rest are only counted.
const MAX_LISTED: usize = 20;

/// Runs `asklake alerts …`.
pub async fn run(config: &Config, cmd: AlertsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AlertsCommand::Preview { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("could not read event file {}", file.display()))?;
            let shown = super::preview::preview(config, &text)
                .await
                .with_context(|| format!("could not preview {}", file.display()))?;
            for line in problem_lines(&shown.problems) {
                eprintln!("{line}");
            }
            let o = &shown.outcome;
            eprintln!(
                "{} event(s) read: {} posted, {} duplicate(s), {} ignored, {} not watched; {} Slack post(s) below",
                o.parsed,
                o.alerted,
                o.duplicates,
                o.ignored,
                o.unwatched,
                shown.posts.len()
            );
            println!("{}", shown.json);
            Ok(ExitCode::SUCCESS)
        }
        AlertsCommand::Eval { corpus } => eval(config, &corpus),
        AlertsCommand::Drain { once } => drain(config, once).await,
        AlertsCommand::DeadLetters { replay } => dead_letters(config, replay),
    }
}

fn problem_lines(problems: &[String]) -> Vec<String> {
    if problems.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![format!("{} note(s) on entries left out or read leniently:", problems.len())];
    lines.extend(problems.iter().take(MAX_LISTED).map(|p| format!("  {p}")));
    if problems.len() > MAX_LISTED {
        lines.push(format!("  … and {} more", problems.len() - MAX_LISTED));
    }
    lines
}

/// `asklake alerts eval CORPUS`: the configured rules on a labelled corpus; fails below target.
fn eval(config: &Config, corpus: &std::path::Path) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(corpus).with_context(|| format!("could not read corpus {}", corpus.display()))?;
    let cases =
        super::eval::load_corpus(&text).with_context(|| format!("could not read corpus {}", corpus.display()))?;
    let rules = Rules::load(&config.alerts.rules_file)?;
    let report = super::eval::evaluate(&rules, &cases);
    print!("{}", report.render());
    Ok(if report.passes() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
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

/// `asklake alerts dead-letters [--replay]`: lists the embedded queue's dead letters, or moves them back.
fn dead_letters(config: &Config, replay: bool) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        config.alerts.queue == QueueKind::Embedded,
        "[alerts] queue = \"sqs\": dead letters are in the SQS queue's dead-letter queue (its RedrivePolicy); move them \
         back with `aws sqs start-message-move-task --source-arn <dead-letter queue ARN>`"
    );
    let store = Store::open(&config.store.path)?;
    if replay {
        let n = store.replay_dead_letters()?;
        println!("{n} dead letter(s) moved back to the queue; `asklake serve` or `alerts drain --once` picks them up");
        return Ok(ExitCode::SUCCESS);
    }
    let dead = store.dead_letters()?;
    for d in &dead {
        println!("{}", dead_letter_line(d));
    }
    println!("{} dead letter(s){}", dead.len(), if dead.is_empty() { "" } else { "; `--replay` moves them back" });
    Ok(ExitCode::SUCCESS)
}

/// One dead letter: id, when, receives, size, and why it could not be handled (never its content).
pub fn dead_letter_line(d: &DeadLetter) -> String {
    let when = chrono::DateTime::from_timestamp_millis(d.dead_at_ms).map(|t| t.to_rfc3339()).unwrap_or_default();
    let why = match parse_message(&d.body) {
        Err(e) => format!("cannot be read: {e}"),
        Ok(p) => match p.errors.first() {
            Some(first) => format!("{} event(s), {} unreadable; first: {first}", p.events.len(), p.errors.len()),
            None => format!("{} event(s), all readable (a Slack refusal kept it from being posted)", p.events.len()),
        },
    };
    format!("#{}  dead {when}  receives {}  {} bytes  {why}", d.id, d.receive_count, d.body.len())
}

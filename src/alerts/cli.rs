//! `asklake alerts drain|preview|dead-letters`.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use super::classify::classify;
use super::envelope::{CtEvent, Parsed, parse_message};
use super::group::{Alerted, Routing, group};
use super::narrative::summary_sentence;
use super::render::MessageKind;
use super::rules::{Rules, Verdict};
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
            let shown = preview(config, &text).with_context(|| format!("could not preview {}", file.display()))?;
            for line in problem_lines(&shown.problems) {
                eprintln!("{line}");
            }
            println!("{}", shown.json);
            Ok(ExitCode::SUCCESS)
        }
        AlertsCommand::Drain { once } => drain(config, once).await,
        AlertsCommand::DeadLetters { replay } => dead_letters(config, replay),
    }
}

/// What `alerts preview` shows.
#[derive(Debug)]
pub struct Preview {
    /// The Block Kit JSON asklake would post.
    pub json: String,
    /// Entries that could not be read (each named by line, entry and eventID) and skipped detail-types.
    pub problems: Vec<String>,
}

/// The Block Kit JSON asklake would post for the events in `text` (JSON, JSON lines, or `{"Records": […]}`), and
/// the entries left out. One bad record never hides the others.
///
/// # Errors
/// When nothing in `text` is readable, or the rules or templates fail.
pub fn preview(config: &Config, text: &str) -> anyhow::Result<Preview> {
    let (events, problems) = read_events(text)?;
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
    for g in group(alerted, &Routing::for_config(config)) {
        let story = summary_sentence(&g, &config.alerts.language);
        let r = renderer.render(&g, MessageKind::Digest, Some(&story))?;
        let thread: Vec<_> = r.thread.iter().map(|t| t.json.clone()).collect();
        out.push(serde_json::json!({"account": g.account, "channel": g.route.channel, "message": r.parent.json, "thread": thread}));
    }
    Ok(Preview { json: serde_json::to_string_pretty(&out)?, problems })
}

/// Events of a whole-file JSON body, or else of each JSON line; with every entry left out, named.
fn read_events(text: &str) -> anyhow::Result<(Vec<CtEvent>, Vec<String>)> {
    let whole = match parse_message(text) {
        Ok(parsed) => return Ok(describe(parsed, "")),
        Err(e) => e,
    };
    let (mut events, mut problems, mut readable) = (Vec::new(), Vec::new(), false);
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        match parse_message(line) {
            Ok(parsed) => {
                readable = true;
                let (ev, p) = describe(parsed, &format!("line {}: ", i + 1));
                events.extend(ev);
                problems.extend(p);
            }
            Err(e) => problems.push(format!("line {}: {e}", i + 1)),
        }
    }
    anyhow::ensure!(
        readable,
        "nothing readable: as one JSON document: {whole}; as JSON lines: {}",
        problems.join("; ")
    );
    Ok((events, problems))
}

fn describe(parsed: Parsed, at: &str) -> (Vec<CtEvent>, Vec<String>) {
    let mut problems: Vec<String> = parsed.errors.iter().map(|e| format!("{at}{e}")).collect();
    problems.extend(
        parsed
            .skipped
            .iter()
            .map(|s| format!("{at}entry {}: skipped EventBridge detail-type {:?}", s.index, s.detail_type)),
    );
    let unknown_time = parsed.events.iter().filter(|e| e.time_unknown).count();
    if unknown_time > 0 {
        problems.push(format!("{at}{unknown_time} event(s) without a usable eventTime: shown at the time read"));
    }
    (parsed.events, problems)
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(id: &str, name: &str, time: serde_json::Value) -> serde_json::Value {
        json!({"eventID": id, "eventName": name, "eventSource": "iam.amazonaws.com", "eventTime": time,
            "awsRegion": "us-east-1", "recipientAccountId": "123412341234", "userAgent": "aws-cli/2.15.0",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123412341234:user/alice"},
            "requestParameters": {"userName": format!("user-{id}")}})
    }

    #[test]
    fn preview_shows_every_readable_record_and_names_each_one_left_out() {
        let eventbridge = json!({"detail-type": "AWS API Call via CloudTrail", "account": "123412341234",
            "detail": record("ok-1", "CreateUser", json!("2026-11-22 04:00:02"))});
        let records = json!({"Records": [
            record("ok-2", "CreateUser", json!(1_795_313_203)),
            {"eventID": "bad-1", "eventTime": "2026-11-22T04:00:00Z"},
            record("ok-3", "CreateUser", json!("sometime")),
        ]});
        let text = format!("{eventbridge}\n{records}\nnot json at all\n");

        let shown = preview(&Config::default(), &text).unwrap();

        for id in ["ok-1", "ok-2", "ok-3"] {
            assert!(shown.json.contains(&format!("user-{id}")), "{id} is shown");
        }
        assert!(shown.json.contains("no eventTime: time received"), "the record without a time says so");
        assert_eq!(
            shown.problems[..2],
            [
                "line 2: entry 1 (eventID \"bad-1\"): CloudTrail record has no eventName".to_owned(),
                "line 2: 1 event(s) without a usable eventTime: shown at the time read".to_owned(),
            ]
        );
        assert!(shown.problems[2].starts_with("line 3: body is not JSON"), "{:?}", shown.problems);
    }

    #[test]
    fn a_file_with_nothing_readable_is_refused_with_both_readings() {
        let err = preview(&Config::default(), "nope\n{oops\n").unwrap_err().to_string();
        assert!(err.contains("as one JSON document") && err.contains("line 2"), "{err}");
    }
}

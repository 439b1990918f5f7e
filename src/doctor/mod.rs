//! `asklake doctor`: checks a live setup one step at a time and says, for each failure, what to fix.
//!
//! Steps run in order and each is independent: a failed step does not hide the next one. Which steps run follows
//! the configuration (Athena steps only with `[engine] kind = "athena"`, the queue only with `[alerts] queue =
//! "sqs"`, Bedrock only with `[llm] provider = "bedrock"`, the claims table only with `[ha] claims_table`, Slack
//! when a bot token is set).

mod aws;
mod slack;

use std::fmt::Write as _;
use std::process::ExitCode;

pub use aws::AwsClients;
pub use slack::{SlackProbe, manifest_bot_scopes};

use crate::config::{Config, EngineKind, LlmProvider, QueueKind};

/// How one step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It works; what was seen.
    Pass(String),
    /// It does not; what is wrong and what to do about it.
    Fail {
        /// What was found.
        problem: String,
        /// What to change.
        fix: String,
    },
    /// Not applicable to this configuration; why.
    Skip(String),
}

impl Outcome {
    /// A failure with its remedy.
    pub fn fail(problem: impl Into<String>, fix: impl Into<String>) -> Self {
        Outcome::Fail { problem: problem.into(), fix: fix.into() }
    }
}

/// One named step and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What was checked, e.g. "Athena workgroup".
    pub name: String,
    /// How it ended.
    pub outcome: Outcome,
}

/// Every step of one run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Steps in the order they ran.
    pub steps: Vec<Step>,
}

impl Report {
    fn push(&mut self, name: impl Into<String>, outcome: Outcome) {
        self.steps.push(Step { name: name.into(), outcome });
    }

    /// Whether every step passed or was skipped.
    pub fn healthy(&self) -> bool {
        !self.steps.iter().any(|s| matches!(s.outcome, Outcome::Fail { .. }))
    }

    /// The step called `name`, if it ran.
    pub fn step(&self, name: &str) -> Option<&Outcome> {
        self.steps.iter().find(|s| s.name == name).map(|s| &s.outcome)
    }

    /// The report as people read it: one line per step, the fix under each failure.
    pub fn render(&self) -> String {
        let width = self.steps.iter().map(|s| s.name.chars().count()).max().unwrap_or(0);
        let mut out = String::new();
        for s in &self.steps {
            let (mark, text) = match &s.outcome {
                Outcome::Pass(seen) => ("ok", seen.clone()),
                Outcome::Skip(why) => ("skip", why.clone()),
                Outcome::Fail { problem, .. } => ("FAIL", problem.clone()),
            };
            let _ = writeln!(out, "{mark:>4}  {:width$}  {text}", s.name);
            if let Outcome::Fail { fix, .. } = &s.outcome {
                let _ = writeln!(out, "      {:width$}  fix: {fix}", "");
            }
        }
        let failed = self.steps.iter().filter(|s| matches!(s.outcome, Outcome::Fail { .. })).count();
        if failed == 0 {
            out.push_str("\nall checks passed.\n");
        } else {
            let _ = writeln!(out, "\n{failed} check(s) failed.");
        }
        out
    }
}

/// The clients a run talks through; `serve`'s configuration builds them, tests point them at local fakes.
pub struct Doctor {
    /// AWS clients (each optional: built only for what the configuration uses).
    pub aws: AwsClients,
    /// Slack Web API probe (none without a bot token).
    pub slack: Option<SlackProbe>,
}

impl Doctor {
    /// Builds the clients the configuration needs, with the configured credentials and endpoints.
    pub async fn from_config(config: &Config) -> Self {
        Self { aws: AwsClients::from_config(config).await, slack: SlackProbe::from_config(&config.slack) }
    }

    /// Runs every step that applies to `config`.
    pub async fn run(&self, config: &Config) -> Report {
        let mut report = Report::default();
        let uses_aws = config.engine.kind == EngineKind::Athena
            || config.alerts.queue == QueueKind::Sqs
            || !config.ha.claims_table.is_empty()
            || config.llm.provider == LlmProvider::Bedrock;
        if uses_aws {
            report.push("AWS identity", self.aws.identity().await);
        } else {
            report.push("AWS identity", Outcome::Skip("no AWS service is configured".into()));
        }
        if config.engine.kind == EngineKind::Athena {
            report.push("Athena workgroup", self.aws.workgroup(config).await);
            for (name, outcome) in self.aws.lake_tables(config).await {
                report.push(format!("Security Lake table {name}"), outcome);
            }
            report.push("Athena test query", self.aws.test_query(config).await);
        } else {
            report.push("Athena", Outcome::Skip("[engine] kind is duckdb".into()));
        }
        if config.llm.provider == LlmProvider::Bedrock {
            report.push("Bedrock model", self.aws.model(&config.llm.model_id).await);
        } else {
            report.push("Bedrock model", Outcome::Skip("[llm] provider is not bedrock".into()));
        }
        if config.alerts.queue == QueueKind::Sqs {
            report.push("SQS queue", self.aws.queue(&config.alerts.sqs_queue_url).await);
        } else {
            report.push("SQS queue", Outcome::Skip("[alerts] queue is embedded".into()));
        }
        if config.ha.claims_table.is_empty() {
            report.push("Claims table", Outcome::Skip("[ha] claims_table is not set: one instance".into()));
        } else {
            report.push("Claims table", self.aws.claims_table().await);
        }
        match &self.slack {
            Some(probe) => {
                report.push("Slack token and scopes", probe.auth_and_scopes().await);
                for channel in alert_channels(config) {
                    report.push(format!("Slack channel {channel}"), probe.membership(&channel).await);
                }
            }
            None => report.push(
                "Slack token and scopes",
                Outcome::fail(
                    "[slack] bot_token is not set",
                    "set ASKLAKE_SLACK__BOT_TOKEN (xoxb-…) from the app's OAuth page",
                ),
            ),
        }
        report
    }
}

/// Every channel asklake posts alerts into, each once.
fn alert_channels(config: &Config) -> Vec<String> {
    let a = &config.alerts;
    let accounts = config.accounts();
    let mut out: Vec<String> = Vec::new();
    let all = [a.default_channel.clone(), a.red_channel.clone()]
        .into_iter()
        .chain(accounts.all().iter().map(|r| r.channel.clone()));
    for channel in all {
        if !channel.is_empty() && !out.contains(&channel) {
            out.push(channel);
        }
    }
    out
}

/// `asklake doctor`: prints the report; exit 0 only when every step passed.
pub async fn run(config: &Config) -> anyhow::Result<ExitCode> {
    let report = Doctor::from_config(config).await.run(config).await;
    print!("{}", report.render());
    Ok(if report.healthy() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

//! Command-line surface: parses arguments, loads config once, dispatches to the module that owns each command.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::telemetry::LogFormat;

/// asklake: ask Amazon Security Lake questions from Slack; post per-account CloudTrail change summaries.
#[derive(Debug, Parser)]
#[command(name = "asklake", version, about)]
pub struct Cli {
    /// Config file (default: ./asklake.toml when present). ASKLAKE_* variables override it.
    #[arg(long, global = true, env = "ASKLAKE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log line format.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
    /// More log detail (-v, -vv).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Slack app (HTTP, or Socket Mode with an app token) and the change-feed worker.
    Serve,
    /// Ask a question in the terminal and print the answer, table and SQL.
    Ask(AskArgs),
    /// Measure answer accuracy on the golden dev set (frozen clock, live, recorded or replayed model).
    Eval(crate::eval::cli::EvalArgs),
    /// Run SQL written over the logical tables (cloudtrail, vpcflow) on the configured engine.
    Sql(SqlArgs),
    /// Synthetic Security Lake data.
    #[command(subcommand)]
    Sample(SampleCommand),
    /// The verified question→SQL library.
    #[command(subcommand)]
    Library(LibraryCommand),
    /// The CloudTrail change feed.
    #[command(subcommand)]
    Alerts(AlertsCommand),
    /// Configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Check a live setup step by step (AWS identity, Athena, lake tables, Bedrock, SQS, Slack) and say what to fix.
    Doctor,
    /// Exit 0 when the running server answers `/healthz` on loopback (container health checks).
    Healthcheck,
}

/// `asklake ask`.
#[derive(Debug, Clone, clap::Args)]
pub struct AskArgs {
    /// The question, in Korean or English.
    #[arg(required_unless_present = "run", num_args = 1..)]
    pub question: Vec<String>,
    /// Pretend "now" is this RFC 3339 time: the prompt, time windows, verified queries and DuckDB's
    /// `current_timestamp` all use it, so the same model gives the same answer tomorrow.
    #[arg(long)]
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    /// Run this verified library entry instead (as printed under "verified questions you can run").
    #[arg(long, value_name = "ENTRY")]
    pub run: Option<String>,
    /// A parameter for `--run`: `start=`/`end=` (RFC 3339, UTC), `scope=<account id>`, or a kind (`ip=…`).
    #[arg(long = "param", value_name = "NAME=VALUE", requires = "run")]
    pub params: Vec<String>,
    /// Also draw the answer as a chart (PNG: bars for a top-N, a line for counts over time) into this file.
    #[arg(long, value_name = "PNG")]
    pub chart: Option<std::path::PathBuf>,
}

/// Output format of result tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned text table.
    #[default]
    Table,
    /// CSV with a header row.
    Csv,
    /// One JSON object per row (JSON lines).
    Json,
}

/// `asklake sql`.
#[derive(Debug, Clone, clap::Args)]
pub struct SqlArgs {
    /// SQL over the logical tables, e.g. "SELECT api_operation, count(*) FROM cloudtrail GROUP BY 1".
    pub sql: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Print the SQL sent to the engine (with the binding's CTEs) instead of running it.
    #[arg(long)]
    pub explain: bool,
}

/// `asklake sample …`.
#[derive(Debug, Subcommand)]
pub enum SampleCommand {
    /// Write a deterministic synthetic lake with planted incidents.
    Generate(crate::sample::GenerateArgs),
}

/// `asklake library …`.
#[derive(Debug, Subcommand)]
pub enum LibraryCommand {
    /// Validate every entry and run it on the configured engine; report failures.
    Check,
    /// Show the closest verified questions for a question, with scores.
    Match {
        /// The question.
        #[arg(required = true, num_args = 1..)]
        question: Vec<String>,
    },
}

/// `asklake alerts …`.
#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Drain the configured queue and post summaries.
    Drain {
        /// Drain what is queued now, post, and exit.
        #[arg(long)]
        once: bool,
    },
    /// Print the Block Kit JSON asklake would post for the events in FILE (JSON array, JSON lines, or `{"Records":[…]}`).
    Preview {
        /// Event file.
        file: PathBuf,
    },
    /// Measure the rules on a labelled corpus (JSON lines: event, expect, min_colour, source): recall on must-fire
    /// events, false reds on must-not-fire events, misses by event name; exits non-zero below target.
    Eval {
        /// Corpus file.
        corpus: PathBuf,
    },
    /// List the embedded queue's dead letters (messages that could not be handled), or move them back.
    DeadLetters {
        /// Move every dead letter back into the queue.
        #[arg(long)]
        replay: bool,
    },
}

/// `asklake config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print what is set and what is missing, without secret values.
    Check,
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Config(ConfigCommand::Check) => {
            let code = config_check(&config);
            print_sources(&config).await;
            Ok(code)
        }
        Command::Sample(SampleCommand::Generate(args)) => crate::sample::cli::generate(&config, &args).await,
        Command::Sql(args) => crate::engines::cli::sql(&config, &args).await,
        Command::Ask(AskArgs { run: Some(entry), params, chart, .. }) => {
            crate::pipeline::cli::run_offer(&config, &entry, &params, chart.as_deref()).await
        }
        Command::Ask(args) => {
            crate::pipeline::cli::ask(&config, &args.question.join(" "), args.now, args.chart.as_deref()).await
        }
        Command::Eval(args) => crate::eval::cli::run(&config, &args).await,
        Command::Library(cmd) => crate::library::cli::run(&config, cmd).await,
        Command::Alerts(cmd) => crate::alerts::cli::run(&config, cmd).await,
        Command::Serve => crate::startup::serve(config).await,
        Command::Doctor => crate::doctor::run(&config).await,
        Command::Healthcheck => crate::healthcheck::run(&config).await,
    }
}

fn config_check(config: &Config) -> ExitCode {
    let lines = config.check();
    let width = lines.iter().map(|l| l.key.len()).max().unwrap_or(0);
    let mut missing = 0;
    for line in &lines {
        let mark = if line.missing {
            missing += 1;
            "MISSING"
        } else {
            "ok"
        };
        let shown = if line.shown.is_empty() { "(empty)" } else { &line.shown };
        println!("{mark:>7}  {:width$}  {shown}  — {}", line.key, line.note);
    }
    if missing > 0 {
        println!("\n{missing} setting(s) missing for the configured features.");
        ExitCode::from(2)
    } else {
        println!("\nall settings needed by the configured features are present.");
        ExitCode::SUCCESS
    }
}

/// Which Security Lake sources are on for the configured engine, region and database.
async fn print_sources(config: &Config) {
    let Ok(catalog) = crate::catalog::Catalog::embedded() else { return };
    let binding = crate::catalog::Binding::from_config(config);
    let sources = crate::pipeline::sources::discover(config, &catalog, &binding).await;
    println!("\nsources over {}:", binding.describe());
    for line in sources.lines() {
        println!("{line}");
    }
}

/// The message for commands whose part of asklake is not built yet.
pub fn not_built(what: &str) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`{what}` is not built yet in this version of asklake")
}

//! `asklake library check|match`: run every entry on the configured engine, or show what a question matches.

use std::process::ExitCode;
use std::str::FromStr;

use anyhow::Context;
use chrono::Utc;

use super::params;
use super::retriever::{HybridRetriever, render_for_example, resolve};
use super::{Entry, Library};
use crate::cli::LibraryCommand;
use crate::config::Config;
use crate::engines::{ExecOptions, SqlEngine};

/// Runs `asklake library …`.
pub async fn run(config: &Config, cmd: LibraryCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LibraryCommand::Check => check(config).await,
        LibraryCommand::Match { question } => matches(config, &question.join(" ")).await,
    }
}

/// Outcome of checking one entry on an engine.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryCheck {
    /// Entry id.
    pub id: String,
    /// Rows returned, or why it failed.
    pub result: Result<usize, String>,
}

/// Validates and runs one entry (defaults, example values for required parameters) on `engine`.
pub async fn check_entry(config: &Config, engine: &dyn SqlEngine, entry: &Entry) -> EntryCheck {
    let catalog = match crate::catalog::Catalog::embedded() {
        Ok(c) => c,
        Err(e) => return EntryCheck { id: entry.id.clone(), result: Err(format!("catalog unavailable: {e:#}")) },
    };
    let values = params::defaults_with_examples(entry, Utc::now());
    let result = async {
        let sql = params::render(&entry.sql, &values)?;
        let validated =
            crate::pipeline::validate::validate(&sql, &catalog, engine.binding(), config.pipeline.row_limit)
                .map_err(|e| format!("validation: {e}"))?;
        let opts = ExecOptions { row_cap: config.pipeline.row_limit as usize, ..ExecOptions::default() };
        let rows = engine.execute(&validated, &opts).await.map_err(|e| format!("{}: {e}", engine.name()))?;
        Ok::<_, String>(rows.rows.len())
    }
    .await;
    EntryCheck { id: entry.id.clone(), result }
}

async fn check(config: &Config) -> anyhow::Result<ExitCode> {
    let library = match Library::from_config(&config.library) {
        Ok(l) => l,
        Err(err) => {
            println!("FAIL  library does not load:\n{err}");
            return Ok(ExitCode::FAILURE);
        }
    };
    println!("{} entries validated (ids, fields, parameters, SQL against the catalog)", library.entries().len());
    crate::pipeline::cli::ensure_sample_lake(config).await?;
    let engine = crate::engines::from_config(config).context("cannot run entries: the engine is not available")?;
    let mut failed = 0;
    for entry in library.entries() {
        match check_entry(config, engine.as_ref(), entry).await.result {
            Ok(rows) => println!("  OK    {:<40} {rows} row(s)", entry.id),
            Err(reason) => {
                failed += 1;
                println!("  FAIL  {:<40} {reason}", entry.id);
            }
        }
    }
    let total = library.entries().len();
    println!("\n{} of {total} entries ran on {}; {failed} failed.", total - failed, engine.name());
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

async fn matches(config: &Config, question: &str) -> anyhow::Result<ExitCode> {
    let retriever = HybridRetriever::from_config(config).await?;
    let tz = chrono_tz::Tz::from_str(&config.pipeline.timezone)
        .map_err(|e| anyhow::anyhow!("[pipeline] timezone {}: {e}", config.pipeline.timezone))?;
    let now = Utc::now();
    let (slots, scored_text) = retriever.slots(question, now, tz);
    println!("question: {question}");
    if let Some(phrase) = &slots.window_phrase
        && let Some(w) = slots.window
    {
        println!("time: \"{phrase}\" → {} .. {} UTC", w.start.format("%F %T"), w.end.format("%F %T"));
    }
    for (label, list) in [("ip", &slots.ips), ("account", &slots.accounts), ("principal", &slots.principals)] {
        if !list.is_empty() {
            println!("{label}: {}", list.join(", "));
        }
    }
    println!("threshold: {:.2}\n", retriever.threshold());
    for (n, scored) in retriever.rank(&scored_text).await.iter().take(config.library.top_k.max(3)).enumerate() {
        let entry = &retriever.library().entries()[scored.entry];
        let res = resolve(entry, &slots, now);
        let verdict = if n > 0 || scored.score < retriever.threshold() {
            "example".to_string()
        } else if !res.complete() {
            let mut why: Vec<String> = res.missing.iter().map(|k| format!("needs {}", k.name())).collect();
            why.extend(res.unexpected.iter().map(|u| format!("cannot take {u}")));
            format!("example ({})", why.join("; "))
        } else {
            "VERIFIED (answers without the model)".to_string()
        };
        println!("{:>5.3}  {:<36} {verdict}", scored.score, entry.id);
        println!("       en: {}\n       ko: {}", entry.question_en, entry.question_ko);
        if n == 0 {
            println!("{}", render_for_example(entry, &res, now).trim());
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! `asklake ask`: answer one question in the terminal (answer, table, SQL, attempts, bytes scanned, time).

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::{Answer, Asker, Outcome, Pipeline, PipelineParts, Progress, ProgressSink, Question};
use crate::catalog::Catalog;
use crate::config::{Config, DuckDbSource, EngineKind};
use crate::engines::QueryResult;
use crate::templates::Templates;

/// Rows printed in the terminal table.
const PRINTED_ROWS: usize = 50;

/// Runs `asklake ask`; `now` pins the clock (prompt, time windows, library windows and, on DuckDB, the engine's
/// `current_timestamp`); with `chart`, the answer's chart is also written there as PNG.
pub async fn ask(
    config: &Config,
    question: &str,
    now: Option<DateTime<Utc>>,
    chart: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    ensure_sample_lake_at(config, now.unwrap_or_else(Utc::now)).await?;
    let llm = crate::llm::from_config(config).await.context("could not set up the language model")?;
    let pipeline = build_at(config, llm, now).await?;
    let cancel = CancellationToken::new();
    let ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            ctrl_c.cancel();
        }
    });
    let answer =
        pipeline.ask(Question { text: question.to_owned(), history: Vec::new() }, &StderrProgress, cancel).await;
    print!("{}", render(&answer, config.timezone()));
    write_chart(&answer, chart, config.timezone())?;
    Ok(match answer.outcome {
        Outcome::Answered | Outcome::NoRows | Outcome::Declined => ExitCode::SUCCESS,
        Outcome::NeedsModel { .. } => ExitCode::from(2),
        Outcome::Failed => ExitCode::FAILURE,
    })
}

/// Runs `asklake ask --run ENTRY --param …`: one verified entry with the given parameters, no model; with
/// `chart`, the answer's chart is also written there as PNG.
pub async fn run_offer(
    config: &Config,
    entry: &str,
    params: &[String],
    chart: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let params = crate::library::OfferParams::from_cli_args(params).context("bad --param")?;
    ensure_sample_lake(config).await?;
    let pipeline = build(config).await?;
    let offer = crate::library::Offer { entry: entry.to_owned(), question: entry.to_owned(), params };
    let answer = pipeline.run_offer(&offer, &StderrProgress, CancellationToken::new()).await;
    print!("{}", render(&answer, config.timezone()));
    write_chart(&answer, chart, config.timezone())?;
    Ok(if answer.outcome == Outcome::Failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Writes the answer's chart to `path` when one was asked for, or says on stderr why there is none.
fn write_chart(answer: &Answer, path: Option<&Path>, tz: chrono_tz::Tz) -> anyhow::Result<()> {
    let Some(path) = path else { return Ok(()) };
    match crate::chart::for_answer(answer, tz).context("could not draw the chart")? {
        Some(png) => {
            std::fs::write(path, png).with_context(|| format!("could not write the chart to {}", path.display()))?;
            eprintln!("asklake: chart written to {}", path.display());
        }
        None => eprintln!("asklake: {}; {} was not written", crate::chart::NO_CHART, path.display()),
    }
    Ok(())
}

/// Builds the pipeline from config: engine, model, catalog, retrieval, templates.
pub async fn build(config: &Config) -> anyhow::Result<Pipeline> {
    let llm = crate::llm::from_config(config).await.context("could not set up the language model")?;
    build_with(config, llm).await
}

/// Like [`build`] with the model already built (so `serve` shares one client with the change feed).
pub async fn build_with(config: &Config, llm: Option<Arc<dyn crate::llm::Llm>>) -> anyhow::Result<Pipeline> {
    build_at(config, llm, None).await
}

/// Like [`build_with`]; a `Some(now)` freezes the pipeline's clock and the DuckDB engine's `current_timestamp`.
pub async fn build_at(
    config: &Config,
    llm: Option<Arc<dyn crate::llm::Llm>>,
    now: Option<DateTime<Utc>>,
) -> anyhow::Result<Pipeline> {
    let pipeline = with_lake_sources(config, Pipeline::new(parts_at(config, llm, now).await?)).await;
    Ok(match now {
        Some(now) => pipeline.with_clock(Arc::new(move || now)),
        None => pipeline,
    })
}

/// Offers `pipeline`'s model only the lake's sources that exist (listed now) and answers questions about the
/// others with how to enable them.
pub async fn with_lake_sources(config: &Config, pipeline: Pipeline) -> Pipeline {
    let catalog = (*pipeline.parts.catalog).clone();
    let binding = crate::catalog::Binding::from_config(config);
    let sources = super::sources::discover(config, &catalog, &binding).await;
    tracing::info!(on = ?sources.on, off = ?sources.off.iter().map(|(t, _)| t).collect::<Vec<_>>(), "lake sources");
    pipeline.with_sources(catalog, sources, &config.lake_region().replace('_', "-"))
}

/// The parts [`build_at`] assembles (for callers that wrap one of them, such as `asklake eval`).
pub async fn parts_at(
    config: &Config,
    llm: Option<Arc<dyn crate::llm::Llm>>,
    now: Option<DateTime<Utc>>,
) -> anyhow::Result<PipelineParts> {
    let engine = crate::engines::from_config_at(config, now).context("could not set up the SQL engine")?;
    let catalog = Catalog::embedded().context("could not load the table catalog")?.with_accounts(&config.accounts());
    Ok(PipelineParts {
        config: config.pipeline.clone(),
        catalog: Arc::new(catalog),
        engine,
        llm,
        retriever: crate::library::retriever_from_config(config).await?,
        templates: Templates::embedded(),
        llm_timeout: Duration::from_secs(config.llm.timeout_secs.max(1)),
    })
}

/// Generates the sample lake with default options when DuckDB is bound to a missing sample lake file.
///
/// # Errors
/// When the lake cannot be written.
pub async fn ensure_sample_lake(config: &Config) -> anyhow::Result<()> {
    ensure_sample_lake_at(config, Utc::now()).await
}

/// Like [`ensure_sample_lake`], generating the lake as of `now`.
///
/// # Errors
/// When the lake cannot be written.
pub async fn ensure_sample_lake_at(config: &Config, now: DateTime<Utc>) -> anyhow::Result<()> {
    let path = config.duckdb.path.clone();
    if config.engine.kind != EngineKind::Duckdb || config.duckdb.source != DuckDbSource::SampleLake || path.exists() {
        return Ok(());
    }
    eprintln!("asklake: no sample lake at {}; generating one (about a minute)…", path.display());
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("could not create {}", parent.display()))?;
    }
    let opts = crate::sample::GenerateOptions {
        out: path.clone(),
        rows: 200_000,
        seed: 42,
        now,
        parquet_dir: None,
        cloudtrail_dir: None,
        force: false,
    };
    tokio::task::spawn_blocking(move || crate::sample::generate(&opts))
        .await
        .context("sample generation task failed")?
        .with_context(|| format!("could not generate the sample lake at {}", path.display()))?;
    eprintln!("asklake: sample lake written to {}", path.display());
    Ok(())
}

struct StderrProgress;

#[async_trait::async_trait]
impl ProgressSink for StderrProgress {
    async fn update(&self, progress: Progress) {
        let line = match progress {
            Progress::Retrieving => "looking up verified queries…".to_owned(),
            Progress::Generating { attempt, max } => format!("writing SQL (attempt {attempt}/{max})…"),
            Progress::Running { attempt, engine, .. } => format!("running attempt {attempt} on {engine}…"),
            Progress::Answering => "writing the answer…".to_owned(),
        };
        eprintln!("asklake: {line}");
    }
}

/// The terminal rendering of an answer; the table's times are on the `tz` clock.
pub fn render(answer: &Answer, tz: chrono_tz::Tz) -> String {
    let mut out = format!("{}\n", answer.text);
    if let Some(result) = &answer.result {
        out.push('\n');
        out.push_str(&table(result, PRINTED_ROWS, tz));
        if let Some(total) = result.stats.matched_total {
            let _ = writeln!(out, "{}", super::total::caption(answer.language, result.rows.len(), total));
        } else {
            let more = if result.truncated { " (more rows exist beyond the row cap)" } else { "" };
            let _ = writeln!(out, "{} row(s){more}", result.rows.len());
        }
    }
    if let Some(sql) = &answer.sql {
        let _ = writeln!(out, "\nSQL:\n{sql}");
    }
    if let Some(id) = &answer.verified {
        let _ = writeln!(out, "\nverified query: {id}");
    }
    if !answer.offers.is_empty() {
        let _ = writeln!(out, "\nverified questions you can run with the details from yours:");
        for offer in &answer.offers {
            let params: String = offer.params.to_cli_args().iter().map(|a| format!(" --param {a}")).collect();
            let _ = writeln!(out, "  • {}\n    asklake ask --run {}{params}", offer.question, offer.entry);
        }
    }
    let failed = answer.attempts.iter().filter(|a| a.error.is_some()).count();
    let tokens: u32 = answer.attempts.iter().map(|a| a.input_tokens + a.output_tokens).sum();
    let scanned = answer.result.as_ref().and_then(|r| crate::engines::scan::note(&r.stats, answer.language));
    let _ = writeln!(
        out,
        "\n{} attempt(s) ({failed} failed), {tokens} tokens, engine {}{}, {:.1}s",
        answer.attempts.len(),
        answer.engine,
        scanned.map(|s| format!(", {s}")).unwrap_or_default(),
        answer.elapsed.as_secs_f64()
    );
    out
}

/// The answer's table: the first `max_rows` rows, times on the `tz` clock, and how many more there are.
fn table(result: &QueryResult, max_rows: usize, tz: chrono_tz::Tz) -> String {
    use crate::engines::format;
    let mut out = format::table_in(result, format::DEFAULT_MAX_CELL_WIDTH, tz, max_rows);
    if result.rows.len() > max_rows {
        let _ = writeln!(out, "… {} more row(s)", result.rows.len() - max_rows);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::engines::{ColumnMeta, ColumnType, QueryResult, Value};
    use crate::pipeline::{Language, Outcome};

    fn listing(rows: usize, matched_total: Option<u64>, language: Language) -> Answer {
        let mut result = QueryResult {
            columns: vec![ColumnMeta { name: "api_operation".into(), ty: ColumnType::Text }],
            rows: (0..rows).map(|i| vec![Value::Text(format!("Op{i}"))]).collect(),
            ..QueryResult::default()
        };
        result.stats.matched_total = matched_total;
        Answer {
            question: "failed calls".into(),
            language,
            text: "answer".into(),
            outcome: Outcome::Answered,
            sql: Some("SELECT api_operation FROM cloudtrail LIMIT 200".into()),
            result: Some(result),
            attempts: Vec::new(),
            verified: None,
            engine: "duckdb".into(),
            elapsed: Duration::from_millis(5),
            offers: Vec::new(),
        }
    }

    #[test]
    fn the_terminal_table_says_how_many_rows_a_cut_listing_matched() {
        assert!(render(&listing(200, Some(540), Language::En), chrono_tz::UTC).contains("showing 200 of 540 rows"));
        assert!(render(&listing(200, Some(540), Language::Ko), chrono_tz::UTC).contains("540행 중 200행 표시"));
        let whole = render(&listing(200, None, Language::En), chrono_tz::UTC);
        assert!(whole.contains("200 row(s)") && !whole.contains(" of "), "{whole}");
    }
}

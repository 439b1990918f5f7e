//! `asklake eval`: builds the model (live, replayed, scripted; optionally recorded), the pipeline at a frozen
//! "now" with the ablation switches, runs the dev set, and prints the Markdown or JSON report.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::devset::DevSet;
use super::report::{Report, ablation_table};
use super::run::{AblatedRetriever, Ablation, Harness};
use super::scripted::ScriptedLlm;
use crate::config::{Config, LlmProvider};
use crate::llm::Llm;
use crate::llm::record::{CallLabel, RecordingLlm, ReplayLlm};
use crate::pipeline::Pipeline;

/// Report format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Markdown tables and failures.
    #[default]
    Md,
    /// The whole report as JSON.
    Json,
}

/// `asklake eval` options.
#[derive(Debug, Clone, clap::Args)]
pub struct EvalArgs {
    /// Pretend "now" is this RFC 3339 time (default: the dev set's `now`, which its gold SQL was written for).
    #[arg(long)]
    pub now: Option<DateTime<Utc>>,
    /// Dev set file (default: `[eval] devset`).
    #[arg(long)]
    pub devset: Option<PathBuf>,
    /// Answer from this recording instead of the configured model.
    #[arg(long, conflicts_with = "scripted_replies")]
    pub replay: Option<PathBuf>,
    /// Save every model request and reply into this folder.
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Answer with hand-written replies from this file (gold SQL for questions it does not list); used with
    /// `--record` to author a recording where no model is reachable.
    #[arg(long)]
    pub scripted_replies: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    pub format: ReportFormat,
    /// Also write the report to this file.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Ablation: no few-shot examples from the verified library.
    #[arg(long)]
    pub no_library_examples: bool,
    /// Ablation: no verified short-circuit.
    #[arg(long)]
    pub no_short_circuit: bool,
    /// Ablation: one attempt, no regeneration.
    #[arg(long)]
    pub no_retry: bool,
    /// Ablation: no empty-result check turn.
    #[arg(long)]
    pub no_empty_check: bool,
    /// Run the full pipeline and each single ablation, and print one comparison table.
    #[arg(long)]
    pub ablations: bool,
    /// Only questions whose id or category contains this text.
    #[arg(long)]
    pub only: Option<String>,
}

/// Runs `asklake eval`. Exit 0 when every recorded request was found and all gold SQL ran; 3 when a replayed
/// recording lacked replies (changed requests) or a gold SQL failed.
pub async fn run(config: &Config, args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let path = args.devset.clone().unwrap_or_else(|| config.eval.devset.clone());
    let mut set = DevSet::load(&path)?;
    if let Some(only) = &args.only {
        set.questions.retain(|c| c.id.contains(only.as_str()) || c.category.contains(only.as_str()));
    }
    let now = args.now.unwrap_or(set.now);
    let mut config = config.clone();
    // One DuckDB thread: results (and so summary requests) come back in the same order on every run.
    config.duckdb.threads = 1;
    crate::pipeline::cli::ensure_sample_lake_at(&config, now).await?;
    let ablations: Vec<Ablation> = if args.ablations {
        let one = Ablation::default();
        vec![
            one,
            Ablation { no_library_examples: true, ..one },
            Ablation { no_short_circuit: true, ..one },
            Ablation { no_retry: true, ..one },
            Ablation { no_empty_check: true, ..one },
        ]
    } else {
        vec![Ablation {
            no_library_examples: args.no_library_examples,
            no_short_circuit: args.no_short_circuit,
            no_retry: args.no_retry,
            no_empty_check: args.no_empty_check,
        }]
    };
    let mut reports = Vec::new();
    for ablation in ablations {
        let harness = harness(&config, args, &set, now, ablation).await?;
        eprintln!("asklake eval: {} questions, {} …", set.questions.len(), ablation.name());
        let cases = harness.run(&set).await;
        reports.push(Report::new(ablation.name(), now.to_rfc3339(), cases));
    }
    let text = if args.ablations {
        let mut t = ablation_table(&reports);
        if args.format == ReportFormat::Json {
            t = serde_json::to_string_pretty(&reports).context("could not serialise the report")?;
        }
        t
    } else {
        match args.format {
            ReportFormat::Md => reports[0].markdown(),
            ReportFormat::Json => {
                serde_json::to_string_pretty(&reports[0]).context("could not serialise the report")?
            }
        }
    };
    println!("{text}");
    if let Some(out) = &args.out {
        std::fs::write(out, &text).with_context(|| format!("could not write {}", out.display()))?;
    }
    let trouble = reports.iter().any(|r| r.overall.changed_requests > 0 || r.overall.broken_gold > 0);
    Ok(if trouble { ExitCode::from(3) } else { ExitCode::SUCCESS })
}

/// Builds the model, the pipeline and the harness for one configuration.
async fn harness(
    config: &Config,
    args: &EvalArgs,
    set: &DevSet,
    now: DateTime<Utc>,
    ablation: Ablation,
) -> anyhow::Result<Harness> {
    let label = CallLabel::default();
    let replay_dir = args.replay.clone().or_else(|| {
        (config.llm.provider == LlmProvider::Replay && args.scripted_replies.is_none())
            .then(|| config.llm.replay_dir.clone())
    });
    let mut replay = None;
    let mut llm: Option<Arc<dyn Llm>> = if let Some(dir) = &replay_dir {
        let r = Arc::new(ReplayLlm::open(dir, label.clone())?);
        replay = Some(r.clone());
        Some(r)
    } else if let Some(file) = &args.scripted_replies {
        Some(Arc::new(ScriptedLlm::load(file, set, label.clone())?))
    } else {
        crate::llm::from_config(config).await.context("could not set up the language model")?
    };
    if let (Some(dir), Some(inner)) = (&args.record, llm.clone()) {
        let author = if args.scripted_replies.is_some() {
            "hand-written (asklake eval --scripted-replies), not a model".to_owned()
        } else {
            format!("model {}", config.llm.model_id)
        };
        llm = Some(Arc::new(RecordingLlm::new(inner, dir.clone(), label.clone(), author)));
    }
    let mut parts = crate::pipeline::cli::parts_at(config, llm, Some(now)).await?;
    parts.retriever = Arc::new(AblatedRetriever { inner: parts.retriever.clone(), ablation });
    if ablation.no_retry {
        parts.config.max_attempts = 1;
    }
    let (engine, catalog, row_limit) = (parts.engine.clone(), parts.catalog.clone(), parts.config.row_limit);
    let pipeline = crate::pipeline::cli::with_lake_sources(config, Pipeline::new(parts))
        .await
        .with_clock(Arc::new(move || now))
        .with_empty_check(!ablation.no_empty_check);
    let price = config.eval.prices.get(&config.llm.model_id).map(|p| (p.input_per_mtok, p.output_per_mtok));
    Ok(Harness { pipeline, engine, catalog, row_limit, label, replay, price })
}

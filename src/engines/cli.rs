//! `asklake sql`: run SQL over the logical tables and print the result.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use super::{EngineError, ExecOptions, format};
use crate::catalog::{Binding, Catalog};
use crate::cli::SqlArgs;
use crate::config::Config;
use crate::pipeline::validate::{ValidationError, validate};

/// Exit code for SQL refused by validation.
const EXIT_INVALID_SQL: u8 = 2;
/// Exit code for engine failures (data source, query error, timeout).
const EXIT_ENGINE: u8 = 3;

/// Runs `asklake sql`.
pub async fn sql(config: &Config, args: &SqlArgs) -> anyhow::Result<ExitCode> {
    let catalog = Catalog::embedded()?;
    let row_limit = config.pipeline.row_limit;
    if args.explain {
        let binding = Binding::from_config(config);
        return Ok(match validate(&args.sql, &catalog, &binding, row_limit) {
            Ok(v) => {
                eprintln!("-- bound to {}", binding.describe());
                for table in v.unbounded_tables() {
                    eprintln!(
                        "-- note: no event_time bound on {table}: every partition is read; add \
                         `event_time >= …` to prune"
                    );
                }
                println!("{};", v.executable());
                ExitCode::SUCCESS
            }
            Err(e) => validation_failed(&e),
        });
    }
    // Validate before opening the engine so bad SQL is reported even without data.
    if let Err(e) = validate(&args.sql, &catalog, &Binding::from_config(config), row_limit) {
        return Ok(validation_failed(&e));
    }
    let engine = match super::from_config(config) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Ok(ExitCode::from(EXIT_ENGINE));
        }
    };
    let validated = match validate(&args.sql, &catalog, engine.binding(), row_limit) {
        Ok(v) => v,
        Err(e) => return Ok(validation_failed(&e)),
    };
    let cancel = CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let opts = ExecOptions {
        row_cap: usize::try_from(row_limit).context("[pipeline] row_limit is too large")?,
        timeout: Duration::from_secs(config.pipeline.question_timeout_secs.max(1)),
        cancel,
        reuse: false,
    };
    match engine.execute(&validated, &opts).await {
        Ok(result) => {
            print!("{}", format::render(&result, args.format));
            if args.format == crate::cli::OutputFormat::Table {
                let more = if result.truncated {
                    format!(", more rows exist (limit {})", validated.limit())
                } else {
                    String::new()
                };
                eprintln!(
                    "({} rows in {} ms on {}{more})",
                    result.rows.len(),
                    result.stats.elapsed.as_millis(),
                    engine.name()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("hint: {}", engine_hint(&e));
            Ok(ExitCode::from(EXIT_ENGINE))
        }
    }
}

fn validation_failed(e: &ValidationError) -> ExitCode {
    eprintln!("error: {e}");
    let hint = match e {
        ValidationError::Syntax(_) => "fix the SQL syntax (Trino/Athena SQL over the logical tables).",
        ValidationError::NotReadOnly(_) => {
            "send exactly one SELECT over cloudtrail or vpcflow; nothing that writes or reads files."
        }
        ValidationError::UnknownTable { .. } => {
            "read from the logical tables listed above (not the raw Security Lake tables)."
        }
        ValidationError::UnknownColumn { .. } => {
            "use one of the suggested columns; `prompts/catalog.toml` lists them all."
        }
        ValidationError::NotAllowed(_) => "rewrite the part the error names as it says (allowed functions only).",
    };
    eprintln!("hint: {hint}");
    ExitCode::from(EXIT_INVALID_SQL)
}

fn engine_hint(e: &EngineError) -> String {
    match e {
        EngineError::Query { .. } => {
            "the engine rejected the query; check functions and types (Trino SQL, DuckDB shims).".into()
        }
        other => other.user_message(),
    }
}

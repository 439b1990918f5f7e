//! Feedback hook: a 👍 answer becomes a candidate entry in the review file, never in the served library.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use chrono::Utc;
use serde::Serialize;

use super::entry::Entry;
use super::text::is_hangul;

#[derive(Serialize)]
struct CandidateFile<'a> {
    entry: Vec<Candidate<'a>>,
}

#[derive(Serialize)]
struct Candidate<'a> {
    #[serde(flatten)]
    entry: &'a Entry,
    asker: &'a str,
    answer_summary: &'a str,
    filed_at: String,
}

/// Appends a candidate entry for `question` → `sql` to the review file at `path` (created if missing) and
/// returns its generated id. The entry has `status = "candidate"`; a reviewer adds paraphrases and parameters
/// and moves it into `prompts/library/`.
pub fn file_candidate(
    path: &Path,
    question: &str,
    sql: &str,
    asker: &str,
    answer_summary: &str,
) -> anyhow::Result<String> {
    anyhow::ensure!(!question.trim().is_empty(), "a candidate needs the question that was asked");
    anyhow::ensure!(!sql.trim().is_empty(), "a candidate needs the SQL that answered the question");
    let now = Utc::now();
    let id = format!("candidate-{}-{}", now.format("%Y%m%d%H%M%S"), &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let korean = question.chars().any(is_hangul);
    let entry = Entry {
        id: id.clone(),
        question_en: if korean { String::new() } else { question.trim().to_string() },
        question_ko: if korean { question.trim().to_string() } else { String::new() },
        sql: sql.trim().to_string(),
        status: Some("candidate".into()),
        ..Entry::default()
    };
    let file =
        CandidateFile { entry: vec![Candidate { entry: &entry, asker, answer_summary, filed_at: now.to_rfc3339() }] };
    let text = toml::to_string(&file).context("could not write the candidate as TOML")?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    }
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("could not open the candidates file {}", path.display()))?;
    writeln!(out, "\n{text}").with_context(|| format!("could not append to {}", path.display()))?;
    tracing::info!(id = %id, file = %path.display(), "filed a library candidate");
    Ok(id)
}

/// Reads the candidates in a review file (for reviewers and tests).
pub fn read_candidates(path: &Path) -> anyhow::Result<Vec<toml::Table>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))?;
    let mut table: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
    let entries = match table.remove("entry") {
        Some(toml::Value::Array(items)) => items,
        _ => Vec::new(),
    };
    Ok(entries.into_iter().filter_map(|v| v.as_table().cloned()).collect())
}

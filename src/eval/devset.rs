//! The golden dev set file (`eval/devset.toml`): questions with gold SQL over the logical tables, a category,
//! how to compare, and what a correct outcome is.

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::matcher::MatchSpec;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevSet {
    /// The "now" the gold SQL was written for (the sample lake is generated at the same time).
    pub now: DateTime<Utc>,
    /// Questions, in run order (a follow-up comes after the question it follows).
    #[serde(rename = "q")]
    pub questions: Vec<Case>,
}

/// What a correct outcome is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// Rows that match the gold result (or "none" when the gold result is empty).
    #[default]
    Rows,
    /// The model declines: the tables cannot answer this (or it is an injection attempt).
    Decline,
}

/// One question.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Stable id.
    pub id: String,
    /// Category the report groups by.
    pub category: String,
    /// The question as an analyst would type it.
    pub question: String,
    /// Gold SQL over the logical tables (absent for declines).
    #[serde(default)]
    pub gold: Option<String>,
    /// Other accepted readings (e.g. "this week" since Monday vs. the last 7 days).
    #[serde(default)]
    pub alternatives: Vec<String>,
    /// How results are compared.
    #[serde(default, rename = "match")]
    pub spec: MatchSpec,
    /// What a correct outcome is.
    #[serde(default)]
    pub expect: Expect,
    /// Id of the question this one follows in the same thread.
    #[serde(default)]
    pub follows: Option<String>,
    /// Where the question comes from or what it checks (free text).
    #[serde(default)]
    pub note: String,
}

impl Case {
    /// Every accepted gold SQL, main first.
    pub fn golds(&self) -> impl Iterator<Item = &str> {
        self.gold.iter().map(String::as_str).chain(self.alternatives.iter().map(String::as_str))
    }
}

impl DevSet {
    /// Reads and checks a dev set file.
    ///
    /// # Errors
    /// When the file cannot be read or parsed, ids repeat, a follow-up names an unknown or later question, or a
    /// rows question has no gold SQL.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))?;
        let set: DevSet =
            toml::from_str(&text).with_context(|| format!("{} is not a valid dev set", path.display()))?;
        set.check().with_context(|| format!("{} is inconsistent", path.display()))?;
        Ok(set)
    }

    fn check(&self) -> anyhow::Result<()> {
        let mut seen = HashSet::new();
        for c in &self.questions {
            if let Some(parent) = &c.follows {
                anyhow::ensure!(seen.contains(parent.as_str()), "{}: follows {parent}, which is not before it", c.id);
            }
            anyhow::ensure!(seen.insert(c.id.as_str()), "{}: id used twice", c.id);
            anyhow::ensure!(
                c.expect == Expect::Decline || c.gold.is_some(),
                "{}: a rows question needs gold SQL",
                c.id
            );
        }
        Ok(())
    }
}

//! One library entry as written in `prompts/library/*.toml`, and the per-entry checks.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::params::{self, ParamKind};

/// A verified question with its SQL over the logical tables.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Unique id (`[a-z0-9-]+`).
    #[serde(default)]
    pub id: String,
    /// The canonical English question.
    #[serde(default)]
    pub question_en: String,
    /// The canonical Korean question.
    #[serde(default)]
    pub question_ko: String,
    /// Other ways to ask in English (two or more).
    #[serde(default)]
    pub paraphrases_en: Vec<String>,
    /// Other ways to ask in Korean (two or more).
    #[serde(default)]
    pub paraphrases_ko: Vec<String>,
    /// SQL over logical tables with `{{ name }}` placeholders.
    #[serde(default)]
    pub sql: String,
    /// Parameter name → default (`""` = required from the question).
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// Topic words, also used for retrieval.
    #[serde(default)]
    pub tags: Vec<String>,
    /// `"candidate"` for unreviewed entries in the review file; absent in the served library.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Answer template in English (see [`super::answer_template`]); written with `answer_ko`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_en: Option<String>,
    /// Answer template in Korean (see [`super::answer_template`]); written with `answer_en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_ko: Option<String>,
}

impl Entry {
    /// Every question text of the entry: canonical questions first, then paraphrases.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        [self.question_en.as_str(), self.question_ko.as_str()]
            .into_iter()
            .chain(self.paraphrases_en.iter().map(String::as_str))
            .chain(self.paraphrases_ko.iter().map(String::as_str))
            .filter(|t| !t.trim().is_empty())
    }

    /// The parameter kinds the entry declares (unknown names are skipped; [`Entry::problems`] reports them).
    pub fn param_kinds(&self) -> impl Iterator<Item = (ParamKind, &str)> {
        self.params.iter().filter_map(|(name, default)| ParamKind::from_name(name).map(|k| (k, default.as_str())))
    }

    /// Whether the entry declares parameter `kind`.
    pub fn declares(&self, kind: ParamKind) -> bool {
        self.param_kinds().any(|(k, _)| k == kind)
    }

    /// Everything wrong with this entry on its own (uniqueness is checked by the loader), as reasons.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.id.is_empty() {
            out.push("missing `id`".to_string());
        } else if !self.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            out.push("`id` may only hold lowercase letters, digits and '-'".into());
        }
        for (field, value) in [("question_en", &self.question_en), ("question_ko", &self.question_ko)] {
            if value.trim().is_empty() {
                out.push(format!("missing `{field}`"));
            }
        }
        for (field, list) in [("paraphrases_en", &self.paraphrases_en), ("paraphrases_ko", &self.paraphrases_ko)] {
            if list.iter().filter(|p| !p.trim().is_empty()).count() < 2 {
                out.push(format!("`{field}` needs at least two non-empty paraphrases"));
            }
        }
        if self.status.as_deref() == Some("candidate") {
            out.push("`status = \"candidate\"` entries belong in the review file, not the served library".into());
        }
        if self.sql.trim().is_empty() {
            out.push("missing `sql`".into());
            return out;
        }
        out.extend(params::problems(self));
        out.extend(self.answer_problems());
        out
    }

    /// The answer template for `language`, if the entry has one.
    pub fn answer_template(&self, language: crate::pipeline::Language) -> Option<&str> {
        super::answer_template::pick(self.answer_en.as_deref(), self.answer_ko.as_deref(), language)
    }

    /// Answer templates come in both languages, compile, and use only the result context's names.
    fn answer_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.answer_en.is_some() != self.answer_ko.is_some() {
            out.push("`answer_en` and `answer_ko` go together: write both or neither".into());
        }
        for (field, source) in [("answer_en", &self.answer_en), ("answer_ko", &self.answer_ko)] {
            if let Some(Err(e)) = source.as_deref().map(super::answer_template::check) {
                out.push(format!("`{field}`: {e}"));
            }
        }
        out
    }
}

//! Retrieval measurement: the held-out evaluation set (recall@1/@3, false short-circuits) and a leave-one-out
//! pass over the library's own paraphrases used to tune the threshold without looking at the evaluation set.

use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::lexical::LexicalIndex;
use super::{HybridRetriever, Library, Retriever};

/// A question with the entry that should answer it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalCase {
    /// The question (not in the library).
    pub question: String,
    /// Expected entry id.
    pub expect: String,
}

/// The evaluation set file (`tests/api/data/retrieval_eval.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalSet {
    /// Questions that are not about the lake at all.
    pub off_topic: Vec<String>,
    /// Questions about the lake that no entry answers exactly.
    pub near_miss: Vec<String>,
    /// Paraphrases with their expected entry.
    pub case: Vec<EvalCase>,
}

impl EvalSet {
    /// Reads an evaluation set.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("{} is not a valid evaluation set", path.display()))
    }
}

/// Results of one evaluation.
#[derive(Debug, Clone, Default)]
pub struct EvalReport {
    /// Positive cases.
    pub cases: usize,
    /// Expected entry ranked first.
    pub hits_at_1: usize,
    /// Expected entry in the top 3.
    pub hits_at_3: usize,
    /// Positive cases answered by a short-circuit with the expected entry.
    pub correct_short_circuits: usize,
    /// Positive cases short-circuited to the wrong entry: (question, entry used).
    pub wrong_short_circuits: Vec<(String, String)>,
    /// Off-topic and near-miss questions.
    pub negatives: usize,
    /// Negatives that short-circuited: (question, entry used).
    pub false_short_circuits: Vec<(String, String)>,
    /// Positives missing from the top 3: (question, expected, top 3 ids).
    pub misses: Vec<(String, String, Vec<String>)>,
}

impl EvalReport {
    /// Recall@1.
    pub fn recall_at_1(&self) -> f64 {
        ratio(self.hits_at_1, self.cases)
    }
    /// Recall@3.
    pub fn recall_at_3(&self) -> f64 {
        ratio(self.hits_at_3, self.cases)
    }
    /// Share of negatives that short-circuited.
    pub fn false_short_circuit_rate(&self) -> f64 {
        ratio(self.false_short_circuits.len(), self.negatives)
    }
    /// Share of positives answered without the model by the right entry.
    pub fn short_circuit_coverage(&self) -> f64 {
        ratio(self.correct_short_circuits, self.cases)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Runs `set` through `retriever` (top-k is read from the first three examples).
pub async fn evaluate(retriever: &HybridRetriever, set: &EvalSet, now: DateTime<Utc>, tz: chrono_tz::Tz) -> EvalReport {
    let mut report = EvalReport { cases: set.case.len(), ..EvalReport::default() };
    for case in &set.case {
        let ranked = retriever.rank(&case.question).await;
        let ids: Vec<String> =
            ranked.iter().take(3).map(|s| retriever.library().entries()[s.entry].id.clone()).collect();
        match ids.iter().position(|id| *id == case.expect) {
            Some(0) => {
                report.hits_at_1 += 1;
                report.hits_at_3 += 1;
            }
            Some(_) => report.hits_at_3 += 1,
            None => report.misses.push((case.question.clone(), case.expect.clone(), ids)),
        }
        if let Some(v) = retriever.retrieve(&case.question, now, tz).await.verified {
            if v.id == case.expect {
                report.correct_short_circuits += 1;
            } else {
                report.wrong_short_circuits.push((case.question.clone(), v.id));
            }
        }
    }
    for question in set.off_topic.iter().chain(&set.near_miss) {
        report.negatives += 1;
        if let Some(v) = retriever.retrieve(question, now, tz).await.verified {
            report.false_short_circuits.push((question.clone(), v.id));
        }
    }
    report
}

/// Questions used only to tune the threshold (never in the evaluation set): off-topic and near-miss.
pub const TUNING_NEGATIVES: &[&str] = &[
    "How do I reset my Slack password?",
    "오늘 저녁 회식 장소 추천해줘",
    "Translate 'good morning' into Japanese",
    "What is the capital of Australia?",
    "주말에 비 와?",
    "Summarise the last sprint retro",
    "Which Lambda functions had the most cold starts?",
    "S3 객체 다운로드 횟수를 버킷별로 알려줘",
    "How much did we spend on EC2 last month?",
    "GuardDuty finding 중 심각도 높은 것만 보여줘",
    "Which RDS databases are not encrypted?",
    "Show DNS queries to known malicious domains",
    "EKS 감사 로그에서 kubectl exec 한 사람",
    "Which WAF rules blocked the most requests?",
];

/// Leave-one-out over the library's paraphrases: each paraphrase is scored against an index without it.
#[derive(Debug, Clone, Default)]
pub struct LeaveOneOut {
    /// Paraphrases tried.
    pub cases: usize,
    /// Own entry ranked first.
    pub hits_at_1: usize,
    /// Own entry in the top 3.
    pub hits_at_3: usize,
    /// Top score of each case and whether it was the right entry.
    pub top: Vec<(f32, bool)>,
    /// Top score of each tuning negative.
    pub negative_scores: Vec<f32>,
    /// Near-exact variants of library texts (a time phrase or politeness added): top score and whether right.
    pub variants: Vec<(f32, bool)>,
}

/// A near-exact variant of a library text: what someone retyping the question adds (time phrase, politeness).
pub fn variant(text: &str, k: usize) -> String {
    let base = text.trim_end_matches(['?', '.', '!']);
    let korean = text.chars().any(super::text::is_hangul);
    match (k % 4, korean) {
        (0, false) => format!("{base} in the last 24 hours"),
        (1, false) => format!("please {}", base.to_lowercase()),
        (2, false) => format!("{base} yesterday?"),
        (3, false) => format!("can you tell me: {base}"),
        (0, true) => format!("어제 {base}"),
        (1, true) => format!("최근 3일 {base} 좀"),
        (2, true) => format!("{base} 알려줘"),
        _ => format!("혹시 {base}?"),
    }
}

impl LeaveOneOut {
    /// For `threshold`: (share of near-exact variants short-circuiting correctly, wrong ones).
    pub fn variants_at(&self, threshold: f32) -> (f64, usize) {
        let right = self.variants.iter().filter(|(s, ok)| *s >= threshold && *ok).count();
        let wrong = self.variants.iter().filter(|(s, ok)| *s >= threshold && !*ok).count();
        (ratio(right, self.variants.len()), wrong)
    }

    /// For `threshold`: (share of paraphrases that would short-circuit correctly, wrong ones, negatives over it).
    pub fn at(&self, threshold: f32) -> (f64, usize, usize) {
        let right = self.top.iter().filter(|(s, ok)| *s >= threshold && *ok).count();
        let wrong = self.top.iter().filter(|(s, ok)| *s >= threshold && !*ok).count();
        let neg = self.negative_scores.iter().filter(|s| **s >= threshold).count();
        (ratio(right, self.cases), wrong, neg)
    }
}

/// Runs the leave-one-out pass (lexical scores only).
pub fn leave_one_out(library: &Library) -> LeaveOneOut {
    let entries = library.entries();
    let all: Vec<(usize, String)> =
        entries.iter().enumerate().flat_map(|(i, e)| e.texts().map(move |t| (i, t.to_string()))).collect();
    let tags: Vec<Vec<String>> = entries.iter().map(|e| e.tags.clone()).collect();
    let mut out = LeaveOneOut::default();
    for (held, (entry, text)) in all.iter().enumerate() {
        let rest: Vec<(usize, String)> =
            all.iter().enumerate().filter(|(j, _)| *j != held).map(|(_, t)| t.clone()).collect();
        let scores = LexicalIndex::build(&rest, &tags).scores(text);
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
        let pos = order.iter().position(|i| i == entry);
        out.cases += 1;
        out.hits_at_1 += usize::from(pos == Some(0));
        out.hits_at_3 += usize::from(pos.is_some_and(|p| p < 3));
        out.top.push((scores[order[0]], order[0] == *entry));
    }
    let full = LexicalIndex::build(&all, &tags);
    out.negative_scores = TUNING_NEGATIVES.iter().map(|q| full.scores(q).into_iter().fold(0.0f32, f32::max)).collect();
    for (k, (entry, text)) in all.iter().enumerate() {
        let scores = full.scores(&variant(text, k));
        let best = (0..scores.len()).max_by(|a, b| scores[*a].total_cmp(&scores[*b])).unwrap_or(0);
        out.variants.push((scores.get(best).copied().unwrap_or(0.0), best == *entry));
    }
    out
}

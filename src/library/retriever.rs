//! [`HybridRetriever`]: lexical scores (always) fused with dense embeddings (when configured), parameter
//! resolution, and the short-circuit decision.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::dense::DenseIndex;
use super::embed::Embedder;
use super::entry::Entry;
use super::extract::{Slots, extract};
use super::lexical::LexicalIndex;
use super::params::{self, ParamKind, Values, Window};
use super::text::is_hangul;
use super::{Example, Library, Retrieval, Retriever};

/// Weight of the dense cosine in the fused score when embeddings are available.
const DENSE_WEIGHT: f32 = 0.5;

/// One entry's score for a question.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scored {
    /// Index into [`Library::entries`].
    pub entry: usize,
    /// Fused score in [0, 1].
    pub score: f32,
    /// Lexical part.
    pub lexical: f32,
    /// Dense part, when embeddings were used.
    pub dense: Option<f32>,
}

/// How an entry's parameters resolve for a question.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resolution {
    /// Values for rendering (defaults and question slots).
    pub values: Values,
    /// Required parameters the question did not give.
    pub missing: Vec<ParamKind>,
    /// Things the question names that the entry cannot take (a specific IP for an entry without `ip`, …).
    pub unexpected: Vec<String>,
}

impl Resolution {
    /// Whether the entry can run as-is for the question.
    pub fn complete(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty()
    }
}

/// Resolves `entry`'s parameters from the question's `slots`, defaults and `now`.
pub fn resolve(entry: &Entry, slots: &Slots, now: DateTime<Utc>) -> Resolution {
    let mut res = Resolution::default();
    if slots.unresolved_time {
        res.unexpected.push("a date or time range that could not be resolved".into());
    }
    let found = |kind: ParamKind| -> &[String] {
        match kind {
            ParamKind::Ip => &slots.ips,
            ParamKind::Account => &slots.accounts,
            ParamKind::Principal => &slots.principals,
            ParamKind::Port => &slots.ports,
            ParamKind::Region => &slots.regions,
            ParamKind::Window => &[],
        }
    };
    for kind in [ParamKind::Ip, ParamKind::Account, ParamKind::Principal, ParamKind::Port, ParamKind::Region] {
        let given = found(kind);
        let declared = entry.param_kinds().find(|(k, _)| *k == kind).map(|(_, d)| d);
        match (declared, given) {
            (None, []) => {}
            (None, values) => res.unexpected.push(format!("{} {}", kind.name(), values.join(", "))),
            (Some(_), [one]) => {
                res.values.scalars.insert(kind, one.clone());
            }
            (Some(_), [_, _, ..]) => res.unexpected.push(format!("more than one {}", kind.name())),
            (Some(""), []) => res.missing.push(kind),
            (Some(default), []) => {
                res.values.scalars.insert(kind, default.to_string());
            }
        }
    }
    if let Some((_, default)) = entry.param_kinds().find(|(k, _)| *k == ParamKind::Window) {
        let span = params::parse_window(default).unwrap_or(chrono::Duration::days(7));
        res.values.window = Some(slots.window.unwrap_or(Window { start: now - span, end: now }));
    }
    res
}

/// Renders an entry for showing or few-shot use: missing required parameters get example values.
pub fn render_for_example(entry: &Entry, res: &Resolution, now: DateTime<Utc>) -> String {
    let mut values = params::defaults_with_examples(entry, now);
    values.scalars.extend(res.values.scalars.clone());
    if res.values.window.is_some() {
        values.window = res.values.window;
    }
    params::render(&entry.sql, &values).unwrap_or_else(|_| entry.sql.clone())
}

/// Lexical + optional dense retrieval over a [`Library`].
pub struct HybridRetriever {
    library: Arc<Library>,
    index: LexicalIndex,
    dense: Option<DenseIndex>,
    threshold: f32,
    top_k: usize,
}

impl std::fmt::Debug for HybridRetriever {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HybridRetriever")
            .field("entries", &self.library.entries().len())
            .field("dense", &self.dense.is_some())
            .field("threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

/// Builds the lexical index of a library.
pub fn index_library(library: &Library) -> LexicalIndex {
    let texts: Vec<(usize, String)> =
        library.entries().iter().enumerate().flat_map(|(i, e)| e.texts().map(move |t| (i, t.to_string()))).collect();
    let tags: Vec<Vec<String>> = library.entries().iter().map(|e| e.tags.clone()).collect();
    LexicalIndex::build(&texts, &tags)
}

impl HybridRetriever {
    /// Lexical retrieval over `library`, short-circuiting at `threshold`, offering `top_k` examples.
    pub fn new(library: Library, threshold: f32, top_k: usize) -> Self {
        let index = index_library(&library);
        Self { library: Arc::new(library), index, dense: None, threshold, top_k }
    }

    /// Adds dense embeddings (fused with the lexical score); library texts are embedded on first use or [`warm`].
    ///
    /// [`warm`]: HybridRetriever::warm
    pub fn with_embedder(self, embedder: Arc<dyn Embedder>) -> Self {
        let dense = DenseIndex::new(embedder, self.library.clone());
        self.with_dense(dense)
    }

    /// Adds dense embeddings with library texts embedded by `texts` (typically cached on disk) and questions by
    /// `questions` (typically uncached).
    pub fn with_embedders(self, texts: Arc<dyn Embedder>, questions: Arc<dyn Embedder>) -> Self {
        let dense = DenseIndex::new(texts, self.library.clone()).with_question_embedder(questions);
        self.with_dense(dense)
    }

    fn with_dense(mut self, dense: DenseIndex) -> Self {
        self.dense = Some(dense);
        self
    }

    /// Embeds every library text now when embeddings are configured; returns how many texts have vectors.
    ///
    /// # Errors
    /// When the embedding model fails; retrieval stays lexical until embeddings work.
    pub async fn warm(&self) -> Result<usize, super::embed::EmbedError> {
        match &self.dense {
            Some(dense) => dense.warm().await,
            None => Ok(0),
        }
    }

    /// Whether dense embeddings are configured (they may still be unavailable at run time).
    pub fn has_embeddings(&self) -> bool {
        self.dense.is_some()
    }

    /// The library served.
    pub fn library(&self) -> &Library {
        &self.library
    }

    /// The short-circuit threshold.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// Every entry scored for `question`, best first.
    pub async fn rank(&self, question: &str) -> Vec<Scored> {
        let lexical = self.index.scores(question);
        let dense = match &self.dense {
            Some(d) => d.scores(question).await,
            None => None,
        };
        let mut out: Vec<Scored> = lexical
            .iter()
            .enumerate()
            .map(|(entry, &lex)| {
                let d = dense.as_ref().map(|d| d[entry]);
                let score = d.map_or(lex, |d| (1.0 - DENSE_WEIGHT) * lex + DENSE_WEIGHT * d);
                Scored { entry, score, lexical: lex, dense: d }
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        out
    }

    fn example(&self, scored: &Scored, korean: bool, sql: String) -> Example {
        let entry = &self.library.entries()[scored.entry];
        let question = if korean { &entry.question_ko } else { &entry.question_en };
        Example { id: entry.id.clone(), question: question.clone(), sql, score: scored.score }
    }
}

#[async_trait::async_trait]
impl Retriever for HybridRetriever {
    #[tracing::instrument(name = "library_retrieve", skip_all)]
    async fn retrieve(&self, question: &str, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Retrieval {
        let korean = question.chars().any(is_hangul);
        let slots = extract(question, now, tz);
        let ranked = self.rank(question).await;
        let mut retrieval = Retrieval::default();
        for (n, scored) in ranked.iter().take(self.top_k.max(1)).enumerate() {
            let entry = &self.library.entries()[scored.entry];
            let res = resolve(entry, &slots, now);
            if n == 0
                && scored.score >= self.threshold
                && res.complete()
                && let Ok(sql) = params::render(&entry.sql, &res.values)
            {
                retrieval.verified = Some(self.example(scored, korean, sql));
            }
            if n < self.top_k {
                retrieval.examples.push(self.example(scored, korean, render_for_example(entry, &res, now)));
            }
        }
        tracing::debug!(verified = retrieval.verified.is_some(), top = ?retrieval.examples.first().map(|e| &e.id), "retrieved");
        retrieval
    }
}

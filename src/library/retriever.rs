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
use super::offer::{Offer, OfferError, OfferParams, render_entry};
use super::params::{self, ParamKind, Values, Window};
use super::shape;
use super::text::is_hangul;
use super::{Example, Library, Retrieval, Retriever};
use crate::accounts::Accounts;

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
    /// One account the question names, for an entry that does not declare `account`: the whole query is scoped
    /// to it ([`super::scope`]).
    pub account_scope: Option<String>,
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
    res.values.utc_offset_minutes = slots.utc_offset_minutes;
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
            (None, [one]) if kind == ParamKind::Account => res.account_scope = Some(one.clone()),
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
        let window = slots.window.unwrap_or(Window { start: now - span, end: now });
        res.values.window = Some(super::rolling::settle(window, now));
    }
    res
}

/// Renders an entry for showing or few-shot use: missing required parameters get example values.
pub fn render_for_example(entry: &Entry, res: &Resolution, now: DateTime<Utc>) -> String {
    let mut values = params::defaults_with_examples(entry, now);
    values.scalars.extend(res.values.scalars.clone());
    values.utc_offset_minutes = res.values.utc_offset_minutes;
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
    accounts: Accounts,
    scoped_tables: std::collections::BTreeSet<String>,
}

/// What follows an account name and belongs to it: "계정", "account", a Korean particle.
static ACCOUNT_TAIL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"^\s*(?:계정|accounts?\b)?\s*(?:에서는|에서|에는|에|의|은|는|이|가)?").expect("valid regex")
});

/// Lowercase names of the embedded catalog's tables that have an `account_id` column.
fn tables_with_account_id() -> std::collections::BTreeSet<String> {
    crate::catalog::Catalog::embedded()
        .map(|c| {
            c.tables
                .iter()
                .filter(|t| t.column(crate::catalog::ACCOUNT_ID).is_some())
                .map(|t| t.name.to_lowercase())
                .collect()
        })
        .unwrap_or_default()
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
        let scoped_tables = tables_with_account_id();
        Self {
            library: Arc::new(library),
            index,
            dense: None,
            threshold,
            top_k,
            accounts: Accounts::default(),
            scoped_tables,
        }
    }

    /// Understands account names and aliases in questions ("prod 계정", "acme-dev") as account ids.
    pub fn with_accounts(mut self, accounts: Accounts) -> Self {
        self.accounts = accounts;
        self
    }

    /// Slots of `question` with named accounts resolved to ids, and the question with those names blanked out
    /// for scoring (like other slot values, names do not count towards similarity).
    pub fn slots(&self, question: &str, now: DateTime<Utc>, tz: chrono_tz::Tz) -> (Slots, String) {
        let mut slots = extract(question, now, tz);
        let mentions = self.accounts.mentions(question);
        let mut scored = question.to_owned();
        for (id, range) in mentions.iter().rev() {
            // "acme-prod에서", "prod 계정의", "dev account": the particle and the word "account" go with the name.
            let tail = ACCOUNT_TAIL.find(&question[range.end..]).map_or(0, |m| m.end());
            scored.replace_range(range.start..range.end + tail, " ");
            if !slots.accounts.contains(id) {
                slots.accounts.push(id.clone());
            }
        }
        (slots, scored)
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
        let (slots, scored_text) = self.slots(question, now, tz);
        let ranked = self.rank(&scored_text).await;
        let wants_total = shape::asks_for_total(question);
        let mut retrieval = Retrieval::default();
        for (n, scored) in ranked.iter().take(self.top_k.max(1)).enumerate() {
            let entry = &self.library.entries()[scored.entry];
            let res = resolve(entry, &slots, now);
            let runnable = res
                .complete()
                .then(|| render_entry(entry, &res.values, res.account_scope.as_deref(), &self.scoped_tables).ok())
                .flatten();
            if let Some(sql) = runnable {
                // A total ("how many …?") is never answered by a verified listing or breakdown.
                let fits = !wants_total || shape::returns_total(&sql);
                if n == 0 && scored.score >= self.threshold && fits {
                    retrieval.verified = Some(self.example(scored, korean, sql));
                }
                let question = self.example(scored, korean, String::new()).question;
                let params = OfferParams::from_values(&res.values, res.account_scope.as_deref());
                retrieval.offers.push(Offer { entry: entry.id.clone(), question, params });
            }
            if n < self.top_k {
                retrieval.examples.push(self.example(scored, korean, render_for_example(entry, &res, now)));
            }
        }
        tracing::debug!(verified = retrieval.verified.is_some(), top = ?retrieval.examples.first().map(|e| &e.id), "retrieved");
        retrieval
    }

    fn entry(&self, id: &str) -> Option<&super::Entry> {
        self.library.get(id)
    }

    fn offer_sql(&self, id: &str, params: &OfferParams, utc_offset_minutes: i32) -> Result<Example, OfferError> {
        let entry = self.library.get(id).ok_or_else(|| OfferError::UnknownEntry(id.to_owned()))?;
        let values = Values { utc_offset_minutes, ..params.checked_values(entry)? };
        let sql = render_entry(entry, &values, params.account_scope.as_deref(), &self.scoped_tables)?;
        Ok(Example { id: entry.id.clone(), question: entry.question_en.clone(), sql, score: 1.0 })
    }
}

#[cfg(test)]
mod account_tests {
    use chrono::TimeZone;

    use super::*;
    use crate::accounts::sample_lake_accounts;

    fn retriever() -> HybridRetriever {
        HybridRetriever::new(Library::embedded().unwrap(), 0.82, 3)
            .with_accounts(Accounts::new(sample_lake_accounts()).unwrap())
    }

    #[tokio::test]
    async fn a_named_account_scopes_the_closest_entry_and_is_offered_with_its_id() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
        let r = retriever().retrieve("acme-prod에서 루트 로그인 있었어?", now, chrono_tz::Asia::Seoul).await;
        let offer = r.offers.first().expect("an offer");
        assert_eq!(offer.entry, "root-console-logins");
        assert_eq!(offer.params.account_scope.as_deref(), Some("318205947761"));
        let verified = r.verified.expect("short-circuits once the account name is set aside");
        assert!(verified.sql.contains("account_id = '318205947761'"), "{}", verified.sql);
    }

    #[tokio::test]
    async fn aliases_fill_a_declared_account_parameter() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
        let r = retriever();
        let (slots, scored) = r.slots("dev 계정의 루트 로그인", now, chrono_tz::Asia::Seoul);
        assert_eq!(slots.accounts, vec!["574630192858"]);
        assert!(!scored.contains("dev") && !scored.contains("계정의"), "{scored}");
        let entry = r.library().entries().iter().find(|e| e.declares(ParamKind::Account)).unwrap();
        let res = resolve(entry, &slots, now);
        assert_eq!(res.values.scalars.get(&ParamKind::Account).map(String::as_str), Some("574630192858"));
        assert_eq!(res.account_scope, None);
    }

    #[tokio::test]
    async fn a_verified_time_of_day_filter_follows_the_askers_zone_and_so_does_its_button() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
        let r = retriever();
        for (tz, shift) in
            [(chrono_tz::Asia::Seoul, "+ INTERVAL '9' HOUR"), (chrono_tz::Europe::Berlin, "+ INTERVAL '1' HOUR")]
        {
            let got = r.retrieve("새벽에 접속한 사람 있어??", now, tz).await;
            let verified = got.verified.expect("the library's own question short-circuits");
            assert_eq!(verified.id, "off-hours-console-logins");
            assert!(verified.sql.contains(&format!("hour(event_time {shift}) < 6")), "{tz}: {}", verified.sql);
            let offer = got.offers.first().expect("offered too");
            let pressed = r.offer_sql(&offer.entry, &offer.params, params::utc_offset_minutes(now, tz)).unwrap();
            assert_eq!(pressed.sql, verified.sql, "{tz}: the button runs what the question would have");
        }
    }
}

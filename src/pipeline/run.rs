//! The `Pipeline`: an [`Asker`] that normalises, retrieves, short-circuits verified queries, runs the retry
//! loop and writes the answer, under the question's time limit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::normalise::{detect_language, normalise};
use super::sources::{Sources, missing_source_answer};
use super::summary::{self, Audience};
use super::{Answer, Asker, Attempt, Language, Outcome, Progress, ProgressSink, Question, answer, execute, total};
use crate::catalog::Catalog;
use crate::config::PipelineConfig;
use crate::engines::{ExecOptions, QueryResult, SqlEngine};
use crate::library::{Example, Offer, Retrieval, Retriever};
use crate::llm::{Llm, Usage};
use crate::templates::Templates;

/// Where "now" comes from (tests pin it).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Longest wait for retrieval before going on without examples.
const RETRIEVAL_TIMEOUT: Duration = Duration::from_secs(10);
/// Extra time the whole question gets over `question_timeout_secs` so inner timeouts fire first.
const GRACE: Duration = Duration::from_secs(2);

/// What a pipeline is built from.
#[derive(Clone)]
pub struct PipelineParts {
    /// `[pipeline]` settings.
    pub config: PipelineConfig,
    /// Logical tables.
    pub catalog: Arc<Catalog>,
    /// Engine the SQL runs on.
    pub engine: Arc<dyn SqlEngine>,
    /// Model, if configured.
    pub llm: Option<Arc<dyn Llm>>,
    /// Verified query retrieval.
    pub retriever: Arc<dyn Retriever>,
    /// Prompt templates.
    pub templates: Templates,
    /// Time limit of one model call.
    pub llm_timeout: Duration,
}

/// The question pipeline.
pub struct Pipeline {
    pub(super) parts: PipelineParts,
    /// The catalog as the engine's binding provides it: what the prompt shows.
    pub(super) shown_catalog: Arc<Catalog>,
    pub(super) tz: chrono_tz::Tz,
    pub(super) clock: Clock,
    /// Sources that are off, with the whole catalog, for the "not enabled" answer.
    pub(super) off: Option<OffSources>,
    /// Whether an empty result is sent back to the model once for a check (on by default).
    pub(super) empty_check: bool,
}

/// What a question about a missing source is checked against.
pub(super) struct OffSources {
    all: Catalog,
    sources: Sources,
    region: String,
}

/// How a question ended, before timing and attempts are attached.
pub(super) struct Ending {
    pub outcome: Outcome,
    pub text: String,
    pub sql: Option<String>,
    pub result: Option<QueryResult>,
    pub verified: Option<String>,
}

impl Ending {
    pub(super) fn failed(text: impl Into<String>) -> Self {
        Self { outcome: Outcome::Failed, text: text.into(), sql: None, result: None, verified: None }
    }
}

/// Mutable record of one question's work.
pub(super) struct Run {
    pub question: String,
    pub language: Language,
    pub attempts: Vec<Attempt>,
    pub deadline: Instant,
    pub offers: Vec<Offer>,
}

impl Run {
    /// Records an attempt.
    pub(super) fn record(
        &mut self,
        sql: Option<&str>,
        error: Option<String>,
        rows: Option<usize>,
        started: Instant,
        usage: Usage,
    ) {
        self.attempts.push(Attempt {
            number: u32::try_from(self.attempts.len() + 1).unwrap_or(u32::MAX),
            sql: sql.map(str::to_owned),
            error,
            rows,
            elapsed: started.elapsed(),
            input_tokens: usage.input_tokens,
            output_tokens: usage.output_tokens,
        });
    }

    /// Execution options bounded by the question's remaining time.
    pub(super) fn exec_options(&self, row_limit: u64, cancel: &CancellationToken) -> ExecOptions {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        ExecOptions {
            row_cap: usize::try_from(row_limit).unwrap_or(usize::MAX),
            timeout: remaining.max(Duration::from_secs(1)),
            cancel: cancel.clone(),
            reuse: true,
        }
    }
}

impl Pipeline {
    /// Builds a pipeline; the time zone comes from `[pipeline] timezone` (Asia/Seoul if unparseable).
    pub fn new(parts: PipelineParts) -> Self {
        let tz = parts.config.timezone.parse().unwrap_or(chrono_tz::Asia::Seoul);
        let shown_catalog = Arc::new(parts.engine.binding().bound_catalog(&parts.catalog));
        Self { parts, shown_catalog, tz, clock: Arc::new(Utc::now), off: None, empty_check: true }
    }

    /// Offers the model only the sources that are on (`all` is the whole catalog) and answers a question about a
    /// source that is off with how to enable it in `region`, without the model.
    pub fn with_sources(mut self, all: Catalog, sources: Sources, region: &str) -> Self {
        self.parts.catalog = Arc::new(all.only_tables(&sources.on));
        self.shown_catalog = Arc::new(self.parts.engine.binding().bound_catalog(&self.parts.catalog));
        self.off = (!sources.off.is_empty()).then(|| OffSources { all, sources, region: region.to_owned() });
        self
    }

    /// The lake's sources as listed at startup (every table on when they were not listed).
    pub fn sources(&self) -> Sources {
        self.off.as_ref().map_or_else(|| Sources::all(&self.parts.catalog), |off| off.sources.clone())
    }

    /// Turns the empty-result check off (the `--no-empty-check` ablation of `asklake eval`): a query that
    /// returns no rows is then the answer at once.
    pub fn with_empty_check(mut self, on: bool) -> Self {
        self.empty_check = on;
        self
    }

    /// Who answers are written for: the asker's language, `[pipeline] timezone` and the named accounts.
    pub(super) fn audience(&self, language: Language) -> Audience<'_> {
        Audience { language, tz: self.tz, accounts: &self.parts.catalog.accounts }
    }

    /// The asker's clock ahead of UTC now, in minutes (`[pipeline] timezone`), for verified time-of-day filters.
    fn utc_offset_minutes(&self) -> i32 {
        crate::library::params::utc_offset_minutes((self.clock)(), self.tz)
    }

    /// Pins "now" (tests, benchmarks).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    async fn work(
        &self,
        run: &mut Run,
        question: &Question,
        progress: &dyn ProgressSink,
        cancel: &CancellationToken,
    ) -> Ending {
        if let Some(off) = &self.off
            && let Some(text) = missing_source_answer(
                &run.question,
                run.language,
                &off.all,
                &off.sources,
                self.parts.engine.binding(),
                &off.region,
            )
        {
            return Ending { outcome: Outcome::Declined, text, sql: None, result: None, verified: None };
        }
        progress.update(Progress::Retrieving).await;
        let now = (self.clock)();
        let retrieval =
            match tokio::time::timeout(RETRIEVAL_TIMEOUT, self.parts.retriever.retrieve(&run.question, now, self.tz))
                .await
            {
                Ok(r) => r,
                Err(_) => {
                    tracing::warn!("retrieval timed out; continuing without examples");
                    Retrieval::default()
                }
            };
        if let Some(verified) = &retrieval.verified
            && let Some(ending) = self.run_verified(run, verified, progress, cancel).await
        {
            return ending;
        }
        match &self.parts.llm {
            Some(llm) => {
                let ending = self
                    .retry_loop(run, llm.as_ref(), &retrieval.examples, &question.history, now, progress, cancel)
                    .await;
                run.offers = self.differing_offer(&retrieval, &ending);
                ending
            }
            None => {
                run.offers = retrieval.offers.iter().take(MAX_OFFERS).cloned().collect();
                needs_model(run.language, &retrieval.examples)
            }
        }
    }

    /// The closest verified query beside the model's answer, when it was a near miss the model did not run
    /// ([`super::beside::offer_beside`]).
    fn differing_offer(&self, retrieval: &Retrieval, ending: &Ending) -> Vec<Offer> {
        let answer = super::beside::ModelAnswer {
            outcome: &ending.outcome,
            sql: ending.sql.as_deref(),
            verified: ending.verified.as_deref(),
        };
        let offset = self.utc_offset_minutes();
        let render = |o: &Offer| self.parts.retriever.offer_sql(&o.entry, &o.params, offset);
        super::beside::offer_beside(retrieval, &answer, render).into_iter().collect()
    }

    /// Runs `offer` under the question time limit: its entry's SQL rendered again from checked parameters.
    async fn run_offer_inner(
        &self,
        offer: &Offer,
        progress: &dyn ProgressSink,
        cancel: &CancellationToken,
    ) -> (Run, Ending) {
        let language = detect_language(&offer.question);
        let limit = Duration::from_secs(self.parts.config.question_timeout_secs.max(1));
        let mut run = Run {
            question: offer.question.clone(),
            language,
            attempts: Vec::new(),
            deadline: Instant::now() + limit,
            offers: Vec::new(),
        };
        let ending = match self.parts.retriever.offer_sql(&offer.entry, &offer.params, self.utc_offset_minutes()) {
            Err(err) => {
                tracing::warn!(entry = %offer.entry, error = %err, "refused an offered verified query");
                Ending::failed(match language {
                    Language::Ko => {
                        "이 검증된 질문을 실행할 수 없습니다(항목이 없거나 값이 올바르지 않습니다). 질문을 다시 해 주세요."
                    }
                    Language::En => {
                        "This verified question cannot run (it no longer exists or a value is invalid). Please ask again."
                    }
                })
            }
            Ok(example) => {
                match tokio::time::timeout(limit + GRACE, self.run_verified(&mut run, &example, progress, cancel)).await
                {
                    Ok(Some(ending)) => ending,
                    Ok(None) => Ending::failed(match language {
                        Language::Ko => "검증된 쿼리를 실행하지 못했습니다. 관리자에게 로그 확인을 요청해 주세요.",
                        Language::En => "The verified query did not run. Ask an admin to check the logs.",
                    }),
                    Err(_) => Ending::failed(format!("No answer within {}s; the work was stopped.", limit.as_secs())),
                }
            }
        };
        (run, ending)
    }

    /// Runs a verified library query without the model; `None` falls through to generation.
    async fn run_verified(
        &self,
        run: &mut Run,
        example: &Example,
        progress: &dyn ProgressSink,
        cancel: &CancellationToken,
    ) -> Option<Ending> {
        let engine = self.parts.engine.as_ref();
        progress.update(Progress::Running { attempt: 1, engine: engine.name(), bytes_scanned: None }).await;
        let started = Instant::now();
        let opts = run.exec_options(self.parts.config.row_limit, cancel);
        let (catalog, limit) = (&self.parts.catalog, self.parts.config.row_limit);
        match execute::run(engine, catalog, &example.sql, limit, &opts, execute::Origin::Verified).await {
            Ok((validated, mut result)) => {
                run.record(Some(validated.logical()), None, Some(result.rows.len()), started, Usage::default());
                let audience = self.audience(run.language);
                let (outcome, text) = if result.rows.is_empty() {
                    (Outcome::NoRows, summary::no_rows(validated.logical(), &audience))
                } else {
                    let total =
                        total::total_if_cut(engine, catalog, validated.logical(), validated.limit(), &result, &opts)
                            .await;
                    result.stats.matched_total = total;
                    let entry = self.parts.retriever.entry(&example.id);
                    let text = answer::written(entry, &result, total, &audience);
                    result.stats.matched_total = total;
                    (Outcome::Answered, text)
                };
                Some(Ending {
                    outcome,
                    text,
                    sql: Some(validated.logical().to_owned()),
                    result: Some(result),
                    verified: Some(example.id.clone()),
                })
            }
            Err(err) => {
                tracing::warn!(entry = %example.id, error = %err, "verified query failed");
                run.record(Some(&example.sql), Some(err.to_string()), None, started, Usage::default());
                match err {
                    execute::RunError::Engine(e) if !e.is_fixable_by_sql() => {
                        Some(Ending::failed(e.user_message_in(run.language)))
                    }
                    _ => None,
                }
            }
        }
    }

    fn finish(&self, asked: String, run: Run, ending: Ending, started: Instant) -> Answer {
        Answer {
            question: asked,
            language: run.language,
            text: ending.text,
            outcome: ending.outcome,
            sql: ending.sql,
            result: ending.result,
            attempts: run.attempts,
            verified: ending.verified,
            engine: self.parts.engine.name().to_owned(),
            elapsed: started.elapsed(),
            offers: run.offers,
        }
    }
}

/// Offers shown beside a "needs a model" answer.
pub const MAX_OFFERS: usize = 3;

/// The answer when no model is configured and nothing verified matched.
fn needs_model(language: Language, examples: &[Example]) -> Ending {
    let suggestions: Vec<String> = examples.iter().take(3).map(|e| e.question.clone()).collect();
    let list = suggestions.iter().map(|s| format!("\n• {s}")).collect::<String>();
    let text = match language {
        Language::Ko => format!(
            "검증된 질문 목록에 없는 질문입니다. 자유 질문에는 언어 모델이 필요합니다: 관리자에게 [llm] provider = \"bedrock\" (model_id, region 포함) 또는 \"openai\" (openai_base_url 포함) 설정을 요청하세요.{}{list}",
            if suggestions.is_empty() { "" } else { "\n지금 답할 수 있는 비슷한 질문:" }
        ),
        Language::En => format!(
            "This question is not in the verified library, and free-form questions need a language model: ask an admin to set [llm] provider = \"bedrock\" (with model_id and region) or \"openai\" (with openai_base_url).{}{list}",
            if suggestions.is_empty() { "" } else { "\nSimilar questions that work now:" }
        ),
    };
    Ending { outcome: Outcome::NeedsModel { suggestions }, text, sql: None, result: None, verified: None }
}

#[async_trait::async_trait]
impl Asker for Pipeline {
    async fn ask(&self, question: Question, progress: &dyn ProgressSink, cancel: CancellationToken) -> Answer {
        let started = Instant::now();
        let limit = Duration::from_secs(self.parts.config.question_timeout_secs.max(1));
        let language = detect_language(&question.text);
        let normalised = normalise(&question.text, self.parts.config.max_question_chars);
        let mut run = Run {
            question: question.text.clone(),
            language,
            attempts: Vec::new(),
            deadline: started + limit,
            offers: Vec::new(),
        };
        let ending = match normalised {
            Err(err) => {
                tracing::info!(error = %err, "question refused");
                Ending::failed(err.user_message(language))
            }
            Ok(n) => {
                run.question = n.text;
                let span = tracing::info_span!("pipeline.ask", language = ?language);
                let work = tracing::Instrument::instrument(self.work(&mut run, &question, progress, &cancel), span);
                match tokio::time::timeout(limit + GRACE, work).await {
                    Ok(ending) => ending,
                    Err(_) => {
                        tracing::warn!(secs = limit.as_secs(), "question timed out");
                        Ending::failed(format!(
                            "No answer within {}s; the work was stopped. Try a narrower question or a shorter time window.",
                            limit.as_secs()
                        ))
                    }
                }
            }
        };
        self.finish(question.text, run, ending, started)
    }

    async fn run_offer(&self, offer: &Offer, progress: &dyn ProgressSink, cancel: CancellationToken) -> Answer {
        let started = Instant::now();
        let span = tracing::info_span!("pipeline.run_offer", entry = %offer.entry);
        let (run, ending) = tracing::Instrument::instrument(self.run_offer_inner(offer, progress, &cancel), span).await;
        self.finish(offer.question.clone(), run, ending, started)
    }
}

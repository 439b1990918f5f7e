//! The bounded retry loop: generate, validate, run; feed a typed diagnosis back on failure; one check turn on
//! an empty result, and one turn for a cheaper query after the engine stopped a runaway one (a second runaway
//! ends the question with the engine's message in the asker's language).

use std::time::Instant;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::diagnose::{self, Diagnosis};
use super::execute::{self, RunError};
use super::generate::{generate, same_sql};
use super::prompt::{self, Feedback, PromptInputs};
use super::run::{Ending, Pipeline, Run};
use super::slice::{self, Selection, SliceInputs, Widen};
use super::{Language, Outcome, Progress, ProgressSink, Turn, answer};
use crate::engines::QueryResult;
use crate::library::Example;
use crate::llm::{Llm, LlmError, Reply, Usage};

/// What one attempt led to.
enum Step {
    /// Done.
    End(Box<Ending>),
    /// Try again with this feedback.
    Retry(Feedback),
}

/// A finished attempt (boxed: an ending carries the whole result).
fn end(ending: Ending) -> Step {
    Step::End(Box::new(ending))
}

/// The last query that returned no rows and was sent back for a check.
struct EmptyCheck {
    sql: String,
    result: QueryResult,
}

/// What earlier attempts of this question already used up.
#[derive(Default)]
struct Spent {
    /// A query that returned no rows, sent back once for a check.
    empty: Option<EmptyCheck>,
    /// A runaway query (timeout, memory) was already fed back once; the next one ends the question.
    runaway: bool,
    /// Names earlier attempts used that the prompt had not shown: shown from the next attempt on.
    widen: Widen,
}

impl Pipeline {
    /// Generates and runs SQL up to `max_attempts` times.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn retry_loop(
        &self,
        run: &mut Run,
        llm: &dyn Llm,
        examples: &[Example],
        history: &[Turn],
        now: DateTime<Utc>,
        progress: &dyn ProgressSink,
        cancel: &CancellationToken,
    ) -> Ending {
        let max = self.parts.config.max_attempts.max(1);
        let mut feedback: Vec<Feedback> = Vec::new();
        let mut spent = Spent::default();
        for number in 1..=max {
            progress.update(Progress::Generating { attempt: number, max }).await;
            let selection = slice::select(
                &self.shown_catalog,
                &SliceInputs { question: &run.question, examples, history, widen: &spent.widen },
            );
            let inputs = PromptInputs {
                question: &run.question,
                now,
                tz: self.tz,
                selection: &selection,
                dialect: self.parts.engine.dialect(),
                window_days: self.parts.config.default_window_days,
                row_limit: self.parts.config.row_limit,
                examples,
                history,
                feedback: &feedback,
            };
            let request = match prompt::build(&self.parts.templates, &inputs) {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "prompt did not render");
                    return Ending::failed(
                        "asklake could not build its prompt (a template is broken). Ask an admin to check the logs.",
                    );
                }
            };
            let started = Instant::now();
            let generated = tokio::select! {
                g = generate(llm, &request, self.parts.llm_timeout) => g,
                _ = cancel.cancelled() => return Ending::failed("The question was cancelled."),
            };
            let step = match generated {
                Ok(g) => {
                    let last = number == max;
                    self.attempt(run, llm, g.reply, g.usage, started, last, &selection, &mut spent, progress, cancel)
                        .await
                }
                Err(e) => model_failure(run, e, started),
            };
            match step {
                Step::End(ending) => return *ending,
                Step::Retry(f) => feedback.push(f),
            }
        }
        exhausted(run.language, max, feedback.last().map(|f| &f.diagnosis))
    }

    #[allow(clippy::too_many_arguments)]
    async fn attempt(
        &self,
        run: &mut Run,
        llm: &dyn Llm,
        reply: Reply,
        usage: Usage,
        started: Instant,
        last: bool,
        selection: &Selection,
        spent: &mut Spent,
        progress: &dyn ProgressSink,
        cancel: &CancellationToken,
    ) -> Step {
        let sql = match reply {
            Reply::Decline { reason } => {
                run.record(None, None, None, started, usage);
                return end(Ending {
                    outcome: Outcome::Declined,
                    text: reason,
                    sql: None,
                    result: None,
                    verified: None,
                });
            }
            Reply::Sql { sql, notes } => {
                tracing::debug!(%notes, "model note");
                sql
            }
        };
        if let Some(check) = spent.empty.as_ref().filter(|c| same_sql(&c.sql, &sql)) {
            run.record(Some(&sql), None, Some(0), started, usage);
            return end(no_rows(&self.audience(run.language), check.sql.clone(), check.result.clone()));
        }
        let engine = self.parts.engine.as_ref();
        let attempt_no = u32::try_from(run.attempts.len() + 1).unwrap_or(u32::MAX);
        progress.update(Progress::Running { attempt: attempt_no, engine: engine.name(), bytes_scanned: None }).await;
        let opts = run.exec_options(self.parts.config.row_limit, cancel);
        let row_limit = self.parts.config.row_limit;
        match execute::run(engine, &selection.shown, &sql, row_limit, &opts, execute::Origin::Model).await {
            Ok((validated, result)) if result.rows.is_empty() => {
                run.record(Some(validated.logical()), None, Some(0), started, usage);
                let logical = validated.logical().to_owned();
                if spent.empty.is_some() || last || !self.empty_check {
                    return end(no_rows(&self.audience(run.language), logical, result));
                }
                spent.empty = Some(EmptyCheck { sql: logical.clone(), result });
                let diagnosis = diagnose::empty_result(self.parts.config.default_window_days);
                Step::Retry(Feedback { sql: logical, diagnosis })
            }
            Ok((validated, mut result)) => {
                progress.update(Progress::Answering).await;
                let logical = validated.logical().to_owned();
                let limit = validated.limit();
                let total = super::total::total_if_cut(engine, &selection.shown, &logical, limit, &result, &opts).await;
                let grounds = answer::Grounds { question: &run.question, sql: &logical, result: &result, total };
                let audience = self.audience(run.language);
                let (mut text, summary_usage, by_model) =
                    answer::summarise(llm, &self.parts.templates, &grounds, &audience).await;
                // The generic summary already gives the total; a model's text gets the note.
                if let Some(total) = total.filter(|_| by_model) {
                    text = format!("{text}\n{}", super::total::note(run.language, result.rows.len(), total));
                }
                result.stats.matched_total = total;
                let total = Usage {
                    input_tokens: usage.input_tokens + summary_usage.input_tokens,
                    output_tokens: usage.output_tokens + summary_usage.output_tokens,
                };
                run.record(Some(&logical), None, Some(result.rows.len()), started, total);
                end(Ending {
                    outcome: Outcome::Answered,
                    text,
                    sql: Some(logical),
                    result: Some(result),
                    verified: None,
                })
            }
            Err(RunError::Validation(err)) => {
                let mut diagnosis = diagnose::from_validation(&err);
                if let Some(text) =
                    slice::after_refusal(&err, &diagnosis.text, &self.parts.catalog, selection, &mut spent.widen)
                {
                    diagnosis.text = text;
                }
                tracing::info!(error = %err, "candidate refused by validation");
                run.record(Some(&sql), Some(diagnosis.text.clone()), None, started, usage);
                Step::Retry(Feedback { sql, diagnosis })
            }
            Err(RunError::Engine(err)) if err.is_fixable_by_sql() => {
                let diagnosis = diagnose::from_engine(&err, &selection.shown, engine.dialect());
                tracing::info!(error = %err, "candidate failed on the engine");
                run.record(Some(&sql), Some(diagnosis.text.clone()), None, started, usage);
                Step::Retry(Feedback { sql, diagnosis })
            }
            Err(RunError::Engine(err)) if err.is_runaway() && !spent.runaway && !last => {
                spent.runaway = true;
                let diagnosis = diagnose::from_engine(&err, &selection.shown, engine.dialect());
                tracing::info!(error = %err, "runaway query stopped; asking once for a cheaper one");
                run.record(Some(&sql), Some(diagnosis.text.clone()), None, started, usage);
                Step::Retry(Feedback { sql, diagnosis })
            }
            Err(RunError::Engine(err)) => {
                tracing::warn!(error = %err, "engine failure that SQL cannot fix");
                run.record(Some(&sql), Some(err.to_string()), None, started, usage);
                end(Ending::failed(err.user_message_in(run.language)))
            }
        }
    }
}

/// A model error: misbehaviour is fed back, anything else ends the question.
fn model_failure(run: &mut Run, err: LlmError, started: Instant) -> Step {
    tracing::warn!(error = %err, "model call failed");
    run.record(None, Some(err.to_string()), None, started, Usage::default());
    if err.is_model_misbehaviour() {
        Step::Retry(Feedback { sql: String::new(), diagnosis: diagnose::no_tool_call(&err) })
    } else {
        end(Ending::failed(err.user_message()))
    }
}

fn no_rows(audience: &super::summary::Audience, sql: String, result: QueryResult) -> Ending {
    Ending {
        outcome: Outcome::NoRows,
        text: super::summary::no_rows(&sql, audience),
        sql: Some(sql),
        result: Some(result),
        verified: None,
    }
}

fn exhausted(language: Language, max: u32, last: Option<&Diagnosis>) -> Ending {
    let problem = last.map(|d| d.text.as_str()).unwrap_or("unknown");
    let text = match language {
        Language::Ko => format!(
            "{max}번 시도했지만 실행되는 쿼리를 만들지 못했습니다. 마지막 문제: {problem}\n질문을 더 구체적으로 바꿔서 (기간, 계정, 이벤트 이름) 다시 물어봐 주세요."
        ),
        Language::En => format!(
            "I could not write a query that runs after {max} attempts. Last problem: {problem}\nTry rephrasing with specifics (time window, account, event name)."
        ),
    };
    Ending::failed(text)
}

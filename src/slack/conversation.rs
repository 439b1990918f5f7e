//! Answering one question in Slack: root message (slash commands), status line, the pipeline run with progress,
//! the answer in the thread, and the thread's history and stored result for follow-ups and buttons.

use std::time::{Duration, Instant};

use anyhow::Context;
use tracing::Instrument;

use super::api::{OutgoingMessage, SlackError};
use super::progress;
use super::render::{self, Lang};
use crate::pipeline::{Answer, Outcome, Question, Turn};
use crate::state::AppState;
use crate::store::threads::{StoredAnswer, StoredResult};

/// A question that passed access control, ready to answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    /// Channel id.
    pub channel: String,
    /// Asker's user id.
    pub user: String,
    /// The question text.
    pub text: String,
    /// Thread to answer in; `None` posts a root message first (slash commands).
    pub thread_ts: Option<String>,
    /// Earlier turns of that thread.
    pub history: Vec<Turn>,
    /// A slash command's `response_url`, to reach the asker when asklake cannot post in the channel.
    pub response_url: Option<String>,
    /// The slash command it was asked with (shown in the message the answer threads under).
    pub command: Option<String>,
    /// A verified query to run instead of answering `text` (an offer's button); `text` is its question.
    pub offer: Option<crate::library::Offer>,
}

/// Spawns the answer on the app's task tracker (waited for on shutdown).
pub fn spawn(app: &AppState, ask: Ask) {
    let span = tracing::info_span!("answer", channel = %ask.channel, user = %ask.user, thread_ts = ?ask.thread_ts);
    let app2 = app.clone();
    app.tasks.spawn(
        async move {
            if let Err(err) = answer(&app2, ask.clone()).await {
                tracing::error!(error = format!("{err:#}"), "could not answer in Slack");
                tell_asker(&app2, &ask, apology(&err, Lang::of(&ask.text))).await;
            }
        }
        .instrument(span),
    );
}

/// What the asker is told when the answer could not be posted, by cause: asklake is not in the channel, Slack
/// is busy or unreachable, or something on asklake's side failed.
fn apology(err: &anyhow::Error, lang: Lang) -> &'static str {
    let slack = err.chain().find_map(|e| e.downcast_ref::<SlackError>());
    let ko = lang == Lang::Ko;
    match slack {
        Some(e) if e.is_not_in_channel() => {
            if ko {
                "죄송합니다. 이 채널에 답변을 올리지 못했습니다. asklake가 아직 이 채널에 없다면 `/invite @asklake`로 초대한 뒤 다시 질문해 주세요."
            } else {
                "Sorry, I could not post the answer here. If asklake is not in this channel yet, add it with `/invite @asklake` and ask again."
            }
        }
        Some(e) if e.is_retryable() => {
            if ko {
                "죄송합니다. Slack이 바쁘거나 응답하지 않아 답변을 올리지 못했습니다. 잠시 후 다시 질문해 주세요."
            } else {
                "Sorry, I could not post the answer: Slack was busy or did not respond. Please ask again in a minute."
            }
        }
        _ => {
            if ko {
                "죄송합니다. asklake 쪽 문제로 답변을 올리지 못했습니다. 다시 질문해 보시고, 계속되면 asklake 관리자에게 알려 주세요(자세한 내용은 로그에 있습니다)."
            } else {
                "Sorry, I could not post the answer because of a problem on asklake's side. Please ask again; if it keeps happening, tell your asklake admin (the logs have the details)."
            }
        }
    }
}

/// Shows `text` to the asker alone: through the command's `response_url` when there is one (it works in channels
/// asklake is not in), else as an ephemeral message.
async fn tell_asker(app: &AppState, ask: &Ask, text: &str) {
    if let Some(url) = &ask.response_url {
        match super::respond::ephemeral(url, text).await {
            Ok(()) => return,
            Err(err) => tracing::warn!(error = format!("{err:#}"), "could not reply through response_url"),
        }
    }
    if let Err(err) = app.slack.post_ephemeral(&ask.channel, &ask.user, &render::plain(text)).await {
        tracing::warn!(error = %err, "could not tell the asker that the answer was not posted");
    }
}

/// Answers `ask` in its thread.
///
/// Nothing runs before asklake has posted in the channel: a thread reply waits for its status line, a slash
/// command for the question it threads under (its status line is then posted while the pipeline runs). The
/// answer goes out as soon as it is rendered; the final status edit follows on its own.
///
/// # Errors
/// When a message could not be rendered or posted (the pipeline's own failures become a posted answer).
pub async fn answer(app: &AppState, ask: Ask) -> anyhow::Result<()> {
    let started = Instant::now();
    let _in_flight = app.metrics.answer_started();
    let lang = Lang::of(&ask.text);
    let (sink, feed) = progress::channel();
    let question = Question { text: ask.text.clone(), history: ask.history.clone() };
    let (thread_ts, updater, result) = match &ask.thread_ts {
        Some(ts) => {
            let status = post_status(app, &ask.channel, ts, lang).await?;
            app.store.open_thread(&ask.channel, ts, &ask.user)?;
            let updater = feed.start(app, &ask.channel, &status, lang);
            (ts.clone(), updater, run_asker(app, question, ask.offer.as_ref(), &sink).await)
        }
        None => {
            let command = ask.command.as_deref().unwrap_or("/asklake");
            let root = render::root(&app.templates, &ask.user, &ask.text, command)?;
            let posted = app
                .slack
                .post_message(&OutgoingMessage::new(&ask.channel, None, root))
                .await
                .context("could not post the question message")?;
            app.store.open_thread(&ask.channel, &posted.ts, &ask.user)?;
            let status = async {
                let status = post_status(app, &ask.channel, &posted.ts, lang).await?;
                anyhow::Ok(feed.start(app, &ask.channel, &status, lang))
            };
            let (updater, result) = tokio::join!(status, run_asker(app, question, ask.offer.as_ref(), &sink));
            (posted.ts, updater?, result)
        }
    };
    drop(sink);

    let answer_id = uuid::Uuid::new_v4().to_string();
    let mut content = render::answer(&app.templates, &result, &answer_id, app.config.timezone())?;
    if app.claims.shared() {
        let asker = app.store.thread(&ask.channel, &thread_ts)?.map_or_else(|| ask.user.clone(), |t| t.asker);
        content.metadata = Some(super::threadstate::metadata(&turn(&ask, &result), &asker));
    }
    let (icon, done) = final_status(&result, started.elapsed(), lang);
    let finishing = updater.finish(render::status(&app.templates, icon, &done)?);
    let posted = app
        .slack
        .post_message(&OutgoingMessage::new(&ask.channel, Some(&thread_ts), content))
        .await
        .context("could not post the answer");
    if let Err(err) = finishing.await {
        tracing::warn!(error = %err, "the status message task failed");
    }
    posted?;
    remember(app, &ask, &thread_ts, &answer_id, &result)?;
    app.metrics.answer_finished(outcome_name(&result.outcome), started.elapsed());
    if let Some(rows) = &result.result {
        app.metrics.engine_result(&result.engine, &rows.stats);
    }
    crate::chart::post::in_thread(app.slack.as_ref(), &ask.channel, &thread_ts, &result, app.config.timezone()).await;
    Ok(())
}

/// Posts the "working on it" line in the thread `thread_ts`; returns its `ts`.
async fn post_status(app: &AppState, channel: &str, thread_ts: &str, lang: Lang) -> anyhow::Result<String> {
    let working = render::status(&app.templates, "⏳", working_text(lang))?;
    let status = app
        .slack
        .post_message(&OutgoingMessage::new(channel, Some(thread_ts), working))
        .await
        .context("could not post the status message")?;
    Ok(status.ts)
}

async fn run_asker(
    app: &AppState,
    question: Question,
    offer: Option<&crate::library::Offer>,
    sink: &progress::StatusSink,
) -> Answer {
    let cancel = app.cancel.child_token();
    let timeout = Duration::from_secs(app.config.pipeline.question_timeout_secs.max(1));
    let text = question.text.clone();
    let work = async {
        match offer {
            Some(offer) => app.asker.run_offer(offer, sink, cancel.clone()).await,
            None => app.asker.ask(question, sink, cancel.clone()).await,
        }
    };
    tokio::select! {
        answer = work => answer,
        _ = tokio::time::sleep(timeout) => {
            cancel.cancel();
            failed(&text, &format!("This question took longer than {} s, so I stopped it. Try a shorter time range or a narrower question.", timeout.as_secs()))
        }
        _ = app.cancel.cancelled() => failed(&text, "asklake is restarting and stopped this question. Please ask again in a minute."),
    }
}

fn failed(question: &str, text: &str) -> Answer {
    Answer::failed_with(question, text)
}

fn working_text(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Working on it…",
        Lang::Ko => "확인하는 중…",
    }
}

fn final_status(answer: &Answer, elapsed: Duration, lang: Lang) -> (&'static str, String) {
    let secs = elapsed.as_secs_f64();
    match (&answer.outcome, lang) {
        (Outcome::Failed, Lang::En) => ("⚠️", format!("Stopped after {secs:.1} s")),
        (Outcome::Failed, Lang::Ko) => ("⚠️", format!("{secs:.1}초 후 중단")),
        (_, Lang::En) => ("✅", format!("Done in {secs:.1} s")),
        (_, Lang::Ko) => ("✅", format!("{secs:.1}초 만에 완료")),
    }
}

/// Stable label of an outcome for metrics.
pub fn outcome_name(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Answered => "answered",
        Outcome::NoRows => "no_rows",
        Outcome::Declined => "declined",
        Outcome::NeedsModel { .. } => "needs_model",
        Outcome::Failed => "failed",
    }
}

/// The turn `answer` adds to its thread's history.
fn turn(ask: &Ask, answer: &Answer) -> Turn {
    Turn {
        question: ask.text.clone(),
        sql: answer.sql.clone(),
        columns: answer.result.as_ref().map(|r| r.columns.iter().map(|c| c.name.clone()).collect()).unwrap_or_default(),
        row_count: answer.result.as_ref().map_or(0, |r| r.rows.len()),
        answer: answer.text.clone(),
    }
}

fn remember(app: &AppState, ask: &Ask, thread_ts: &str, answer_id: &str, answer: &Answer) -> anyhow::Result<()> {
    app.store.append_turn(&ask.channel, thread_ts, &ask.user, &turn(ask, answer))?;
    app.store.save_offers(answer_id, &answer.offers)?;
    app.store.remember_question(&ask.user, &ask.text, chrono::Utc::now().timestamp())?;
    app.store.save_answer(&StoredAnswer {
        id: answer_id.to_owned(),
        channel: ask.channel.clone(),
        thread_ts: thread_ts.to_owned(),
        asker: ask.user.clone(),
        question: ask.text.clone(),
        answer: answer.text.clone(),
        sql: answer.sql.clone(),
        result: answer.result.as_ref().map(StoredResult::from_query),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(err: SlackError) -> anyhow::Error {
        anyhow::Error::new(err).context("could not post the answer")
    }

    #[test]
    fn the_apology_names_the_cause_in_the_askers_language() {
        let not_in = failed(SlackError::Api { code: "not_in_channel".into() });
        assert!(apology(&not_in, Lang::En).contains("/invite @asklake"));
        assert!(apology(&not_in, Lang::Ko).contains("/invite @asklake") && apology(&not_in, Lang::Ko).contains("초대"));
        let outage = failed(SlackError::Transport { message: "HTTP 503".into() });
        assert!(
            apology(&outage, Lang::En).contains("Slack was busy") && !apology(&outage, Lang::En).contains("/invite")
        );
        assert!(apology(&outage, Lang::Ko).contains("잠시 후"));
        let ours = anyhow::anyhow!("template blocks/answer.json.j2 failed");
        assert!(apology(&ours, Lang::En).contains("asklake admin"));
        assert!(!apology(&failed(SlackError::Api { code: "invalid_blocks".into() }), Lang::En).contains("/invite"));
    }
}

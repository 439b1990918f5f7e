//! Test doubles for the Slack part: a scripted asker, and a recording Slack Web API double.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use asklake::engines::{ColumnMeta, ColumnType, QueryResult, QueryStats, Value};
use asklake::pipeline::{Answer, Asker, Attempt, Language, Outcome, Progress, ProgressSink, Question};
use asklake::slack::api::{OutgoingMessage, PostedMessage, SlackApi, SlackError};
use asklake::slack::hooks::{Candidate, CandidateSink};
use slack_morphism::prelude::SlackMessageContent;
use tokio_util::sync::CancellationToken;

/// Answers with a scripted answer per question (or a default), reporting scripted progress, and records questions.
pub struct ScriptedAsker {
    answers: Mutex<VecDeque<Answer>>,
    progress: Vec<Progress>,
    step_delay: Duration,
    asked: Mutex<Vec<Question>>,
}

impl ScriptedAsker {
    pub fn new() -> Self {
        Self {
            answers: Mutex::new(VecDeque::new()),
            progress: vec![
                Progress::Retrieving,
                Progress::Generating { attempt: 1, max: 3 },
                Progress::Generating { attempt: 2, max: 3 },
                Progress::Running { attempt: 2, engine: "athena", bytes_scanned: Some(1_200_000_000) },
                Progress::Answering,
            ],
            step_delay: Duration::from_millis(0),
            asked: Mutex::new(Vec::new()),
        }
    }

    pub fn with_step_delay(mut self, d: Duration) -> Self {
        self.step_delay = d;
        self
    }

    pub fn push(&self, answer: Answer) {
        self.answers.lock().unwrap().push_back(answer);
    }

    pub fn asked(&self) -> Vec<Question> {
        self.asked.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl Asker for ScriptedAsker {
    async fn ask(&self, question: Question, progress: &dyn ProgressSink, cancel: CancellationToken) -> Answer {
        self.asked.lock().unwrap().push(question.clone());
        for p in &self.progress {
            progress.update(p.clone()).await;
            tokio::select! {
                _ = tokio::time::sleep(self.step_delay) => {}
                _ = cancel.cancelled() => break,
            }
        }
        let scripted = self.answers.lock().unwrap().pop_front();
        scripted.unwrap_or_else(|| answer_for(&question.text, table(2, 3)))
    }
}

/// A typical answered question with `result`.
pub fn answer_for(question: &str, result: QueryResult) -> Answer {
    Answer {
        question: question.to_owned(),
        language: Language::En,
        text: format!("Found {} rows.", result.rows.len()),
        outcome: Outcome::Answered,
        sql: Some("SELECT actor_arn, count(*) AS n FROM cloudtrail GROUP BY 1 ORDER BY 2 DESC".into()),
        result: Some(result),
        attempts: vec![Attempt {
            number: 1,
            sql: None,
            error: None,
            rows: Some(1),
            elapsed: Duration::from_millis(10),
            input_tokens: 0,
            output_tokens: 0,
        }],
        verified: None,
        engine: "athena".into(),
        elapsed: Duration::from_millis(20),
    }
}

/// `cols` × `rows` of text cells.
pub fn table(cols: usize, rows: usize) -> QueryResult {
    QueryResult {
        columns: (0..cols).map(|i| ColumnMeta { name: format!("column_{i}"), ty: ColumnType::Text }).collect(),
        rows: (0..rows).map(|r| (0..cols).map(|c| Value::Text(format!("r{r}c{c}"))).collect()).collect(),
        truncated: false,
        stats: QueryStats { bytes_scanned: Some(1_200_000_000), ..Default::default() },
    }
}

/// One recorded Web API call (every field shows in the panic output of `wait_for`).
#[allow(dead_code)]
#[derive(Debug, Clone)]
pub enum Call {
    Post { channel: String, thread_ts: Option<String>, ts: String, content: SlackMessageContent },
    Update { channel: String, ts: String, content: SlackMessageContent },
    Ephemeral { channel: String, user: String, content: SlackMessageContent },
    Upload { channel: String, thread_ts: Option<String>, filename: String, bytes: Vec<u8> },
}

/// Records calls; answers `ts` values in order; can fail the next N posts with 429.
pub struct RecordingSlack {
    calls: Mutex<Vec<Call>>,
    next_ts: AtomicU64,
    rate_limit_posts: AtomicU64,
}

impl RecordingSlack {
    pub fn new() -> Self {
        Self { calls: Mutex::new(Vec::new()), next_ts: AtomicU64::new(1), rate_limit_posts: AtomicU64::new(0) }
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// The next `n` `chat.postMessage` calls answer 429 with `Retry-After: 1`.
    pub fn rate_limit_next_posts(&self, n: u64) {
        self.rate_limit_posts.store(n, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl SlackApi for RecordingSlack {
    async fn post_message(&self, msg: &OutgoingMessage) -> Result<PostedMessage, SlackError> {
        if self.rate_limit_posts.load(Ordering::SeqCst) > 0 {
            self.rate_limit_posts.fetch_sub(1, Ordering::SeqCst);
            return Err(SlackError::RateLimited { retry_after: Some(Duration::from_millis(200)) });
        }
        let ts = format!("1700000000.{:06}", self.next_ts.fetch_add(1, Ordering::SeqCst));
        self.calls.lock().unwrap().push(Call::Post {
            channel: msg.channel.clone(),
            thread_ts: msg.thread_ts.clone(),
            ts: ts.clone(),
            content: msg.content.clone(),
        });
        Ok(PostedMessage { channel: msg.channel.clone(), ts })
    }

    async fn update_message(&self, channel: &str, ts: &str, content: &SlackMessageContent) -> Result<(), SlackError> {
        self.calls.lock().unwrap().push(Call::Update {
            channel: channel.into(),
            ts: ts.into(),
            content: content.clone(),
        });
        Ok(())
    }

    async fn post_ephemeral(&self, channel: &str, user: &str, content: &SlackMessageContent) -> Result<(), SlackError> {
        self.calls.lock().unwrap().push(Call::Ephemeral {
            channel: channel.into(),
            user: user.into(),
            content: content.clone(),
        });
        Ok(())
    }

    async fn upload_file(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        filename: &str,
        _title: &str,
        bytes: Vec<u8>,
    ) -> Result<(), SlackError> {
        self.calls.lock().unwrap().push(Call::Upload {
            channel: channel.into(),
            thread_ts: thread_ts.map(str::to_owned),
            filename: filename.into(),
            bytes,
        });
        Ok(())
    }
}

/// Records filed library candidates.
#[derive(Default)]
pub struct RecordingCandidates(pub Mutex<Vec<Candidate>>);

impl CandidateSink for RecordingCandidates {
    fn file(&self, candidate: &Candidate) -> anyhow::Result<()> {
        self.0.lock().unwrap().push(candidate.clone());
        Ok(())
    }
}

/// All text in a message (fallback, blocks), as JSON text.
pub fn text_of(content: &SlackMessageContent) -> String {
    serde_json::to_string(content).unwrap()
}

//! Test doubles for the Slack part: a scripted asker and a recording library-candidate sink (Slack itself is the
//! local fake Web API in `support::fake_slack`).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use asklake::engines::{ColumnMeta, ColumnType, QueryResult, QueryStats, Value};
use asklake::pipeline::{Answer, Asker, Attempt, Language, Outcome, Progress, ProgressSink, Question};
use asklake::slack::hooks::{Candidate, CandidateSink};
use tokio_util::sync::CancellationToken;

/// Answers with a scripted answer per question (or a default), reporting scripted progress, and records questions.
pub struct ScriptedAsker {
    answers: Mutex<VecDeque<Answer>>,
    progress: Vec<Progress>,
    step_delay: Duration,
    asked: Mutex<Vec<Question>>,
    offers_run: Mutex<Vec<asklake::library::Offer>>,
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
            offers_run: Mutex::new(Vec::new()),
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

    /// Offers run through button presses, in order.
    pub fn offers_run(&self) -> Vec<asklake::library::Offer> {
        self.offers_run.lock().unwrap().clone()
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

    async fn run_offer(
        &self,
        offer: &asklake::library::Offer,
        _progress: &dyn ProgressSink,
        _cancel: CancellationToken,
    ) -> Answer {
        self.offers_run.lock().unwrap().push(offer.clone());
        let mut answer = answer_for(&offer.question, table(2, 1));
        answer.verified = Some(offer.entry.clone());
        answer
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
        offers: Vec::new(),
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

/// Records filed library candidates.
#[derive(Default)]
pub struct RecordingCandidates(pub Mutex<Vec<Candidate>>);

impl CandidateSink for RecordingCandidates {
    fn file(&self, candidate: &Candidate) -> anyhow::Result<()> {
        self.0.lock().unwrap().push(candidate.clone());
        Ok(())
    }
}

//! Benchmark: time from a Slack ack to the answer in the thread, for a verified library question.
//!
//! The real `serve` seams (pipeline on a generated sample lake, verified library, DuckDB) behind the real router,
//! posting through the production Slack client and its default [`ClientPolicy`] (pacing included) to the local fake
//! Slack Web API, once on loopback and once with a simulated round trip to Slack. For a slash command and for a
//! mention it prints, per question, the time from the ack to the answer landing in Slack, the query time (the
//! pipeline's own `ask`), and the overhead between the two. Target: overhead under 300 ms.
//! Run: `cargo bench --profile dev --bench slack_answer`.

#[path = "../tests/api/support/fake_slack.rs"]
#[allow(dead_code)]
mod fake_slack;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use asklake::config::{Config, EngineKind};
use asklake::pipeline::{Answer, Asker, ProgressSink, Question};
use asklake::sample::{GenerateOptions, generate};
use asklake::slack::client::{ClientPolicy, SlackWebClient};
use asklake::slack::verify;
use asklake::startup::{Application, deps_from_config};
use chrono::{DurationRound, TimeDelta, Utc};
use fake_slack::{BOT_TOKEN, FakeSlack};
use secrecy::SecretString;
use serde_json::json;
use tokio_util::sync::CancellationToken;

const SECRET: &str = "bench-signing-secret";
/// A question the verified library answers without a model.
const QUESTION: &str = "root 계정 사용한 로그 있어?";
/// Questions per path and round trip.
const RUNS: usize = 8;
const TARGET: Duration = Duration::from_millis(300);

/// The pipeline, timed: how long each `ask` took, in order.
struct Timed {
    inner: Arc<dyn Asker>,
    took: Mutex<Vec<Duration>>,
}

#[async_trait::async_trait]
impl Asker for Timed {
    async fn ask(&self, question: Question, progress: &dyn ProgressSink, cancel: CancellationToken) -> Answer {
        let started = Instant::now();
        let answer = self.inner.ask(question, progress, cancel).await;
        self.took.lock().unwrap().push(started.elapsed());
        answer
    }
}

struct Sample {
    to_answer: Duration,
    query: Duration,
}

fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let lake = dir.path().join("lake.duckdb");
    let now = Utc::now().duration_trunc(TimeDelta::hours(1))?;
    let opts = GenerateOptions {
        out: lake.clone(),
        rows: 20_000,
        seed: 7,
        now,
        parquet_dir: None,
        cloudtrail_dir: None,
        force: false,
    };
    generate(&opts)?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    println!("ack → answer in Slack for \"{QUESTION}\" (verified library, DuckDB, {RUNS} questions each)");
    println!(
        "{:<10} {:>6} {:>10} {:>10} {:>10} {:>10}",
        "path", "rtt", "p50 total", "max total", "p50 query", "p50 over"
    );
    for rtt in [Duration::ZERO, Duration::from_millis(100)] {
        rt.block_on(async {
            let bench = Bench::start(dir.path(), &lake, rtt).await?;
            let slash = bench.run(Path::Slash).await?;
            let mention = bench.run(Path::Mention).await?;
            report("slash", rtt, &slash);
            report("mention", rtt, &mention);
            anyhow::Ok(())
        })?;
    }
    println!("target: overhead (total − query) under {} ms", TARGET.as_millis());
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    Slash,
    Mention,
}

struct Bench {
    base: String,
    http: reqwest::Client,
    slack: FakeSlack,
    timed: Arc<Timed>,
}

impl Bench {
    async fn start(dir: &std::path::Path, lake: &std::path::Path, rtt: Duration) -> anyhow::Result<Self> {
        let slack = FakeSlack::start().await;
        slack.set_latency(rtt);
        let mut config = Config::default();
        config.server.bind = "127.0.0.1:0".into();
        config.slack.signing_secret = Some(SecretString::from(SECRET));
        config.slack.bot_token = Some(SecretString::from(BOT_TOKEN));
        config.slack.api_url = slack.api_url.clone();
        config.store.path = dir.join(format!("asklake-{}.db", rtt.as_millis()));
        config.library.candidates_file = dir.join("candidates.toml");
        config.engine.kind = EngineKind::Duckdb;
        config.duckdb.path = lake.to_owned();
        let client = SlackWebClient::new(&slack.api_url, &SecretString::from(BOT_TOKEN), ClientPolicy::default())?;
        let mut deps = deps_from_config(&config, Arc::new(client)).await?;
        let timed = Arc::new(Timed { inner: deps.asker.clone(), took: Mutex::new(Vec::new()) });
        deps.asker = timed.clone();
        let app = Application::build(config, deps).await?;
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped(std::future::pending::<()>()));
        Ok(Self { base, http: reqwest::Client::new(), slack, timed })
    }

    /// Asks [`RUNS`] questions one after another, each in its own channel, and times each from ack to answer.
    async fn run(&self, path: Path) -> anyhow::Result<Vec<Sample>> {
        let mut samples = Vec::with_capacity(RUNS);
        for i in 0..RUNS {
            let channel = match path {
                Path::Slash => format!("CSLASH{i}"),
                Path::Mention => format!("CMENTION{i}"),
            };
            let asked = self.timed.took.lock().unwrap().len();
            let (route, body, kind) = match path {
                Path::Slash => ("/slack/commands", command_body(&channel, i), "application/x-www-form-urlencoded"),
                Path::Mention => ("/slack/events", mention_body(&channel, i), "application/json"),
            };
            let response = self.post_signed(route, body, kind).await?;
            anyhow::ensure!(response.status() == 200, "{route} answered {}", response.status());
            let acked = Instant::now();
            let answered = self.answer_in(&channel).await?;
            let query = self.query_time(asked).await?;
            samples.push(Sample { to_answer: answered.saturating_duration_since(acked), query });
        }
        Ok(samples)
    }

    async fn post_signed(&self, route: &str, body: String, kind: &str) -> anyhow::Result<reqwest::Response> {
        let ts = Utc::now().timestamp().to_string();
        Ok(self
            .http
            .post(format!("{}{route}", self.base))
            .header("content-type", kind)
            .header(verify::TIMESTAMP_HEADER, &ts)
            .header(verify::SIGNATURE_HEADER, verify::sign(SECRET.as_bytes(), &ts, body.as_bytes()))
            .body(body)
            .send()
            .await?)
    }

    /// When the answer (the message with the feedback buttons) landed in `channel`.
    async fn answer_in(&self, channel: &str) -> anyhow::Result<Instant> {
        for _ in 0..30_000 {
            let found = self.slack.calls().into_iter().find(|c| {
                c.ok && c.method == "chat.postMessage"
                    && c.body["channel"] == channel
                    && c.body.to_string().contains("feedback_up")
            });
            if let Some(call) = found {
                return Ok(call.at);
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        anyhow::bail!("no answer in {channel}")
    }

    async fn query_time(&self, before: usize) -> anyhow::Result<Duration> {
        for _ in 0..1_000 {
            if let Some(took) = self.timed.took.lock().unwrap().get(before) {
                return Ok(*took);
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        anyhow::bail!("the pipeline did not report its time")
    }
}

fn command_body(channel: &str, i: usize) -> String {
    serde_urlencoded::to_string([
        ("token", "unused"),
        ("team_id", "T1"),
        ("channel_id", channel),
        ("user_id", "U1"),
        ("command", "/asklake"),
        ("text", QUESTION),
        ("api_app_id", "A1"),
        ("response_url", "https://hooks.slack.com/commands/T1/1/abc"),
        ("trigger_id", &format!("{}.{i}.bench", Utc::now().timestamp_micros())),
    ])
    .expect("a form body")
}

fn mention_body(channel: &str, i: usize) -> String {
    let ts = format!("{}.{:06}", Utc::now().timestamp(), i);
    json!({
        "token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
        "event_id": format!("EvBench{}{i}", Utc::now().timestamp_micros()), "event_time": Utc::now().timestamp(),
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": true}],
        "event": {"type": "app_mention", "user": "U1", "channel": channel, "text": format!("<@UBOT> {QUESTION}"), "ts": ts},
    })
    .to_string()
}

fn report(path: &str, rtt: Duration, samples: &[Sample]) {
    let p50 = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let totals: Vec<Duration> = samples.iter().map(|s| s.to_answer).collect();
    let overs: Vec<Duration> = samples.iter().map(|s| s.to_answer.saturating_sub(s.query)).collect();
    let max = totals.iter().max().copied().unwrap_or_default();
    let over = p50(overs);
    println!(
        "{path:<10} {:>4}ms {:>8.0}ms {:>8.0}ms {:>8.0}ms {:>8.0}ms {}",
        rtt.as_millis(),
        ms(p50(totals.clone())),
        ms(max),
        ms(p50(samples.iter().map(|s| s.query).collect())),
        ms(over),
        if over < TARGET { "ok" } else { "OVER TARGET" }
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

//! The verified query library: loading and validation, retrieval and short-circuit, evaluation, feedback
//! candidates, cached embeddings, and every entry running on the sample lake.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use asklake::library::candidates::{file_candidate, read_candidates};
use asklake::library::eval::{EvalSet, evaluate};
use asklake::library::{HybridRetriever, Library, LibraryError, Retriever};
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Asia::Seoul;

/// The agreed logical column names these tests read from results (one place to rename).
mod columns {
    pub const EVENT_ID: &str = "event_id";
    pub const SRC_IP: &str = "src_ip";
    pub const SOURCE_IP: &str = "source_ip";
    pub const ACTOR_ARN: &str = "actor_arn";
    pub const ACTOR_NAME: &str = "actor_name";
}

const THRESHOLD: f32 = 0.82;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 3, 0, 0).unwrap()
}

fn retriever() -> HybridRetriever {
    HybridRetriever::new(Library::embedded().expect("embedded library loads"), THRESHOLD, 3)
}

fn entry_toml(id: &str, sql: &str, params: &str) -> String {
    format!(
        r#"[[entry]]
id = "{id}"
question_en = "Question {id}?"
question_ko = "질문 {id}?"
paraphrases_en = ["first way to ask {id}", "second way to ask {id}"]
paraphrases_ko = ["첫 번째 {id}", "두 번째 {id}"]
tags = ["test"]
params = {params}
sql = """
{sql}
"""
"#
    )
}

const GOOD_SQL: &str = "SELECT event_id FROM cloudtrail WHERE event_time >= {{ start }} AND event_time < {{ end }}";

fn invalid(files: &[(&str, String)]) -> String {
    let files: Vec<(String, String)> = files.iter().map(|(n, t)| (n.to_string(), t.clone())).collect();
    let err = Library::from_files("test", &files).expect_err("the broken library must be refused");
    assert!(matches!(err, LibraryError::Invalid(_) | LibraryError::File { .. }), "{err}");
    err.to_string()
}

#[test]
fn the_embedded_library_loads_with_at_least_sixty_entries_in_both_languages() {
    let library = Library::embedded().expect("embedded library loads");
    assert!(library.entries().len() >= 60, "only {} entries", library.entries().len());
    for entry in library.entries() {
        assert!(entry.paraphrases_en.len() >= 2 && entry.paraphrases_ko.len() >= 2, "{}", entry.id);
        assert!(entry.sql.contains("event_time >= {{ start }}"), "{} does not filter on event_time", entry.id);
    }
}

#[test]
fn a_duplicate_id_is_refused_with_the_entry_id_and_reason() {
    let msg = invalid(&[
        ("a.toml", entry_toml("twice", GOOD_SQL, "{ window = \"7d\" }")),
        ("b.toml", entry_toml("twice", GOOD_SQL, "{ window = \"7d\" }")),
    ]);
    assert!(msg.contains("`twice`") && msg.contains("duplicate id"), "{msg}");
}

#[test]
fn missing_sql_is_refused_with_the_entry_id_and_reason() {
    let msg = invalid(&[("a.toml", entry_toml("no-sql", "", "{ window = \"7d\" }"))]);
    assert!(msg.contains("`no-sql`") && msg.contains("missing `sql`"), "{msg}");
}

#[test]
fn unparseable_sql_is_refused_with_the_entry_id_and_reason() {
    let sql = "SELEC event_id FROM cloudtrail WHERE event_time >= {{ start }} AND event_time < {{ end }}";
    let msg = invalid(&[("a.toml", entry_toml("bad-sql", sql, "{ window = \"7d\" }"))]);
    assert!(msg.contains("`bad-sql`") && msg.contains("SQL does not parse"), "{msg}");
}

#[test]
fn an_undeclared_placeholder_is_refused_with_the_entry_id_and_the_placeholder() {
    let sql = format!("{GOOD_SQL} AND source_ip = {{{{ ip }}}}");
    let msg = invalid(&[("a.toml", entry_toml("no-ip-param", &sql, "{ window = \"7d\" }"))]);
    assert!(msg.contains("`no-ip-param`") && msg.contains("{{ ip }}") && msg.contains("not declared"), "{msg}");
}

#[test]
fn a_write_statement_is_refused_as_not_read_only() {
    let sql = "DELETE FROM cloudtrail WHERE event_time >= {{ start }} AND event_time < {{ end }}";
    let msg = invalid(&[("a.toml", entry_toml("writer", sql, "{ window = \"7d\" }"))]);
    assert!(msg.contains("`writer`") && msg.contains("read-only"), "{msg}");
}

const UNKNOWN_COLUMN_SQL: &str =
    "SELECT event_id, actor_email FROM cloudtrail WHERE event_time >= {{ start }} AND event_time < {{ end }}";

#[test]
fn sql_naming_a_column_the_catalog_lacks_is_refused_with_the_entry_id_and_the_column() {
    let msg = invalid(&[("a.toml", entry_toml("no-such-column", UNKNOWN_COLUMN_SQL, "{ window = \"7d\" }"))]);
    assert!(msg.contains("`no-such-column`") && msg.contains("unknown column actor_email"), "{msg}");
}

#[test]
fn sql_reading_a_table_the_catalog_lacks_is_refused_with_the_entry_id_and_the_table() {
    let sql = "SELECT uid FROM guardduty_raw WHERE event_time >= {{ start }} AND event_time < {{ end }}";
    let msg = invalid(&[("a.toml", entry_toml("no-such-table", sql, "{ window = \"7d\" }"))]);
    assert!(msg.contains("`no-such-table`") && msg.contains("unknown table guardduty_raw"), "{msg}");
}

#[test]
fn a_folder_with_a_broken_entry_fails_to_load_like_the_server_would() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.toml"), entry_toml("fine", GOOD_SQL, "{ window = \"7d\" }")).unwrap();
    std::fs::write(dir.path().join("broken.toml"), entry_toml("broken-one", "", "{ window = \"7d\" }")).unwrap();
    let err = Library::load(dir.path()).expect_err("broken folder must not load").to_string();
    assert!(err.contains("`broken-one`") && err.contains("broken.toml") && err.contains("missing `sql`"), "{err}");
    std::fs::write(dir.path().join("broken.toml"), "").unwrap();
    assert_eq!(Library::load(dir.path()).unwrap().entries().len(), 1);
}

/// Runs `asklake library check` on the library in `dir`, asserts it fails, and returns what it printed.
fn failed_library_check(dir: &std::path::Path) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_asklake"))
        .args(["library", "check"])
        .env("ASKLAKE_LIBRARY__DIR", dir)
        .current_dir(dir)
        .output()
        .expect("asklake runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!out.status.success(), "check passed on a broken library: {stdout}");
    stdout
}

#[test]
fn library_check_exits_non_zero_naming_the_broken_entry() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.toml"), entry_toml("dup", GOOD_SQL, "{ window = \"7d\" }").repeat(2)).unwrap();
    let stdout = failed_library_check(dir.path());
    assert!(stdout.contains("`dup`") && stdout.contains("duplicate id"), "{stdout}");
}

#[test]
fn library_check_names_an_entry_whose_sql_uses_an_unknown_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.toml"), entry_toml("fine", GOOD_SQL, "{ window = \"7d\" }")).unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        entry_toml("no-such-column", UNKNOWN_COLUMN_SQL, "{ window = \"7d\" }"),
    )
    .unwrap();
    let stdout = failed_library_check(dir.path());
    assert!(stdout.contains("`no-such-column`") && stdout.contains("unknown column actor_email"), "{stdout}");
    assert!(!stdout.contains("`fine`"), "only the broken entry is named: {stdout}");
}

#[tokio::test]
async fn the_server_refuses_to_start_on_an_invalid_library_naming_the_entry_and_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        entry_toml("no-such-column", UNKNOWN_COLUMN_SQL, "{ window = \"7d\" }"),
    )
    .unwrap();
    let mut config = asklake::config::Config::default();
    config.library.dir = dir.path().display().to_string();
    config.duckdb.path = crate::support::lake::shared_lake().path.clone();

    let serve = asklake::pipeline::cli::build(&config).await.err().expect("serve must not start");
    let serve = format!("{serve:#}");
    let retriever = asklake::library::retriever_from_config(&config).await.err().expect("no retriever is built");
    let retriever = format!("{retriever:#}");

    for msg in [&serve, &retriever] {
        assert!(msg.contains("`no-such-column`") && msg.contains("unknown column actor_email"), "{msg}");
        assert!(msg.contains("bad.toml"), "{msg}");
    }
}

#[tokio::test]
async fn an_exact_library_question_short_circuits_with_fully_resolved_sql() {
    let r = retriever().retrieve("Are there logs of root account usage?", now(), Seoul).await;
    let verified = r.verified.expect("exact question short-circuits");
    assert_eq!(verified.id, "root-usage");
    assert!(!verified.sql.contains("{{"), "{}", verified.sql);
    assert!(verified.sql.contains("TIMESTAMP '2026-11-15 03:00:00'"), "default 7-day window: {}", verified.sql);
    assert_eq!(r.examples.len(), 3);
}

#[tokio::test]
async fn yesterday_in_korean_sets_the_window_in_the_askers_time_zone() {
    let r = retriever().retrieve("어제 몇번의 로그인 시도가 있었습니까?", now(), Seoul).await;
    let verified = r.verified.expect("seed question short-circuits");
    assert_eq!(verified.id, "console-login-count");
    assert_eq!(verified.question, "로그인 시도가 몇 번 있었습니까?", "Korean askers see the Korean question");
    assert!(verified.sql.contains("event_time >= TIMESTAMP '2026-11-20 15:00:00'"), "{}", verified.sql);
    assert!(verified.sql.contains("event_time < TIMESTAMP '2026-11-21 15:00:00'"), "{}", verified.sql);
}

#[tokio::test]
async fn an_ip_in_the_question_fills_the_entry_ip_parameter() {
    let q = "Show all CloudTrail activity from a given source IP 198.51.100.7 in the last 24 hours";
    let verified = retriever().retrieve(q, now(), Seoul).await.verified.expect("short-circuits with the ip");
    assert_eq!(verified.id, "activity-from-ip");
    assert!(verified.sql.contains("source_ip = '198.51.100.7'"), "{}", verified.sql);
    assert!(verified.sql.contains("TIMESTAMP '2026-11-21 03:00:00'"), "{}", verified.sql);
}

#[tokio::test]
async fn a_specific_ip_never_short_circuits_an_entry_that_cannot_take_it() {
    let r = retriever().retrieve("Are there logs of root account usage from 198.51.100.7?", now(), Seoul).await;
    assert!(r.verified.is_none(), "{:?}", r.verified);
    assert_eq!(r.examples[0].id, "root-usage", "still offered as the closest example");
}

#[tokio::test]
async fn a_missing_required_parameter_gives_examples_not_a_verified_answer() {
    let r = retriever().retrieve("Show all CloudTrail activity from a given source IP", now(), Seoul).await;
    assert!(r.verified.is_none());
    assert_eq!(r.examples[0].id, "activity-from-ip");
    assert!(r.examples[0].sql.contains("'192.0.2.10'"), "example value shown: {}", r.examples[0].sql);
}

#[tokio::test]
async fn an_off_topic_question_gets_three_low_scoring_examples() {
    let r = retriever().retrieve("점심 뭐 먹지", now(), Seoul).await;
    assert!(r.verified.is_none());
    assert_eq!(r.examples.len(), 3);
    assert!(r.examples.iter().all(|e| e.score < THRESHOLD));
}

#[tokio::test]
async fn retrieval_recall_at_3_is_at_least_90_percent_with_no_false_short_circuits() {
    let set = EvalSet::load(&data("retrieval_eval.toml")).unwrap();
    assert!(set.case.len() >= 80 && set.off_topic.len() >= 20 && set.near_miss.len() >= 10);
    let library = Library::embedded().unwrap();
    for case in &set.case {
        assert!(library.get(&case.expect).is_some(), "eval expects unknown entry {}", case.expect);
        assert!(
            !library.entries().iter().any(|e| e.texts().any(|t| t == case.question)),
            "{} is in the library",
            case.question
        );
    }
    let report = evaluate(&retriever(), &set, now(), Seoul).await;
    assert!(report.recall_at_3() >= 0.90, "recall@3 {:.3}; misses: {:#?}", report.recall_at_3(), report.misses);
    assert!(report.false_short_circuits.is_empty(), "{:#?}", report.false_short_circuits);
    assert!(report.wrong_short_circuits.is_empty(), "{:#?}", report.wrong_short_circuits);
}

#[test]
fn a_feedback_candidate_goes_to_the_review_file_never_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review").join("candidates.toml");
    let sql = "SELECT count(*) FROM cloudtrail WHERE event_time > current_timestamp - INTERVAL '1' DAY";
    let first = file_candidate(&path, "How many S3 buckets were created today?", sql, "U123", "3 buckets").unwrap();
    let second = file_candidate(&path, "오늘 만든 버킷 몇 개야?", sql, "U456", "3개").unwrap();
    assert_ne!(first, second);
    let filed = read_candidates(&path).unwrap();
    assert_eq!(filed.len(), 2);
    assert_eq!(filed[0]["id"].as_str(), Some(first.as_str()));
    assert_eq!(filed[0]["status"].as_str(), Some("candidate"));
    assert_eq!(filed[0]["sql"].as_str(), Some(sql));
    assert_eq!(filed[0]["asker"].as_str(), Some("U123"));
    assert_eq!(filed[1]["question_ko"].as_str(), Some("오늘 만든 버킷 몇 개야?"));
    assert!(Library::embedded().unwrap().get(&first).is_none());
    let as_library = std::fs::read_to_string(&path).unwrap();
    assert!(as_library.contains(&second));
    assert!(file_candidate(&path, "  ", sql, "U1", "").is_err(), "an empty question is refused");
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/data").join(name)
}

mod embeddings {
    //! Dense retrieval through the real Bedrock Runtime client pointed at a local InvokeModel server.

    use std::sync::atomic::{AtomicUsize, Ordering};

    use asklake::library::embed::{BedrockEmbedder, CachedEmbedder, Embedder};
    use axum::extract::{Path as AxumPath, State};
    use axum::routing::post;

    use super::*;

    /// A deterministic embedding: letter and Hangul-syllable counts folded into 64 buckets.
    fn embed(text: &str) -> Vec<f32> {
        let mut v = vec![0.0f32; 64];
        for c in text.to_lowercase().chars().filter(|c| c.is_alphanumeric()) {
            v[(c as usize) % 64] += 1.0;
        }
        v
    }

    async fn invoke(
        State(calls): State<Arc<AtomicUsize>>,
        AxumPath(model): AxumPath<String>,
        body: String,
    ) -> axum::response::Response {
        use axum::response::IntoResponse;
        calls.fetch_add(1, Ordering::SeqCst);
        let req: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        match (model.as_str(), req["inputText"].as_str()) {
            ("amazon.titan-embed-text-v2:0", Some(text)) => {
                axum::Json(serde_json::json!({"embedding": embed(text), "inputTextTokenCount": 3})).into_response()
            }
            _ => (
                axum::http::StatusCode::BAD_REQUEST,
                [("x-amzn-errortype", "ValidationException")],
                r#"{"message":"bad model or body"}"#,
            )
                .into_response(),
        }
    }

    async fn server() -> (String, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let app = axum::Router::new().route("/model/{model}/invoke", post(invoke)).with_state(calls.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (url, calls)
    }

    fn client(url: &str) -> aws_sdk_bedrockruntime::Client {
        let creds = aws_credential_types::Credentials::new("AKIDTEST", "secret", None, None, "test");
        let conf = aws_sdk_bedrockruntime::Config::builder()
            .behavior_version(aws_sdk_bedrockruntime::config::BehaviorVersion::latest())
            .region(aws_sdk_bedrockruntime::config::Region::new("us-east-1"))
            .credentials_provider(creds)
            .endpoint_url(url)
            .build();
        aws_sdk_bedrockruntime::Client::from_conf(conf)
    }

    #[tokio::test]
    async fn library_embeddings_are_fetched_once_and_then_read_from_the_disk_cache() {
        let (url, calls) = server().await;
        let cache = tempfile::tempdir().unwrap();
        let mut unique: Vec<String> =
            Library::embedded().unwrap().entries().iter().flat_map(|e| e.texts().map(str::to_string)).collect();
        unique.sort();
        unique.dedup();
        let make = || {
            let bedrock = Arc::new(BedrockEmbedder::new(client(&url), "amazon.titan-embed-text-v2:0"));
            retriever().with_embedder(Arc::new(CachedEmbedder::new(bedrock, cache.path())))
        };
        let question = "did somebody use root creds";

        let ranked = make().rank(question).await;
        assert_eq!(calls.load(Ordering::SeqCst), unique.len() + 1, "each distinct text and the question embedded once");
        assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), unique.len() + 1);
        let top = ranked[0];
        let dense = top.dense.expect("dense score present");
        assert!((top.score - (0.5 * top.lexical + 0.5 * dense)).abs() < 1e-5, "{top:?}");

        let again = make().rank(question).await;
        assert_eq!(calls.load(Ordering::SeqCst), unique.len() + 1, "a second start reads the cache");
        assert_eq!(again[0].entry, top.entry);
    }

    #[tokio::test]
    async fn a_failing_embedding_model_falls_back_to_lexical_scores() {
        let (url, _calls) = server().await;
        let bedrock = Arc::new(BedrockEmbedder::new(client(&url), "no-such-model"));
        assert!(bedrock.embed("x").await.is_err(), "the fake refuses unknown models");
        let r =
            retriever().with_embedder(bedrock).retrieve("Are there logs of root account usage?", now(), Seoul).await;
        assert_eq!(r.verified.map(|v| v.id).as_deref(), Some("root-usage"));
    }
}

mod configured_retriever {
    //! The retriever built from config: Bedrock embeddings fused in when configured, cached on disk, and lexical
    //! retrieval whenever the embedding model is out. Driven through the real SDK client against the fake Bedrock.

    use std::sync::Mutex;

    use asklake::config::{Config, LlmProvider};

    use super::*;
    use crate::support::fake_bedrock::{FakeBedrock, test_sdk_config};

    const TITAN: &str = "amazon.titan-embed-text-v2:0";

    fn config(endpoint: &str, cache: &Path) -> Config {
        let mut config = Config::default();
        config.llm.provider = LlmProvider::Bedrock;
        config.llm.endpoint_url = endpoint.to_string();
        config.llm.embedding_model_id = TITAN.into();
        config.library.embedding_cache_dir = cache.to_path_buf();
        config
    }

    async fn build(config: &Config) -> HybridRetriever {
        HybridRetriever::from_sdk_config(config, &test_sdk_config(&config.llm.endpoint_url))
            .await
            .expect("the retriever builds")
    }

    fn embedding_calls(bedrock: &FakeBedrock) -> usize {
        bedrock.requests().iter().filter(|r| r.operation == "invoke").count()
    }

    fn distinct_library_texts() -> usize {
        let library = Library::embedded().unwrap();
        let mut texts: Vec<&str> = library.entries().iter().flat_map(|e| e.texts()).collect();
        texts.sort_unstable();
        texts.dedup();
        texts.len()
    }

    fn cached_files(dir: &Path) -> usize {
        std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
    }

    /// An address nothing listens on: every call to it is refused.
    async fn endpoint_that_is_down() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        url
    }

    /// Collects WARN-and-above log lines of the current thread (the test's runtime) as text.
    #[derive(Clone, Default)]
    struct Logs(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Logs {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Logs {
        fn capture() -> (Self, tracing::subscriber::DefaultGuard) {
            let logs = Logs::default();
            let writer = logs.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_writer(move || writer.clone())
                .with_ansi(false)
                .with_max_level(tracing::Level::WARN)
                .finish();
            (logs, tracing::subscriber::set_default(subscriber))
        }

        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
        }
    }

    #[tokio::test]
    async fn with_bedrock_embeddings_the_library_is_embedded_once_and_later_starts_read_the_cache() {
        let bedrock = FakeBedrock::start().await;
        let cache = tempfile::tempdir().unwrap();
        let config = config(&bedrock.url, cache.path());
        let texts = distinct_library_texts();

        let first = build(&config).await;
        assert!(first.has_embeddings());
        assert_eq!(embedding_calls(&bedrock), texts, "each distinct library text is embedded once at start");
        assert_eq!(cached_files(cache.path()), texts, "and written to the cache");
        assert!(bedrock.requests().iter().all(|r| r.model_id == TITAN), "with the configured model");

        let second = build(&config).await;
        assert_eq!(embedding_calls(&bedrock), texts, "a second start makes no embedding call for library entries");

        let ranked = second.rank("did somebody use root creds").await;
        assert_eq!(embedding_calls(&bedrock), texts + 1, "a question costs one embedding call");
        assert_eq!(cached_files(cache.path()), texts, "questions are not written to the cache");
        let top = ranked[0];
        let dense = top.dense.expect("dense scores are fused in");
        assert!((top.score - (0.5 * top.lexical + 0.5 * dense)).abs() < 1e-5, "{top:?}");
        let verified = second.retrieve("Are there logs of root account usage?", now(), Seoul).await.verified;
        assert_eq!(verified.map(|v| v.id).as_deref(), Some("root-usage"));
    }

    #[tokio::test]
    async fn without_bedrock_or_an_embedding_model_retrieval_is_lexical_and_calls_no_model() {
        let bedrock = FakeBedrock::start().await;
        let cache = tempfile::tempdir().unwrap();
        let mut other_provider = config(&bedrock.url, cache.path());
        other_provider.llm.provider = LlmProvider::Openai;
        let mut no_model = config(&bedrock.url, cache.path());
        no_model.llm.embedding_model_id = String::new();

        for config in [other_provider, no_model] {
            let retriever = build(&config).await;
            assert!(!retriever.has_embeddings());
            assert_eq!(retriever.rank("did somebody use root creds").await[0].dense, None);
        }
        assert_eq!(embedding_calls(&bedrock), 0);
        assert_eq!(cached_files(cache.path()), 0);
    }

    #[tokio::test]
    async fn an_embedding_outage_at_start_still_serves_lexical_results_and_logs_the_cause() {
        let cache = tempfile::tempdir().unwrap();
        let config = config(&endpoint_that_is_down().await, cache.path());
        let (logs, _guard) = Logs::capture();

        let retriever = build(&config).await;
        let question = "Are there logs of root account usage?";
        let got = retriever.retrieve(question, now(), Seoul).await;

        assert_eq!(got, super::retriever().retrieve(question, now(), Seoul).await, "same as lexical retrieval");
        assert_eq!(got.verified.map(|v| v.id).as_deref(), Some("root-usage"));
        let logged = logs.text();
        assert!(logged.contains("could not embed the library"), "{logged}");
        assert!(logged.contains("embedding model call failed"), "the cause is logged: {logged}");
    }

    #[tokio::test]
    async fn an_embedding_outage_while_answering_falls_back_to_lexical_results_and_logs_the_cause() {
        let bedrock = FakeBedrock::start().await;
        let cache = tempfile::tempdir().unwrap();
        build(&config(&bedrock.url, cache.path())).await;
        let config = config(&endpoint_that_is_down().await, cache.path());
        let (logs, _guard) = Logs::capture();
        let retriever = build(&config).await;
        assert!(logs.text().is_empty(), "library vectors come from the cache: {}", logs.text());

        let question = "show me who used the root account";
        let got = retriever.retrieve(question, now(), Seoul).await;

        assert_eq!(got, super::retriever().retrieve(question, now(), Seoul).await, "same as lexical retrieval");
        assert_eq!(retriever.rank(question).await[0].dense, None, "no dense scores while the model is out");
        let logged = logs.text();
        assert!(logged.contains("lexical retrieval only"), "{logged}");
        assert!(logged.contains("embedding model call failed"), "the cause is logged: {logged}");
    }
}

mod on_the_sample_lake {
    //! Every entry runs on the DuckDB sample lake; entries aimed at planted incidents return them.

    use asklake::config::Config;
    use asklake::engines::{ExecOptions, QueryResult, SqlEngine};
    use asklake::library::cli::check_entry;
    use asklake::library::params::{self, Window};
    use asklake::sample::{GenerateOptions, IncidentKind, Manifest};

    use super::*;

    struct Lake {
        config: Config,
        manifest: Manifest,
        _dir: tempfile::TempDir,
    }

    fn lake() -> &'static Lake {
        static LAKE: OnceLock<Lake> = OnceLock::new();
        LAKE.get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("lake.duckdb");
            let opts = GenerateOptions {
                out: out.clone(),
                rows: 20_000,
                seed: 7,
                now: Utc::now(),
                parquet_dir: None,
                cloudtrail_dir: None,
                force: true,
            };
            let manifest = asklake::sample::generate(&opts).expect("sample lake generates");
            let mut config = Config::default();
            config.duckdb.path = out;
            Lake { config, manifest, _dir: dir }
        })
    }

    async fn run(entry_id: &str, extra: &[(params::ParamKind, &str)]) -> QueryResult {
        let lake = lake();
        let engine = asklake::engines::from_config(&lake.config).expect("engine");
        let entry = Library::embedded().unwrap().get(entry_id).expect("entry exists").clone();
        let mut values = params::defaults_with_examples(&entry, lake.manifest.now);
        let first = lake.manifest.incidents.iter().map(|i| i.start).min().unwrap_or(lake.manifest.now);
        values.window = Some(Window {
            start: first - chrono::Duration::days(1),
            end: lake.manifest.now + chrono::Duration::hours(1),
        });
        for (k, v) in extra {
            values.scalars.insert(*k, v.to_string());
        }
        let sql = params::render(&entry.sql, &values).unwrap();
        let catalog = asklake::catalog::Catalog::embedded().unwrap();
        let validated = asklake::pipeline::validate::validate(&sql, &catalog, engine.binding(), 10_000)
            .unwrap_or_else(|e| panic!("{entry_id}: {e}"));
        engine.execute(&validated, &ExecOptions::default()).await.unwrap_or_else(|e| panic!("{entry_id}: {e}"))
    }

    fn column(result: &QueryResult, name: &str) -> Vec<String> {
        let i = result.columns.iter().position(|c| c.name == name).unwrap_or_else(|| panic!("no column {name}"));
        result.rows.iter().map(|r| r[i].to_string()).collect()
    }

    fn incident(kind: IncidentKind) -> &'static asklake::sample::Incident {
        lake().manifest.incident(kind).unwrap_or_else(|| panic!("the sample plants {kind:?}"))
    }

    #[tokio::test]
    async fn every_library_entry_runs_on_the_sample_lake() {
        let lake = lake();
        let engine: Arc<dyn SqlEngine> = asklake::engines::from_config(&lake.config).unwrap();
        let mut failures = Vec::new();
        for entry in Library::embedded().unwrap().entries() {
            if let Err(reason) = check_entry(&lake.config, engine.as_ref(), entry).await.result {
                failures.push(format!("{}: {reason}", entry.id));
            }
        }
        assert!(failures.is_empty(), "entries that do not run:\n{}", failures.join("\n"));
    }

    #[tokio::test]
    async fn planted_cloudtrail_incidents_are_returned_by_their_entries() {
        for (kind, entry) in [
            (IncidentKind::RootConsoleLoginWithoutMfa, "root-console-login-without-mfa"),
            (IncidentKind::SecurityGroupOpenToWorld, "security-group-open-to-world"),
            (IncidentKind::AdminPolicyAttached, "admin-policy-attached"),
            (IncidentKind::StopLogging, "cloudtrail-tampering"),
            (IncidentKind::TerraformBulkChange, "terraform-changes"),
        ] {
            let found = column(&run(entry, &[]).await, columns::EVENT_ID);
            for id in &incident(kind).event_ids {
                assert!(found.contains(id), "{entry} misses planted {kind:?} event {id}");
            }
        }
    }

    #[tokio::test]
    async fn the_planted_port_scan_and_access_denied_burst_are_found() {
        let scan = incident(IncidentKind::PortScan);
        assert!(column(&run("vpcflow-port-scan", &[]).await, columns::SRC_IP).contains(&scan.source_ip));
        let burst = incident(IncidentKind::AccessDeniedBurst);
        let result = run("access-denied-bursts", &[]).await;
        let actors: Vec<String> =
            column(&result, columns::ACTOR_ARN).into_iter().chain(column(&result, columns::ACTOR_NAME)).collect();
        assert!(actors.iter().any(|a| a == &burst.actor || a.ends_with(&format!("/{}", burst.actor))), "{actors:?}");
    }

    #[tokio::test]
    async fn the_planted_new_ip_for_an_access_key_is_found() {
        let planted = incident(IncidentKind::AccessKeyUsedFromNewIp);
        let ips = column(&run("principal-new-source-ips", &[]).await, columns::SOURCE_IP);
        assert!(ips.contains(&planted.source_ip), "{} not among {ips:?}", planted.source_ip);
        let from_ip = run("activity-from-ip", &[(params::ParamKind::Ip, planted.source_ip.as_str())]).await;
        assert!(!from_ip.rows.is_empty(), "activity-from-ip finds the planted IP's calls");
    }

    /// Every entry with answer templates, run on the sample lake, renders in both languages; the check is the
    /// one that refuses a template reading a column its SQL does not return.
    #[tokio::test]
    async fn every_answer_template_renders_on_the_sample_lake_in_both_languages() {
        use asklake::library::answer_template::check_on;
        use asklake::pipeline::Language;
        use asklake::pipeline::summary::Audience;

        let accounts = asklake::accounts::sample_lake_accounts();
        let library = Library::embedded().unwrap();
        let (mut failures, mut checked) = (Vec::new(), 0);
        for entry in library.entries().iter().filter(|e| e.answer_en.is_some() || e.answer_ko.is_some()) {
            let result = run(&entry.id, &[]).await;
            for language in [Language::En, Language::Ko] {
                let audience = Audience { language, tz: chrono_tz::Asia::Seoul, accounts: &accounts };
                let Some(source) = entry.answer_template(language) else {
                    failures.push(format!("{}: no {language:?} template", entry.id));
                    continue;
                };
                match check_on(source, &result, &audience) {
                    Ok(_) => checked += 1,
                    Err(e) => failures.push(format!("{} ({language:?}, {} rows): {e}", entry.id, result.rows.len())),
                }
            }
        }
        assert!(failures.is_empty(), "answer templates that fail:\n{}", failures.join("\n"));
        assert!(checked >= 80, "only {checked} templates checked");
        // The same check fails for a template that reads a column its entry's SQL does not return.
        let root = library.get("root-usage").unwrap();
        let result = run("root-usage", &[]).await;
        let audience = Audience { language: Language::Ko, tz: chrono_tz::Asia::Seoul, accounts: &accounts };
        let text = check_on(root.answer_template(Language::Ko).unwrap(), &result, &audience).unwrap();
        assert!(text.starts_with("루트 계정 사용") && text.contains("(KST)") && text.contains("acme-prod"), "{text}");
        let err = check_on("{{ latest.actor_name }}", &result, &audience).unwrap_err();
        assert!(err.contains("actor_name"), "{err}");
    }
}

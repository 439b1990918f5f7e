//! Configuration: one TOML file overlaid with `ASKLAKE_*` environment variables, read once into typed structs.
//!
//! This is the only module that reads the process environment. Environment variables name a path into the
//! TOML tree with `__` between levels: `ASKLAKE_SLACK__BOT_TOKEN` sets `[slack] bot_token`,
//! `ASKLAKE_ENGINE__KIND=athena` sets `[engine] kind`. A value that parses as a TOML scalar or array
//! (`3`, `true`, `["C1","C2"]`) is taken as such, anything else as a string.
//! Secrets are [`SecretString`]s: they never appear in `Debug` output or in `config check`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use secrecy::SecretString;
use serde::Deserialize;

/// Prefix of the environment variables read by [`Config::load`].
pub const ENV_PREFIX: &str = "ASKLAKE_";
/// Config file read when `--config` is not given and the file exists.
pub const DEFAULT_CONFIG_FILE: &str = "asklake.toml";

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Which SQL engine answers questions.
    pub engine: EngineConfig,
    /// Embedded DuckDB engine settings.
    pub duckdb: DuckDbConfig,
    /// Amazon Athena settings.
    pub athena: AthenaConfig,
    /// Shared AWS client settings.
    pub aws: AwsConfig,
    /// Language model settings.
    pub llm: LlmConfig,
    /// Question pipeline settings.
    pub pipeline: PipelineConfig,
    /// Verified query library settings.
    pub library: LibraryConfig,
    /// Slack app settings.
    pub slack: SlackConfig,
    /// HTTP server settings.
    pub server: ServerConfig,
    /// Local state store.
    pub store: StoreConfig,
    /// CloudTrail change feed settings.
    pub alerts: AlertsConfig,
    /// `asklake eval` settings (dev set, model prices).
    pub eval: crate::eval::EvalConfig,
    /// Named AWS accounts (`[[accounts]]`): routing, `account_name`, the prompt, library parameters.
    pub accounts: Vec<crate::accounts::AccountConfig>,
    /// Running two instances at once.
    pub ha: HaConfig,
}

/// `[ha]`: running two instances at once (availability, deploys).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct HaConfig {
    /// DynamoDB table (partition key `pk`, TTL on `expires_at`) where instances claim Slack deliveries and
    /// change-feed posts, and whose presence turns on reading thread state back from Slack on a local miss.
    /// Empty (default) = one instance: de-duplication uses the local store only.
    pub claims_table: String,
    /// This instance's name in the claims table (empty = a random one per start).
    pub instance_id: String,
}

/// Which engine runs the SQL.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// Embedded DuckDB over the sample lake or local CloudTrail files.
    #[default]
    Duckdb,
    /// Amazon Athena over Security Lake.
    Athena,
}

/// `[engine]`: which engine runs the SQL, and the limits every engine query runs under.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineConfig {
    /// `duckdb` (default) or `athena`.
    pub kind: EngineKind,
    /// Seconds one engine query may run before it is stopped (DuckDB interrupted, Athena `StopQueryExecution`).
    /// Separate from, and normally much shorter than, `[pipeline] question_timeout_secs`; default 60. A stopped
    /// query is reported as "took longer than N s, narrow the time window", never as a SQL error.
    pub query_timeout_secs: u64,
    /// Engine queries (dry runs included) that may run at once across all questions; later ones wait for a slot.
    /// Default 2. The wait counts against the question's time, not against `query_timeout_secs`.
    pub max_concurrent_queries: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self { kind: EngineKind::Duckdb, query_timeout_secs: 60, max_concurrent_queries: 2 }
    }
}

/// Where the DuckDB engine reads its data from.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum DuckDbSource {
    /// The generated sample lake (nested Security Lake v2 tables in a DuckDB file).
    #[default]
    SampleLake,
    /// Raw CloudTrail `{"Records":[…]}` files (`.json` / `.json.gz`) in a folder.
    CloudtrailFiles,
}

/// `[duckdb]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DuckDbConfig {
    /// `sample_lake` (default) or `cloudtrail_files`.
    pub source: DuckDbSource,
    /// DuckDB database file holding the sample lake.
    pub path: PathBuf,
    /// Folder of raw CloudTrail files, searched recursively, for `source = "cloudtrail_files"`.
    pub cloudtrail_dir: PathBuf,
    /// DuckDB worker threads for the whole database, shared by all queries (at least 1). Default 1: DuckDB then
    /// runs each query on the one blocking-pool thread that asked for it, so CPU use is bounded by
    /// `[engine] max_concurrent_queries` and the async runtime (Slack, the change feed) always keeps a core.
    /// Raise it for large raw CloudTrail folders on a machine with cores to spare.
    pub threads: u32,
    /// DuckDB memory limit for the whole database, for example `"1GB"` (default `"1GB"`). DuckDB has no
    /// per-query limit; with `[engine] max_concurrent_queries` queries sharing this budget, one query can use at
    /// most this much. Spilling to disk is off, so a query that needs more fails with a "needed more memory"
    /// message instead of filling the disk. A value DuckDB cannot parse stops startup.
    pub memory_limit: String,
}

impl Default for DuckDbConfig {
    fn default() -> Self {
        Self {
            source: DuckDbSource::SampleLake,
            path: PathBuf::from("data/lake.duckdb"),
            cloudtrail_dir: PathBuf::from("data/cloudtrail"),
            threads: 1,
            memory_limit: "1GB".into(),
        }
    }
}

/// `[athena]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AthenaConfig {
    /// Athena workgroup.
    pub workgroup: String,
    /// `s3://bucket/prefix/` for query results (empty = the workgroup's setting).
    pub output_location: String,
    /// Data catalog.
    pub catalog: String,
    /// Glue database, e.g. `amazon_security_lake_glue_db_us_east_1`. Empty = derived from the region.
    pub database: String,
    /// Region part of the Security Lake table names (`us_east_1`). Empty = derived from `[aws] region`.
    pub lake_region: String,
    /// Refuse queries that would scan more than this many bytes (0 = no cap).
    pub scan_limit_bytes: u64,
    /// Athena-only cap in seconds, applied on top of `[engine] query_timeout_secs` (the smaller wins; 0 = none).
    pub query_timeout_secs: u64,
    /// Security Lake source version of the tables: 1 (`…_1_0`, OCSF 1.0.0-rc.2) or 2 (`…_2_0`, OCSF 1.1.0).
    pub source_version: crate::catalog::SourceVersion,
    /// Reuse an identical query's result (same SQL and workgroup) up to this many minutes old for verified
    /// queries and identical re-asks (Athena query result reuse); 0 = never.
    pub result_reuse_minutes: u64,
    /// Price per terabyte scanned, in US dollars, for the cost shown in answers and `/metrics` (default $5.00,
    /// Athena's per-query price in most Regions: <https://aws.amazon.com/athena/pricing/>; billed per query
    /// rounded up to the megabyte, 10 MB minimum, failed queries free — see `engines::athena::reuse`).
    pub price_per_tb_usd: f64,
    /// A query that puts no lower bound on `event_time` searches only this many days back (from UTC midnight),
    /// as a partition predicate; the answer says so. 0 = no cap (such a query reads every partition).
    pub max_lookback_days: u32,
}

impl Default for AthenaConfig {
    fn default() -> Self {
        Self {
            workgroup: "primary".into(),
            output_location: String::new(),
            catalog: "AwsDataCatalog".into(),
            database: String::new(),
            lake_region: String::new(),
            scan_limit_bytes: 10 * 1024 * 1024 * 1024,
            query_timeout_secs: 0,
            source_version: crate::catalog::SourceVersion::V2,
            result_reuse_minutes: 15,
            price_per_tb_usd: 5.0,
            max_lookback_days: 90,
        }
    }
}

/// `[aws]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AwsConfig {
    /// AWS region for all clients.
    pub region: String,
    /// Endpoint override for all AWS clients (tests, VPC endpoints). Empty = AWS's default.
    pub endpoint_url: String,
    /// Named profile from `~/.aws/config` (empty = default chain).
    pub profile: String,
}

impl Default for AwsConfig {
    fn default() -> Self {
        Self { region: "us-east-1".into(), endpoint_url: String::new(), profile: String::new() }
    }
}

/// Which language model backend generates SQL.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LlmProvider {
    /// No model: only verified-library questions are answered.
    #[default]
    None,
    /// Amazon Bedrock Converse API.
    Bedrock,
    /// An OpenAI-compatible `/chat/completions` endpoint (e.g. a local model server).
    Openai,
    /// Replies recorded earlier with `--record DIR`, read from `[llm] replay_dir` (reproducible evals).
    Replay,
}

/// `[llm]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmConfig {
    /// `none` (default), `bedrock` or `openai`.
    pub provider: LlmProvider,
    /// Model id (Bedrock model or inference profile id, or the OpenAI-compatible model name).
    pub model_id: String,
    /// Bedrock region (empty = `[aws] region`).
    pub region: String,
    /// Endpoint override for Bedrock Runtime (tests). Empty = AWS's default.
    pub endpoint_url: String,
    /// Maximum output tokens per call.
    pub max_tokens: u32,
    /// Sampling temperature.
    pub temperature: f32,
    /// Seconds before a model call is abandoned.
    pub timeout_secs: u64,
    /// Base URL of an OpenAI-compatible server, e.g. `http://127.0.0.1:8080/v1`.
    pub openai_base_url: String,
    /// API key for the OpenAI-compatible server.
    pub openai_api_key: Option<SecretString>,
    /// Bedrock embedding model for library retrieval, used with `provider = "bedrock"` (empty = lexical only).
    pub embedding_model_id: String,
    /// Recording folder answered from with `provider = "replay"` (written by `--record DIR`).
    pub replay_dir: PathBuf,
}

impl Default for LlmConfig {
    fn default() -> Self {
        Self {
            provider: LlmProvider::None,
            model_id: "anthropic.claude-3-5-sonnet-20240620-v1:0".into(),
            region: String::new(),
            endpoint_url: String::new(),
            max_tokens: 1024,
            temperature: 0.0,
            timeout_secs: 60,
            openai_base_url: String::new(),
            openai_api_key: None,
            embedding_model_id: String::new(),
            replay_dir: PathBuf::from("eval/recordings/baseline"),
        }
    }
}

/// `[pipeline]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineConfig {
    /// Attempts at generating a query that runs (first try included).
    pub max_attempts: u32,
    /// Row cap: a `LIMIT` is added or lowered to this.
    pub row_limit: u64,
    /// Time window (days) assumed when a question names none.
    pub default_window_days: u32,
    /// Asker's time zone for time phrases and displayed times (IANA name).
    pub timezone: String,
    /// Seconds before a whole question is abandoned.
    pub question_timeout_secs: u64,
    /// Longest accepted question, in characters.
    pub max_question_chars: usize,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            row_limit: 1000,
            default_window_days: 7,
            timezone: "Asia/Seoul".into(),
            question_timeout_secs: 300,
            max_question_chars: 2000,
        }
    }
}

/// `[library]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LibraryConfig {
    /// Folder of library files overriding the embedded library (empty = embedded).
    pub dir: String,
    /// Similarity at or above which a verified query answers without the model.
    pub short_circuit_threshold: f32,
    /// Few-shot examples passed to the model.
    pub top_k: usize,
    /// Where candidate entries from 👍 feedback are written for review.
    pub candidates_file: PathBuf,
    /// Folder for cached library embeddings.
    pub embedding_cache_dir: PathBuf,
}

impl Default for LibraryConfig {
    fn default() -> Self {
        Self {
            dir: String::new(),
            short_circuit_threshold: 0.82,
            top_k: 3,
            candidates_file: PathBuf::from("data/library-candidates.toml"),
            embedding_cache_dir: PathBuf::from("data/embeddings"),
        }
    }
}

/// `[slack]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlackConfig {
    /// Bot token (`xoxb-…`).
    pub bot_token: Option<SecretString>,
    /// Signing secret used to verify requests.
    pub signing_secret: Option<SecretString>,
    /// App-level token (`xapp-…`): when set, Socket Mode is used instead of HTTP.
    pub app_token: Option<SecretString>,
    /// Slack Web API base URL (tests point this at a local fake).
    pub api_url: String,
    /// Channels allowed to ask (empty = any channel, when users or groups are set or `allow_everyone` is true).
    pub allowed_channels: Vec<String>,
    /// Users allowed to ask (empty = any user, unless groups are set).
    pub allowed_users: Vec<String>,
    /// User groups whose members may ask.
    pub allowed_usergroups: Vec<String>,
    /// Must be stated (`true`) for every workspace member in every channel to ask and press buttons when all
    /// three allow lists are empty; otherwise `serve` refuses to start and nobody is allowed.
    pub allow_everyone: bool,
    /// Whether direct messages to the app are answered.
    pub allow_dms: bool,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// Slash commands asklake answers (as registered in the app manifest); any other gets an explanation.
    pub commands: Vec<String>,
}

impl Default for SlackConfig {
    fn default() -> Self {
        Self {
            bot_token: None,
            signing_secret: None,
            app_token: None,
            api_url: "https://slack.com/api".into(),
            allowed_channels: Vec::new(),
            allowed_users: Vec::new(),
            allowed_usergroups: Vec::new(),
            allow_everyone: false,
            allow_dms: false,
            max_body_bytes: 64 * 1024,
            commands: vec!["/asklake".into()],
        }
    }
}

/// `[server]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Slack listener address (`/slack/*`, `/healthz`), e.g. `0.0.0.0:3000` (port 0 picks a free port). It never
    /// serves `/metrics`: it is the one Slack (and so the internet) reaches.
    pub bind: String,
    /// Change-feed intake listener (`POST /events`, `POST /sns`, `/healthz`); loopback by default. Beyond loopback
    /// `serve` requires `[alerts] events_token`.
    pub intake_bind: String,
    /// Seconds in-flight answers get to finish on shutdown.
    pub shutdown_grace_secs: u64,
    /// Prometheus `GET /metrics` listener, e.g. `127.0.0.1:9464` for a scraper sidecar in the same task (ECS
    /// `awsvpc` tasks share loopback). Empty (default) = no metrics listener. Beyond loopback `serve` requires
    /// `metrics_token`.
    pub metrics_bind: String,
    /// Bearer token `GET /metrics` requires (`Authorization: Bearer …`); none = loopback-only metrics.
    pub metrics_token: Option<SecretString>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:3000".into(),
            intake_bind: "127.0.0.1:3001".into(),
            shutdown_grace_secs: 30,
            metrics_bind: String::new(),
            metrics_token: None,
        }
    }
}

/// `[store]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// SQLite file for threads, seen ids, feedback and the embedded queue.
    pub path: PathBuf,
    /// Days stored answers (with their result rows) and feedback votes are kept; `serve` prunes hourly.
    /// 0 = forever.
    pub answer_retention_days: u32,
    /// Days seen ids (Slack retries, CloudTrail eventIDs) are kept; keep it at least as long as a message can stay
    /// in the queue (SQS keeps messages at most 14 days). 0 = forever.
    pub seen_retention_days: u32,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self { path: PathBuf::from("data/asklake.db"), answer_retention_days: 30, seen_retention_days: 14 }
    }
}

/// Where the change feed reads events from.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum QueueKind {
    /// The embedded SQLite queue fed by `POST /events`.
    #[default]
    Embedded,
    /// Amazon SQS.
    Sqs,
}

/// One watched AWS account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountRoute {
    /// 12-digit account id.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Slack channel id for this account's summaries (empty = the default channel).
    #[serde(default)]
    pub channel: String,
}

/// `[alerts]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsConfig {
    /// Whether `serve` also runs the change-feed worker.
    pub enabled: bool,
    /// `embedded` (default) or `sqs`.
    pub queue: QueueKind,
    /// SQS queue URL.
    pub sqs_queue_url: String,
    /// Concurrent SQS receivers.
    pub receivers: usize,
    /// Seconds a received message stays invisible (extended while its batch is in flight).
    pub visibility_timeout_secs: i32,
    /// Embedded queue: receives after which a message that was never deleted (it could not be handled, or its
    /// channel stayed broken) moves to the dead-letter table (`asklake alerts dead-letters`); 0 = never. With SQS
    /// the queue's own redrive policy decides; asklake never deletes such a message.
    pub max_receives: u32,
    /// Seconds before the first retry of alerts for a channel Slack refuses for good (`not_in_channel`,
    /// `is_archived`, `invalid_auth`, …); each further failure doubles it, up to `park_max_secs`.
    pub park_secs: u64,
    /// Longest wait between retries of a refused channel.
    pub park_max_secs: u64,
    /// Digest period in seconds: one message per account per period.
    pub digest_interval_secs: u64,
    /// Time zone for displayed times.
    pub timezone: String,
    /// Language of summaries: `en` or `ko`.
    pub language: String,
    /// Channel for accounts without their own.
    pub default_channel: String,
    /// Extra channel that also receives red events (empty = none).
    pub red_channel: String,
    /// Rules file overriding the shipped defaults (empty = defaults).
    pub rules_file: String,
    /// Whether the optional LLM narrative is written (needs `[llm]`).
    pub narrative: bool,
    /// SNS topic ARNs accepted on `POST /sns` (empty = the endpoint is disabled).
    pub sns_topic_allowlist: Vec<String>,
    /// Bearer token `POST /events` requires (`Authorization: Bearer …`). Unset = no token, allowed only while
    /// `[server] intake_bind` is on loopback (`serve` refuses to start otherwise).
    pub events_token: Option<SecretString>,
    /// Deprecated: use top-level `[[accounts]]`. Still read (merged after `[[accounts]]`, which wins for the same
    /// id); `config check` prints a deprecation line while it is set.
    pub accounts: Vec<AccountRoute>,
}

impl AlertsConfig {
    /// The visibility timeout as a duration (at least one second).
    pub fn visibility(&self) -> Duration {
        Duration::from_secs(self.visibility_timeout_secs.max(1) as u64)
    }
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            queue: QueueKind::Embedded,
            sqs_queue_url: String::new(),
            receivers: 2,
            visibility_timeout_secs: 120,
            max_receives: 5,
            park_secs: 900,
            park_max_secs: 3600,
            digest_interval_secs: 300,
            timezone: "Asia/Seoul".into(),
            language: "en".into(),
            default_channel: String::new(),
            red_channel: String::new(),
            rules_file: String::new(),
            narrative: false,
            sns_topic_allowlist: Vec::new(),
            events_token: None,
            accounts: Vec::new(),
        }
    }
}

impl Config {
    /// Loads `path` (or `asklake.toml` if present) and overlays `ASKLAKE_*` variables from the process environment.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let vars: BTreeMap<String, String> = std::env::vars().filter(|(k, _)| k.starts_with(ENV_PREFIX)).collect();
        Self::load_from(path, &vars)
    }

    /// Like [`Config::load`] with an explicit variable set (for tests).
    pub fn load_from(path: Option<&Path>, vars: &BTreeMap<String, String>) -> anyhow::Result<Self> {
        let mut tree = match path {
            Some(p) => read_toml(p)?,
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => read_toml(Path::new(DEFAULT_CONFIG_FILE))?,
            None => toml::Table::new(),
        };
        for (key, value) in vars {
            let Some(rest) = key.strip_prefix(ENV_PREFIX) else { continue };
            if rest.is_empty() || rest == "CONFIG" {
                continue;
            }
            let path: Vec<String> = rest.split("__").map(|p| p.to_ascii_lowercase()).collect();
            set_path(&mut tree, &path, parse_env_value(value))
                .with_context(|| format!("environment variable {key}"))?;
        }
        let config: Config =
            toml::Value::Table(tree).try_into().context("invalid configuration (check key names and value types)")?;
        config.validate()?;
        Ok(config)
    }

    /// Checks cross-field rules that serde cannot express.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.pipeline.max_attempts == 0 {
            bail!("[pipeline] max_attempts must be at least 1");
        }
        if self.pipeline.row_limit == 0 {
            bail!("[pipeline] row_limit must be at least 1");
        }
        if self.engine.query_timeout_secs == 0 || self.engine.max_concurrent_queries == 0 {
            bail!("[engine] query_timeout_secs and max_concurrent_queries must be at least 1");
        }
        if self.duckdb.threads == 0 {
            bail!("[duckdb] threads must be at least 1");
        }
        if self.pipeline.timezone.parse::<chrono_tz::Tz>().is_err() {
            bail!("[pipeline] timezone {:?} is not an IANA time zone such as Asia/Seoul", self.pipeline.timezone);
        }
        if self.alerts.timezone.parse::<chrono_tz::Tz>().is_err() {
            bail!("[alerts] timezone {:?} is not an IANA time zone such as Asia/Seoul", self.alerts.timezone);
        }
        for account in &self.alerts.accounts {
            if account.id.len() != 12 || !account.id.bytes().all(|b| b.is_ascii_digit()) {
                bail!("[[alerts.accounts]] id {:?} is not a 12-digit AWS account id", account.id);
            }
        }
        crate::accounts::Accounts::new(self.accounts.clone())?;
        Ok(())
    }

    /// The named accounts: `[[accounts]]`, then deprecated `[[alerts.accounts]]` entries for other ids; when both
    /// are empty and DuckDB reads the sample lake, the sample lake's three accounts.
    pub fn accounts(&self) -> crate::accounts::Accounts {
        let mut list = self.accounts.clone();
        for old in &self.alerts.accounts {
            if !list.iter().any(|a| a.id == old.id) {
                list.push(crate::accounts::AccountConfig {
                    id: old.id.clone(),
                    name: old.name.clone(),
                    aliases: Vec::new(),
                    channel: old.channel.clone(),
                    owner: String::new(),
                });
            }
        }
        let sample = self.engine.kind == EngineKind::Duckdb && self.duckdb.source == DuckDbSource::SampleLake;
        if list.is_empty() && sample {
            list = crate::accounts::sample_lake_accounts();
        }
        // A legacy name that clashes with a new one is dropped rather than failing at use.
        crate::accounts::Accounts::new(list.clone()).unwrap_or_else(|err| {
            tracing::warn!(error = %err, "[[alerts.accounts]] clashes with [[accounts]]; using [[accounts]] only");
            crate::accounts::Accounts::new(self.accounts.clone()).unwrap_or_default()
        })
    }

    /// The asker's time zone.
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.pipeline.timezone.parse().unwrap_or(chrono_tz::Asia::Seoul)
    }

    /// Region part of Security Lake names (`us_east_1`).
    pub fn lake_region(&self) -> String {
        if self.athena.lake_region.is_empty() {
            self.aws.region.replace('-', "_")
        } else {
            self.athena.lake_region.clone()
        }
    }

    /// Glue database holding the Security Lake tables.
    pub fn athena_database(&self) -> String {
        if self.athena.database.is_empty() {
            format!("amazon_security_lake_glue_db_{}", self.lake_region())
        } else {
            self.athena.database.clone()
        }
    }
}

fn read_toml(path: &Path) -> anyhow::Result<toml::Table> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read config file {} (pass --config or create it)", path.display()))?;
    toml::from_str(&text).with_context(|| format!("config file {} is not valid TOML", path.display()))
}

fn parse_env_value(raw: &str) -> toml::Value {
    // Try the value as a TOML right-hand side; fall back to a plain string.
    toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_owned()))
}

fn set_path(tree: &mut toml::Table, path: &[String], value: toml::Value) -> anyhow::Result<()> {
    match path {
        [] => bail!("empty key"),
        [last] => {
            tree.insert(last.clone(), value);
            Ok(())
        }
        [head, rest @ ..] => {
            let entry = tree.entry(head.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match entry {
                toml::Value::Table(t) => set_path(t, rest, value),
                _ => bail!("{head} is not a table"),
            }
        }
    }
}

/// One line of `asklake config check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckLine {
    /// Setting name as written in the TOML file.
    pub key: &'static str,
    /// Shown value, or `set (hidden)` for secrets.
    pub shown: String,
    /// Whether the setting is needed by the configured features and missing.
    pub missing: bool,
    /// What the setting enables.
    pub note: &'static str,
}

impl Config {
    /// What is set and what is missing, with secret values hidden.
    pub fn check(&self) -> Vec<CheckLine> {
        fn secret(s: &Option<SecretString>) -> String {
            if s.is_some() { "set (hidden)".into() } else { "not set".into() }
        }
        let athena = self.engine.kind == EngineKind::Athena;
        let slack_http = self.slack.app_token.is_none();
        let mut lines = vec![
            CheckLine {
                key: "engine.kind",
                shown: format!("{:?}", self.engine.kind).to_lowercase(),
                missing: false,
                note: "SQL engine",
            },
            CheckLine {
                key: "duckdb.path",
                shown: self.duckdb.path.display().to_string(),
                missing: !athena && self.duckdb.source == DuckDbSource::SampleLake && !self.duckdb.path.exists(),
                note: "sample lake file (create it with `asklake sample generate`)",
            },
            CheckLine { key: "aws.region", shown: self.aws.region.clone(), missing: false, note: "AWS region" },
            CheckLine {
                key: "athena.workgroup",
                shown: self.athena.workgroup.clone(),
                missing: athena && self.athena.workgroup.is_empty(),
                note: "Athena workgroup",
            },
            CheckLine {
                key: "athena.database",
                shown: self.athena_database(),
                missing: false,
                note: "Security Lake Glue database",
            },
            CheckLine {
                key: "llm.provider",
                shown: format!("{:?}", self.llm.provider).to_lowercase(),
                missing: false,
                note: "free-form questions need bedrock or openai",
            },
            CheckLine {
                key: "llm.model_id",
                shown: self.llm.model_id.clone(),
                missing: self.llm.provider != LlmProvider::None && self.llm.model_id.is_empty(),
                note: "model",
            },
            CheckLine {
                key: "llm.openai_base_url",
                shown: self.llm.openai_base_url.clone(),
                missing: self.llm.provider == LlmProvider::Openai && self.llm.openai_base_url.is_empty(),
                note: "OpenAI-compatible server",
            },
            CheckLine {
                key: "llm.openai_api_key",
                shown: secret(&self.llm.openai_api_key),
                missing: false,
                note: "OpenAI-compatible key",
            },
            CheckLine {
                key: "slack.bot_token",
                shown: secret(&self.slack.bot_token),
                missing: self.slack.bot_token.is_none(),
                note: "needed by `serve` and the change feed",
            },
            CheckLine {
                key: "slack.signing_secret",
                shown: secret(&self.slack.signing_secret),
                missing: slack_http && self.slack.signing_secret.is_none(),
                note: "needed by `serve` over HTTP",
            },
            CheckLine {
                key: "slack.app_token",
                shown: secret(&self.slack.app_token),
                missing: false,
                note: "set to use Socket Mode",
            },
            CheckLine {
                key: "server.bind",
                shown: self.server.bind.clone(),
                missing: false,
                note: "HTTP listen address",
            },
            CheckLine {
                key: "server.intake_bind",
                shown: self.server.intake_bind.clone(),
                missing: false,
                note: "change-feed intake (POST /events, POST /sns) listen address",
            },
            CheckLine {
                key: "server.metrics_bind",
                shown: if self.server.metrics_bind.is_empty() {
                    "off".into()
                } else {
                    self.server.metrics_bind.clone()
                },
                missing: false,
                note: "GET /metrics listen address (off = no metrics; beyond loopback needs server.metrics_token)",
            },
            CheckLine {
                key: "server.metrics_token",
                shown: secret(&self.server.metrics_token),
                missing: false,
                note: "bearer token for GET /metrics (required when metrics_bind is beyond loopback)",
            },
            CheckLine {
                key: "slack.allowed_channels",
                shown: format!(
                    "{} channels, {} users, {} groups{}",
                    self.slack.allowed_channels.len(),
                    self.slack.allowed_users.len(),
                    self.slack.allowed_usergroups.len(),
                    if self.slack.allow_everyone { ", allow_everyone" } else { "" }
                ),
                missing: !self.slack.allow_everyone
                    && self.slack.allowed_channels.is_empty()
                    && self.slack.allowed_users.is_empty()
                    && self.slack.allowed_usergroups.is_empty(),
                note: "who may ask (`serve` needs an allow list or allow_everyone = true)",
            },
            CheckLine {
                key: "store.path",
                shown: self.store.path.display().to_string(),
                missing: false,
                note: "SQLite state",
            },
            CheckLine {
                key: "alerts.events_token",
                shown: secret(&self.alerts.events_token),
                missing: false,
                note: "bearer token for POST /events (required when intake_bind is beyond loopback)",
            },
            CheckLine {
                key: "alerts.queue",
                shown: format!("{:?}", self.alerts.queue).to_lowercase(),
                missing: false,
                note: "change-feed source",
            },
            CheckLine {
                key: "alerts.sqs_queue_url",
                shown: self.alerts.sqs_queue_url.clone(),
                missing: self.alerts.queue == QueueKind::Sqs && self.alerts.sqs_queue_url.is_empty(),
                note: "SQS queue of CloudTrail events",
            },
            CheckLine {
                key: "alerts.default_channel",
                shown: self.alerts.default_channel.clone(),
                missing: self.alerts.enabled
                    && self.alerts.default_channel.is_empty()
                    && (self.alerts.accounts.iter().any(|a| a.channel.is_empty())
                        || self.accounts.iter().any(|a| a.channel.is_empty())),
                note: "channel for accounts without their own",
            },
        ];
        lines.push(CheckLine {
            key: "ha.claims_table",
            shown: if self.ha.claims_table.is_empty() { "off".into() } else { format!("on: {}", self.ha.claims_table) },
            missing: false,
            note: "DynamoDB claims shared by instances (off = one instance; run two only with it on)",
        });
        lines.push(CheckLine {
            key: "pipeline.timezone",
            shown: format!("{} (UTC{})", self.pipeline.timezone, chrono::Utc::now().with_timezone(&self.timezone()).format("%:z")),
            missing: false,
            note: "the askers' zone: time phrases, 새벽-style filters, times in answers, tables and charts (CSV stays UTC)",
        });
        let accounts = self.accounts();
        lines.push(CheckLine {
            key: "accounts",
            shown: accounts.all().iter().map(|a| a.display_name().to_owned()).collect::<Vec<_>>().join(", "),
            missing: false,
            note: "named accounts ([[accounts]]: routing, account_name, the prompt, library parameters)",
        });
        if !self.alerts.accounts.is_empty() {
            lines.push(CheckLine {
                key: "alerts.accounts",
                shown: format!("{} route(s), deprecated", self.alerts.accounts.len()),
                missing: false,
                note: "move [[alerts.accounts]] to top-level [[accounts]] (id, name, aliases, channel, owner)",
            });
        }
        lines.retain(|l| !(l.key.starts_with("athena.") && !athena && !l.missing));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_need_no_file_and_use_duckdb() {
        let c = Config::load_from(None, &vars(&[])).unwrap();
        assert_eq!(c.engine.kind, EngineKind::Duckdb);
        assert_eq!(c.pipeline.max_attempts, 3);
    }

    #[test]
    fn environment_overrides_nested_keys_with_typed_values() {
        let c = Config::load_from(
            None,
            &vars(&[
                ("ASKLAKE_ENGINE__KIND", "athena"),
                ("ASKLAKE_PIPELINE__MAX_ATTEMPTS", "5"),
                ("ASKLAKE_SLACK__ALLOWED_CHANNELS", r#"["C1","C2"]"#),
                ("ASKLAKE_SLACK__BOT_TOKEN", "xoxb-secret-value"),
            ]),
        )
        .unwrap();
        assert_eq!(c.engine.kind, EngineKind::Athena);
        assert_eq!(c.pipeline.max_attempts, 5);
        assert_eq!(c.slack.allowed_channels, vec!["C1", "C2"]);
        assert_eq!(c.slack.bot_token.as_ref().unwrap().expose_secret(), "xoxb-secret-value");
    }

    #[test]
    fn secrets_never_show_in_debug_or_check() {
        let c = Config::load_from(None, &vars(&[("ASKLAKE_SLACK__BOT_TOKEN", "xoxb-secret-value")])).unwrap();
        assert!(!format!("{c:?}").contains("xoxb-secret-value"));
        let shown: String = c.check().iter().map(|l| l.shown.clone()).collect();
        assert!(!shown.contains("xoxb-secret-value"));
        assert!(shown.contains("set (hidden)"));
    }

    #[test]
    fn check_says_whether_the_ha_claims_table_is_on_and_names_it() {
        let line = |c: &Config| c.check().into_iter().find(|l| l.key == "ha.claims_table").expect("an [ha] line");
        let off = Config::load_from(None, &vars(&[])).unwrap();
        assert_eq!((line(&off).shown.as_str(), line(&off).missing), ("off", false));
        let on = Config::load_from(None, &vars(&[("ASKLAKE_HA__CLAIMS_TABLE", "asklake-claims")])).unwrap();
        assert_eq!(line(&on).shown, "on: asklake-claims");
    }

    #[test]
    fn check_names_the_askers_zone_and_its_offset() {
        let line = |c: &Config| c.check().into_iter().find(|l| l.key == "pipeline.timezone").expect("a zone line");
        let seoul = Config::load_from(None, &vars(&[])).unwrap();
        assert_eq!(line(&seoul).shown, "Asia/Seoul (UTC+09:00)");
        let utc = Config::load_from(None, &vars(&[("ASKLAKE_PIPELINE__TIMEZONE", "UTC")])).unwrap();
        assert_eq!(line(&utc).shown, "UTC (UTC+00:00)");
    }

    #[test]
    fn athena_source_version_is_1_or_2_and_defaults_to_2() {
        let c = Config::load_from(None, &vars(&[])).unwrap();
        assert_eq!(c.athena.source_version, crate::catalog::SourceVersion::V2);
        assert_eq!((c.athena.result_reuse_minutes, c.athena.price_per_tb_usd), (15, 5.0));
        let c = Config::load_from(None, &vars(&[("ASKLAKE_ATHENA__SOURCE_VERSION", "1")])).unwrap();
        assert_eq!(c.athena.source_version, crate::catalog::SourceVersion::V1);
        let err = Config::load_from(None, &vars(&[("ASKLAKE_ATHENA__SOURCE_VERSION", "3")])).unwrap_err();
        assert!(format!("{err:#}").contains("source_version must be 1 or 2"), "{err:#}");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_rejected_with_context() {
        let err = Config::load_from(None, &vars(&[("ASKLAKE_PIPELINE__MAX_ATEMPTS", "5")])).unwrap_err();
        assert!(format!("{err:#}").contains("max_atempts"), "{err:#}");
        let err = Config::load_from(None, &vars(&[("ASKLAKE_PIPELINE__TIMEZONE", "Mars/Base")])).unwrap_err();
        assert!(format!("{err:#}").contains("Mars/Base"));
    }

    #[test]
    fn engine_limits_default_to_safe_values_and_zero_is_refused() {
        let c = Config::load_from(None, &vars(&[])).unwrap();
        assert_eq!((c.engine.query_timeout_secs, c.engine.max_concurrent_queries), (60, 2));
        assert_eq!((c.duckdb.threads, c.duckdb.memory_limit.as_str()), (1, "1GB"));
        let err = Config::load_from(None, &vars(&[("ASKLAKE_ENGINE__MAX_CONCURRENT_QUERIES", "0")])).unwrap_err();
        assert!(format!("{err:#}").contains("max_concurrent_queries"), "{err:#}");
    }

    #[test]
    fn missing_config_file_names_the_path() {
        let err = Config::load_from(Some(Path::new("/nonexistent/asklake.toml")), &vars(&[])).unwrap_err();
        assert!(format!("{err:#}").contains("/nonexistent/asklake.toml"));
    }
}

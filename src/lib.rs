//! asklake: ask Amazon Security Lake questions from Slack, and post per-account CloudTrail change summaries.
//!
//! # Layout
//! - [`cli`]: command-line surface (`serve`, `ask`, `sql`, `sample`, `library`, `alerts`, `config`).
//! - [`accounts`]: named AWS accounts (`[[accounts]]`) for routing, `account_name`, the prompt and the library.
//! - [`config`]: the only place that reads the environment and the config file; typed, secrets wrapped.
//! - [`telemetry`]: tracing setup.
//! - [`doctor`]: `asklake doctor`, step-by-step checks of a live setup, each failure with its fix.
//! - [`healthcheck`]: the container health probe (`asklake healthcheck`).
//! - [`templates`]: one template environment over `blocks/` and `prompts/`, embedded at compile time.
//! - [`catalog`]: logical flat tables (`cloudtrail`, `vpcflow`), their bindings per engine, CTE injection.
//! - [`engines`]: the [`engines::SqlEngine`] seam with DuckDB and Athena adapters.
//! - [`eval`]: `asklake eval`, the golden dev set, the result matcher and the accuracy report.
//! - [`llm`]: the [`llm::Llm`] seam with Bedrock Converse and OpenAI-compatible adapters.
//! - [`pipeline`]: question → SQL → validated SQL → rows → answer, with a bounded retry loop.
//! - [`library`]: verified question→SQL pairs and their retrieval.
//! - [`alerts`]: the CloudTrail change feed (queue, envelope, rules, grouping, rendering, worker).
//! - [`slack`]: request verification, slash commands, events, interactions, rendering, posting.
//! - [`store`]: SQLite state (threads, seen ids, feedback, embedded queue).
//! - [`ha`]: two instances at once: claims on Slack deliveries and change-feed posts (DynamoDB or local).
//! - [`sample`]: a deterministic synthetic Security Lake v2 with planted incidents.
//! - [`startup`] / [`state`]: build the application from config and hold its shared state.

pub mod accounts;
pub mod alerts;
pub mod catalog;
pub mod chart;
pub mod cli;
pub mod config;
pub mod doctor;
pub mod engines;
pub mod eval;
pub mod ha;
pub mod healthcheck;
pub mod library;
pub mod llm;
pub mod pipeline;
pub mod sample;
pub mod slack;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod templates;

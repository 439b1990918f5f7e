//! The real pipeline over a test's engine, model and retriever, and a question asked with a hang guard.

use std::sync::Arc;
use std::time::Duration;

use asklake::catalog::Catalog;
use asklake::config::PipelineConfig;
use asklake::engines::SqlEngine;
use asklake::library::{Retrieval, Retriever};
use asklake::llm::Llm;
use asklake::pipeline::{Answer, Asker, NoProgress, Pipeline, PipelineParts, Question};
use asklake::templates::Templates;
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

/// A retriever with no verified queries: every question goes to the model.
pub struct NoLibrary;

#[async_trait::async_trait]
impl Retriever for NoLibrary {
    async fn retrieve(&self, _q: &str, _now: DateTime<Utc>, _tz: chrono_tz::Tz) -> Retrieval {
        Retrieval::default()
    }
}

/// A pipeline with the embedded templates and a 5 s model timeout.
pub fn build(
    config: &PipelineConfig,
    catalog: Catalog,
    engine: Arc<dyn SqlEngine>,
    llm: Option<Arc<dyn Llm>>,
    retriever: Arc<dyn Retriever>,
) -> Pipeline {
    Pipeline::new(PipelineParts {
        config: config.clone(),
        catalog: Arc::new(catalog),
        engine,
        llm,
        retriever,
        templates: Templates::embedded(),
        llm_timeout: Duration::from_secs(5),
    })
}

/// Asks `text` as a new thread; a pipeline that hangs for 30 s fails the test.
pub async fn ask(pipeline: &Pipeline, text: &str) -> Answer {
    let question = Question { text: text.into(), history: Vec::new() };
    tokio::time::timeout(Duration::from_secs(30), pipeline.ask(question, &NoProgress, CancellationToken::new()))
        .await
        .expect("the pipeline must not hang")
}

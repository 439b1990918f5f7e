//! What this asklake is set up with, worked out once at startup for the App Home and `/asklake help`: engine,
//! model, Security Lake sources on and off, library size, and the verified questions that run here as they are.
//!
//! An example "works on this setup" when its SQL, rendered with its own defaults (it needs nothing from a
//! question), passes the validator against the catalog restricted to the sources that are on, for the
//! configured binding: the same check the pipeline makes before it runs a verified query.

use chrono::{DateTime, Duration, Utc};

use super::render::Lang;
use crate::catalog::{Binding, Catalog};
use crate::config::{Config, EngineKind, LlmProvider};
use crate::library::params::{self, ParamKind};
use crate::library::{Entry, Library, OfferParams};
use crate::pipeline::sources::Sources;

/// Most examples offered (Home buttons and the help list).
pub const MAX_EXAMPLES: usize = 8;

/// A verified question that runs on this setup with its defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupExample {
    /// Library entry id.
    pub id: String,
    /// English question.
    pub question_en: String,
    /// Korean question.
    pub question_ko: String,
    /// The entry's default window, when it has one.
    pub window: Option<Duration>,
}

impl SetupExample {
    /// The question in `lang`.
    pub fn question(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ko if !self.question_ko.trim().is_empty() => &self.question_ko,
            _ => &self.question_en,
        }
    }

    /// Parameters for one run now: the default window ending at `now`, nothing else.
    pub fn params_at(&self, now: DateTime<Utc>) -> OfferParams {
        OfferParams { start: self.window.map(|w| now - w), end: self.window.map(|_| now), ..OfferParams::default() }
    }
}

/// The configured setup, as shown to people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    /// `DuckDB` or `Athena`, with what it reads.
    pub engine: String,
    /// The model (`bedrock · <model id>`), `None` without one.
    pub model: Option<String>,
    /// Logical tables with data behind them.
    pub sources_on: Vec<String>,
    /// Logical tables whose source is missing.
    pub sources_off: Vec<String>,
    /// Verified questions in the library.
    pub library_size: usize,
    /// Examples that run here, at most [`MAX_EXAMPLES`], one per table first.
    pub examples: Vec<SetupExample>,
}

impl Setup {
    /// The setup from `config`, the served library's `entries` and the `sources` listed at startup.
    pub fn build(config: &Config, entries: &[Entry], sources: &Sources) -> Self {
        let catalog = Catalog::embedded().map(|c| c.with_accounts(&config.accounts())).unwrap_or_default();
        let on = catalog.only_tables(&sources.on);
        let binding = Binding::from_config(config);
        Self {
            engine: engine_label(config),
            model: model_label(config),
            sources_on: sources.on.clone(),
            sources_off: sources.off.iter().map(|(t, _)| t.clone()).collect(),
            library_size: entries.len(),
            examples: examples(entries, &on, &binding, config.pipeline.row_limit),
        }
    }

    /// The setup when startup did not list the sources (tests, tools): every table on, the configured library
    /// (an empty one when it cannot be loaded; `serve` refuses that case earlier).
    pub fn from_config(config: &Config) -> Self {
        let entries = match Library::from_config(&config.library) {
            Ok(library) => library.entries().to_vec(),
            Err(err) => {
                tracing::warn!(error = %err, "could not load the verified library for the App Home");
                Vec::new()
            }
        };
        let catalog = Catalog::embedded().unwrap_or_default();
        Self::build(config, &entries, &Sources::all(&catalog))
    }

    /// The example with library id `id`, if it is one this setup offers.
    pub fn example(&self, id: &str) -> Option<&SetupExample> {
        self.examples.iter().find(|e| e.id == id)
    }

    /// The example questions in `lang`, in order: the one list the Home buttons and `/asklake help` show.
    pub fn example_questions(&self, lang: Lang) -> Vec<&str> {
        self.examples.iter().map(|e| e.question(lang)).collect()
    }
}

fn engine_label(config: &Config) -> String {
    match config.engine.kind {
        EngineKind::Athena => "Athena".to_owned(),
        EngineKind::Duckdb => "DuckDB".to_owned(),
    }
}

fn model_label(config: &Config) -> Option<String> {
    let provider = match config.llm.provider {
        LlmProvider::None => return None,
        LlmProvider::Bedrock => "Bedrock",
        LlmProvider::Openai => "OpenAI-compatible",
        LlmProvider::Replay => "recorded replies",
    };
    let model = config.llm.model_id.trim();
    Some(if model.is_empty() { provider.to_owned() } else { format!("{provider} · {model}") })
}

/// Entries that run with their defaults and validate against `on`: first one per table (in catalog order of
/// the first table each reads), then the rest in library order, up to [`MAX_EXAMPLES`].
fn examples(entries: &[Entry], on: &Catalog, binding: &Binding, row_limit: u64) -> Vec<SetupExample> {
    let now = Utc::now();
    let runnable: Vec<(&Entry, String)> = entries
        .iter()
        .filter(|e| e.param_kinds().all(|(_, default)| !default.trim().is_empty()))
        .filter_map(|e| {
            let sql = params::render(&e.sql, &params::defaults_with_examples(e, now)).ok()?;
            let validated = crate::pipeline::validate::validate(&sql, on, binding, row_limit).ok()?;
            Some((e, validated.tables().first()?.clone()))
        })
        .collect();
    let mut picked: Vec<&Entry> = Vec::new();
    for table in &on.tables {
        if let Some((entry, _)) = runnable.iter().find(|(_, t)| t.eq_ignore_ascii_case(&table.name)) {
            picked.push(entry);
        }
    }
    for (entry, _) in &runnable {
        if !picked.iter().any(|p| p.id == entry.id) {
            picked.push(entry);
        }
    }
    picked.truncate(MAX_EXAMPLES);
    picked.into_iter().map(example_of).collect()
}

fn example_of(entry: &Entry) -> SetupExample {
    let window = entry
        .param_kinds()
        .find(|(k, _)| *k == ParamKind::Window)
        .map(|(_, d)| params::parse_window(d).unwrap_or(Duration::days(7)));
    SetupExample {
        id: entry.id.clone(),
        question_en: entry.question_en.clone(),
        question_ko: entry.question_ko.clone(),
        window,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup_with(on: &[&str]) -> Setup {
        let config = Config::default();
        let sources = Sources { on: on.iter().map(|s| s.to_string()).collect(), off: Vec::new() };
        Setup::build(&config, Library::embedded().unwrap().entries(), &sources)
    }

    #[test]
    fn examples_only_read_tables_that_are_on_and_need_nothing_from_a_question() {
        let library = Library::embedded().unwrap();
        let only_vpc = setup_with(&["vpcflow"]);
        assert!(!only_vpc.examples.is_empty());
        for example in &only_vpc.examples {
            let entry = library.get(&example.id).unwrap();
            assert!(entry.sql.contains("vpcflow") && !entry.sql.contains("cloudtrail"), "{}", entry.id);
            assert!(entry.param_kinds().all(|(_, d)| !d.is_empty()), "{} needs a parameter", entry.id);
        }
        assert!(setup_with(&[]).examples.is_empty(), "no source on, no example");
    }

    #[test]
    fn every_table_that_is_on_gets_an_example_before_any_table_gets_two() {
        let setup = setup_with(&["cloudtrail", "vpcflow", "findings"]);
        let library = Library::embedded().unwrap();
        let first_three: Vec<&str> =
            setup.examples[..3].iter().map(|e| library.get(&e.id).unwrap().sql.as_str()).collect();
        for table in ["cloudtrail", "vpcflow", "findings"] {
            assert!(first_three.iter().any(|sql| sql.contains(table)), "{table}: {first_three:#?}");
        }
        assert_eq!(setup.examples.len(), MAX_EXAMPLES);
    }

    #[test]
    fn an_example_runs_over_its_default_window_ending_now() {
        let setup = setup_with(&["cloudtrail"]);
        let example = setup.examples.iter().find(|e| e.window.is_some()).unwrap();
        let now = Utc::now();
        let params = example.params_at(now);
        assert_eq!((params.end, params.start), (Some(now), Some(now - example.window.unwrap())));
        let library = Library::embedded().unwrap();
        params.checked_values(library.get(&example.id).unwrap()).expect("the checked offer path accepts it");
    }
}

//! Loading the library from the embedded `prompts/library/` files or a folder, with whole-library validation:
//! unique ids, per-entry checks, and every entry's SQL validated against the table catalog.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::entry::Entry;
use super::params;
use crate::catalog::{Binding, Catalog};
use crate::config::LibraryConfig;

/// One problem with one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryProblem {
    /// File the entry is in.
    pub file: String,
    /// Entry id (or `#<n>` when the id is missing).
    pub id: String,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for EntryProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "library entry `{}` ({}): {}", self.id, self.file, self.reason)
    }
}

/// Why the library could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LibraryError {
    /// A file could not be read or is not valid TOML of the library format.
    #[error("library file {file}: {message}")]
    File {
        /// Path.
        file: String,
        /// Reader or TOML error.
        message: String,
    },
    /// Entries failed validation.
    #[error("{} invalid library entr{}; fix them or remove them:\n{}", .0.len(),
        if .0.len() == 1 { "y" } else { "ies" },
        .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<EntryProblem>),
    /// Nothing to serve.
    #[error("the library at {0} has no entries; add prompts/library/*.toml files")]
    Empty(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LibraryFile {
    #[serde(default)]
    entry: Vec<Entry>,
}

/// The validated set of entries.
#[derive(Debug, Clone, PartialEq)]
pub struct Library {
    entries: Vec<Entry>,
}

impl Library {
    /// The library compiled into the binary from `prompts/library/`.
    pub fn embedded() -> Result<Self, LibraryError> {
        let files = crate::templates::embedded_prompt_files("library");
        let files: Vec<(String, String)> = files
            .into_iter()
            .filter(|(path, _)| path.ends_with(".toml"))
            .map(|(path, text)| (path, text.to_string()))
            .collect();
        Self::from_files("embedded prompts/library", &files)
    }

    /// Every `*.toml` file in `dir` (not recursive), in name order.
    pub fn load(dir: &Path) -> Result<Self, LibraryError> {
        let file_err = |message: String| LibraryError::File { file: dir.display().to_string(), message };
        let read = std::fs::read_dir(dir).map_err(|e| file_err(format!("cannot read the folder: {e}")))?;
        let mut paths: Vec<_> = read
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        let mut files = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|e| LibraryError::File {
                file: path.display().to_string(),
                message: format!("cannot read: {e}"),
            })?;
            files.push((path.display().to_string(), text));
        }
        Self::from_files(&dir.display().to_string(), &files)
    }

    /// The embedded library, or `[library] dir` when set.
    pub fn from_config(config: &LibraryConfig) -> Result<Self, LibraryError> {
        if config.dir.trim().is_empty() { Self::embedded() } else { Self::load(Path::new(&config.dir)) }
    }

    /// Parses and validates `(file name, TOML text)` pairs; `origin` names the set in errors.
    pub fn from_files(origin: &str, files: &[(String, String)]) -> Result<Self, LibraryError> {
        let mut located = Vec::new();
        for (file, text) in files {
            let parsed: LibraryFile =
                toml::from_str(text).map_err(|e| LibraryError::File { file: file.clone(), message: e.to_string() })?;
            located.extend(parsed.entry.into_iter().map(|e| (file.clone(), e)));
        }
        if located.is_empty() {
            return Err(LibraryError::Empty(origin.to_string()));
        }
        Self::validated(located)
    }

    /// Builds a library from entries already in memory (validated the same way).
    pub fn from_entries(entries: Vec<Entry>) -> Result<Self, LibraryError> {
        Self::validated(entries.into_iter().map(|e| ("(memory)".to_string(), e)).collect())
    }

    fn validated(located: Vec<(String, Entry)>) -> Result<Self, LibraryError> {
        let catalog = Catalog::embedded().map_err(|e| LibraryError::File {
            file: "embedded prompts/catalog.toml".into(),
            message: format!("the table catalog does not load, so entries cannot be checked: {e:#}"),
        })?;
        let problems = validate(&located, &catalog);
        if !problems.is_empty() {
            return Err(LibraryError::Invalid(problems));
        }
        Ok(Self { entries: located.into_iter().map(|(_, e)| e).collect() })
    }

    /// Entries in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Entry by id.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }
}

fn validate(located: &[(String, Entry)], catalog: &Catalog) -> Vec<EntryProblem> {
    let mut problems = Vec::new();
    let mut first_seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (n, (file, entry)) in located.iter().enumerate() {
        let id = if entry.id.is_empty() { format!("#{}", n + 1) } else { entry.id.clone() };
        let mut push = |reason: String| problems.push(EntryProblem { file: file.clone(), id: id.clone(), reason });
        if !entry.id.is_empty()
            && let Some(other) = first_seen.insert(&entry.id, file)
        {
            push(format!("duplicate id (also defined in {other})"));
        }
        let own = entry.problems();
        if own.is_empty()
            && let Some(reason) = catalog_problem(entry, catalog)
        {
            push(reason);
        }
        for reason in own {
            push(reason);
        }
    }
    problems
}

/// Why the entry's SQL (rendered with defaults and example values) is refused by the query validator: unknown
/// tables or columns, functions that are not allowed, anything the pipeline would refuse at run time.
fn catalog_problem(entry: &Entry, catalog: &Catalog) -> Option<String> {
    let sql = params::render(&entry.sql, &params::defaults_with_examples(entry, chrono::Utc::now())).ok()?;
    // The sample-lake binding provides every logical table; the check is about the logical SQL, not an engine.
    crate::pipeline::validate::validate(&sql, catalog, &Binding::DuckDbSampleLake, u64::MAX)
        .err()
        .map(|e| format!("SQL does not validate against the catalog: {e}"))
}

//! Lexical evidence for the slice: which tables and columns a question names, through their names, synonyms
//! (English and Korean), example values and distinctive description words, and which ones SQL text reads.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;

use crate::catalog::{Catalog, LogicalColumn, LogicalTable};
use crate::library::text::{content_words, is_hangul, normalize};

static IDENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z_][A-Za-z0-9_]*").expect("valid regex"));

/// A question prepared for matching.
pub(super) struct QueryText {
    words: BTreeSet<String>,
    /// Normalised text without spaces (Korean spacing varies).
    compact: String,
}

impl QueryText {
    pub(super) fn new(text: &str) -> Self {
        Self { words: content_words(text).into_iter().collect(), compact: normalize(text).replace(' ', "") }
    }

    /// Whether the question says `phrase`: all of its content words, or (Korean) its text anywhere.
    pub(super) fn says(&self, phrase: &str) -> bool {
        let words = content_words(phrase);
        if words.is_empty() {
            return false;
        }
        if phrase.chars().any(is_hangul) {
            let compact = normalize(phrase).replace(' ', "");
            if compact.chars().count() >= 2 && self.compact.contains(&compact) {
                return true;
            }
        }
        words.iter().all(|w| self.words.contains(w))
    }
}

/// What the question says about one column: the phrases that matched, and a score.
#[derive(Debug, Clone, Default)]
pub(super) struct ColumnHit {
    pub phrases: Vec<String>,
    pub score: f32,
}

/// Matches of the question against one column's name, synonyms and example values.
pub(super) fn column_hit(q: &QueryText, col: &LogicalColumn) -> ColumnHit {
    let mut hit = ColumnHit::default();
    let name = col.name.replace('_', " ");
    for phrase in std::iter::once(&name).chain(&col.synonyms_en).chain(&col.synonyms_ko) {
        if q.says(phrase) {
            hit.phrases.push(normalize(phrase));
            hit.score += 2.0;
        }
    }
    for value in &col.examples {
        if q.says(value) {
            hit.phrases.push(format!("value:{}", normalize(value)));
            hit.score += 1.0;
        }
    }
    hit
}

/// Table scores from the question alone: names and synonyms (4 each), description words found in no other
/// table's description (1 each), and column hits shared out over the tables whose columns say the same phrase.
pub(super) fn table_scores(q: &QueryText, catalog: &Catalog) -> (Vec<f32>, Vec<Vec<ColumnHit>>) {
    let hits: Vec<Vec<ColumnHit>> =
        catalog.tables.iter().map(|t| t.columns.iter().map(|c| column_hit(q, c)).collect()).collect();
    let mut tables_per_phrase: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for (ti, cols) in hits.iter().enumerate() {
        for p in cols.iter().flat_map(|h| &h.phrases) {
            tables_per_phrase.entry(p).or_default().insert(ti);
        }
    }
    let distinctive = distinctive_description_words(catalog);
    let scores = catalog
        .tables
        .iter()
        .enumerate()
        .map(|(ti, t)| {
            let names = std::iter::once(&t.name).chain(&t.synonyms_en).chain(&t.synonyms_ko);
            let mut score = 4.0 * names.filter(|n| q.says(&n.replace('_', " "))).count() as f32;
            score += distinctive[ti].iter().filter(|w| q.words.contains(*w)).count() as f32;
            for (ci, h) in hits[ti].iter().enumerate() {
                if is_generic(t, ci) {
                    continue;
                }
                for p in &h.phrases {
                    let weight = if p.starts_with("value:") { 1.0 } else { 2.0 };
                    score += weight / tables_per_phrase[p.as_str()].len() as f32;
                }
            }
            score
        })
        .collect();
    (scores, hits)
}

/// Time, account and region columns say nothing about which table a question is about.
fn is_generic(table: &LogicalTable, column: usize) -> bool {
    use crate::catalog::JoinKey;
    matches!(LogicalTable::join_key(&table.columns[column]), Some(JoinKey::Time | JoinKey::Account | JoinKey::Region))
}

fn distinctive_description_words(catalog: &Catalog) -> Vec<BTreeSet<String>> {
    let per_table: Vec<BTreeSet<String>> = catalog
        .tables
        .iter()
        .map(|t| content_words(&t.description).into_iter().filter(|w| w.len() > 2).collect())
        .collect();
    per_table
        .iter()
        .enumerate()
        .map(|(i, words)| {
            words
                .iter()
                .filter(|w| per_table.iter().enumerate().all(|(j, o)| j == i || !o.contains(*w)))
                .cloned()
                .collect()
        })
        .collect()
}

/// Catalog tables and their columns named in `sql` (identifier tokens; over-inclusion is harmless).
pub(super) fn sql_mentions(sql: &str, catalog: &Catalog) -> Vec<(String, Vec<String>)> {
    let tokens: BTreeSet<String> = IDENT.find_iter(sql).map(|m| m.as_str().to_ascii_lowercase()).collect();
    catalog
        .tables
        .iter()
        .filter(|t| tokens.contains(&t.name))
        .map(|t| {
            let cols = t.columns.iter().filter(|c| tokens.contains(&c.name)).map(|c| c.name.clone()).collect();
            (t.name.clone(), cols)
        })
        .collect()
}

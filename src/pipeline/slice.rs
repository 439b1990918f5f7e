//! The catalog slice a prompt shows: the tables and columns a question needs, chosen by retrieval over the
//! catalog's names, synonyms and examples plus the retrieved library examples and the thread's earlier SQL,
//! with the join keys between the chosen tables. The validator is given the same slice, so every column it
//! accepts is one the model was shown; a refused name widens the slice for the next attempt ([`Widen`]).
//!
//! Always shown for a chosen table: its time, account and region columns and the columns marked `core`. When
//! the question names no table (retrieval is unsure) the best-scoring table is shown whole, and a table whose
//! columns the question does not name is shown whole too.

mod score;
#[cfg(test)]
pub(crate) mod tests;
mod widen;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::Turn;
use crate::catalog::{Catalog, JoinHint, JoinKey, LogicalTable};
use crate::library::Example;
use score::QueryText;
pub use widen::after_refusal;

/// Score a table needs from the question itself to be chosen (a name or synonym counts 4).
const CHOSEN: f32 = 2.0;
/// A chosen table also scores at least this share of the best one.
const RELATIVE: f32 = 0.4;
/// Tables shown at most, besides those the thread or the examples already use.
const MAX_CHOSEN: usize = 3;

/// Names an earlier attempt used that were not shown, to add to the next slice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Widen {
    /// Whole tables to show.
    pub tables: BTreeSet<String>,
    /// `(table, column)` pairs to show.
    pub columns: BTreeSet<(String, String)>,
}

/// A table the lake has but the prompt does not show, named so the model knows it exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableBrief {
    /// Logical table name.
    pub name: String,
    /// What one row is.
    pub description: String,
}

/// What one prompt shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// The tables and columns shown; the validator accepts exactly these.
    pub shown: Catalog,
    /// How the shown tables join.
    pub joins: Vec<JoinHint>,
    /// Tables of the lake not shown.
    pub others: Vec<TableBrief>,
    /// Retrieval was unsure, so a larger slice was shown.
    pub broad: bool,
}

impl Selection {
    /// Every table and column (no slicing).
    pub fn everything(catalog: &Catalog) -> Self {
        let names: Vec<String> = catalog.tables.iter().map(|t| t.name.clone()).collect();
        Self { shown: catalog.clone(), joins: joins_among(catalog, &names), others: Vec::new(), broad: true }
    }

    /// The shown columns of `table`, comma-separated (empty when the table is not shown).
    pub fn shown_columns(&self, table: &str) -> String {
        self.shown
            .table(table)
            .map(|t| t.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    }
}

/// What the slice is chosen from.
#[derive(Debug, Clone, Copy)]
pub struct SliceInputs<'a> {
    /// Normalised question.
    pub question: &'a str,
    /// Retrieved examples that go into the prompt.
    pub examples: &'a [Example],
    /// Earlier turns of the thread.
    pub history: &'a [Turn],
    /// Names earlier attempts needed.
    pub widen: &'a Widen,
}

/// Chooses the slice of `catalog` (the tables this lake has) for one prompt.
pub fn select(catalog: &Catalog, inputs: &SliceInputs<'_>) -> Selection {
    let q = QueryText::new(inputs.question);
    let (scores, hits) = score::table_scores(&q, catalog);
    let mut wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut whole: BTreeSet<String> = inputs.widen.tables.clone();
    let sqls =
        inputs.history.iter().filter_map(|t| t.sql.as_deref()).chain(inputs.examples.iter().map(|e| e.sql.as_str()));
    for sql in sqls {
        for (table, cols) in score::sql_mentions(sql, catalog) {
            wanted.entry(table).or_default().extend(cols);
        }
    }
    for (table, col) in &inputs.widen.columns {
        wanted.entry(table.clone()).or_default().insert(col.clone());
    }
    let best = scores.iter().copied().fold(0.0f32, f32::max);
    let mut ranked: Vec<usize> =
        (0..catalog.tables.len()).filter(|&i| scores[i] >= CHOSEN && scores[i] >= RELATIVE * best).collect();
    ranked.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    ranked.truncate(MAX_CHOSEN);
    let from_thread = inputs.history.iter().any(|t| t.sql.is_some()) || !inputs.widen.tables.is_empty();
    let broad = ranked.is_empty() && !from_thread;
    if broad {
        // The question names no table: show the best guess whole (examples vote; catalog order breaks ties).
        let vote = |i: usize| scores[i] + example_votes(catalog, inputs.examples, &catalog.tables[i].name);
        let guess = (0..catalog.tables.len()).max_by(|&a, &b| vote(a).total_cmp(&vote(b)).then(b.cmp(&a)));
        whole.extend(guess.map(|i| catalog.tables[i].name.clone()));
    }
    for &i in &ranked {
        let t = &catalog.tables[i];
        let named: BTreeSet<String> =
            t.columns.iter().zip(&hits[i]).filter(|(_, h)| h.score > 0.0).map(|(c, _)| c.name.clone()).collect();
        let core: BTreeSet<&str> = t.core_columns().map(|c| c.name.as_str()).collect();
        let specific =
            named.iter().any(|n| !core.contains(n.as_str())) || wanted.get(&t.name).is_some_and(|c| !c.is_empty());
        if !specific {
            // The question names the table but none of its columns: show it whole.
            whole.insert(t.name.clone());
        }
        wanted.entry(t.name.clone()).or_default().extend(named);
    }
    for name in &whole {
        wanted.entry(name.clone()).or_default();
    }
    build(catalog, &wanted, &whole, broad)
}

/// The one table the question names most clearly (by name, synonyms or distinctive columns), if any.
pub fn best_named_table<'c>(catalog: &'c Catalog, question: &str) -> Option<&'c LogicalTable> {
    let (scores, _) = score::table_scores(&QueryText::new(question), catalog);
    let best = (0..scores.len()).max_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(b.cmp(&a)))?;
    let unique = scores.iter().enumerate().all(|(i, s)| i == best || *s < scores[best]);
    (scores[best] >= CHOSEN && unique).then(|| &catalog.tables[best])
}

/// Assembles the selection: wanted columns plus core columns and join keys, in catalog order.
fn build(
    catalog: &Catalog,
    wanted: &BTreeMap<String, BTreeSet<String>>,
    whole: &BTreeSet<String>,
    broad: bool,
) -> Selection {
    let names: Vec<String> =
        catalog.tables.iter().filter(|t| wanted.contains_key(&t.name)).map(|t| t.name.clone()).collect();
    let keys = shared_keys(catalog, &names);
    let tables = catalog
        .tables
        .iter()
        .filter(|t| wanted.contains_key(&t.name))
        .map(|t| {
            if whole.contains(&t.name) {
                return t.clone();
            }
            let cols = &wanted[&t.name];
            let keep = |c: &crate::catalog::LogicalColumn| {
                cols.contains(&c.name)
                    || t.core_columns().any(|k| k.name == c.name)
                    || LogicalTable::join_key(c).is_some_and(|k| keys.contains(&k))
            };
            LogicalTable { columns: t.columns.iter().filter(|c| keep(c)).cloned().collect(), ..t.clone() }
        })
        .collect();
    let shown = Catalog { tables, accounts: catalog.accounts.clone() };
    let others = catalog
        .tables
        .iter()
        .filter(|t| !wanted.contains_key(&t.name))
        .map(|t| TableBrief { name: t.name.clone(), description: t.description.clone() })
        .collect();
    Selection { joins: joins_among(&shown, &names), shown, others, broad }
}

/// Sum of the scores of the examples whose SQL reads `table`.
fn example_votes(catalog: &Catalog, examples: &[Example], table: &str) -> f32 {
    examples
        .iter()
        .filter(|e| score::sql_mentions(&e.sql, catalog).iter().any(|(t, _)| t == table))
        .map(|e| e.score)
        .sum()
}

/// Key kinds shared by at least two of the named tables.
fn shared_keys(catalog: &Catalog, names: &[String]) -> BTreeSet<JoinKey> {
    let mut count: BTreeMap<JoinKey, usize> = BTreeMap::new();
    for t in catalog.tables.iter().filter(|t| names.contains(&t.name)) {
        let kinds: BTreeSet<JoinKey> = t.columns.iter().filter_map(LogicalTable::join_key).collect();
        for k in kinds {
            *count.entry(k).or_default() += 1;
        }
    }
    count.into_iter().filter(|(_, n)| *n >= 2).map(|(k, _)| k).collect()
}

/// Join hints for every pair of the named tables.
fn joins_among(catalog: &Catalog, names: &[String]) -> Vec<JoinHint> {
    let tables: Vec<&LogicalTable> = catalog.tables.iter().filter(|t| names.contains(&t.name)).collect();
    let mut out = Vec::new();
    for (i, left) in tables.iter().enumerate() {
        for right in &tables[i + 1..] {
            out.extend(crate::catalog::joins_between(left, right));
        }
    }
    out
}

//! After a refusal: a name the model used that the slice did not show is added for the next attempt, and the
//! diagnosis lists what was shown, so the retry can use either.

use super::{Selection, Widen};
use crate::catalog::Catalog;
use crate::pipeline::validate::ValidationError;

/// Columns added at most when a misspelt column is refused.
const NEAREST: usize = 3;

/// Widens `widen` for a refusal by the sliced validator; returns the diagnosis text (`base`, the ordinary one, is
/// kept when the column exists nowhere), or `None` when the refusal has nothing to do with the slice (the name is in
/// no table of `catalog`, the tables this lake has).
pub fn after_refusal(
    err: &ValidationError,
    base: &str,
    catalog: &Catalog,
    selection: &Selection,
    widen: &mut Widen,
) -> Option<String> {
    match err {
        ValidationError::UnknownTable { table, .. } => {
            let t = catalog.table(table)?;
            if selection.shown.table(&t.name).is_some() {
                return None;
            }
            widen.tables.insert(t.name.clone());
            Some(format!(
                "Table `{}` was not shown to you, so it was refused. It is listed below now with its columns; use them as listed. Tables shown before: {}.",
                t.name,
                selection.shown.table_names()
            ))
        }
        ValidationError::UnknownColumn { table, column, .. } => {
            let name = column.rsplit('.').next().unwrap_or(column).to_ascii_lowercase();
            let tables: Vec<&str> = table.split(", ").filter(|t| selection.shown.table(t).is_some()).collect();
            let shown =
                tables.iter().map(|t| format!("{t}: {}", selection.shown_columns(t))).collect::<Vec<_>>().join("; ");
            let mut added = Vec::new();
            let exists = tables.iter().filter_map(|t| catalog.table(t)).any(|t| t.column(&name).is_some());
            for t in tables.iter().filter_map(|t| catalog.table(t)) {
                if t.column(&name).is_some() {
                    added.push(format!("{}.{name}", t.name));
                    continue;
                }
                let words: Vec<&str> = name.split('_').filter(|w| w.len() > 2).collect();
                let near = t
                    .columns
                    .iter()
                    .filter(|c| selection.shown.table(&t.name).is_some_and(|s| s.column(&c.name).is_none()))
                    .filter(|c| c.name.split('_').any(|w| words.contains(&w)))
                    .take(NEAREST);
                added.extend(near.map(|c| format!("{}.{}", t.name, c.name)));
            }
            if tables.is_empty() {
                return None;
            }
            for qualified in &added {
                let (t, c) = qualified.split_once('.').expect("qualified above");
                widen.columns.insert((t.to_owned(), c.to_owned()));
            }
            let more = if added.is_empty() {
                "No other column of these tables matches that name; use one of the shown columns.".to_owned()
            } else {
                format!("Now also listed below: {}.", added.join(", "))
            };
            Some(if exists {
                format!(
                    "Column `{column}` is not among the columns shown to you, so it was refused. Shown: {shown}. {more}"
                )
            } else {
                format!("{base} Columns shown: {shown}. {more}")
            })
        }
        _ => None,
    }
}

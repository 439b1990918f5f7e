//! The derived `account_name` column: added to every logical table that has `account_id`, as a CASE over the
//! configured `[[accounts]]` ids in each binding's own `account_id` expression (unknown ids show as the id).

use super::binding::quote_literal;
use super::{Catalog, ColumnExprs, LogicalColumn, LogicalTable};
use crate::accounts::Accounts;

/// Name of the derived column.
pub const ACCOUNT_NAME: &str = "account_name";
/// Name of the column it is derived from.
pub const ACCOUNT_ID: &str = "account_id";

impl Catalog {
    /// The catalog with `account_name` derived from `accounts` in every table that has `account_id` (replacing
    /// an earlier derivation), and the accounts kept for the prompt.
    pub fn with_accounts(mut self, accounts: &Accounts) -> Self {
        for table in &mut self.tables {
            derive(table, accounts);
        }
        self.accounts = accounts.all().to_vec();
        self
    }
}

/// Whether the catalog file itself declares `account_name` (refused: it is derived).
pub(super) fn declares_account_name(table: &LogicalTable) -> bool {
    table.column(ACCOUNT_NAME).is_some()
}

fn derive(table: &mut LogicalTable, accounts: &Accounts) {
    table.columns.retain(|c| c.name != ACCOUNT_NAME);
    let Some(pos) = table.columns.iter().position(|c| c.name == ACCOUNT_ID) else { return };
    let id = &table.columns[pos];
    let case = |e: &String| case_expr(e, accounts);
    let expr = ColumnExprs {
        v2: case(&id.expr.v2),
        v1: id.expr.v1.as_ref().map(case),
        duckdb: id.expr.duckdb.as_ref().map(case),
        raw: id.expr.raw.as_ref().map(case),
    };
    let mut names: Vec<String> = accounts.all().iter().map(|a| a.display_name().to_owned()).take(5).collect();
    if names.is_empty() {
        // No configured accounts: the column shows the ids themselves.
        names = id.examples.clone();
    }
    let column = LogicalColumn {
        name: ACCOUNT_NAME.into(),
        ty: id.ty.clone(),
        meaning: "Name of the account in account_id, from asklake's [[accounts]] list (the id itself when the \
                  account has no name). Filter on it when the question names an account."
            .into(),
        examples: names,
        synonyms_en: vec!["account name".into(), "account alias".into()],
        synonyms_ko: vec!["계정 이름".into(), "계정명".into()],
        join: None,
        core: true,
        expr,
    };
    table.columns.insert(pos + 1, column);
}

/// `CASE <id_expr> WHEN '<id>' THEN '<name>' … ELSE <id_expr> END`, or `<id_expr>` with no named account.
fn case_expr(id_expr: &str, accounts: &Accounts) -> String {
    let whens: Vec<String> = accounts
        .all()
        .iter()
        .filter(|a| !a.name.trim().is_empty())
        .map(|a| format!("WHEN {} THEN {}", quote_literal(&a.id), quote_literal(a.display_name())))
        .collect();
    if whens.is_empty() {
        return format!("({id_expr})");
    }
    format!("(CASE ({id_expr}) {} ELSE ({id_expr}) END)", whens.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{AccountConfig, sample_lake_accounts};

    #[test]
    fn every_table_with_account_id_gets_a_quoted_account_name_in_every_binding() {
        let mut list = sample_lake_accounts();
        list[0].name = "acme prod; DROP".into();
        list.push(AccountConfig {
            id: "111122223333".into(),
            name: String::new(),
            aliases: vec![],
            channel: String::new(),
            owner: String::new(),
        });
        let catalog = Catalog::embedded().unwrap().with_accounts(&Accounts::new(list).unwrap());
        let with_id: Vec<_> = catalog.tables.iter().filter(|t| t.column(ACCOUNT_ID).is_some()).collect();
        assert!(!with_id.is_empty());
        for table in with_id {
            let col = table.column(ACCOUNT_NAME).unwrap_or_else(|| panic!("{} has no account_name", table.name));
            let id = table.column(ACCOUNT_ID).unwrap();
            assert!(col.expr.v2.contains("WHEN '318205947761' THEN 'acme prod; DROP'"), "{}", col.expr.v2);
            assert!(!col.expr.v2.contains("111122223333"), "unnamed accounts fall to ELSE: {}", col.expr.v2);
            assert_eq!(col.expr.raw.is_some(), id.expr.raw.is_some(), "{}", table.name);
            assert_eq!(col.expr.v1.is_some(), id.expr.v1.is_some(), "{}", table.name);
        }
        let again = catalog.clone().with_accounts(&Accounts::default());
        let ct = again.table("cloudtrail").unwrap();
        assert_eq!(ct.columns.iter().filter(|c| c.name == ACCOUNT_NAME).count(), 1, "re-deriving replaces");
        assert!(!ct.column(ACCOUNT_NAME).unwrap().expr.v2.contains("CASE"));
    }
}

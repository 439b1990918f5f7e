//! Partition predicates: the time window and account/region filters a query puts on a logical table, rendered
//! as predicates on the partition columns of the bound Security Lake source version.
//!
//! Source version 1 tables are partitioned by `eventday` (a `'YYYYMMDD'` string), `region` and `accountid`;
//! version 2 tables by `time_dt`, `region` and `accountid` (AWS Security Lake user guide, "Security Lake queries
//! for AWS source version 1" and "... version 2"; AWS CIRT's Security Lake OCSF queries: "if there are no partition
//! constraints (accountid, region, or eventday) then by default ALL data will be scanned"). `eventday` is taken
//! to be the UTC day of the event time, as the AWS v1 examples filter it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDateTime};

use super::binding::{SourceVersion, quote_literal};
use super::{Binding, Catalog, LogicalTable};

/// One side of an `event_time` window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeBound {
    /// The bound as written in the query: a constant SQL expression (`TIMESTAMP '…'`, `current_timestamp - …`).
    pub sql: String,
    /// Its value in UTC when it is a literal (with or without a constant interval added), else `None`.
    pub at: Option<NaiveDateTime>,
    /// Whether the bound itself is in the window (`>=`, `<=`, `BETWEEN`) or not (`>`, `<`).
    pub inclusive: bool,
}

/// What every use of one logical table in a query restricts it to. `None` means unrestricted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pushdown {
    /// Earliest `event_time`.
    pub from: Option<TimeBound>,
    /// Latest `event_time`.
    pub until: Option<TimeBound>,
    /// Allowed `account_id` values.
    pub accounts: Option<BTreeSet<String>>,
    /// Allowed `region` values.
    pub regions: Option<BTreeSet<String>>,
}

impl Pushdown {
    /// Whether the query bounds the time window on both sides or at least from below (what prunes partitions).
    pub fn has_time_bound(&self) -> bool {
        self.from.is_some()
    }

    /// The smallest restriction that holds for both `self` and `other` (two uses of one table).
    pub fn hull(self, other: Pushdown) -> Pushdown {
        Pushdown {
            from: hull_bound(self.from, other.from, |a, b| a.min(b)),
            until: hull_bound(self.until, other.until, |a, b| a.max(b)),
            accounts: union(self.accounts, other.accounts),
            regions: union(self.regions, other.regions),
        }
    }
}

fn hull_bound(
    a: Option<TimeBound>,
    b: Option<TimeBound>,
    pick: fn(NaiveDateTime, NaiveDateTime) -> NaiveDateTime,
) -> Option<TimeBound> {
    let (a, b) = (a?, b?);
    if a == b {
        return Some(a);
    }
    let (ta, tb) = (a.at?, b.at?);
    let at = pick(ta, tb);
    let inclusive = match (ta == tb, ta == at) {
        (true, _) => a.inclusive || b.inclusive,
        (false, true) => a.inclusive,
        (false, false) => b.inclusive,
    };
    Some(if ta == at { TimeBound { inclusive, ..a } } else { TimeBound { inclusive, ..b } })
}

fn union(a: Option<BTreeSet<String>>, b: Option<BTreeSet<String>>) -> Option<BTreeSet<String>> {
    let mut a = a?;
    a.extend(b?);
    Some(a)
}

impl Binding {
    /// Predicates over `table`'s source columns that keep only the partitions `pushdown` can match; empty when
    /// the binding has no partitions or the query gives no usable bound.
    pub fn partition_predicates(&self, table: &LogicalTable, pushdown: &Pushdown) -> Vec<String> {
        let Binding::AthenaSecurityLake { source_version, .. } = self else { return Vec::new() };
        let mut out = Vec::new();
        match source_version {
            SourceVersion::V2 if self.column_is(table, "event_time", "time_dt") => {
                if let Some(b) = &pushdown.from {
                    out.push(format!("time_dt {} {}", if b.inclusive { ">=" } else { ">" }, timestamp_sql(b)));
                }
                if let Some(b) = &pushdown.until {
                    out.push(format!("time_dt {} {}", if b.inclusive { "<=" } else { "<" }, timestamp_sql(b)));
                }
            }
            SourceVersion::V1 if table.v1_table.is_some() && table.column("event_time").is_some() => {
                out.extend(eventday(pushdown))
            }
            _ => {}
        }
        for (column, partition, values) in
            [("account_id", "accountid", &pushdown.accounts), ("region", "region", &pushdown.regions)]
        {
            if let Some(values) = values.as_ref().filter(|_| self.column_is(table, column, partition)) {
                let list: Vec<String> = values.iter().map(|v| quote_literal(v)).collect();
                out.push(format!("{partition} IN ({})", list.join(", ")));
            }
        }
        out
    }

    /// Gives every table in `tables` whose partitions follow `event_time` and that has no lower `event_time`
    /// bound in `pushdowns` the bound `event_time >= from`; returns the tables it bounded.
    pub fn hold_to(
        &self,
        catalog: &Catalog,
        tables: &[String],
        pushdowns: &mut BTreeMap<String, Pushdown>,
        from: NaiveDateTime,
    ) -> Vec<String> {
        let bound = TimeBound {
            sql: format!("TIMESTAMP '{}'", from.format("%Y-%m-%d %H:%M:%S")),
            at: Some(from),
            inclusive: true,
        };
        let only_from = Pushdown { from: Some(bound.clone()), ..Pushdown::default() };
        let mut held = Vec::new();
        for name in tables {
            let Some(table) = catalog.table(name) else { continue };
            let open = pushdowns.get(name).is_none_or(|p| p.from.is_none());
            if open && !self.partition_predicates(table, &only_from).is_empty() {
                pushdowns.entry(name.clone()).or_default().from = Some(bound.clone());
                held.push(name.clone());
            }
        }
        held
    }

    /// Whether logical `column` of `table` is exactly the source column `source` in this binding.
    fn column_is(&self, table: &LogicalTable, column: &str, source: &str) -> bool {
        table.column(column).and_then(|c| self.expr(c)).is_some_and(|e| e.trim().eq_ignore_ascii_case(source))
    }
}

/// The bound as a Trino timestamp: a literal when its value is known, else the query's own expression.
fn timestamp_sql(b: &TimeBound) -> String {
    match b.at {
        Some(at) => format!("TIMESTAMP '{}'", at.format("%Y-%m-%d %H:%M:%S%.3f")),
        None => format!("({})", b.sql),
    }
}

/// `eventday` predicates: whole UTC days, the upper one exclusive of a bound that is itself excluded.
fn eventday(p: &Pushdown) -> Vec<String> {
    let day = |t: NaiveDateTime| format!("'{}'", t.format("%Y%m%d"));
    let from = p.from.as_ref().map(|b| match b.at {
        Some(at) => day(at),
        None => format!("date_format(({}) AT TIME ZONE 'UTC', '%Y%m%d')", b.sql),
    });
    let until = p.until.as_ref().map(|b| match (b.at, b.inclusive) {
        (Some(at), true) => day(at),
        (Some(at), false) => day(at - Duration::milliseconds(1)),
        (None, true) => format!("date_format(({}) AT TIME ZONE 'UTC', '%Y%m%d')", b.sql),
        (None, false) => format!("date_format(date_add('millisecond', -1, ({})) AT TIME ZONE 'UTC', '%Y%m%d')", b.sql),
    });
    match (from, until) {
        (Some(f), Some(u)) => vec![format!("eventday BETWEEN {f} AND {u}")],
        (Some(f), None) => vec![format!("eventday >= {f}")],
        (None, Some(u)) => vec![format!("eventday <= {u}")],
        (None, None) => Vec::new(),
    }
}

//! Join keys: which columns of two logical tables hold the same kind of value, and how to join on each kind.
//!
//! A column declares its key with `join = "ip"` (or `instance`, `principal`, `vpc`, `account`, `region`,
//! `time`) in `prompts/catalog.toml`; `event_time`, `account_id` and `region` are keys by their names. Two
//! tables join on the columns that share a key; the prompt shows those pairs with the key's rule.

use serde::{Deserialize, Serialize};

use super::{LogicalColumn, LogicalTable};

/// The kind of value a join column holds. Unknown kinds are refused when the catalog is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JoinKey {
    /// When the row happened (UTC): joined on a window, never on equality.
    Time,
    /// 12-digit AWS account id.
    Account,
    /// AWS region name.
    Region,
    /// An IPv4/IPv6 address.
    Ip,
    /// An EC2 instance id (`i-…`).
    Instance,
    /// An IAM principal ARN.
    Principal,
    /// A VPC id (`vpc-…`).
    Vpc,
}

impl JoinKey {
    /// The key implied by a conventional column name (`event_time`, `account_id`, `region`).
    pub fn implied_by_name(name: &str) -> Option<JoinKey> {
        match name {
            "event_time" => Some(JoinKey::Time),
            "account_id" => Some(JoinKey::Account),
            "region" => Some(JoinKey::Region),
            _ => None,
        }
    }

    /// How to join on this key, one sentence for the prompt.
    pub fn rule(self) -> &'static str {
        match self {
            JoinKey::Time => {
                "time window: never join on equal times; join on another key and bound the other side's event_time to a window around this one, e.g. `b.event_time BETWEEN a.event_time - INTERVAL '1' HOUR AND a.event_time + INTERVAL '1' HOUR`, and filter both sides on the question's period"
            }
            JoinKey::Account => {
                "account: equal account ids; never the only key (always with an IP, instance or principal)"
            }
            JoinKey::Region => "region: equal region names, together with the account",
            JoinKey::Ip => {
                "IP address: equal addresses (the same IP can be a source on one side and a destination on the other)"
            }
            JoinKey::Instance => "instance id: equal `i-…` ids",
            JoinKey::Principal => "principal: equal IAM ARNs",
            JoinKey::Vpc => "VPC id: equal `vpc-…` ids, together with the account",
        }
    }
}

/// One way to join two tables: the columns on each side that share a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JoinHint {
    /// Left table.
    pub left: String,
    /// Right table.
    pub right: String,
    /// Key kind.
    pub key: JoinKey,
    /// `left_column = right_column` pairs, as SQL.
    pub pairs: Vec<String>,
    /// How to join on this key.
    pub rule: &'static str,
}

/// Join hints between two tables, one per shared key kind, in key order.
pub fn between(left: &LogicalTable, right: &LogicalTable) -> Vec<JoinHint> {
    let keyed = |t: &LogicalTable| -> Vec<(JoinKey, String)> {
        t.columns
            .iter()
            .filter_map(|c: &LogicalColumn| LogicalTable::join_key(c).map(|k| (k, c.name.clone())))
            .collect()
    };
    let (l, r) = (keyed(left), keyed(right));
    let mut kinds: Vec<JoinKey> = l.iter().map(|(k, _)| *k).filter(|k| r.iter().any(|(rk, _)| rk == k)).collect();
    kinds.sort();
    kinds.dedup();
    kinds
        .into_iter()
        .map(|key| {
            let pairs = l
                .iter()
                .filter(|(k, _)| *k == key)
                .flat_map(|(_, lc)| {
                    r.iter().filter(|(k, _)| *k == key).map(move |(_, rc)| {
                        let op = if key == JoinKey::Time { "~" } else { "=" };
                        format!("{}.{lc} {op} {}.{rc}", left.name, right.name)
                    })
                })
                .collect();
            JoinHint { left: left.name.clone(), right: right.name.clone(), key, pairs, rule: key.rule() }
        })
        .collect()
}

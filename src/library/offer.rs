//! Offers: a verified entry with the parameters a question gave it (time window, account, IP…), kept so a
//! person can run it later (a Slack button, `asklake ask --run`). The SQL is never carried: it is rendered again
//! from the library entry, after every value is checked by its kind.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::entry::Entry;
use super::params::{self, ParamKind, Values, Window};
use super::scope::scope_to_account;

/// Longest window an offer may carry (a forged or stale parameter set cannot ask for more).
pub const MAX_WINDOW_DAYS: i64 = 400;

/// Parameters for one run of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferParams {
    /// Window start (UTC), when the entry has a window.
    pub start: Option<DateTime<Utc>>,
    /// Window end (UTC, exclusive).
    pub end: Option<DateTime<Utc>>,
    /// Other parameters by kind name (`ip`, `account`, …).
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// Account the whole query is scoped to, for entries that do not declare `account`.
    #[serde(default)]
    pub account_scope: Option<String>,
}

/// A verified entry offered with its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    /// Library entry id.
    pub entry: String,
    /// The entry's question in the asker's language.
    pub question: String,
    /// Parameters taken from the question.
    pub params: OfferParams,
}

/// Why an offer cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfferError {
    /// No entry with that id.
    #[error("no verified query {0}")]
    UnknownEntry(String),
    /// A value that its kind refuses, an undeclared parameter, or a bad window.
    #[error("invalid parameter {0}")]
    BadParam(String),
    /// Rendering or scoping failed.
    #[error("{0}")]
    Render(String),
}

impl OfferParams {
    /// From resolved values and an account scope.
    pub fn from_values(values: &Values, account_scope: Option<&str>) -> Self {
        Self {
            start: values.window.map(|w| w.start),
            end: values.window.map(|w| w.end),
            values: values.scalars.iter().map(|(k, v)| (k.name().to_owned(), v.clone())).collect(),
            account_scope: account_scope.map(str::to_owned),
        }
    }

    /// Checks every value against `entry`'s declared kinds and turns them into render values.
    ///
    /// # Errors
    /// An undeclared or malformed parameter, a missing or inverted window, or one longer than
    /// [`MAX_WINDOW_DAYS`].
    pub fn checked_values(&self, entry: &Entry) -> Result<Values, OfferError> {
        let mut values = Values::default();
        for (name, value) in &self.values {
            let kind = ParamKind::from_name(name)
                .filter(|k| *k != ParamKind::Window && entry.declares(*k))
                .ok_or_else(|| OfferError::BadParam(name.clone()))?;
            if !kind.accepts(value) {
                return Err(OfferError::BadParam(name.clone()));
            }
            values.scalars.insert(kind, value.clone());
        }
        match (entry.declares(ParamKind::Window), self.start, self.end) {
            (true, Some(start), Some(end)) if start < end && end - start <= Duration::days(MAX_WINDOW_DAYS) => {
                values.window = Some(Window { start, end });
            }
            (false, None, None) => {}
            _ => return Err(OfferError::BadParam("window".into())),
        }
        if let Some(account) = &self.account_scope
            && (entry.declares(ParamKind::Account) || !ParamKind::Account.accepts(account))
        {
            return Err(OfferError::BadParam("account".into()));
        }
        Ok(values)
    }
}

impl OfferParams {
    /// The `--param NAME=VALUE` arguments of `asklake ask --run` that carry these parameters.
    pub fn to_cli_args(&self) -> Vec<String> {
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut out = Vec::new();
        out.extend(self.start.map(|t| format!("start={}", time(t))));
        out.extend(self.end.map(|t| format!("end={}", time(t))));
        out.extend(self.values.iter().map(|(k, v)| format!("{k}={v}")));
        out.extend(self.account_scope.as_ref().map(|a| format!("scope={a}")));
        out
    }

    /// Parses `--param NAME=VALUE` arguments (values are checked against the entry later).
    ///
    /// # Errors
    /// An argument without `=`, or a time that is not RFC 3339.
    pub fn from_cli_args(args: &[String]) -> Result<Self, OfferError> {
        let mut out = Self::default();
        for arg in args {
            let (name, value) = arg.split_once('=').ok_or_else(|| OfferError::BadParam(arg.clone()))?;
            let time = || {
                DateTime::parse_from_rfc3339(value)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| OfferError::BadParam(name.to_owned()))
            };
            match name {
                "start" => out.start = Some(time()?),
                "end" => out.end = Some(time()?),
                "scope" => out.account_scope = Some(value.to_owned()),
                _ => {
                    out.values.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        Ok(out)
    }
}

/// Renders `entry` with `values`, then scopes it to `account_scope` over `scoped_tables` (logical tables with
/// `account_id`). The one way an entry's SQL is made from parameters, for questions and offers alike.
///
/// # Errors
/// A placeholder without a value, or a query that cannot be scoped.
pub fn render_entry(
    entry: &Entry,
    values: &Values,
    account_scope: Option<&str>,
    scoped_tables: &BTreeSet<String>,
) -> Result<String, OfferError> {
    let sql = params::render(&entry.sql, values).map_err(OfferError::Render)?;
    match account_scope {
        None => Ok(sql),
        Some(account) => scope_to_account(&sql, account, scoped_tables).map_err(|e| OfferError::Render(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::catalog::{Binding, Catalog};
    use crate::library::Library;

    fn scoped() -> BTreeSet<String> {
        ["cloudtrail".to_string(), "vpcflow".to_string()].into_iter().collect()
    }

    #[test]
    fn every_entry_scoped_to_an_account_still_validates_against_the_catalog() {
        let library = Library::embedded().unwrap();
        let catalog = Catalog::embedded().unwrap();
        let tables: BTreeSet<String> = catalog
            .tables
            .iter()
            .filter(|t| t.column(crate::catalog::ACCOUNT_ID).is_some())
            .map(|t| t.name.clone())
            .collect();
        let now = Utc::now();
        let mut scoped = 0;
        for entry in library.entries().iter().filter(|e| !e.declares(ParamKind::Account)) {
            let values = params::defaults_with_examples(entry, now);
            let Ok(sql) = render_entry(entry, &values, Some("318205947761"), &tables) else { continue };
            crate::pipeline::validate::validate(&sql, &catalog, &Binding::DuckDbSampleLake, u64::MAX)
                .unwrap_or_else(|e| panic!("{}: {e}\n{sql}", entry.id));
            scoped += 1;
        }
        assert!(scoped * 10 >= library.entries().len() * 8, "only {scoped} entries could be scoped");
    }

    #[test]
    fn forged_or_stale_parameters_are_refused_by_kind() {
        let library = Library::embedded().unwrap();
        let entry = library.entries().iter().find(|e| e.declares(ParamKind::Ip)).unwrap();
        let t = |d: u32| Utc.with_ymd_and_hms(2026, 11, d, 0, 0, 0).unwrap();
        let good = OfferParams {
            start: Some(t(1)),
            end: Some(t(2)),
            values: [("ip".to_string(), "203.0.113.9".to_string())].into(),
            account_scope: None,
        };
        assert!(good.checked_values(entry).is_ok());
        let mut bad = good.clone();
        bad.values.insert("ip".into(), "1' OR '1'='1".into());
        assert_eq!(bad.checked_values(entry), Err(OfferError::BadParam("ip".into())));
        let mut bad = good.clone();
        bad.values.insert("port".into(), "22".into());
        assert!(bad.checked_values(entry).is_err() || entry.declares(ParamKind::Port));
        let mut bad = good.clone();
        (bad.start, bad.end) = (Some(t(2)), Some(t(1)));
        assert_eq!(bad.checked_values(entry), Err(OfferError::BadParam("window".into())));
        let mut bad = good.clone();
        bad.start = Some(t(1) - Duration::days(MAX_WINDOW_DAYS + 1));
        assert_eq!(bad.checked_values(entry), Err(OfferError::BadParam("window".into())));
        let mut bad = good;
        bad.account_scope = Some("x".into());
        assert_eq!(bad.checked_values(entry), Err(OfferError::BadParam("account".into())));
        assert!(render_entry(entry, &Values::default(), None, &scoped()).is_err());
    }

    #[test]
    fn cli_arguments_round_trip() {
        let t = |d: u32| Utc.with_ymd_and_hms(2026, 11, d, 0, 0, 0).unwrap();
        let params = OfferParams {
            start: Some(t(1)),
            end: Some(t(2)),
            values: [("ip".to_string(), "203.0.113.9".to_string())].into(),
            account_scope: Some("318205947761".into()),
        };
        let args = params.to_cli_args();
        assert_eq!(args[0], "start=2026-11-01T00:00:00Z");
        assert_eq!(OfferParams::from_cli_args(&args).unwrap(), params);
        assert!(OfferParams::from_cli_args(&["start=yesterday".into()]).is_err());
    }
}

//! The functions a query may call, per engine: one data table, everything else refused.
//!
//! Where the list comes from:
//! - the Trino functions `prompts/system.md.j2` teaches (date_trunc, date_format, date_diff, regexp_like,
//!   json_extract_scalar, approx_distinct, count_if, max_by, 3-argument date_add, transform, any_match, …) and those
//!   the verified library (`prompts/library/*.toml`) and the catalog examples use;
//! - the Trino functions the DuckDB engine shims as TEMP macros (`engines::duckdb::shims::TRINO_SHIMS`, every one of
//!   them is here, see the test `every_duckdb_shim_is_allowed_on_duckdb`);
//! - the ordinary, side-effect-free scalar, aggregate and window functions of Trino over strings, dates, numbers,
//!   arrays, maps and JSON that security questions use;
//! - on DuckDB only, the replacements the prompt's DuckDB notes and `diagnose` suggest (strftime, isodow, …) and the
//!   targets of `dialect::rewrite_for_duckdb` (list_transform, list_bool_or, list_bool_and).
//!
//! Deliberately absent: anything reading files, URLs, settings, secrets or the catalog (`read_*`, `glob`, `query`,
//! `duckdb_*`, `current_setting`, `getenv`, …), table functions, row generators (`range`, `generate_series`,
//! `sequence`, `unnest` as a function) and functions whose output grows with a numeric argument (`repeat`, `lpad`,
//! `rpad`, `array_repeat`): a model never needs them to answer a question about the lake.

use crate::engines::Dialect;

/// Engines a function may be called on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum On {
    /// Athena (Trino) and DuckDB (natively or through a shim).
    Both,
    /// Athena (Trino) only; DuckDB lacks it (the diagnosis names the DuckDB form when there is one).
    Trino,
    /// DuckDB only: replacements the DuckDB prompt and diagnosis teach, and rewrite targets.
    DuckDb,
}

/// Every allowed function, lower case, with the engines it may run on.
pub(super) const FUNCTIONS: &[(&str, On)] = &[
    // Aggregates.
    ("count", On::Both),
    ("count_if", On::Both),
    ("sum", On::Both),
    ("avg", On::Both),
    ("min", On::Both),
    ("max", On::Both),
    ("max_by", On::Both),
    ("min_by", On::Both),
    ("arbitrary", On::Both),
    ("any_value", On::Both),
    ("array_agg", On::Both),
    ("bool_and", On::Both),
    ("bool_or", On::Both),
    ("every", On::Trino),
    ("approx_distinct", On::Both),
    ("approx_percentile", On::Both),
    ("approx_quantile", On::DuckDb),
    ("approx_count_distinct", On::DuckDb),
    ("histogram", On::Both),
    ("map_agg", On::Trino),
    ("listagg", On::Trino),
    ("stddev", On::Both),
    ("stddev_pop", On::Both),
    ("stddev_samp", On::Both),
    ("variance", On::Both),
    ("var_pop", On::Both),
    ("var_samp", On::Both),
    ("corr", On::Both),
    // Window functions.
    ("row_number", On::Both),
    ("rank", On::Both),
    ("dense_rank", On::Both),
    ("percent_rank", On::Both),
    ("cume_dist", On::Both),
    ("ntile", On::Both),
    ("lag", On::Both),
    ("lead", On::Both),
    ("first_value", On::Both),
    ("last_value", On::Both),
    ("nth_value", On::Both),
    // Conditionals.
    ("coalesce", On::Both),
    ("nullif", On::Both),
    ("if", On::Both),
    ("greatest", On::Both),
    ("least", On::Both),
    ("try", On::Trino),
    // Strings.
    ("lower", On::Both),
    ("upper", On::Both),
    ("length", On::Both),
    ("ltrim", On::Both),
    ("rtrim", On::Both),
    ("trim", On::Both),
    ("substr", On::Both),
    ("substring", On::Both),
    ("replace", On::Both),
    ("concat", On::Both),
    ("concat_ws", On::Both),
    ("split", On::Both),
    ("split_part", On::Both),
    ("strpos", On::Both),
    ("starts_with", On::Both),
    ("reverse", On::Both),
    ("chr", On::Both),
    ("levenshtein_distance", On::Trino),
    ("regexp_like", On::Both),
    ("regexp_extract", On::Both),
    ("regexp_extract_all", On::Both),
    ("regexp_replace", On::Both),
    ("regexp_count", On::Trino),
    ("url_extract_host", On::Both),
    ("url_extract_path", On::Trino),
    ("strftime", On::DuckDb),
    ("strptime", On::DuckDb),
    ("regexp_matches", On::DuckDb),
    // JSON.
    ("json_extract_scalar", On::Both),
    ("json_extract", On::Both),
    ("json_parse", On::Both),
    ("json_format", On::Both),
    ("json_array_length", On::Both),
    ("json_extract_string", On::DuckDb),
    // Dates and times.
    ("current_timestamp", On::Both),
    ("current_date", On::Trino), // DuckDB needs the ICU extension for it, which asklake does not load.
    ("now", On::Both),
    ("localtimestamp", On::Trino), // likewise
    ("date_trunc", On::Both),
    ("date_add", On::Both),
    ("date_diff", On::Both),
    ("date_format", On::Both),
    ("date_parse", On::Both),
    ("format_datetime", On::Both),
    ("from_iso8601_timestamp", On::Both),
    ("from_iso8601_date", On::Both),
    ("from_unixtime", On::Both),
    ("to_unixtime", On::Both),
    ("to_iso8601", On::Both),
    ("year", On::Both),
    ("quarter", On::Both),
    ("month", On::Both),
    ("week", On::Both),
    ("day", On::Both),
    ("hour", On::Both),
    ("minute", On::Both),
    ("second", On::Both),
    ("day_of_week", On::Trino),
    ("day_of_year", On::Trino),
    ("week_of_year", On::Trino),
    ("date", On::Trino),
    ("last_day_of_month", On::Trino),
    ("at_timezone", On::Trino),
    ("with_timezone", On::Trino),
    ("isodow", On::DuckDb),
    ("epoch", On::DuckDb),
    ("to_timestamp", On::DuckDb),
    // Numbers.
    ("abs", On::Both),
    ("round", On::Both),
    ("ceil", On::Both),
    ("ceiling", On::Both),
    ("floor", On::Both),
    ("mod", On::Both),
    ("power", On::Both),
    ("pow", On::Both),
    ("sqrt", On::Both),
    ("ln", On::Both),
    ("log2", On::Both),
    ("log10", On::Both),
    ("exp", On::Both),
    ("sign", On::Both),
    // Arrays and maps.
    ("cardinality", On::Both),
    ("element_at", On::Both),
    ("contains", On::Both),
    ("array_join", On::Both),
    ("array_distinct", On::Both),
    ("array_sort", On::Both),
    ("array_max", On::Trino),
    ("array_min", On::Trino),
    ("array_position", On::Both),
    ("flatten", On::Both),
    ("filter", On::Both),
    ("transform", On::Both),
    ("any_match", On::Both),
    ("all_match", On::Both),
    ("none_match", On::Both),
    ("map_keys", On::Both),
    ("map_values", On::Both),
    ("array_to_string", On::DuckDb),
    ("list_transform", On::DuckDb),
    ("list_bool_or", On::DuckDb),
    ("list_bool_and", On::DuckDb),
];

/// Whether `name` (any case) may be called on `dialect`.
pub(super) fn is_allowed(name: &str, dialect: Dialect) -> bool {
    let lower = name.to_ascii_lowercase();
    FUNCTIONS.iter().any(|(f, on)| *f == lower && runs_on(*on, dialect))
}

/// Whether `name` is allowed on some engine, but not on `dialect`.
pub(super) fn is_allowed_elsewhere(name: &str, dialect: Dialect) -> bool {
    let lower = name.to_ascii_lowercase();
    FUNCTIONS.iter().any(|(f, on)| *f == lower && !runs_on(*on, dialect))
}

/// Up to three allowed functions on `dialect` nearest to `name` by edit distance.
pub(super) fn nearest(name: &str, dialect: Dialect) -> Vec<&'static str> {
    let lower = name.to_ascii_lowercase();
    let mut scored: Vec<(usize, &'static str)> = FUNCTIONS
        .iter()
        .filter(|(_, on)| runs_on(*on, dialect))
        .map(|(f, _)| (super::suggest::levenshtein(&lower, f), *f))
        .filter(|(d, f)| *d <= f.len() / 2 || f.starts_with(&lower) || lower.starts_with(f))
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, f)| f).collect()
}

fn runs_on(on: On, dialect: Dialect) -> bool {
    matches!((on, dialect), (On::Both, _) | (On::Trino, Dialect::Trino) | (On::DuckDb, Dialect::DuckDb))
}

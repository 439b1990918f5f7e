//! Trino-compat TEMP macros, installed on every DuckDB connection so Athena-style SQL runs unchanged.

/// One `CREATE OR REPLACE TEMP MACRO` per Trino function DuckDB lacks or spells differently.
pub const TRINO_SHIMS: &[(&str, &str)] = &[
    ("regexp_like", "regexp_like(s, p) AS regexp_matches(s, p)"),
    ("json_extract_scalar", "json_extract_scalar(j, p) AS json_extract_string(j, p)"),
    ("json_parse", "json_parse(s) AS json(s)"),
    ("json_format", "json_format(j) AS CAST(j AS VARCHAR)"),
    ("approx_distinct", "approx_distinct(x) AS approx_count_distinct(x)"),
    ("approx_percentile", "approx_percentile(x, p) AS approx_quantile(x, p)"),
    ("from_iso8601_timestamp", "from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)"),
    ("from_iso8601_date", "from_iso8601_date(s) AS CAST(s AS DATE)"),
    ("from_unixtime", "from_unixtime(x) AS to_timestamp(x)"),
    ("to_unixtime", "to_unixtime(ts) AS epoch(ts)"),
    ("to_iso8601", "to_iso8601(ts) AS strftime(CAST(ts AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%gZ')"),
    ("date_add", "date_add(a, b) AS a + b, (u, n, ts) AS ts + CAST(CAST(n AS VARCHAR) || ' ' || u AS INTERVAL)"),
    (
        "date_format",
        "date_format(ts, f) AS strftime(ts, replace(replace(replace(replace(replace(f, '%M', '%B'), '%i', '%M'), '%s', '%S'), '%W', '%A'), '%T', '%H:%M:%S'))",
    ),
    (
        "date_parse",
        // strptime needs a constant format, so only the specifiers both sides share (%Y %m %d %H %S %T…) carry over.
        "date_parse(s, f) AS strptime(s, f)",
    ),
    (
        "format_datetime",
        "format_datetime(ts, f) AS strftime(ts, replace(replace(replace(replace(replace(replace(f, 'yyyy', '%Y'), 'MM', '%m'), 'dd', '%d'), 'HH', '%H'), 'mm', '%M'), 'ss', '%S'))",
    ),
    ("array_join", "array_join(a, sep) AS array_to_string(a, sep)"),
    ("element_at", "element_at(a, i) AS a[i]"),
    ("cardinality", "cardinality(a) AS len(a)"),
    ("contains", "contains(a, x) AS list_contains(a, x)"),
    (
        "url_extract_host",
        "url_extract_host(u) AS nullif(regexp_extract(u, '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#]+)', 1), '')",
    ),
];

/// The SQL batch installing every shim.
pub fn install_sql() -> String {
    TRINO_SHIMS.iter().map(|(_, body)| format!("CREATE OR REPLACE TEMP MACRO {body};\n")).collect()
}

/// Macros that make every "current time" function answer `now`: the real clock per query, or a frozen one
/// (`--now`, `asklake eval`).
///
/// DuckDB parses `current_timestamp` as a call to `get_current_timestamp()` and `current_date` as
/// `current_date()`; temp macros win over built-ins of the same name, so SQL the model writes with
/// `current_timestamp`, `now()`, `localtimestamp` or `current_date` sees this time. The value is a plain UTC
/// `TIMESTAMP`, like the lake's time columns: DuckDB without its ICU extension (which the lock forbids loading)
/// cannot subtract an interval from a `TIMESTAMP WITH TIME ZONE`, so Trino's `current_timestamp - INTERVAL '7'
/// DAY` only runs this way.
pub fn current_time_sql(now: chrono::DateTime<chrono::Utc>) -> String {
    let ts = now.format("%Y-%m-%d %H:%M:%S%.6f");
    let date = now.format("%Y-%m-%d");
    [
        format!("now() AS TIMESTAMP '{ts}'"),
        format!("get_current_timestamp() AS TIMESTAMP '{ts}'"),
        format!("transaction_timestamp() AS TIMESTAMP '{ts}'"),
        format!("localtimestamp() AS TIMESTAMP '{ts}'"),
        format!("current_localtimestamp() AS TIMESTAMP '{ts}'"),
        format!("current_date() AS DATE '{date}'"),
        format!("today() AS DATE '{date}'"),
    ]
    .iter()
    .map(|body| format!("CREATE OR REPLACE TEMP MACRO {body};\n"))
    .collect()
}

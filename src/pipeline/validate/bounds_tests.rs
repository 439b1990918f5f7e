//! Unit tests of partition pushdown: the bound SQL of each source version for the windows queries write.

use super::*;
use crate::catalog::SourceVersion;

fn athena(source_version: SourceVersion) -> Binding {
    Binding::AthenaSecurityLake { database: "db".into(), lake_region: "us_east_1".into(), source_version }
}

fn bound(sql: &str, version: SourceVersion) -> ValidatedSql {
    validate(sql, &Catalog::embedded().unwrap(), &athena(version), 100).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The text of the binding's CTE for `table` in the executable SQL.
fn cte<'a>(v: &'a ValidatedSql, table: &str) -> &'a str {
    let sql = v.executable();
    let start = sql.find(&format!("{table} AS (SELECT ")).unwrap_or_else(|| panic!("no {table} CTE in {sql}"));
    let end = sql[start..].find(" AS src").map(|i| start + i).unwrap();
    let close = [")\n", "),\n"].iter().filter_map(|m| sql[end..].find(m)).min().map(|i| end + i + 1).unwrap();
    &sql[start..close]
}

const ONE_UTC_DAY: &str = "SELECT api_operation FROM cloudtrail WHERE event_time >= TIMESTAMP '2026-12-01 00:00:00' \
                           AND event_time < TIMESTAMP '2026-12-02 00:00:00'";

#[test]
fn a_one_day_window_is_a_one_day_eventday_predicate_on_v1() {
    let v = bound(ONE_UTC_DAY, SourceVersion::V1);
    assert!(
        cte(&v, "cloudtrail").ends_with("AS src WHERE eventday BETWEEN '20261201' AND '20261201')"),
        "{}",
        v.executable()
    );
    assert!(v.unbounded_tables().is_empty());
}

#[test]
fn a_korean_yesterday_spans_two_utc_eventdays_and_an_inclusive_end_keeps_its_day() {
    let kst = "SELECT api_operation FROM cloudtrail WHERE event_time >= TIMESTAMP '2026-12-01 15:00:00' \
               AND event_time < TIMESTAMP '2026-12-02 15:00:00'";
    assert!(cte(&bound(kst, SourceVersion::V1), "cloudtrail").contains("eventday BETWEEN '20261201' AND '20261202'"));
    let inclusive = "SELECT api_operation FROM cloudtrail \
                     WHERE event_time BETWEEN TIMESTAMP '2026-12-01 00:00:00' AND TIMESTAMP '2026-12-02 00:00:00'";
    let v = bound(inclusive, SourceVersion::V1);
    assert!(cte(&v, "cloudtrail").contains("eventday BETWEEN '20261201' AND '20261202'"), "{}", v.executable());
}

#[test]
fn v2_gets_time_dt_predicates_inside_the_cte() {
    let v = bound(ONE_UTC_DAY, SourceVersion::V2);
    let c = cte(&v, "cloudtrail");
    assert!(
        c.ends_with(
            "AS src WHERE time_dt >= TIMESTAMP '2026-12-01 00:00:00.000' AND time_dt < TIMESTAMP '2026-12-02 00:00:00.000')"
        ),
        "{c}"
    );
    assert!(!c.contains("eventday"));
}

#[test]
fn relative_windows_keep_their_expression_and_library_offsets_are_computed() {
    let rel = "SELECT api_operation FROM cloudtrail WHERE event_time > current_timestamp - INTERVAL '7' DAY";
    let v1 = bound(rel, SourceVersion::V1);
    assert!(
        cte(&v1, "cloudtrail").contains(
            "WHERE eventday >= date_format((current_timestamp - INTERVAL '7' DAY) AT TIME ZONE 'UTC', '%Y%m%d')"
        ),
        "{}",
        v1.executable()
    );
    let v2 = bound(rel, SourceVersion::V2);
    assert!(
        cte(&v2, "cloudtrail").contains("WHERE time_dt > (current_timestamp - INTERVAL '7' DAY)"),
        "{}",
        v2.executable()
    );
    let offset = "SELECT api_operation FROM cloudtrail \
                  WHERE event_time >= TIMESTAMP '2026-12-10 00:00:00' - INTERVAL '30' DAY \
                  AND event_time < TIMESTAMP '2026-12-10 00:00:00'";
    assert!(
        cte(&bound(offset, SourceVersion::V1), "cloudtrail").contains("eventday BETWEEN '20261110' AND '20261209'")
    );
}

#[test]
fn account_and_region_filters_become_partition_predicates() {
    let sql = "SELECT src_ip FROM vpcflow WHERE account_id = '111122223333' AND region IN ('us-east-1', 'eu-west-1') \
               AND event_time >= TIMESTAMP '2026-12-01 00:00:00'";
    let c = bound(sql, SourceVersion::V1);
    assert!(
        cte(&c, "vpcflow").ends_with(
            "WHERE eventday >= '20261201' AND accountid IN ('111122223333') AND region IN ('eu-west-1', 'us-east-1'))"
        ),
        "{}",
        c.executable()
    );
}

#[test]
fn bounds_reach_the_binding_cte_through_user_ctes_subqueries_and_aliases() {
    let through_cte = "WITH recent AS (SELECT * FROM cloudtrail WHERE event_time >= TIMESTAMP '2026-12-01 00:00:00') \
                       SELECT count(*) FROM recent";
    assert!(cte(&bound(through_cte, SourceVersion::V1), "cloudtrail").contains("eventday >= '20261201'"));
    let sub = "SELECT c.api_operation FROM cloudtrail c WHERE c.event_time >= TIMESTAMP '2026-12-01 00:00:00' \
               AND c.source_ip IN (SELECT src_ip FROM vpcflow WHERE event_time >= TIMESTAMP '2026-11-30 00:00:00')";
    let v = bound(sub, SourceVersion::V1);
    assert!(cte(&v, "cloudtrail").contains("eventday >= '20261201'"), "{}", v.executable());
    assert!(cte(&v, "vpcflow").contains("eventday >= '20261130'"), "{}", v.executable());
}

#[test]
fn two_uses_of_a_table_get_the_hull_and_an_unbounded_use_leaves_it_unbounded() {
    let both = "SELECT a.api_operation FROM cloudtrail a JOIN cloudtrail b ON a.actor_arn = b.actor_arn \
                WHERE a.event_time >= TIMESTAMP '2026-12-03 00:00:00' AND b.event_time >= TIMESTAMP '2026-12-01 00:00:00'";
    assert!(cte(&bound(both, SourceVersion::V1), "cloudtrail").contains("WHERE eventday >= '20261201')"));
    let one = "SELECT a.api_operation FROM cloudtrail a JOIN cloudtrail b ON a.actor_arn = b.actor_arn \
               WHERE a.event_time >= TIMESTAMP '2026-12-03 00:00:00'";
    let v = bound(one, SourceVersion::V1);
    assert!(!cte(&v, "cloudtrail").contains("WHERE"), "{}", v.executable());
    assert_eq!(v.unbounded_tables(), ["cloudtrail"]);
}

#[test]
fn disjunctions_unqualified_names_in_joins_and_column_bounds_give_no_bound() {
    for sql in [
        "SELECT api_operation FROM cloudtrail WHERE event_time >= TIMESTAMP '2026-12-01 00:00:00' OR actor_type = 'Root'",
        "SELECT c.api_operation FROM cloudtrail c JOIN vpcflow v ON c.source_ip = v.src_ip \
         WHERE c.event_time >= v.event_time",
        "SELECT api_operation FROM cloudtrail WHERE NOT (event_time < TIMESTAMP '2026-12-01 00:00:00')",
        "SELECT api_operation FROM cloudtrail WHERE event_time >= session_created_time",
    ] {
        let v = bound(sql, SourceVersion::V1);
        assert!(!cte(&v, "cloudtrail").contains("WHERE"), "{sql}: {}", v.executable());
        assert!(v.unbounded_tables().contains(&"cloudtrail".to_owned()), "{sql}");
    }
}

#[test]
fn duckdb_bindings_get_no_partition_predicates() {
    let v = validate(ONE_UTC_DAY, &Catalog::embedded().unwrap(), &Binding::DuckDbSampleLake, 100).unwrap();
    assert!(!cte(&v, "cloudtrail").contains("WHERE"));
    assert!(v.unbounded_tables().is_empty());
}

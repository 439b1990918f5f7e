//! Classification over the texts and `AthenaError` fields real Athena (engine v3) failures carry.

use super::*;

/// Athena's COLUMN_NOT_FOUND as engine v3 words it: a SQL error despite "not authorized" in the text.
const COLUMN_NOT_FOUND: &str = "COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved or requester is not authorized to access requested resources";

fn user(reason: &str, error_type: i32) -> FailureFacts<'_> {
    FailureFacts { reason, category: Some(2), error_type: Some(error_type), retryable: false }
}

fn bare(reason: &str) -> FailureFacts<'_> {
    FailureFacts { reason, ..FailureFacts::default() }
}

fn is_query(f: &Failure) -> bool {
    matches!(f.error, EngineError::Query { .. }) && !f.retryable
}

#[test]
fn column_not_found_is_a_sql_error_fed_back_even_though_it_says_not_authorized() {
    let with_details = classify(user(COLUMN_NOT_FOUND, 1006));
    assert_eq!(with_details.error, EngineError::Query { message: COLUMN_NOT_FOUND.into() });
    assert!(with_details.error.is_fixable_by_sql());
    assert!(is_query(&classify(bare(COLUMN_NOT_FOUND))), "without AthenaError too");
}

#[test]
fn trino_sql_errors_are_query_errors() {
    for reason in [
        "SYNTAX_ERROR: line 1:62: mismatched input 'QUALIFY'. Expecting: ',', 'EXCEPT', 'FETCH', 'GROUP', 'HAVING', 'LIMIT', 'ORDER', 'UNION', 'WHERE', 'WINDOW', <EOF>",
        "FUNCTION_NOT_FOUND: line 1:8: Function 'list_contains' not registered",
        "TYPE_MISMATCH: line 1:44: Cannot apply operator: varchar = integer",
        "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.amazon_security_lake_glue_db_us_east_1.nope' does not exist",
        "INVALID_CAST_ARGUMENT: Value cannot be cast to timestamp: yesterday",
        "GENERIC_INTERNAL_ERROR: Unexpected parameters (varchar(5)) for function from_unixtime",
    ] {
        assert!(is_query(&classify(user(reason, 1006))), "{reason}");
        assert!(is_query(&classify(bare(reason))), "{reason} without AthenaError");
    }
}

#[test]
fn real_permission_failures_are_access_denied() {
    for (reason, ty) in [
        (
            "Insufficient Lake Formation permission(s) on amazon_security_lake_table_us_east_1_cloud_trail_mgmt_2_0",
            1500,
        ),
        ("HIVE_METASTORE_ERROR: Insufficient Lake Formation permission(s) on cloud_trail_mgmt_2_0", 204),
        (
            "Access denied when writing output to url: s3://asklake-results/athena/1.csv . Check the bucket policy.",
            1501,
        ),
        ("Permission denied on S3 path: s3://aws-security-data-lake-us-east-1-x/ext/CLOUD_TRAIL_MGMT/2.0", 1501),
        ("PERMISSION_DENIED: Access Denied: Cannot select from columns [unmapped] in table cloud_trail_mgmt_2_0", 1006),
        (
            "HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split s3://lake/x.parquet: Access Denied (Service: Amazon S3; Status Code: 403)",
            1000,
        ),
    ] {
        assert!(matches!(classify(user(reason, ty)).error, EngineError::AccessDenied { .. }), "{reason}");
    }
    let no_type = bare("Access denied when writing output to url: s3://asklake-results/athena/1.csv");
    assert!(matches!(classify(no_type).error, EngineError::AccessDenied { .. }));
}

#[test]
fn a_sql_error_echoing_permission_words_from_a_literal_stays_a_sql_error() {
    let echo = "SYNTAX_ERROR: line 1:30: mismatched input ''Access denied s3://x''. Expecting: <expression>";
    assert!(is_query(&classify(user(echo, 1006))));
}

#[test]
fn retryable_and_throttled_failures_are_retried_as_unavailable() {
    let system = FailureFacts {
        reason: "INTERNAL_ERROR_QUERY_ENGINE: the query engine hit an internal error; submit the query again",
        category: Some(1),
        error_type: Some(200),
        retryable: true,
    };
    let failure = classify(system);
    assert!(matches!(failure.error, EngineError::Unavailable { .. }) && failure.retryable);
    let s3_slow_down = FailureFacts {
        reason: "HIVE_CANNOT_OPEN_SPLIT: s3://lake/x.parquet: Please reduce your request rate. (Service: Amazon S3; Status Code: 503; Error Code: SlowDown)",
        category: Some(1),
        error_type: Some(1403),
        retryable: false,
    };
    assert!(classify(s3_slow_down).retryable, "throttling types are retried even without the flag");
}

#[test]
fn system_errors_that_are_not_retryable_end_as_unavailable() {
    let f = classify(FailureFacts {
        reason: "Internal service error",
        category: Some(1),
        error_type: Some(100),
        retryable: false,
    });
    assert_eq!(
        f,
        Failure { error: EngineError::Unavailable { message: "Internal service error".into() }, retryable: false }
    );
}

#[test]
fn exhausted_resources_and_athena_timeouts_are_runaway_queries() {
    for (reason, ty) in [
        ("Query exhausted resources at this scale factor", 3),
        ("EXCEEDED_LOCAL_MEMORY_LIMIT: Query exceeded per-node memory limit of 20GB", 1000),
        ("Query timeout", 206),
    ] {
        let f = classify(FailureFacts { reason, category: Some(2), error_type: Some(ty), retryable: false });
        assert!(matches!(f.error, EngineError::ResourceLimit { .. }) && f.error.is_runaway(), "{reason}");
    }
    assert!(
        classify(bare("EXCEEDED_TIME_LIMIT: Query exceeded the maximum execution time limit of 30.00m"))
            .error
            .is_runaway()
    );
}

#[test]
fn the_trino_code_is_read_from_the_start_of_the_reason_only() {
    assert_eq!(trino_code(COLUMN_NOT_FOUND), Some("COLUMN_NOT_FOUND"));
    assert_eq!(trino_code("FAILED: SYNTAX_ERROR: line 1:1: x"), Some("SYNTAX_ERROR"));
    assert_eq!(trino_code("Query exhausted resources at this scale factor"), None);
    assert_eq!(trino_code("the column FOO_BAR: is odd"), None);
}

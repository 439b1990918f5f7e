//! Why an Athena query failed, decided from what Athena states rather than from loose words in its message.
//!
//! A FAILED `GetQueryExecution` carries `Status.AthenaError` (`ErrorCategory` 1 system / 2 user / 3 other,
//! `ErrorType`, `Retryable`) and a `StateChangeReason` that starts with the Trino error code
//! (`COLUMN_NOT_FOUND: line 1:8: …`). Error types are those of the Athena error catalog
//! (<https://docs.aws.amazon.com/athena/latest/ug/error-reference.html>): 0–8 resources exhausted, 206/210
//! timed out, 1400–1499 throttling, 1500–1599 permissions. In order:
//!
//! 1. permission: error type 15xx, the `PERMISSION_DENIED` / `ACCESS_DENIED` codes, Lake Formation's
//!    "Insufficient Lake Formation permission(s)", or S3 refusing a path (`Access Denied` / `Permission denied`
//!    next to an S3 location) in a message from storage or the catalog (no code, `HIVE_*`, `ICEBERG_*`). Never
//!    the phrase "not authorized" alone: Trino's COLUMN_NOT_FOUND text says "cannot be resolved or requester is
//!    not authorized", and that is a SQL error.
//! 2. transient: `Retryable`, or throttling types; the query is started again a bounded number of times.
//! 3. resources: exhausted resources, Athena's own time limit, or an `EXCEEDED_*` code: a runaway query.
//! 4. other system errors (category 1, or 3 without a Trino code): the engine is unavailable.
//! 5. everything else (user errors, any Trino error code, no details at all): a SQL error fed back to the model.

use std::sync::LazyLock;

use aws_sdk_athena::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_athena::types::AthenaError;
use regex::Regex;

use crate::engines::EngineError;

/// A classified failure: the error, and whether starting the query again may succeed.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// What the caller sees.
    pub error: EngineError,
    /// Athena may succeed on a fresh start of the same query.
    pub retryable: bool,
}

impl From<EngineError> for Failure {
    fn from(error: EngineError) -> Self {
        Self { error, retryable: false }
    }
}

/// What Athena said about a failed query.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FailureFacts<'a> {
    /// `Status.StateChangeReason`.
    pub reason: &'a str,
    /// `AthenaError.ErrorCategory` (1 system, 2 user, 3 other).
    pub category: Option<i32>,
    /// `AthenaError.ErrorType`.
    pub error_type: Option<i32>,
    /// `AthenaError.Retryable`.
    pub retryable: bool,
}

impl<'a> FailureFacts<'a> {
    /// The facts of a FAILED status.
    pub fn new(reason: &'a str, error: Option<&AthenaError>) -> Self {
        Self {
            reason,
            category: error.and_then(AthenaError::error_category),
            error_type: error.and_then(AthenaError::error_type),
            retryable: error.is_some_and(AthenaError::retryable),
        }
    }
}

static TRINO_CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:FAILED:\s*)?([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+):").expect("valid regex"));
static S3_REFUSED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(access denied|permission denied)[^\n]*(s3://|amazon s3)|(s3://|amazon s3)[^\n]*(access denied|permission denied)")
        .expect("valid regex")
});

/// Whether an Athena or Glue error message says the table (or other catalog entity) does not exist, as
/// `GetTableMetadata` reports a missing Security Lake table. One test for the doctor and the startup listing.
pub fn is_missing_entity(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("not found") || m.contains("entitynotfound") || m.contains("does not exist")
}

/// The Trino error code a reason starts with (`COLUMN_NOT_FOUND`), if any.
pub fn trino_code(reason: &str) -> Option<&str> {
    TRINO_CODE.captures(reason).and_then(|c| c.get(1)).map(|m| m.as_str())
}

/// Classifies a FAILED query.
pub fn classify(facts: FailureFacts<'_>) -> Failure {
    let reason = facts.reason.to_owned();
    let code = trino_code(facts.reason);
    let ty = facts.error_type;
    if is_permission(facts, code) {
        return EngineError::AccessDenied { message: reason }.into();
    }
    if facts.retryable || ty.is_some_and(|t| (1400..1500).contains(&t)) {
        return Failure { error: EngineError::Unavailable { message: reason }, retryable: true };
    }
    let exceeded = code.is_some_and(|c| c.starts_with("EXCEEDED_"));
    if exceeded || ty.is_some_and(|t| (0..=8).contains(&t) || t == 206 || t == 210) {
        return EngineError::ResourceLimit { message: reason }.into();
    }
    match (facts.category, code) {
        (Some(1), _) | (Some(3), None) => EngineError::Unavailable { message: reason }.into(),
        _ => EngineError::Query { message: reason }.into(),
    }
}

fn is_permission(facts: FailureFacts<'_>, code: Option<&str>) -> bool {
    if facts.error_type.is_some_and(|t| (1500..1600).contains(&t))
        || matches!(code, Some("PERMISSION_DENIED" | "ACCESS_DENIED"))
    {
        return true;
    }
    // Message text counts only when it comes from storage or the catalog, not from a SQL error that may echo a
    // string literal of the query back.
    let from_storage = code.is_none_or(|c| c.starts_with("HIVE_") || c.starts_with("ICEBERG_"));
    from_storage
        && (facts.reason.contains("Insufficient Lake Formation permission") || S3_REFUSED.is_match(facts.reason))
}

/// Maps an API error by its error code.
pub fn map_sdk_error<E, R>(err: SdkError<E, R>) -> EngineError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if let Some(service) = err.as_service_error() {
        let message = service.message().unwrap_or("no message").to_owned();
        return match service.code() {
            Some("AccessDeniedException" | "UnrecognizedClientException" | "InvalidSignatureException") => {
                EngineError::AccessDenied { message }
            }
            Some("TooManyRequestsException" | "ThrottlingException") => {
                EngineError::Unavailable { message: format!("throttled: {message}") }
            }
            Some("InvalidRequestException") if !message.to_ascii_lowercase().contains("workgroup") => {
                EngineError::Query { message }
            }
            code => EngineError::Unavailable { message: format!("{}: {message}", code.unwrap_or("error")) },
        };
    }
    EngineError::Unavailable { message: aws_smithy_types::error::display::DisplayErrorContext(&err).to_string() }
}

#[cfg(test)]
mod tests;

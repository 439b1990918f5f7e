//! Validation before any execution: one read-only query over catalog tables and columns, with a LIMIT cap.

/// SQL that passed validation, rewritten for its binding. Only this module can make one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedSql {
    logical: String,
    executable: String,
    tables: Vec<String>,
    limit: u64,
}

impl ValidatedSql {
    /// The SQL over logical tables, as shown to the asker.
    pub fn logical(&self) -> &str {
        &self.logical
    }
    /// The SQL with CTEs for the bound source, as sent to the engine.
    pub fn executable(&self) -> &str {
        &self.executable
    }
    /// Logical tables the query reads.
    pub fn tables(&self) -> &[String] {
        &self.tables
    }
    /// Effective row limit.
    pub fn limit(&self) -> u64 {
        self.limit
    }
}

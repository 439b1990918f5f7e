//! A local Athena (AWS JSON 1.1) server that executes SQL with DuckDB.

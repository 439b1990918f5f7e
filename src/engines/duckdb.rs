//! Embedded DuckDB adapter: queries off the async runtime, cancellable, row cap, Trino-compat macros.

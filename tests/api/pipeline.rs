//! Tests for the pipeline part of asklake.

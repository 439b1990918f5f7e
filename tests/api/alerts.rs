//! Tests for the alerts part of asklake.

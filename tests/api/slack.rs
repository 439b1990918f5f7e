//! Tests for the slack part of asklake.

//! Tests for the library part of asklake.

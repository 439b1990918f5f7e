//! Tests for the sample part of asklake.

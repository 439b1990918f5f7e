//! Tests for the lake part of asklake.

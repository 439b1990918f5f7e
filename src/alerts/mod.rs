//! The CloudTrail change feed: queue, envelope parsing, rules, grouping, rendering and the drain worker.

pub mod cli;

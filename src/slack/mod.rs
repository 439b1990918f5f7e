//! Slack: request verification, slash commands, events, interactions, rendering and posting.

pub mod api;
pub mod client;
pub mod escape;

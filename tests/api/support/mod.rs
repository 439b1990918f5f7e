//! Test harness: local servers speaking the wire protocols of the SaaS asklake talks to, and shared fixtures.
#![allow(dead_code)]

pub mod crash;
pub mod fake_athena;
pub mod fake_bedrock;
pub mod fake_slack;
pub mod fake_socket_mode;
pub mod lake;
pub mod memory_queue;
pub mod moto;
pub mod pipeline;

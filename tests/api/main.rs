//! asklake's black-box test suite: one binary, one module per part of the product.

mod support;

mod alerts;
mod deploy;
mod doctor;
mod engine_limits;
mod feed_clock;
mod ha;
mod lake;
mod library;
mod pipeline;
mod retention;
mod sample;
mod serve;
mod slack;
mod slack_client;
mod trino;

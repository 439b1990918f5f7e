//! asklake's black-box test suite: one binary, one module per part of the product.

mod support;

mod alerts;
mod alerts_eval;
mod alerts_preview;
mod answers;
mod athena;
mod athena_lookback;
mod athena_window;
mod cross_source;
mod deploy;
mod doctor;
mod engine_limits;
mod eval;
mod feed_clock;
mod ha;
mod hunts;
mod lake;
mod library;
mod pipeline;
mod retention;
mod sample;
mod serve;
mod slack;
mod slack_client;
mod sources;
mod sources_on;
mod trino;

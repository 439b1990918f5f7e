//! Starts (once per test run) a moto_server on 127.0.0.1 for SQS.

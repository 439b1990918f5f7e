//! Amazon Athena adapter: EXPLAIN dry run, start, poll with backoff, page results, cancel, scan cap.

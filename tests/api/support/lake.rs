//! A shared small sample lake, generated once per test run.

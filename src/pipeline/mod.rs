//! The question pipeline: normalise, retrieve, prompt, generate, validate, execute, diagnose, answer.

pub mod validate;
pub mod cli;

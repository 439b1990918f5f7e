//! `asklake eval`: answer accuracy on a golden dev set, reproducibly (frozen clock, recorded model replies).
//!
//! - [`devset`]: the dev set file (questions, gold SQL, categories, follow-ups, declines).
//! - [`matcher`]: compares execution results (the rules are in its module doc).
//! - [`run`]: runs each question through the real pipeline and judges it; the ablation switches.
//! - [`report`]: per category and overall numbers, failures, changed requests, the ablation table.
//! - [`scripted`]: hand-written replies, used to author a recording where no model is reachable.
//! - [`cli`]: the `asklake eval` command.

pub mod cli;
pub mod devset;
pub mod matcher;
pub mod report;
pub mod run;
pub mod scripted;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

/// Price of one model, USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Input tokens.
    pub input_per_mtok: f64,
    /// Output tokens.
    pub output_per_mtok: f64,
}

/// `[eval]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvalConfig {
    /// Dev set file.
    pub devset: PathBuf,
    /// Prices by model id (`[eval.prices."model-id"] input_per_mtok = 3.0, output_per_mtok = 15.0`); the
    /// model id is `[llm] model_id`. Defaults hold list prices of a few Bedrock models at the time of writing.
    pub prices: BTreeMap<String, Price>,
}

impl Default for EvalConfig {
    fn default() -> Self {
        let p = |i, o| Price { input_per_mtok: i, output_per_mtok: o };
        Self {
            devset: PathBuf::from("eval/devset.toml"),
            prices: BTreeMap::from([
                ("anthropic.claude-3-5-sonnet-20240620-v1:0".to_owned(), p(3.0, 15.0)),
                ("anthropic.claude-3-5-haiku-20241022-v1:0".to_owned(), p(0.8, 4.0)),
                ("anthropic.claude-3-haiku-20240307-v1:0".to_owned(), p(0.25, 1.25)),
                ("anthropic.claude-3-opus-20240229-v1:0".to_owned(), p(15.0, 75.0)),
            ]),
        }
    }
}

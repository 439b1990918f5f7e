//! One template environment over `blocks/` (Block Kit) and `prompts/` (LLM prompts), embedded at compile time.
//!
//! Templates are addressed by their path under the repository root, e.g. `blocks/answer.json.j2` or
//! `prompts/system.md.j2`. A run-time directory (`ASKLAKE_TEMPLATES__DIR` / `[templates] dir`) overrides any
//! embedded file with the same relative path, so operators can restyle messages without a rebuild.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use include_dir::{Dir, include_dir};
use minijinja::Environment;

static BLOCKS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/blocks");
static PROMPTS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/prompts");

/// Returns the embedded text of `prompts/…` or `blocks/…`, if present.
pub fn embedded(path: &str) -> Option<&'static str> {
    let (dir, rest) = if let Some(rest) = path.strip_prefix("blocks/") {
        (&BLOCKS, rest)
    } else if let Some(rest) = path.strip_prefix("prompts/") {
        (&PROMPTS, rest)
    } else {
        return None;
    };
    dir.get_file(rest).and_then(|f| f.contents_utf8())
}

/// Embedded files under `prompts/<folder>` (e.g. the verified library), as (path, text), sorted by path.
pub fn embedded_prompt_files(folder: &str) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    if let Some(dir) = PROMPTS.get_dir(folder) {
        collect(dir, &mut out);
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn collect(dir: &'static Dir<'static>, out: &mut Vec<(String, &'static str)>) {
    for file in dir.files() {
        if let Some(text) = file.contents_utf8() {
            out.push((format!("prompts/{}", file.path().display()), text));
        }
    }
    for sub in dir.dirs() {
        collect(sub, out);
    }
}

/// Template environment shared by renderers. Cheap to clone.
#[derive(Clone)]
pub struct Templates {
    env: Arc<Environment<'static>>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates").finish_non_exhaustive()
    }
}

impl Templates {
    /// Embedded templates only.
    pub fn embedded() -> Self {
        Self::with_override(None).expect("embedded templates always load")
    }

    /// Embedded templates, with files from `dir` taking precedence.
    pub fn with_override(dir: Option<&Path>) -> anyhow::Result<Self> {
        if let Some(d) = dir {
            anyhow::ensure!(d.is_dir(), "template override folder {} does not exist", d.display());
        }
        let override_dir: Option<PathBuf> = dir.map(Path::to_path_buf);
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env.add_filter("mrkdwn", crate::slack::escape::mrkdwn_filter);
        env.add_filter("json", json_filter);
        env.set_loader(move |name| {
            if let Some(d) = &override_dir {
                let p = d.join(name);
                if p.is_file() {
                    return std::fs::read_to_string(&p).map(Some).map_err(|e| {
                        minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, format!("{}: {e}", p.display()))
                    });
                }
            }
            Ok(embedded(name).map(str::to_owned))
        });
        Ok(Self { env: Arc::new(env) })
    }

    /// Renders template `name` with `ctx`.
    pub fn render<S: serde::Serialize>(&self, name: &str, ctx: S) -> anyhow::Result<String> {
        let tmpl = self.env.get_template(name).with_context(|| format!("template {name} not found"))?;
        tmpl.render(ctx).with_context(|| format!("could not render template {name}"))
    }
}

/// `{{ value | json }}`: the value as a JSON literal (strings quoted and escaped).
fn json_filter(value: minijinja::Value) -> Result<String, minijinja::Error> {
    serde_json::to_string(&value)
        .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string()))
}

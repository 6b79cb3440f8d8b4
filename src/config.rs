//! `seg.toml`: project defaults (schema, segment files, data files), found in the current
//! folder or the nearest parent. Paths in it are relative to its own folder.

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub const FILE_NAME: &str = "seg.toml";

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The seg.toml file itself.
    pub path: PathBuf,
    pub schema: Option<PathBuf>,
    pub segments: Vec<PathBuf>,
    pub events: Vec<PathBuf>,
    pub profiles: Vec<PathBuf>,
    pub accounts: Vec<PathBuf>,
    /// `[eval] memory_limit`: evaluate in partitions that fit this size (`seg eval
    /// --memory-limit`), as written (`"1GiB"`).
    pub memory_limit: Option<String>,
    /// `[serve]`: the defaults of `seg serve`.
    pub serve: Serve,
}

/// `[serve]` in seg.toml: what `seg serve` flags would say (flags win). Paths are resolved
/// against the seg.toml's folder.
#[derive(Debug, Clone, Default)]
pub struct Serve {
    pub listen: Option<String>,
    pub data: Option<PathBuf>,
    pub token_file: Option<PathBuf>,
    pub public_read: Option<bool>,
    /// Seconds between sweeps (re-evaluating every entity as the clock moves).
    pub sweep_seconds: Option<f64>,
    /// `[[serve.webhook]]`: where changes are pushed.
    pub webhooks: Vec<Webhook>,
}

/// One `[[serve.webhook]]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// A name for the webhook's delivery position (defaults to its url).
    pub name: Option<String>,
    pub url: String,
    /// The segments whose changes it receives (all when absent).
    #[serde(default)]
    pub segments: Vec<String>,
    /// The HMAC-SHA256 key of the `X-Seg-Signature` header.
    pub secret: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    schema: Option<String>,
    segments: Option<OneOrMany>,
    #[serde(default)]
    data: RawData,
    #[serde(default)]
    eval: RawEval,
    #[serde(default)]
    serve: RawServe,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawServe {
    listen: Option<String>,
    data: Option<String>,
    token_file: Option<String>,
    public_read: Option<bool>,
    sweep_seconds: Option<f64>,
    #[serde(default)]
    webhook: Vec<Webhook>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawEval {
    memory_limit: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawData {
    events: Option<OneOrMany>,
    profiles: Option<OneOrMany>,
    accounts: Option<OneOrMany>,
}

/// The nearest `seg.toml` in `start` or a parent folder.
#[must_use]
pub fn find_file(start: &Path) -> Option<PathBuf> {
    let start = if start.is_dir() {
        start
    } else {
        start.parent()?
    };
    let start = if start.as_os_str().is_empty() {
        Path::new(".")
    } else {
        start
    };
    let absolute = std::path::absolute(start).ok()?;
    absolute
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// Reads a `seg.toml`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let io_error = |source| ConfigError::Io {
        path: path.display().to_string(),
        source,
    };
    let text = crate::check::load::read_text(path).map_err(io_error)?;
    let raw: RawConfig = toml::from_str(&text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let line = text[..offset.min(text.len())].matches('\n').count() + 1;
        let column = offset
            - text[..offset.min(text.len())]
                .rfind('\n')
                .map_or(0, |i| i + 1)
            + 1;
        ConfigError::Invalid {
            path: path.display().to_string(),
            line,
            column,
            message: e.message().trim_end().to_string(),
        }
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let resolve = |list: Option<OneOrMany>| -> Vec<PathBuf> {
        list.map(OneOrMany::into_vec)
            .unwrap_or_default()
            .into_iter()
            .map(|p| relative_to(dir, &p))
            .collect()
    };
    Ok(Config {
        path: path.to_path_buf(),
        schema: raw.schema.map(|s| relative_to(dir, &s)),
        segments: resolve(raw.segments),
        events: resolve(raw.data.events),
        profiles: resolve(raw.data.profiles),
        accounts: resolve(raw.data.accounts),
        memory_limit: raw.eval.memory_limit,
        serve: Serve {
            listen: raw.serve.listen,
            data: raw.serve.data.map(|p| relative_to(dir, &p)),
            token_file: raw.serve.token_file.map(|p| relative_to(dir, &p)),
            public_read: raw.serve.public_read,
            sweep_seconds: raw.serve.sweep_seconds,
            webhooks: raw.serve.webhook,
        },
    })
}

/// `path` as seen from the current folder when written in `dir`; shortened to a relative
/// path below the current folder when it is one, so that messages stay short.
fn relative_to(dir: &Path, path: &str) -> PathBuf {
    let joined = dir.join(path);
    let joined = crate::check::load::normalize(&joined);
    match std::env::current_dir() {
        Ok(cwd) => joined
            .strip_prefix(&cwd)
            .map(Path::to_path_buf)
            .unwrap_or(joined),
        Err(_) => joined,
    }
}

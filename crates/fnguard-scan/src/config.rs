//! `fnguard.toml`: rule selection, severities, excludes and defaults for the scan.

use fnguard_model::Severity;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A configuration file fnguard cannot use; the message names the file and, where known, the
/// line or entry.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

type Result<T> = std::result::Result<T, ConfigError>;

macro_rules! bail {
    ($($arg:tt)*) => {
        return Err(ConfigError(format!($($arg)*)))
    };
}

#[derive(Debug, Default)]
pub struct Config {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub enable: Vec<String>,
    pub severity: HashMap<String, Severity>,
    pub exclude: Vec<String>,
    pub stage: Option<String>,
    pub region: Option<String>,
    pub params: Vec<(String, String)>,
    pub warnings: Vec<String>,
    /// `[[deps.accept]]`: advisories accepted with a reason and an expiry.
    pub accepted: Vec<fnguard_deps::accept::Acceptance>,
    /// `[deps] db`: where the OSV database lives (relative to the config file).
    pub db: Option<PathBuf>,
    /// `[deps] trusted_layer_accounts`: layer publishers the team trusts (FG403).
    pub trusted_layer_accounts: Vec<String>,
    /// `[code] catalog`: extra taint sources, sanitizers and sinks (relative to the config file).
    pub taint_catalog: Option<PathBuf>,
    /// `[data] sensitive_words`: words in store names that make them sensitive.
    pub sensitive_words: Vec<String>,
    /// `[wallet] account_concurrency` (default 1000) and `max_usd_per_hour` (default 100).
    pub account_concurrency: Option<u64>,
    pub max_usd_per_hour: Option<f64>,
    /// `[[ignore]]`: findings hidden with a reason until a date.
    pub ignores: Vec<fnguard_rules::baseline::Ignore>,
    /// `[policies] dirs` (relative to the config file) and `rego_v0`: custom rules in Rego.
    pub policy_dirs: Vec<PathBuf>,
    pub rego_v0: bool,
}

/// The nearest `fnguard.toml` at or above `start`.
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    let mut dir = if start.is_file() {
        start.parent()?.to_path_buf()
    } else {
        start
    };
    loop {
        let candidate = dir.join("fnguard.toml");
        if candidate.is_file() {
            return Some(candidate);
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// The configuration in force: `explicit` when given, else the nearest `fnguard.toml` at or
/// above `start`, else the defaults; with the file it came from.
pub fn resolve(explicit: Option<&Path>, start: &Path) -> Result<(Config, Option<PathBuf>)> {
    let path = explicit.map(Path::to_path_buf).or_else(|| find(start));
    let cfg = match &path {
        Some(p) => load(p)?,
        None => Config::default(),
    };
    Ok((cfg, path))
}

fn strings(v: Option<&toml::Value>, what: &str) -> Result<Vec<String>> {
    match v {
        None => Ok(Vec::new()),
        Some(toml::Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ConfigError(format!("`{what}` must list strings")))
            })
            .collect(),
        Some(_) => bail!("`{what}` must be a list of strings"),
    }
}

pub fn load(path: &Path) -> Result<Config> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
    let doc: toml::Table = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
        match line {
            Some(l) => ConfigError(format!("{}:{l}: {}", path.display(), e.message())),
            None => ConfigError(format!("{}: {}", path.display(), e.message())),
        }
    })?;
    let mut c = Config {
        ..Config::default()
    };
    for key in doc.keys() {
        if !matches!(
            key.as_str(),
            "rules" | "scan" | "wallet" | "data" | "iam" | "deps" | "code" | "ignore" | "policies"
        ) {
            c.warnings.push(format!(
                "{}: unknown section `{key}` ignored",
                path.display()
            ));
        }
    }
    if let Some(rules) = doc.get("rules") {
        c.select = strings(rules.get("select"), "rules.select")?;
        c.ignore = strings(rules.get("ignore"), "rules.ignore")?;
        c.enable = strings(rules.get("enable"), "rules.enable")?;
        if let Some(sev) = rules.get("severity").and_then(toml::Value::as_table) {
            for (id, v) in sev {
                let s = v.as_str().and_then(Severity::parse).ok_or_else(|| {
                    ConfigError(format!(
                        "{}: rules.severity.{id} must be critical, high, medium, low or info",
                        path.display()
                    ))
                })?;
                c.severity.insert(id.to_ascii_uppercase(), s);
            }
        }
    }
    if let Some(scan) = doc.get("scan") {
        c.exclude = strings(scan.get("exclude"), "scan.exclude")?;
        c.stage = scan
            .get("stage")
            .and_then(toml::Value::as_str)
            .map(str::to_string);
        c.region = scan
            .get("region")
            .and_then(toml::Value::as_str)
            .map(str::to_string);
        if let Some(params) = scan.get("params").and_then(toml::Value::as_table) {
            for (k, v) in params {
                let v = match v {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                c.params.push((k.clone(), v));
            }
        }
    }
    if let Some(w) = doc.get("wallet") {
        c.account_concurrency = w
            .get("account_concurrency")
            .and_then(toml::Value::as_integer)
            .map(|n| n.max(0) as u64);
        c.max_usd_per_hour = w
            .get("max_usd_per_hour")
            .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)));
    }
    if let Some(data) = doc.get("data") {
        c.sensitive_words = strings(data.get("sensitive_words"), "data.sensitive_words")?;
    }
    if let Some(code) = doc.get("code") {
        if let Some(cat) = code.get("catalog").and_then(toml::Value::as_str) {
            c.taint_catalog = Some(path.parent().unwrap_or(Path::new(".")).join(cat));
        }
    }
    c.ignores = ignores(&doc, &text, path, &mut c.warnings)?;
    if let Some(policies) = doc.get("policies") {
        let base = path.parent().unwrap_or(Path::new("."));
        c.policy_dirs = strings(policies.get("dirs"), "policies.dirs")?
            .into_iter()
            .map(|d| base.join(d))
            .collect();
        c.rego_v0 = policies
            .get("rego_v0")
            .and_then(toml::Value::as_bool)
            .unwrap_or(false);
    }
    if let Some(deps) = doc.get("deps") {
        c.trusted_layer_accounts = strings(
            deps.get("trusted_layer_accounts"),
            "deps.trusted_layer_accounts",
        )?;
        if let Some(a) = c
            .trusted_layer_accounts
            .iter()
            .find(|a| a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()))
        {
            bail!(
                "{}: deps.trusted_layer_accounts: `{a}` is not a 12-digit AWS account id",
                path.display()
            );
        }
        if let Some(db) = deps.get("db").and_then(toml::Value::as_str) {
            c.db = Some(path.parent().unwrap_or(Path::new(".")).join(db));
        }
        let entries = match deps.get("accept") {
            None => Vec::new(),
            Some(toml::Value::Array(a)) => a.clone(),
            Some(_) => bail!(
                "{}: `deps.accept` must be a list of tables ([[deps.accept]])",
                path.display()
            ),
        };
        for (n, e) in entries.iter().enumerate() {
            let origin = format!("{} [[deps.accept]] #{}", path.display(), n + 1);
            let field = |k: &str| e.get(k).and_then(toml::Value::as_str).map(str::to_string);
            let Some(id) = field("id") else {
                bail!("{origin}: `id` (the advisory id) is required");
            };
            let reason = field("reason").filter(|r| !r.trim().is_empty());
            let Some(reason) = reason else {
                bail!("{origin}: accepting {id} needs a `reason`");
            };
            let expires = expiry(e, &origin, &format!("{id} is accepted"), &mut c.warnings)?;
            c.accepted.push(fnguard_deps::accept::Acceptance {
                id,
                package: field("package"),
                reason,
                expires,
                origin,
            });
        }
    }
    Ok(c)
}

/// `[[ignore]]` entries, each with the line of its header.
fn ignores(
    doc: &toml::Table,
    text: &str,
    path: &Path,
    warnings: &mut Vec<String>,
) -> Result<Vec<fnguard_rules::baseline::Ignore>> {
    let entries = match doc.get("ignore") {
        None => return Ok(Vec::new()),
        Some(toml::Value::Array(a)) => a.clone(),
        Some(_) => bail!(
            "{}: `ignore` must be a list of tables ([[ignore]])",
            path.display()
        ),
    };
    let headers: Vec<u32> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim();
            l.starts_with("[[")
                && l.trim_start_matches('[').trim_start().starts_with("ignore")
                && l.trim_start_matches('[').trim_start()["ignore".len()..]
                    .trim_start()
                    .starts_with(']')
        })
        .map(|(n, _)| n as u32 + 1)
        .collect();
    let file = path.display().to_string();
    let mut out = Vec::new();
    for (n, e) in entries.iter().enumerate() {
        let line = headers.get(n).copied().unwrap_or(1);
        let origin = format!("{file}:{line}");
        let field = |k: &str| e.get(k).and_then(toml::Value::as_str).map(str::to_string);
        let Some(rule) = field("rule") else {
            bail!("{origin}: [[ignore]] needs `rule` (an id such as FG201 or a rule name)");
        };
        let Some(reason) = field("reason").filter(|r| !r.trim().is_empty()) else {
            bail!("{origin}: ignoring {rule} needs a `reason`");
        };
        let expires = expiry(e, &origin, &format!("{rule} is ignored"), warnings)?;
        out.push(fnguard_rules::baseline::Ignore {
            rule,
            path: field("path"),
            function: field("function"),
            reason,
            expires,
            file: file.clone(),
            line,
        });
    }
    Ok(out)
}

/// An entry's `expires` date (TOML date or `YYYY-MM-DD` string). An entry without one never
/// comes up for review: that is a warning (`what`: "FG201 is ignored").
fn expiry(
    entry: &toml::Value,
    origin: &str,
    what: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<(i32, u32, u32)>> {
    let Some(v) = entry.get("expires") else {
        warnings.push(format!(
            "{origin}: {what} with no `expires` date; it will never be reviewed"
        ));
        return Ok(None);
    };
    let text = match v {
        toml::Value::Datetime(d) => d.to_string(),
        other => other.as_str().unwrap_or_default().to_string(),
    };
    let date = crate::parse_date(&text).ok_or_else(|| {
        ConfigError(format!(
            "{origin}: `expires` must be a date (YYYY-MM-DD), got `{text}`"
        ))
    })?;
    Ok(Some(date))
}

//! Custom rules in Rego (OPA's policy language, evaluated by regorus). A policy is a package
//! under `fnguard.` whose `deny` rule is a set of objects `{"id": <model element id>,
//! "message": ...}`; its `# METADATA` block gives `custom.id`, `custom.severity` and
//! `custom.practice` (and optionally `title`, `description`, `custom.fix`). Each object becomes
//! a finding at the element's file and line. `input` is one project's model document
//! (`crate::model`). Files ending in `_test.rego` hold tests (`test_*` rules) for
//! `fnguard policy test`.

use crate::model;
use fnguard_model::{Finding, Location, Practice, Project, Severity};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{}: {message}", line.map_or_else(|| "?".to_string(), |l| l.to_string()))]
    Parse {
        path: String,
        line: Option<u32>,
        message: String,
    },
    #[error("{path}:{line}: {message}")]
    Metadata {
        path: String,
        line: u32,
        message: String,
    },
    #[error("{path}: evaluating `{rule}`: {message}")]
    Eval {
        path: String,
        rule: String,
        message: String,
    },
}

impl PolicyError {
    /// The policy file the problem is in.
    pub fn path(&self) -> &str {
        match self {
            PolicyError::Read { path, .. }
            | PolicyError::Parse { path, .. }
            | PolicyError::Metadata { path, .. }
            | PolicyError::Eval { path, .. } => path,
        }
    }

    /// The line, when known.
    pub fn line(&self) -> Option<u32> {
        match self {
            PolicyError::Metadata { line, .. } => Some(*line),
            PolicyError::Parse { line, .. } => *line,
            _ => None,
        }
    }

    /// What is wrong, without the file and line (for reports that show those apart).
    pub fn message(&self) -> String {
        match self {
            PolicyError::Read { source, .. } => format!("cannot read: {source}"),
            PolicyError::Parse { message, .. } | PolicyError::Metadata { message, .. } => {
                message.clone()
            }
            PolicyError::Eval { rule, message, .. } => format!("evaluating `{rule}`: {message}"),
        }
    }
}

/// regorus reports a syntax error as a source excerpt (`--> file:line:col`, the line, a caret)
/// followed by `error: what`: kept as the line and the one-line reason.
fn parse_error(path: &str, text: &str) -> PolicyError {
    let line = text.lines().find_map(|l| {
        let at = l.trim_start().strip_prefix("--> ")?;
        let mut parts = at.rsplitn(3, ':');
        let _column = parts.next()?;
        parts.next()?.parse::<u32>().ok()
    });
    let message = text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("error: "))
        .unwrap_or_else(|| text.lines().find(|l| !l.trim().is_empty()).unwrap_or(text))
        .trim()
        .to_string();
    PolicyError::Parse {
        path: path.to_string(),
        line,
        message,
    }
}

/// One custom rule: a policy package and what its METADATA says.
#[derive(Debug, Clone)]
pub struct CustomRule {
    pub package: String,
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub practice: Practice,
    pub fix: String,
    pub path: String,
}

pub struct Policies {
    engine: regorus::Engine,
    pub rules: Vec<CustomRule>,
}

/// Longest a policy may evaluate on one project.
const EVAL_LIMIT: Duration = Duration::from_secs(10);

/// Ids and names live as long as the process, like the built-in rules' (a handful per scan).
fn intern(s: &str) -> &'static str {
    static SEEN: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let Ok(mut seen) = SEEN.lock() else {
        return "custom";
    };
    if let Some(found) = seen.iter().find(|x| **x == s) {
        return found;
    }
    let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
    seen.push(leaked);
    leaked
}

/// Every `.rego` file under `dirs` (recursively, symlinks not followed), sorted.
fn rego_files(dirs: &[PathBuf], tests: bool) -> Vec<PathBuf> {
    fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
        if depth > 32 {
            return;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let Ok(kind) = e.file_type() else { continue };
            let p = e.path();
            if kind.is_dir() {
                walk(&p, depth + 1, out);
            } else if kind.is_file() && p.extension().is_some_and(|x| x == "rego") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    for d in dirs {
        if d.is_file() {
            out.push(d.clone());
        } else {
            walk(d, 0, &mut out);
        }
    }
    out.retain(|p| {
        let test = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with("_test.rego"));
        tests || !test
    });
    out.sort();
    out.dedup();
    out
}

/// The package a file declares, and the line of its `package` statement.
fn package_of(text: &str) -> Option<(String, u32)> {
    text.lines().enumerate().find_map(|(n, l)| {
        let rest = l.trim_start().strip_prefix("package ")?;
        Some((rest.trim().to_string(), n as u32 + 1))
    })
}

/// The `# METADATA` block before the package statement, as YAML read into JSON.
fn metadata(
    text: &str,
    package_line: u32,
    path: &str,
) -> Result<Option<(Value, u32)>, PolicyError> {
    let lines: Vec<&str> = text.lines().collect();
    let before = &lines[..(package_line as usize).saturating_sub(1).min(lines.len())];
    let Some(start) = before.iter().rposition(|l| l.trim() == "# METADATA") else {
        return Ok(None);
    };
    let mut yaml = String::new();
    for l in &before[start + 1..] {
        let Some(rest) = l.trim_start().strip_prefix('#') else {
            break;
        };
        yaml.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        yaml.push('\n');
    }
    let line = start as u32 + 1;
    let value: Value = yaml_serde::from_str(&yaml).map_err(|e| PolicyError::Metadata {
        path: path.to_string(),
        line,
        message: format!("the METADATA block is not YAML: {e}"),
    })?;
    Ok(Some((value, line)))
}

fn rule_of(text: &str, path: &str) -> Result<CustomRule, PolicyError> {
    let bad = |line: u32, message: String| PolicyError::Metadata {
        path: path.to_string(),
        line,
        message,
    };
    let (package, package_line) =
        package_of(text).ok_or_else(|| bad(1, "no `package` statement".into()))?;
    if !package.starts_with("fnguard.") {
        return Err(bad(
            package_line,
            format!("package `{package}` must be under `fnguard.` (for example `package fnguard.{package}`)"),
        ));
    }
    let (meta, line) = metadata(text, package_line, path)?.ok_or_else(|| {
        bad(
            package_line,
            "no `# METADATA` block before the package with custom.id, custom.severity and custom.practice".into(),
        )
    })?;
    let custom = meta.get("custom").cloned().unwrap_or(Value::Null);
    let id = custom
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            bad(
                line,
                "METADATA needs `custom.id` (a rule id such as ORG001)".into(),
            )
        })?;
    let builtin =
        id.len() == 5 && id.starts_with("FG") && id[2..].bytes().all(|c| c.is_ascii_digit());
    if builtin {
        return Err(bad(
            line,
            format!("`{id}` is a built-in rule id; choose another prefix"),
        ));
    }
    let severity = custom
        .get("severity")
        .and_then(Value::as_str)
        .and_then(Severity::parse)
        .ok_or_else(|| {
            bad(
                line,
                "METADATA needs `custom.severity`: critical, high, medium, low or info".into(),
            )
        })?;
    let practice = custom
        .get("practice")
        .and_then(Value::as_u64)
        .filter(|p| (1..=9).contains(p))
        .ok_or_else(|| bad(line, "METADATA needs `custom.practice`: 1 to 9".into()))?;
    let title = meta
        .get("title")
        .and_then(Value::as_str)
        .map(|t| t.trim().to_ascii_lowercase().replace(' ', "-"))
        .unwrap_or_else(|| package.trim_start_matches("fnguard.").replace('.', "-"));
    let fix = custom
        .get("fix")
        .or_else(|| meta.get("description"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_string();
    Ok(CustomRule {
        package,
        id: intern(id),
        name: intern(&title),
        severity,
        practice: Practice(practice as u8),
        fix,
        path: path.to_string(),
    })
}

impl Policies {
    /// Loads every policy under `dirs` (tests excluded). A broken policy is reported and left
    /// out; the others still run.
    pub fn load(dirs: &[PathBuf], rego_v0: bool) -> (Policies, Vec<PolicyError>) {
        Policies::load_files(&rego_files(dirs, false), rego_v0, false)
    }

    fn load_files(
        files: &[PathBuf],
        rego_v0: bool,
        with_tests: bool,
    ) -> (Policies, Vec<PolicyError>) {
        let mut engine = regorus::Engine::new();
        engine.set_rego_v0(rego_v0);
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for file in files {
            let path = file.display().to_string();
            let text = match std::fs::read_to_string(file) {
                Ok(t) => t,
                Err(source) => {
                    errors.push(PolicyError::Read { path, source });
                    continue;
                }
            };
            let is_test = path.ends_with("_test.rego");
            let rule = if is_test && with_tests {
                None
            } else {
                match rule_of(&text, &path) {
                    Ok(r) => Some(r),
                    Err(e) => {
                        errors.push(e);
                        continue;
                    }
                }
            };
            // Each file in an engine of its own first: a broken file names itself and is left
            // out, instead of failing the engine every other policy shares.
            let mut alone = regorus::Engine::new();
            alone.set_rego_v0(rego_v0);
            if let Err(e) = alone.add_policy(path.clone(), text.clone()) {
                errors.push(parse_error(&path, &e.to_string()));
                continue;
            }
            if let Err(e) = engine.add_policy(path.clone(), text) {
                errors.push(parse_error(&path, &e.to_string()));
                continue;
            }
            rules.extend(rule);
        }
        (Policies { engine, rules }, errors)
    }

    /// The findings of every policy on one project (`document` is its model document).
    pub fn evaluate(
        &mut self,
        project: &Project,
        document: &Value,
    ) -> (Vec<Finding>, Vec<PolicyError>) {
        let mut findings = Vec::new();
        let mut errors = Vec::new();
        let input = match regorus::Value::from_json_str(&document.to_string()) {
            Ok(v) => v,
            Err(e) => {
                errors.push(PolicyError::Eval {
                    path: project.path.clone(),
                    rule: "input".into(),
                    message: e.to_string(),
                });
                return (findings, errors);
            }
        };
        self.engine.set_input(input);
        for rule in &self.rules {
            let query = format!("data.{}.deny", rule.package);
            let started = std::time::Instant::now();
            let value = match self.engine.eval_rule(query.clone()) {
                Ok(v) => v,
                Err(e) => {
                    errors.push(PolicyError::Eval {
                        path: rule.path.clone(),
                        rule: query,
                        message: e.to_string(),
                    });
                    continue;
                }
            };
            if started.elapsed() > EVAL_LIMIT {
                errors.push(PolicyError::Eval {
                    path: rule.path.clone(),
                    rule: query.clone(),
                    message: format!(
                        "took {:.1} s on {}",
                        started.elapsed().as_secs_f64(),
                        project.path
                    ),
                });
            }
            let json: Value = match value
                .to_json_str()
                .ok()
                .and_then(|s| serde_json::from_str(&s).ok())
            {
                Some(v) => v,
                None => continue,
            };
            let items: Vec<Value> = match json {
                Value::Array(a) => a,
                Value::Null => Vec::new(),
                // `undefined` (no deny rule fired) comes back as an empty set or null.
                Value::String(s) if s == "<undefined>" => Vec::new(),
                other => {
                    errors.push(PolicyError::Eval {
                        path: rule.path.clone(),
                        rule: query.clone(),
                        message: format!("`deny` must be a set of objects, got {other}"),
                    });
                    continue;
                }
            };
            for item in items {
                let id = item.get("id").and_then(Value::as_str);
                let message = item.get("message").and_then(Value::as_str);
                let (Some(id), Some(message)) = (id, message) else {
                    errors.push(PolicyError::Eval {
                        path: rule.path.clone(),
                        rule: query.clone(),
                        message: format!(
                            "a deny object needs string `id` and `message`, got {item}"
                        ),
                    });
                    continue;
                };
                findings.push(finding(rule, project, id, message));
            }
        }
        (findings, errors)
    }
}

fn finding(rule: &CustomRule, project: &Project, id: &str, message: &str) -> Finding {
    let location: Location = model::locate(project, id);
    let bare = id.split_once(':').map_or(id, |(_, rest)| rest);
    let function = project
        .functions
        .iter()
        .find(|f| f.id == id || f.id == bare)
        .map(|f| f.id.clone());
    let resource = if function.is_none() {
        Some(bare.to_string())
    } else {
        None
    };
    let mut f = Finding {
        rule: rule.id,
        name: rule.name,
        severity: rule.severity,
        practice: rule.practice,
        message: message.to_string(),
        functions: function.iter().cloned().collect(),
        function,
        resource,
        location,
        related: Vec::new(),
        remediation: if rule.fix.is_empty() {
            format!("See the policy {}", rule.path)
        } else {
            rule.fix.clone()
        },
        fingerprint: String::new(),
        evidence: serde_json::json!({ "policy": rule.path, "package": rule.package }).into(),
        fixes: Vec::new(),
    };
    f.fingerprint = f.compute_fingerprint(message);
    f
}

/// The outcome of `fnguard policy test`.
#[derive(Debug, Default)]
pub struct TestReport {
    pub passed: Vec<String>,
    /// (test, why it failed)
    pub failed: Vec<(String, String)>,
    pub errors: Vec<PolicyError>,
}

/// Runs every `test_*` rule of the `*_test.rego` files under `dirs` with the policies beside
/// them: a test passes when its rule is true.
pub fn test(dirs: &[PathBuf], rego_v0: bool) -> TestReport {
    let files = rego_files(dirs, true);
    let (mut policies, errors) = Policies::load_files(&files, rego_v0, true);
    let mut report = TestReport {
        errors,
        ..TestReport::default()
    };
    for file in files
        .iter()
        .filter(|f| f.display().to_string().ends_with("_test.rego"))
    {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let Some((package, _)) = package_of(&text) else {
            continue;
        };
        let mut names: Vec<&str> = text
            .lines()
            .filter_map(|l| {
                let name: &str = l
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .next()?;
                name.starts_with("test_").then_some(name)
            })
            .collect();
        names.dedup();
        for name in names {
            let label = format!("{}: data.{package}.{name}", file.display());
            match policies.engine.eval_rule(format!("data.{package}.{name}")) {
                Ok(v) if v == regorus::Value::from(true) => report.passed.push(label),
                Ok(v) => {
                    let got = v.to_json_str().unwrap_or_else(|_| "undefined".into());
                    report.failed.push((label, format!("is {got}, not true")));
                }
                Err(e) => report.failed.push((label, e.to_string())),
            }
        }
    }
    report
}

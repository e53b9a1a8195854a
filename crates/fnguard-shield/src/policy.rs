//! The static analysis's word on a function, for the runtime: which event fields reach which
//! kind of sink (`fnguard shield policy` writes it from the FG5xx findings). Those fields are
//! checked with the sink's grammar strictly (`Strictness::Sink`); the other fields with the
//! generic detectors, in the mode the policy or `FNGUARD_POLICY_REST` gives: block, monitor or
//! off. A function whose code was fully analysed and has no dangerous sink gets generic
//! monitoring only.

use crate::detect::Sinks;
use crate::inspect::Hit;
use serde::{Deserialize, Serialize};

/// The file `fnguard shield policy` writes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PolicyFile {
    /// Format version: 1.
    pub fnguard_shield_policy: u32,
    pub functions: Vec<FunctionPolicy>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FunctionPolicy {
    /// Names the function may run under: its logical id and, when the template sets it, its
    /// function name. The shield picks the entry by `AWS_LAMBDA_FUNCTION_NAME`.
    pub names: Vec<String>,
    /// Event fields that reach a dangerous sink.
    pub fields: Vec<FieldPolicy>,
    /// Whether the analysis read all of the handler's code (nothing unresolved or unfollowed):
    /// only then does "no dangerous sink" mean something.
    pub complete: bool,
    /// How the generic detectors treat the fields not listed, unless `FNGUARD_POLICY_REST`
    /// says otherwise.
    pub rest: RestMode,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FieldPolicy {
    /// `queryStringParameters.name`, `Records[*].body.cmd`, `body` (the field and everything
    /// under it).
    pub path: String,
    /// `sql`, `shell`, `path`, `url`, `code` (grammar-checked strictly), or another FG5xx sink
    /// class (`nosql`, `xxe`, `ldap`, ...), recorded for the report.
    pub sinks: Vec<String>,
    /// The findings behind it (`FG501 src/admin.js:10`).
    pub because: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RestMode {
    Block,
    Monitor,
    Off,
}

impl std::str::FromStr for RestMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "block" => Ok(RestMode::Block),
            "monitor" => Ok(RestMode::Monitor),
            "off" => Ok(RestMode::Off),
            _ => Err("expected `block`, `monitor` or `off`".into()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: line {line}: {reason}")]
    Parse {
        path: String,
        line: usize,
        reason: String,
    },
    #[error("{path}: no entry for function `{function}` (entries: {entries})")]
    NoEntry {
        path: String,
        function: String,
        entries: String,
    },
}

/// The policy in force for one function.
#[derive(Debug, Clone)]
pub struct Active {
    fields: Vec<(Vec<String>, Sinks)>,
    pub rest: RestMode,
    pub listed: usize,
}

impl Active {
    /// Reads `path` and selects the entry of `function` (exact name, or a deployed name that
    /// ends with `-<logical id>` as the Serverless Framework and SAM make them).
    pub fn load(
        path: &str,
        function: &str,
        rest_override: Option<RestMode>,
    ) -> Result<Active, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError::Read {
            path: path.into(),
            reason: e.to_string(),
        })?;
        let file: PolicyFile = serde_json::from_str(&text).map_err(|e| PolicyError::Parse {
            path: path.into(),
            line: e.line(),
            reason: e.to_string(),
        })?;
        let exact = file
            .functions
            .iter()
            .find(|f| f.names.iter().any(|n| n == function));
        let suffix = || {
            file.functions.iter().find(|f| {
                f.names.iter().any(|n| {
                    function
                        .strip_suffix(n.as_str())
                        .is_some_and(|p| p.ends_with(['-', '_']))
                })
            })
        };
        let entry = exact.or_else(suffix).ok_or_else(|| PolicyError::NoEntry {
            path: path.into(),
            function: function.into(),
            entries: file
                .functions
                .iter()
                .flat_map(|f| f.names.iter().cloned())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
        Ok(Active::from_entry(entry, rest_override))
    }

    pub fn from_entry(entry: &FunctionPolicy, rest_override: Option<RestMode>) -> Active {
        let fields = entry
            .fields
            .iter()
            .map(|f| {
                let mut sinks = Sinks::default();
                for s in &f.sinks {
                    match s.as_str() {
                        "sql" => sinks.sql = true,
                        "shell" => sinks.shell = true,
                        "path" => sinks.path = true,
                        "url" => sinks.url = true,
                        "code" => sinks.code = true,
                        _ => {}
                    }
                }
                (segments(&f.path), sinks)
            })
            .collect();
        Active {
            fields,
            rest: rest_override.unwrap_or(entry.rest),
            listed: entry.fields.len(),
        }
    }

    /// The sinks an event field reaches: the union over listed paths that are the field or
    /// contain it. Paths compare by segment, case-insensitively, with indexes ignored (the
    /// shield's `Records[2].body.x` is the analysis's `Records[*].body.x` or `Records.body.x`).
    pub fn sinks_for(&self, field_path: &str) -> Sinks {
        let field = segments(field_path);
        let mut out = Sinks::default();
        for (prefix, sinks) in &self.fields {
            let covers = prefix.len() <= field.len()
                && prefix.iter().zip(&field).all(|(a, b)| a == b || a == "*");
            // The JSON body of an HTTP event is a string the handler parses: `body` covers its
            // fields, and so does a field read from the parsed body.
            if covers {
                out.sql |= sinks.sql;
                out.shell |= sinks.shell;
                out.path |= sinks.path;
                out.url |= sinks.url;
                out.code |= sinks.code;
            }
        }
        out
    }

    /// Splits hits into those that block (on listed fields, or anywhere when the rest is
    /// blocked) and those only reported (`monitor`); hits dropped by `off` are in neither.
    /// Whether a hit blocks: on a field the policy lists, or anywhere when the rest is blocked.
    pub fn blocks(&self, hit: &Hit) -> bool {
        self.rest == RestMode::Block || self.sinks_for(&hit.path) != Sinks::default()
    }

    pub fn split(&self, hits: Vec<Hit>) -> (Vec<Hit>, Vec<Hit>) {
        let mut blocking = Vec::new();
        let mut monitored = Vec::new();
        for h in hits {
            if self.blocks(&h) {
                blocking.push(h);
            } else if self.rest == RestMode::Monitor {
                monitored.push(h);
            }
        }
        (blocking, monitored)
    }
}

/// `Records[0].body.Name` → `records`, `body`, `name`.
fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let name = part.split('[').next().unwrap_or(part);
        if !name.is_empty() {
            out.push(name.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> FunctionPolicy {
        FunctionPolicy {
            names: vec!["adminExport".into()],
            fields: vec![
                FieldPolicy {
                    path: "queryStringParameters.name".into(),
                    sinks: vec!["shell".into()],
                    because: vec!["FG501 src/admin.js:10".into()],
                },
                FieldPolicy {
                    path: "Records[*].body".into(),
                    sinks: vec!["sql".into()],
                    because: vec![],
                },
            ],
            complete: true,
            rest: RestMode::Monitor,
        }
    }

    #[test]
    fn fields_match_by_segment_ignoring_indexes_and_case() {
        let a = Active::from_entry(&entry(), None);
        assert!(a.sinks_for("queryStringParameters.name").shell);
        assert!(!a.sinks_for("queryStringParameters.names").shell);
        assert!(!a.sinks_for("queryStringParameters").shell);
        assert!(a.sinks_for("Records[3].body.order.id").sql);
        assert_eq!(a.sinks_for("headers.host"), Sinks::default());
    }

    #[test]
    fn deployed_names_find_their_entry() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("policy.json");
        let file = PolicyFile {
            fnguard_shield_policy: 1,
            functions: vec![entry()],
        };
        std::fs::write(&p, serde_json::to_string(&file).unwrap()).unwrap();
        let p = p.display().to_string();
        assert!(Active::load(&p, "orders-api-dev-adminExport", None).is_ok());
        assert!(Active::load(&p, "adminExport", None).is_ok());
        let err = Active::load(&p, "other", None).unwrap_err().to_string();
        assert!(err.contains("no entry for function `other`"), "{err}");
        std::fs::write(dir.path().join("bad.json"), "{\n  \"x\": ").unwrap();
        let bad = dir.path().join("bad.json").display().to_string();
        let err = Active::load(&bad, "f", None).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}

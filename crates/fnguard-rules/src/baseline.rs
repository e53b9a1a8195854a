//! Baselines and expiring ignores: how a project adopts fnguard without failing on day one.
//!
//! A baseline lists the findings a project had when it was written, by fingerprint (rule,
//! file, function, resource and the rule's own key, never the line), so that its findings stay
//! known when code moves or is reformatted, and only new ones are reported. An ignore
//! (`[[ignore]]` in fnguard.toml) hides findings of a rule, optionally under a path or for a
//! function, with a reason, until a date: past it, they come back with a warning.

use fnguard_model::Finding;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub const BASELINE_SCHEMA: &str = "fnguard-baseline/v1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Baseline {
    pub schema: String,
    pub findings: Vec<BaselineEntry>,
}

/// One known finding. Only `fingerprint` is matched; the rest says what it was, for people
/// reading the file in review.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule: String,
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{file}:{line}:{column}: not a fnguard baseline: {reason}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        reason: String,
    },
    #[error("{file}: schema `{found}` is not `{BASELINE_SCHEMA}`")]
    Schema { file: String, found: String },
}

impl Baseline {
    pub fn of(findings: &[Finding]) -> Baseline {
        let mut findings: Vec<BaselineEntry> = findings
            .iter()
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint.clone(),
                rule: f.rule.to_string(),
                file: f.location.file.to_string(),
                function: f.function.clone(),
                resource: f.resource.clone(),
                message: f.message.clone(),
            })
            .collect();
        // Sorted by what it names, not by line: a file that diffs cleanly in review.
        findings.sort_by(|a, b| {
            (&a.file, &a.rule, &a.function, &a.resource, &a.fingerprint).cmp(&(
                &b.file,
                &b.rule,
                &b.function,
                &b.resource,
                &b.fingerprint,
            ))
        });
        Baseline {
            schema: BASELINE_SCHEMA.to_string(),
            findings,
        }
    }

    /// `file` names the baseline in errors.
    pub fn parse(text: &str, file: &str) -> Result<Baseline, BaselineError> {
        let b: Baseline = serde_json::from_str(text).map_err(|e| BaselineError::Syntax {
            file: file.to_string(),
            line: e.line(),
            column: e.column(),
            reason: e.to_string(),
        })?;
        if b.schema != BASELINE_SCHEMA {
            return Err(BaselineError::Schema {
                file: file.to_string(),
                found: b.schema,
            });
        }
        Ok(b)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// The findings that are not in the baseline, and how many were. A fingerprint listed
    /// twice covers two findings: a third identical one is new.
    pub fn new_findings(&self, findings: Vec<Finding>) -> (Vec<Finding>, usize) {
        known_by_fingerprint(
            self.findings.iter().map(|e| e.fingerprint.as_str()),
            findings,
        )
    }
}

/// The findings whose fingerprints `known` does not cover (each known fingerprint covers one
/// finding), and how many it did.
pub fn known_by_fingerprint<'a>(
    known: impl IntoIterator<Item = &'a str>,
    mut findings: Vec<Finding>,
) -> (Vec<Finding>, usize) {
    let mut left: HashMap<&str, usize> = HashMap::new();
    for k in known {
        *left.entry(k).or_default() += 1;
    }
    let mut covered = 0;
    // In place: a second vector of findings was a tenth of a large scan's peak memory.
    findings.retain(|f| match left.get_mut(f.fingerprint.as_str()) {
        Some(n) if *n > 0 => {
            *n -= 1;
            covered += 1;
            false
        }
        _ => true,
    });
    (findings, covered)
}

/// `[[ignore]]`: findings of `rule` (id or name), under `path` (a glob on the finding's file)
/// and of `function` when given, hidden for `reason` until `expires`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ignore {
    pub rule: String,
    pub path: Option<String>,
    pub function: Option<String>,
    pub reason: String,
    /// (year, month, day): from the day after, the findings are reported again.
    pub expires: Option<(i32, u32, u32)>,
    /// Where the entry is written, for messages.
    pub file: String,
    pub line: u32,
}

#[derive(Debug, Default)]
pub struct IgnoreOutcome {
    pub kept: Vec<Finding>,
    pub ignored: usize,
    /// Messages about entries (file, line, message): expired, unused, or with a path that
    /// is not a glob.
    pub warnings: Vec<(String, u32, String)>,
}

/// Applies the ignores as of `today`.
pub fn apply_ignores(
    findings: Vec<Finding>,
    ignores: &[Ignore],
    today: (i32, u32, u32),
) -> IgnoreOutcome {
    let mut out = IgnoreOutcome::default();
    let mut active = Vec::new();
    for ig in ignores {
        if let Some(e) = ig.expires.filter(|e| *e < today) {
            out.warnings.push((
                ig.file.clone(),
                ig.line,
                format!(
                    "the ignore of {} expired on {:04}-{:02}-{:02}; its findings are reported again",
                    ig.rule, e.0, e.1, e.2
                ),
            ));
            continue;
        }
        let glob = match &ig.path {
            None => None,
            Some(p) => match globset::Glob::new(p) {
                Ok(g) => Some(g.compile_matcher()),
                Err(e) => {
                    out.warnings.push((
                        ig.file.clone(),
                        ig.line,
                        format!(
                            "`path` is not a glob ({e}); the ignore of {} is not applied",
                            ig.rule
                        ),
                    ));
                    continue;
                }
            },
        };
        active.push((ig, glob, false));
    }
    let mut findings = findings;
    // In place, as in `known_by_fingerprint`.
    findings.retain(|f| {
        let hit = active.iter_mut().find(|(ig, glob, _)| {
            (ig.rule.eq_ignore_ascii_case(f.rule) || ig.rule == f.name)
                && glob.as_ref().is_none_or(|g| g.is_match(&f.location.file))
                && ig.function.as_ref().is_none_or(|func| {
                    f.function.as_ref() == Some(func) || f.functions.contains(func)
                })
        });
        match hit {
            Some((_, _, used)) => {
                *used = true;
                out.ignored += 1;
                false
            }
            None => true,
        }
    });
    out.kept = findings;
    for (ig, _, used) in active {
        if !used {
            out.warnings.push((
                ig.file.clone(),
                ig.line,
                format!("the ignore of {} matches no finding; remove it", ig.rule),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use fnguard_model::{Location, Practice, Severity};

    fn finding(rule: &'static str, file: &str, function: &str, fp: &str) -> Finding {
        Finding {
            rule,
            name: "some-rule",
            severity: Severity::High,
            practice: Practice(2),
            message: format!("{rule} on {function}"),
            function: Some(function.to_string()),
            functions: vec![function.to_string()],
            resource: None,
            location: Location {
                file: file.to_string().into(),
                line: 3,
                column: 1,
            },
            related: Vec::new(),
            remediation: String::new(),
            fingerprint: fp.to_string(),
            fixes: Vec::new(),
            evidence: fnguard_model::Evidence::default(),
        }
    }

    #[test]
    fn baseline_round_trips_and_hides_known_findings_only() {
        let old = vec![
            finding("FG201", "serverless.yml", "a", "f1"),
            finding("FG201", "serverless.yml", "b", "f2"),
        ];
        let b = Baseline::parse(&Baseline::of(&old).to_json(), "b.json").unwrap();
        let now = vec![
            finding("FG201", "serverless.yml", "a", "f1"),
            finding("FG201", "serverless.yml", "a", "f1"),
            finding("FG301", "serverless.yml", "c", "f3"),
        ];
        let (fresh, known) = b.new_findings(now);
        assert_eq!(known, 1);
        let fps: Vec<&str> = fresh.iter().map(|f| f.fingerprint.as_str()).collect();
        assert_eq!(fps, ["f1", "f3"]);
    }

    #[test]
    fn bad_baselines_name_file_and_line() {
        let e = Baseline::parse("{\n  \"schema\": 3\n}", "base.json").unwrap_err();
        assert!(e.to_string().starts_with("base.json:2:"), "{e}");
        let e = Baseline::parse("{\"schema\":\"x\",\"findings\":[]}", "base.json").unwrap_err();
        assert!(e.to_string().contains("schema `x`"), "{e}");
    }

    #[test]
    fn ignores_match_rule_path_and_function_until_they_expire() {
        let ig = |rule: &str, path: Option<&str>, expires| Ignore {
            rule: rule.into(),
            path: path.map(str::to_string),
            function: None,
            reason: "accepted".into(),
            expires,
            file: "fnguard.toml".into(),
            line: 4,
        };
        let findings = || {
            vec![
                finding("FG201", "svc/a/serverless.yml", "a", "1"),
                finding("FG201", "svc/b/serverless.yml", "b", "2"),
            ]
        };
        let out = apply_ignores(
            findings(),
            &[ig("FG201", Some("svc/a/**"), Some((2027, 1, 1)))],
            (2026, 12, 4),
        );
        assert_eq!(out.ignored, 1);
        assert_eq!(out.kept[0].fingerprint, "2");
        assert!(out.warnings.is_empty());
        let out = apply_ignores(
            findings(),
            &[ig("some-rule", None, Some((2026, 12, 3)))],
            (2026, 12, 4),
        );
        assert_eq!(out.ignored, 0);
        assert!(
            out.warnings[0].2.contains("expired on 2026-12-03"),
            "{:?}",
            out.warnings
        );
        let out = apply_ignores(findings(), &[ig("FG999", None, None)], (2026, 12, 4));
        assert!(out.warnings[0].2.contains("matches no finding"));
    }
}

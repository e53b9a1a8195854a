//! OSV records and the exact evaluator: is this version of this package affected?
//!
//! Follows the OSV schema's own algorithm: every `SEMVER` and `ECOSYSTEM` range of every
//! `affected` entry is evaluated (a `GIT` range before them is skipped, not a stop), events are
//! walked in version order (`introduced`, `fixed`, `last_affected`), `limit` caps a range,
//! `versions` lists are compared by parsed equality, and withdrawn records never match.

use crate::version::{Ecosystem, Version};
use fnguard_model::Severity;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// The parts of an OSV record fnguard keeps (details and references are dropped at import).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Record {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// When the advisory was first published (RFC 3339), for `deps --recheck`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<Affected>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<DatabaseSpecific>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct DatabaseSpecific {
    /// GitHub's own rating: `CRITICAL`, `HIGH`, `MODERATE`, `LOW`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// RustSec's non-vulnerability notices (`unmaintained`, `unsound`, `notice`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub informational: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SeverityScore {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Affected {
    #[serde(default)]
    pub package: Option<PackageRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct PackageRef {
    #[serde(default)]
    pub ecosystem: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Range {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Event {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

/// How one installed version relates to one affected entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    NotAffected,
    /// Affected; `fixed` is the first fixing version above the installed one on its branch.
    Affected {
        fixed: Option<String>,
    },
}

impl Record {
    pub fn is_malicious(&self) -> bool {
        self.id.starts_with("MAL-")
    }

    /// Every id this record is known by (its own and its aliases).
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }

    /// The entries of this record about `name` in `eco` (names compared normalised).
    pub fn entries_for<'a>(
        &'a self,
        eco: Ecosystem,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Affected> + 'a {
        let key = eco.normalise_name(name);
        self.affected.iter().filter(move |a| {
            a.package.as_ref().is_some_and(|p| {
                Ecosystem::from_osv(&p.ecosystem) == Some(eco) && eco.normalise_name(&p.name) == key
            })
        })
    }

    /// Whether `version` of `name` is affected by this record; `None` when the version is
    /// unknown and the record does not cover every version.
    pub fn evaluate(&self, eco: Ecosystem, name: &str, version: Option<&str>) -> Option<Verdict> {
        if self.withdrawn.is_some() {
            return Some(Verdict::NotAffected);
        }
        let mut unknown = false;
        let mut best: Option<Verdict> = None;
        for entry in self.entries_for(eco, name) {
            match version {
                Some(v) => {
                    if let Verdict::Affected { fixed } = entry.evaluate(eco, v) {
                        best = Some(merge_fixed(best, fixed, eco));
                    }
                }
                None if entry.covers_every_version() => {
                    best = Some(merge_fixed(best, None, eco));
                }
                None => unknown = true,
            }
        }
        match best {
            Some(v) => Some(v),
            None if unknown => None,
            None => Some(Verdict::NotAffected),
        }
    }

    /// The severity fnguard reports: from the CVSS vector (v4, then v3), else the database's
    /// own rating, else medium for a vulnerability and low for an informational notice.
    pub fn fnguard_severity(&self) -> (Severity, SeveritySource) {
        if self.is_malicious() {
            return (Severity::Critical, SeveritySource::Malicious);
        }
        let scores = self
            .severity
            .iter()
            .chain(self.affected.iter().flat_map(|a| a.severity.iter()));
        let mut best: Option<(u8, f64)> = None;
        for s in scores {
            let rank = match s.kind.as_str() {
                "CVSS_V4" => 3,
                "CVSS_V3" => 2,
                "CVSS_V2" => 1,
                _ => continue,
            };
            let Ok(cvss) = s.score.parse::<cvss::Cvss>() else {
                continue;
            };
            if best.is_none_or(|(r, _)| rank > r) {
                best = Some((rank, cvss.score()));
            }
        }
        if let Some((_, score)) = best {
            return (severity_of_score(score), SeveritySource::Cvss(score));
        }
        let db = self.database_specific.as_ref();
        if let Some(s) = db.and_then(|d| d.severity.as_deref()) {
            let sev = match s.to_ascii_uppercase().as_str() {
                "CRITICAL" => Some(Severity::Critical),
                "HIGH" => Some(Severity::High),
                "MODERATE" | "MEDIUM" => Some(Severity::Medium),
                "LOW" => Some(Severity::Low),
                _ => None,
            };
            if let Some(sev) = sev {
                return (sev, SeveritySource::Database(s.to_string()));
            }
        }
        if db.and_then(|d| d.informational.as_deref()).is_some() {
            return (Severity::Low, SeveritySource::Informational);
        }
        (Severity::Medium, SeveritySource::Unrated)
    }

    /// A one-line description: the summary, else the first sentence of the details.
    pub fn title(&self) -> String {
        if let Some(s) = self.summary.as_deref().filter(|s| !s.trim().is_empty()) {
            return s.trim().to_string();
        }
        let details = self.details.as_deref().unwrap_or("").trim();
        let first = details.split(['\n', '.']).next().unwrap_or("").trim();
        let mut out: String = first.chars().take(160).collect();
        if out.len() < first.len() {
            out.push('…');
        }
        out
    }
}

fn merge_fixed(best: Option<Verdict>, fixed: Option<String>, eco: Ecosystem) -> Verdict {
    // Several entries (or ranges) can affect one version; the fix to suggest is the highest any
    // of them requires, and one with no fix at all means nothing on this branch fixes it.
    let fixed = match best {
        None | Some(Verdict::NotAffected) => fixed,
        Some(Verdict::Affected { fixed: prev }) => higher_fix(prev, fixed, eco),
    };
    Verdict::Affected { fixed }
}

fn higher_fix(a: Option<String>, b: Option<String>, eco: Ecosystem) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if eco.compare(&b, &a) == Ordering::Greater {
            b
        } else {
            a
        }),
        _ => None,
    }
}

/// Where a finding's severity came from, for the evidence.
#[derive(Debug, Clone, PartialEq)]
pub enum SeveritySource {
    Cvss(f64),
    Database(String),
    Informational,
    Malicious,
    Unrated,
}

fn severity_of_score(score: f64) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score > 0.0 {
        Severity::Low
    } else {
        Severity::Info
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Introduced,
    LastAffected,
    Fixed,
}

impl Affected {
    /// The verdict for one version of this entry's package.
    pub fn evaluate(&self, eco: Ecosystem, version: &str) -> Verdict {
        let v = eco.parse(version);
        if self.versions.iter().any(|listed| eco.parse(listed) == v) {
            // The range walk may still know the fix; prefer its answer when it has one.
            if let Verdict::Affected { fixed } = self.evaluate_ranges(eco, version, &v) {
                return Verdict::Affected { fixed };
            }
            return Verdict::Affected {
                fixed: self.first_fix_above(eco, &v),
            };
        }
        self.evaluate_ranges(eco, version, &v)
    }

    fn evaluate_ranges(&self, eco: Ecosystem, text: &str, v: &Version) -> Verdict {
        let mut found: Option<Option<String>> = None;
        for range in &self.ranges {
            let range_eco = match range.kind.as_str() {
                "ECOSYSTEM" => eco,
                // SEMVER ranges are SemVer 2.0 whatever the ecosystem.
                "SEMVER" => Ecosystem::Npm,
                _ => continue,
            };
            let reparsed;
            let v = if range_eco == eco {
                v
            } else {
                reparsed = range_eco.parse(text);
                &reparsed
            };
            if let Some(fixed) = range.contains(range_eco, v) {
                found = Some(match found {
                    None => fixed,
                    Some(prev) => higher_fix(prev, fixed, range_eco),
                });
            }
        }
        match found {
            Some(fixed) => Verdict::Affected { fixed },
            None => Verdict::NotAffected,
        }
    }

    fn first_fix_above(&self, eco: Ecosystem, v: &Version) -> Option<String> {
        self.ranges
            .iter()
            .filter(|r| r.kind == "ECOSYSTEM" || r.kind == "SEMVER")
            .flat_map(|r| r.events.iter().filter_map(|e| e.fixed.clone()))
            .filter(|f| eco.parse(f) > *v)
            .min_by(|a, b| eco.compare(a, b))
    }

    /// An entry whose every evaluable range is `introduced: 0` with no end affects all versions
    /// (typical of malicious-package records), so even an unknown version is affected.
    pub fn covers_every_version(&self) -> bool {
        let evaluable: Vec<&Range> = self
            .ranges
            .iter()
            .filter(|r| r.kind == "ECOSYSTEM" || r.kind == "SEMVER")
            .collect();
        evaluable.iter().any(|r| {
            r.events
                .iter()
                .any(|e| e.introduced.as_deref() == Some("0"))
                && r.events
                    .iter()
                    .all(|e| e.fixed.is_none() && e.last_affected.is_none() && e.limit.is_none())
        })
    }
}

impl Range {
    /// `Some(fixed)` when `v` is inside this range (with the closing fix, if any).
    fn contains(&self, eco: Ecosystem, v: &Version) -> Option<Option<String>> {
        let limits: Vec<Version> = self
            .events
            .iter()
            .filter_map(|e| e.limit.as_deref())
            .filter(|l| *l != "*")
            .map(|l| eco.parse(l))
            .collect();
        if !limits.is_empty() && !limits.iter().any(|l| v < l) {
            return None;
        }
        let mut events: Vec<(Kind, Option<Version>, &str)> = Vec::new();
        for e in &self.events {
            if let Some(i) = e.introduced.as_deref() {
                let parsed = (i != "0").then(|| eco.parse(i));
                events.push((Kind::Introduced, parsed, i));
            }
            if let Some(f) = e.fixed.as_deref() {
                events.push((Kind::Fixed, Some(eco.parse(f)), f));
            }
            if let Some(l) = e.last_affected.as_deref() {
                events.push((Kind::LastAffected, Some(eco.parse(l)), l));
            }
        }
        // `introduced: 0` sorts first. At equal versions an end sorts before an introduction,
        // so adjacent intervals written as `fixed: X`, `introduced: X` join (PyPA records do
        // this, e.g. PYSEC-2022-236) instead of leaving X unaffected.
        events.sort_by(|a, b| match (&a.1, &b.1) {
            (None, None) => b.0.cmp(&a.0),
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => x.cmp(y).then(b.0.cmp(&a.0)),
        });
        let mut affected = false;
        let mut closing: Option<String> = None;
        for (kind, at, text) in &events {
            match kind {
                Kind::Introduced => {
                    if at.as_ref().is_none_or(|at| v >= at) {
                        affected = true;
                        closing = None;
                    }
                }
                Kind::Fixed => {
                    if let Some(at) = at {
                        if v >= at {
                            affected = false;
                        } else if affected && closing.is_none() {
                            closing = Some(text.to_string());
                        }
                    }
                }
                Kind::LastAffected => {
                    if let Some(at) = at {
                        if v > at {
                            affected = false;
                        } else if affected && closing.is_none() {
                            // Nothing on this branch is named as the fix.
                            closing = Some(String::new());
                        }
                    }
                }
            }
        }
        affected.then(|| closing.filter(|c| !c.is_empty()))
    }
}

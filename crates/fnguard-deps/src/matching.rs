//! Matching packages against the database: every record's verdict, aliases merged into one
//! finding per flaw, the fix that resolves all of them, the severity of the worst.

use crate::db::{Database, DbError};
use crate::osv::{Record, SeveritySource, Verdict};
use crate::version::Ecosystem;
use fnguard_model::Severity;
use std::cmp::Ordering;

/// One flaw affecting one package version.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub ids: Vec<String>,
    pub summary: String,
    pub severity: Severity,
    pub severity_source: String,
    pub fixed: Option<String>,
    pub malicious: bool,
}

/// The outcome for one package.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Matches(Vec<Match>),
    /// The version is unknown and some advisory's ranges would need it.
    Unknown,
}

pub fn match_package(
    db: &Database,
    eco: Ecosystem,
    name: &str,
    version: Option<&str>,
) -> Result<Outcome, DbError> {
    let records = db.advisories(eco, name)?;
    Ok(match_records(&records, eco, name, version))
}

/// The pure half of matching, on records already read.
pub fn match_records(
    records: &[Record],
    eco: Ecosystem,
    name: &str,
    version: Option<&str>,
) -> Outcome {
    let mut hits: Vec<(&Record, Option<String>)> = Vec::new();
    let mut unknown = false;
    for r in records {
        match r.evaluate(eco, name, version) {
            Some(Verdict::Affected { fixed }) => hits.push((r, fixed)),
            Some(Verdict::NotAffected) => {}
            None => unknown = true,
        }
    }
    if hits.is_empty() && unknown {
        return Outcome::Unknown;
    }
    Outcome::Matches(merge(hits, eco))
}

/// Groups records that share any id (their own or an alias) and folds each group into one match.
fn merge(hits: Vec<(&Record, Option<String>)>, eco: Ecosystem) -> Vec<Match> {
    let n = hits.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut owner: std::collections::HashMap<&str, usize> = Default::default();
    for (i, (r, _)) in hits.iter().enumerate() {
        for id in r.ids() {
            match owner.get(id) {
                Some(&j) => {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    parent[a] = b;
                }
                None => {
                    owner.insert(id, i);
                }
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..n {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    let mut out: Vec<Match> = groups
        .into_values()
        .map(|members| {
            let mut ids: Vec<String> = Vec::new();
            let mut severity = Severity::Info;
            let mut severity_source = String::new();
            let mut fixed: Option<Option<String>> = None;
            let mut malicious = false;
            let mut summary = String::new();
            for &m in &members {
                let (r, f) = &hits[m];
                for id in r.ids() {
                    if !ids.iter().any(|i| i == id) {
                        ids.push(id.to_string());
                    }
                }
                let (sev, src) = r.fnguard_severity();
                // A rated source beats an unrated guess even when the guess is higher.
                let rated = !matches!(src, SeveritySource::Unrated);
                let current_rated = !severity_source.is_empty() && severity_source != "unrated";
                if severity_source.is_empty()
                    || (rated && !current_rated)
                    || (rated == current_rated && sev > severity)
                {
                    severity = sev;
                    severity_source = describe(&src);
                }
                malicious |= r.is_malicious();
                if summary.is_empty() {
                    summary = r.title();
                }
                fixed = Some(match fixed {
                    None => f.clone(),
                    Some(prev) => match (prev, f.clone()) {
                        (Some(a), Some(b)) => Some(if eco.compare(&b, &a) == Ordering::Greater {
                            b
                        } else {
                            a
                        }),
                        _ => None,
                    },
                });
            }
            ids.sort_by_key(|id| (id_rank(id), id.clone()));
            Match {
                ids,
                summary,
                severity,
                severity_source,
                fixed: fixed.flatten(),
                malicious,
            }
        })
        .collect();
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.ids.cmp(&b.ids)));
    out
}

/// Database ids first (they carry the ranges), CVE after, others last.
fn id_rank(id: &str) -> u8 {
    if id.starts_with("MAL-") {
        0
    } else if id.starts_with("GHSA-")
        || id.starts_with("PYSEC-")
        || id.starts_with("RUSTSEC-")
        || id.starts_with("GO-")
    {
        1
    } else if id.starts_with("CVE-") {
        2
    } else {
        3
    }
}

fn describe(src: &SeveritySource) -> String {
    match src {
        SeveritySource::Cvss(score) => format!("CVSS {score:.1}"),
        SeveritySource::Database(s) => format!("database: {s}"),
        SeveritySource::Informational => "informational notice".into(),
        SeveritySource::Malicious => "malicious package".into(),
        SeveritySource::Unrated => "unrated".into(),
    }
}

//! Accepted advisories (`[[deps.accept]]` in fnguard.toml): an advisory a team has reviewed and
//! decided to live with, for a reason and until a date. Accepted matches are removed from the
//! facts before rules run; an expired acceptance no longer hides anything and says so, and one
//! that matches nothing is reported so the list does not rot.

use fnguard_model::Project;

#[derive(Debug, Clone, PartialEq)]
pub struct Acceptance {
    /// Any id of the advisory (GHSA, CVE, PYSEC, ...).
    pub id: String,
    /// Limit to one package name (as written in the lockfile), when given.
    pub package: Option<String>,
    pub reason: String,
    /// (year, month, day) after which the acceptance lapses.
    pub expires: Option<(i32, u32, u32)>,
    /// Where the entry is written (file, line), for messages.
    pub origin: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AcceptProblem {
    Expired(Acceptance),
    Unused(Acceptance),
}

impl std::fmt::Display for AcceptProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AcceptProblem::Expired(a) => {
                let (y, m, d) = a.expires.unwrap_or_default();
                write!(
                    f,
                    "{}: the acceptance of {} expired on {y:04}-{m:02}-{d:02}; its findings are reported again",
                    a.origin, a.id
                )
            }
            AcceptProblem::Unused(a) => write!(
                f,
                "{}: accepted advisory {} matches no dependency; remove the entry",
                a.origin, a.id
            ),
        }
    }
}

/// Removes accepted matches from every function's facts, as of `today`.
pub fn apply(
    projects: &mut [Project],
    accepted: &[Acceptance],
    today: (i32, u32, u32),
) -> Vec<AcceptProblem> {
    let mut used = vec![false; accepted.len()];
    let mut problems = Vec::new();
    for (i, a) in accepted.iter().enumerate() {
        if a.expires.is_some_and(|e| e < today) {
            used[i] = true;
            problems.push(AcceptProblem::Expired(a.clone()));
        }
    }
    for f in projects.iter_mut().flat_map(|p| p.functions.iter_mut()) {
        let Some(deps) = f.deps.as_mut() else {
            continue;
        };
        let packages = &deps.packages;
        deps.vulnerabilities.retain(|v| {
            let name = packages.get(v.package).map(|p| p.name.as_str());
            let hit = accepted.iter().enumerate().find(|(_, a)| {
                a.expires.is_none_or(|e| e >= today)
                    && v.ids.iter().any(|id| id.eq_ignore_ascii_case(&a.id))
                    && a.package.as_deref().is_none_or(|p| Some(p) == name)
            });
            match hit {
                Some((i, _)) => {
                    used[i] = true;
                    false
                }
                None => true,
            }
        });
    }
    for (i, a) in accepted.iter().enumerate() {
        if !used[i] {
            problems.push(AcceptProblem::Unused(a.clone()));
        }
    }
    problems
}

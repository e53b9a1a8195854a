use super::super::impl_rule;
use super::{grouped, ids_text};
use crate::context::subject;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports package versions that a function ships (from its lockfile, pinned manifest, or
    /// the installed `node_modules`/`*.dist-info` in its code package) and that an OSV
    /// advisory affects. Matching is exact: every range of every advisory entry is evaluated
    /// with the ecosystem's own version ordering, advisories that are aliases of one another
    /// give one finding, and the severity comes from the advisory's CVSS vector (else the
    /// database's own rating).
    ///
    /// Needs the offline database (`fnguard db update`); without it the rule is silent and the
    /// scan says so.
    ///
    /// ## Why is this bad?
    /// A function is an internet-facing process running your dependencies with your role's
    /// credentials: a known flaw in one of them is the shortest path to both.
    ///
    /// ## Example
    /// ```json
    /// "node_modules/lodash": { "version": "4.17.20" }
    /// ```
    /// lodash 4.17.20 is affected by GHSA-35jh-r3h4-6jhm (command injection in `template`).
    ///
    /// ## Fix
    /// Upgrade to the fixed version named in the finding (the nearest one on the installed
    /// version's branch), regenerate the lockfile and redeploy. If the flaw cannot be reached,
    /// accept it in `fnguard.toml` with a reason and an expiry date:
    /// ```toml
    /// [[deps.accept]]
    /// id = "GHSA-35jh-r3h4-6jhm"
    /// reason = "template() is never called with user input"
    /// expires = "2027-03-31"
    /// ```
    ///
    /// ## References
    /// - <https://ossf.github.io/osv-schema/>
    /// - <https://osv.dev/>
    /// - OWASP Serverless Top 10, SAS-9: Vulnerable third-party dependencies
    pub struct VulnerableDependency {
        id: "FG401",
        name: "vulnerable-dependency",
        severity: High,
        practice: 4,
        opt_in: false,
    }
}

impl_rule!(VulnerableDependency, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for (dep, v, functions) in grouped(&cx.project.functions, |v| !v.malicious) {
        let version = dep.version.as_deref().unwrap_or("(any version)");
        let fix = match &v.fixed {
            Some(fixed) => format!(
                "Upgrade `{}` to {fixed} or later (the nearest fixed release on the {version} branch), regenerate the lockfile and redeploy.",
                dep.name
            ),
            None => format!(
                "No release on the {version} branch fixes this: move to another major version, replace `{}`, or accept the advisory in fnguard.toml `[[deps.accept]]` with a reason and an expiry.",
                dep.name
            ),
        };
        cx.finding(
            &VulnerableDependency::META,
            dep.location.clone(),
            format!(
                "`{}` {version} ({}) is affected by {}: {}; shipped by {}{}",
                dep.name,
                dep.ecosystem,
                ids_text(&v.ids),
                v.summary,
                subject(&functions),
                dep.layer
                    .as_ref()
                    .map(|l| format!(" through layer `{l}`"))
                    .unwrap_or_default()
            ),
        )
        .functions(&functions)
        .severity(v.severity)
        .key(format!(
            "{}@{version}:{}",
            dep.name,
            v.ids.first().map_or("", String::as_str)
        ))
        .evidence(serde_json::json!({
            "ecosystem": dep.ecosystem,
            "package": dep.name,
            "version": dep.version,
            "advisories": v.ids,
            "fixed": v.fixed,
            "severity_source": v.severity_source,
            "summary": v.summary,
            "layer": dep.layer,
        }))
        .fix(fix)
        .emit(out);
    }
}

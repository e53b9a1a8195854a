use super::super::impl_rule;
use super::{grouped, ids_text};
use crate::context::subject;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports packages that a function ships and that the OSV database lists as malicious
    /// (OpenSSF Malicious Packages `MAL-` records, and advisories merged with them): typosquats,
    /// hijacked releases, packages that steal credentials at install or import time.
    ///
    /// ## Why is this bad?
    /// Malicious code runs with the function's role and sees every event. In Lambda it can read
    /// the role's credentials from the environment and exfiltrate them on the first invocation;
    /// install-time payloads have already run on the build machine.
    ///
    /// ## Example
    /// ```json
    /// "node_modules/flatmap-stream": { "version": "0.1.1" }
    /// ```
    ///
    /// ## Fix
    /// Remove the package and whatever depends on it, rebuild from a clean cache, redeploy, and
    /// treat the build machine and the function's role credentials as compromised: rotate them.
    ///
    /// ## References
    /// - <https://github.com/ossf/malicious-packages>
    /// - OWASP Serverless Top 10, SAS-9: Vulnerable third-party dependencies
    pub struct MaliciousPackage {
        id: "FG402",
        name: "malicious-package",
        severity: Critical,
        practice: 4,
        opt_in: false,
    }
}

impl_rule!(MaliciousPackage, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for (dep, v, functions) in grouped(&cx.project.functions, |v| v.malicious) {
        let version = dep.version.as_deref().unwrap_or("(any version)");
        cx.finding(
            &MaliciousPackage::META,
            dep.location.clone(),
            format!(
                "`{}` {version} ({}) is a known malicious package ({}): {}; shipped by {}",
                dep.name,
                dep.ecosystem,
                ids_text(&v.ids),
                v.summary,
                subject(&functions)
            ),
        )
        .functions(&functions)
        .key(format!("{}@{version}", dep.name))
        .evidence(serde_json::json!({
            "ecosystem": dep.ecosystem,
            "package": dep.name,
            "version": dep.version,
            "advisories": v.ids,
        }))
        .fix(format!(
            "Remove `{}`, rebuild from a clean cache and redeploy; rotate the credentials the build machine and the function's role could reach.",
            dep.name
        ))
        .emit(out);
    }
}

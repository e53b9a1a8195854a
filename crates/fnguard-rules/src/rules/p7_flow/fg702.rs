use super::super::impl_rule;
use super::{describe, reachable_functions, Hop};
use crate::Context;
use fnguard_flow::{EdgeKind, NodeKind};
use fnguard_model::{Finding, RoleRef, Severity};

declare_rule! {
    /// ## What it does
    /// Reports attack paths: a public entry point (no authorizer, URL AuthType NONE) whose
    /// handler — or a function it reaches through invocations, queues, topics or streams —
    /// has an injectable sink (FG501–FG508, FG510 found by the taint analysis) or ships a
    /// dependency with a known high or critical advisory (FG401, FG402), and runs with a role
    /// that is administrator, allows a privilege-escalation path, or reaches a sensitive store.
    /// The evidence lists each hop with its location.
    ///
    /// ## Why is this bad?
    /// Each finding alone is a risk; joined, they are a way in: anyone on the internet sends the
    /// payload, the flaw runs it, and the role turns it into the account's data or the account.
    ///
    /// ## Example
    /// A function URL with `AuthType: NONE` → `os.system("convert " + event["name"])` → a role
    /// with `AdministratorAccess`.
    ///
    /// ## Fix
    /// Break any link: authenticate the entry point, fix the flaw (see the FG5xx/FG401 finding),
    /// and give the function a role with only what its code calls.
    ///
    /// ## References
    /// - OWASP Serverless Top 10, SAS-1, SAS-2, SAS-5
    pub struct AttackPath {
        id: "FG702",
        name: "attack-path",
        severity: Critical,
        practice: 7,
        opt_in: false,
    }
}

impl_rule!(AttackPath, check);

const INJECTION: &[&str] = &[
    "FG501", "FG502", "FG503", "FG504", "FG505", "FG506", "FG507", "FG508", "FG510",
];

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let g = cx.graph();
    for entry in cx
        .project
        .functions
        .iter()
        .filter(|f| fnguard_flow::is_public(cx.project, f))
    {
        for (fid, hops) in reachable_functions(g, &format!("fn:{}", entry.id)) {
            let Some(f) = cx.index.function(fid.trim_start_matches("fn:")) else {
                continue;
            };
            // The flaw: an injectable sink in its handler, or a vulnerable/malicious package.
            let flaw = f
                .code
                .as_ref()
                .and_then(|c| {
                    c.findings
                        .iter()
                        .find(|x| INJECTION.contains(&x.rule.as_str()))
                })
                .map(|x| {
                    (
                        format!("{} `{}` at {}", x.rule, x.sink, x.location),
                        x.location.clone(),
                    )
                })
                .or_else(|| {
                    let d = f.deps.as_ref()?;
                    let v = d
                        .vulnerabilities
                        .iter()
                        .find(|v| v.malicious || v.severity >= Severity::High)?;
                    let p = d.packages.get(v.package)?;
                    Some((
                        format!(
                            "{} {} {} ({})",
                            if v.malicious { "FG402" } else { "FG401" },
                            p.name,
                            p.version.as_deref().unwrap_or("?"),
                            v.ids.first().map_or("", String::as_str)
                        ),
                        p.location.clone(),
                    ))
                });
            let Some((flaw, flaw_loc)) = flaw else {
                continue;
            };
            // The prize: what the role allows.
            let RoleRef::Declared { id: role_id, .. } = &f.role else {
                continue;
            };
            let Some(role) = cx.index.role(role_id) else {
                continue;
            };
            let perms = fnguard_iam::effective_permissions(role);
            let admin = perms.grants.iter().any(|g| {
                g.allow
                    && g.on_star()
                    && g.condition_keys.is_empty()
                    && (g.not_action || g.actions.iter().any(|a| a == "*" || a == "*:*"))
            }) && !perms.boundary_caps_admin();
            let escalation = fnguard_iam::escalations(&perms)
                .first()
                .map(|(m, _)| m.name);
            let sensitive = g
                .sensitive_edges_from(&fid)
                .filter(|e| matches!(e.kind, EdgeKind::Read | EdgeKind::Write))
                .find_map(|e| {
                    g.node(e.to)
                        .filter(|n| {
                            n.kind == NodeKind::Resource
                                && n.sensitivity.is_some_and(|s| s.is_sensitive())
                        })
                        .map(|n| n.label.clone())
                });
            let prize = if admin {
                format!("role `{role_id}` is administrator")
            } else if let Some(m) = escalation {
                format!("role `{role_id}` allows privilege escalation ({m})")
            } else if let Some(s) = sensitive {
                format!("role `{role_id}` reaches sensitive store `{s}`")
            } else {
                continue;
            };
            let entry_loc = entry
                .url
                .as_ref()
                .map(|u| u.location.clone())
                .or_else(|| {
                    entry
                        .triggers
                        .iter()
                        .find(|t| t.kind.source_resource().is_some())
                        .map(|t| t.location.clone())
                })
                .unwrap_or_else(|| entry.location.clone());
            let mut path: Vec<Hop> = hops.clone();
            let via = if path.is_empty() {
                String::new()
            } else {
                format!(" via {}", describe(&path))
            };
            path.push(Hop {
                from: f.id.clone(),
                to: role_id.clone(),
                kind: "assume",
                detail: prize.clone(),
            });
            cx.finding(
                &AttackPath::META,
                entry_loc,
                format!("attack path: public entry `{}`{via} → {flaw} → {prize}", entry.id),
            )
            .function(&entry.id)
            .related(flaw_loc)
            .related(role.location.clone())
            .key(format!("{}->{}", entry.id, f.id))
            .evidence(serde_json::json!({ "hops": path, "flaw": flaw, "prize": prize }))
            .fix("Break a link: authenticate the entry point, fix the flaw, and scope the role to what the code calls.")
            .emit(out);
        }
    }
}

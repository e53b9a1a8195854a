use super::super::impl_rule;
use super::roles_in_use;
use crate::{subject, Context};
use fnguard_iam::{analyse, catalog};
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Finds permissions granted to a function's role that its code provably never uses: the
    /// actions of the role's own statements (wildcards expanded against the IAM catalog) minus
    /// the actions the handler and the local modules it imports call through the AWS SDK.
    /// Reported only when the analysis is complete: the handler was found, every SDK call was
    /// named (no dynamic method names), the role is declared in the project, and every function
    /// sharing the role was analysed. The evidence carries a suggested policy that keeps only
    /// the needed actions, each on the resources its original statement named (it never widens).
    ///
    /// ## Why is this bad?
    /// Unused permissions are all risk and no benefit: they are what an attacker uses after
    /// getting code execution in the function.
    ///
    /// ## Example
    /// ```yaml
    /// - Effect: Allow
    ///   Action: [s3:GetObject, s3:PutObject, s3:DeleteObject]   # the handler only reads
    ///   Resource: arn:aws:s3:::reports/*
    /// ```
    ///
    /// ## Fix
    /// Remove the unused actions (the finding's evidence has the suggested policy).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege>
    pub struct UnusedPermissions {
        id: "FG306",
        name: "unused-permissions",
        severity: Medium,
        practice: 3,
        opt_in: false,
    }
}

impl_rule!(UnusedPermissions, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let cat = catalog();
    for (role, perms, fns) in roles_in_use(cx) {
        let lp = analyse(role, &fns, &cx.project.resources);
        if lp.confidence != "high" || lp.unused.is_empty() {
            continue;
        }
        let Some(first) = perms.grants.iter().find(|g| {
            g.allow
                && !g.not_action
                && g.managed.is_none()
                && g.actions
                    .iter()
                    .flat_map(|p| cat.expand(p))
                    .any(|a| lp.unused.contains(&a.name))
        }) else {
            continue;
        };
        let names: Vec<&str> = fns.iter().map(|f| f.id.as_str()).collect();
        let shown: Vec<String> = lp.unused.iter().take(6).map(|a| format!("`{a}`")).collect();
        let more = if lp.unused.len() > 6 {
            format!(" and {} more", lp.unused.len() - 6)
        } else {
            String::new()
        };
        cx.finding(
            &UnusedPermissions::META,
            first.location.clone(),
            format!(
                "role `{}` grants {} action{} that the code of {} never calls: {}{more}",
                role.id,
                lp.unused.len(),
                if lp.unused.len() == 1 { "" } else { "s" },
                subject(&names),
                shown.join(", ")
            ),
        )
        .functions(&names)
        .resource(&role.id)
        .fix("Remove the unused actions; the evidence has a suggested policy with only what the code calls.")
        .evidence(serde_json::json!({
            "unused_actions": lp.unused,
            "needed_actions": lp.needed,
            "needed_by_code": lp.needed_by_code,
            "suggested_policy": lp.suggested_policy,
        }))
        .emit(out);
    }
}

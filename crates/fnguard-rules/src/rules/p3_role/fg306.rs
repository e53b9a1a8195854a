use super::super::impl_rule;
use super::roles_in_use;
use crate::{subject, Context};
use fnguard_iam::catalog;
use fnguard_model::{Finding, ObservedUsage};

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
    /// With `fnguard aws usage`, what CloudTrail saw each function's role session call counts
    /// as used, and when the code cannot be analysed the rule reports the actions no function
    /// on the role was seen calling, never `iam:PassRole`, and data-plane actions (S3 objects,
    /// DynamoDB items, invocations, messages) only when the trail logs data events.
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
    for (i, (role, perms, fns)) in roles_in_use(cx).iter().enumerate() {
        let Some(lp) = cx.least_privilege(i) else {
            continue;
        };
        let observed: Vec<&ObservedUsage> =
            fns.iter().filter_map(|f| f.observed.as_deref()).collect();
        // The code's proof first (it already counts what CloudTrail saw as used); CloudTrail's
        // record alone when the code could not be analysed completely.
        let (unused, by_code) = if lp.confidence == "high" && !lp.unused.is_empty() {
            (&lp.unused, true)
        } else if let Some(ou) = lp.observed_unused.as_ref().filter(|u| !u.is_empty()) {
            (ou, false)
        } else {
            continue;
        };
        let Some(first) = perms.grants.iter().find(|g| {
            g.allow
                && !g.not_action
                && g.managed.is_none()
                && g.actions
                    .iter()
                    .flat_map(|p| cat.expand(p))
                    .any(|a| unused.contains(&a.name))
        }) else {
            continue;
        };
        let names: Vec<&str> = fns.iter().map(|f| f.id.as_str()).collect();
        let shown: Vec<String> = unused.iter().take(6).map(|a| format!("`{a}`")).collect();
        let more = if unused.len() > 6 {
            format!(" and {} more", unused.len() - 6)
        } else {
            String::new()
        };
        let source = observed
            .first()
            .map(|o| o.source.clone())
            .unwrap_or_default();
        let why = match (by_code, observed.is_empty()) {
            (true, true) => format!("that the code of {} never calls", subject(&names)),
            (true, false) => format!(
                "that the code of {} never calls and that were not seen in {source}",
                subject(&names)
            ),
            (false, _) => format!(
                "that {} {} not seen calling in {source}",
                subject(&names),
                if names.len() == 1 { "was" } else { "were" }
            ),
        };
        let mut evidence = serde_json::json!({
            "unused_actions": unused,
            "needed_actions": lp.needed,
            "needed_by_code": lp.needed_by_code,
            "suggested_policy": lp.suggested_policy,
            "evidence": if by_code { "code" } else { "observed" },
        });
        if !observed.is_empty() {
            let seen: std::collections::BTreeSet<&String> =
                observed.iter().flat_map(|o| o.actions.iter()).collect();
            evidence["observed_actions"] = serde_json::json!(seen);
            evidence["observed_source"] = serde_json::json!(source);
            evidence["data_events_logged"] =
                serde_json::json!(observed.iter().all(|o| o.data_events));
        }
        cx.finding(
            &UnusedPermissions::META,
            first.location.clone(),
            format!(
                "role `{}` grants {} action{} {why}: {}{more}",
                role.id,
                unused.len(),
                if unused.len() == 1 { "" } else { "s" },
                shown.join(", ")
            ),
        )
        .functions(&names)
        .resource(&role.id)
        .fix(if by_code {
            "Remove the unused actions; the evidence has a suggested policy with only what the code calls."
        } else {
            "Remove the actions nothing used over the observed period (check rare paths such as yearly jobs and error handling first); the evidence has a suggested policy."
        })
        .evidence(evidence)
        .emit(out);
    }
}

use super::super::impl_rule;
use super::{ids, roles_in_use};
use crate::{subject, Context};
use fnguard_iam::escalations;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Finds execution roles that can raise their own privileges, by a combined, source-tagged
    /// list of known methods (Rhino Security Labs' research, Cloudsplaining's and Policy
    /// Sentry's lists): `iam:PassRole` with a create-compute action, `iam:Attach*Policy` and
    /// `iam:Put*Policy`, `iam:CreatePolicyVersion`, `lambda:UpdateFunctionCode` on any function,
    /// `sts:AssumeRole` on any role, and more. Actions are matched after wildcard expansion across
    /// all the role's policies; an unconditional Deny removes them, and scoping conditions
    /// (`iam:PassedToService`) or named resources (a PassRole on one role) are not findings.
    ///
    /// ## Why is this bad?
    /// Whoever controls the function becomes an administrator in a few API calls, whatever the
    /// rest of the role says.
    ///
    /// ## Example
    /// ```yaml
    /// - Effect: Allow
    ///   Action: [iam:PassRole, lambda:CreateFunction, lambda:InvokeFunction]
    ///   Resource: "*"
    /// ```
    ///
    /// ## Fix
    /// Remove the IAM and deployment actions from the execution role; if the function really
    /// manages other functions, scope PassRole to one role with `iam:PassedToService`.
    ///
    /// ## References
    /// - <https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/>
    /// - <https://github.com/salesforce/cloudsplaining>
    pub struct PrivilegeEscalation {
        id: "FG304",
        name: "privilege-escalation",
        severity: Critical,
        practice: 3,
        opt_in: false,
    }
}

impl_rule!(PrivilegeEscalation, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for (role, perms, fns) in roles_in_use(cx) {
        // Administrators can do all of this and more; FG301 says so once.
        if perms
            .grants
            .iter()
            .any(|g| g.allow && g.on_star() && (g.not_action || g.actions.iter().any(|a| a == "*")))
        {
            continue;
        }
        let found = escalations(perms);
        let Some((_, first_grants)) = found.first() else {
            continue;
        };
        let names = ids(fns);
        let methods: Vec<serde_json::Value> = found
            .iter()
            .map(|(m, _)| serde_json::json!({ "method": m.name, "actions": m.actions, "sources": m.sources }))
            .collect();
        let mut b = cx
            .finding(
                &PrivilegeEscalation::META,
                first_grants[0].location.clone(),
                format!(
                    "role `{}` of {} can escalate its privileges: {}",
                    role.id,
                    subject(&names),
                    found
                        .iter()
                        .take(4)
                        .map(|(m, _)| format!("{} ({})", m.name, m.actions.join(" + ")))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            )
            .functions(&names)
            .resource(&role.id)
            .fix(super::role_fix(role, "Remove IAM, deployment and role-assumption actions from the execution role, or scope them to named resources with iam:PassedToService."))
            .evidence(serde_json::json!({ "role": role.id, "methods": methods }));
        for (_, grants) in &found {
            for g in grants {
                b = b.related(g.location.clone());
            }
        }
        b.emit(out);
    }
}

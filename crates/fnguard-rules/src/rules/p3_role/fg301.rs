use super::super::impl_rule;
use super::{ids, roles_in_use};
use crate::{subject, Context};
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Finds execution roles whose permissions include every action on every resource:
    /// `Action: "*"` on `Resource: "*"`, `NotAction` with `Allow` (everything except a few
    /// services), or the `AdministratorAccess` / `PowerUserAccess` managed policies, with no
    /// condition narrowing the grant.
    ///
    /// ## Why is this bad?
    /// Any flaw in the function (an injectable handler, a vulnerable dependency, a leaked
    /// environment) hands the attacker the whole AWS account.
    ///
    /// ## Example
    /// ```yaml
    /// provider:
    ///   iam:
    ///     role:
    ///       statements:
    ///         - Effect: Allow
    ///           Action: "*"
    ///           Resource: "*"
    /// ```
    ///
    /// ## Fix
    /// Grant the actions the handler calls, on the resources it uses (`fnguard iam` suggests a
    /// policy), and give each function its own role.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html>
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege>
    pub struct AdminRole {
        id: "FG301",
        name: "admin-role",
        severity: Critical,
        practice: 3,
        opt_in: false,
    }
}

impl_rule!(AdminRole, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for (role, perms, fns) in roles_in_use(cx) {
        let admin = perms.grants.iter().find(|g| {
            g.allow
                && g.on_star()
                && g.condition_keys.is_empty()
                && (g.not_action || g.actions.iter().any(|a| a == "*" || a == "*:*"))
        });
        let Some(g) = admin else { continue };
        // A permissions boundary that is not itself administrator caps what the role can do.
        if perms.boundary_caps_admin() {
            continue;
        }
        let how = match (g.managed, g.not_action) {
            (Some(m), _) => format!("the {m} managed policy"),
            (None, true) => format!(
                "Allow with NotAction [{}] (everything else)",
                g.actions.join(", ")
            ),
            (None, false) => "Action \"*\" on Resource \"*\"".to_string(),
        };
        let names = ids(fns);
        cx.finding(
            &AdminRole::META,
            g.location.clone(),
            format!("role `{}` of {} grants administrator access through {how}", role.id, subject(&names)),
        )
        .functions(&names)
        .resource(&role.id)
        .related(role.location.clone())
        .fix(super::role_fix(role, "Replace the grant with the actions the handler calls on the resources it uses, in a role of its own."))
        .evidence(serde_json::json!({ "role": role.id, "via": how }))
        .emit(out);
    }
}

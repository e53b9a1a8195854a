use super::super::impl_rule;
use super::roles_in_use;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Finds AWS SDK calls in a function's handler (and the local modules it imports) whose IAM
    /// action the function's role does not grant on any resource, or takes away with a Deny.
    /// Only calls in code the handler reaches count (a module shared by several functions holds
    /// calls that each of them may never make): functions the entry points call, class methods
    /// whose name reached code calls, route handlers registered by reference. When the entry
    /// point itself could not be found, every call counts. Only roles declared in the project
    /// whose managed policies are all known are checked.
    ///
    /// ## Why is this bad?
    /// The call fails with AccessDenied in production, usually on the path nobody tested; the
    /// usual "fix" under pressure is a wildcard.
    ///
    /// ## Example
    /// ```python
    /// sqs.send_message(QueueUrl=QUEUE, MessageBody=body)   # role grants no sqs:SendMessage
    /// ```
    ///
    /// ## Fix
    /// Grant the action on the resource the call uses.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>
    pub struct MissingPermissions {
        id: "FG307",
        name: "missing-permissions",
        severity: Low,
        practice: 3,
        opt_in: false,
    }
}

impl_rule!(MissingPermissions, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for (role, perms, fns) in roles_in_use(cx) {
        if !perms.unknown_managed.is_empty() {
            continue;
        }
        for f in fns {
            let Some(code) = &f.code else { continue };
            let mut seen: Vec<String> = Vec::new();
            // Only calls the function's own entry points reach: a module shared by several
            // functions holds calls each of them may never make.
            for call in code.calls.iter().filter(|c| c.reachable) {
                let key = call.action.to_ascii_lowercase();
                if seen.contains(&key) {
                    continue;
                }
                seen.push(key);
                let granted = perms
                    .grants
                    .iter()
                    .any(|g| g.allow && g.matches_action(&call.action))
                    && !perms.denied(&call.action);
                if granted {
                    continue;
                }
                cx.finding(
                    &MissingPermissions::META,
                    call.location.clone(),
                    format!(
                        "the code of `{}` calls {} but its role `{}` does not grant it",
                        f.id, call.action, role.id
                    ),
                )
                .function(&f.id)
                .resource(&role.id)
                .key(&call.action)
                .related(role.location.clone())
                .fix(format!(
                    "Grant {} on the resource this call uses.",
                    call.action
                ))
                .emit(out);
            }
        }
    }
}

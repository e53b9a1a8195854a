use super::super::impl_rule;
use super::{ids, roles_in_use};
use crate::{subject, Context};
use fnguard_model::{Finding, RoleRef};

declare_rule! {
    /// ## What it does
    /// Finds execution roles shared by two or more functions: a role declared in the project
    /// (including the Serverless Framework's default `IamRoleLambdaExecution`, which every
    /// function without its own `role` shares) or the same role ARN given to several functions.
    /// A role that grants only the logging, tracing and VPC baseline is not reported: sharing
    /// it gives no function more than it needs.
    ///
    /// The severity is **low**: on the well-built applications of the precision corpus
    /// (`bench/precision`) most shared roles were shared on purpose by functions that use the
    /// same resources; the risk a shared role creates is reported, where it exists, as the
    /// broad or unused permissions themselves (FG302, FG303, FG306).
    ///
    /// ## Why is this bad?
    /// Every function gets the union of what all of them need. The public webhook can read the
    /// payments table because the billing job had to.
    ///
    /// ## Example
    /// ```yaml
    /// provider:
    ///   iam:
    ///     role:
    ///       statements: [...]
    /// functions:
    ///   webhook: {handler: webhook.handler}
    ///   billing: {handler: billing.handler}
    /// ```
    ///
    /// ## Fix
    /// Give each function its own role (serverless-iam-roles-per-function, SAM per-function
    /// `Policies`, one `aws_iam_role` per function) with only what it needs.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html>
    pub struct SharedRole {
        id: "FG305",
        name: "shared-role",
        severity: Low,
        practice: 3,
        opt_in: false,
    }
}

impl_rule!(SharedRole, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for (role, perms, fns) in roles_in_use(cx) {
        if fns.len() < 2 {
            continue;
        }
        // Logs, traces and VPC networking are what every function needs: sharing them gives
        // no function more than its own role would.
        let only_baseline =
            perms.unknown_managed.is_empty()
                && perms.grants.iter().filter(|g| g.allow).all(|g| {
                    !g.not_action && g.actions.iter().all(|a| fnguard_iam::is_baseline(a))
                });
        if only_baseline {
            continue;
        }
        let names = ids(fns);
        let what = if role.generated && role.id == "IamRoleLambdaExecution" {
            " (the framework's default role)"
        } else {
            ""
        };
        cx.finding(
            &SharedRole::META,
            role.location.clone(),
            format!("role `{}`{what} is shared by {}", role.id, subject(&names)),
        )
        .resource(&role.id)
        .functions(&names)
        .key(&role.id)
        .fix("Give each function its own role with only the permissions its handler uses.")
        .emit(out);
    }
    // The same external role ARN on several functions.
    let mut external: Vec<(&str, Vec<&str>, fnguard_model::Location)> = Vec::new();
    for f in &cx.project.functions {
        if let RoleRef::External { arn, location } = &f.role {
            let Some(a) = arn.as_str() else { continue };
            match external.iter_mut().find(|(x, ..)| *x == a) {
                Some((_, list, _)) => list.push(&f.id),
                None => external.push((a, vec![&f.id], location.clone())),
            }
        }
    }
    for (arn, names, location) in external {
        if names.len() < 2 {
            continue;
        }
        cx.finding(
            &SharedRole::META,
            location,
            format!("role `{arn}` is shared by {}", subject(&names)),
        )
        .functions(&names)
        .key(arn)
        .fix("Give each function its own role with only the permissions its handler uses.")
        .emit(out);
    }
}

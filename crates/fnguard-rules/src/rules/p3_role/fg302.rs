use super::super::impl_rule;
use super::{ids, roles_in_use};
use crate::{subject, Context};
use fnguard_iam::{catalog, AccessLevel};
use fnguard_model::{Applicability, Change, Finding};

declare_rule! {
    /// ## What it does
    /// Finds statements in execution roles that grant every action of a service (`s3:*`,
    /// `dynamodb:*`) or a wildcard that expands to permissions-management actions or to five or
    /// more write actions (`iam:*Policy`, `s3:Put*`), expanded against the IAM action catalog. Statements from AWS
    /// managed policies are left to FG308, and `*` alone to FG301.
    ///
    /// ## Why is this bad?
    /// `s3:*` includes deleting buckets, rewriting their policies and making them public; the
    /// function needs two or three of those hundred actions.
    ///
    /// ## Example
    /// ```yaml
    /// - Effect: Allow
    ///   Action: dynamodb:*
    ///   Resource: !GetAtt Table.Arn
    /// ```
    ///
    /// ## Fix
    /// List the actions the handler calls (`dynamodb:GetItem`, `dynamodb:PutItem`).
    ///
    /// `fnguard fix --unsafe-fixes` replaces the wildcard in that statement with the actions the
    /// functions on the role are known to call (offered only when every one of them was analysed
    /// completely; refused when nothing would be left). Unsafe: calls the analysis cannot see
    /// lose their permission.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>
    pub struct ServiceWildcardAction {
        id: "FG302",
        name: "service-wildcard-action",
        severity: High,
        practice: 3,
        opt_in: false,
    }
}

impl_rule!(ServiceWildcardAction, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let cat = catalog();
    for (i, (role, perms, fns)) in roles_in_use(cx).iter().enumerate() {
        let names = ids(fns);
        for g in perms
            .grants
            .iter()
            .filter(|g| g.allow && !g.not_action && g.managed.is_none())
        {
            let wild: Vec<&String> = g
                .actions
                .iter()
                .filter(|a| a.contains('*') && a.as_str() != "*" && a.as_str() != "*:*")
                .filter(|a| {
                    // A service wildcard, or a partial one that reaches permissions management
                    // or a handful of write actions (`s3:Put*`), not one that names a single
                    // action family (`sqs:SendMessage*`).
                    let expanded: Vec<_> = cat
                        .expand(a)
                        .into_iter()
                        .filter(|x| !perms.denied(&x.name))
                        .collect();
                    let writes = expanded
                        .iter()
                        .filter(|x| x.level == AccessLevel::Write)
                        .count();
                    a.ends_with(":*")
                        || writes >= 5
                        || expanded
                            .iter()
                            .any(|x| x.level == AccessLevel::PermissionsManagement)
                })
                .collect();
            if wild.is_empty() {
                continue;
            }
            let count: usize = wild.iter().map(|a| cat.expand(a).len()).sum();
            // What the functions on the role need of those wildcards, known only when every
            // one of them was analysed completely.
            let Some(lp) = cx.least_privilege(i) else {
                continue;
            };
            // The analysis leaves out what every function needs from its runtime (logs, traces,
            // VPC interfaces); a wildcard that covered those must keep them.
            let add: Vec<String> = lp
                .needed
                .iter()
                .map(String::as_str)
                .chain(super::BASELINE.iter().copied())
                .filter(|a| wild.iter().any(|w| fnguard_model::wildcard_match(w, a)))
                .map(str::to_string)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let keeps_something = !add.is_empty() || g.actions.len() > wild.len();
            // Terraform writes statements inside expressions (`jsonencode`, policy documents),
            // which the fixer does not edit.
            let terraform = cx.project.format == fnguard_model::SourceFormat::Terraform;
            let narrowing = (lp.confidence == "high" && keeps_something && !terraform).then(|| {
                Change::NarrowActions {
                    role: role.id.clone(),
                    line: g.location.line,
                    drop: wild.iter().map(|w| w.to_string()).collect(),
                    add: add.clone(),
                }
            });
            let title = format!(
                "replace {} with the {} action(s) the code calls{}",
                wild.iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                add.len(),
                if add.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", add.join(", "))
                }
            );
            let file = g.location.file.clone();
            let mut finding = cx.finding(
                &ServiceWildcardAction::META,
                g.location.clone(),
                format!(
                    "role `{}` of {} grants {} ({count} actions, including write or permissions management)",
                    role.id,
                    subject(&names),
                    wild.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
                ),
            )
            .functions(&names)
            .resource(&role.id)
            .key(wild.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","))
            .fix(super::role_fix(role, "Replace the wildcard with the specific actions the handler calls."))
            .evidence(serde_json::json!({ "role": role.id, "patterns": wild, "expanded_actions": count }));
            if let Some(change) = narrowing {
                // Unsafe: calls the analysis cannot see (dynamic names, other tools on the
                // role) lose their permission.
                finding = finding.autofix(Applicability::Unsafe, title, &file, change);
            }
            finding.emit(out);
        }
    }
}

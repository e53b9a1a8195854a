use super::super::impl_rule;
use super::{ids, roles_in_use};
use crate::{subject, Context};
use fnguard_iam::{catalog, AccessLevel, Action};
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Finds execution-role statements that grant sensitive actions on `Resource: "*"` (or every
    /// resource of a type): write and permissions-management actions, and data reads
    /// (`s3:GetObject`, `dynamodb:Scan`/`Query`/`GetItem`, `secretsmanager:GetSecretValue`,
    /// `ssm:GetParameter*`, `kms:Decrypt`, `sqs:ReceiveMessage`, ...), expanded against the IAM
    /// action catalog. Actions that only accept `*`, the Lambda logging and tracing baseline,
    /// actions scoped by a condition key rather than a resource in practice
    /// (`cloudwatch:PutMetricData`, whose optional `dataset` resource type arrived in 2025; its
    /// scope is the `cloudwatch:namespace` condition), actions an unconditional Deny takes
    /// away, and AWS managed policies (FG308) are not reported.
    ///
    /// ## Why is this bad?
    /// The function can read or change every bucket, table or secret in the account, not only
    /// its own; one compromised function exposes all of them.
    ///
    /// ## Example
    /// ```yaml
    /// - Effect: Allow
    ///   Action: [s3:GetObject, s3:PutObject]
    ///   Resource: "*"
    /// ```
    ///
    /// ## Fix
    /// Name the resources: `!Sub "${Bucket.Arn}/*"`, `!GetAtt Table.Arn`, the secret's ARN.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>
    pub struct SensitiveActionOnAnyResource {
        id: "FG303",
        name: "sensitive-action-on-any-resource",
        severity: High,
        practice: 3,
        opt_in: false,
    }
}

impl_rule!(SensitiveActionOnAnyResource, check);

/// Actions whose scope is a condition key, not a resource, in practice.
const SCOPED_BY_CONDITION: &[&str] = &["cloudwatch:PutMetricData"];

fn sensitive(a: &Action) -> bool {
    if a.resource_types.is_empty()
        || SCOPED_BY_CONDITION
            .iter()
            .any(|b| b.eq_ignore_ascii_case(&a.name))
        || super::BASELINE
            .iter()
            .any(|b| b.eq_ignore_ascii_case(&a.name))
    {
        return false;
    }
    matches!(
        a.level,
        AccessLevel::Write | AccessLevel::PermissionsManagement
    ) || super::DATA_READS
        .iter()
        .any(|d| d.eq_ignore_ascii_case(&a.name))
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let cat = catalog();
    for (role, perms, fns) in roles_in_use(cx) {
        let names = ids(&fns);
        for g in perms.grants.iter().filter(|g| {
            g.allow
                && !g.not_action
                && g.managed.is_none()
                && g.on_any_resource()
                && g.condition_keys.is_empty()
        }) {
            if g.actions.iter().any(|a| a == "*" || a == "*:*") {
                continue; // FG301
            }
            let mut hits: Vec<&str> = g
                .actions
                .iter()
                .flat_map(|p| cat.expand(p))
                .filter(|a| {
                    sensitive(a) && !perms.denied(&a.name) && perms.boundary_allows(&a.name)
                })
                .map(|a| a.name.as_str())
                .collect();
            hits.sort_unstable();
            hits.dedup();
            if hits.is_empty() {
                continue;
            }
            let shown: Vec<String> = hits.iter().take(5).map(|a| format!("`{a}`")).collect();
            let more = if hits.len() > 5 {
                format!(" and {} more", hits.len() - 5)
            } else {
                String::new()
            };
            cx.finding(
                &SensitiveActionOnAnyResource::META,
                g.location.clone(),
                format!(
                    "role `{}` of {} allows {}{more} on every resource",
                    role.id,
                    subject(&names),
                    shown.join(", ")
                ),
            )
            .functions(&names)
            .resource(&role.id)
            .key(hits.join(","))
            .fix(super::role_fix(role, "Scope the statement's Resource to the ARNs of the buckets, tables, secrets or keys the function uses."))
            .evidence(serde_json::json!({ "role": role.id, "actions": hits }))
            .emit(out);
        }
    }
}

use super::super::impl_rule;
use super::{ids, roles_in_use};
use crate::{subject, Context};
use fnguard_iam::{catalog, AccessLevel, Action};
use fnguard_model::{Applicability, Change, Finding};

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
    /// `fnguard fix --unsafe-fixes` replaces `Resource: "*"` with the resources the
    /// least-privilege analysis finds the code reaching (one set for the statement's actions,
    /// only when every function on the role was analysed completely); it refuses when a
    /// resource could not be resolved offline. Unsafe: resources the analysis cannot see lose
    /// access.
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

/// The resources the least-privilege suggestion gives the actions of `g` the functions need:
/// one set for all of them, narrower than `*`. None when the analysis is incomplete, the
/// statement's actions are not needed at all, or they would need different resources.
fn narrowed_resources(
    lp: &fnguard_iam::FunctionPermissions,
    g: &fnguard_iam::Grant,
) -> Option<Vec<String>> {
    if lp.confidence != "high" || !g.not_resources.is_empty() {
        return None;
    }
    let statements = lp.suggested_policy.get("Statement")?.as_array()?;
    let mut found: Option<Vec<String>> = None;
    for st in statements {
        let actions: Vec<&str> = st
            .get("Action")?
            .as_array()?
            .iter()
            .filter_map(|a| a.as_str())
            .collect();
        if !actions.iter().any(|a| g.matches_action(a)) {
            continue;
        }
        let resources: Vec<String> = st
            .get("Resource")?
            .as_array()?
            .iter()
            .filter_map(|r| r.as_str().map(str::to_string))
            .collect();
        if resources.is_empty() || resources.iter().any(|r| r == "*") {
            return None;
        }
        match &found {
            None => found = Some(resources),
            Some(f) if *f == resources => {}
            Some(_) => return None,
        }
    }
    found
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let cat = catalog();
    for (i, (role, perms, fns)) in roles_in_use(cx).iter().enumerate() {
        let names = ids(fns);
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
            // The suggestion's resources for this statement's actions, when they are one set
            // narrower than `*` (known only when every function on the role was analysed).
            let Some(lp) = cx.least_privilege(i) else {
                continue;
            };
            let narrowed = narrowed_resources(&lp, g);
            let mut finding = cx.finding(
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
            .evidence(serde_json::json!({ "role": role.id, "actions": hits }));
            let terraform = cx.project.format == fnguard_model::SourceFormat::Terraform;
            if let (Some(resources), false) = (narrowed, terraform) {
                finding = finding.autofix(
                    Applicability::Unsafe,
                    format!(
                        "scope the statement to {} (what the code reaches; other resources lose access)",
                        resources.join(", ")
                    ),
                    &g.location.file.clone(),
                    Change::NarrowResources {
                        role: role.id.clone(),
                        line: g.location.line,
                        resources,
                    },
                );
            }
            finding.emit(out);
        }
    }
}

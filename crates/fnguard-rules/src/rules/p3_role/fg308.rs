use super::super::impl_rule;
use super::{ids, roles_in_use};
use crate::{subject, Context};
use fnguard_iam::{catalog, AccessLevel};
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Finds execution roles with a broad AWS managed policy attached, judged on the policy's
    /// published content (every AWS managed policy is embedded, with its version and date):
    /// unconditioned grants on every resource of a whole service (`s3:*`), of permissions
    /// management, of ten or more write actions, or of sensitive data reads (`s3:GetObject`,
    /// `dynamodb:Scan`, `secretsmanager:GetSecretValue`, ...). `AmazonS3FullAccess`,
    /// `AmazonDynamoDBFullAccess` and `AWSLambdaExecute` are; `AWSLambdaBasicExecutionRole` and
    /// `AWSLambdaSQSQueueExecutionRole` are not (what the Lambda service reads to poll a queue
    /// or stream trigger is not counted). Administrator policies are FG301's.
    ///
    /// ## Why is this bad?
    /// Managed policies are written for people administering a service, not for a function
    /// that reads one table: they grant every action on every resource of the service.
    ///
    /// ## Example
    /// ```yaml
    /// Policies:
    ///   - AmazonDynamoDBFullAccess
    /// ```
    ///
    /// ## Fix
    /// Use a scoped statement or a SAM policy template (`DynamoDBCrudPolicy: {TableName: ...}`).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html>
    pub struct BroadManagedPolicy {
        id: "FG308",
        name: "broad-managed-policy",
        severity: High,
        practice: 3,
        opt_in: false,
    }
}

impl_rule!(BroadManagedPolicy, check);

/// How many write actions on every resource make a policy broad even without a service
/// wildcard (a function writes to a handful of things).
const MANY_WRITES: usize = 10;

/// What the Lambda service does with the role to poll a queue or stream trigger
/// (`AWSLambdaSQSQueueExecutionRole`, `AWSLambdaKinesisExecutionRole`): reads that serve the
/// event source mapping, not the code.
const TRIGGER_POLLING: &[&str] = &[
    "sqs:ReceiveMessage",
    "kinesis:GetRecords",
    "dynamodb:GetRecords",
];

/// What makes an AWS managed policy broad, judged on its published content: unconditioned
/// grants on every resource of a whole service (`s3:*`), of permissions management, of many
/// writes, or of sensitive data reads. Administrator policies are FG301's. `None` when it is
/// not broad.
fn broadness(policy: &fnguard_iam::ManagedPolicy) -> Option<Vec<String>> {
    let cat = catalog();
    let mut why: Vec<String> = Vec::new();
    let mut writes: Vec<String> = Vec::new();
    for st in policy
        .statements
        .iter()
        .filter(|s| s.allow && s.condition_keys.is_empty())
    {
        let any =
            st.resources.is_empty() || st.resources.iter().any(|r| fnguard_iam::is_any_resource(r));
        if !any {
            continue;
        }
        if st.not_action || st.actions.iter().any(|a| a == "*" || a == "*:*") {
            return None; // administrator access: FG301
        }
        for pattern in &st.actions {
            if pattern.ends_with(":*") {
                why.push(format!("`{pattern}`"));
                continue;
            }
            for a in cat.expand(pattern) {
                if super::BASELINE
                    .iter()
                    .chain(TRIGGER_POLLING)
                    .any(|b| b.eq_ignore_ascii_case(&a.name))
                {
                    continue;
                }
                if a.level == AccessLevel::PermissionsManagement
                    || super::DATA_READS
                        .iter()
                        .any(|d| d.eq_ignore_ascii_case(&a.name))
                {
                    why.push(format!("`{}`", a.name));
                } else if a.level == AccessLevel::Write {
                    writes.push(a.name.clone());
                }
            }
        }
    }
    writes.sort();
    writes.dedup();
    // Whole services first, then single actions, then the count of writes.
    why.sort_by_key(|w| (!w.ends_with(":*`"), w.clone()));
    why.dedup();
    if writes.len() >= MANY_WRITES {
        why.push(format!("{} write actions", writes.len()));
    }
    (!why.is_empty()).then_some(why)
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for (role, _, fns) in roles_in_use(cx) {
        let names = ids(fns);
        for m in &role.managed_policies {
            let Some(arn) = m.value.as_str() else {
                continue;
            };
            let Some(policy) = fnguard_iam::managed_policy(arn) else {
                continue;
            };
            let Some(why) = broadness(policy) else {
                continue;
            };
            let shown: Vec<&str> = why.iter().take(4).map(String::as_str).collect();
            let more = if why.len() > 4 {
                format!(" and {} more", why.len() - 4)
            } else {
                String::new()
            };
            cx.finding(
                &BroadManagedPolicy::META,
                m.location.clone(),
                format!(
                    "role `{}` of {} has the AWS managed policy {}, which grants {}{more} on every resource",
                    role.id,
                    subject(&names),
                    policy.name,
                    shown.join(", ")
                ),
            )
            .functions(&names)
            .resource(&role.id)
            .key(&policy.name)
            .fix(super::role_fix(role, "Replace the managed policy with statements (or a SAM policy template) scoped to the actions and resources the function uses."))
            .evidence(serde_json::json!({ "policy": arn, "version": policy.version, "updated": policy.updated, "grants": why }))
            .emit(out);
        }
    }
}

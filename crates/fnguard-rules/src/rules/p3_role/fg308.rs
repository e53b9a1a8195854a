use super::super::impl_rule;
use super::{ids, roles_in_use};
use crate::{subject, Context};
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Finds execution roles with a broad AWS managed policy attached: any `*FullAccess` policy
    /// (`AmazonS3FullAccess`, `AmazonDynamoDBFullAccess`, `AWSLambda_FullAccess`, ...),
    /// `*Administrator` policies, `AWSLambdaExecute` (S3 read/write on every bucket). The
    /// administrator policies themselves are FG301's.
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

fn broad(name: &str) -> bool {
    !matches!(name, "AdministratorAccess" | "PowerUserAccess")
        && (name.contains("FullAccess")
            || name.ends_with("Administrator")
            || name == "AWSLambdaExecute")
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for (role, _, fns) in roles_in_use(cx) {
        let names = ids(&fns);
        for m in &role.managed_policies {
            let Some(arn) = m.value.as_str() else {
                continue;
            };
            let Some(name) = arn
                .strip_prefix("arn:aws:iam::aws:policy/")
                .map(|r| r.rsplit('/').next().unwrap_or(r))
            else {
                continue;
            };
            if !broad(name) {
                continue;
            }
            cx.finding(
                &BroadManagedPolicy::META,
                m.location.clone(),
                format!("role `{}` of {} has the broad AWS managed policy {name}", role.id, subject(&names)),
            )
            .functions(&names)
            .resource(&role.id)
            .key(name)
            .fix(super::role_fix(role, "Replace the managed policy with statements (or a SAM policy template) scoped to the actions and resources the function uses."))
            .evidence(serde_json::json!({ "policy": arn }))
            .emit(out);
        }
    }
}

use super::super::impl_rule;
use crate::secrets::is_secret_name;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Finds functions whose environment holds secret-named variables (`*_PASSWORD`, `*_TOKEN`,
    /// `API_KEY`, ...) but that use no customer managed KMS key (`KmsKeyArn`, `kmsKeyArn`,
    /// `kms_key_arn`) for their environment.
    ///
    /// ## Why is this bad?
    /// With the AWS managed key, anyone who may read the function's configuration sees the
    /// values; a customer managed key lets you control and audit who can decrypt them.
    ///
    /// ## Example
    /// ```yaml
    /// Environment:
    ///   Variables:
    ///     DB_PASSWORD: !Ref DbPassword
    /// ```
    ///
    /// ## Fix
    /// Better: keep secrets out of the environment (read them from Secrets Manager). Otherwise
    /// set `KmsKeyArn` to a customer managed key with a tight key policy.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html>
    pub struct EnvironmentWithoutCmk {
        id: "FG603",
        name: "environment-without-cmk",
        severity: Low,
        practice: 6,
        opt_in: true,
    }
}

impl_rule!(EnvironmentWithoutCmk, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for f in &cx.project.functions {
        if f.kms_key.is_some() {
            continue;
        }
        let names: Vec<&str> = f
            .environment
            .iter()
            .filter(|v| is_secret_name(&v.name))
            .map(|v| v.name.as_str())
            .collect();
        let Some(first) = f.environment.iter().find(|v| is_secret_name(&v.name)) else {
            continue;
        };
        cx.finding(
            &EnvironmentWithoutCmk::META,
            first.location.clone(),
            format!("function `{}` keeps {} in its environment without a customer managed KMS key", f.id, names.join(", ")),
        )
        .function(&f.id)
        .related(f.location.clone())
        .fix("Read secrets from Secrets Manager at run time, or set KmsKeyArn to a customer managed key.")
        .evidence(serde_json::json!({ "variables": names }))
        .emit(out);
    }
}

use super::super::impl_rule;
use crate::secrets::literal_secret;
use crate::{group_by_location, subject, Context};
use fnguard_model::{Finding, ResourceKind, Val};

declare_rule! {
    /// ## What it does
    /// Finds credentials written as literal values in function environment variables, API
    /// stage variables and plain-text (`String`) SSM parameters declared in the template:
    /// values with the shape of a known credential (AWS access key ids, private keys, Stripe,
    /// GitHub, Slack, Google keys, JWTs, URLs with a password), and high-entropy or password
    /// literals under secret-looking names. References (`${ssm:...}`, `{{resolve:...}}`, ARNs,
    /// parameter paths) and obvious placeholders are not findings.
    ///
    /// ## Why is this bad?
    /// The value ends up in the repository, in the deployment package's metadata, in
    /// CloudFormation, and is readable by anyone with `lambda:GetFunctionConfiguration`.
    ///
    /// ## Example
    /// ```yaml
    /// environment:
    ///   STRIPE_KEY: sk_live_4eC39HqLyjWDarjtT1zdp7dc
    /// ```
    ///
    /// ## Fix
    /// Store the secret in Secrets Manager or SSM SecureString, pass its name or ARN, read it at
    /// run time (or use `{{resolve:secretsmanager:...}}`), and rotate the exposed value.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-encryption>
    /// - <https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html>
    pub struct SecretInEnvironment {
        id: "FG602",
        name: "secret-in-environment",
        severity: High,
        practice: 6,
        opt_in: false,
    }
}

impl_rule!(SecretInEnvironment, check);

const FIX: &str = "Move the value to Secrets Manager or an SSM SecureString, pass only its name or ARN, read it at run time, and rotate the exposed credential.";

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let meta = &SecretInEnvironment::META;
    let mut hits = Vec::new();
    for f in &cx.project.functions {
        for v in &f.environment {
            let Val::Known(value) = &v.value else {
                continue;
            };
            if let Some(why) = literal_secret(&v.name, value) {
                hits.push((v.location.clone(), (v.name.clone(), why), f.id.as_str()));
            }
        }
    }
    for (location, (name, why), functions) in group_by_location(hits) {
        cx.finding(
            meta,
            location,
            format!(
                "environment variable `{name}` of {} holds a literal credential: {why}",
                subject(&functions)
            ),
        )
        .functions(&functions)
        .key(&name)
        .fix(FIX)
        .evidence(serde_json::json!({ "variable": name }))
        .emit(out);
    }
    for api in &cx.project.apis {
        for stage in &api.stages {
            for v in &stage.variables {
                let Val::Known(value) = &v.value else {
                    continue;
                };
                if let Some(why) = literal_secret(&v.name, value) {
                    cx.finding(
                        meta,
                        v.location.clone(),
                        format!(
                            "stage variable `{}` of `{}` holds a literal credential: {why}",
                            v.name, api.id
                        ),
                    )
                    .resource(&api.id)
                    .key(&v.name)
                    .fix(FIX)
                    .emit(out);
                }
            }
        }
    }
    for r in cx
        .project
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::Parameter)
    {
        let Some(s) = &r.plain_value else { continue };
        let Val::Known(value) = &s.value else {
            continue;
        };
        let name = r.name.as_ref().and_then(Val::as_str).unwrap_or(&r.id);
        if let Some(why) = literal_secret(name, value).or_else(|| literal_secret(&r.id, value)) {
            cx.finding(meta, s.location.clone(), format!("SSM parameter `{}` stores a credential in plain text (Type String): {why}", r.id))
                .resource(&r.id)
                .fix("Create the parameter as a SecureString outside the template (CloudFormation cannot create SecureString values) and rotate the exposed credential.")
                .emit(out);
        }
    }
}

use super::super::impl_rule;
use crate::Context;
use fnguard_model::{Finding, Severity};

declare_rule! {
    /// ## What it does
    /// Finds Lambda resource-policy statements (`AWS::Lambda::Permission`,
    /// `aws_lambda_permission`) that let `*` invoke a function without a `SourceArn`,
    /// `SourceAccount` or `PrincipalOrgID`. A service principal (`s3.amazonaws.com`,
    /// `sns.amazonaws.com`, ...) without `SourceArn`/`SourceAccount` is reported too, at
    /// **high**: any AWS account's bucket, topic or rule can then invoke the function (the
    /// confused-deputy problem). Permissions for function URLs are left to FG201.
    ///
    /// ## Why is this bad?
    /// Anyone with AWS credentials, in any account, can call `lambda:InvokeFunction` on the
    /// function and feed it arbitrary events, bypassing every trigger-side control.
    ///
    /// ## Example
    /// ```yaml
    /// Permission:
    ///   Type: AWS::Lambda::Permission
    ///   Properties:
    ///     Action: lambda:InvokeFunction
    ///     FunctionName: !Ref MyFunction
    ///     Principal: "*"
    /// ```
    ///
    /// ## Fix
    /// Name the calling principal (a service or an account) and scope it with `SourceArn`
    /// (the bucket, topic, rule or API) and `SourceAccount`, or `PrincipalOrgID` for an
    /// organisation.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html>
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html>
    pub struct PublicInvokePermission {
        id: "FG202",
        name: "public-invoke-permission",
        severity: Critical,
        practice: 2,
        opt_in: false,
    }
}

impl_rule!(PublicInvokePermission, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for p in &cx.project.permissions {
        if p.function_url_auth_type.is_some()
            || p.action
                .as_str()
                .is_some_and(|a| a.eq_ignore_ascii_case("lambda:InvokeFunctionUrl"))
        {
            continue;
        }
        let Some(principal) = p.principal.value.as_str() else {
            continue;
        };
        let scoped =
            p.source_arn.is_some() || p.source_account.is_some() || p.principal_org_id.is_some();
        if scoped {
            continue;
        }
        let anyone = principal == "*" || principal.contains(":iam::*:");
        let service = principal.ends_with(".amazonaws.com") || principal.ends_with(".amazon.com");
        if !anyone && !service {
            continue;
        }
        let function = p.function.as_str().unwrap_or("?");
        let (message, severity) = if anyone {
            (
                format!(
                    "invoke permission `{}` lets any principal invoke `{function}`",
                    p.id
                ),
                Severity::Critical,
            )
        } else {
            (
                format!(
                    "invoke permission `{}` lets {principal} invoke `{function}` on behalf of any AWS account (no SourceArn or SourceAccount)",
                    p.id
                ),
                Severity::High,
            )
        };
        let mut b = cx
            .finding(&PublicInvokePermission::META, p.principal.location.clone(), message)
            .severity(severity)
            .resource(&p.id)
            .related(p.location.clone())
            .key(&p.id)
            .fix("Name the caller and add SourceArn (the bucket, topic, rule or API that invokes) and SourceAccount, or PrincipalOrgID.")
            .evidence(serde_json::json!({ "principal": principal, "action": p.action.as_str() }));
        if cx.index.function(function).is_some() {
            b = b.function(function);
        }
        b.emit(out);
    }
}

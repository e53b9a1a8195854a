use super::super::impl_rule;
use crate::Context;
use fnguard_model::{Applicability, Change, Finding};

declare_rule! {
    /// ## What it does
    /// Finds function URLs with `AuthType: NONE`: SAM `FunctionUrlConfig`, `AWS::Lambda::Url`,
    /// Serverless `url: true` (or a `url` without an `authorizer`), `aws_lambda_function_url`.
    ///
    /// ## Why is this bad?
    /// Anyone on the internet who learns the URL can invoke the function directly, with no
    /// authentication, no throttling in front of it and no WAF. It bypasses every guard an
    /// API Gateway in front of the same function would have.
    ///
    /// ## Example
    /// ```yaml
    /// MyFunction:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     FunctionUrlConfig:
    ///       AuthType: NONE
    /// ```
    ///
    /// ## Fix
    /// Use `AuthType: AWS_IAM` and sign requests (SigV4), or remove the URL and put the function
    /// behind API Gateway with an authorizer. If the endpoint must be public (a webhook), verify
    /// a signature in the handler and document the decision with a suppression.
    ///
    /// `fnguard fix --unsafe-fixes` sets `AuthType: AWS_IAM` (serverless: `url: {authorizer:
    /// aws_iam}`); it is unsafe because every caller must then sign its requests.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html>
    pub struct FunctionUrlWithoutAuth {
        id: "FG201",
        name: "function-url-without-auth",
        severity: High,
        practice: 2,
        opt_in: false,
    }
}

impl_rule!(FunctionUrlWithoutAuth, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for f in &cx.project.functions {
        let Some(url) = &f.url else { continue };
        if !url.auth_type.value.eq_ignore_case("NONE") {
            continue;
        }
        cx.finding(
            &FunctionUrlWithoutAuth::META,
            url.auth_type.location.clone(),
            format!("function `{}` has a public function URL with no authentication (AuthType NONE)", f.id),
        )
        .function(&f.id)
        .related(f.location.clone())
        .fix("Set the URL's auth type to AWS_IAM (serverless: `url: {authorizer: aws_iam}`) and sign requests, or front the function with API Gateway and an authorizer.")
        .evidence(serde_json::json!({ "auth_type": "NONE" }))
        .autofix(
            Applicability::Unsafe,
            "require IAM authentication on the URL (callers must then sign their requests)",
            &url.auth_type.location.file,
            Change::UrlAuthIam {
                function: f.id.clone(),
                line: url.auth_type.location.line,
            },
        )
        .emit(out);
    }
}

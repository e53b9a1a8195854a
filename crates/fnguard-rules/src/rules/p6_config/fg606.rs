use super::super::impl_rule;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Finds zip-packaged functions without a code signing configuration
    /// (`CodeSigningConfigArn`, `code_signing_config_arn`). Container images are skipped: they
    /// are verified by other means (image signing).
    ///
    /// ## Why is this bad?
    /// Without code signing, anyone who can call `UpdateFunctionCode` can ship arbitrary code;
    /// a signing profile makes Lambda reject packages not signed by your pipeline.
    ///
    /// ## Example
    /// ```yaml
    /// Fn:
    ///   Type: AWS::Lambda::Function
    ///   Properties:
    ///     Runtime: python3.12
    /// ```
    ///
    /// ## Fix
    /// Create an `AWS::Lambda::CodeSigningConfig` with `UntrustedArtifactOnDeployment: Enforce`
    /// and reference it from each function.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html>
    pub struct CodeSigningDisabled {
        id: "FG606",
        name: "code-signing-disabled",
        severity: Low,
        practice: 6,
        opt_in: true,
    }
}

impl_rule!(CodeSigningDisabled, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for f in &cx.project.functions {
        if f.is_image || f.code_signing.is_some() {
            continue;
        }
        cx.finding(
            &CodeSigningDisabled::META,
            f.location.clone(),
            format!("function `{}` accepts unsigned code packages", f.id),
        )
        .function(&f.id)
        .fix("Reference a code signing config that enforces signatures from your release pipeline.")
        .emit(out);
    }
}

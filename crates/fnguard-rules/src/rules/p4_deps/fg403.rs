use super::super::impl_rule;
use crate::context::{group_by_location, subject};
use crate::Context;
use fnguard_model::{Finding, RoleRef};

declare_rule! {
    /// ## What it does
    /// Reports Lambda layers referenced by a literal ARN whose account is neither one of the
    /// project's own accounts (as seen in its other literal ARNs) nor a publisher on fnguard's
    /// list of well-known layer accounts (AWS-published layers such as Powertools, Lambda
    /// Insights, ADOT and the Lambda Web Adapter, and the major observability vendors) nor
    /// listed in `fnguard.toml` (`[deps] trusted_layer_accounts = ["111122223333"]`). Layers
    /// built by the same stack (`!Ref`, `${AWS::AccountId}`) are never reported.
    ///
    /// ## Why is this bad?
    /// A layer is code that runs inside the function with its role and its events, and the
    /// publisher can ship a new version at any time; only the version number in the ARN pins it.
    /// A layer from an account you do not know is a supply-chain dependency nobody reviews.
    ///
    /// ## Example
    /// ```yaml
    /// Layers:
    ///   - arn:aws:lambda:us-east-1:111122223333:layer:requests:3
    /// ```
    ///
    /// ## Fix
    /// Build the layer in your own account from a reviewed source (or vendor its contents into
    /// the code package), or, if the publisher is trusted, pin the exact version and add its
    /// account to `trusted_layer_accounts` in fnguard.toml.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html>
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/permissions-layer-cross-account.html>
    pub struct LayerFromForeignAccount {
        id: "FG403",
        name: "layer-from-foreign-account",
        severity: Medium,
        practice: 4,
        opt_in: false,
    }
}

impl_rule!(LayerFromForeignAccount, check);

/// Accounts that publish widely used public layers, from the publishers' own documentation.
const KNOWN_PUBLISHERS: &[(&str, &str)] = &[
    ("017000801446", "AWS Lambda Powertools for Python"),
    ("094274105915", "AWS Lambda Powertools for TypeScript"),
    ("580247275435", "Amazon CloudWatch Lambda Insights"),
    ("901920570463", "AWS Distro for OpenTelemetry"),
    ("753240598075", "AWS Lambda Web Adapter"),
    (
        "177933569100",
        "AWS Parameters and Secrets Lambda Extension (us-east-1)",
    ),
    ("027255383542", "AWS AppConfig Lambda extension (us-east-1)"),
    ("464622532012", "Datadog"),
    ("451483290750", "New Relic"),
    ("943013980633", "Sentry"),
];

fn account_of(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    let (prefix, _partition, service, _region, account) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    (prefix == "arn"
        && service == "lambda"
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit()))
    .then_some(account)
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let own: Vec<&str> = cx
        .project
        .functions
        .iter()
        .filter_map(|f| match &f.role {
            RoleRef::External { arn, .. } => arn.as_str(),
            _ => None,
        })
        .filter_map(|arn| arn.split(':').nth(4))
        .collect();
    let mut items = Vec::new();
    for f in &cx.project.functions {
        for layer in &f.layers {
            // Unresolved ARNs (`${AWS::AccountId}`, a Ref to a layer in this stack) are the
            // project's own or cannot be judged.
            let Some(arn) = layer.value.as_str() else {
                continue;
            };
            let Some(account) = account_of(arn) else {
                continue;
            };
            if own.contains(&account)
                || KNOWN_PUBLISHERS.iter().any(|(a, _)| *a == account)
                || cx.trusted_layer_accounts.iter().any(|a| a == account)
            {
                continue;
            }
            items.push((
                layer.location.clone(),
                (arn.to_string(), account.to_string()),
                f.id.as_str(),
            ));
        }
    }
    for (location, (arn, account), functions) in group_by_location(items) {
        cx.finding(
            &LayerFromForeignAccount::META,
            location,
            format!(
                "{} loads layer `{arn}` from account {account}, which is neither this project's nor a known layer publisher",
                subject(&functions)
            ),
        )
        .functions(&functions)
        .key(arn.clone())
        .evidence(serde_json::json!({ "layer": arn, "account": account }))
        .fix("Build the layer in your own account from reviewed source or vendor it into the code package; if the publisher is trusted, pin the version and add the account to `[deps] trusted_layer_accounts` in fnguard.toml.")
        .emit(out);
    }
}

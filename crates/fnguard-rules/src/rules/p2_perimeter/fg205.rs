use super::super::impl_rule;
use crate::Context;
use fnguard_model::{ApiKind, Finding};

declare_rule! {
    /// ## What it does
    /// Finds public REST APIs and internet-facing application load balancers in front of
    /// functions with no AWS WAF web ACL associated (`AWS::WAFv2::WebACLAssociation`,
    /// `aws_wafv2_web_acl_association`). HTTP APIs cannot take a web ACL and are not reported.
    ///
    /// ## Why is this bad?
    /// A web ACL blocks common injection payloads, bad bots and floods before they cost a
    /// function invocation; without one, the function is the first and only filter.
    ///
    /// ## Example
    /// ```yaml
    /// Api:
    ///   Type: AWS::Serverless::Api
    ///   Properties:
    ///     StageName: prod
    /// ```
    ///
    /// ## Fix
    /// Associate a WAFv2 web ACL with the API stage or the load balancer.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-aws-waf.html>
    pub struct ApiWithoutWaf {
        id: "FG205",
        name: "api-without-waf",
        severity: Low,
        practice: 2,
        opt_in: true,
    }
}

impl_rule!(ApiWithoutWaf, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for api in &cx.project.apis {
        if api.private || !matches!(api.kind, ApiKind::Rest | ApiKind::Alb) {
            continue;
        }
        let fronts_function = !cx.index.triggered_by(&api.id).is_empty();
        if !fronts_function || api.stages.iter().any(|s| s.waf) {
            continue;
        }
        cx.finding(
            &ApiWithoutWaf::META,
            api.location.clone(),
            format!("{} `{}` has no WAF web ACL in front of its functions", api.kind.label(), api.id),
        )
        .resource(&api.id)
        .fix("Associate an AWS WAFv2 web ACL (for example the AWS managed core rule set) with the stage or load balancer.")
        .emit(out);
    }
}

use super::super::impl_rule;
use crate::rules::{effective_acl, public_statement};
use crate::Context;
use fnguard_model::{Finding, ResourceKind, TriggerKind};

declare_rule! {
    /// ## What it does
    /// Finds event sources of functions (S3 buckets, SNS topics, SQS queues, EventBridge buses)
    /// whose resource policy lets anyone (`*`, any account) write to them: `s3:PutObject`,
    /// `sns:Publish`, `sqs:SendMessage`, `events:PutEvents` (or a wildcard covering it) with no
    /// condition on the caller's account, organisation, source or network. An S3 bucket with the
    /// `PublicReadWrite` canned ACL counts as well. A bucket's Block Public Access settings are
    /// honoured: `BlockPublicPolicy` or `RestrictPublicBuckets` neutralises a public policy,
    /// `BlockPublicAcls` or `IgnorePublicAcls` a public ACL (account-level settings are not
    /// visible in a template and are not assumed).
    ///
    /// ## Why is this bad?
    /// Whoever can write to the source can invoke the function with events of their choosing,
    /// however well the function's own permissions are locked down.
    ///
    /// ## Example
    /// ```yaml
    /// TopicPolicy:
    ///   Type: AWS::SNS::TopicPolicy
    ///   Properties:
    ///     Topics: [!Ref Topic]
    ///     PolicyDocument:
    ///       Statement:
    ///         - Effect: Allow
    ///           Principal: "*"
    ///           Action: sns:Publish
    ///           Resource: !Ref Topic
    /// ```
    ///
    /// ## Fix
    /// Name the principals that may write, or add `aws:SourceAccount`, `aws:SourceArn` or
    /// `aws:PrincipalOrgID` conditions.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html>
    /// - <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html>
    pub struct PublicEventSource {
        id: "FG207",
        name: "public-event-source",
        severity: High,
        practice: 2,
        opt_in: false,
    }
}

impl_rule!(PublicEventSource, check);

fn write_action(kind: ResourceKind) -> Option<&'static str> {
    match kind {
        ResourceKind::Bucket => Some("s3:PutObject"),
        ResourceKind::Topic => Some("sns:Publish"),
        ResourceKind::Queue => Some("sqs:SendMessage"),
        ResourceKind::EventBus => Some("events:PutEvents"),
        _ => None,
    }
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for r in &cx.project.resources {
        let Some(action) = write_action(r.kind) else {
            continue;
        };
        // Rules without a bus name target the default bus.
        let on_default_bus = || {
            cx.project.functions.iter().filter(|f| {
                f.triggers
                    .iter()
                    .any(|t| matches!(&t.kind, TriggerKind::EventBridge { bus: None, .. }))
            })
        };
        let functions: Vec<&str> = if r.kind == ResourceKind::EventBus && r.id == "default" {
            on_default_bus().map(|f| f.id.as_str()).collect()
        } else {
            cx.index
                .triggered_by(&r.id)
                .iter()
                .map(|f| f.id.as_str())
                .collect()
        };
        if functions.is_empty() {
            continue;
        }
        let mut hit = public_statement(r, action).map(|st| st.location.clone());
        if hit.is_none() {
            if let Some(acl) = effective_acl(r) {
                if acl.value.eq_ignore_case("PublicReadWrite") {
                    hit = Some(acl.location.clone());
                }
            }
        }
        let Some(location) = hit else { continue };
        cx.finding(
            &PublicEventSource::META,
            location,
            format!(
                "{} `{}` lets anyone {action}, so anyone can invoke {}",
                r.kind.label(),
                r.id,
                functions.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
            ),
        )
        .resource(&r.id)
        .functions(&functions)
        .related(r.location.clone())
        .fix("Restrict the policy to named principals, or add aws:SourceAccount / aws:SourceArn / aws:PrincipalOrgID conditions.")
        .evidence(serde_json::json!({ "action": action, "functions": functions }))
        .emit(out);
    }
}

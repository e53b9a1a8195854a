use super::super::impl_rule;
use crate::rules::{effective_acl, public_statement};
use crate::Context;
use fnguard_model::{Finding, ResourceKind, Severity, Val};

declare_rule! {
    /// ## What it does
    /// Finds data stores and messaging resources that functions use (as a trigger, through an
    /// environment variable or a SAM policy) and that are either public or unencrypted:
    /// S3 buckets with a public canned ACL (`PublicRead`, `PublicReadWrite`,
    /// `AuthenticatedRead`) or a policy that grants anyone read access; SQS queues, SNS topics,
    /// EventBridge buses with a policy open to anyone; SNS topics and Kinesis streams without
    /// server-side encryption; SQS queues with SSE explicitly disabled. (S3, DynamoDB and SQS
    /// encrypt at rest by default, so their defaults are not findings.) Public *write* access
    /// to a trigger is FG207's finding. A bucket's Block Public Access settings are honoured
    /// (`BlockPublicPolicy`/`RestrictPublicBuckets` for policies, `BlockPublicAcls`/
    /// `IgnorePublicAcls` for ACLs).
    ///
    /// ## Why is this bad?
    /// Whatever the function writes there, anyone can read; unencrypted topics and streams
    /// keep message contents in clear at rest.
    ///
    /// ## Example
    /// ```yaml
    /// Uploads:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     AccessControl: PublicRead
    /// ```
    ///
    /// ## Fix
    /// Remove public ACLs and public policy statements (turn on S3 Block Public Access); set
    /// `KmsMasterKeyId` on topics and `StreamEncryption` on streams.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html>
    /// - <https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html>
    pub struct DataStoreUnencryptedOrPublic {
        id: "FG610",
        name: "data-store-unencrypted-or-public",
        severity: High,
        practice: 6,
        opt_in: false,
    }
}

impl_rule!(DataStoreUnencryptedOrPublic, check);

fn read_action(kind: ResourceKind) -> Option<&'static str> {
    match kind {
        ResourceKind::Bucket => Some("s3:GetObject"),
        ResourceKind::Queue => Some("sqs:ReceiveMessage"),
        ResourceKind::Topic => Some("sns:Subscribe"),
        ResourceKind::EventBus => Some("events:PutRule"),
        _ => None,
    }
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let meta = &DataStoreUnencryptedOrPublic::META;
    for r in &cx.project.resources {
        let users: Vec<&str> = cx
            .index
            .users_of(&r.id)
            .iter()
            .map(|f| f.id.as_str())
            .collect();
        if users.is_empty() {
            continue;
        }
        let users_text = users
            .iter()
            .map(|u| format!("`{u}`"))
            .collect::<Vec<_>>()
            .join(", ");
        if let Some(acl) = effective_acl(r) {
            if let Some(a) = acl.value.as_str() {
                if matches!(a, "PublicRead" | "PublicReadWrite" | "AuthenticatedRead") {
                    cx.finding(
                        meta,
                        acl.location.clone(),
                        format!(
                            "{} `{}` used by {users_text} is public (canned ACL {a})",
                            r.kind.label(),
                            r.id
                        ),
                    )
                    .resource(&r.id)
                    .functions(&users)
                    .key("acl")
                    .fix("Remove the public ACL and turn on S3 Block Public Access for the bucket.")
                    .emit(out);
                }
            }
        }
        if let Some(action) = read_action(r.kind) {
            if let Some(st) = public_statement(r, action) {
                cx.finding(meta, st.location.clone(), format!("{} `{}` used by {users_text} has a policy that lets anyone {action}", r.kind.label(), r.id))
                    .resource(&r.id)
                    .functions(&users)
                    .key("policy")
                    .fix("Restrict the policy to named principals or add aws:SourceAccount / aws:PrincipalOrgID conditions.")
                    .emit(out);
            }
        }
        if let Some(enc) = &r.encrypted {
            if enc.value == Val::Known(false) {
                cx.finding(
                    meta,
                    enc.location.clone(),
                    format!(
                        "{} `{}` used by {users_text} is not encrypted at rest",
                        r.kind.label(),
                        r.id
                    ),
                )
                .severity(Severity::Medium)
                .resource(&r.id)
                .functions(&users)
                .key("encryption")
                .fix(match r.kind {
                    ResourceKind::Topic => {
                        "Set KmsMasterKeyId (alias/aws/sns or a customer managed key)."
                    }
                    ResourceKind::Stream => "Set StreamEncryption with a KMS key.",
                    _ => "Turn on server-side encryption.",
                })
                .emit(out);
            }
        }
    }
}

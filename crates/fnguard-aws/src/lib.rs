//! fnguard's live mode. `snapshot` is what was read from an account; `translate` turns it into
//! the model through the CloudFormation loader, so every rule runs on live resources unchanged.
//! With the `aws` feature, `collect` reads a snapshot through the AWS SDK (read-only calls
//! only, see `READ_ONLY_ACTIONS`).

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod code;
pub mod error;
pub mod remediate;
pub mod snapshot;
pub mod translate;
pub mod usage;

#[cfg(feature = "aws")]
pub mod collect;
#[cfg(feature = "aws")]
pub mod remediate_apply;

pub use error::LiveError;
pub use snapshot::Snapshot;
pub use translate::{load, translate, LineMap};

/// The IAM actions fnguard calls, and nothing else: the policy to give it (`fnguard aws
/// policy` prints it). A test checks that every action here is read-only in the IAM catalog
/// and that the calls made against moto are all in this list.
pub const READ_ONLY_ACTIONS: &[&str] = &[
    "account:ListRegions",
    "apigateway:GET",
    "cloudformation:ListStackResources",
    "cloudtrail:LookupEvents",
    "events:ListRules",
    "events:ListTargetsByRule",
    "iam:GetAccountAuthorizationDetails",
    "lambda:GetFunction",
    "lambda:GetFunctionCodeSigningConfig",
    "lambda:GetFunctionConcurrency",
    "lambda:GetFunctionEventInvokeConfig",
    "lambda:GetFunctionUrlConfig",
    "lambda:GetLayerVersion",
    "lambda:GetPolicy",
    "lambda:ListAliases",
    "lambda:ListEventSourceMappings",
    "lambda:ListFunctions",
    "logs:DescribeLogGroups",
    "s3:GetBucketNotification",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:ListAllMyBuckets",
    "sns:GetTopicAttributes",
    "sns:ListSubscriptionsByTopic",
    "sns:ListTopics",
    "sqs:GetQueueAttributes",
    "sqs:ListQueues",
    "sts:GetCallerIdentity",
];

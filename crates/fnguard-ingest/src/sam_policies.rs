//! SAM policy templates expanded to the statements the SAM transform generates.
//! Source: the `policy_templates.json` shipped with aws-sam-translator (Apache-2.0); the
//! most used templates are listed here, any other becomes an explicit unknown statement.

use crate::node::Node;
use fnguard_model::{Effect, Statement, Val};

struct Template {
    name: &'static str,
    /// (actions, resource ARN patterns with `{Param}` placeholders)
    statements: &'static [(&'static [&'static str], &'static [&'static str])],
}

const TABLE: &str = "arn:aws:dynamodb:*:*:table/{TableName}";
const TABLE_INDEX: &str = "arn:aws:dynamodb:*:*:table/{TableName}/index/*";
const BUCKET: &str = "arn:aws:s3:::{BucketName}";
const OBJECTS: &str = "arn:aws:s3:::{BucketName}/*";

const TEMPLATES: &[Template] = &[
    Template {
        name: "DynamoDBCrudPolicy",
        statements: &[(
            &[
                "dynamodb:GetItem",
                "dynamodb:DeleteItem",
                "dynamodb:PutItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:UpdateItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
                "dynamodb:ConditionCheckItem",
            ],
            &[TABLE, TABLE_INDEX],
        )],
    },
    Template {
        name: "DynamoDBReadPolicy",
        statements: &[(
            &[
                "dynamodb:GetItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
            ],
            &[TABLE, TABLE_INDEX],
        )],
    },
    Template {
        name: "DynamoDBWritePolicy",
        statements: &[(
            &[
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:BatchWriteItem",
            ],
            &[TABLE, TABLE_INDEX],
        )],
    },
    Template {
        name: "DynamoDBStreamReadPolicy",
        statements: &[(
            &[
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:ListStreams",
            ],
            &["arn:aws:dynamodb:*:*:table/{TableName}/stream/{StreamName}"],
        )],
    },
    Template {
        name: "S3ReadPolicy",
        statements: &[(
            &[
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:GetLifecycleConfiguration",
            ],
            &[BUCKET, OBJECTS],
        )],
    },
    Template {
        name: "S3WritePolicy",
        statements: &[(
            &[
                "s3:PutObject",
                "s3:PutObjectAcl",
                "s3:PutLifecycleConfiguration",
            ],
            &[BUCKET, OBJECTS],
        )],
    },
    Template {
        name: "S3CrudPolicy",
        statements: &[(
            &[
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:PutObject",
                "s3:PutObjectAcl",
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
                "s3:DeleteObject",
            ],
            &[BUCKET, OBJECTS],
        )],
    },
    Template {
        name: "S3FullAccessPolicy",
        statements: &[
            (
                &[
                    "s3:GetObject",
                    "s3:GetObjectAcl",
                    "s3:GetObjectVersion",
                    "s3:PutObject",
                    "s3:PutObjectAcl",
                    "s3:DeleteObject",
                    "s3:DeleteObjectTagging",
                    "s3:DeleteObjectVersionTagging",
                    "s3:GetObjectTagging",
                    "s3:GetObjectVersionTagging",
                    "s3:PutObjectTagging",
                    "s3:PutObjectVersionTagging",
                ],
                &[OBJECTS],
            ),
            (
                &[
                    "s3:ListBucket",
                    "s3:GetBucketLocation",
                    "s3:GetLifecycleConfiguration",
                    "s3:PutLifecycleConfiguration",
                ],
                &[BUCKET],
            ),
        ],
    },
    Template {
        name: "SQSSendMessagePolicy",
        statements: &[(&["sqs:SendMessage*"], &["arn:aws:sqs:*:*:{QueueName}"])],
    },
    Template {
        name: "SQSPollerPolicy",
        statements: &[(
            &[
                // SAM also lists ChangeMessageVisibilityBatch and DeleteMessageBatch, which are
                // not IAM actions (the batch APIs use the single ones) and grant nothing.
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:ReceiveMessage",
            ],
            &["arn:aws:sqs:*:*:{QueueName}"],
        )],
    },
    Template {
        name: "SNSPublishMessagePolicy",
        statements: &[(&["sns:Publish"], &["arn:aws:sns:*:*:{TopicName}"])],
    },
    Template {
        name: "SNSCrudPolicy",
        statements: &[(
            &[
                "sns:ListSubscriptionsByTopic",
                "sns:CreateTopic",
                "sns:SetTopicAttributes",
                "sns:Subscribe",
                "sns:Publish",
            ],
            &["arn:aws:sns:*:*:{TopicName}*"],
        )],
    },
    Template {
        name: "LambdaInvokePolicy",
        statements: &[(
            &["lambda:InvokeFunction"],
            &["arn:aws:lambda:*:*:function:{FunctionName}*"],
        )],
    },
    Template {
        name: "AWSSecretsManagerGetSecretValuePolicy",
        statements: &[(&["secretsmanager:GetSecretValue"], &["{SecretArn}"])],
    },
    Template {
        name: "SSMParameterReadPolicy",
        statements: &[
            (&["ssm:DescribeParameters"], &["*"]),
            (
                &[
                    "ssm:GetParameters",
                    "ssm:GetParameter",
                    "ssm:GetParametersByPath",
                ],
                &["arn:aws:ssm:*:*:parameter/{ParameterName}"],
            ),
        ],
    },
    Template {
        name: "KMSDecryptPolicy",
        statements: &[(&["kms:Decrypt"], &["arn:aws:kms:*:*:key/{KeyId}"])],
    },
    Template {
        name: "KMSEncryptPolicy",
        statements: &[(&["kms:Encrypt"], &["arn:aws:kms:*:*:key/{KeyId}"])],
    },
    Template {
        name: "EventBridgePutEventsPolicy",
        statements: &[(
            &["events:PutEvents"],
            &["arn:aws:events:*:*:event-bus/{EventBusName}"],
        )],
    },
    Template {
        name: "StepFunctionsExecutionPolicy",
        statements: &[(
            &["states:StartExecution"],
            &["arn:aws:states:*:*:stateMachine:{StateMachineName}"],
        )],
    },
    Template {
        name: "KinesisStreamReadPolicy",
        statements: &[(
            &[
                "kinesis:ListStreams",
                "kinesis:DescribeStreamSummary",
                "kinesis:DescribeStream",
                "kinesis:GetRecords",
                "kinesis:GetShardIterator",
            ],
            &["arn:aws:kinesis:*:*:stream/{StreamName}"],
        )],
    },
    Template {
        name: "CloudWatchPutMetricPolicy",
        statements: &[(&["cloudwatch:PutMetricData"], &["*"])],
    },
    Template {
        name: "VPCAccessPolicy",
        statements: &[(
            &[
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DetachNetworkInterface",
            ],
            &["*"],
        )],
    },
    Template {
        name: "AWSXrayWriteOnlyAccess",
        statements: &[(
            &[
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:GetSamplingStatisticSummaries",
            ],
            &["*"],
        )],
    },
    Template {
        name: "AMIDescribePolicy",
        statements: &[(&["ec2:DescribeImages"], &["*"])],
    },
    Template {
        name: "AWSSecretsManagerRotationPolicy",
        statements: &[
            (
                &[
                    "secretsmanager:DescribeSecret",
                    "secretsmanager:GetSecretValue",
                    "secretsmanager:PutSecretValue",
                    "secretsmanager:UpdateSecretVersionStage",
                ],
                &["arn:aws:secretsmanager:*:*:secret:*"],
            ),
            (&["secretsmanager:GetRandomPassword"], &["*"]),
        ],
    },
    Template {
        name: "AcmGetCertificatePolicy",
        statements: &[(&["acm:GetCertificate"], &["{CertificateArn}"])],
    },
    Template {
        name: "AthenaQueryPolicy",
        statements: &[
            (
                &[
                    "athena:ListWorkGroups",
                    "athena:GetExecutionEngine",
                    "athena:GetExecutionEngines",
                    "athena:GetNamespace",
                    "athena:GetCatalogs",
                    "athena:GetNamespaces",
                    "athena:GetTables",
                    "athena:GetTable",
                ],
                &["*"],
            ),
            (
                &[
                    "athena:StartQueryExecution",
                    "athena:GetQueryResults",
                    "athena:DeleteNamedQuery",
                    "athena:GetNamedQuery",
                    "athena:ListQueryExecutions",
                    "athena:StopQueryExecution",
                    "athena:GetQueryResultsStream",
                    "athena:ListNamedQueries",
                    "athena:CreateNamedQuery",
                    "athena:GetQueryExecution",
                    "athena:BatchGetNamedQuery",
                    "athena:BatchGetQueryExecution",
                    "athena:GetWorkGroup",
                ],
                &["arn:aws:athena:*:*:workgroup/{WorkGroupName}"],
            ),
        ],
    },
    Template {
        name: "CloudFormationDescribeStacksPolicy",
        statements: &[(
            &["cloudformation:DescribeStacks"],
            &["arn:aws:cloudformation:*:*:stack/*"],
        )],
    },
    Template {
        name: "CloudWatchDashboardPolicy",
        statements: &[(
            &[
                "cloudwatch:GetDashboard",
                "cloudwatch:ListDashboards",
                "cloudwatch:PutDashboard",
                "cloudwatch:ListMetrics",
            ],
            &["*"],
        )],
    },
    Template {
        name: "CloudWatchDescribeAlarmHistoryPolicy",
        statements: &[(&["cloudwatch:DescribeAlarmHistory"], &["*"])],
    },
    Template {
        name: "ComprehendBasicAccessPolicy",
        statements: &[(
            &[
                "comprehend:BatchDetectKeyPhrases",
                "comprehend:DetectDominantLanguage",
                "comprehend:DetectEntities",
                "comprehend:BatchDetectEntities",
                "comprehend:DetectKeyPhrases",
                "comprehend:DetectSentiment",
                "comprehend:BatchDetectDominantLanguage",
                "comprehend:BatchDetectSentiment",
            ],
            &["*"],
        )],
    },
    Template {
        name: "DynamoDBReconfigurePolicy",
        statements: &[(&["dynamodb:UpdateTable"], &[TABLE])],
    },
    Template {
        name: "EC2DescribePolicy",
        statements: &[(&["ec2:DescribeRegions", "ec2:DescribeInstances"], &["*"])],
    },
    Template {
        name: "EcsRunTaskPolicy",
        statements: &[(
            &["ecs:RunTask"],
            &["arn:aws:ecs:*:*:task-definition/{TaskDefinition}"],
        )],
    },
    Template {
        name: "EKSDescribePolicy",
        statements: &[(&["eks:DescribeCluster", "eks:ListClusters"], &["*"])],
    },
    Template {
        name: "ElasticsearchHttpPostPolicy",
        statements: &[(
            &["es:ESHttpPost", "es:ESHttpPut"],
            &["arn:aws:es:*:*:domain/{DomainName}/*"],
        )],
    },
    Template {
        name: "FilterLogEventsPolicy",
        statements: &[(
            &["logs:FilterLogEvents"],
            &["arn:aws:logs:*:*:log-group:{LogGroupName}:log-stream:*"],
        )],
    },
    Template {
        name: "FirehoseWritePolicy",
        statements: &[(
            &["firehose:PutRecord", "firehose:PutRecordBatch"],
            &["arn:aws:firehose:*:*:deliverystream/{DeliveryStreamName}"],
        )],
    },
    Template {
        name: "FirehoseCrudPolicy",
        statements: &[(
            &[
                "firehose:CreateDeliveryStream",
                "firehose:DeleteDeliveryStream",
                "firehose:DescribeDeliveryStream",
                "firehose:PutRecord",
                "firehose:PutRecordBatch",
                "firehose:UpdateDestination",
            ],
            &["arn:aws:firehose:*:*:deliverystream/{DeliveryStreamName}"],
        )],
    },
    Template {
        name: "KinesisCrudPolicy",
        statements: &[(
            &[
                "kinesis:AddTagsToStream",
                "kinesis:CreateStream",
                "kinesis:DecreaseStreamRetentionPeriod",
                "kinesis:DeleteStream",
                "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary",
                "kinesis:GetShardIterator",
                "kinesis:IncreaseStreamRetentionPeriod",
                "kinesis:ListTagsForStream",
                "kinesis:MergeShards",
                "kinesis:PutRecord",
                "kinesis:PutRecords",
                "kinesis:SplitShard",
                "kinesis:RemoveTagsFromStream",
            ],
            &["arn:aws:kinesis:*:*:stream/{StreamName}"],
        )],
    },
    Template {
        name: "PollyFullAccessPolicy",
        statements: &[
            (
                &["polly:GetLexicon", "polly:DeleteLexicon"],
                &["arn:aws:polly:*:*:lexicon/{LexiconName}"],
            ),
            (
                &[
                    "polly:DescribeVoices",
                    "polly:ListLexicons",
                    "polly:PutLexicon",
                    "polly:SynthesizeSpeech",
                ],
                &["arn:aws:polly:*:*:lexicon/*"],
            ),
        ],
    },
    Template {
        name: "RekognitionDetectOnlyPolicy",
        statements: &[(
            &[
                "rekognition:DetectFaces",
                "rekognition:DetectLabels",
                "rekognition:DetectModerationLabels",
                "rekognition:DetectText",
            ],
            &["*"],
        )],
    },
    Template {
        name: "RekognitionLabelsPolicy",
        statements: &[(
            &[
                "rekognition:DetectLabels",
                "rekognition:DetectModerationLabels",
            ],
            &["*"],
        )],
    },
    Template {
        name: "SESCrudPolicy",
        statements: &[(
            &[
                "ses:GetIdentityVerificationAttributes",
                "ses:SendEmail",
                "ses:SendRawEmail",
                "ses:VerifyEmailIdentity",
            ],
            &["arn:aws:ses:*:*:identity/{IdentityName}"],
        )],
    },
    Template {
        name: "SESSendBouncePolicy",
        statements: &[(
            &["ses:SendBounce"],
            &["arn:aws:ses:*:*:identity/{IdentityName}"],
        )],
    },
    Template {
        name: "SSMParameterWithSlashPrefixReadPolicy",
        statements: &[
            (&["ssm:DescribeParameters"], &["*"]),
            (
                &[
                    "ssm:GetParameters",
                    "ssm:GetParameter",
                    "ssm:GetParametersByPath",
                ],
                &["arn:aws:ssm:*:*:parameter{ParameterName}"],
            ),
        ],
    },
    Template {
        name: "StepFunctionsCallbackPolicy",
        statements: &[(
            &[
                "states:SendTaskSuccess",
                "states:SendTaskFailure",
                "states:SendTaskHeartbeat",
            ],
            &["arn:aws:states:*:*:stateMachine:{StateMachineName}"],
        )],
    },
    Template {
        name: "TextractPolicy",
        statements: &[(&["textract:*"], &["*"])],
    },
    Template {
        name: "TextractDetectAnalyzePolicy",
        statements: &[(
            &[
                "textract:DetectDocumentText",
                "textract:StartDocumentTextDetection",
                "textract:StartDocumentAnalysis",
                "textract:AnalyzeDocument",
            ],
            &["*"],
        )],
    },
    Template {
        name: "TextractGetResultPolicy",
        statements: &[(
            &[
                "textract:GetDocumentTextDetection",
                "textract:GetDocumentAnalysis",
            ],
            &["*"],
        )],
    },
];

/// Statements for `- TemplateName: {Param: value}`; unknown templates give one statement whose
/// action is unknown, so nothing downstream mistakes it for "no permissions".
pub fn expand(name: &str, args: &Node) -> Vec<Statement> {
    let location = args.location();
    let Some(t) = TEMPLATES.iter().find(|t| t.name == name) else {
        return vec![Statement {
            sid: Some(name.to_string()),
            effect: Val::Known(Effect::Allow),
            actions: vec![Val::unknown(format!("SAM policy template {name}"))],
            not_actions: Vec::new(),
            resources: vec![Val::unknown(format!("SAM policy template {name}"))],
            not_resources: Vec::new(),
            principals: None,
            not_principals: None,
            conditions: Vec::new(),
            location,
        }];
    };
    t.statements
        .iter()
        .map(|(actions, resources)| Statement {
            sid: Some(name.to_string()),
            effect: Val::Known(Effect::Allow),
            actions: actions.iter().map(|a| Val::Known(a.to_string())).collect(),
            not_actions: Vec::new(),
            resources: resources.iter().map(|r| fill(r, args)).collect(),
            not_resources: Vec::new(),
            principals: None,
            not_principals: None,
            conditions: Vec::new(),
            location: location.clone(),
        })
        .collect()
}

fn fill(pattern: &str, args: &Node) -> Val<String> {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let param = &rest[start + 1..start + end];
        match args.get(param).map(Node::to_val_string) {
            Some(Val::Known(v)) => out.push_str(&v),
            Some(Val::Unknown(u)) => return Val::Unknown(u),
            None => return Val::unknown(format!("parameter {param} of a SAM policy template")),
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    Val::Known(out)
}

/// Every (template, action) pair fnguard expands, for checking against the IAM catalog.
pub fn template_actions() -> Vec<(&'static str, &'static str)> {
    TEMPLATES
        .iter()
        .flat_map(|t| {
            t.statements
                .iter()
                .flat_map(move |(actions, _)| actions.iter().map(move |a| (t.name, *a)))
        })
        .collect()
}

//! Documents of the AWS managed policies that Lambda execution roles commonly carry, reduced
//! to the statements that matter for privilege analysis. Source: the policies as published in
//! the AWS Managed Policy Reference; a policy not listed here stays unknown.

/// (effect is always Allow; `not_action` statements list what is excluded)
pub struct ManagedPolicy {
    pub name: &'static str,
    pub statements: &'static [ManagedStatement],
}

pub struct ManagedStatement {
    pub actions: &'static [&'static str],
    pub not_action: bool,
    /// `iam:PassedToService` (or similar) scoping, kept so escalation checks can honour it.
    pub condition_key: Option<&'static str>,
}

const fn allow(actions: &'static [&'static str]) -> ManagedStatement {
    ManagedStatement {
        actions,
        not_action: false,
        condition_key: None,
    }
}

const fn allow_if(actions: &'static [&'static str], key: &'static str) -> ManagedStatement {
    ManagedStatement {
        actions,
        not_action: false,
        condition_key: Some(key),
    }
}

const LOGS: &[&str] = &[
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];

pub const MANAGED: &[ManagedPolicy] = &[
    ManagedPolicy {
        name: "AdministratorAccess",
        statements: &[allow(&["*"])],
    },
    ManagedPolicy {
        name: "PowerUserAccess",
        statements: &[
            ManagedStatement {
                actions: &["iam:*", "organizations:*", "account:*"],
                not_action: true,
                condition_key: None,
            },
            allow(&[
                "iam:CreateServiceLinkedRole",
                "iam:DeleteServiceLinkedRole",
                "iam:ListRoles",
                "organizations:DescribeOrganization",
                "account:ListRegions",
            ]),
        ],
    },
    ManagedPolicy {
        name: "AWSLambdaBasicExecutionRole",
        statements: &[allow(LOGS)],
    },
    ManagedPolicy {
        name: "AWSLambdaVPCAccessExecutionRole",
        statements: &[allow(&[
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSubnets",
            "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses",
            "ec2:UnassignPrivateIpAddresses",
        ])],
    },
    ManagedPolicy {
        name: "AWSLambdaRole",
        statements: &[allow(&["lambda:InvokeFunction"])],
    },
    ManagedPolicy {
        name: "AWSXRayDaemonWriteAccess",
        statements: &[allow(&[
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
            "xray:GetSamplingRules",
            "xray:GetSamplingTargets",
            "xray:GetSamplingStatisticSummaries",
        ])],
    },
    ManagedPolicy {
        name: "AWSXrayWriteOnlyAccess",
        statements: &[allow(&[
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
            "xray:GetSamplingRules",
            "xray:GetSamplingTargets",
            "xray:GetSamplingStatisticSummaries",
        ])],
    },
    ManagedPolicy {
        name: "AWSLambdaDynamoDBExecutionRole",
        statements: &[allow(&[
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:ListStreams",
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ])],
    },
    ManagedPolicy {
        name: "AWSLambdaKinesisExecutionRole",
        statements: &[allow(&[
            "kinesis:DescribeStream",
            "kinesis:DescribeStreamSummary",
            "kinesis:GetRecords",
            "kinesis:GetShardIterator",
            "kinesis:ListShards",
            "kinesis:ListStreams",
            "kinesis:SubscribeToShard",
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ])],
    },
    ManagedPolicy {
        name: "AWSLambdaSQSQueueExecutionRole",
        statements: &[allow(&[
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ])],
    },
    ManagedPolicy {
        name: "AWSLambdaExecute",
        statements: &[allow(&["logs:*", "s3:GetObject", "s3:PutObject"])],
    },
    ManagedPolicy {
        name: "AWSLambda_FullAccess",
        statements: &[
            allow(&[
                "lambda:*",
                "cloudformation:DescribeStacks",
                "cloudwatch:ListMetrics",
                "ec2:DescribeSecurityGroups",
                "iam:ListRoles",
                "kms:ListAliases",
                "logs:DescribeLogGroups",
                "s3:ListAllMyBuckets",
                "sns:ListTopics",
                "sqs:ListQueues",
                "states:ListStateMachines",
                "xray:GetTraceSummaries",
            ]),
            allow_if(&["iam:PassRole"], "iam:PassedToService"),
        ],
    },
    ManagedPolicy {
        name: "AmazonS3FullAccess",
        statements: &[allow(&["s3:*", "s3-object-lambda:*"])],
    },
    ManagedPolicy {
        name: "AmazonS3ReadOnlyAccess",
        statements: &[allow(&[
            "s3:Get*",
            "s3:List*",
            "s3:Describe*",
            "s3-object-lambda:Get*",
            "s3-object-lambda:List*",
        ])],
    },
    ManagedPolicy {
        name: "AmazonDynamoDBFullAccess",
        statements: &[
            allow(&[
                "dynamodb:*",
                "dax:*",
                "application-autoscaling:*",
                "cloudwatch:*",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
                "kms:DescribeKey",
                "kms:ListAliases",
                "sns:*",
                "lambda:*",
                "kinesis:ListStreams",
                "resource-groups:*",
                "tag:GetResources",
            ]),
            allow_if(&["iam:PassRole"], "iam:PassedToService"),
        ],
    },
    ManagedPolicy {
        name: "AmazonDynamoDBReadOnlyAccess",
        statements: &[allow(&[
            "dynamodb:BatchGetItem",
            "dynamodb:Describe*",
            "dynamodb:List*",
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:Scan",
            "dynamodb:PartiQLSelect",
            "dax:Describe*",
            "dax:List*",
            "dax:GetItem",
            "dax:BatchGetItem",
            "dax:Query",
            "dax:Scan",
        ])],
    },
    ManagedPolicy {
        name: "AmazonSQSFullAccess",
        statements: &[allow(&["sqs:*"])],
    },
    ManagedPolicy {
        name: "AmazonSNSFullAccess",
        statements: &[allow(&["sns:*"])],
    },
    ManagedPolicy {
        name: "AmazonKinesisFullAccess",
        statements: &[allow(&["kinesis:*"])],
    },
    ManagedPolicy {
        name: "AmazonKinesisFirehoseFullAccess",
        statements: &[allow(&["firehose:*"])],
    },
    ManagedPolicy {
        name: "CloudWatchLogsFullAccess",
        statements: &[allow(&["logs:*", "cloudwatch:GenerateQuery"])],
    },
    ManagedPolicy {
        name: "CloudWatchFullAccess",
        statements: &[allow(&[
            "cloudwatch:*",
            "logs:*",
            "sns:*",
            "events:*",
            "autoscaling:Describe*",
            "iam:GetPolicy",
            "iam:GetPolicyVersion",
            "iam:GetRole",
        ])],
    },
    ManagedPolicy {
        name: "SecretsManagerReadWrite",
        statements: &[allow(&[
            "secretsmanager:*",
            "cloudformation:CreateChangeSet",
            "cloudformation:DescribeChangeSet",
            "cloudformation:DescribeStackResource",
            "cloudformation:DescribeStacks",
            "cloudformation:ExecuteChangeSet",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeVpcs",
            "kms:DescribeKey",
            "kms:ListAliases",
            "kms:ListKeys",
            "lambda:ListFunctions",
            "rds:DescribeDBClusters",
            "rds:DescribeDBInstances",
            "redshift:DescribeClusters",
            "tag:GetResources",
            "lambda:AddPermission",
            "lambda:CreateFunction",
            "lambda:GetFunction",
            "lambda:InvokeFunction",
            "lambda:UpdateFunctionConfiguration",
            "serverlessrepo:CreateCloudFormationChangeSet",
            "serverlessrepo:GetApplication",
            "s3:GetObject",
        ])],
    },
    ManagedPolicy {
        name: "AmazonEventBridgeFullAccess",
        statements: &[
            allow(&["events:*", "schemas:*", "scheduler:*", "pipes:*"]),
            allow_if(&["iam:PassRole"], "iam:PassedToService"),
        ],
    },
    ManagedPolicy {
        name: "AWSStepFunctionsFullAccess",
        statements: &[
            allow(&["states:*"]),
            allow_if(&["iam:PassRole"], "iam:PassedToService"),
        ],
    },
    ManagedPolicy {
        name: "IAMFullAccess",
        statements: &[allow(&[
            "iam:*",
            "organizations:DescribeAccount",
            "organizations:DescribeOrganization",
            "organizations:DescribeOrganizationalUnit",
            "organizations:DescribePolicy",
            "organizations:ListChildren",
            "organizations:ListParents",
            "organizations:ListPoliciesForTarget",
            "organizations:ListRoots",
            "organizations:ListPolicies",
            "organizations:ListTargetsForPolicy",
        ])],
    },
    ManagedPolicy {
        name: "AmazonSESFullAccess",
        statements: &[allow(&["ses:*"])],
    },
    ManagedPolicy {
        name: "AmazonAPIGatewayAdministrator",
        statements: &[allow(&["apigateway:*"])],
    },
    ManagedPolicy {
        name: "AmazonAPIGatewayInvokeFullAccess",
        statements: &[allow(&[
            "execute-api:Invoke",
            "execute-api:ManageConnections",
        ])],
    },
    ManagedPolicy {
        name: "AmazonSSMFullAccess",
        statements: &[
            allow(&[
                "cloudwatch:PutMetricData",
                "ds:CreateComputer",
                "ds:DescribeDirectories",
                "ec2:DescribeInstanceStatus",
                "logs:*",
                "ssm:*",
                "ec2messages:*",
            ]),
            allow_if(&["iam:PassRole"], "iam:PassedToService"),
        ],
    },
    ManagedPolicy {
        name: "AmazonSSMReadOnlyAccess",
        statements: &[allow(&["ssm:Describe*", "ssm:Get*", "ssm:List*"])],
    },
    ManagedPolicy {
        name: "AmazonEC2FullAccess",
        statements: &[allow(&[
            "ec2:*",
            "elasticloadbalancing:*",
            "cloudwatch:*",
            "autoscaling:*",
        ])],
    },
    ManagedPolicy {
        name: "AmazonRDSFullAccess",
        statements: &[allow(&[
            "rds:*",
            "application-autoscaling:*",
            "cloudwatch:*",
            "ec2:Describe*",
            "sns:*",
            "logs:*",
            "rds-db:*",
        ])],
    },
    ManagedPolicy {
        name: "AmazonRDSDataFullAccess",
        statements: &[allow(&[
            "rds-data:*",
            "secretsmanager:GetSecretValue",
            "secretsmanager:CreateSecret",
            "secretsmanager:ListSecrets",
            "secretsmanager:PutResourcePolicy",
            "secretsmanager:PutSecretValue",
            "secretsmanager:DeleteSecret",
            "secretsmanager:DescribeSecret",
            "secretsmanager:TagResource",
            "dbqms:*",
            "tag:GetResources",
        ])],
    },
    ManagedPolicy {
        name: "AmazonCognitoPowerUser",
        statements: &[allow(&[
            "cognito-identity:*",
            "cognito-idp:*",
            "cognito-sync:*",
            "iam:ListRoles",
            "iam:ListOpenIdConnectProviders",
            "iam:GetRole",
            "iam:ListSAMLProviders",
            "iam:GetSAMLProvider",
            "kinesis:ListStreams",
            "lambda:GetPolicy",
            "lambda:ListFunctions",
            "sns:GetSMSSandboxAccountStatus",
            "sns:ListPlatformApplications",
            "ses:ListIdentities",
            "ses:GetIdentityVerificationAttributes",
            "mobiletargeting:GetApps",
            "acm:ListCertificates",
        ])],
    },
    ManagedPolicy {
        name: "AmazonBedrockFullAccess",
        statements: &[
            allow(&[
                "bedrock:*",
                "kms:DescribeKey",
                "iam:ListRoles",
                "ec2:DescribeVpcs",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
            ]),
            allow_if(&["iam:PassRole"], "iam:PassedToService"),
        ],
    },
    ManagedPolicy {
        name: "AmazonAthenaFullAccess",
        statements: &[allow(&[
            "athena:*",
            "glue:*",
            "s3:GetBucketLocation",
            "s3:GetObject",
            "s3:ListBucket",
            "s3:ListBucketMultipartUploads",
            "s3:ListMultipartUploadParts",
            "s3:AbortMultipartUpload",
            "s3:CreateBucket",
            "s3:PutObject",
            "s3:PutBucketPublicAccessBlock",
            "sns:ListTopics",
            "sns:GetTopicAttributes",
            "cloudwatch:PutMetricAlarm",
            "cloudwatch:DescribeAlarms",
            "cloudwatch:DeleteAlarms",
            "cloudwatch:GetMetricData",
            "lakeformation:GetDataAccess",
            "pricing:GetProducts",
        ])],
    },
];

/// Broad managed policies (FG308) besides the administrator ones (FG301).
pub const BROAD_MANAGED: &[&str] = &[
    "IAMFullAccess",
    "AWSLambdaExecute",
    "PowerUserAccess",
    "AdministratorAccess",
];

/// The managed policy an ARN (`arn:aws:iam::aws:policy/...`, also with a path such as
/// `service-role/`) or bare name stands for.
pub fn managed_policy(arn_or_name: &str) -> Option<&'static ManagedPolicy> {
    let name = managed_name(arn_or_name)?;
    MANAGED.iter().find(|p| p.name == name)
}

/// The name of an AWS managed policy ARN, or `None` for a customer managed one.
pub fn managed_name(arn_or_name: &str) -> Option<&str> {
    if let Some(rest) = arn_or_name
        .strip_prefix("arn:aws:iam::aws:policy/")
        .or_else(|| arn_or_name.strip_prefix("arn:aws-us-gov:iam::aws:policy/"))
        .or_else(|| arn_or_name.strip_prefix("arn:aws-cn:iam::aws:policy/"))
    {
        return rest.rsplit('/').next();
    }
    if arn_or_name.contains(':') || arn_or_name.contains('/') {
        return None;
    }
    Some(arn_or_name)
}

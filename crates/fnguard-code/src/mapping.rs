//! SDK client names and operations to IAM actions, checked against the action catalog so that
//! nothing invented is ever reported.

/// The IAM service prefix of an SDK client name (boto3 `client('…')`, JS v3 package suffix
/// `client-…`, JS v2 class name).
pub fn service_prefix(client: &str) -> Option<&'static str> {
    let c = client.to_ascii_lowercase().replace(['_', ' '], "-");
    Some(match c.as_str() {
        "stepfunctions" | "sfn" => "states",
        "apigatewaymanagementapi" | "apigateway-management-api" => "execute-api",
        "bedrock-runtime"
        | "bedrockruntime"
        | "bedrock-agent-runtime"
        | "bedrockagentruntime"
        | "bedrock" => "bedrock",
        "dynamodbstreams" | "dynamodb-streams" | "dynamodb" => "dynamodb",
        "cognito-idp" | "cognito-identity-provider" | "cognitoidentityserviceprovider" => {
            "cognito-idp"
        }
        "sesv2" | "ses" => "ses",
        "eventbridge" | "events" | "cloudwatchevents" | "cloudwatch-events" => "events",
        "logs" | "cloudwatch-logs" | "cloudwatchlogs" => "logs",
        "firehose" | "kinesis-firehose" => "firehose",
        "secretsmanager" | "secrets-manager" => "secretsmanager",
        "iot-data" | "iot-data-plane" | "iotdata" => "iot",
        "lambda" => "lambda",
        "s3" => "s3",
        "sqs" => "sqs",
        "sns" => "sns",
        "ssm" => "ssm",
        "kms" => "kms",
        "sts" => "sts",
        "iam" => "iam",
        "ec2" => "ec2",
        "kinesis" => "kinesis",
        "rds-data" | "rdsdataservice" => "rds-data",
        "rds" => "rds",
        "textract" => "textract",
        "comprehend" => "comprehend",
        "rekognition" => "rekognition",
        "translate" => "translate",
        "polly" => "polly",
        "transcribe" => "transcribe",
        "athena" => "athena",
        "glue" => "glue",
        "cloudwatch" => "cloudwatch",
        "appsync" => "appsync",
        "scheduler" => "scheduler",
        "ecs" => "ecs",
        "ecr" => "ecr",
        "codebuild" => "codebuild",
        "sagemaker-runtime" | "sagemakerruntime" => "sagemaker",
        "location" => "geo",
        "pinpoint" => "mobiletargeting",
        "iot" => "iot",
        "kendra" => "kendra",
        "qbusiness" => "qbusiness",
        "support" => "support",
        "codepipeline" => "codepipeline",
        "codecommit" => "codecommit",
        "codedeploy" => "codedeploy",
        "cloudformation" => "cloudformation",
        "sagemaker" => "sagemaker",
        "route53" => "route53",
        "acm" => "acm",
        "organizations" => "organizations",
        "inspector2" => "inspector2",
        "securityhub" => "securityhub",
        "guardduty" => "guardduty",
        "batch" => "batch",
        "redshift-data" | "redshiftdata" => "redshift-data",
        "verifiedpermissions" => "verifiedpermissions",
        "appconfig" | "appconfigdata" => "appconfig",
        "apigateway" => "apigateway",
        "elasticache" => "elasticache",
        "opensearch" | "es" => "es",
        "cloudfront" => "cloudfront",
        "servicecatalog" => "servicecatalog",
        "connect" => "connect",
        _ => return None,
    })
}

/// `get_object` / `getObject` / `GetObject` → `GetObject`.
fn pascal(op: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in op.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Operations whose IAM action is named differently from the API call.
const EXCEPTIONS: &[(&str, &str, &[&str])] = &[
    ("s3", "UploadFile", &["s3:PutObject"]),
    ("s3", "UploadFileobj", &["s3:PutObject"]),
    ("s3", "DownloadFile", &["s3:GetObject"]),
    ("s3", "DownloadFileobj", &["s3:GetObject"]),
    ("s3", "ListObjectsV2", &["s3:ListBucket"]),
    ("s3", "ListObjects", &["s3:ListBucket"]),
    ("s3", "ListObjectVersions", &["s3:ListBucketVersions"]),
    ("s3", "HeadObject", &["s3:GetObject"]),
    ("s3", "HeadBucket", &["s3:ListBucket"]),
    ("s3", "CopyObject", &["s3:GetObject", "s3:PutObject"]),
    ("s3", "DeleteObjects", &["s3:DeleteObject"]),
    ("s3", "GeneratePresignedUrl", &[]),
    ("s3", "GeneratePresignedPost", &[]),
    ("s3", "CreateMultipartUpload", &["s3:PutObject"]),
    ("s3", "UploadPart", &["s3:PutObject"]),
    ("s3", "CompleteMultipartUpload", &["s3:PutObject"]),
    ("lambda", "Invoke", &["lambda:InvokeFunction"]),
    ("lambda", "InvokeAsync", &["lambda:InvokeFunction"]),
    (
        "lambda",
        "InvokeWithResponseStream",
        &["lambda:InvokeFunction"],
    ),
    ("sqs", "SendMessageBatch", &["sqs:SendMessage"]),
    ("sqs", "DeleteMessageBatch", &["sqs:DeleteMessage"]),
    (
        "sqs",
        "ChangeMessageVisibilityBatch",
        &["sqs:ChangeMessageVisibility"],
    ),
    ("sns", "PublishBatch", &["sns:Publish"]),
    (
        "execute-api",
        "PostToConnection",
        &["execute-api:ManageConnections"],
    ),
    (
        "execute-api",
        "GetConnection",
        &["execute-api:ManageConnections"],
    ),
    (
        "execute-api",
        "DeleteConnection",
        &["execute-api:ManageConnections"],
    ),
    ("bedrock", "Converse", &["bedrock:InvokeModel"]),
    (
        "bedrock",
        "ConverseStream",
        &["bedrock:InvokeModelWithResponseStream"],
    ),
    ("sts", "GetCallerIdentity", &[]),
    // Cognito's public operations: authorized by the user's credentials or tokens (or none),
    // never by the caller's IAM policy.
    ("cognito-idp", "SignUp", &[]),
    ("cognito-idp", "ConfirmSignUp", &[]),
    ("cognito-idp", "InitiateAuth", &[]),
    ("cognito-idp", "RespondToAuthChallenge", &[]),
    ("cognito-idp", "ForgotPassword", &[]),
    ("cognito-idp", "ConfirmForgotPassword", &[]),
    ("cognito-idp", "ResendConfirmationCode", &[]),
    ("cognito-idp", "GetUser", &[]),
    ("cognito-idp", "ChangePassword", &[]),
    ("cognito-idp", "GlobalSignOut", &[]),
    ("cognito-idp", "VerifyUserAttribute", &[]),
    ("cognito-idp", "UpdateUserAttributes", &[]),
    ("cognito-idp", "DeleteUser", &[]),
    ("cognito-idp", "DeleteUserAttributes", &[]),
    ("cognito-idp", "GetUserAttributeVerificationCode", &[]),
    ("cognito-idp", "SetUserMFAPreference", &[]),
    ("cognito-idp", "AssociateSoftwareToken", &[]),
    ("cognito-idp", "VerifySoftwareToken", &[]),
    ("cognito-idp", "ListDevices", &[]),
    ("cognito-idp", "ConfirmDevice", &[]),
    ("cognito-idp", "ForgetDevice", &[]),
    ("cognito-idp", "GetDevice", &[]),
    ("cognito-idp", "UpdateDeviceStatus", &[]),
    ("cognito-idp", "RevokeToken", &[]),
    ("cognito-idp", "GetUserAuthFactors", &[]),
    ("cognito-identity", "GetId", &[]),
    ("cognito-identity", "GetCredentialsForIdentity", &[]),
    ("cognito-identity", "GetOpenIdToken", &[]),
    ("cognito-identity", "UnlinkIdentity", &[]),
    // An IAM database authentication token is signed locally; connecting with it needs
    // `rds-db:connect`.
    ("rds", "GenerateDbAuthToken", &["rds-db:connect"]),
    (
        "dynamodb",
        "TransactWriteItems",
        &[
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:ConditionCheckItem",
        ],
    ),
    ("dynamodb", "TransactGetItems", &["dynamodb:GetItem"]),
    ("dynamodb", "ExecuteStatement", &["dynamodb:PartiQLSelect"]),
    ("sagemaker", "InvokeEndpoint", &["sagemaker:InvokeEndpoint"]),
    ("iot", "Publish", &["iot:Publish"]),
];

/// Calls of SDK utilities (not service operations) whose result is used with the role's
/// permissions: an RDS IAM authentication token is signed locally and opens a database
/// connection (`rds-db:connect`). By the callee as written with its package or type.
pub const SIGNED_TOKENS: &[(&str, &str)] = &[
    (
        "software.amazon.awssdk.services.rds.RdsUtilities.generateAuthenticationToken",
        "rds-db:connect",
    ),
    (
        "com.amazonaws.services.rds.auth.RdsIamAuthTokenGenerator.getAuthToken",
        "rds-db:connect",
    ),
    (
        "github.com/aws/aws-sdk-go-v2/feature/rds/auth.BuildAuthToken",
        "rds-db:connect",
    ),
    (
        "github.com/aws/aws-sdk-go/service/rds/rdsutils.BuildAuthToken",
        "rds-db:connect",
    ),
];

/// The IAM actions an SDK operation needs. Empty when it needs none or the catalog does not
/// know it (then it is not reported rather than guessed).
pub fn action_for(service: &str, op: &str) -> Vec<String> {
    let name = pascal(op);
    if let Some((_, _, actions)) = EXCEPTIONS
        .iter()
        .find(|(s, o, _)| *s == service && *o == name)
    {
        return actions.iter().map(|a| a.to_string()).collect();
    }
    let action = format!("{service}:{name}");
    match fnguard_iam::catalog().get(&action) {
        Some(a) => vec![a.name.clone()],
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_to_actions() {
        assert_eq!(
            action_for("rds", "generate_db_auth_token"),
            vec!["rds-db:connect"]
        );
        assert_eq!(
            crate::actions_in_source(
                crate::Language::Python,
                "import boto3\nrds = boto3.client('rds')\ntoken = rds.generate_db_auth_token(DBHostname=h, Port=5432, DBUsername=u)\n",
                false
            ),
            vec!["rds-db:connect"]
        );
        assert!(action_for("cognito-idp", "sign_up").is_empty());
        assert!(action_for("cognito-idp", "InitiateAuth").is_empty());
        assert_eq!(
            action_for("cognito-idp", "AdminInitiateAuth"),
            vec!["cognito-idp:AdminInitiateAuth"]
        );
        assert_eq!(action_for("s3", "get_object"), vec!["s3:GetObject"]);
        assert_eq!(action_for("s3", "putObject"), vec!["s3:PutObject"]);
        assert_eq!(action_for("s3", "upload_file"), vec!["s3:PutObject"]);
        assert_eq!(action_for("dynamodb", "PutItem"), vec!["dynamodb:PutItem"]);
        assert_eq!(
            action_for("lambda", "invoke"),
            vec!["lambda:InvokeFunction"]
        );
        assert!(action_for("s3", "no_such_operation").is_empty());
        assert_eq!(service_prefix("kendra"), Some("kendra"));
        assert_eq!(
            action_for(service_prefix("iot").unwrap(), "delete_certificate"),
            vec!["iot:DeleteCertificate"]
        );
        assert_eq!(
            action_for(
                service_prefix("appconfigdata").unwrap(),
                "StartConfigurationSession"
            ),
            vec!["appconfig:StartConfigurationSession"]
        );
        assert_eq!(service_prefix("stepfunctions"), Some("states"));
        assert_eq!(service_prefix("secrets-manager"), Some("secretsmanager"));
    }
}

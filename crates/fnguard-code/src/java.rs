//! Java handler files: the AWS SDK calls they make (SDK for Java v2 clients, async clients and
//! the DynamoDB Enhanced Client; v1 `Amazon*` clients and `DynamoDBMapper`), the classes of the
//! code package they use, and where the handler method is. Read from the lowered form, where a
//! call on a typed variable, field or builder chain is already named by its type
//! (`software.amazon.awssdk.services.s3.S3Client.putObject`).

use crate::handler::{FileScan, ScannedCall};
use crate::taint::ir::{self, Module};

/// Service package names of the SDK for Java that are not the IAM prefix.
const PACKAGES: &[(&str, &str)] = &[
    ("dynamodbv2", "dynamodb"),
    ("simpleemail", "ses"),
    ("simpleemailv2", "ses"),
    ("sesv2", "ses"),
    ("simplesystemsmanagement", "ssm"),
    ("kinesisfirehose", "firehose"),
    ("cloudwatchevents", "events"),
    ("eventbridge", "events"),
    ("stepfunctions", "states"),
    ("sfn", "states"),
    ("cloudwatchlogs", "logs"),
    ("cloudwatch", "cloudwatch"),
    ("cognitoidp", "cognito-idp"),
    ("cognitoidentityprovider", "cognito-idp"),
    ("apigatewaymanagementapi", "execute-api"),
    ("bedrockruntime", "bedrock"),
    ("bedrockagentruntime", "bedrock"),
    ("iotdataplane", "iot"),
    ("sagemakerruntime", "sagemaker"),
];

/// Calls on a client that configure or build it rather than call the service.
const NOT_OPERATIONS: &[&str] = &[
    "builder",
    "create",
    "build",
    "region",
    "credentialsProvider",
    "httpClient",
    "httpClientBuilder",
    "overrideConfiguration",
    "endpointOverride",
    "close",
    "serviceName",
    "serviceClientConfiguration",
    "utilities",
    "waiter",
    "withRegion",
    "withCredentials",
    "withClientConfiguration",
    "withEndpointConfiguration",
    "defaultClient",
    "standard",
    "shutdown",
    "table",
    "dynamoDbClient",
    "extensions",
    "presigner",
    "getUrl",
    "toString",
    "hashCode",
    "equals",
];

/// Methods of the DynamoDB Enhanced Client (`DynamoDbTable`, `DynamoDbEnhancedClient`) and of
/// v1's `DynamoDBMapper`, by the low-level operation they use.
const DYNAMODB_OBJECT_MAPPERS: &[(&str, &str)] = &[
    ("putItem", "PutItem"),
    ("getItem", "GetItem"),
    ("updateItem", "UpdateItem"),
    ("deleteItem", "DeleteItem"),
    ("query", "Query"),
    ("scan", "Scan"),
    ("batchGetItem", "BatchGetItem"),
    ("batchWriteItem", "BatchWriteItem"),
    ("transactGetItems", "GetItem"),
    ("transactWriteItems", "TransactWriteItems"),
    ("createTable", "CreateTable"),
    ("deleteTable", "DeleteTable"),
    ("describeTable", "DescribeTable"),
    // DynamoDBMapper (v1): `save` writes with UpdateItem unless told otherwise.
    ("save", "UpdateItem"),
    ("load", "GetItem"),
    ("delete", "DeleteItem"),
    ("batchSave", "BatchWriteItem"),
    ("batchLoad", "BatchGetItem"),
    ("batchDelete", "BatchWriteItem"),
    ("count", "Query"),
    ("queryPage", "Query"),
    ("scanPage", "Scan"),
    ("parallelScan", "Scan"),
];

pub fn scan(text: &str, handler: Option<&str>) -> FileScan {
    let Some(module) = crate::taint::lower_java::lower(text) else {
        return FileScan::default();
    };
    let mut out = FileScan {
        imports: classes_used(&module),
        // Libraries that call AWS with the role, imported or named in configuration strings
        // (the MSK IAM login module is given to the Kafka client by class name).
        packages: module
            .imported
            .iter()
            .filter(|i| crate::outside::aws_calling_library(crate::Language::Java, i).is_some())
            .cloned()
            .collect(),
        ..FileScan::default()
    };
    if text.contains("software.amazon.msk.auth.iam") {
        out.packages
            .push("software.amazon.msk.auth.iam".to_string());
    }
    if let Some(h) = handler {
        out.handler_line = module
            .functions
            .iter()
            .find(|f| f.name == h)
            .map(|f| (f.pos.line, f.pos.col));
    }
    let envs = crate::env_trace::bindings(&module);
    let mut calls = Vec::new();
    let mut collect = |c: &ir::Call| calls.push(c.clone());
    ir::visit_body(&module.top, &mut |_| {}, &mut collect);
    ir::each_function(&module, &mut |f| {
        for s in &f.body {
            ir::visit_body(std::slice::from_ref(s), &mut |_| {}, &mut |c| {
                calls.push(c.clone())
            });
        }
    });
    let mut seen = crate::HashSet::default();
    for c in calls {
        if !seen.insert((c.pos, c.callee.clone())) {
            continue;
        }
        let mut found = actions(&c.callee);
        // SDK v1 `generatePresignedUrl`: the URL performs the request's HTTP method with the
        // role (GET unless the file asks for another).
        if c.callee.starts_with("com.amazonaws.services.s3.")
            && c.callee.ends_with(".generatePresignedUrl")
        {
            for (method, action) in [
                ("HttpMethod.PUT", "s3:PutObject"),
                ("HttpMethod.DELETE", "s3:DeleteObject"),
            ] {
                if text.contains(method) {
                    found.push(action.to_string());
                }
            }
            if found.is_empty() {
                found.push("s3:GetObject".to_string());
            }
        }
        for action in found {
            let target = c
                .args
                .iter()
                .find_map(|a| crate::env_trace::variable_in(a, &envs, 0));
            out.calls.push(ScannedCall {
                action,
                line: c.pos.line,
                col: c.pos.col,
                target,
                keys: Vec::new(),
            });
        }
    }
    crate::taint::kept::keep(crate::Language::Java, text, module);
    out
}

/// The IAM actions of a call named by type (`software.amazon.awssdk.services.sqs.SqsClient.
/// sendMessage`, `com.amazonaws.services.s3.AmazonS3.putObject`).
pub(crate) fn actions(callee: &str) -> Vec<String> {
    let segments: Vec<&str> = callee.split('.').collect();
    if let Some((_, action)) = crate::mapping::SIGNED_TOKENS
        .iter()
        .find(|(c, _)| *c == callee)
    {
        return vec![action.to_string()];
    }
    let Some(op) = segments.last().copied() else {
        return Vec::new();
    };
    if NOT_OPERATIONS.contains(&op) || segments.len() < 3 {
        return Vec::new();
    }
    let (service, type_at) = if let Some(rest) = callee.strip_prefix("software.amazon.awssdk.") {
        let parts: Vec<&str> = rest.split('.').collect();
        match parts.as_slice() {
            ["services", svc, ..] => (svc.to_string(), 4),
            ["enhanced", "dynamodb", ..] => ("dynamodbv2".to_string(), 5),
            _ => return Vec::new(),
        }
    } else if let Some(rest) = callee.strip_prefix("com.amazonaws.services.") {
        let svc = rest.split('.').next().unwrap_or_default();
        (svc.to_string(), 4)
    } else {
        return Vec::new();
    };
    // The type right after the package (`S3Client`, `AmazonS3`, `DynamoDbTable`); calls
    // reached through a builder chain keep the client type's position.
    let Some(ty) = segments
        .iter()
        .skip(type_at - 1)
        .find(|s| s.starts_with(|c: char| c.is_ascii_uppercase()))
    else {
        return Vec::new();
    };
    let between: Vec<&&str> = segments
        .iter()
        .skip_while(|s| *s != ty)
        .skip(1)
        .take_while(|s| **s != op)
        .collect();
    if between.iter().any(|s| !NOT_OPERATIONS.contains(s)) {
        // `client.utilities().getUrl(...)`, `response.contents().stream()`: not an operation.
        return Vec::new();
    }
    let prefix = PACKAGES
        .iter()
        .find(|(p, _)| *p == service)
        .map(|(_, iam)| iam.to_string())
        .or_else(|| crate::mapping::service_prefix(&service).map(str::to_string))
        .unwrap_or(service.clone());
    let object_mapper = matches!(
        *ty,
        "DynamoDbTable"
            | "DynamoDbAsyncTable"
            | "DynamoDbEnhancedClient"
            | "DynamoDbEnhancedAsyncClient"
            | "DynamoDbIndex"
            | "DynamoDBMapper"
    );
    // SDK v1's Document API (`com.amazonaws.services.dynamodbv2.document.Table`).
    if *ty == "Table" && callee.starts_with("com.amazonaws.services.dynamodbv2.document.") {
        let action = match op {
            "putItem" => "PutItem",
            "getItem" => "GetItem",
            "updateItem" => "UpdateItem",
            "deleteItem" => "DeleteItem",
            "query" => "Query",
            "scan" => "Scan",
            "describe" | "waitForActive" => "DescribeTable",
            _ => return Vec::new(),
        };
        return crate::mapping::action_for("dynamodb", action);
    }
    if object_mapper {
        return DYNAMODB_OBJECT_MAPPERS
            .iter()
            .find(|(m, _)| *m == op)
            .map(|(_, a)| crate::mapping::action_for("dynamodb", a))
            .unwrap_or_default();
    }
    // `S3Presigner.presignPutObject(...)`: whoever uses the URL acts with the role.
    if ty.ends_with("Presigner") {
        return op
            .strip_prefix("presign")
            .map(|o| crate::mapping::action_for(&prefix, o))
            .unwrap_or_default();
    }
    let is_client = ty.ends_with("Client")
        || ty.ends_with("AsyncClient")
        || ty.starts_with("Amazon")
        || ty.starts_with("AWS");
    if !is_client || ty.ends_with("Builder") {
        return Vec::new();
    }
    let op = op
        .strip_suffix("Paginator")
        .unwrap_or(op)
        .trim_end_matches("Async");
    crate::mapping::action_for(&prefix, op)
}

/// The classes of the code package a file may use: its imports and the classes it names in
/// full or from its own package. Which exist is decided by looking for their files.
fn classes_used(module: &Module) -> Vec<String> {
    let mut out: Vec<String> = module
        .local_imports
        .iter()
        .map(|(_, spec, _)| spec.clone())
        .collect();
    for c in crate::taint::lower_java::referenced_classes(module) {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(src: &str) -> Vec<(String, Option<String>)> {
        let mut v: Vec<(String, Option<String>)> = scan(src, None)
            .calls
            .into_iter()
            .map(|c| (c.action, c.target))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn sdk_v2_clients_builders_and_enhanced_client() {
        let src = r#"
package com.example;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbTable;
public class Handler {
    private static final String BUCKET = System.getenv("BUCKET_NAME");
    private final S3Client s3 = S3Client.create();
    private final SqsAsyncClient sqs = SqsAsyncClient.builder().build();
    private DynamoDbTable<Order> orders;
    public String handleRequest(Object event) {
        s3.putObject(PutObjectRequest.builder().bucket(BUCKET).key("k").build(), body);
        sqs.sendMessage(r -> r.queueUrl(System.getenv("QUEUE_URL")));
        orders.putItem(order);
        s3.utilities().getUrl(x);
        return "ok";
    }
}
"#;
        assert_eq!(
            found(src),
            vec![
                ("dynamodb:PutItem".to_string(), None),
                ("s3:PutObject".to_string(), Some("BUCKET_NAME".to_string())),
                ("sqs:SendMessage".to_string(), Some("QUEUE_URL".to_string())),
            ]
        );
    }

    #[test]
    fn sdk_v1_clients_and_mapper() {
        let src = r#"
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import com.amazonaws.services.dynamodbv2.datamodeling.DynamoDBMapper;
import com.amazonaws.services.sns.AmazonSNS;
import com.amazonaws.services.dynamodbv2.document.Table;
public class H {
    private Table orders;
    public void handle(AmazonSNS sns) {
        orders.putItem(item);
        AmazonS3 s3 = AmazonS3ClientBuilder.defaultClient();
        s3.getObject("b", "k");
        DynamoDBMapper mapper = new DynamoDBMapper(client);
        mapper.load(Item.class, id);
        sns.publish(topic, "m");
    }
}
"#;
        let actions: Vec<String> = found(src).into_iter().map(|(a, _)| a).collect();
        assert_eq!(
            actions,
            vec![
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "s3:GetObject",
                "sns:Publish"
            ]
        );
    }

    #[test]
    fn presigned_urls_act_with_the_role() {
        let v2 = r#"
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
public class H {
    private final S3Presigner presigner = S3Presigner.create();
    public String handle(Object e) {
        return presigner.presignPutObject(request).url().toString();
    }
}
"#;
        assert_eq!(found(v2), vec![("s3:PutObject".to_string(), None)]);
        let v1 = r#"
import com.amazonaws.HttpMethod;
import com.amazonaws.services.s3.AmazonS3;
public class H {
    private AmazonS3 s3;
    public String handle(Object e) {
        return s3.generatePresignedUrl(new GeneratePresignedUrlRequest(b, k).withMethod(HttpMethod.PUT)).toString();
    }
}
"#;
        assert_eq!(found(v1), vec![("s3:PutObject".to_string(), None)]);
    }

    #[test]
    fn libraries_that_call_aws_are_named() {
        let src = r#"
import com.amazonaws.services.schemaregistry.serializers.avro.AWSKafkaAvroSerializer;
public class P {
    void configure(java.util.Properties props) {
        props.put("sasl.jaas.config", "software.amazon.msk.auth.iam.IAMLoginModule required;");
    }
}
"#;
        let mut p = scan(src, None).packages;
        p.sort();
        assert_eq!(
            p,
            vec![
                "com.amazonaws.services.schemaregistry.serializers.avro.AWSKafkaAvroSerializer",
                "software.amazon.msk.auth.iam"
            ]
        );
    }

    #[test]
    fn rds_iam_tokens_need_connect() {
        let src = r#"
import software.amazon.awssdk.services.rds.RdsUtilities;
public class H {
    public void handle(Object e) {
        RdsUtilities utilities = RdsUtilities.builder().build();
        String token = utilities.generateAuthenticationToken(request);
    }
}
"#;
        assert_eq!(found(src), vec![("rds-db:connect".to_string(), None)]);
    }

    #[test]
    fn not_operations_and_non_sdk_calls() {
        assert!(actions("software.amazon.awssdk.services.s3.S3Client.builder").is_empty());
        assert!(actions("java.sql.Statement.execute").is_empty());
        assert!(
            actions("software.amazon.awssdk.services.s3.model.PutObjectRequest.builder").is_empty()
        );
        assert_eq!(
            actions("software.amazon.awssdk.services.s3.S3Client.listObjectsV2Paginator"),
            vec!["s3:ListBucket"]
        );
    }

    #[test]
    fn classes_of_the_package_and_imports_are_followed() {
        let src = r#"
package com.example;
import com.example.db.Repo;
public class H {
    public void handle(Object e) { Repo.save(e); Helper.run(e); new Util().go(); }
}
"#;
        let mut i = scan(src, None).imports;
        i.sort();
        assert_eq!(
            i,
            vec![
                "com.example.Helper",
                "com.example.Util",
                "com.example.db.Repo"
            ]
        );
    }
}

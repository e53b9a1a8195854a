//! Go handler files: the AWS SDK calls they make (aws-sdk-go-v2 and v1, named by the operation's
//! input type: `client.PutObject(ctx, &s3.PutObjectInput{...})`, paginators and the S3 transfer
//! manager alike), the packages of the module they import, and where the function given to
//! `lambda.Start` is.

use crate::handler::{FileScan, ScannedCall};
use crate::taint::ir::{self, Expr, Module, Stmt};
use crate::taint::lower_go::ENTRY;

const SDK_V2: &str = "github.com/aws/aws-sdk-go-v2/service/";
const SDK_V1: &str = "github.com/aws/aws-sdk-go/service/";

/// Service packages whose name is not the IAM prefix.
const PACKAGES: &[(&str, &str)] = &[
    ("sfn", "states"),
    ("eventbridge", "events"),
    ("cloudwatchevents", "events"),
    ("cloudwatchlogs", "logs"),
    ("sesv2", "ses"),
    ("cognitoidentityprovider", "cognito-idp"),
    ("apigatewaymanagementapi", "execute-api"),
    ("bedrockruntime", "bedrock"),
    ("bedrockagentruntime", "bedrock"),
    ("iotdataplane", "iot"),
    ("sagemakerruntime", "sagemaker"),
    ("dynamodbstreams", "dynamodb"),
];

pub fn scan(text: &str, handler: Option<&str>) -> FileScan {
    let Some(module) = crate::taint::lower_go::lower(text) else {
        return FileScan::default();
    };
    let mut out = FileScan {
        imports: module.imported.clone(),
        packages: module
            .imported
            .iter()
            .filter(|i| crate::outside::aws_calling_library(crate::Language::Go, i).is_some())
            .cloned()
            .collect(),
        ..FileScan::default()
    };
    if let Some(h) = handler {
        out.handler_line = handler_position(&module, h);
    }
    let envs = crate::env_trace::bindings(&module);
    let mut calls: Vec<ir::Call> = Vec::new();
    ir::visit_body(&module.top, &mut |_| {}, &mut |c| calls.push(c.clone()));
    ir::each_function(&module, &mut |f| {
        if f.name == ENTRY {
            return;
        }
        ir::visit_body(&f.body, &mut |_| {}, &mut |c| calls.push(c.clone()));
    });
    let mut seen = crate::HashSet::default();
    // An operation's input given to a call is reported at the call; one built beforehand at
    // the literal.
    let mut reported_inputs = crate::HashSet::default();
    for c in &calls {
        for a in &c.args {
            if let Expr::Call(lit) = a {
                if let Some(actions) = input_actions(&lit.callee) {
                    reported_inputs.insert(lit.pos);
                    record(
                        &mut out,
                        &mut seen,
                        actions,
                        c.pos,
                        crate::env_trace::variable_in(a, &envs, 0),
                    );
                }
            }
        }
    }
    for c in &calls {
        if let Some((_, action)) = crate::mapping::SIGNED_TOKENS
            .iter()
            .find(|(callee, _)| *callee == c.callee)
        {
            record(&mut out, &mut seen, vec![action.to_string()], c.pos, None);
        }
        if reported_inputs.contains(&c.pos) {
            continue;
        }
        if let Some(actions) = input_actions(&c.callee) {
            let target = c
                .args
                .iter()
                .find_map(|a| crate::env_trace::variable_in(a, &envs, 0));
            record(&mut out, &mut seen, actions, c.pos, target);
        }
    }
    crate::taint::kept::keep(crate::Language::Go, text, module);
    out
}

fn record(
    out: &mut FileScan,
    seen: &mut crate::HashSet<(String, ir::Pos)>,
    actions: Vec<String>,
    at: ir::Pos,
    target: Option<String>,
) {
    for action in actions {
        if seen.insert((action.clone(), at)) {
            out.calls.push(ScannedCall {
                action,
                line: at.line,
                col: at.col,
                target: target.clone(),
                keys: Vec::new(),
            });
        }
    }
}

/// The IAM actions of an SDK operation input type
/// (`github.com/aws/aws-sdk-go-v2/service/s3.PutObjectInput`).
pub(crate) fn input_actions(type_name: &str) -> Option<Vec<String>> {
    let rest = type_name
        .strip_prefix(SDK_V2)
        .or_else(|| type_name.strip_prefix(SDK_V1))?;
    let (service, ty) = rest.split_once('.')?;
    let service = service.split('/').next().unwrap_or(service);
    let op = ty.strip_suffix("Input")?;
    let prefix = PACKAGES
        .iter()
        .find(|(p, _)| *p == service)
        .map(|(_, iam)| iam.to_string())
        .or_else(|| crate::mapping::service_prefix(service).map(str::to_string))
        .unwrap_or_else(|| service.to_string());
    Some(crate::mapping::action_for(&prefix, op))
}

/// Where the handler is: the function the synthesized entry calls (`lambda.Start(handler)`).
fn handler_position(module: &Module, handler: &str) -> Option<(u32, u32)> {
    let name = if handler == ENTRY {
        let entry = module.functions.iter().find(|f| f.name == ENTRY)?;
        match entry.body.first() {
            Some(Stmt::Return(Some(Expr::Call(c)), _)) => c.callee.clone(),
            _ => return Some((entry.pos.line, entry.pos.col)),
        }
    } else {
        handler.to_string()
    };
    module
        .functions
        .iter()
        .find(|f| f.name == name)
        .map(|f| (f.pos.line, f.pos.col))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_v2_and_v1_inputs() {
        let src = r#"
package main

import (
    "context"
    "os"
    "github.com/aws/aws-sdk-go-v2/aws"
    "github.com/aws/aws-sdk-go-v2/service/dynamodb"
    "github.com/aws/aws-sdk-go-v2/service/s3"
    sqsv1 "github.com/aws/aws-sdk-go/service/sqs"
    "github.com/aws/aws-lambda-go/lambda"
)

var table = os.Getenv("TABLE_NAME")

func handler(ctx context.Context, e map[string]string) error {
    _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table)})
    in := &s3.GetObjectInput{Bucket: aws.String(os.Getenv("BUCKET"))}
    s3c.GetObject(ctx, in)
    p := s3.NewListObjectsV2Paginator(s3c, &s3.ListObjectsV2Input{})
    legacy.SendMessageWithContext(ctx, &sqsv1.SendMessageInput{})
    return err
}

func main() { lambda.Start(handler) }
"#;
        let scan = scan(src, Some(ENTRY));
        let mut got: Vec<(String, Option<String>)> = scan
            .calls
            .into_iter()
            .map(|c| (c.action, c.target))
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                (
                    "dynamodb:PutItem".to_string(),
                    Some("TABLE_NAME".to_string())
                ),
                ("s3:GetObject".to_string(), Some("BUCKET".to_string())),
                ("s3:ListBucket".to_string(), None),
                ("sqs:SendMessage".to_string(), None),
            ]
        );
        assert_eq!(scan.handler_line.map(|(l, _)| l), Some(16));
    }

    #[test]
    fn rds_iam_tokens_need_connect() {
        let src = r#"
package main
import "github.com/aws/aws-sdk-go-v2/feature/rds/auth"
func connect(ctx context.Context) {
    token, _ := auth.BuildAuthToken(ctx, endpoint, region, user, creds)
}
"#;
        let actions: Vec<String> = scan(src, None)
            .calls
            .into_iter()
            .map(|c| c.action)
            .collect();
        assert_eq!(actions, vec!["rds-db:connect"]);
    }
}

//! Which stores a function's role reaches: named grants (by reference or ARN) draw an edge to
//! the store they name, a grant on `*` to the sensitive stores of the services its actions act
//! on, and nothing else.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use fnguard_flow::Graph;
use fnguard_ingest::{discover, load, LoadOptions};

/// The graph of the project the files make, after the code analysis.
fn graph(files: &[(&str, &str)]) -> Graph {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let (candidates, _) = discover(dir.path(), &[]);
    let loaded = load(dir.path(), &candidates[0], &LoadOptions::default());
    let mut project = loaded.project.expect("project");
    fnguard_code::analyze_projects(dir.path(), std::slice::from_mut(&mut project));
    fnguard_flow::build(&project, &[])
}

/// The resources `from` has an edge to, with what the edge rests on.
fn reached(g: &Graph, from: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = g
        .edges()
        .filter(|e| e.from == from && e.to.starts_with("res:"))
        .map(|e| (e.to.to_string(), format!("{:?}", e.source)))
        .collect();
    out.sort();
    out.dedup();
    out
}

const TEMPLATE: &str = r#"
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Q1:
    Type: AWS::SQS::Queue
  Q12:
    Type: AWS::SQS::Queue
  Customers:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: customers
  Metrics:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: metrics
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]}
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: sqs:SendMessage
                Resource: !GetAtt Q1.Arn
              - Effect: Allow
                Action: dynamodb:GetItem
                Resource: "*"
              - Effect: Allow
                Action: logs:PutLogEvents
                Resource: "*"
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: !GetAtt Role.Arn
      Code: {ZipFile: "def handler(e, c): pass"}
"#;

#[test]
fn grants_reach_the_stores_they_name_and_the_sensitive_ones_of_their_services() {
    let g = graph(&[("template.yaml", TEMPLATE)]);
    assert_eq!(
        reached(&g, "fn:Fn"),
        vec![
            ("res:Customers".to_string(), "Wildcard".to_string()),
            ("res:Q1".to_string(), "Iam".to_string()),
        ]
    );
}

const DESTINATIONS: &str = r#"
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  D1:
    Type: AWS::SQS::Queue
  D12:
    Type: AWS::SQS::Queue
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: orders
  OrdersArchive:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: orders-archive
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      CodeUri: src/
      DeadLetterQueue:
        Type: SQS
        TargetArn: !GetAtt D1.Arn
      Environment:
        Variables:
          TABLE: arn:aws:dynamodb:us-east-1:123456789012:table/orders
"#;

const HANDLER: &str = r#"
import os, boto3
ddb = boto3.client("dynamodb")
def handler(event, context):
    return ddb.get_item(TableName=os.environ["TABLE"], Key={"id": {"S": "1"}})
"#;

/// A destination and an environment variable name one resource each, found by id and by name
/// (an ARN ending in it), never the ones whose id or name merely starts the same.
#[test]
fn destinations_and_environment_variables_reach_the_resource_they_name() {
    let g = graph(&[("template.yaml", DESTINATIONS), ("src/index.py", HANDLER)]);
    assert_eq!(
        reached(&g, "fn:Fn"),
        vec![
            ("res:D1".to_string(), "Declared".to_string()),
            ("res:Orders".to_string(), "Code".to_string()),
        ]
    );
}

/// A role's edges are worked out once and given to every function that assumes it.
#[test]
fn every_function_on_a_shared_role_reaches_what_the_role_grants() {
    let shared = TEMPLATE.replace(
        "  Fn:\n",
        "  Other:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n      Role: !GetAtt Role.Arn\n      Code: {ZipFile: \"def handler(e, c): pass\"}\n  Fn:\n",
    );
    let g = graph(&[("template.yaml", &shared)]);
    assert_eq!(reached(&g, "fn:Fn").len(), 2, "{:?}", reached(&g, "fn:Fn"));
    assert_eq!(reached(&g, "fn:Other"), reached(&g, "fn:Fn"));
}

/// A grant or an environment variable made from a reference reaches that resource, not the
/// ones whose ids its text happens to contain (`${Q12.QueueName}` does not name `Q1`).
#[test]
fn references_reach_their_resource_and_not_those_whose_id_they_contain() {
    let template = TEMPLATE
        .replace(
            "Resource: !GetAtt Q1.Arn",
            "Resource: !Sub \"arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Q12.QueueName}\"",
        )
        .replace(
            "      Code: {ZipFile: \"def handler(e, c): pass\"}\n",
            "      Code: {ZipFile: \"def handler(e, c): pass\"}\n      Environment:\n        Variables:\n          TABLE: !Sub \"${Metrics.Arn}/index/byDay\"\n",
        );
    let g = graph(&[("template.yaml", &template)]);
    assert_eq!(
        reached(&g, "fn:Fn"),
        vec![
            ("res:Customers".to_string(), "Wildcard".to_string()),
            ("res:Q12".to_string(), "Iam".to_string()),
        ]
    );

    let code = r#"
import os, boto3
sqs = boto3.client("sqs")
def handler(event, context):
    sqs.send_message(QueueUrl=os.environ["QUEUE"], MessageBody="x")
"#;
    let sam = DESTINATIONS
        .replace("TargetArn: !GetAtt D1.Arn", "TargetArn: !GetAtt D12.Arn")
        .replace(
            "TABLE: arn:aws:dynamodb:us-east-1:123456789012:table/orders",
            "QUEUE: !Sub \"https://sqs.${AWS::Region}.amazonaws.com/${AWS::AccountId}/${D12.QueueName}\"",
        );
    let g = graph(&[("template.yaml", &sam), ("src/index.py", code)]);
    let reached = reached(&g, "fn:Fn");
    assert!(reached.iter().all(|(to, _)| to != "res:D1"), "{reached:?}");
    assert!(
        reached.contains(&("res:D12".to_string(), "Declared".to_string())),
        "{reached:?}"
    );
}

//! Which stores a function's role reaches: named grants (by reference or ARN) draw an edge to
//! the store they name, a grant on `*` to the sensitive stores of the services its actions act
//! on, and nothing else.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use fnguard_ingest::{discover, load, LoadOptions};

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
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("template.yaml"), TEMPLATE).unwrap();
    let (candidates, _) = discover(dir.path(), &[]);
    let loaded = load(dir.path(), &candidates[0], &LoadOptions::default());
    let project = loaded.project.expect("project");
    let g = fnguard_flow::build(&project, &[]);
    let mut reached: Vec<(String, String)> = g
        .edges
        .iter()
        .filter(|e| e.from == "fn:Fn" && e.to.starts_with("res:"))
        .map(|e| (e.to.clone(), format!("{:?}", e.source)))
        .collect();
    reached.sort();
    reached.dedup();
    assert_eq!(
        reached,
        vec![
            ("res:Customers".to_string(), "Wildcard".to_string()),
            ("res:Q1".to_string(), "Iam".to_string()),
        ]
    );
}

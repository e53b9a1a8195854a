//! The as-deployed model each loader builds, checked element by element.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use fnguard_ingest::{load_str, DescriptorKind, LoadOptions};
use fnguard_model::{ApiKind, Auth, Project, RoleRef, TriggerKind, Val};

fn load(kind: DescriptorKind, text: &str) -> Project {
    load_with(kind, text, LoadOptions::default())
}

fn load_with(kind: DescriptorKind, text: &str, options: LoadOptions) -> Project {
    let name = if kind == DescriptorKind::Serverless {
        "serverless.yml"
    } else {
        "template.yaml"
    };
    let l = load_str(kind, name, text, &options);
    assert!(
        l.diagnostics
            .iter()
            .all(|d| d.level != fnguard_model::Level::Error),
        "{:?}",
        l.diagnostics
    );
    l.project.expect("project")
}

fn api_auth(p: &Project, function: &str) -> Vec<(String, Auth)> {
    p.function(function)
        .unwrap()
        .triggers
        .iter()
        .filter_map(|t| match &t.kind {
            TriggerKind::Api {
                method, path, auth, ..
            } => Some((format!("{method} {path}"), auth.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn serverless_default_role_is_shared_and_own_roles_are_not() {
    let p = load(
        DescriptorKind::Serverless,
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n          Action: s3:GetObject\n          Resource: '*'\nfunctions:\n  a:\n    handler: a.h\n  b:\n    handler: b.h\n  c:\n    handler: c.h\n    role: arn:aws:iam::123456789012:role/custom\n  d:\n    handler: d.h\n    role: MyRole\nresources:\n  Resources:\n    MyRole:\n      Type: AWS::IAM::Role\n      Properties:\n        AssumeRolePolicyDocument: {Statement: []}\n",
    );
    assert_eq!(p.functions.len(), 4);
    let role = |f: &str| {
        p.function(f)
            .unwrap()
            .role
            .declared_id()
            .map(str::to_string)
    };
    assert_eq!(role("a").as_deref(), Some("IamRoleLambdaExecution"));
    assert_eq!(role("b").as_deref(), Some("IamRoleLambdaExecution"));
    assert!(matches!(
        p.function("c").unwrap().role,
        RoleRef::External { .. }
    ));
    assert_eq!(role("d").as_deref(), Some("MyRole"));
    let default = p.role("IamRoleLambdaExecution").unwrap();
    assert!(default.generated);
    assert_eq!(default.inline_policies[0].statements.len(), 1);
}

#[test]
fn serverless_events_become_triggers_with_their_apis() {
    let p = load(
        DescriptorKind::Serverless,
        "service: s\nprovider:\n  name: aws\n  runtime: nodejs22.x\n  httpApi:\n    authorizers:\n      jwt:\n        issuerUrl: https://x\n        audience: [a]\nfunctions:\n  f:\n    handler: f.h\n    events:\n      - http: GET /a\n      - http:\n          path: b\n          method: post\n          authorizer: aws_iam\n      - httpApi:\n          path: /c\n          method: get\n          authorizer: jwt\n      - sqs:\n          arn: !GetAtt Queue.Arn\n          functionResponseType: ReportBatchItemFailures\n      - s3:\n          bucket: uploads\n          event: s3:ObjectCreated:*\n          rules:\n            - prefix: in/\n      - schedule: rate(5 minutes)\n      - stream:\n          type: dynamodb\n          arn: !GetAtt Table.StreamArn\nresources:\n  Resources:\n    Queue:\n      Type: AWS::SQS::Queue\n    Table:\n      Type: AWS::DynamoDB::Table\n",
    );
    assert_eq!(
        api_auth(&p, "f"),
        vec![
            ("GET /a".to_string(), Auth::None),
            ("POST /b".to_string(), Auth::Iam),
            ("GET /c".to_string(), Auth::Jwt)
        ]
    );
    assert_eq!(p.api("ApiGatewayRestApi").unwrap().kind, ApiKind::Rest);
    assert_eq!(p.api("HttpApi").unwrap().kind, ApiKind::Http);
    let f = p.function("f").unwrap();
    assert!(f.triggers.iter().any(|t| matches!(&t.kind, TriggerKind::Sqs { queue: Val::Known(q), partial_batch_response: true } if q == "Queue")));
    assert!(f
        .triggers
        .iter()
        .any(|t| matches!(&t.kind, TriggerKind::S3 { prefix: Some(p), .. } if p == "in/")));
    assert!(
        p.resource("S3BucketUploads").is_some(),
        "the framework creates the bucket"
    );
    assert!(f.triggers.iter().any(
        |t| matches!(&t.kind, TriggerKind::Stream { source: Val::Known(s), .. } if s == "Table")
    ));
    assert_eq!(f.triggers.len(), 7);
}

#[test]
fn serverless_variables_feed_the_model() {
    let text = "service: s\nprovider:\n  name: aws\n  runtime: ${self:custom.runtimes.${sls:stage}, 'nodejs18.x'}\n  memorySize: ${param:memory, 512}\ncustom:\n  runtimes:\n    prod: nodejs22.x\nfunctions:\n  f:\n    handler: f.h\n    url: ${self:custom.urls.${sls:stage}, false}\n";
    let dev = load(DescriptorKind::Serverless, text);
    let f = dev.function("f").unwrap();
    assert_eq!(
        f.runtime.as_ref().unwrap().value,
        Val::Known("nodejs18.x".into())
    );
    assert_eq!(f.memory_mb.as_ref().unwrap().value, Val::Known(512));
    assert!(f.url.is_none());
    let prod = load_with(
        DescriptorKind::Serverless,
        text,
        LoadOptions {
            stage: Some("prod".into()),
            params: vec![("memory".into(), "1024".into())],
            ..LoadOptions::default()
        },
    );
    let f = prod.function("f").unwrap();
    assert_eq!(
        f.runtime.as_ref().unwrap().value,
        Val::Known("nodejs22.x".into())
    );
    assert_eq!(f.memory_mb.as_ref().unwrap().value, Val::Known(1024));
}

#[test]
fn sam_implicit_api_default_authorizer_and_overrides() {
    let p = load(
        DescriptorKind::Sam,
        "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Api:\n    Auth:\n      DefaultAuthorizer: Lambda\n      Authorizers:\n        Lambda:\n          FunctionArn: !GetAtt Authz.Arn\nResources:\n  Authz:\n    Type: AWS::Serverless::Function\n    Properties: {Runtime: python3.12, Handler: a.h}\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: f.h\n      Events:\n        A: {Type: Api, Properties: {Path: /a, Method: get}}\n        B: {Type: Api, Properties: {Path: /b, Method: get, Auth: {Authorizer: NONE}}}\n        C: {Type: Api, Properties: {Path: /c, Method: get, Auth: {Authorizer: AWS_IAM}}}\n",
    );
    assert_eq!(
        api_auth(&p, "F"),
        vec![
            ("GET /a".to_string(), Auth::Lambda),
            ("GET /b".to_string(), Auth::None),
            ("GET /c".to_string(), Auth::Iam)
        ]
    );
    let api = p.api("ServerlessRestApi").unwrap();
    assert!(api.implicit);
    assert_eq!(api.stages[0].name, Val::Known("Prod".into()));
    assert_eq!(p.function("F").unwrap().role.declared_id(), Some("FRole"));
    assert!(p.role("FRole").unwrap().generated);
}

#[test]
fn sam_policies_expand_templates_and_managed_names() {
    let p = load(
        DescriptorKind::Sam,
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  T:\n    Type: AWS::DynamoDB::Table\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: f.h\n      Policies:\n        - AmazonS3ReadOnlyAccess\n        - DynamoDBReadPolicy:\n            TableName: orders\n        - Statement:\n            - Effect: Allow\n              Action: sqs:SendMessage\n              Resource: '*'\n",
    );
    let role = p.role("FRole").unwrap();
    let managed: Vec<&str> = role
        .managed_policies
        .iter()
        .filter_map(|m| m.value.as_str())
        .collect();
    assert!(managed.contains(&"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"));
    assert!(managed
        .iter()
        .any(|m| m.ends_with("AWSLambdaBasicExecutionRole")));
    let statements: Vec<_> = role
        .inline_policies
        .iter()
        .flat_map(|d| &d.statements)
        .collect();
    assert!(statements.iter().any(|s| s
        .resources
        .iter()
        .any(|r| r.as_str() == Some("arn:aws:dynamodb:*:*:table/orders"))));
    assert!(statements.iter().any(|s| s
        .actions
        .iter()
        .any(|a| a.as_str() == Some("sqs:SendMessage"))));
}

#[test]
fn cloudformation_rest_paths_conditions_and_parameters() {
    let text = "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  Stage: {Type: String, Default: dev}\nConditions:\n  IsProd: !Equals [!Ref Stage, prod]\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: {Runtime: python3.12, Handler: a.h, Role: arn:aws:iam::1:role/r}\n  ProdOnly:\n    Type: AWS::Lambda::Function\n    Condition: IsProd\n    Properties: {Runtime: python3.12, Handler: a.h, Role: arn:aws:iam::1:role/r}\n  Api:\n    Type: AWS::ApiGateway::RestApi\n  V1:\n    Type: AWS::ApiGateway::Resource\n    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: v1}\n  Items:\n    Type: AWS::ApiGateway::Resource\n    Properties: {RestApiId: !Ref Api, ParentId: !Ref V1, PathPart: items}\n  Get:\n    Type: AWS::ApiGateway::Method\n    Properties:\n      RestApiId: !Ref Api\n      ResourceId: !Ref Items\n      HttpMethod: GET\n      AuthorizationType: !If [IsProd, AWS_IAM, NONE]\n      Integration:\n        Type: AWS_PROXY\n        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations\n";
    let dev = load(DescriptorKind::CloudFormation, text);
    assert_eq!(
        dev.functions.len(),
        1,
        "ProdOnly's condition is false in dev"
    );
    assert_eq!(
        api_auth(&dev, "Fn"),
        vec![("GET /v1/items".to_string(), Auth::None)]
    );
    let prod = load_with(
        DescriptorKind::CloudFormation,
        text,
        LoadOptions {
            params: vec![("Stage".into(), "prod".into())],
            ..LoadOptions::default()
        },
    );
    assert_eq!(prod.functions.len(), 2);
    assert_eq!(
        api_auth(&prod, "Fn"),
        vec![("GET /v1/items".to_string(), Auth::Iam)]
    );
    let unknown = text.replace("Default: dev", "Description: no default");
    let u = load(DescriptorKind::CloudFormation, &unknown);
    assert_eq!(
        u.functions.len(),
        2,
        "an unknown condition keeps the resource"
    );
    assert!(matches!(api_auth(&u, "Fn")[0].1, Auth::Unknown(_)));
}

#[test]
fn openapi_body_routes_take_their_security() {
    let p = load(
        DescriptorKind::Sam,
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {Runtime: python3.12, Handler: f.h}\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: v1\n      DefinitionBody:\n        openapi: 3.0.1\n        components:\n          securitySchemes:\n            pool:\n              type: apiKey\n              name: Authorization\n              in: header\n              x-amazon-apigateway-authtype: cognito_user_pools\n        paths:\n          /secure:\n            get:\n              security: [{pool: []}]\n              x-amazon-apigateway-integration:\n                type: aws_proxy\n                httpMethod: POST\n                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${F.Arn}/invocations\n          /open:\n            get:\n              x-amazon-apigateway-integration:\n                type: aws_proxy\n                httpMethod: POST\n                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${F.Arn}/invocations\n",
    );
    assert_eq!(
        api_auth(&p, "F"),
        vec![
            ("GET /secure".to_string(), Auth::Cognito),
            ("GET /open".to_string(), Auth::None)
        ]
    );
}

#[test]
fn non_aws_providers_are_skipped_with_a_warning() {
    let l = load_str(
        DescriptorKind::Serverless,
        "serverless.yml",
        "service: s\nprovider:\n  name: google\nfunctions:\n  f:\n    handler: f\n",
        &LoadOptions::default(),
    );
    assert!(l.project.is_none());
    assert!(l.diagnostics[0].message.contains("google"));
}

#[test]
fn terraform_layers_and_their_permissions() {
    let p = load(
        DescriptorKind::Terraform,
        "resource \"aws_lambda_layer_version\" \"shared\" {\n  layer_name = \"shared\"\n  filename   = \"layer.zip\"\n}\n\nresource \"aws_lambda_layer_version_permission\" \"public\" {\n  layer_name     = aws_lambda_layer_version.shared.layer_arn\n  version_number = 1\n  statement_id   = \"public\"\n  action         = \"lambda:GetLayerVersion\"\n  principal      = \"*\"\n}\n",
    );
    let layer = p
        .resource("aws_lambda_layer_version.shared")
        .expect("layer");
    assert_eq!(layer.kind, fnguard_model::ResourceKind::Layer);
    let st = &layer.policies[0].statements[0];
    assert!(st.principals.as_ref().unwrap().is_anyone());
    assert_eq!(st.location.line, 6);
}

#[test]
fn terraform_heredoc_policies_keep_their_known_parts() {
    let p = load(
        DescriptorKind::Terraform,
        r#"resource "aws_sqs_queue" "jobs" {}

resource "aws_iam_role" "r" {
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.r.id
  policy = <<EOF
{
  "Statement": [
    { "Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "${aws_sqs_queue.jobs.arn}" },
    { "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "arn:aws:logs:*:${data.aws_caller_identity.me.account_id}:*" }
  ]
}
EOF
}
"#,
    );
    let role = p.role("aws_iam_role.r").expect("role");
    let statements: Vec<_> = role
        .inline_policies
        .iter()
        .flat_map(|d| &d.statements)
        .collect();
    assert_eq!(statements.len(), 2, "{statements:#?}");
    assert_eq!(statements[0].actions[0].as_str(), Some("sqs:SendMessage"));
    // The queue's ARN stays a reference to the queue; the account part stays unknown.
    assert!(
        matches!(&statements[0].resources[0], Val::Unknown(u) if u.reason.contains("aws_sqs_queue.jobs")),
        "{:?}",
        statements[0].resources
    );
    assert!(statements[1].resources[0].known().is_none());
}

#[test]
fn state_machines_know_the_functions_their_tasks_invoke() {
    let tf = load(
        DescriptorKind::Terraform,
        r#"resource "aws_iam_role" "r" {
  name = "r"
  assume_role_policy = jsonencode({Version="2012-10-17", Statement=[{Effect="Allow", Principal={Service="lambda.amazonaws.com"}, Action="sts:AssumeRole"}]})
}
resource "aws_lambda_function" "step" {
  function_name = "step"
  handler = "index.handler"
  runtime = "python3.12"
  role = aws_iam_role.r.arn
  filename = "x.zip"
}
resource "aws_lambda_function" "other" {
  function_name = "other"
  handler = "index.handler"
  runtime = "python3.12"
  role = aws_iam_role.r.arn
  filename = "x.zip"
}
resource "aws_sfn_state_machine" "m" {
  name = "m"
  role_arn = aws_iam_role.r.arn
  definition = jsonencode({
    StartAt = "A"
    States = {
      A = { Type = "Task", Resource = "arn:aws:states:::lambda:invoke", Parameters = { FunctionName = aws_lambda_function.step.arn }, Next = "B" }
      B = { Type = "Task", Resource = "arn:aws:lambda:us-east-1:123456789012:function:other", End = true }
    }
  })
}
"#,
    );
    let m = tf
        .resource("aws_sfn_state_machine.m")
        .expect("state machine");
    assert_eq!(m.kind, fnguard_model::ResourceKind::StateMachine);
    // One task by reference inside jsonencode, one by a written-out ARN (matched by name).
    assert_eq!(
        m.invokes,
        ["aws_lambda_function.other", "aws_lambda_function.step"]
    );

    let cfn = load(
        DescriptorKind::CloudFormation,
        r#"Transform: AWS::Serverless-2016-10-31
Resources:
  Step:
    Type: AWS::Serverless::Function
    Properties: { Runtime: python3.12, Handler: app.handler, CodeUri: src/ }
  Unused:
    Type: AWS::Serverless::Function
    Properties: { Runtime: python3.12, Handler: app.handler, CodeUri: src/ }
  FromFile:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: statemachine/flow.asl.json
      DefinitionSubstitutions:
        StepArn: !GetAtt Step.Arn
  Raw:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      DefinitionString: !Sub '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Step.Arn}","End":true}}}'
"#,
    );
    for id in ["FromFile", "Raw"] {
        assert_eq!(cfn.resource(id).expect(id).invokes, ["Step"], "{id}");
    }
}

#[test]
fn serverless_stream_types_come_from_what_the_arn_says() {
    let p = load(
        DescriptorKind::Serverless,
        r#"service: s
provider:
  name: aws
  runtime: python3.12
functions:
  fromSsm:
    handler: h.a
    events:
      - stream: ${ssm:/streams/orders}
  fromTable:
    handler: h.b
    events:
      - stream:
          arn: !GetAtt Orders.StreamArn
  fromKinesis:
    handler: h.c
    events:
      - stream: arn:aws:kinesis:eu-west-1:123456789012:stream/clicks
resources:
  Resources:
    Orders:
      Type: AWS::DynamoDB::Table
"#,
    );
    let service = |f: &str| match &p.function(f).unwrap().triggers[0].kind {
        TriggerKind::Stream { service, .. } => service.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(service("fromSsm"), "unknown");
    assert_eq!(service("fromTable"), "dynamodb");
    assert_eq!(service("fromKinesis"), "kinesis");
}

#[test]
fn openapi_authorization_wins_and_routes_are_not_doubled() {
    let p = load(
        DescriptorKind::Sam,
        r#"Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        openapi: 3.0.1
        components:
          securitySchemes:
            pool:
              type: apiKey
              name: Authorization
              in: header
              x-amazon-apigateway-authtype: cognito_user_pools
        paths:
          /orders:
            get:
              security: [{pool: []}]
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
          /admin:
            post:
              x-amazon-apigateway-auth:
                type: AWS_IAM
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: x
      Events:
        Orders:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /orders
            Method: get
        Admin:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /admin
            Method: post
"#,
    );
    let routes = api_auth(&p, "Fn");
    assert_eq!(
        routes,
        vec![
            ("GET /orders".to_string(), Auth::Cognito),
            ("POST /admin".to_string(), Auth::Iam),
        ]
    );
}

//! CDK applications read from their source: what the constructs and their methods become.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use fnguard_ingest::{discover, load, DescriptorKind, LoadOptions};
use fnguard_model::{Project, RoleRef, TriggerKind};
use std::path::Path;

fn scan(files: &[(&str, &str)]) -> Project {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let (candidates, _) = discover(dir.path(), &[]);
    let cdk = candidates
        .iter()
        .find(|c| c.kind == DescriptorKind::CdkSource)
        .expect("a CDK application");
    let loaded = load(dir.path(), cdk, &LoadOptions::default());
    loaded.project.expect("project")
}

fn actions(p: &Project, function: &str) -> Vec<String> {
    let f = p.function(function).unwrap();
    let RoleRef::Declared { id, .. } = &f.role else {
        panic!("{:?}", f.role)
    };
    let role = p.role(id).unwrap();
    let mut out: Vec<String> = role
        .inline_policies
        .iter()
        .flat_map(|d| d.statements.iter())
        .flat_map(|s| s.actions.iter())
        .filter_map(|a| a.known().cloned())
        .collect();
    out.extend(
        role.managed_policies
            .iter()
            .filter_map(|m| m.value.known().cloned()),
    );
    out.sort();
    out.dedup();
    out
}

fn triggers(p: &Project, function: &str) -> Vec<String> {
    p.function(function)
        .unwrap()
        .triggers
        .iter()
        .map(|t| match &t.kind {
            TriggerKind::Sqs { queue, .. } => {
                format!("sqs {}", queue.known().cloned().unwrap_or_default())
            }
            TriggerKind::Stream {
                source, service, ..
            } => {
                format!("{service} {}", source.known().cloned().unwrap_or_default())
            }
            TriggerKind::Schedule { expression } => {
                format!(
                    "schedule {}",
                    expression.known().cloned().unwrap_or_default()
                )
            }
            TriggerKind::EventBridge { .. } => "eventbridge".to_string(),
            other => format!("{other:?}"),
        })
        .collect()
}

const PY_CDK_JSON: &str = r#"{"app": "python3 app.py"}"#;

#[test]
fn python_keyword_arguments_splats_imports_and_role_methods() {
    let p = scan(&[
        ("cdk.json", PY_CDK_JSON),
        (
            "lambda/worker.py",
            "def handler(event, context):\n    return None\n",
        ),
        (
            "app.py",
            r#"
import aws_cdk as cdk
from aws_cdk import Duration, Stack, aws_events as events, aws_events_targets as targets
from aws_cdk import aws_iam as iam, aws_kinesis as kinesis, aws_lambda as _lambda
from aws_cdk import aws_lambda_event_sources as sources, aws_sqs as sqs

COMMON = {"runtime": _lambda.Runtime.PYTHON_3_12, "code": _lambda.Code.from_asset("lambda")}

class Jobs(Stack):
    def __init__(self, scope, construct_id, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        queue = sqs.Queue(self, id="Jobs")
        worker = _lambda.Function(scope=self, id="Worker", handler="worker.handler", tracing=_lambda.Tracing.ACTIVE, vpc=kwargs.get("vpc"), **COMMON)
        worker.add_event_source(sources.SqsEventSource(queue=queue, batch_size=5))
        clicks = kinesis.Stream.from_stream_arn(self, "Clicks", "arn:aws:kinesis:us-east-1:123456789012:stream/clicks")
        worker.add_event_source(sources.KinesisEventSource(clicks, starting_position=_lambda.StartingPosition.LATEST))
        events.Rule(self, "Every", schedule=events.Schedule.rate(Duration.minutes(1)), targets=[targets.LambdaFunction(handler=worker)])
        events.Rule(self, "Nightly", schedule=events.Schedule.cron(minute="0", hour="18", week_day="MON-FRI"), targets=[targets.LambdaFunction(worker)])
        worker.role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name("AmazonS3ReadOnlyAccess"))
        named = f"{construct_id}-audit"
        audit = _lambda.Function(self, named, handler="worker.handler", **COMMON)
        iam.Policy(self, "Audit", roles=[audit.role], statements=[iam.PolicyStatement(actions=["logs:FilterLogEvents"], resources=["*"])])
        _lambda.Function(self, make_name(), handler="worker.handler", **COMMON)

app = cdk.App()
Jobs(app, "Jobs")
app.synth()
"#,
        ),
    ]);
    let mut ids: Vec<&str> = p.functions.iter().map(|f| f.id.as_str()).collect();
    ids.sort();
    // The f-string id uses the stack's id, passed where the stack is instantiated; an id
    // fnguard cannot compute gets a stand-in.
    assert_eq!(ids, vec!["Function23", "Jobsaudit", "Worker"]);
    let w = p.function("Worker").unwrap();
    assert_eq!(
        w.runtime
            .as_ref()
            .and_then(|r| r.value.known())
            .map(String::as_str),
        Some("python3.12")
    );
    assert!(w.code_path.is_some(), "{:?}", w.code_missing);
    assert_eq!(
        triggers(&p, "Worker"),
        vec![
            "sqs Jobs".to_string(),
            "kinesis arn:aws:kinesis:us-east-1:123456789012:stream/clicks".to_string(),
            "schedule rate(1 minute)".to_string(),
            "schedule cron(0 18 ? * MON-FRI *)".to_string(),
        ]
    );
    let granted = actions(&p, "Worker");
    for expected in [
        // the queue's event source grants consumption, the stream's reading
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "kinesis:GetRecords",
        // active tracing, the VPC and the role method
        "xray:PutTraceSegments",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    ] {
        assert!(
            granted.iter().any(|a| a == expected),
            "{expected} not in {granted:?}"
        );
    }
    assert!(actions(&p, "Jobsaudit").contains(&"logs:FilterLogEvents".to_string()));
}

#[test]
fn typescript_spreads_default_entries_and_latest_runtime() {
    let p = scan(&[
        ("cdk.json", r#"{"app": "npx ts-node bin/app.ts"}"#),
        (
            "lib/api-stack.Handler.ts",
            "export const handler = async () => ({});\n",
        ),
        (
            "lib/api-stack.ts",
            r#"
import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as iam from 'aws-cdk-lib/aws-iam';

const shared = { memorySize: 512, environment: { STAGE: 'prod' } };

export class ApiStack extends Stack {
  constructor(scope: any, id: string) {
    super(scope, id);
    const handler = new NodejsFunction(this, 'Handler', { ...shared, memorySize: 1024 });
    handler.role?.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess'));
    const latest = new lambda.Function(this, `${id}Latest`, {
      runtime: lambda.Runtime.NODEJS_LATEST,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
  }
}
"#,
        ),
    ]);
    let h = p.function("Handler").unwrap();
    assert_eq!(
        h.runtime
            .as_ref()
            .and_then(|r| r.value.known())
            .map(String::as_str),
        Some("nodejs24.x")
    );
    // The default entry `<file>.<id>.ts` beside the stack file.
    assert_eq!(h.code_path.as_deref(), Some("lib"));
    assert_eq!(
        h.handler
            .as_ref()
            .and_then(|x| x.value.known())
            .map(String::as_str),
        Some("api-stack.Handler.handler")
    );
    assert_eq!(
        h.memory_mb.as_ref().and_then(|m| m.value.known()),
        Some(&1024)
    );
    assert!(h.environment.iter().any(|e| e.name == "STAGE"));
    assert!(actions(&p, "Handler").contains(&"arn:aws:iam::aws:policy/ReadOnlyAccess".to_string()));
    let latest = p
        .functions
        .iter()
        .find(|f| f.id.starts_with("Function"))
        .expect("the function with a built id");
    assert_eq!(
        latest
            .runtime
            .as_ref()
            .and_then(|r| r.value.known())
            .map(String::as_str),
        Some("nodejs24.x")
    );
}

#[test]
fn stage_assemblies_are_read_from_cdk_out() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("cdk.out/assembly-Prod");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(dir.path().join("cdk.json"), PY_CDK_JSON).unwrap();
    std::fs::write(
        nested.join("ProdApi.template.json"),
        r#"{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12", "Handler": "a.h", "Code": {"ZipFile": "x"}}}}}"#,
    )
    .unwrap();
    let (candidates, _) = discover(dir.path(), &[]);
    let kinds: Vec<(String, DescriptorKind)> = candidates
        .iter()
        .map(|c| {
            (
                c.path
                    .strip_prefix(dir.path())
                    .unwrap_or(Path::new(""))
                    .to_string_lossy()
                    .to_string(),
                c.kind,
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![(
            "cdk.out/assembly-Prod/ProdApi.template.json".to_string(),
            DescriptorKind::Cdk
        )]
    );
}

#[test]
fn l1_constructs_and_built_strings_wire_websocket_routes() {
    let p = scan(&[
        ("cdk.json", r#"{"app": "npx ts-node bin/app.ts"}"#),
        (
            "lambda/connect.js",
            "exports.handler = async () => ({ statusCode: 200 });\n",
        ),
        (
            "lib/chat-stack.ts",
            r#"
import { Stack } from "aws-cdk-lib";
import { CfnApi, CfnIntegration, CfnRoute } from "aws-cdk-lib/aws-apigatewayv2";
import * as lambda from "aws-cdk-lib/aws-lambda";

export class ChatStack extends Stack {
  constructor(scope: any, id: string) {
    super(scope, id);
    const api = new CfnApi(this, "chat-api", { name: "Chat", protocolType: "WEBSOCKET", routeSelectionExpression: "$request.body.action" });
    const connect = new lambda.Function(this, "connect", {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: "connect.handler",
      code: lambda.Code.fromAsset(`${__dirname}/../lambda`),
    });
    const integration = new CfnIntegration(this, "connect-integration", {
      apiId: api.ref,
      integrationType: "AWS_PROXY",
      integrationUri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + connect.functionArn + "/invocations",
    });
    new CfnRoute(this, "connect-route", {
      apiId: api.ref,
      routeKey: "$connect",
      authorizationType: "NONE",
      target: `integrations/${integration.ref}`,
    });
  }
}
"#,
        ),
    ]);
    let f = p.function("connect").unwrap();
    assert_eq!(f.code_path.as_deref(), Some("lambda"));
    let routes: Vec<String> = f
        .triggers
        .iter()
        .filter_map(|t| match &t.kind {
            TriggerKind::Api {
                api, path, auth, ..
            } => Some(format!("{api} {path} {auth:?}")),
            _ => None,
        })
        .collect();
    assert_eq!(routes, vec!["chatapi $connect None".to_string()]);
}

#[test]
fn stacks_and_constructs_are_read_per_instance_with_their_props() {
    let p = scan(&[
        (
            "cdk.json",
            r#"{"app": "npx ts-node --prefer-ts-exts bin/app.ts", "context": {"stage": "prod"}}"#,
        ),
        (
            "bin/app.ts",
            r#"
import * as cdk from "aws-cdk-lib";
import { OrdersStack } from "../lib/orders-stack";
const app = new cdk.App();
new OrdersStack(app, "Orders", { prefix: "orders", memory: 512 });
"#,
        ),
        (
            "lib/orders-stack.ts",
            r#"
import { Stack } from "aws-cdk-lib";
import { Workers } from "./workers";
import * as sns from "aws-cdk-lib/aws-sns";

export class OrdersStack extends Stack {
  constructor(scope: any, id: string, props: any) {
    super(scope, id, props);
    const stage = this.node.tryGetContext("stage");
    const first = new Workers(this, "First", { queueName: `${props.prefix}-${stage}-first`, memory: props.memory });
    new Workers(this, "Second", { queueName: props.prefix + "-second", memory: 256 });
    const alerts = new sns.Topic(this, "Alerts");
    alerts.grantPublish(first.handler);
  }
}
"#,
        ),
        (
            "lib/workers.ts",
            r#"
import { Construct } from "constructs";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";

export class Workers extends Construct {
  public readonly handler: lambda.Function;
  constructor(scope: Construct, id: string, private readonly props: { queueName: string; memory: number }) {
    super(scope, id);
    const queue = new sqs.Queue(this, "Queue", { queueName: props.queueName });
    this.handler = new lambda.Function(this, "Handler", {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: "index.handler",
      code: lambda.Code.fromInline("exports.handler = async () => {}"),
      memorySize: this.props.memory,
    });
    this.handler.addEventSource(new SqsEventSource(queue));
  }
}
"#,
        ),
    ]);
    let mut ids: Vec<&str> = p.functions.iter().map(|f| f.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, vec!["FirstHandler", "SecondHandler"]);
    let first = p.function("FirstHandler").unwrap();
    assert_eq!(
        first.construct_path.as_deref(),
        Some("Orders/First/Handler/Resource")
    );
    assert_eq!(
        first.memory_mb.as_ref().and_then(|m| m.value.known()),
        Some(&512)
    );
    assert_eq!(
        p.function("SecondHandler")
            .unwrap()
            .memory_mb
            .as_ref()
            .and_then(|m| m.value.known()),
        Some(&256)
    );
    assert_eq!(
        triggers(&p, "FirstHandler"),
        vec!["sqs FirstQueue".to_string()]
    );
    assert_eq!(
        triggers(&p, "SecondHandler"),
        vec!["sqs SecondQueue".to_string()]
    );
    let names: Vec<String> = p
        .resources
        .iter()
        .filter_map(|s| s.name.as_ref().and_then(|n| n.known().cloned()))
        .collect();
    assert!(
        names.contains(&"orders-prod-first".to_string()),
        "{names:?}"
    );
    assert!(names.contains(&"orders-second".to_string()), "{names:?}");
    // A grant to a construct's field, from the stack.
    assert!(actions(&p, "FirstHandler").contains(&"sns:Publish".to_string()));
    assert!(!actions(&p, "SecondHandler").contains(&"sns:Publish".to_string()));
}

#[test]
fn module_names_decide_what_a_function_is() {
    let p = scan(&[
        ("cdk.json", r#"{"app": "npx ts-node bin/app.ts"}"#),
        ("src/hello.js", "exports.handler = async () => ({});\n"),
        (
            "lib/edge-stack.ts",
            r#"
import { Stack, aws_lambda as lambda } from "aws-cdk-lib";
import { Function, FunctionCode, FunctionRuntime } from "aws-cdk-lib/aws-cloudfront";
import * as sqs from "aws-cdk-lib/aws-sqs";

export class EdgeStack extends Stack {
  constructor(scope: any, id: string) {
    super(scope, id);
    new Function(this, "Rewrite", { code: FunctionCode.fromFile({ filePath: "rewrite.js" }), runtime: FunctionRuntime.JS_2_0 });
    const hello = new lambda.Function(this, "Hello", {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: "hello.handler",
      code: new lambda.AssetCode("src"),
    });
    const jobs = new sqs.Queue(this, "Jobs");
    jobs.grant(hello, "sqs:SendMessage", "sqs:GetQueueUrl");
  }
}
"#,
        ),
    ]);
    let ids: Vec<&str> = p.functions.iter().map(|f| f.id.as_str()).collect();
    // The CloudFront function is no Lambda function.
    assert_eq!(ids, vec!["Hello"]);
    assert_eq!(
        p.function("Hello").unwrap().code_path.as_deref(),
        Some("src")
    );
    let granted = actions(&p, "Hello");
    assert!(
        granted.contains(&"sqs:SendMessage".to_string()),
        "{granted:?}"
    );
    assert!(
        granted.contains(&"sqs:GetQueueUrl".to_string()),
        "{granted:?}"
    );
}

#[test]
fn a_stack_instantiated_in_the_file_that_declares_it_is_read_once() {
    let p = scan(&[
        ("cdk.json", PY_CDK_JSON),
        (
            "src/fn.py",
            "def handler(event, context):\n    return None\n",
        ),
        (
            "app.py",
            r#"
import aws_cdk as cdk
from aws_cdk import Stack, aws_lambda as _lambda

class OneStack(Stack):
    def __init__(self, scope, construct_id, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        _lambda.Function(self, "Fn", runtime=_lambda.Runtime.PYTHON_3_12, handler="fn.handler", code=_lambda.Code.from_asset("src"))

app = cdk.App()
stack = OneStack(app, "One")
app.synth()
"#,
        ),
    ]);
    let ids: Vec<&str> = p.functions.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, vec!["Fn"]);
}

#[test]
fn layers_and_asynchronous_invocation_settings() {
    let p = scan(&[
        ("cdk.json", r#"{"app": "npx ts-node bin/app.ts"}"#),
        ("lambda/index.js", "exports.handler = async () => ({});\n"),
        (
            "lib/async-stack.ts",
            r#"
import { Duration, Stack } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";

export class AsyncStack extends Stack {
  constructor(scope: any, id: string) {
    super(scope, id);
    const failures = new sqs.Queue(this, "Failures");
    const shared = lambda.LayerVersion.fromLayerVersionArn(this, "Shared", "arn:aws:lambda:eu-west-1:999999999999:layer:shared:3");
    const own = new lambda.LayerVersion(this, "Own", { code: lambda.Code.fromAsset("layer") });
    new lambda.Function(this, "Worker", {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: "index.handler",
      code: lambda.Code.fromAsset("lambda"),
      layers: [shared, own],
      onFailure: new SqsDestination(failures),
      retryAttempts: 0,
      maxEventAge: Duration.hours(1),
    });
  }
}
"#,
        ),
    ]);
    let f = p.function("Worker").unwrap();
    let layers: Vec<String> = f
        .layers
        .iter()
        .map(|l| l.value.known().cloned().unwrap_or_else(|| "?".into()))
        .collect();
    assert_eq!(
        layers[0],
        "arn:aws:lambda:eu-west-1:999999999999:layer:shared:3"
    );
    assert_eq!(layers.len(), 2);
    assert!(f.on_failure_destination.is_some());
    assert_eq!(
        f.async_max_retries.as_ref().and_then(|r| r.value.known()),
        Some(&0)
    );
    assert_eq!(
        f.async_max_event_age_s
            .as_ref()
            .and_then(|r| r.value.known()),
        Some(&3600)
    );
}

#[test]
fn websocket_apis_and_state_machine_tasks() {
    let p = scan(&[
        ("cdk.json", r#"{"app": "npx ts-node bin/app.ts"}"#),
        ("lambda/index.js", "exports.handler = async () => ({});\n"),
        (
            "lib/chat-stack.ts",
            r#"
import { Stack } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import { WebSocketLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";

export class ChatStack extends Stack {
  constructor(scope: any, id: string) {
    super(scope, id);
    const common = { runtime: lambda.Runtime.NODEJS_22_X, handler: "index.handler", code: lambda.Code.fromAsset("lambda") };
    const connect = new lambda.Function(this, "Connect", common);
    const message = new lambda.Function(this, "Message", common);
    const ws = new apigwv2.WebSocketApi(this, "Chat", {
      connectRouteOptions: { integration: new WebSocketLambdaIntegration("ConnectIntegration", connect) },
    });
    ws.addRoute("sendmessage", { integration: new WebSocketLambdaIntegration("MessageIntegration", message) });
    const submit = new tasks.LambdaInvoke(this, "Submit", { lambdaFunction: connect });
    const check = new tasks.LambdaInvoke(this, "Check", { lambdaFunction: message });
    const chain = submit.next(new sfn.Wait(this, "Wait", { time: sfn.WaitTime.duration(cdk.Duration.seconds(5)) })).next(check);
    new sfn.StateMachine(this, "Jobs", { definitionBody: sfn.DefinitionBody.fromChainable(chain) });
  }
}
"#,
        ),
    ]);
    let route = |f: &str| -> Vec<String> {
        p.function(f)
            .unwrap()
            .triggers
            .iter()
            .filter_map(|t| match &t.kind {
                TriggerKind::Api { path, auth, .. } => Some(format!("{path} {auth:?}")),
                _ => None,
            })
            .collect()
    };
    assert_eq!(route("Connect"), vec!["$connect None".to_string()]);
    assert_eq!(route("Message"), vec!["sendmessage None".to_string()]);
    let machine = p
        .resources
        .iter()
        .find(|r| r.id == "Jobs")
        .expect("the state machine");
    let mut invokes = machine.invokes.clone();
    invokes.sort();
    assert_eq!(invokes, vec!["Connect".to_string(), "Message".to_string()]);
}

#[test]
fn defaults_and_existing_resources_as_cdk_deploys_them() {
    let p = scan(&[
        ("cdk.json", PY_CDK_JSON),
        (
            "lambda/fn.py",
            "def handler(event, context):\n    return None\n",
        ),
        ("ingest/main.go", "package main\n\nfunc main() {}\n"),
        (
            "app.py",
            r#"
import aws_cdk as cdk
from aws_cdk import Stack, aws_iam as iam, aws_kinesis as kinesis, aws_lambda as _lambda
from aws_cdk.aws_lambda_go_alpha import GoFunction

class Streams(Stack):
    def __init__(self, scope, construct_id, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        kinesis.Stream(self, "Clicks")
        kinesis.Stream(self, "Plain", encryption=kinesis.StreamEncryption.UNENCRYPTED)
        reader = _lambda.Function(self, "Reader", runtime=_lambda.Runtime.PYTHON_3_12, handler="fn.handler", code=_lambda.Code.from_asset("lambda"))
        reader.role.add_managed_policy(iam.ManagedPolicy.from_managed_policy_arn(self, "RO", "arn:aws:iam::aws:policy/ReadOnlyAccess"))
        shared = iam.Role.from_role_arn(self, "Shared", "arn:aws:iam::123456789012:role/shared-lambda")
        _lambda.Function(self, "Legacy", runtime=_lambda.Runtime.PYTHON_3_12, handler="fn.handler", code=_lambda.Code.from_asset("lambda"), role=shared)
        GoFunction(self, "Ingest", entry="ingest")

app = cdk.App()
Streams(app, "Streams")
app.synth()
"#,
        ),
    ]);
    let encrypted = |id: &str| {
        p.resources
            .iter()
            .find(|r| r.id == id)
            .and_then(|r| r.encrypted.as_ref())
            .and_then(|e| e.value.known().copied())
    };
    // CDK encrypts streams with the AWS managed key by default.
    assert_eq!(encrypted("Clicks"), Some(true));
    assert_ne!(encrypted("Plain"), Some(true));
    assert!(actions(&p, "Reader").contains(&"arn:aws:iam::aws:policy/ReadOnlyAccess".to_string()));
    assert!(matches!(
        p.function("Legacy").unwrap().role,
        RoleRef::External { .. }
    ));
    let go = p.function("Ingest").unwrap();
    assert_eq!(go.code_path.as_deref(), Some("ingest"));
    assert_eq!(
        go.handler
            .as_ref()
            .and_then(|h| h.value.known())
            .map(String::as_str),
        Some("bootstrap")
    );
}

#[test]
fn a_pipeline_lambda_action_lets_the_function_report_its_job() {
    let p = scan(&[
        ("cdk.json", r#"{"app": "npx ts-node bin/app.ts"}"#),
        ("lambda/index.js", "exports.handler = async () => ({});\n"),
        (
            "lib/pipeline-stack.ts",
            r#"
import { Stack } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as actions from "aws-cdk-lib/aws-codepipeline-actions";

export class PipelineStack extends Stack {
  constructor(scope: any, id: string) {
    super(scope, id);
    const deploy = new lambda.Function(this, "Deploy", { runtime: lambda.Runtime.NODEJS_22_X, handler: "index.handler", code: lambda.Code.fromAsset("lambda") });
    const stages = [{ stageName: "Deploy", actions: [new actions.LambdaInvokeAction({ actionName: "Run", lambda: deploy })] }];
  }
}
"#,
        ),
    ]);
    let granted = actions(&p, "Deploy");
    assert!(
        granted.contains(&"codepipeline:PutJobSuccessResult".to_string()),
        "{granted:?}"
    );
}

#[test]
fn policies_from_json_documents_attached_to_roles() {
    let p = scan(&[
        ("cdk.json", PY_CDK_JSON),
        (
            "lambda/fn.py",
            "def handler(event, context):\n    return None\n",
        ),
        (
            "app.py",
            r#"
import aws_cdk as cdk
from aws_cdk import Stack, aws_iam as iam, aws_lambda as _lambda

class Sms(Stack):
    def __init__(self, scope, construct_id, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        role = iam.Role(self, "SenderRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        _lambda.Function(self, "Sender", runtime=_lambda.Runtime.PYTHON_3_12, handler="fn.handler", code=_lambda.Code.from_asset("lambda"), role=role)
        policy = iam.ManagedPolicy(self, "Publish", document=iam.PolicyDocument.from_json({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["sns:Publish"], "Resource": "*"}],
        }))
        policy.attach_to_role(role)

app = cdk.App()
Sms(app, "Sms")
app.synth()
"#,
        ),
    ]);
    assert!(actions(&p, "Sender").contains(&"sns:Publish".to_string()));
}

#[test]
fn compiled_javascript_beside_typescript_is_not_the_source() {
    let stack = r#"
import { Stack } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
export class S extends Stack {
  constructor(scope: any, id: string) {
    super(scope, id);
    new lambda.Function(this, "Fn", { runtime: lambda.Runtime.NODEJS_22_X, handler: "index.handler", code: lambda.Code.fromInline("x") });
  }
}
"#;
    let p = scan(&[
        ("cdk.json", r#"{"app": "npx ts-node bin/app.ts"}"#),
        ("lib/s.ts", stack),
        // What `tsc` leaves beside it.
        ("lib/s.js", "\"use strict\";\n\n\nconst lambda = require(\"aws-cdk-lib/aws-lambda\");\nclass S extends Stack { constructor(scope, id) { super(scope, id); new lambda.Function(this, \"Fn\", { runtime: lambda.Runtime.NODEJS_22_X, handler: \"index.handler\", code: lambda.Code.fromInline(\"x\") }); } }\n"),
    ]);
    assert_eq!(p.functions.len(), 1);
    assert_eq!(p.functions[0].location.file, "lib/s.ts");
}

#[test]
fn loops_over_known_lists_run_once_per_item() {
    let ts = scan(&[
        ("cdk.json", r#"{"app": "npx ts-node bin/app.ts"}"#),
        ("lambda/index.js", "exports.handler = async () => ({});\n"),
        (
            "lib/loop-stack.ts",
            r#"
import { Stack } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as sqs from "aws-cdk-lib/aws-sqs";

const NAMES = ["orders", "refunds"];

export class LoopStack extends Stack {
  constructor(scope: any, id: string) {
    super(scope, id);
    const queue = new sqs.Queue(this, "Jobs");
    const workers: lambda.Function[] = [];
    NAMES.forEach((name) => {
      const fn = new lambda.Function(this, `${name}Worker`, { runtime: lambda.Runtime.NODEJS_22_X, handler: "index.handler", code: lambda.Code.fromAsset("lambda") });
      queue.grantSendMessages(fn);
    });
  }
}
"#,
        ),
    ]);
    let mut ids: Vec<&str> = ts.functions.iter().map(|f| f.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, vec!["ordersWorker", "refundsWorker"]);
    assert!(actions(&ts, "refundsWorker").contains(&"sqs:SendMessage".to_string()));

    let py = scan(&[
        ("cdk.json", PY_CDK_JSON),
        (
            "lambda/fn.py",
            "def handler(event, context):\n    return None\n",
        ),
        (
            "app.py",
            r#"
import aws_cdk as cdk
from aws_cdk import Stack, aws_lambda as _lambda

class Loops(Stack):
    def __init__(self, scope, construct_id, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        for stage in ["dev", "prod"]:
            _lambda.Function(self, f"{stage}Fn", runtime=_lambda.Runtime.PYTHON_3_12, handler="fn.handler", code=_lambda.Code.from_asset("lambda"))

app = cdk.App()
Loops(app, "Loops")
app.synth()
"#,
        ),
    ]);
    let mut ids: Vec<&str> = py.functions.iter().map(|f| f.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, vec!["devFn", "prodFn"]);
}

#[test]
fn usage_plans_added_to_a_rest_api_throttle_it() {
    let p = scan(&[
        ("cdk.json", PY_CDK_JSON),
        (
            "lambda/fn.py",
            "def handler(event, context):\n    return None\n",
        ),
        (
            "app.py",
            r#"
import aws_cdk as cdk
from aws_cdk import Stack, aws_apigateway as apigw, aws_lambda as _lambda

class Api(Stack):
    def __init__(self, scope, construct_id, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        fn = _lambda.Function(self, "Fn", runtime=_lambda.Runtime.PYTHON_3_12, handler="fn.handler", code=_lambda.Code.from_asset("lambda"))
        api = apigw.LambdaRestApi(self, "Rest", handler=fn)
        plan = api.add_usage_plan("Plan", name="plan", throttle=apigw.ThrottleSettings(rate_limit=10, burst_limit=2))
        plan.add_api_stage(stage=api.deployment_stage)

app = cdk.App()
Api(app, "Api")
app.synth()
"#,
        ),
    ]);
    let api = p
        .apis
        .iter()
        .find(|a| a.id == "Rest")
        .expect("the REST API");
    let rate = api
        .usage_plan_throttle
        .as_ref()
        .and_then(|t| t.rate.as_ref())
        .and_then(|r| r.known().copied());
    assert_eq!(rate, Some(10.0));
}

#[test]
fn nested_loops_cannot_multiply_the_work() {
    // Ten nested loops over 32 items would be 32^10 passes; the budget reads each body once
    // past 512 passes.
    let mut body = String::from("_lambda.Function(self, f\"{a0}\", runtime=_lambda.Runtime.PYTHON_3_12, handler=\"fn.handler\", code=_lambda.Code.from_asset(\"lambda\"))");
    for depth in (0..10).rev() {
        let indent = "    ".repeat(depth + 2);
        body = format!("for a{depth} in ITEMS:\n{indent}    {body}");
    }
    let app = format!(
        "import aws_cdk as cdk\nfrom aws_cdk import Stack, aws_lambda as _lambda\nITEMS = [{}]\n\nclass Many(Stack):\n    def __init__(self, scope, construct_id, **kwargs):\n        super().__init__(scope, construct_id, **kwargs)\n        {body}\n\napp = cdk.App()\nMany(app, \"Many\")\napp.synth()\n",
        (0..32).map(|i| format!("\"i{i}\"")).collect::<Vec<_>>().join(", ")
    );
    let p = scan(&[
        ("cdk.json", PY_CDK_JSON),
        (
            "lambda/fn.py",
            "def handler(event, context):\n    return None\n",
        ),
        ("app.py", &app),
    ]);
    assert!(!p.functions.is_empty());
    // Bounded by the budget, not by the loops.
    assert!(p.functions.len() <= 600, "{}", p.functions.len());
}

#[test]
fn constants_imported_from_local_modules_resolve() {
    let ts = scan(&[
        ("cdk.json", r#"{"app": "npx ts-node bin/app.ts"}"#),
        ("lambda/index.js", "exports.handler = async () => ({});\n"),
        (
            "lib/config.ts",
            "export const TABLES = [{ name: \"orders\", memory: 256 }, { name: \"refunds\", memory: 512 }];\n",
        ),
        (
            "lib/tables-stack.ts",
            r#"
import { Stack } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { TABLES as CONFIGURED } from "./config";

export class TablesStack extends Stack {
  constructor(scope: any, id: string) {
    super(scope, id);
    CONFIGURED.map((table) => {
      new lambda.Function(this, `${table.name}-writer`, {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: "index.handler",
        code: lambda.Code.fromAsset("lambda"),
        memorySize: table.memory,
      });
    });
  }
}
"#,
        ),
    ]);
    let w = ts
        .function("refundswriter")
        .expect("a function per configured table");
    assert_eq!(
        w.memory_mb.as_ref().and_then(|m| m.value.known()),
        Some(&512)
    );

    let py = scan(&[
        ("cdk.json", PY_CDK_JSON),
        ("lambda/fn.py", "def handler(event, context):\n    return None\n"),
        ("stacks/__init__.py", ""),
        ("stacks/settings.py", "STAGES = [\"dev\", \"prod\"]\n"),
        (
            "stacks/stages.py",
            r#"
from aws_cdk import Stack, aws_lambda as _lambda
from .settings import STAGES

class Stages(Stack):
    def __init__(self, scope, construct_id, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        for stage in STAGES:
            _lambda.Function(self, f"{stage}Fn", runtime=_lambda.Runtime.PYTHON_3_12, handler="fn.handler", code=_lambda.Code.from_asset("lambda"))
"#,
        ),
        (
            "app.py",
            "import aws_cdk as cdk\nfrom stacks.stages import Stages\n\napp = cdk.App()\nStages(app, \"Stages\")\napp.synth()\n",
        ),
    ]);
    let mut ids: Vec<&str> = py.functions.iter().map(|f| f.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, vec!["devFn", "prodFn"]);
}

/// Only sources that name a construct library are parsed up front; the local modules they
/// import are parsed too, however many hops away and wherever the import statement is.
#[test]
fn modules_without_cdk_imports_are_read_when_a_stack_imports_them() {
    let ts = scan(&[
        ("cdk.json", r#"{"app": "npx ts-node bin/app.ts"}"#),
        ("lambda/index.js", "exports.handler = async () => ({});\n"),
        ("lib/base.ts", "export const BASE_MEMORY = 1024;\n"),
        (
            "lib/settings.ts",
            "import { BASE_MEMORY } from \"./base\";\nexport const MEMORY = BASE_MEMORY;\n",
        ),
        (
            "bin/app.ts",
            r#"
import { App, Stack } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { MEMORY } from "../lib/settings";

const app = new App();
const stack = new Stack(app, "Workers");
new lambda.Function(stack, "Worker", {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: "index.handler",
  code: lambda.Code.fromAsset("lambda"),
  memorySize: MEMORY,
});
"#,
        ),
    ]);
    let w = ts.function("Worker").expect("the function");
    assert_eq!(
        w.memory_mb.as_ref().and_then(|m| m.value.known()),
        Some(&1024)
    );

    let py = scan(&[
        ("cdk.json", PY_CDK_JSON),
        ("lambda/fn.py", "def handler(event, context):\n    return None\n"),
        ("stacks/__init__.py", ""),
        ("stacks/base.py", "BASE_MEMORY = 2048\n"),
        ("stacks/settings.py", "from .base import BASE_MEMORY\nMEMORY = BASE_MEMORY\n"),
        (
            "stacks/workers.py",
            r#"
from aws_cdk import Stack, aws_lambda as _lambda

class Workers(Stack):
    def __init__(self, scope, construct_id, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        from .settings import MEMORY
        _lambda.Function(self, "Worker", runtime=_lambda.Runtime.PYTHON_3_12, handler="fn.handler", code=_lambda.Code.from_asset("lambda"), memory_size=MEMORY)
"#,
        ),
        (
            "app.py",
            "import aws_cdk as cdk\nfrom stacks.workers import Workers\n\napp = cdk.App()\nWorkers(app, \"Workers\")\napp.synth()\n",
        ),
    ]);
    let w = py.function("Worker").expect("the function");
    assert_eq!(
        w.memory_mb.as_ref().and_then(|m| m.value.known()),
        Some(&2048)
    );
}

#[test]
fn packages_pip_installed_beside_the_app_are_not_its_source() {
    let stack = |name: &str| {
        format!(
            r#"
from aws_cdk import Stack, aws_lambda as _lambda

class {name}Stack(Stack):
    def __init__(self, scope, construct_id, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        _lambda.Function(self, "{name}", runtime=_lambda.Runtime.PYTHON_3_12, handler="fn.handler", code=_lambda.Code.from_asset("lambda"))
"#
        )
    };
    let (vendored, listed, own) = (stack("Vendored"), stack("Listed"), stack("Own"));
    let p = scan(&[
        ("cdk.json", PY_CDK_JSON),
        (
            "lambda/fn.py",
            "def handler(event, context):\n    return None\n",
        ),
        (
            "app.py",
            "import aws_cdk as cdk\n\napp = cdk.App()\napp.synth()\n",
        ),
        // `pip install -t layer/python cdk-helpers vendored-tools`
        ("layer/python/cdk_helpers-1.0.dist-info/RECORD", ""),
        ("layer/python/cdk_helpers/stacks.py", &vendored),
        (
            "layer/python/vendored_tools-2.0.dist-info/top_level.txt",
            "listed\n",
        ),
        ("layer/python/listed/stacks.py", &listed),
        // Not installed by pip: the user's own package in the same folder.
        ("layer/python/own/stacks.py", &own),
    ]);
    assert!(p.function("Vendored").is_none());
    assert!(p.function("Listed").is_none());
    assert!(p.function("Own").is_some());
}

#[test]
fn apps_in_languages_not_read_from_source_say_so() {
    for (command, language) in [
        ("mvn -e -q compile exec:java", "Java"),
        ("go mod download && go run cdk.go", "Go"),
        ("dotnet run -p src/App/App.csproj", "C#"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("cdk.json"),
            format!(r#"{{"app": "{command}"}}"#),
        )
        .unwrap();
        let (candidates, _) = discover(dir.path(), &[]);
        let cdk = candidates
            .iter()
            .find(|c| c.kind == DescriptorKind::CdkSource)
            .expect("a CDK application");
        let loaded = load(dir.path(), cdk, &LoadOptions::default());
        assert!(loaded.project.is_none());
        let message = &loaded.diagnostics[0].message;
        assert!(
            message.contains(&format!("written in {language}")) && message.contains("--synth"),
            "{message}"
        );
    }
}

//! SDK objects created in one module and used in another are followed, and what cannot be
//! followed makes the analysis say it is incomplete.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use fnguard_code::{analyze_function, Language};
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn actions(facts: &fnguard_model::CodeFacts) -> Vec<String> {
    let mut a: Vec<String> = facts.calls.iter().map(|c| c.action.clone()).collect();
    a.sort();
    a.dedup();
    a
}

#[test]
fn python_tables_and_factories_imported_from_a_module() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "lib/db.py",
        "import boto3\n\ntable = boto3.resource('dynamodb').Table('orders')\n\ndef queue():\n    return boto3.resource('sqs').Queue('url')\n",
    );
    write(dir.path(), "lib/__init__.py", "");
    write(
        dir.path(),
        "app.py",
        "from lib.db import table, queue\n\ndef handler(event, context):\n    table.put_item(Item=event)\n    queue().send_message(MessageBody='x')\n",
    );
    let facts = analyze_function(dir.path(), dir.path(), "app.handler", Language::Python);
    assert_eq!(actions(&facts), ["dynamodb:PutItem", "sqs:SendMessage"]);
    assert!(facts.complete);
}

#[test]
fn javascript_clients_exported_by_a_module() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "clients.js",
        "const AWS = require('aws-sdk');\nconst s3 = new AWS.S3();\nmodule.exports = { s3 };\n",
    );
    write(
        dir.path(),
        "index.js",
        "const { s3 } = require('./clients');\nconst clients = require('./clients');\nexports.handler = async () => {\n  await s3.getObject({}).promise();\n  await clients.s3.putObject({}).promise();\n};\n",
    );
    let facts = analyze_function(
        dir.path(),
        dir.path(),
        "index.handler",
        Language::JavaScript,
    );
    assert_eq!(actions(&facts), ["s3:GetObject", "s3:PutObject"]);
    assert!(facts.complete);
}

#[test]
fn a_client_handed_to_a_class_makes_unused_unprovable() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app.py",
        "import boto3\nfrom repo import Repo\n\nrepo = Repo(boto3.resource('dynamodb').Table('t'))\n\ndef handler(event, context):\n    return repo.find(event['id'])\n",
    );
    write(
        dir.path(),
        "repo.py",
        "class Repo:\n    def __init__(self, table):\n        self.table = table\n    def find(self, key):\n        return self.table.get_item(Key={'id': key})\n",
    );
    let facts = analyze_function(dir.path(), dir.path(), "app.handler", Language::Python);
    assert!(
        !facts.complete,
        "the table's calls happen in Repo, which is not followed"
    );
}

#[test]
fn only_the_methods_reached_code_calls_are_reachable() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "s3-client.js",
        "const AWS = require('aws-sdk');\nclass Store {\n  constructor() { this.s3 = new AWS.S3(); }\n  async asset(key) {\n    return this.s3.getObject({ Bucket: 'b', Key: key }).promise();\n  }\n  async reports() {\n    return this.s3.listObjects({ Bucket: 'b' }).promise();\n  }\n}\nmodule.exports = Store;\n",
    );
    write(
        dir.path(),
        "index.js",
        "const Store = require('./s3-client');\nexports.handler = async (event) => {\n  const store = new Store();\n  return store.asset(event.key);\n};\n",
    );
    let facts = analyze_function(
        dir.path(),
        dir.path(),
        "index.handler",
        Language::JavaScript,
    );
    let reachable: Vec<(&str, bool)> = facts
        .calls
        .iter()
        .map(|c| (c.action.as_str(), c.reachable))
        .collect();
    assert_eq!(
        reachable,
        [("s3:GetObject", true), ("s3:ListBucket", false)]
    );
}

#[test]
fn an_inline_handler_inside_a_wrapper_is_the_entry_point() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "index.js",
        "const { S3Client, GetObjectCommand } = require('@aws-sdk/client-s3');\nconst s3 = new S3Client({});\nexports.handler = awslambda.streamifyResponse(async (event, stream) => {\n  await s3.send(new GetObjectCommand({ Bucket: 'b', Key: event.key }));\n  stream.end();\n});\n",
    );
    let facts = analyze_function(
        dir.path(),
        dir.path(),
        "index.handler",
        Language::JavaScript,
    );
    let reachable: Vec<(&str, bool)> = facts
        .calls
        .iter()
        .map(|c| (c.action.as_str(), c.reachable))
        .collect();
    assert_eq!(reachable, [("s3:GetObject", true)]);
}

#[test]
fn route_handlers_given_by_reference_are_entry_points() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "reports.js",
        "const AWS = require('aws-sdk');\nconst s3 = new AWS.S3();\nexports.list = async (event) => s3.listObjects({ Bucket: 'b' }).promise();\nexports.unused = async () => s3.deleteObject({ Bucket: 'b', Key: 'k' }).promise();\n",
    );
    write(
        dir.path(),
        "app.js",
        "const express = require('express');\nconst serverless = require('serverless-http');\nconst reports = require('./reports');\nconst app = express();\napp.post('/reports', wrap(reports.list));\nexports.handler = serverless(app);\n",
    );
    let facts = analyze_function(dir.path(), dir.path(), "app.handler", Language::JavaScript);
    let mut reachable: Vec<(&str, bool)> = facts
        .calls
        .iter()
        .map(|c| (c.action.as_str(), c.reachable))
        .collect();
    reachable.sort();
    assert_eq!(
        reachable,
        [("s3:DeleteObject", false), ("s3:ListBucket", true)]
    );
}

#[test]
fn calls_stay_reachable_when_the_entry_point_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    // The handler name is re-exported in a way the analysis does not follow.
    write(
        dir.path(),
        "app.py",
        "import boto3\nfrom lib.main import *\n\ndef helper(event):\n    boto3.client('sqs').send_message(QueueUrl='q', MessageBody='x')\n",
    );
    let facts = analyze_function(dir.path(), dir.path(), "app.handler", Language::Python);
    assert!(facts.unresolved.is_some());
    assert!(facts.calls.iter().all(|c| c.reachable), "{:?}", facts.calls);
}

#[test]
fn local_helpers_of_a_reached_function_are_reachable() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app.py",
        "import boto3\n\ndef handler(event, context):\n    sqs = boto3.client('sqs')\n    def _standard():\n        return sqs.send_message(QueueUrl='q', MessageBody='x')\n    def _fifo():\n        return sqs.send_message(QueueUrl='q.fifo', MessageBody='x', MessageGroupId='g')\n    send = _fifo if event.get('fifo') else _standard\n    return send()\n\ndef never_called():\n    boto3.client('sns').publish(TopicArn='t', Message='m')\n",
    );
    let facts = analyze_function(dir.path(), dir.path(), "app.handler", Language::Python);
    let mut reachable: Vec<(&str, bool)> = facts
        .calls
        .iter()
        .map(|c| (c.action.as_str(), c.reachable))
        .collect();
    reachable.sort();
    reachable.dedup();
    assert_eq!(
        reachable,
        [("sns:Publish", false), ("sqs:SendMessage", true)]
    );
}

#[test]
fn functions_module_level_code_calls_are_reachable() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "shared.py",
        "import boto3\n\ndef get_key(name):\n    return boto3.client('ssm').get_parameter(Name=name)['Parameter']['Value']\n\ndef unused():\n    boto3.client('sns').publish(TopicArn='t', Message='m')\n",
    );
    write(
        dir.path(),
        "app.py",
        "import os\nfrom shared import get_key\n\nAPI_KEY = get_key(os.environ['KEY_NAME'])\n\ndef handler(event, context):\n    return {'statusCode': 200}\n",
    );
    let facts = analyze_function(dir.path(), dir.path(), "app.handler", Language::Python);
    let mut reachable: Vec<(&str, bool)> = facts
        .calls
        .iter()
        .map(|c| (c.action.as_str(), c.reachable))
        .collect();
    reachable.sort();
    assert_eq!(
        reachable,
        [("sns:Publish", false), ("ssm:GetParameter", true)]
    );
}

#[test]
fn properties_run_on_attribute_access() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "user.py",
        "import boto3\n\nclass User:\n    def __init__(self, id):\n        self.id = id\n\n    @property\n    def data(self):\n        return self.__class__.find_user(self.id)\n\n    @classmethod\n    def find_user(cls, id):\n        return boto3.client('cognito-idp').admin_get_user(UserPoolId='p', Username=id)\n",
    );
    write(
        dir.path(),
        "app.py",
        "from user import User\n\ndef handler(event, context):\n    return User(event['id']).data\n",
    );
    let facts = analyze_function(dir.path(), dir.path(), "app.handler", Language::Python);
    assert!(facts.calls.iter().all(|c| c.reachable), "{:?}", facts.calls);
    assert!(!facts.calls.is_empty());
}

#[test]
fn java_classes_are_found_by_their_package_declaration_and_imports_are_followed() {
    let dir = tempfile::tempdir().unwrap();
    // `package example;` in `com/example/`: javac and Maven accept it; the handler names the
    // declared package.
    write(
        dir.path(),
        "src/main/java/com/example/Handler.java",
        "package example;\nimport example.store.Orders;\npublic class Handler {\n  public String handleRequest(java.util.Map<String, String> e, Object c) {\n    return new Orders().save(e.get(\"id\"));\n  }\n}\n",
    );
    write(
        dir.path(),
        "src/main/java/example/store/Orders.java",
        "package example.store;\nimport software.amazon.awssdk.services.dynamodb.DynamoDbClient;\npublic class Orders {\n  private final DynamoDbClient ddb = DynamoDbClient.create();\n  public String save(String id) {\n    ddb.putItem(r -> r.tableName(System.getenv(\"TABLE\")));\n    return id;\n  }\n}\n",
    );
    let facts = analyze_function(
        dir.path(),
        dir.path(),
        "example.Handler::handleRequest",
        Language::Java,
    );
    assert!(facts.unresolved.is_none(), "{:?}", facts.unresolved);
    assert_eq!(actions(&facts), vec!["dynamodb:PutItem"]);
    assert!(facts.complete);
    assert_eq!(
        facts.handler.as_ref().map(|h| h.file.as_str()),
        Some("src/main/java/com/example/Handler.java")
    );
}

#[test]
fn go_packages_of_the_module_are_followed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "go.mod",
        "module example.com/orders\n\ngo 1.22\n",
    );
    write(
        dir.path(),
        "cmd/api/main.go",
        "package main\n\nimport (\n\t\"context\"\n\t\"example.com/orders/internal/store\"\n\t\"github.com/aws/aws-lambda-go/lambda\"\n)\n\nfunc handle(ctx context.Context, e map[string]string) error {\n\treturn store.Save(ctx, e[\"id\"])\n}\n\nfunc main() { lambda.Start(handle) }\n",
    );
    write(
        dir.path(),
        "internal/store/store.go",
        "package store\n\nimport (\n\t\"context\"\n\t\"os\"\n\t\"github.com/aws/aws-sdk-go-v2/aws\"\n\t\"github.com/aws/aws-sdk-go-v2/service/sqs\"\n)\n\nvar client *sqs.Client\n\nfunc Save(ctx context.Context, id string) error {\n\t_, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(os.Getenv(\"QUEUE\")), MessageBody: aws.String(id)})\n\treturn err\n}\n",
    );
    write(
        dir.path(),
        "internal/store/store_test.go",
        "package store\n\nfunc helper() { client.DeleteQueue(nil, &sqs.DeleteQueueInput{}) }\n",
    );
    let facts = analyze_function(dir.path(), dir.path(), "bootstrap", Language::Go);
    assert!(facts.unresolved.is_none(), "{:?}", facts.unresolved);
    assert_eq!(actions(&facts), vec!["sqs:SendMessage"]);
    assert_eq!(
        facts.handler.as_ref().map(|h| (h.file.as_str(), h.line)),
        Some(("cmd/api/main.go", 9))
    );
    let call = &facts.calls[0];
    assert_eq!(call.resource_env.as_deref(), Some("QUEUE"));
    assert!(call.reachable);
}

/// A module imported by two paths (one through a symlinked directory) is read at each, so
/// that what either import binds is known.
#[cfg(unix)]
#[test]
fn a_module_imported_through_a_symlinked_directory_and_directly_binds_both_imports() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "common/db.js",
        "const AWS = require('aws-sdk');\nconst s3 = new AWS.S3();\nmodule.exports = { s3 };\n",
    );
    std::fs::create_dir_all(dir.path().join("fn")).unwrap();
    std::os::unix::fs::symlink("../common", dir.path().join("fn/shared")).unwrap();
    write(
        dir.path(),
        "fn/index.js",
        "const { s3 } = require('./shared/db');\nconst again = require('../common/db');\nexports.handler = async () => {\n  await s3.getObject({}).promise();\n  await again.s3.putObject({}).promise();\n};\n",
    );
    let facts = analyze_function(
        dir.path(),
        &dir.path().join("fn"),
        "index.handler",
        Language::JavaScript,
    );
    assert_eq!(
        actions(&facts),
        ["s3:GetObject", "s3:PutObject"],
        "{:?}",
        facts.files
    );
}

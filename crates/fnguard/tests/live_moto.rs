//! Live mode against moto server: an application is deployed through the AWS SDK (boto3, in
//! `tests/live/deploy.py`), then `fnguard aws scan` must find what `fnguard scan` finds in the
//! equivalent template, call only read-only APIs (checked at the wire by a recording proxy),
//! and `fnguard aws drift` must report exactly the changes made after deploying.
//!
//! Needs `FNGUARD_TEST_MOTO` (the server's URL) and `FNGUARD_TEST_MOTO_PYTHON` (a Python with
//! boto3); `.ci/run` starts the server and sets both, with `FNGUARD_REQUIRE_MOTO=1` so that a
//! missing server fails instead of skipping.

#![cfg(feature = "aws")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const REGION: &str = "us-east-1";

struct Moto {
    endpoint: String,
    python: String,
}

fn moto() -> Option<Moto> {
    match std::env::var("FNGUARD_TEST_MOTO") {
        Ok(endpoint) if !endpoint.is_empty() => Some(Moto {
            endpoint,
            python: std::env::var("FNGUARD_TEST_MOTO_PYTHON").unwrap_or_else(|_| "python3".into()),
        }),
        _ => {
            assert!(
                std::env::var("FNGUARD_REQUIRE_MOTO").is_err(),
                "FNGUARD_REQUIRE_MOTO is set but FNGUARD_TEST_MOTO is not"
            );
            eprintln!("FNGUARD_TEST_MOTO is not set: live-mode tests skipped");
            None
        }
    }
}

fn deployer() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/live/deploy.py")
}

/// Runs the deployer; returns the account's credentials as environment variables.
fn deploy(m: &Moto, account: &str, verb: &str, data: &Value) -> Vec<(String, String)> {
    deploy_in(m, account, REGION, verb, data)
}

fn deploy_in(
    m: &Moto,
    account: &str,
    region: &str,
    verb: &str,
    data: &Value,
) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("input.json");
    std::fs::write(&file, serde_json::to_vec(data).unwrap()).unwrap();
    let out = std::process::Command::new(&m.python)
        .arg(deployer())
        .args([&m.endpoint, account, region, verb])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "deploy.py {verb} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let env: Value = serde_json::from_slice(&out.stdout).unwrap();
    env.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

fn fnguard(creds: &[(String, String)]) -> Command {
    let mut c = Command::cargo_bin("fnguard").unwrap();
    c.env("FNGUARD_TODAY", "2026-11-28")
        .env("NO_COLOR", "1")
        .env("FNGUARD_DB", "/nonexistent/fnguard-test-db")
        .env("AWS_CONFIG_FILE", "/nonexistent/fnguard-aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/fnguard-aws-credentials",
        )
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION");
    for (k, v) in creds {
        c.env(k, v);
    }
    c
}

// ---------------------------------------------------------------------------------------------
// The application, written once and rendered twice: as a deployment spec and as a template.

fn function_name(i: usize) -> String {
    format!("fn{i:02}")
}

fn app(account: &str, n: usize) -> Value {
    let uploads = format!("fg-uploads-{account}");
    let mut functions = Vec::new();
    for i in 0..n {
        let node = i % 2 == 1;
        let mut f = json!({
            "name": function_name(i),
            "runtime": match (i % 8, node) { (0, _) => "python3.8", (_, true) => "nodejs20.x", _ => "python3.12" },
            "handler": if node { "index.handler" } else { "app.handler" },
            "role": if i % 10 == 0 { "fg-admin" } else if i % 3 == 0 { "fg-worker" } else { "fg-reader" },
            "memory": 128 + 64 * (i % 4),
            "timeout": 3 + (i % 5) * 10,
            "env": { "STAGE": "prod", "INDEX": i.to_string() },
        });
        if i % 16 == 0 {
            f["env"]["STRIPE_KEY"] = json!("sk_live_51HxQdVLk8s7D9cPq2mYt0aZbN4eR");
        }
        match i % 20 {
            1 => f["url"] = json!("NONE"),
            2 => f["url"] = json!("AWS_IAM"),
            _ => {}
        }
        if i % 5 == 0 {
            f["reserved"] = json!(5);
        }
        if i % 3 == 0 {
            f["log_retention"] = json!(14);
        }
        functions.push(f);
    }
    json!({
        "account": account,
        "roles": [
            { "name": "fg-admin", "policies": { "all": { "Version": "2012-10-17", "Statement": [
                { "Effect": "Allow", "Action": "*", "Resource": "*" } ] } } },
            { "name": "fg-reader", "policies": { "read": { "Version": "2012-10-17", "Statement": [
                { "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": format!("arn:aws:s3:::{uploads}/*") } ] } } },
            { "name": "fg-worker", "policies": { "work": { "Version": "2012-10-17", "Statement": [
                { "Effect": "Allow", "Action": ["sqs:*"], "Resource": "*" },
                { "Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction"], "Resource": "*" } ] } },
              "managed": { "fg-storage": { "Version": "2012-10-17", "Statement": [
                { "Effect": "Allow", "Action": ["s3:*"], "Resource": "*" } ] } } },
        ],
        "functions": functions,
        "queues": [
            { "name": "fg-jobs", "function": "fn03", "visibility": 10 },
            { "name": "fg-orders", "function": "fn07", "visibility": 300, "partial": true, "batch_size": 5 },
            { "name": "fg-idle" },
        ],
        "buckets": [
            { "name": uploads, "function": "fn04" },
            { "name": format!("fg-archive-{account}"), "function": "fn08", "events": ["s3:ObjectRemoved:*"] },
        ],
        "topics": [ { "name": "fg-alerts", "function": "fn06" } ],
        "http_apis": [
            { "name": "fg-public", "routes": [
                { "key": "GET /items", "function": "fn09" },
                { "key": "POST /items", "function": "fn13" } ],
              "stage": { "name": "$default", "rate": 50.0, "burst": 100 } },
            { "name": "fg-open", "routes": [ { "key": "ANY /{proxy+}", "function": "fn17" } ],
              "stage": { "name": "$default" } },
        ],
        "rest_apis": [
            { "name": "fg-orders-api", "stage": "prod",
              "routes": [ { "path": "orders", "method": "GET", "function": "fn11" } ],
              "plan": { "name": "fg-orders-plan", "rate": 20.0, "burst": 40 } },
            { "name": "fg-admin-api", "stage": "prod",
              "routes": [ { "path": "users", "method": "POST", "function": "fn19", "api_key": true } ] },
        ],
    })
}

fn logical(name: &str) -> String {
    name.chars().filter(char::is_ascii_alphanumeric).collect()
}

fn get_arn(id: &str) -> Value {
    json!({ "Fn::GetAtt": [id, "Arn"] })
}

/// The CloudFormation template a user would write for the same application.
fn template(spec: &Value) -> Value {
    let account = spec["account"].as_str().unwrap();
    let mut r = serde_json::Map::new();
    for role in spec["roles"].as_array().unwrap() {
        let name = role["name"].as_str().unwrap();
        let policies: Vec<Value> = role["policies"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, d)| json!({ "PolicyName": k, "PolicyDocument": d }))
            .collect();
        let mut props = json!({
            "RoleName": name,
            "AssumeRolePolicyDocument": { "Version": "2012-10-17", "Statement": [ {
                "Effect": "Allow", "Principal": { "Service": "lambda.amazonaws.com" },
                "Action": "sts:AssumeRole" } ] },
            "Policies": policies,
        });
        if let Some(m) = role.get("managed").and_then(Value::as_object) {
            let mut refs = Vec::new();
            for (pname, doc) in m {
                let id = logical(pname);
                r.insert(
                    id.clone(),
                    json!({ "Type": "AWS::IAM::ManagedPolicy", "Properties": {
                        "ManagedPolicyName": pname, "PolicyDocument": doc } }),
                );
                refs.push(json!({ "Ref": id }));
            }
            props["ManagedPolicyArns"] = json!(refs);
        }
        r.insert(
            logical(name),
            json!({ "Type": "AWS::IAM::Role", "Properties": props }),
        );
    }
    for f in spec["functions"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        let mut props = json!({
            "FunctionName": name,
            "Runtime": f["runtime"],
            "Handler": f["handler"],
            "Role": get_arn(&logical(f["role"].as_str().unwrap())),
            "Code": { "ZipFile": "def handler(event, context):\n    return {}\n" },
            "MemorySize": f["memory"],
            "Timeout": f["timeout"],
            "Environment": { "Variables": f["env"] },
        });
        if let Some(n) = f.get("reserved") {
            props["ReservedConcurrentExecutions"] = n.clone();
        }
        r.insert(
            name.to_string(),
            json!({ "Type": "AWS::Lambda::Function", "Properties": props }),
        );
        if let Some(auth) = f.get("url") {
            r.insert(
                format!("{name}Url"),
                json!({ "Type": "AWS::Lambda::Url", "Properties": {
                    "TargetFunctionArn": get_arn(name), "AuthType": auth } }),
            );
            if auth == "NONE" {
                r.insert(
                    format!("{name}UrlPublic"),
                    json!({ "Type": "AWS::Lambda::Permission", "Properties": {
                        "FunctionName": { "Ref": name }, "Action": "lambda:InvokeFunctionUrl",
                        "Principal": "*", "FunctionUrlAuthType": "NONE" } }),
                );
            }
        }
        if let Some(days) = f.get("log_retention") {
            r.insert(
                format!("{name}Logs"),
                json!({ "Type": "AWS::Logs::LogGroup", "Properties": {
                    "LogGroupName": format!("/aws/lambda/{name}"), "RetentionInDays": days } }),
            );
        }
    }
    for q in spec["queues"].as_array().unwrap() {
        let id = logical(q["name"].as_str().unwrap());
        r.insert(
            id.clone(),
            json!({ "Type": "AWS::SQS::Queue", "Properties": {
                "QueueName": q["name"], "VisibilityTimeout": q["visibility"].as_u64().unwrap_or(30),
                "SqsManagedSseEnabled": true } }),
        );
        if let Some(fname) = q.get("function").and_then(Value::as_str) {
            let mut props = json!({ "EventSourceArn": get_arn(&id), "FunctionName": { "Ref": fname },
                "BatchSize": q.get("batch_size").cloned().unwrap_or(json!(10)) });
            if q.get("partial") == Some(&json!(true)) {
                props["FunctionResponseTypes"] = json!(["ReportBatchItemFailures"]);
            }
            r.insert(
                format!("{id}Mapping"),
                json!({ "Type": "AWS::Lambda::EventSourceMapping", "Properties": props }),
            );
        }
    }
    for b in spec["buckets"].as_array().unwrap() {
        let name = b["name"].as_str().unwrap();
        let id = logical(name);
        let fname = b["function"].as_str().unwrap();
        let events = b
            .get("events")
            .cloned()
            .unwrap_or(json!(["s3:ObjectCreated:*"]));
        let configs: Vec<Value> = events
            .as_array()
            .unwrap()
            .iter()
            .map(|e| json!({ "Event": e, "Function": get_arn(fname) }))
            .collect();
        r.insert(
            id.clone(),
            json!({ "Type": "AWS::S3::Bucket", "Properties": {
                "BucketName": name,
                "PublicAccessBlockConfiguration": { "BlockPublicAcls": true, "IgnorePublicAcls": true,
                    "BlockPublicPolicy": true, "RestrictPublicBuckets": true },
                "NotificationConfiguration": { "LambdaConfigurations": configs } } }),
        );
        r.insert(
            format!("{id}Invoke"),
            json!({ "Type": "AWS::Lambda::Permission", "Properties": {
                "FunctionName": { "Ref": fname }, "Action": "lambda:InvokeFunction",
                "Principal": "s3.amazonaws.com", "SourceArn": format!("arn:aws:s3:::{name}"),
                "SourceAccount": account } }),
        );
    }
    for t in spec["topics"].as_array().unwrap() {
        let id = logical(t["name"].as_str().unwrap());
        let fname = t["function"].as_str().unwrap();
        r.insert(
            id.clone(),
            json!({ "Type": "AWS::SNS::Topic", "Properties": { "TopicName": t["name"],
                "Subscription": [ { "Protocol": "lambda", "Endpoint": get_arn(fname) } ] } }),
        );
        r.insert(
            format!("{id}Invoke"),
            json!({ "Type": "AWS::Lambda::Permission", "Properties": {
                "FunctionName": { "Ref": fname }, "Action": "lambda:InvokeFunction",
                "Principal": "sns.amazonaws.com", "SourceArn": { "Ref": id } } }),
        );
    }
    for a in spec["http_apis"].as_array().unwrap() {
        let id = logical(a["name"].as_str().unwrap());
        r.insert(
            id.clone(),
            json!({ "Type": "AWS::ApiGatewayV2::Api", "Properties": {
                "Name": a["name"], "ProtocolType": "HTTP" } }),
        );
        for (k, route) in a["routes"].as_array().unwrap().iter().enumerate() {
            let fname = route["function"].as_str().unwrap();
            let integ = format!("{id}Integration{k}");
            r.insert(
                integ.clone(),
                json!({ "Type": "AWS::ApiGatewayV2::Integration", "Properties": {
                    "ApiId": { "Ref": id }, "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": get_arn(fname), "PayloadFormatVersion": "2.0" } }),
            );
            r.insert(
                format!("{id}Route{k}"),
                json!({ "Type": "AWS::ApiGatewayV2::Route", "Properties": {
                    "ApiId": { "Ref": id }, "RouteKey": route["key"],
                    "Target": { "Fn::Join": ["/", ["integrations", { "Ref": integ }]] } } }),
            );
            r.insert(
                format!("{id}Invoke{k}"),
                json!({ "Type": "AWS::Lambda::Permission", "Properties": {
                    "FunctionName": { "Ref": fname }, "Action": "lambda:InvokeFunction",
                    "Principal": "apigateway.amazonaws.com",
                    "SourceArn": { "Fn::Sub": format!("arn:aws:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{id}}}/*") } } }),
            );
        }
        let stage = &a["stage"];
        let mut props =
            json!({ "ApiId": { "Ref": id }, "StageName": stage["name"], "AutoDeploy": true });
        if stage.get("rate").is_some() {
            props["DefaultRouteSettings"] = json!({ "ThrottlingRateLimit": stage["rate"], "ThrottlingBurstLimit": stage["burst"] });
        }
        r.insert(
            format!("{id}Stage"),
            json!({ "Type": "AWS::ApiGatewayV2::Stage", "Properties": props }),
        );
    }
    for a in spec["rest_apis"].as_array().unwrap() {
        let id = logical(a["name"].as_str().unwrap());
        r.insert(
            id.clone(),
            json!({ "Type": "AWS::ApiGateway::RestApi", "Properties": {
                "Name": a["name"], "EndpointConfiguration": { "Types": ["REGIONAL"] } } }),
        );
        let mut methods = Vec::new();
        for (k, route) in a["routes"].as_array().unwrap().iter().enumerate() {
            let fname = route["function"].as_str().unwrap();
            let res = format!("{id}Resource{k}");
            r.insert(
                res.clone(),
                json!({ "Type": "AWS::ApiGateway::Resource", "Properties": {
                    "RestApiId": { "Ref": id }, "ParentId": { "Fn::GetAtt": [id, "RootResourceId"] },
                    "PathPart": route["path"] } }),
            );
            let method = format!("{id}Method{k}");
            r.insert(
                method.clone(),
                json!({ "Type": "AWS::ApiGateway::Method", "Properties": {
                    "RestApiId": { "Ref": id }, "ResourceId": { "Ref": res },
                    "HttpMethod": route["method"], "AuthorizationType": "NONE",
                    "ApiKeyRequired": route.get("api_key").cloned().unwrap_or(json!(false)),
                    "Integration": { "Type": "AWS_PROXY", "IntegrationHttpMethod": "POST",
                        "Uri": { "Fn::Sub": format!("arn:aws:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{{fname}.Arn}}/invocations") } } } }),
            );
            methods.push(method);
            r.insert(
                format!("{id}Invoke{k}"),
                json!({ "Type": "AWS::Lambda::Permission", "Properties": {
                    "FunctionName": { "Ref": fname }, "Action": "lambda:InvokeFunction",
                    "Principal": "apigateway.amazonaws.com",
                    "SourceArn": { "Fn::Sub": format!("arn:aws:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{id}}}/*") } } }),
            );
        }
        r.insert(
            format!("{id}Deployment"),
            json!({ "Type": "AWS::ApiGateway::Deployment", "DependsOn": methods,
                    "Properties": { "RestApiId": { "Ref": id } } }),
        );
        r.insert(
            format!("{id}Stage"),
            json!({ "Type": "AWS::ApiGateway::Stage", "Properties": {
                "RestApiId": { "Ref": id }, "StageName": a["stage"],
                "DeploymentId": { "Ref": format!("{id}Deployment") } } }),
        );
        if let Some(plan) = a.get("plan") {
            r.insert(
                format!("{id}Plan"),
                json!({ "Type": "AWS::ApiGateway::UsagePlan", "DependsOn": format!("{id}Stage"),
                    "Properties": { "UsagePlanName": plan["name"],
                        "ApiStages": [ { "ApiId": { "Ref": id }, "Stage": a["stage"] } ],
                        "Throttle": { "RateLimit": plan["rate"], "BurstLimit": plan["burst"] } } }),
            );
        }
    }
    json!({ "AWSTemplateFormatVersion": "2010-09-09", "Resources": r })
}

// ---------------------------------------------------------------------------------------------
// A recording proxy between fnguard and moto: what reached the wire, independent of fnguard's
// own call log.

#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    target: String,
    /// `X-Amz-Target` (JSON protocols) or the `Action` form field (query protocols).
    operation: Option<String>,
}

fn start_recorder(upstream: &str) -> (String, Arc<Mutex<Vec<Recorded>>>) {
    let upstream = upstream
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let log2 = Arc::clone(&log);
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let log = Arc::clone(&log2);
            let upstream = upstream.clone();
            std::thread::spawn(move || {
                let _ = relay(client, &upstream, &log);
            });
        }
    });
    (format!("http://{addr}"), log)
}

/// One client connection: each request is recorded and sent upstream on a fresh connection
/// (`Connection: close`, so the answer ends at EOF); the answer goes back unchanged.
fn relay(client: TcpStream, upstream: &str, log: &Mutex<Vec<Recorded>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut client = client;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        let mut headers = Vec::new();
        let mut length = 0usize;
        let mut amz_target = None;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            let (name, value) = trimmed.split_once(':').unwrap_or((trimmed, ""));
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse().unwrap_or(0),
                "x-amz-target" => amz_target = Some(value.to_string()),
                "connection" => continue,
                "transfer-encoding" => panic!("chunked request bodies are not expected: {value}"),
                _ => {}
            }
            headers.push(trimmed.to_string());
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body)?;
        if request_line.starts_with("POST /listRegions") {
            // moto has no Account API: answer ListRegions here, as AWS does for an account
            // with one opted-in region next to the default ones (the filter asks for enabled).
            log.lock().unwrap().push(Recorded {
                method: "POST".into(),
                target: "/listRegions".into(),
                operation: Some("ListRegions".into()),
            });
            let answer = json!({ "Regions": [
                { "RegionName": "eu-west-1", "RegionOptStatus": "ENABLED_BY_DEFAULT" },
                { "RegionName": "us-east-1", "RegionOptStatus": "ENABLED_BY_DEFAULT" },
            ] })
            .to_string();
            write!(
                client,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{answer}",
                answer.len()
            )?;
            client.flush()?;
            continue;
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let form_action = String::from_utf8_lossy(&body)
            .split('&')
            .find_map(|kv| kv.strip_prefix("Action=").map(str::to_string));
        log.lock().unwrap().push(Recorded {
            method,
            target,
            operation: amz_target
                .map(|t| t.rsplit('.').next().unwrap_or("").to_string())
                .or(form_action),
        });
        let mut up = TcpStream::connect(upstream)?;
        let mut head = request_line.clone();
        for h in &headers {
            head.push_str(h);
            head.push_str("\r\n");
        }
        head.push_str("Connection: close\r\n\r\n");
        up.write_all(head.as_bytes())?;
        up.write_all(&body)?;
        let mut answer = Vec::new();
        up.read_to_end(&mut answer)?;
        if is_list_functions(&log.lock().unwrap().last().unwrap().target) {
            answer = paginate_functions(&request_line, answer);
        }
        client.write_all(&answer)?;
        client.flush()?;
    }
}

fn is_list_functions(target: &str) -> bool {
    let path = target.split('?').next().unwrap_or("");
    path.trim_end_matches('/') == "/2015-03-31/functions"
}

/// moto answers ListFunctions in one page whatever `MaxItems` says; AWS pages (50 at most).
/// Cutting moto's answer into pages the way AWS documents it (`MaxItems`, `Marker`,
/// `NextMarker`) makes the collector's pagination run for real against the same data.
fn paginate_functions(request_line: &str, answer: Vec<u8>) -> Vec<u8> {
    let target = request_line.split_whitespace().nth(1).unwrap_or("");
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
    let param = |k: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
            .map(str::to_string)
    };
    let max: usize = param("MaxItems").and_then(|v| v.parse().ok()).unwrap_or(50);
    let start: usize = param("Marker").and_then(|v| v.parse().ok()).unwrap_or(0);
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let (head, body) = (&answer[..split], &answer[split + 4..]);
    let mut doc: Value = serde_json::from_slice(body).expect("ListFunctions JSON");
    let all = doc["Functions"].as_array().cloned().unwrap_or_default();
    let end = (start + max).min(all.len());
    doc["Functions"] = Value::Array(all[start.min(end)..end].to_vec());
    if end < all.len() {
        doc["NextMarker"] = json!(end.to_string());
    }
    let body = serde_json::to_vec(&doc).unwrap();
    let head: Vec<String> = String::from_utf8_lossy(head)
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("content-length"))
        .map(str::to_string)
        .collect();
    let mut out = head.join("\r\n").into_bytes();
    out.extend_from_slice(format!("\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(&body);
    out
}

/// Read-only at the wire: REST reads are GET/HEAD; RPC-style calls (POST) must be named
/// Get*/List*/Describe*.
fn is_read_only(r: &Recorded) -> bool {
    match r.method.as_str() {
        "GET" | "HEAD" => true,
        "POST" => r.operation.as_deref().is_some_and(|op| {
            ["Get", "List", "Describe"]
                .iter()
                .any(|p| op.starts_with(p))
        }),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------

/// A new account per test and run, so that a long-running server can serve the tests again.
/// Tests run in parallel threads of one process and a coarse clock can give two of them the
/// same instant: a counter keeps their accounts apart.
fn fresh_account() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = u128::from(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "2{:011}",
        (nanos / 1000 * 16 + n * 7_919 + u128::from(std::process::id())) % 100_000_000_000
    )
}

fn findings(out: &std::process::Output) -> Vec<Value> {
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    v["findings"].as_array().unwrap().clone()
}

/// Input problems, without the notices about function code that was not analysed (the
/// deployed functions' inline code, code not downloaded): those are expected here.
fn errors(out: &std::process::Output) -> Vec<Value> {
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            !e["message"]
                .as_str()
                .unwrap_or("")
                .starts_with("the code of")
        })
        .cloned()
        .collect()
}

/// (rule, function) for function findings; resource findings by the resource's name.
fn keys(found: &[Value]) -> BTreeSet<(String, String)> {
    found
        .iter()
        .map(|f| {
            let rule = f["rule"].as_str().unwrap().to_string();
            let subject = f["function"]
                .as_str()
                .map(str::to_string)
                .or_else(|| {
                    f["evidence"]["functions"].as_array().map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                })
                // A template's logical id is the resource's name without punctuation.
                .unwrap_or_else(|| {
                    format!("resource:{}", logical(f["resource"].as_str().unwrap_or("")))
                });
            (rule, subject)
        })
        .collect()
}

#[test]
fn live_scan_matches_the_template_and_only_reads() {
    let Some(m) = moto() else { return };
    let account = &fresh_account();
    let spec = app(account, 64);
    let creds = deploy(&m, account, "apply", &spec);

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("template.json"),
        serde_json::to_string_pretty(&template(&spec)).unwrap(),
    )
    .unwrap();
    let static_out = fnguard(&creds)
        .args([
            "scan",
            dir.path().to_str().unwrap(),
            "--format",
            "json",
            "--no-progress",
        ])
        .output()
        .unwrap();
    let declared = findings(&static_out);
    assert!(errors(&static_out).is_empty(), "{:?}", errors(&static_out));

    let (proxy, wire) = start_recorder(&m.endpoint);
    let calls = dir.path().join("calls.txt");
    let live_out = fnguard(&creds)
        .args(["aws", "scan", "--region", REGION, "--endpoint-url", &proxy])
        .args(["--format", "json", "--no-progress", "--calls-log"])
        .arg(&calls)
        .output()
        .unwrap();
    let live = findings(&live_out);
    assert!(errors(&live_out).is_empty(), "{:?}", errors(&live_out));

    let (d, l) = (keys(&declared), keys(&live));
    let only_declared: Vec<_> = d.difference(&l).collect();
    let only_live: Vec<_> = l.difference(&d).collect();
    assert!(
        only_declared.is_empty() && only_live.is_empty(),
        "only in the template's scan: {only_declared:#?}\nonly in the live scan: {only_live:#?}"
    );
    eprintln!("{} findings in both scans: {d:?}", d.len());
    // The application is not trivial: these rules fire on it.
    let rules: BTreeSet<&str> = d.iter().map(|(r, _)| r.as_str()).collect();
    for r in [
        "FG201", "FG203", "FG301", "FG302", "FG305", "FG601", "FG602", "FG607", "FG801",
    ] {
        assert!(rules.contains(r), "{r} missing from {rules:?}");
    }
    // The REST API with a usage plan is throttled; the one without is not (usage plans read).
    assert!(d.contains(&("FG803".to_string(), "fn19".to_string())));
    assert!(!d.contains(&("FG803".to_string(), "fn11".to_string())));
    // Live findings point at the deployed resource.
    for f in &live {
        let file = f["location"]["file"].as_str().unwrap();
        assert!(file.starts_with("arn:aws:"), "{file}");
    }

    // Pagination: two pages of ListFunctions for 64 functions, and all 64 were read.
    let wire = wire.lock().unwrap().clone();
    let list_functions = wire
        .iter()
        .filter(|r| r.method == "GET" && is_list_functions(&r.target))
        .count();
    assert_eq!(list_functions, 2, "{wire:#?}");
    let v: Value = serde_json::from_slice(&live_out.stdout).unwrap();
    assert_eq!(v["projects"][0]["functions"].as_array().unwrap().len(), 64);
    let writes: Vec<&Recorded> = wire.iter().filter(|r| !is_read_only(r)).collect();
    assert!(
        writes.is_empty(),
        "non-read calls reached the wire: {writes:#?}"
    );
    // fnguard's own log agrees, and names only actions of the documented read-only policy.
    let logged = std::fs::read_to_string(&calls).unwrap();
    assert!(logged.lines().count() >= wire.len() / 2, "{logged}");
    for line in logged.lines() {
        let (service, operation) = line.split_once(':').unwrap();
        let action = fnguard_aws::collect::action_of(service, operation);
        assert!(
            fnguard_aws::READ_ONLY_ACTIONS.contains(&action.as_str()),
            "{line} → {action} is not in the read-only policy"
        );
    }
}

fn drift_keys(out: &std::process::Output) -> BTreeSet<(String, String)> {
    findings(out)
        .iter()
        .map(|f| {
            assert_eq!(f["rule"], "FG612", "{f}");
            let subject = f["function"]
                .as_str()
                .or_else(|| f["resource"].as_str())
                .unwrap()
                .to_string();
            (
                subject,
                f["evidence"]["aspect"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn live_drift_reports_exactly_what_changed() {
    let Some(m) = moto() else { return };
    let account = &fresh_account();
    let mut spec = app(account, 20);
    // moto drops the `lambda:FunctionUrlAuthType` condition from the permission a public URL
    // needs (AWS keeps it), which would read as drift; this test's URLs use IAM auth.
    spec["functions"][1]["url"] = json!("AWS_IAM");
    let creds = deploy(&m, account, "apply", &spec);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("template.json"),
        serde_json::to_string_pretty(&template(&spec)).unwrap(),
    )
    .unwrap();
    let drift = || {
        fnguard(&creds)
            .args([
                "aws",
                "drift",
                dir.path().to_str().unwrap(),
                "--region",
                REGION,
            ])
            .args([
                "--endpoint-url",
                &m.endpoint,
                "--format",
                "json",
                "--no-progress",
            ])
            .output()
            .unwrap()
    };

    let before = drift();
    assert!(errors(&before).is_empty(), "{:?}", errors(&before));
    assert_eq!(
        drift_keys(&before),
        BTreeSet::new(),
        "drift right after deploying: {}",
        String::from_utf8_lossy(&before.stdout)
    );
    assert_eq!(before.status.code(), Some(0));

    let env =
        |stage: &str, i: usize| json!({ "Variables": { "STAGE": stage, "INDEX": i.to_string() } });
    let mut fn04_env = env("prod", 4);
    fn04_env["Variables"]["DEBUG"] = json!("true");
    deploy(
        &m,
        account,
        "drift",
        &json!([
            { "op": "configure", "function": "fn02", "MemorySize": 512 },
            { "op": "configure", "function": "fn04", "Environment": fn04_env },
            { "op": "configure", "function": "fn05", "Environment": env("dev", 5) },
            { "op": "configure", "function": "fn06", "Runtime": "python3.13" },
            { "op": "put_role_policy", "role": "fg-reader", "name": "hotfix", "document": {
                "Version": "2012-10-17",
                "Statement": [ { "Effect": "Allow", "Action": "dynamodb:*", "Resource": "*" } ] } },
            { "op": "url", "function": "fn03", "auth": "NONE" },
            { "op": "delete_mapping", "function": "fn07" },
            { "op": "permission", "function": "fn08", "sid": "open", "principal": "*" },
            { "op": "concurrency", "function": "fn09", "reserved": 1 },
            { "op": "create_function", "function": "fg-stray", "role": "fg-reader" },
        ]),
    );
    let after = drift();
    assert!(errors(&after).is_empty(), "{:?}", errors(&after));
    let mut expected: BTreeSet<(String, String)> = [
        ("fn02", "memory"),
        ("fn04", "environment"),
        ("fn05", "environment_value"),
        ("fn06", "runtime"),
        ("fn03", "url"),
        ("fn07", "triggers"),
        ("fn08", "permissions"),
        ("fn09", "reserved_concurrency"),
        ("fg-stray", "undeclared"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    // The role change reaches every function that runs with the role.
    for f in spec["functions"].as_array().unwrap() {
        if f["role"] == "fg-reader" {
            expected.insert((
                f["name"].as_str().unwrap().to_string(),
                "role_permissions".into(),
            ));
        }
    }
    assert_eq!(drift_keys(&after), expected);
    assert_eq!(after.status.code(), Some(1));
    // Values never appear, only their hashes.
    let text = String::from_utf8_lossy(&after.stdout);
    assert!(!text.contains("\"dev\""), "{text}");
    // Each finding says where to edit (the declaration) and what runs (the ARN).
    for f in findings(&after) {
        let file = f["location"]["file"].as_str().unwrap();
        if f["evidence"]["aspect"] == "undeclared" {
            assert!(file.starts_with("arn:aws:lambda:"), "{file}");
        } else {
            assert_eq!(file, "template.json");
            assert!(f["location"]["line"].as_u64().unwrap() > 0);
        }
    }
}

#[test]
fn live_drift_matches_unnamed_functions_through_their_stack() {
    let Some(m) = moto() else { return };
    let account = &fresh_account();
    let template = json!({ "Resources": {
        "Role": { "Type": "AWS::IAM::Role", "Properties": { "AssumeRolePolicyDocument": {
            "Statement": [ { "Effect": "Allow", "Principal": { "Service": "lambda.amazonaws.com" },
                             "Action": "sts:AssumeRole" } ] } } },
        "Api": { "Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "app.handler", "MemorySize": 256,
            "Role": { "Fn::GetAtt": ["Role", "Arn"] },
            "Code": { "ZipFile": "def handler(event, context):\n    return {}\n" } } },
    } });
    let creds = deploy(
        &m,
        account,
        "stack",
        &json!({ "name": "shop-prod", "template": template }),
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("template.json"), template.to_string()).unwrap();
    // The SAM CLI's record of where the template was deployed.
    std::fs::write(
        dir.path().join("samconfig.toml"),
        "version = 0.1\n[default.deploy.parameters]\nstack_name = \"shop-prod\"\n",
    )
    .unwrap();
    let drift = || {
        fnguard(&creds)
            .args([
                "aws",
                "drift",
                dir.path().to_str().unwrap(),
                "--region",
                REGION,
            ])
            .args([
                "--endpoint-url",
                &m.endpoint,
                "--format",
                "json",
                "--no-progress",
            ])
            .output()
            .unwrap()
    };
    let before = drift();
    assert!(errors(&before).is_empty(), "{:?}", errors(&before));
    assert_eq!(
        drift_keys(&before),
        BTreeSet::new(),
        "{}",
        String::from_utf8_lossy(&before.stdout)
    );
    deploy(
        &m,
        account,
        "drift",
        &json!([ { "op": "configure", "stack": "shop-prod", "logical": "Api", "MemorySize": 2048 } ]),
    );
    let after = drift();
    let expected: BTreeSet<(String, String)> = [("Api".to_string(), "memory".to_string())]
        .into_iter()
        .collect();
    assert_eq!(drift_keys(&after), expected);
    let f = &findings(&after)[0];
    assert!(
        f["evidence"]["deployed_function"]
            .as_str()
            .unwrap()
            .starts_with("shop-prod-Api-"),
        "{f}"
    );
}

fn trail_record(account: &str, role: &str, function: &str, source: &str, name: &str) -> Value {
    json!({
        "eventVersion": "1.09",
        "eventTime": "2026-11-20T10:00:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": REGION,
        "userIdentity": {
            "type": "AssumedRole",
            "arn": format!("arn:aws:sts::{account}:assumed-role/{role}/{function}"),
            "accountId": account,
        },
        "managementEvent": true,
        "eventCategory": "Management",
    })
}

#[test]
fn live_usage_reports_what_no_function_was_seen_calling() {
    let Some(m) = moto() else { return };
    let account = &fresh_account();
    let spec = app(account, 20);
    let creds = deploy(&m, account, "apply", &spec);
    let trail = tempfile::tempdir().unwrap();
    let day = trail
        .path()
        .join(format!("AWSLogs/{account}/CloudTrail/{REGION}/2026/11/20"));
    std::fs::create_dir_all(&day).unwrap();
    let mut records = vec![
        trail_record(
            account,
            "fg-worker",
            "fn06",
            "lambda.amazonaws.com",
            "CreateFunction20150331",
        ),
        trail_record(
            account,
            "fg-worker",
            "fn09",
            "sqs.amazonaws.com",
            "CreateQueue",
        ),
        trail_record(
            account,
            "fg-reader",
            "fn04",
            "s3.amazonaws.com",
            "GetObject",
        ),
    ];
    let mut denied = trail_record(
        account,
        "fg-worker",
        "fn12",
        "sqs.amazonaws.com",
        "DeleteQueue",
    );
    denied["errorCode"] = json!("AccessDenied");
    records.push(denied);
    std::fs::write(
        day.join("trail.json"),
        json!({ "Records": records }).to_string(),
    )
    .unwrap();
    let usage = || {
        fnguard(&creds)
            .args([
                "aws",
                "usage",
                "--region",
                REGION,
                "--endpoint-url",
                &m.endpoint,
            ])
            .args(["--format", "json", "--no-progress", "--cloudtrail"])
            .arg(trail.path())
            .output()
            .unwrap()
    };
    let worker_unused = |out: &std::process::Output| -> BTreeSet<String> {
        let found = findings(out);
        let f = found
            .iter()
            .find(|f| {
                f["resource"]
                    .as_str()
                    .is_some_and(|r| logical(r) == "fgworker")
            })
            .unwrap_or_else(|| panic!("no FG306 for fg-worker: {found:#?}"));
        assert_eq!(f["rule"], "FG306");
        assert_eq!(f["evidence"]["evidence"], "observed");
        f["evidence"]["unused_actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect()
    };

    let out = usage();
    let unused = worker_unused(&out);
    // Seen, so used.
    assert!(!unused.contains("lambda:CreateFunction") && !unused.contains("sqs:CreateQueue"));
    // A denied call is no use of a grant.
    assert!(unused.contains("sqs:DeleteQueue"), "{unused:?}");
    // Never judged on usage.
    assert!(!unused.contains("iam:PassRole"));
    // Without data events, message and object calls cannot be seen: not reported.
    assert!(!unused.contains("sqs:SendMessage") && !unused.contains("s3:GetObject"));
    assert!(unused.contains("s3:CreateBucket"), "{unused:?}");
    // The reader's only grant is a data-plane action it cannot be seen using: nothing to say.
    assert!(!findings(&out).iter().any(|f| f["resource"]
        .as_str()
        .is_some_and(|r| logical(r) == "fgreader")));
    let warnings: Vec<String> = errors(&out)
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        warnings.iter().any(|w| w.contains("no data events")),
        "{warnings:?}"
    );

    // With data events in the trail, the message calls nobody made are reported too.
    let mut data = trail_record(
        account,
        "fg-worker",
        "fn03",
        "sqs.amazonaws.com",
        "ReceiveMessage",
    );
    data["eventCategory"] = json!("Data");
    data["managementEvent"] = json!(false);
    std::fs::write(
        day.join("data.json"),
        json!({ "Records": [data] }).to_string(),
    )
    .unwrap();
    let unused = worker_unused(&usage());
    assert!(unused.contains("sqs:SendMessage"), "{unused:?}");
    assert!(!unused.contains("iam:PassRole"));

    // moto has no LookupEvents: when the events cannot be read, nothing is claimed unused.
    let out = fnguard(&creds)
        .env("AWS_MAX_ATTEMPTS", "1")
        .args([
            "aws",
            "usage",
            "--region",
            REGION,
            "--endpoint-url",
            &m.endpoint,
        ])
        .args(["--format", "json", "--no-progress"])
        .output()
        .unwrap();
    assert_eq!(findings(&out), Vec::<Value>::new());
    assert!(errors(&out)
        .iter()
        .any(|e| e["file"] == "aws:cloudtrail:LookupEvents"));
}

#[test]
fn live_scan_reads_every_enabled_region() {
    let Some(m) = moto() else { return };
    let account = &fresh_account();
    let role = json!({ "name": "fg-app", "policies": { "p": { "Version": "2012-10-17",
        "Statement": [ { "Effect": "Allow", "Action": "*", "Resource": "*" } ] } } });
    let spec = json!({ "account": account, "roles": [role], "functions": [
        { "name": "east", "runtime": "python3.12", "handler": "app.handler", "role": "fg-app" } ] });
    // IAM is global: the role is created once; in the other region the deployer looks it up.
    let creds = deploy_in(&m, account, "us-east-1", "apply", &spec);
    deploy_in(
        &m,
        account,
        "eu-west-1",
        "drift",
        &json!([ { "op": "create_function", "function": "west", "role": "fg-app" } ]),
    );
    let (proxy, wire) = start_recorder(&m.endpoint);
    let out = fnguard(&creds)
        .args(["aws", "scan", "--all-regions", "--endpoint-url", &proxy])
        .args(["--format", "json", "--no-progress"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let projects: BTreeSet<(String, String)> = v["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap().to_string(),
                p["functions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(","),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> = [
        (format!("aws:{account}:eu-west-1"), "west".to_string()),
        (format!("aws:{account}:us-east-1"), "east".to_string()),
    ]
    .into_iter()
    .collect();
    assert_eq!(projects, expected);
    let wire = wire.lock().unwrap();
    assert!(wire.iter().all(is_read_only), "{wire:#?}");
    // The admin role is reported for the function of each region.
    let admin: BTreeSet<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "FG301")
        .filter_map(|f| f["function"].as_str())
        .collect();
    assert_eq!(admin, ["east", "west"].into_iter().collect(), "{v:#}");
}

#[test]
fn remediate_restores_the_declared_state_and_undo_brings_the_drift_back() {
    let Some(m) = moto() else { return };
    let account = &fresh_account();
    let mut spec = app(account, 20);
    // As in the drift test: moto drops the condition of a public URL's permission.
    spec["functions"][1]["url"] = json!("AWS_IAM");
    let creds = deploy(&m, account, "apply", &spec);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("template.json"),
        serde_json::to_string_pretty(&template(&spec)).unwrap(),
    )
    .unwrap();
    let (proxy, log) = start_recorder(&m.endpoint);
    let run = |extra: &[&str]| {
        fnguard(&creds)
            .args(["aws"])
            .args(extra)
            .arg(dir.path())
            .args([
                "--region",
                REGION,
                "--endpoint-url",
                &proxy,
                "--no-progress",
            ])
            .args(["--format", "json"])
            .output()
            .unwrap()
    };
    let drift = || drift_keys(&run(&["drift"]));
    assert_eq!(drift(), BTreeSet::new(), "no drift right after deploying");

    // Changes made outside the template, through the SDK.
    deploy(
        &m,
        account,
        "drift",
        &json!([
            { "op": "put_role_policy", "role": "fg-reader", "name": "hotfix", "document": {
                "Version": "2012-10-17",
                "Statement": [ { "Effect": "Allow", "Action": "dynamodb:*", "Resource": "*" } ] } },
            { "op": "attach_new_policy", "role": "fg-reader", "name": "fg-break-glass", "document": {
                "Version": "2012-10-17",
                "Statement": [ { "Effect": "Allow", "Action": "s3:*", "Resource": "*" } ] } },
            { "op": "url", "function": "fn03", "auth": "NONE" },
            { "op": "update_url", "function": "fn01", "auth": "NONE" },
            { "op": "permission", "function": "fn08", "sid": "open", "principal": "*" },
        ]),
    );
    let drifted = drift();
    let aspects: BTreeSet<&str> = drifted.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(
        aspects,
        ["permissions", "role_permissions", "url"]
            .into_iter()
            .collect(),
        "{drifted:?}"
    );

    // The plan: exactly the five calls that undo those changes, nothing else.
    let planned = run(&["remediate"]);
    assert_eq!(
        planned.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&planned.stderr)
    );
    let plan: Value = serde_json::from_slice(&planned.stdout).unwrap();
    let mut calls: Vec<String> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let who = s["role"].as_str().or(s["function"].as_str()).unwrap();
            format!("{} {who}", s["call"].as_str().unwrap())
        })
        .collect();
    calls.sort();
    assert_eq!(
        calls,
        vec![
            "iam:DeleteRolePolicy fg-reader",
            "iam:DetachRolePolicy fg-reader",
            "lambda:DeleteFunctionUrlConfig fn03",
            "lambda:RemovePermission fn08",
            "lambda:UpdateFunctionUrlConfig fn01",
        ],
        "{plan:#}"
    );
    // Planning only reads.
    assert!(log.lock().unwrap().iter().all(is_read_only));

    // Apply: the drift is gone, and only the planned calls wrote anything.
    let journal = dir.path().join("journal.json");
    log.lock().unwrap().clear();
    let applied = run(&[
        "remediate",
        "--apply",
        "--journal",
        journal.to_str().unwrap(),
    ]);
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let writes = log
        .lock()
        .unwrap()
        .iter()
        .filter(|r| !is_read_only(r))
        .count();
    assert_eq!(writes, 5, "one write per planned call");
    assert_eq!(drift(), BTreeSet::new(), "nothing drifts after --apply");
    let recorded: Value = serde_json::from_slice(&std::fs::read(&journal).unwrap()).unwrap();
    assert_eq!(recorded["applied"].as_array().unwrap().len(), 5);

    // Undo: the drift is back, exactly as it was, and the journal is empty.
    let undone = run(&["remediate", "--undo", journal.to_str().unwrap()]);
    assert_eq!(
        undone.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&undone.stderr)
    );
    assert_eq!(drift(), drifted, "--undo brings the drift back");
    let recorded: Value = serde_json::from_slice(&std::fs::read(&journal).unwrap()).unwrap();
    assert_eq!(recorded["applied"].as_array().unwrap().len(), 0);
}

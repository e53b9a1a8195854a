//! A snapshot of the account becomes the CloudFormation template that would have deployed it,
//! and the CloudFormation loader turns that into the model: every rule then runs on live
//! resources exactly as on templates. References between resources are written as `Ref` /
//! `Fn::GetAtt` when both ends are in the snapshot (as a template would), as ARNs otherwise.
//! Findings point at ARNs: the template's line ranges are kept per resource to map them back.

use crate::snapshot::*;
use fnguard_ingest::{load_str, DescriptorKind, Diagnostic, LoadOptions};
use fnguard_model::{Location, Project, SourceFormat};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};

/// Template line ranges → the ARN of the resource written there.
#[derive(Debug, Clone, Default)]
pub struct LineMap {
    pub file: String,
    ranges: Vec<(u32, u32, String)>,
}

impl LineMap {
    pub fn arn_at(&self, line: u32) -> Option<&str> {
        self.ranges
            .iter()
            .find(|(a, b, _)| (*a..=*b).contains(&line))
            .map(|(_, _, arn)| arn.as_str())
    }

    /// Rewrites a template location to the live resource's ARN.
    pub fn relocate(&self, loc: &mut Location) {
        if loc.file != self.file {
            return;
        }
        if let Some(arn) = self.arn_at(loc.line) {
            loc.file = arn.to_string().into();
            loc.line = 0;
            loc.column = 0;
        }
    }
}

pub struct Translated {
    pub template: String,
    pub lines: LineMap,
}

struct Builder<'a> {
    snap: &'a Snapshot,
    resources: Vec<(String, Value, String)>,
    used: HashMap<String, usize>,
    /// Function ARN (unqualified) → logical id.
    functions: HashMap<String, String>,
    queues: HashMap<String, String>,
    topics: HashMap<String, String>,
    roles: HashMap<String, String>,
}

fn unqualified(arn: &str) -> &str {
    // arn:aws:lambda:region:account:function:name[:qualifier]
    let parts: Vec<&str> = arn.splitn(8, ':').collect();
    if parts.len() == 8 && parts[5] == "function" {
        let end = arn.len() - parts[7].len() - 1;
        &arn[..end]
    } else {
        arn
    }
}

impl<'a> Builder<'a> {
    fn id(&mut self, wanted: &str, kind: &str) -> String {
        let base = if self.used.contains_key(wanted) {
            format!("{wanted} ({kind})")
        } else {
            wanted.to_string()
        };
        let n = self.used.entry(base.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            base
        } else {
            format!("{base} #{n}")
        }
    }

    fn add(&mut self, id: String, ty: &str, props: Value, arn: &str) {
        self.resources.push((
            id,
            json!({ "Type": ty, "Properties": props }),
            arn.to_string(),
        ));
    }

    fn fn_ref(&self, arn: &str) -> Value {
        match self.functions.get(unqualified(arn)) {
            Some(id) => json!({ "Fn::GetAtt": [id, "Arn"] }),
            None => Value::String(arn.to_string()),
        }
    }

    fn source_ref(&self, arn: &str) -> Value {
        if let Some(id) = self.queues.get(arn) {
            return json!({ "Fn::GetAtt": [id, "Arn"] });
        }
        if let Some(id) = self.topics.get(arn) {
            return json!({ "Ref": id });
        }
        Value::String(arn.to_string())
    }
}

pub fn translate(snap: &Snapshot) -> Translated {
    let mut b = Builder {
        snap,
        resources: Vec::new(),
        used: HashMap::new(),
        functions: HashMap::new(),
        queues: HashMap::new(),
        topics: HashMap::new(),
        roles: HashMap::new(),
    };
    // Ids first, so that references can be written in any order. Functions keep their names.
    for f in &snap.functions {
        let id = b.id(&f.name, "function");
        b.functions.insert(unqualified(&f.arn).to_string(), id);
    }
    for r in &snap.roles {
        let id = b.id(&r.name, "role");
        b.roles.insert(r.arn.clone(), id);
    }
    for q in &snap.queues {
        let id = b.id(&q.name, "queue");
        b.queues.insert(q.arn.clone(), id);
    }
    for t in &snap.topics {
        let id = b.id(&t.name, "topic");
        b.topics.insert(t.arn.clone(), id);
    }
    roles(&mut b);
    functions(&mut b);
    buckets(&mut b);
    queues_and_topics(&mut b);
    http_apis(&mut b);
    rest_apis(&mut b);
    rules(&mut b);
    for g in &snap.log_groups {
        let Some(fname) = g.name.strip_prefix("/aws/lambda/") else {
            continue;
        };
        let mut props = json!({ "LogGroupName": g.name });
        if let Some(days) = g.retention_days {
            props["RetentionInDays"] = json!(days);
        }
        let id = b.id(&format!("{fname} logs"), "log group");
        let arn = format!(
            "arn:aws:logs:{}:{}:log-group:{}",
            snap.region, snap.account, g.name
        );
        b.add(id, "AWS::Logs::LogGroup", props, &arn);
    }
    render(snap, b.resources)
}

fn render(snap: &Snapshot, resources: Vec<(String, Value, String)>) -> Translated {
    let file = format!("aws:{}:{}", snap.account, snap.region);
    let mut text =
        String::from("{\n  \"AWSTemplateFormatVersion\": \"2010-09-09\",\n  \"Resources\": {\n");
    let mut line: u32 = 4;
    let mut ranges = Vec::new();
    let n = resources.len();
    for (i, (id, body, arn)) in resources.into_iter().enumerate() {
        let rendered = serde_json::to_string_pretty(&body).unwrap_or_else(|_| "{}".into());
        let indented: Vec<String> = rendered
            .lines()
            .enumerate()
            .map(|(j, l)| {
                if j == 0 {
                    l.to_string()
                } else {
                    format!("    {l}")
                }
            })
            .collect();
        let key = serde_json::to_string(&id).unwrap_or_else(|_| "\"?\"".into());
        let start = line;
        text.push_str(&format!("    {key}: {}", indented.join("\n")));
        text.push_str(if i + 1 < n { ",\n" } else { "\n" });
        line += indented.len() as u32;
        ranges.push((start, line - 1, arn));
    }
    text.push_str("  }\n}\n");
    Translated {
        template: text,
        lines: LineMap { file, ranges },
    }
}

fn roles(b: &mut Builder<'_>) {
    let customer: HashMap<&str, &LivePolicy> = b
        .snap
        .managed_policies
        .iter()
        .map(|p| (p.arn.as_str(), p))
        .collect();
    for r in &b.snap.roles {
        let id = b.roles[&r.arn].clone();
        let policies: Vec<Value> = r
            .inline
            .iter()
            .map(|(name, doc)| json!({ "PolicyName": name, "PolicyDocument": doc }))
            .collect();
        // Customer-managed policies are written out (their documents are in the snapshot);
        // AWS-managed ones stay as ARNs, which fnguard knows.
        let aws_managed: Vec<&String> = r
            .attached
            .iter()
            .filter(|a| !customer.contains_key(a.as_str()))
            .collect();
        let mut props = json!({
            "RoleName": r.name,
            "AssumeRolePolicyDocument": r.trust_policy,
            "Policies": policies,
            "ManagedPolicyArns": aws_managed,
        });
        if let Some(bound) = &r.boundary {
            props["PermissionsBoundary"] = json!(bound);
        }
        b.add(id.clone(), "AWS::IAM::Role", props, &r.arn);
        for a in &r.attached {
            if let Some(p) = customer.get(a.as_str()) {
                let pid = b.id(&format!("{} on {}", p.name, r.name), "policy");
                b.add(
                    pid,
                    "AWS::IAM::ManagedPolicy",
                    json!({ "ManagedPolicyName": p.name, "PolicyDocument": p.document, "Roles": [{ "Ref": id }] }),
                    &p.arn,
                );
            }
        }
    }
}

fn functions(b: &mut Builder<'_>) {
    for f in &b.snap.functions {
        let id = b.functions[unqualified(&f.arn)].clone();
        let role = match b.roles.get(&f.role) {
            Some(r) => json!({ "Fn::GetAtt": [r, "Arn"] }),
            None => json!(f.role),
        };
        let mut p = Map::new();
        p.insert("FunctionName".into(), json!(f.name));
        p.insert("Role".into(), role);
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                p.insert(k.into(), v);
            }
        };
        put("Runtime", f.runtime.clone().map(Value::from));
        put("Handler", f.handler.clone().map(Value::from));
        put("PackageType", f.package_type.clone().map(Value::from));
        put("MemorySize", f.memory_mb.map(Value::from));
        put("Timeout", f.timeout_s.map(Value::from));
        put("KmsKeyArn", f.kms_key.clone().map(Value::from));
        put(
            "CodeSigningConfigArn",
            f.code_signing.clone().map(Value::from),
        );
        put(
            "ReservedConcurrentExecutions",
            f.reserved_concurrency.map(Value::from),
        );
        put(
            "Environment",
            (!f.environment.is_empty()).then(|| json!({ "Variables": f.environment })),
        );
        put("Layers", (!f.layers.is_empty()).then(|| json!(f.layers)));
        put(
            "VpcConfig",
            f.in_vpc
                .then(|| json!({ "SubnetIds": ["(live)"], "SecurityGroupIds": ["(live)"] })),
        );
        put(
            "TracingConfig",
            f.tracing.clone().map(|m| json!({ "Mode": m })),
        );
        put(
            "DeadLetterConfig",
            f.dead_letter
                .clone()
                .map(|t| json!({ "TargetArn": b.source_ref(&t) })),
        );
        put(
            "Architectures",
            (!f.architectures.is_empty()).then(|| json!(f.architectures)),
        );
        b.add(
            id.clone(),
            "AWS::Lambda::Function",
            Value::Object(p),
            &f.arn,
        );
        if let Some(url) = &f.url {
            let mut props = json!({ "TargetFunctionArn": { "Fn::GetAtt": [id, "Arn"] }, "AuthType": url.auth_type });
            if !url.cors_allow_origins.is_empty() {
                props["Cors"] = json!({ "AllowOrigins": url.cors_allow_origins });
            }
            if let Some(m) = &url.invoke_mode {
                props["InvokeMode"] = json!(m);
            }
            let uid = b.id(&format!("{} url", f.name), "url");
            b.add(uid, "AWS::Lambda::Url", props, &f.arn);
        }
        for (i, st) in f
            .policy
            .as_ref()
            .and_then(|p| p.get("Statement"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if st.get("Effect").and_then(Value::as_str) != Some("Allow") {
                continue;
            }
            let principal = match st.get("Principal") {
                Some(Value::String(s)) => json!(s),
                Some(Value::Object(m)) => m
                    .get("Service")
                    .or_else(|| m.get("AWS"))
                    .cloned()
                    .unwrap_or(Value::Null),
                _ => Value::Null,
            };
            let action = match st.get("Action") {
                Some(Value::Array(a)) => a.first().cloned().unwrap_or(Value::Null),
                Some(v) => v.clone(),
                None => Value::Null,
            };
            let mut props =
                json!({ "FunctionName": { "Ref": id }, "Action": action, "Principal": principal });
            let cond = st.get("Condition");
            if let Some(src) = cond
                .and_then(|c| c.pointer("/ArnLike/AWS:SourceArn"))
                .or_else(|| cond.and_then(|c| c.pointer("/ArnEquals/AWS:SourceArn")))
            {
                props["SourceArn"] = src.clone();
            }
            if let Some(acct) = cond.and_then(|c| c.pointer("/StringEquals/AWS:SourceAccount")) {
                props["SourceAccount"] = acct.clone();
            }
            if let Some(t) =
                cond.and_then(|c| c.pointer("/StringEquals/lambda:FunctionUrlAuthType"))
            {
                props["FunctionUrlAuthType"] = t.clone();
            }
            if let Some(org) = cond.and_then(|c| c.pointer("/StringEquals/aws:PrincipalOrgID")) {
                props["PrincipalOrgID"] = org.clone();
            }
            let pid = b.id(&format!("{} permission {i}", f.name), "permission");
            b.add(pid, "AWS::Lambda::Permission", props, &f.arn);
        }
        for (i, m) in f.event_source_mappings.iter().enumerate() {
            let mut props = json!({
                "FunctionName": { "Ref": id },
                "EventSourceArn": b.source_ref(&m.event_source_arn),
                "Enabled": m.enabled,
            });
            if !m.function_response_types.is_empty() {
                props["FunctionResponseTypes"] = json!(m.function_response_types);
            }
            if let Some(d) = &m.on_failure {
                props["DestinationConfig"] = json!({ "OnFailure": { "Destination": d } });
            }
            if let Some(n) = m.batch_size {
                props["BatchSize"] = json!(n);
            }
            let mid = b.id(&format!("{} mapping {i}", f.name), "mapping");
            b.add(mid, "AWS::Lambda::EventSourceMapping", props, &f.arn);
        }
        if let Some(c) = &f.invoke_config {
            let mut props = json!({ "FunctionName": { "Ref": id }, "Qualifier": "$LATEST" });
            if let Some(n) = c.max_retries {
                props["MaximumRetryAttempts"] = json!(n);
            }
            if let Some(n) = c.max_event_age_s {
                props["MaximumEventAgeInSeconds"] = json!(n);
            }
            let mut dest = Map::new();
            if let Some(d) = &c.on_failure {
                dest.insert("OnFailure".into(), json!({ "Destination": d }));
            }
            if let Some(d) = &c.on_success {
                dest.insert("OnSuccess".into(), json!({ "Destination": d }));
            }
            if !dest.is_empty() {
                props["DestinationConfig"] = Value::Object(dest);
            }
            let cid = b.id(&format!("{} invoke config", f.name), "invoke config");
            b.add(cid, "AWS::Lambda::EventInvokeConfig", props, &f.arn);
        }
    }
}

fn buckets(b: &mut Builder<'_>) {
    for bk in &b.snap.buckets {
        let id = b.id(&bk.name, "bucket");
        let arn = format!("arn:aws:s3:::{}", bk.name);
        let mut props = json!({ "BucketName": bk.name });
        if let Some([a, c, d, e]) = bk.public_access_block {
            props["PublicAccessBlockConfiguration"] = json!({
                "BlockPublicAcls": a, "BlockPublicPolicy": c, "IgnorePublicAcls": d, "RestrictPublicBuckets": e,
            });
        }
        let lambda: Vec<Value> = bk
            .notifications
            .iter()
            .flat_map(|n| {
                let mut rules = Vec::new();
                if let Some(p) = &n.prefix {
                    rules.push(json!({ "Name": "prefix", "Value": p }));
                }
                if let Some(s) = &n.suffix {
                    rules.push(json!({ "Name": "suffix", "Value": s }));
                }
                n.events
                    .iter()
                    .map(move |e| {
                        let mut c = json!({ "Event": e, "Function": n.function_arn });
                        if !rules.is_empty() {
                            c["Filter"] = json!({ "S3Key": { "Rules": rules } });
                        }
                        c
                    })
                    .collect::<Vec<_>>()
            })
            .map(|mut c| {
                let arn = c["Function"].as_str().unwrap_or_default().to_string();
                c["Function"] = b.fn_ref(&arn);
                c
            })
            .collect();
        if !lambda.is_empty() {
            props["NotificationConfiguration"] = json!({ "LambdaConfigurations": lambda });
        }
        b.add(id.clone(), "AWS::S3::Bucket", props, &arn);
        if let Some(doc) = &bk.policy {
            let pid = b.id(&format!("{} policy", bk.name), "bucket policy");
            b.add(
                pid,
                "AWS::S3::BucketPolicy",
                json!({ "Bucket": { "Ref": id }, "PolicyDocument": doc }),
                &arn,
            );
        }
    }
}

fn queues_and_topics(b: &mut Builder<'_>) {
    for q in &b.snap.queues {
        let id = b.queues[&q.arn].clone();
        let mut props = json!({ "QueueName": q.name });
        if let Some(k) = &q.kms_key {
            props["KmsMasterKeyId"] = json!(k);
        }
        if let Some(s) = q.sqs_managed_sse {
            props["SqsManagedSseEnabled"] = json!(s);
        }
        if q.redrive {
            props["RedrivePolicy"] =
                json!({ "deadLetterTargetArn": "(live)", "maxReceiveCount": 5 });
        }
        b.add(id.clone(), "AWS::SQS::Queue", props, &q.arn);
        if let Some(doc) = &q.policy {
            let pid = b.id(&format!("{} policy", q.name), "queue policy");
            b.add(
                pid,
                "AWS::SQS::QueuePolicy",
                json!({ "Queues": [{ "Ref": id }], "PolicyDocument": doc }),
                &q.arn,
            );
        }
    }
    for t in &b.snap.topics {
        let id = b.topics[&t.arn].clone();
        let mut props = json!({ "TopicName": t.name });
        if let Some(k) = &t.kms_key {
            props["KmsMasterKeyId"] = json!(k);
        }
        b.add(id.clone(), "AWS::SNS::Topic", props, &t.arn);
        if let Some(doc) = &t.policy {
            let pid = b.id(&format!("{} policy", t.name), "topic policy");
            b.add(
                pid,
                "AWS::SNS::TopicPolicy",
                json!({ "Topics": [{ "Ref": id }], "PolicyDocument": doc }),
                &t.arn,
            );
        }
        for (i, (protocol, endpoint)) in t.subscriptions.iter().enumerate() {
            if protocol != "lambda" {
                continue;
            }
            let sid = b.id(&format!("{} subscription {i}", t.name), "subscription");
            let ep = b.fn_ref(endpoint);
            b.add(
                sid,
                "AWS::SNS::Subscription",
                json!({ "Protocol": "lambda", "Endpoint": ep, "TopicArn": { "Ref": id } }),
                &t.arn,
            );
        }
    }
}

fn integration_uri(b: &Builder<'_>, fn_arn: &str) -> Value {
    match b.functions.get(unqualified(fn_arn)) {
        Some(id) => {
            json!({ "Fn::Sub": format!("arn:aws:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{{id}.Arn}}/invocations") })
        }
        None => json!(format!(
            "arn:aws:apigateway:{}:lambda:path/2015-03-31/functions/{fn_arn}/invocations",
            b.snap.region
        )),
    }
}

fn http_apis(b: &mut Builder<'_>) {
    for api in &b.snap.http_apis {
        let arn = format!("arn:aws:apigateway:{}::/apis/{}", b.snap.region, api.id);
        let id = b.id(&api.name, "API");
        let mut props = json!({ "Name": api.name, "ProtocolType": api.protocol });
        if !api.cors_allow_origins.is_empty() {
            props["CorsConfiguration"] = json!({ "AllowOrigins": api.cors_allow_origins });
        }
        b.add(id.clone(), "AWS::ApiGatewayV2::Api", props, &arn);
        let mut integ_ids: BTreeMap<String, String> = BTreeMap::new();
        for (iid, fn_arn) in &api.integrations {
            let lid = b.id(&format!("{} integration {iid}", api.name), "integration");
            let uri = match b.functions.get(unqualified(fn_arn)) {
                Some(f) => json!({ "Fn::GetAtt": [f, "Arn"] }),
                None => json!(fn_arn),
            };
            b.add(lid.clone(), "AWS::ApiGatewayV2::Integration", json!({ "ApiId": { "Ref": id }, "IntegrationType": "AWS_PROXY", "IntegrationUri": uri, "PayloadFormatVersion": "2.0" }), &arn);
            integ_ids.insert(iid.clone(), lid);
        }
        let mut auth_ids: BTreeMap<String, String> = BTreeMap::new();
        for (aid, ty) in &api.authorizers {
            let lid = b.id(&format!("{} authorizer {aid}", api.name), "authorizer");
            b.add(
                lid.clone(),
                "AWS::ApiGatewayV2::Authorizer",
                json!({ "ApiId": { "Ref": id }, "AuthorizerType": ty, "Name": aid }),
                &arn,
            );
            auth_ids.insert(aid.clone(), lid);
        }
        for r in &api.routes {
            let mut props = json!({ "ApiId": { "Ref": id }, "RouteKey": r.route_key, "AuthorizationType": r.authorization_type.clone().unwrap_or_else(|| "NONE".into()) });
            if let Some(t) = r
                .target
                .as_deref()
                .and_then(|t| t.strip_prefix("integrations/"))
            {
                if let Some(lid) = integ_ids.get(t) {
                    props["Target"] =
                        json!({ "Fn::Join": ["/", ["integrations", { "Ref": lid }]] });
                }
            }
            if let Some(a) = r.authorizer_id.as_ref().and_then(|a| auth_ids.get(a)) {
                props["AuthorizerId"] = json!({ "Ref": a });
            }
            if r.api_key_required {
                props["ApiKeyRequired"] = json!(true);
            }
            let rid = b.id(&format!("{} {}", api.name, r.route_key), "route");
            b.add(rid, "AWS::ApiGatewayV2::Route", props, &arn);
        }
        for s in &api.stages {
            let mut props = json!({ "ApiId": { "Ref": id }, "StageName": s.name });
            if s.throttle_rate.is_some() || s.throttle_burst.is_some() {
                let mut t = Map::new();
                if let Some(r) = s.throttle_rate {
                    t.insert("ThrottlingRateLimit".into(), json!(r));
                }
                if let Some(bu) = s.throttle_burst {
                    t.insert("ThrottlingBurstLimit".into(), json!(bu));
                }
                props["DefaultRouteSettings"] = Value::Object(t);
            }
            if s.access_logging {
                props["AccessLogSettings"] =
                    json!({ "DestinationArn": "(live)", "Format": "(live)" });
            }
            let sid = b.id(&format!("{} stage {}", api.name, s.name), "stage");
            b.add(sid, "AWS::ApiGatewayV2::Stage", props, &arn);
        }
    }
}

fn rest_apis(b: &mut Builder<'_>) {
    for api in &b.snap.rest_apis {
        let arn = format!("arn:aws:apigateway:{}::/restapis/{}", b.snap.region, api.id);
        let id = b.id(&api.name, "REST API");
        let mut props = json!({ "Name": api.name });
        if !api.endpoint_types.is_empty() {
            props["EndpointConfiguration"] = json!({ "Types": api.endpoint_types });
        }
        if let Some(p) = &api.policy {
            props["Policy"] = p.clone();
        }
        b.add(id.clone(), "AWS::ApiGateway::RestApi", props, &arn);
        // The resource tree, one AWS::ApiGateway::Resource per path segment.
        let mut paths: BTreeMap<String, String> = BTreeMap::new();
        for m in &api.methods {
            let mut parent = json!({ "Fn::GetAtt": [id, "RootResourceId"] });
            let mut so_far = String::new();
            for seg in m.path.split('/').filter(|s| !s.is_empty()) {
                so_far.push('/');
                so_far.push_str(seg);
                let rid = match paths.get(&so_far) {
                    Some(r) => r.clone(),
                    None => {
                        let rid = b.id(&format!("{}{}", api.name, so_far), "resource");
                        b.add(rid.clone(), "AWS::ApiGateway::Resource", json!({ "RestApiId": { "Ref": id }, "ParentId": parent, "PathPart": seg }), &arn);
                        paths.insert(so_far.clone(), rid.clone());
                        rid
                    }
                };
                parent = json!({ "Ref": rid });
            }
            let mut props = json!({
                "RestApiId": { "Ref": id }, "ResourceId": parent, "HttpMethod": m.http_method,
                "AuthorizationType": m.authorization_type, "ApiKeyRequired": m.api_key_required,
            });
            if let Some(f) = &m.function_arn {
                props["Integration"] = json!({ "Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": integration_uri(b, f) });
            }
            let mid = b.id(
                &format!("{} {} {}", api.name, m.http_method, m.path),
                "method",
            );
            b.add(mid, "AWS::ApiGateway::Method", props, &arn);
        }
        for s in &api.stages {
            let mut props = json!({ "RestApiId": { "Ref": id }, "StageName": s.name });
            if s.throttle_rate.is_some() || s.throttle_burst.is_some() {
                let mut t = json!({ "ResourcePath": "/*", "HttpMethod": "*" });
                if let Some(r) = s.throttle_rate {
                    t["ThrottlingRateLimit"] = json!(r);
                }
                if let Some(bu) = s.throttle_burst {
                    t["ThrottlingBurstLimit"] = json!(bu);
                }
                props["MethodSettings"] = json!([t]);
            }
            if s.access_logging {
                props["AccessLogSetting"] =
                    json!({ "DestinationArn": "(live)", "Format": "(live)" });
            }
            let sid = b.id(&format!("{} stage {}", api.name, s.name), "stage");
            b.add(sid.clone(), "AWS::ApiGateway::Stage", props, &arn);
            if let Some(acl) = &s.web_acl {
                let wid = b.id(&format!("{} stage {} web acl", api.name, s.name), "web acl");
                b.add(
                    wid,
                    "AWS::WAFv2::WebACLAssociation",
                    json!({ "ResourceArn": { "Ref": sid }, "WebACLArn": acl }),
                    &arn,
                );
            }
        }
        for plan in &api.usage_plans {
            let mut props = json!({
                "UsagePlanName": plan.name,
                "ApiStages": [ { "ApiId": { "Ref": id }, "Stage": plan.stage } ],
            });
            if plan.rate.is_some() || plan.burst.is_some() {
                let mut t = json!({});
                if let Some(r) = plan.rate {
                    t["RateLimit"] = json!(r);
                }
                if let Some(bu) = plan.burst {
                    t["BurstLimit"] = json!(bu);
                }
                props["Throttle"] = t;
            }
            let pid = b.id(
                &format!("{} usage plan {}", api.name, plan.name),
                "usage plan",
            );
            b.add(pid, "AWS::ApiGateway::UsagePlan", props, &arn);
        }
    }
}

fn rules(b: &mut Builder<'_>) {
    for r in &b.snap.rules {
        let targets: Vec<Value> = r
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| json!({ "Id": format!("t{i}"), "Arn": b.fn_ref(t) }))
            .collect();
        let mut props = json!({ "Name": r.name, "EventBusName": r.bus, "Targets": targets });
        if let Some(s) = &r.schedule {
            props["ScheduleExpression"] = json!(s);
        }
        if let Some(p) = &r.pattern {
            props["EventPattern"] = serde_json::from_str(p).unwrap_or(json!(p));
        }
        let arn = format!(
            "arn:aws:events:{}:{}:rule/{}",
            b.snap.region, b.snap.account, r.name
        );
        let id = b.id(&r.name, "rule");
        b.add(id, "AWS::Events::Rule", props, &arn);
    }
}

/// The snapshot as a project of the model (format `live`), with the diagnostics of loading it
/// and the line map for pointing findings at ARNs.
pub fn load(snap: &Snapshot) -> (Option<Project>, Vec<Diagnostic>, LineMap) {
    let t = translate(snap);
    let loaded = load_str(
        DescriptorKind::CloudFormation,
        &t.lines.file,
        &t.template,
        &LoadOptions::default(),
    );
    let project = loaded.project.map(|mut p| {
        p.format = SourceFormat::Live;
        p
    });
    (project, loaded.diagnostics, t.lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_function_arns_lose_their_qualifier() {
        assert_eq!(
            unqualified("arn:aws:lambda:us-east-1:123456789012:function:f:live"),
            "arn:aws:lambda:us-east-1:123456789012:function:f"
        );
        assert_eq!(
            unqualified("arn:aws:lambda:us-east-1:123456789012:function:f"),
            "arn:aws:lambda:us-east-1:123456789012:function:f"
        );
    }
}

//! Trigger envelopes: which service sent an event, and which of its fields an attacker controls
//! (decoded: base64 bodies and Kinesis data, URL-encoded S3 keys, typed DynamoDB attributes,
//! SNS messages inside SQS bodies, JSON and form bodies walked to their leaves).

use base64::Engine;
use compact_str::CompactString;
use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    ApiGatewayV1,
    ApiGatewayV2,
    FunctionUrl,
    Alb,
    Sqs,
    Sns,
    S3,
    DynamoDb,
    Kinesis,
    EventBridge,
    Firehose,
    Kafka,
    /// Amazon MQ for ActiveMQ (`aws:mq`).
    ActiveMq,
    /// Amazon MQ for RabbitMQ (`aws:rmq`).
    RabbitMq,
    /// DocumentDB change streams (`aws:docdb`).
    DocumentDb,
    CloudWatchLogs,
    Unknown,
}

impl Trigger {
    pub fn is_http(self) -> bool {
        matches!(
            self,
            Trigger::ApiGatewayV1 | Trigger::ApiGatewayV2 | Trigger::FunctionUrl | Trigger::Alb
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            Trigger::ApiGatewayV1 => "API Gateway (REST/WebSocket)",
            Trigger::ApiGatewayV2 => "API Gateway (HTTP)",
            Trigger::FunctionUrl => "function URL",
            Trigger::Alb => "ALB",
            Trigger::Sqs => "SQS",
            Trigger::Sns => "SNS",
            Trigger::S3 => "S3",
            Trigger::DynamoDb => "DynamoDB stream",
            Trigger::Kinesis => "Kinesis",
            Trigger::EventBridge => "EventBridge",
            Trigger::Firehose => "Firehose",
            Trigger::Kafka => "Kafka",
            Trigger::ActiveMq => "Amazon MQ (ActiveMQ)",
            Trigger::RabbitMq => "Amazon MQ (RabbitMQ)",
            Trigger::DocumentDb => "DocumentDB change stream",
            Trigger::CloudWatchLogs => "CloudWatch Logs",
            Trigger::Unknown => "direct invocation",
        }
    }
}

/// One attacker-controlled value, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Index of the batch record it belongs to.
    pub record: Option<usize>,
    /// `body.user.name`, `queryStringParameters.q`, `Records[0].s3.object.key`.
    /// Short paths and values are held in place: an event of many short fields made four
    /// allocations per field, a seventh of its inspection.
    pub path: CompactString,
    pub value: CompactString,
    /// An object key rather than a value (NoSQL operators live in keys).
    pub is_key: bool,
}

impl Field {
    /// The same field holding `value` (a part of its own): its value is not copied first
    /// (`..field.clone()` copied a 1 MB value once for each of its 17 chunks).
    pub fn with_value(&self, value: &str) -> Field {
        Field {
            record: self.record,
            path: self.path.clone(),
            value: value.into(),
            is_key: self.is_key,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_depth: usize,
    pub max_keys: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub record: Option<usize>,
    pub path: String,
    pub what: String,
}

#[derive(Debug, Clone)]
pub struct Envelope {
    pub trigger: Trigger,
    pub fields: Vec<Field>,
    /// Batch record ids in order (SQS message ids, stream event ids / sequence numbers).
    pub records: Vec<String>,
    pub violations: Vec<Violation>,
    /// ALB with multi-value headers on: its responses must use `multiValueHeaders`.
    pub multi_value_headers: bool,
}

pub fn decode(event: &Value, limits: &Limits) -> Envelope {
    let mut env = Envelope {
        trigger: detect(event),
        fields: Vec::new(),
        records: Vec::new(),
        violations: Vec::new(),
        multi_value_headers: event.get("multiValueHeaders").is_some_and(|h| !h.is_null()),
    };
    let mut w = Walker {
        env: &mut env,
        limits,
        keys: 0,
    };
    match w.env.trigger {
        Trigger::ApiGatewayV1 | Trigger::ApiGatewayV2 | Trigger::FunctionUrl | Trigger::Alb => {
            w.http(event)
        }
        Trigger::Sqs => w.records(event, |w, i, r| {
            w.env.records.push(text(r, "messageId"));
            w.sqs_body(i, r.get("body").and_then(Value::as_str).unwrap_or(""));
            if let Some(attrs) = r.get("messageAttributes").and_then(Value::as_object) {
                for (k, a) in attrs {
                    let path = format!("Records[{i}].messageAttributes.{k}");
                    if let Some(s) = a.get("stringValue").and_then(Value::as_str) {
                        w.push(Some(i), path.clone(), s);
                    }
                    if let Some(b) = a.get("binaryValue").and_then(Value::as_str) {
                        w.base64_payload(Some(i), &path, b);
                    }
                    for list in ["stringListValues", "binaryListValues"] {
                        let items = a.get(list).and_then(Value::as_array);
                        for (j, item) in items.into_iter().flatten().enumerate() {
                            if let Some(s) = item.as_str() {
                                if list == "stringListValues" {
                                    w.push(Some(i), format!("{path}[{j}]"), s);
                                } else {
                                    w.base64_payload(Some(i), &format!("{path}[{j}]"), s);
                                }
                            }
                        }
                    }
                }
            }
        }),
        Trigger::Sns => w.records(event, |w, i, r| {
            w.env.records.push(text(r, "EventSubscriptionArn"));
            if let Some(sns) = r.get("Sns") {
                w.sns(i, &format!("Records[{i}].Sns"), sns);
            }
        }),
        Trigger::S3 => w.records(event, |w, i, r| {
            w.env.records.push(format!("{i}"));
            if let Some(key) = r.pointer("/s3/object/key").and_then(Value::as_str) {
                // S3 event keys are URL-encoded with `+` for spaces.
                let plus = key.replace('+', " ");
                let decoded = percent_encoding::percent_decode_str(&plus).decode_utf8_lossy();
                w.push(Some(i), format!("Records[{i}].s3.object.key"), &decoded);
            }
        }),
        Trigger::DynamoDb => w.records(event, |w, i, r| {
            w.env.records.push(text(r, "eventID"));
            for image in ["Keys", "NewImage"] {
                if let Some(m) = r.pointer(&format!("/dynamodb/{image}")) {
                    w.dynamo(i, &format!("Records[{i}].dynamodb.{image}"), m, 0);
                }
            }
        }),
        Trigger::Kinesis => w.records(event, |w, i, r| {
            w.env.records.push(
                r.pointer("/kinesis/sequenceNumber")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            );
            if let Some(data) = r.pointer("/kinesis/data").and_then(Value::as_str) {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(data.trim())
                    .unwrap_or_else(|_| data.as_bytes().to_vec());
                w.payload(Some(i), &format!("Records[{i}].kinesis.data"), &bytes, true);
            }
        }),
        Trigger::EventBridge => {
            if let Some(d) = event.get("detail") {
                w.json(None, "detail", d, 0);
            }
        }
        Trigger::Firehose => {
            let records = event.get("records").and_then(Value::as_array);
            for (i, r) in records.into_iter().flatten().enumerate() {
                w.keys = 0;
                w.env.records.push(text(r, "recordId"));
                if let Some(data) = r.get("data").and_then(Value::as_str) {
                    w.base64_payload(Some(i), &format!("records[{i}].data"), data);
                }
            }
        }
        Trigger::Kafka => {
            let mut i = 0;
            let topics = event.get("records").and_then(Value::as_object);
            for (tp, list) in topics.into_iter().flatten() {
                for r in list.as_array().into_iter().flatten() {
                    w.keys = 0;
                    let offset = r.get("offset").map(Value::to_string).unwrap_or_default();
                    w.env.records.push(format!("{tp}@{offset}"));
                    for part in ["key", "value"] {
                        if let Some(data) = r.get(part).and_then(Value::as_str) {
                            w.base64_payload(Some(i), &format!("records.{tp}[{i}].{part}"), data);
                        }
                    }
                    w.kafka_headers(i, &format!("records.{tp}[{i}].headers"), r.get("headers"));
                    i += 1;
                }
            }
        }
        Trigger::ActiveMq => w.records_in(event, "messages", |w, i, m| {
            w.env.records.push(text(m, "messageID"));
            let path = format!("messages[{i}]");
            if let Some(data) = m.get("data").and_then(Value::as_str) {
                w.base64_payload(Some(i), &format!("{path}.data"), data);
            }
            // What the producer set beside the body.
            if let Some(props) = m.get("properties") {
                w.json(Some(i), &format!("{path}.properties"), props, 0);
            }
            for key in ["correlationID", "type"] {
                if let Some(s) = m.get(key).and_then(Value::as_str) {
                    w.push(Some(i), format!("{path}.{key}"), s);
                }
            }
        }),
        Trigger::RabbitMq => {
            let mut i = 0;
            let queues = event.get("rmqMessagesByQueue").and_then(Value::as_object);
            for (queue, list) in queues.into_iter().flatten() {
                for m in list.as_array().into_iter().flatten() {
                    w.keys = 0;
                    w.rabbit_message(i, &format!("rmqMessagesByQueue.{queue}[{i}]"), m);
                    i += 1;
                }
            }
        }
        Trigger::DocumentDb => w.records_in(event, "events", |w, i, e| {
            let change = e.get("event");
            let id = change.and_then(|c| c.pointer("/_id/_data"));
            w.env.records.push(match id.and_then(Value::as_str) {
                Some(id) => id.to_string(),
                None => i.to_string(),
            });
            // The documents as written (after and, with pre-images on, before the change) and
            // the fields an update set: data that went into the database and comes back out to
            // this handler.
            for part in ["fullDocument", "fullDocumentBeforeChange"] {
                if let Some(doc) = change.and_then(|c| c.get(part)) {
                    w.json(Some(i), &format!("events[{i}].event.{part}"), doc, 0);
                }
            }
            let updated = change.and_then(|c| c.pointer("/updateDescription/updatedFields"));
            if let Some(fields) = updated {
                let path = format!("events[{i}].event.updateDescription.updatedFields");
                w.json(Some(i), &path, fields, 0);
            }
        }),
        Trigger::CloudWatchLogs => w.cloudwatch_logs(event),
        Trigger::Unknown => w.json(None, "event", event, 0),
    }
    env
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

pub fn detect(event: &Value) -> Trigger {
    let Some(obj) = event.as_object() else {
        return Trigger::Unknown;
    };
    if let Some(first) = obj
        .get("Records")
        .and_then(Value::as_array)
        .and_then(|r| r.first())
    {
        let source = first
            .get("eventSource")
            .or_else(|| first.get("EventSource"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        return match source {
            "aws:sqs" => Trigger::Sqs,
            "aws:sns" => Trigger::Sns,
            "aws:s3" => Trigger::S3,
            "aws:dynamodb" => Trigger::DynamoDb,
            "aws:kinesis" => Trigger::Kinesis,
            _ => Trigger::Unknown,
        };
    }
    if obj.contains_key("deliveryStreamArn") && obj.get("records").is_some_and(Value::is_array) {
        return Trigger::Firehose;
    }
    if matches!(
        obj.get("eventSource").and_then(Value::as_str),
        Some("aws:kafka" | "SelfManagedKafka")
    ) && obj.get("records").is_some_and(Value::is_object)
    {
        return Trigger::Kafka;
    }
    match obj.get("eventSource").and_then(Value::as_str) {
        Some("aws:mq") if obj.get("messages").is_some_and(Value::is_array) => {
            return Trigger::ActiveMq
        }
        Some("aws:rmq") if obj.get("rmqMessagesByQueue").is_some_and(Value::is_object) => {
            return Trigger::RabbitMq
        }
        Some("aws:docdb") if obj.get("events").is_some_and(Value::is_array) => {
            return Trigger::DocumentDb
        }
        _ => {}
    }
    if obj.get("awslogs").and_then(|a| a.get("data")).is_some() {
        return Trigger::CloudWatchLogs;
    }
    let ctx = obj.get("requestContext");
    if ctx.and_then(|c| c.get("elb")).is_some() {
        return Trigger::Alb;
    }
    if obj.get("version").and_then(Value::as_str) == Some("2.0")
        && ctx.and_then(|c| c.get("http")).is_some()
    {
        let domain = ctx
            .and_then(|c| c.get("domainName"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        return if domain.contains(".lambda-url.") {
            Trigger::FunctionUrl
        } else {
            Trigger::ApiGatewayV2
        };
    }
    if ctx.is_some() && (obj.contains_key("httpMethod") || obj.contains_key("resource"))
        || ctx.and_then(|c| c.get("connectionId")).is_some()
    {
        return Trigger::ApiGatewayV1;
    }
    if obj.contains_key("detail-type") && obj.contains_key("source") && obj.contains_key("detail") {
        return Trigger::EventBridge;
    }
    Trigger::Unknown
}

struct Walker<'a> {
    env: &'a mut Envelope,
    limits: &'a Limits,
    keys: usize,
}

impl Walker<'_> {
    fn push(&mut self, record: Option<usize>, path: impl Into<CompactString>, value: &str) {
        if !value.is_empty() {
            self.env.fields.push(Field {
                record,
                path: path.into(),
                value: value.into(),
                is_key: false,
            });
        }
    }

    fn violation(&mut self, record: Option<usize>, path: &str, what: String) {
        self.env.violations.push(Violation {
            record,
            path: path.to_string(),
            what,
        });
    }

    fn records(&mut self, event: &Value, each: impl FnMut(&mut Self, usize, &Value)) {
        self.records_in(event, "Records", each);
    }

    /// The records of the batch in the array `list` of the event, each with its own limits.
    fn records_in(
        &mut self,
        event: &Value,
        list: &str,
        mut each: impl FnMut(&mut Self, usize, &Value),
    ) {
        for (i, r) in event
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            // Limits hold per record: a large record is judged alone and the ones after it
            // are still inspected.
            self.keys = 0;
            each(self, i, r);
        }
    }

    fn http(&mut self, e: &Value) {
        for key in ["path", "rawPath"] {
            if let Some(p) = e.get(key).and_then(Value::as_str) {
                self.push(None, key, p);
            }
        }
        for group in [
            "queryStringParameters",
            "multiValueQueryStringParameters",
            "pathParameters",
            "headers",
            "multiValueHeaders",
        ] {
            if let Some(m) = e.get(group).and_then(Value::as_object) {
                for (k, v) in m {
                    let path = format!("{group}.{k}");
                    // Query keys are attacker-chosen too (`user[$ne]=`).
                    if group.starts_with("query") || group.starts_with("multiValueQuery") {
                        self.key(None, &path, k);
                    }
                    match v {
                        Value::String(s) => {
                            // ALB passes query values still URL-encoded.
                            if self.env.trigger == Trigger::Alb && group.contains("uery") {
                                let plus = s.replace('+', " ");
                                let d = percent_encoding::percent_decode_str(&plus)
                                    .decode_utf8_lossy()
                                    .into_owned();
                                self.push(None, path, &d);
                            } else {
                                self.push(None, path, s);
                            }
                        }
                        Value::Array(items) => {
                            for (j, s) in items.iter().filter_map(Value::as_str).enumerate() {
                                self.push(None, format!("{path}[{j}]"), s);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        if let Some(cookies) = e.get("cookies").and_then(Value::as_array) {
            for (j, c) in cookies.iter().filter_map(Value::as_str).enumerate() {
                self.cookie(&format!("cookies[{j}]"), c);
            }
        }
        // REST APIs pass cookies only as the header.
        if self.env.trigger == Trigger::ApiGatewayV1 || self.env.trigger == Trigger::Alb {
            if let Some(c) = header(e, "cookie") {
                for (j, part) in c.split(';').enumerate() {
                    self.cookie(&format!("headers.cookie[{j}]"), part.trim());
                }
            }
        }
        // What clients put in the request context: authorizer claims (token contents the
        // client chose, such as a name) and the user agent.
        if let Some(ctx) = e.get("requestContext") {
            if let Some(auth) = ctx.get("authorizer") {
                self.json(None, "requestContext.authorizer", auth, 0);
            }
            for (path, ptr) in [
                ("requestContext.identity.userAgent", "/identity/userAgent"),
                ("requestContext.http.userAgent", "/http/userAgent"),
            ] {
                if let Some(ua) = ctx.pointer(ptr).and_then(Value::as_str) {
                    self.push(None, path, ua);
                }
            }
        }
        let Some(body) = e.get("body").and_then(Value::as_str) else {
            return;
        };
        let b64 = e
            .get("isBase64Encoded")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let bytes = if b64 {
            match base64::engine::general_purpose::STANDARD.decode(body.trim()) {
                Ok(b) => b,
                Err(_) => {
                    self.violation(
                        None,
                        "body",
                        "body marked base64 is not valid base64".into(),
                    );
                    body.as_bytes().to_vec()
                }
            }
        } else {
            body.as_bytes().to_vec()
        };
        let content_type = header(e, "content-type").unwrap_or_default();
        let bytes = match header(e, "content-encoding").as_deref() {
            Some("gzip" | "deflate" | "x-gzip") => {
                let limit = self.limits.max_body_bytes as u64 + 1;
                match gunzip_if_gzip(&bytes, limit) {
                    Some(inflated) if inflated.len() as u64 >= limit => {
                        self.too_big(None, "body", inflated.len());
                        return;
                    }
                    Some(inflated) => inflated,
                    None => bytes,
                }
            }
            _ => bytes,
        };
        let bytes = match utf16_text(&bytes, &content_type) {
            Some(text) => text.into_bytes(),
            None => bytes,
        };
        if content_type.contains("application/x-www-form-urlencoded") {
            if bytes.len() > self.limits.max_body_bytes {
                self.too_big(None, "body", bytes.len());
                return;
            }
            let text = String::from_utf8_lossy(&bytes).into_owned();
            // The pairs are inspected one by one (decoded, as the application reads them);
            // the raw text with `+` for spaces would only read as one long token.
            for pair in text.split('&') {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let dec = |s: &str| {
                    percent_encoding::percent_decode_str(&s.replace('+', " "))
                        .decode_utf8_lossy()
                        .into_owned()
                };
                let (k, v) = (dec(k), dec(v));
                self.key(None, &format!("body.{k}"), &k);
                self.push(None, format!("body.{k}"), &v);
            }
            return;
        }
        self.payload(None, "body", &bytes, !b64 || content_type.contains("json"));
    }

    /// A base64 field whose content the service passes on: decoded (and inflated when it is
    /// gzip) and read as a payload; text that is not base64 is read as it is.
    fn base64_payload(&mut self, record: Option<usize>, path: &str, data: &str) {
        match base64::engine::general_purpose::STANDARD.decode(data.trim()) {
            Ok(bytes) => {
                let limit = self.limits.max_body_bytes as u64 + 1;
                let bytes = match gunzip_if_gzip(&bytes, limit) {
                    Some(inflated) if inflated.len() as u64 >= limit => {
                        self.too_big(record, path, inflated.len());
                        return;
                    }
                    Some(inflated) => inflated,
                    None => bytes,
                };
                self.payload(record, path, &bytes, true);
            }
            Err(_) => self.payload(record, path, data.as_bytes(), true),
        }
    }

    /// One RabbitMQ message: its body (base64) and what its producer set in its properties,
    /// headers included (`{"bytes": [...]}` for text, numbers as they are).
    fn rabbit_message(&mut self, i: usize, path: &str, m: &Value) {
        let props = m.get("basicProperties");
        let id = props
            .and_then(|p| p.get("messageId"))
            .and_then(Value::as_str);
        self.env
            .records
            .push(id.map_or_else(|| path.to_string(), str::to_string));
        if let Some(data) = m.get("data").and_then(Value::as_str) {
            self.base64_payload(Some(i), &format!("{path}.data"), data);
        }
        let Some(props) = props else {
            return;
        };
        for key in [
            "contentType",
            "contentEncoding",
            "correlationId",
            "replyTo",
            "type",
            "appId",
            "messageId",
        ] {
            if let Some(s) = props.get(key).and_then(Value::as_str) {
                self.push(Some(i), format!("{path}.basicProperties.{key}"), s);
            }
        }
        let headers = props.get("headers").and_then(Value::as_object);
        for (name, h) in headers.into_iter().flatten() {
            let header = format!("{path}.basicProperties.headers.{name}");
            self.key(Some(i), &header, name);
            match h.get("bytes").filter(|b| b.is_array()) {
                Some(bytes) => self.byte_array_payload(i, &header, bytes),
                None => self.json(Some(i), &header, h, 0),
            }
        }
    }

    /// A header given as a JSON array of bytes (Kafka, RabbitMQ), read as a payload.
    fn byte_array_payload(&mut self, i: usize, path: &str, bytes: &Value) {
        let raw: Vec<u8> = bytes
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .map(|b| b as u8)
            .collect();
        self.payload(Some(i), path, &raw, true);
    }

    /// Kafka record headers: `[{"name": [byte, byte, ...]}]`.
    fn kafka_headers(&mut self, i: usize, path: &str, headers: Option<&Value>) {
        for h in headers.and_then(Value::as_array).into_iter().flatten() {
            for (name, bytes) in h.as_object().into_iter().flatten() {
                self.byte_array_payload(i, &format!("{path}.{name}"), bytes);
            }
        }
    }

    /// CloudWatch Logs subscription data: base64 gzip JSON whose log events' messages are the
    /// text an attacker may have written into a log.
    fn cloudwatch_logs(&mut self, event: &Value) {
        let Some(data) = event.pointer("/awslogs/data").and_then(Value::as_str) else {
            return;
        };
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(data.trim()) else {
            self.violation(
                None,
                "awslogs.data",
                "awslogs.data is not valid base64".into(),
            );
            return;
        };
        let limit = self.limits.max_body_bytes as u64 + 1;
        let inflated = match gunzip_if_gzip(&bytes, limit) {
            Some(b) if b.len() as u64 >= limit => {
                self.too_big(None, "awslogs.data", b.len());
                return;
            }
            Some(b) => b,
            None => bytes,
        };
        let doc: Value = match serde_json::from_slice(&inflated) {
            Ok(v) => v,
            Err(_) => {
                self.payload(None, "awslogs.data", &inflated, false);
                return;
            }
        };
        let events = doc.get("logEvents").and_then(Value::as_array);
        for (i, le) in events.into_iter().flatten().enumerate() {
            self.keys = 0;
            self.env.records.push(text(le, "id"));
            if let Some(m) = le.get("message").and_then(Value::as_str) {
                self.payload(
                    Some(i),
                    &format!("logEvents[{i}].message"),
                    m.as_bytes(),
                    true,
                );
            }
        }
    }

    /// A cookie's name as a key and its value; a cookie without `=` as it is.
    fn cookie(&mut self, path: &str, c: &str) {
        match c.split_once('=') {
            Some((name, value)) => {
                // As sent: the inspection decodes URL encoding itself (invalid UTF-8 such as an
                // overlong `%c0%af` would be lost to a lossy decode here).
                self.key(None, path, name.trim());
                self.push(None, format!("{path}.{}", name.trim()), value.trim());
            }
            None => self.push(None, path.to_string(), c),
        }
    }

    fn too_big(&mut self, record: Option<usize>, path: &str, len: usize) {
        let max = self.limits.max_body_bytes;
        self.violation(
            record,
            path,
            format!("{len} bytes, over the {max}-byte limit"),
        );
    }

    /// A body or record payload: JSON walked to its leaves when it parses, else text.
    fn payload(&mut self, record: Option<usize>, path: &str, bytes: &[u8], try_json: bool) {
        if bytes.len() > self.limits.max_body_bytes {
            self.too_big(record, path, bytes.len());
            return;
        }
        // Binary payloads keep every byte as one character (Latin-1), so that byte signatures
        // such as Java's `AC ED 00 05` stream header stay visible to the rules.
        let text: std::borrow::Cow<'_, str> = match std::str::from_utf8(bytes) {
            Ok(s) => std::borrow::Cow::Borrowed(s),
            Err(_) => std::borrow::Cow::Owned(bytes.iter().map(|&b| b as char).collect()),
        };
        let trimmed = text.trim_start();
        if try_json && (trimmed.starts_with('{') || trimmed.starts_with('[')) {
            // Walked as it is parsed: no tree of the document is built, and each field's path
            // grows and shrinks in one buffer. What the walk found is taken back if the text
            // turns out not to be JSON.
            let (fields, violations, keys) =
                (self.env.fields.len(), self.env.violations.len(), self.keys);
            let mut at = path.to_string();
            let mut stopped = false;
            let walk = Stream {
                walker: self,
                record,
                path: &mut at,
                depth: 0,
                stopped: &mut stopped,
            };
            let mut de = serde_json::Deserializer::from_str(&text);
            let parsed =
                serde::de::DeserializeSeed::deserialize(walk, &mut de).and_then(|()| de.end());
            match parsed {
                Ok(()) => return,
                Err(e) => {
                    self.env.fields.truncate(fields);
                    self.env.violations.truncate(violations);
                    self.keys = keys;
                    if e.to_string().contains("recursion limit") {
                        self.violation(
                            record,
                            path,
                            format!("JSON nested deeper than the parser's limit (128); over the {}-level limit", self.limits.max_depth),
                        );
                        return;
                    }
                }
            }
        }
        self.push(record, path.to_string(), &text);
    }

    /// Counts a key of `record` against the limit; past it, the record's violation (one per
    /// record) and `false`.
    fn count_key(&mut self, record: Option<usize>, path: &str) -> bool {
        self.keys += 1;
        if self.keys <= self.limits.max_keys {
            return true;
        }
        self.keys_exceeded(record, path);
        false
    }

    fn keys_exceeded(&mut self, record: Option<usize>, path: &str) {
        let already = self
            .env
            .violations
            .iter()
            .any(|v| v.record == record && v.what.contains("keys"));
        if !already {
            let max = self.limits.max_keys;
            self.violation(record, path, format!("more than {max} keys"));
        }
    }

    fn key(&mut self, record: Option<usize>, path: &str, k: &str) {
        self.env.fields.push(Field {
            record,
            path: path.into(),
            value: k.into(),
            is_key: true,
        });
    }

    fn json(&mut self, record: Option<usize>, path: &str, v: &Value, depth: usize) {
        if depth > self.limits.max_depth {
            let max = self.limits.max_depth;
            self.violation(record, path, format!("nested deeper than {max} levels"));
            return;
        }
        match v {
            Value::String(s) => self.push(record, path.to_string(), s),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.json(record, &format!("{path}[{i}]"), item, depth + 1);
                }
            }
            Value::Object(m) => self.object(record, path, m, depth),
            _ => {}
        }
    }

    fn object(&mut self, record: Option<usize>, path: &str, m: &Map<String, Value>, depth: usize) {
        self.keys += m.len();
        if self.keys > self.limits.max_keys {
            self.keys_exceeded(record, path);
            return;
        }
        for (k, v) in m {
            let child = format!("{path}.{k}");
            self.key(record, &child, k);
            self.type_marker(record, &child, k, v);
            self.json(record, &child, v, depth + 1);
        }
    }

    /// Type markers of serializers are dangerous as a pair, which the walk would split.
    fn type_marker(&mut self, record: Option<usize>, path: &str, k: &str, v: &Value) {
        if let (true, Value::String(s)) = (is_type_marker(k), v) {
            self.push(record, path.to_string(), &format!("\"{k}\":\"{s}\""));
        }
    }

    fn sqs_body(&mut self, i: usize, body: &str) {
        let path = format!("Records[{i}].body");
        // SNS → SQS subscriptions without raw delivery wrap the message in a notification.
        // Only a body that spells the word, or escapes a character, can be one: the others are
        // not parsed twice (into a tree here, and walked as a payload).
        let may_be_notification = memchr::memmem::find(body.as_bytes(), b"Notification").is_some()
            || memchr::memchr(b'\\', body.as_bytes()).is_some();
        if let Some(v) = may_be_notification
            .then(|| serde_json::from_str::<Value>(body).ok())
            .flatten()
        {
            if v.get("Type").and_then(Value::as_str) == Some("Notification")
                && v.get("TopicArn").is_some()
            {
                self.sns(i, &path, &v);
                return;
            }
        }
        self.payload(Some(i), &path, body.as_bytes(), true);
    }

    fn sns(&mut self, i: usize, path: &str, sns: &Value) {
        if let Some(s) = sns.get("Subject").and_then(Value::as_str) {
            self.push(Some(i), format!("{path}.Subject"), s);
        }
        if let Some(m) = sns.get("Message").and_then(Value::as_str) {
            self.payload(Some(i), &format!("{path}.Message"), m.as_bytes(), true);
        }
        if let Some(attrs) = sns.get("MessageAttributes").and_then(Value::as_object) {
            for (k, a) in attrs {
                if let Some(s) = a.get("Value").and_then(Value::as_str) {
                    let attr = format!("{path}.MessageAttributes.{k}");
                    if a.get("Type").and_then(Value::as_str) == Some("Binary") {
                        self.base64_payload(Some(i), &attr, s);
                    } else {
                        self.push(Some(i), attr, s);
                    }
                }
            }
        }
    }

    /// DynamoDB's typed attribute values (`{"S": ..}`, `{"M": {..}}`, `{"L": [..]}`, sets, `B`).
    fn dynamo(&mut self, i: usize, path: &str, v: &Value, depth: usize) {
        if depth > self.limits.max_depth {
            let max = self.limits.max_depth;
            self.violation(Some(i), path, format!("nested deeper than {max} levels"));
            return;
        }
        let Some(m) = v.as_object() else { return };
        for (name, typed) in m {
            let p = format!("{path}.{name}");
            self.key(Some(i), &p, name);
            let Some(t) = typed.as_object() else { continue };
            for (ty, val) in t {
                match (ty.as_str(), val) {
                    ("S", Value::String(s)) => self.push(Some(i), p.clone(), s),
                    ("SS", Value::Array(items)) => {
                        for (j, s) in items.iter().filter_map(Value::as_str).enumerate() {
                            self.push(Some(i), format!("{p}[{j}]"), s);
                        }
                    }
                    ("B", Value::String(b)) => {
                        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b) {
                            self.payload(Some(i), &p, &bytes, false);
                        }
                    }
                    ("M", inner) => self.dynamo(i, &p, inner, depth + 1),
                    ("L", Value::Array(items)) => {
                        for (j, item) in items.iter().enumerate() {
                            let wrapped =
                                Value::Object(Map::from_iter([(format!("{j}"), item.clone())]));
                            self.dynamo(i, &p, &wrapped, depth + 1);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

fn is_type_marker(key: &str) -> bool {
    matches!(key, "$type" | "@type" | "__type")
}

/// The walk of a JSON payload as the parser reads it (`Walker::payload`): the same fields,
/// keys, depth and key limits as `Walker::json` on the parsed tree, with no tree built.
struct Stream<'w, 'a> {
    walker: &'w mut Walker<'a>,
    record: Option<usize>,
    /// The current node's path; each level appends its part and takes it off again.
    path: &'w mut String,
    depth: usize,
    /// Set when the walk reached the key limit: the rest is read without being walked.
    stopped: &'w mut bool,
}

impl<'a> Stream<'_, 'a> {
    /// Below the depth limit, or after the key limit: read, not walked.
    fn hidden(&self) -> bool {
        self.depth > self.walker.limits.max_depth || *self.stopped
    }

    fn child(&mut self) -> Stream<'_, 'a> {
        Stream {
            walker: &mut *self.walker,
            record: self.record,
            path: &mut *self.path,
            depth: self.depth + 1,
            stopped: &mut *self.stopped,
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Stream<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        // Past the depth limit the walk reports the node once and goes on without reading
        // what is below (as the tree walk skips it), still nested through the parser, whose
        // recursion limit then holds as it does for a parsed tree.
        let max = self.walker.limits.max_depth;
        if self.depth == max.saturating_add(1) {
            self.walker.violation(
                self.record,
                self.path,
                format!("nested deeper than {max} levels"),
            );
        }
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Stream<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, s: &str) -> Result<(), E> {
        if !self.hidden() {
            self.walker.push(self.record, self.path.as_str(), s);
        }
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        use std::fmt::Write;
        let base = self.path.len();
        for i in 0.. {
            let _ = write!(self.path, "[{i}]");
            let more = seq.next_element_seed(self.child())?;
            self.path.truncate(base);
            if more.is_none() {
                break;
            }
        }
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let base = self.path.len();
        loop {
            if self.hidden() {
                while map.next_key::<serde::de::IgnoredAny>()?.is_some() {
                    map.next_value_seed(self.child())?;
                }
                return Ok(());
            }
            let Some(k) = map.next_key::<CompactString>()? else {
                return Ok(());
            };
            if !self.walker.count_key(self.record, self.path) {
                // The rest of the text is read, not walked: whether it is JSON at all still
                // decides what the fields are.
                *self.stopped = true;
                map.next_value_seed(self.child())?;
                continue;
            }
            self.path.push('.');
            self.path.push_str(&k);
            if is_type_marker(&k) {
                let v: Value = map.next_value()?;
                self.walker.key(self.record, self.path, &k);
                self.walker.type_marker(self.record, self.path, &k, &v);
                self.walker.json(self.record, self.path, &v, self.depth + 1);
            } else {
                self.walker.env.fields.push(Field {
                    record: self.record,
                    path: self.path.as_str().into(),
                    value: k,
                    is_key: true,
                });
                map.next_value_seed(self.child())?;
            }
            self.path.truncate(base);
        }
    }
}

/// A body in UTF-16 or UTF-32 (by its byte-order mark, its declared charset, or the zero bytes
/// of ASCII text in UTF-16), as text.
pub fn utf16_text(bytes: &[u8], content_type: &str) -> Option<String> {
    let declared = |cs: &str| content_type.contains(cs);
    let (le, skip) =
        if bytes.starts_with(&[0xff, 0xfe, 0, 0]) || bytes.starts_with(&[0, 0, 0xfe, 0xff]) {
            let le = bytes[0] == 0xff;
            let words: Vec<u32> = bytes[4..]
                .chunks_exact(4)
                .map(|c| {
                    let a = [c[0], c[1], c[2], c[3]];
                    if le {
                        u32::from_le_bytes(a)
                    } else {
                        u32::from_be_bytes(a)
                    }
                })
                .collect();
            return Some(
                words
                    .into_iter()
                    .map(|w| char::from_u32(w).unwrap_or('\u{fffd}'))
                    .collect(),
            );
        } else if bytes.starts_with(&[0xff, 0xfe]) {
            (true, 2)
        } else if bytes.starts_with(&[0xfe, 0xff]) {
            (false, 2)
        } else if declared("utf-16be") {
            (false, 0)
        } else if declared("utf-16") {
            (true, 0)
        } else if bytes.len() >= 8 && bytes.len().is_multiple_of(2) {
            // ASCII text in UTF-16 has a zero in every other byte.
            let head = &bytes[..bytes.len().min(64)];
            let odd_zero = head.iter().skip(1).step_by(2).all(|&b| b == 0);
            let even_zero = head.iter().step_by(2).all(|&b| b == 0);
            if odd_zero && !even_zero {
                (true, 0)
            } else if even_zero && !odd_zero {
                (false, 0)
            } else {
                return None;
            }
        } else {
            return None;
        };
    let units: Vec<u16> = bytes[skip..]
        .chunks_exact(2)
        .map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        })
        .collect();
    Some(String::from_utf16_lossy(&units))
}

/// Depth at which an event too deep for the JSON parser is cut (below serde_json's 128).
pub const PRUNE_DEPTH: usize = 100;

/// An event parsed from JSON text; `true` when it was nested past the parser's limit and its
/// deepest values were cut (see `prune_depth`) — the caller must treat that as a violation.
pub fn parse_event(bytes: &[u8]) -> Result<(Value, bool), serde_json::Error> {
    match serde_json::from_slice(bytes) {
        Ok(v) => Ok((v, false)),
        Err(e) if e.to_string().contains("recursion limit") => {
            let (text, cut) = prune_depth(bytes, PRUNE_DEPTH);
            serde_json::from_slice(&text).map(|v| (v, cut))
        }
        Err(e) => Err(e),
    }
}

impl Envelope {
    /// Records that the event was cut at `PRUNE_DEPTH` levels to be parsed at all.
    pub fn mark_pruned(&mut self) {
        self.violations.push(Violation {
            record: None,
            path: "(event)".into(),
            what: format!(
                "JSON nested deeper than the parser's limit; cut at {PRUNE_DEPTH} levels"
            ),
        });
    }
}

/// JSON text with every value nested deeper than `max` levels replaced by `null`, in one pass,
/// so that an event past the JSON parser's depth limit can still be decoded, answered in its
/// trigger's shape and reported instead of passing unexamined. Returns the pruned text and
/// whether anything was cut.
pub fn prune_depth(text: &[u8], max: usize) -> (Vec<u8>, bool) {
    let mut out = Vec::with_capacity(text.len().min(1 << 20));
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut cut = false;
    // While skipping a subtree: the depth at which it started.
    let mut skipping: Option<usize> = None;
    for &b in text {
        if in_string {
            if skipping.is_none() {
                out.push(b);
            }
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max && skipping.is_none() {
                    skipping = Some(depth);
                    cut = true;
                    out.extend_from_slice(b"null");
                    continue;
                }
            }
            b'}' | b']' => {
                if skipping == Some(depth) {
                    skipping = None;
                    depth = depth.saturating_sub(1);
                    continue;
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        if skipping.is_none() {
            out.push(b);
        }
    }
    (out, cut)
}

/// Most bytes a compressed payload may inflate to: a decompression bomb stops here.
pub const MAX_INFLATED: u64 = 8 << 20;

/// Data that starts with gzip's magic number.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// Data that starts with a zlib header (deflate, with one of the four compression levels).
pub fn is_zlib(bytes: &[u8]) -> bool {
    bytes.len() > 2 && bytes[0] == 0x78 && matches!(bytes[1], 0x01 | 0x5e | 0x9c | 0xda)
}

/// gzip (or zlib) data inflated, up to `limit` bytes; `None` when it is neither or the stream
/// is broken before any output. The output is `limit` long when the data inflates further.
pub fn gunzip_if_gzip(bytes: &[u8], limit: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    let read = if is_gzip(bytes) {
        flate2::read::MultiGzDecoder::new(bytes)
            .take(limit)
            .read_to_end(&mut out)
    } else if is_zlib(bytes) {
        flate2::read::ZlibDecoder::new(bytes)
            .take(limit)
            .read_to_end(&mut out)
    } else {
        return None;
    };

    match read {
        Ok(_) => Some(out),
        Err(_) if !out.is_empty() => Some(out),
        Err(_) => None,
    }
}

/// A request header, case-insensitively (v1 keeps the client's case, v2 lower-cases).
pub fn header(e: &Value, name: &str) -> Option<String> {
    for group in ["headers", "multiValueHeaders"] {
        if let Some(m) = e.get(group).and_then(Value::as_object) {
            for (k, v) in m {
                if k.eq_ignore_ascii_case(name) {
                    let s = match v {
                        Value::String(s) => Some(s.clone()),
                        Value::Array(a) => a.first().and_then(Value::as_str).map(str::to_string),
                        _ => None,
                    };
                    if let Some(s) = s {
                        return Some(s.to_ascii_lowercase());
                    }
                }
            }
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    const LIMITS: Limits = Limits {
        max_body_bytes: 1 << 20,
        max_depth: 16,
        max_keys: 1000,
    };

    fn values(e: &Envelope) -> Vec<(String, String)> {
        e.fields
            .iter()
            .filter(|f| !f.is_key)
            .map(|f| (f.path.to_string(), f.value.to_string()))
            .collect()
    }

    #[test]
    fn amazon_mq_and_documentdb_records_are_read_one_by_one() {
        use base64::Engine;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let e = decode(
            &json!({"eventSource": "aws:mq", "messages": [
                {"messageID": "ID:1", "data": b64("{\"q\": \"' or 1=1\"}"),
                 "properties": {"tenant": "acme"}, "correlationID": "c-7", "type": "",
                 "destination": {"physicalName": "orders"}},
                {"messageID": "ID:2", "data": b64("plain"), "properties": null}]}),
            &LIMITS,
        );
        assert_eq!(e.trigger, Trigger::ActiveMq);
        assert_eq!(e.records, ["ID:1", "ID:2"]);
        assert_eq!(
            values(&e),
            [
                ("messages[0].data.q".into(), "' or 1=1".into()),
                ("messages[0].properties.tenant".into(), "acme".into()),
                ("messages[0].correlationID".into(), "c-7".into()),
                ("messages[1].data".into(), "plain".into()),
            ]
        );
        assert!(e.fields.iter().all(|f| f.record.is_some()));

        let e = decode(
            &json!({"eventSource": "aws:rmq", "rmqMessagesByQueue": {"jobs::/": [
                {"basicProperties": {"contentType": "text/plain", "messageId": null,
                  "headers": {"origin": {"bytes": [59, 32, 105, 100]}, "n": 10}},
                 "data": b64("job one")},
                {"basicProperties": {"messageId": "m-2"}, "data": b64("job two")}]}}),
            &LIMITS,
        );
        assert_eq!(e.trigger, Trigger::RabbitMq);
        assert_eq!(e.records, ["rmqMessagesByQueue.jobs::/[0]", "m-2"]);
        let v = values(&e);
        assert!(v.contains(&(
            "rmqMessagesByQueue.jobs::/[0].basicProperties.headers.origin".into(),
            "; id".into()
        )));
        assert!(v.contains(&(
            "rmqMessagesByQueue.jobs::/[1].data".into(),
            "job two".into()
        )));
        assert!(e
            .fields
            .iter()
            .any(|f| f.is_key && f.value == "origin" && f.record == Some(0)));

        let e = decode(
            &json!({"eventSource": "aws:docdb", "events": [
                {"event": {"_id": {"_data": "01a"}, "operationType": "insert",
                  "ns": {"db": "shop", "coll": "users"},
                  "fullDocument": {"_id": {"$oid": "63ee"}, "name": "<script>x</script>"}}},
                {"event": {"_id": {"_data": "01b"}, "operationType": "update",
                  "updateDescription": {"updatedFields": {"bio": "hi"}, "removedFields": ["x"]}}}]}),
            &LIMITS,
        );
        assert_eq!(e.trigger, Trigger::DocumentDb);
        assert_eq!(e.records, ["01a", "01b"]);
        assert_eq!(
            values(&e),
            [
                (
                    "events[0].event.fullDocument._id.$oid".into(),
                    "63ee".into()
                ),
                (
                    "events[0].event.fullDocument.name".into(),
                    "<script>x</script>".into()
                ),
                (
                    "events[1].event.updateDescription.updatedFields.bio".into(),
                    "hi".into()
                ),
            ]
        );
    }

    #[test]
    fn s3_keys_are_url_decoded() {
        let e = decode(
            &json!({"Records": [{"eventSource": "aws:s3", "s3": {"object": {"key": "a+b/..%2F..%2Fetc%2Fpasswd"}}}]}),
            &LIMITS,
        );
        assert_eq!(e.trigger, Trigger::S3);
        assert_eq!(
            values(&e),
            [(
                "Records[0].s3.object.key".into(),
                "a b/../../etc/passwd".into()
            )]
        );
    }

    #[test]
    fn sns_inside_sqs_and_kinesis_base64_and_dynamodb_types() {
        let note = json!({"Type": "Notification", "TopicArn": "arn:aws:sns:x", "Message": "{\"cmd\": \"; id\"}"});
        let e = decode(
            &json!({"Records": [{"eventSource": "aws:sqs", "messageId": "m1", "body": note.to_string()}]}),
            &LIMITS,
        );
        assert_eq!(e.records, ["m1"]);
        assert!(values(&e).contains(&("Records[0].body.Message.cmd".into(), "; id".into())));
        // Spelled with an escape, it is still a notification.
        let escaped = note
            .to_string()
            .replace("Notification", "Notific\\u0061tion");
        let e = decode(
            &json!({"Records": [{"eventSource": "aws:sqs", "messageId": "m1", "body": escaped}]}),
            &LIMITS,
        );
        assert!(values(&e).contains(&("Records[0].body.Message.cmd".into(), "; id".into())));

        let e = decode(
            &json!({"Records": [{"eventSource": "aws:kinesis", "kinesis": {"sequenceNumber": "42", "data": "eyJhIjogIi4uLy4uIn0="}}]}),
            &LIMITS,
        );
        assert_eq!(
            values(&e),
            [("Records[0].kinesis.data.a".into(), "../..".into())]
        );

        let e = decode(
            &json!({"Records": [{"eventSource": "aws:dynamodb", "eventID": "e1", "dynamodb": {"NewImage": {
                "name": {"S": "x"}, "tags": {"SS": ["y"]}, "nested": {"M": {"deep": {"L": [{"S": "z"}]}}}}}}]}),
            &LIMITS,
        );
        let v: Vec<String> = values(&e).into_iter().map(|(_, v)| v).collect();
        assert_eq!(v, ["x", "y", "z"]);
    }

    #[test]
    fn http_triggers_are_told_apart() {
        let v2 = json!({"version": "2.0", "rawPath": "/", "requestContext": {"http": {"method": "GET"}, "domainName": "abc.lambda-url.us-east-1.on.aws"}});
        assert_eq!(detect(&v2), Trigger::FunctionUrl);
        let api = json!({"version": "2.0", "rawPath": "/", "requestContext": {"http": {"method": "GET"}, "domainName": "x.execute-api.us-east-1.amazonaws.com"}});
        assert_eq!(detect(&api), Trigger::ApiGatewayV2);
        let alb = json!({"httpMethod": "GET", "requestContext": {"elb": {"targetGroupArn": "x"}}});
        assert_eq!(detect(&alb), Trigger::Alb);
        let v1 = json!({"httpMethod": "GET", "resource": "/", "requestContext": {"stage": "prod"}});
        assert_eq!(detect(&v1), Trigger::ApiGatewayV1);
        let eb = json!({"detail-type": "x", "source": "y", "detail": {}});
        assert_eq!(detect(&eb), Trigger::EventBridge);
    }

    #[test]
    fn firehose_kafka_and_cloudwatch_logs_records_are_unwrapped() {
        use std::io::Write;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let e = decode(
            &json!({"deliveryStreamArn": "arn:x", "records": [{"recordId": "r1", "data": b64("{\"q\": \"a\"}")}, {"recordId": "r2", "data": b64("plain; text")}]}),
            &LIMITS,
        );
        assert_eq!(e.trigger, Trigger::Firehose);
        assert_eq!(e.records, ["r1", "r2"]);
        assert_eq!(
            values(&e),
            [
                ("records[0].data.q".into(), "a".into()),
                ("records[1].data".into(), "plain; text".into())
            ]
        );

        let e = decode(
            &json!({"eventSource": "aws:kafka", "records": {"t-0": [{"offset": 7, "key": b64("k"), "value": b64("{\"v\": \"x\"}"), "headers": [{"h": [104, 105]}]}]}}),
            &LIMITS,
        );
        assert_eq!(e.trigger, Trigger::Kafka);
        assert_eq!(e.records, ["t-0@7"]);
        let v: Vec<String> = values(&e).into_iter().map(|(_, v)| v).collect();
        assert_eq!(v, ["k", "x", "hi"]);

        let logs =
            json!({"logEvents": [{"id": "1", "message": "one"}, {"id": "2", "message": "two"}]});
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(logs.to_string().as_bytes()).unwrap();
        let data = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
        let e = decode(&json!({"awslogs": {"data": data}}), &LIMITS);
        assert_eq!(e.trigger, Trigger::CloudWatchLogs);
        assert_eq!(
            values(&e),
            [
                ("logEvents[0].message".into(), "one".into()),
                ("logEvents[1].message".into(), "two".into())
            ]
        );
    }

    #[test]
    fn bodies_in_gzip_and_utf16_and_the_request_context_are_read() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"{\"a\": \"zipped\"}").unwrap();
        let body = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
        let e = decode(
            &json!({"version": "2.0", "rawPath": "/", "requestContext": {"http": {"method": "POST", "userAgent": "ua/1"}, "authorizer": {"jwt": {"claims": {"name": "Ana"}}}},
                "headers": {"content-type": "application/json", "content-encoding": "gzip"}, "body": body, "isBase64Encoded": true,
                "cookies": ["theme=dark%20blue"]}),
            &LIMITS,
        );
        let v = values(&e);
        assert!(v.contains(&("body.a".into(), "zipped".into())), "{v:?}");
        assert!(
            v.contains(&(
                "requestContext.authorizer.jwt.claims.name".into(),
                "Ana".into()
            )),
            "{v:?}"
        );
        assert!(
            v.contains(&("requestContext.http.userAgent".into(), "ua/1".into())),
            "{v:?}"
        );
        assert!(
            v.contains(&("cookies[0].theme".into(), "dark%20blue".into())),
            "{v:?}"
        );

        let utf16: Vec<u8> = "{\"b\": \"wide\"}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let e = decode(
            &json!({"version": "2.0", "rawPath": "/", "requestContext": {"http": {"method": "POST"}},
                "headers": {"content-type": "application/json"}, "isBase64Encoded": true,
                "body": base64::engine::general_purpose::STANDARD.encode(utf16)}),
            &LIMITS,
        );
        assert!(values(&e).contains(&("body.b".into(), "wide".into())));
    }

    /// `text` walked as a payload (streamed) or parsed first and walked as a tree.
    fn walked(text: &str, limits: &Limits, streamed: bool) -> (Vec<Field>, Vec<Violation>) {
        let mut env = Envelope {
            trigger: Trigger::Unknown,
            fields: Vec::new(),
            records: Vec::new(),
            violations: Vec::new(),
            multi_value_headers: false,
        };
        let mut w = Walker {
            env: &mut env,
            limits,
            keys: 0,
        };
        if streamed {
            w.payload(Some(0), "body", text.as_bytes(), true);
        } else {
            let v: Value = serde_json::from_str(text).expect("the reference walk is given JSON");
            w.json(Some(0), "body", &v, 0);
        }
        (env.fields, env.violations)
    }

    /// A random JSON document: nested objects and arrays (past the depth limit at times),
    /// strings with escapes and non-ASCII text, numbers, type markers.
    fn random_json(seed: &mut u64, depth: usize) -> Value {
        fn next(seed: &mut u64, n: u64) -> u64 {
            *seed = crate::detect::seeded_step(*seed);
            (*seed >> 33) % n
        }
        const TEXTS: &[&str] = &[
            "",
            "a",
            "' or 1=1--",
            "line\nbreak \"quoted\"",
            "é\u{301}ü",
            "$(id)",
            "\u{0}",
            "{\"not\": \"parsed\"}",
            "../../etc/passwd",
        ];
        const KEYS: &[&str] = &[
            "k", "$type", "@type", "__type", "a.b", "[0]", "é", "", "$ne",
        ];
        let pick = next(seed, if depth > 20 { 4 } else { 7 });
        match pick {
            0 => Value::String(TEXTS[next(seed, TEXTS.len() as u64) as usize].to_string()),
            1 => json!(next(seed, 1000) as f64 / 7.0),
            2 => json!(next(seed, 2) == 0),
            3 => Value::Null,
            4 | 5 => {
                let n = next(seed, 5);
                let mut m = Map::new();
                for i in 0..n {
                    let k = KEYS[next(seed, KEYS.len() as u64) as usize];
                    m.insert(format!("{k}{i}"), random_json(seed, depth + 1));
                    if next(seed, 4) == 0 {
                        let text = TEXTS[next(seed, TEXTS.len() as u64) as usize];
                        m.insert(k.to_string(), Value::String(text.to_string()));
                    }
                }
                Value::Object(m)
            }
            _ => Value::Array(
                (0..next(seed, 4))
                    .map(|_| random_json(seed, depth + 1))
                    .collect(),
            ),
        }
    }

    #[test]
    fn streamed_payloads_walk_as_their_parsed_trees() {
        let mut seed = 0x9e37_79b9_7f4a_7c15;
        let mut deep = 0;
        for _ in 0..3000 {
            let doc = Value::Object(Map::from_iter([(
                "root".to_string(),
                random_json(&mut seed, 0),
            )]));
            let text = doc.to_string();
            let (streamed, stream_violations) = walked(&text, &LIMITS, true);
            let (tree, tree_violations) = walked(&text, &LIMITS, false);
            assert_eq!(streamed, tree, "{text}");
            assert_eq!(stream_violations, tree_violations, "{text}");
            deep += usize::from(!tree_violations.is_empty());
        }
        // The depth limit was reached by some documents, not by all.
        assert!(deep > 0 && deep < 3000, "{deep}");
    }

    #[test]
    fn text_that_is_not_json_is_one_value_and_the_walk_so_far_is_dropped() {
        let text = "{\"a\": \"x\", \"b\": [1, 2,";
        let (fields, violations) = walked(text, &LIMITS, true);
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].value, text);
        assert!(violations.is_empty());
    }

    #[test]
    fn text_past_the_parsers_depth_is_a_violation_whether_or_not_it_closes() {
        for text in [
            "[".repeat(300),
            format!("{}{}", "[".repeat(300), "]".repeat(300)),
        ] {
            let (fields, violations) = walked(&text, &LIMITS, true);
            assert!(fields.is_empty(), "{fields:?}");
            assert_eq!(violations.len(), 1, "{violations:?}");
            assert!(
                violations[0].what.contains("parser's limit"),
                "{violations:?}"
            );
        }
    }

    #[test]
    fn text_past_the_key_limit_is_json_only_if_all_of_it_parses() {
        let big: Map<String, Value> = (0..1500).map(|i| (format!("k{i}"), json!("v"))).collect();
        let text = Value::Object(big).to_string();
        let (fields, violations) = walked(&text, &LIMITS, true);
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(fields.len(), 2 * LIMITS.max_keys);
        // Broken after the limit: not JSON, so one value and no violation.
        let broken = format!("{},", &text[..text.len() - 1]);
        let (fields, violations) = walked(&broken, &LIMITS, true);
        assert!(violations.is_empty(), "{violations:?}");
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].value, broken);
    }

    #[test]
    fn every_value_of_a_duplicated_key_is_inspected() {
        // Parsers differ on which one the handler gets (first or last): both are read.
        let (fields, _) = walked(r#"{"q": "safe", "q": "' or 1=1--"}"#, &LIMITS, true);
        let values: Vec<&str> = fields
            .iter()
            .filter(|f| !f.is_key)
            .map(|f| f.value.as_str())
            .collect();
        assert_eq!(values, ["safe", "' or 1=1--"]);
    }

    #[test]
    fn every_record_past_the_key_limit_has_its_violation() {
        let big: serde_json::Map<String, Value> =
            (0..1500).map(|i| (format!("k{i}"), json!("v"))).collect();
        let big = Value::Object(big).to_string();
        let rec = |id: &str, body: String| json!({"messageId": id, "eventSource": "aws:sqs", "body": body});
        let e = decode(
            &json!({"Records": [rec("m1", big.clone()), rec("m2", "{}".into()), rec("m3", big)]}),
            &LIMITS,
        );
        let records: Vec<Option<usize>> = e.violations.iter().map(|v| v.record).collect();
        assert_eq!(records, [Some(0), Some(2)]);
    }

    #[test]
    fn key_limits_hold_per_record() {
        let big: serde_json::Map<String, Value> =
            (0..1500).map(|i| (format!("k{i}"), json!("v"))).collect();
        let rec = |id: &str, body: String| json!({"messageId": id, "eventSource": "aws:sqs", "body": body});
        let e = decode(
            &json!({"Records": [rec("m1", Value::Object(big).to_string()), rec("m2", "{\"x\": \"later\"}".into())]}),
            &LIMITS,
        );
        assert_eq!(e.violations.len(), 1);
        assert_eq!(e.violations[0].record, Some(0));
        assert!(values(&e).contains(&("Records[1].body.x".into(), "later".into())));
    }

    #[test]
    fn events_past_the_parser_depth_are_cut_and_flagged() {
        let deep = format!(
            "{{\"version\": \"0\", \"detail-type\": \"x\", \"source\": \"s\", \"detail\": {}{}}}",
            "[".repeat(300),
            "]".repeat(300)
        );
        assert!(serde_json::from_str::<Value>(&deep).is_err());
        let (v, cut) = parse_event(deep.as_bytes()).unwrap();
        assert!(cut);
        assert_eq!(detect(&v), Trigger::EventBridge);
        let (same, cut) = parse_event(b"{\"a\": [1, {\"b\": \"]]\"}]}").unwrap();
        assert!(!cut);
        assert_eq!(same["a"][1]["b"], "]]");
    }

    #[test]
    fn limits_are_violations_not_errors() {
        let mut deep = json!("leaf");
        for _ in 0..20 {
            deep = json!({ "a": deep });
        }
        let body = deep.to_string();
        let e = decode(
            &json!({"httpMethod": "POST", "resource": "/", "requestContext": {}, "headers": {"Content-Type": "application/json"}, "body": body}),
            &LIMITS,
        );
        assert_eq!(e.violations.len(), 1, "{:?}", e.violations);
        assert!(e.violations[0].what.contains("deeper than 16"));
    }
}

//! Where attacker-controlled text lands in each trigger's event: the placements the regression
//! corpus and the held-out evaluation put their payloads in.

#![allow(dead_code, clippy::unwrap_used)]

use base64::Engine;
use fnguard_shield::envelope::Trigger;
use serde_json::{json, Value};

pub fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

pub fn url_encode(s: &str, plus: bool) -> String {
    let enc =
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
    if plus {
        enc.replace("%20", "+")
    } else {
        enc
    }
}

pub fn sqs_record(id: &str, body: String) -> Value {
    json!({"messageId": id, "receiptHandle": "h", "body": body, "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"})
}

pub fn dynamo_typed(v: &Value) -> Value {
    match v {
        Value::String(s) => json!({ "S": s }),
        Value::Number(n) => json!({ "N": n.to_string() }),
        Value::Bool(b) => json!({ "BOOL": b }),
        Value::Null => json!({ "NULL": true }),
        Value::Array(a) => json!({ "L": a.iter().map(dynamo_typed).collect::<Vec<_>>() }),
        Value::Object(m) => {
            json!({ "M": m.iter().map(|(k, v)| (k.clone(), dynamo_typed(v))).collect::<serde_json::Map<_, _>>() })
        }
    }
}

/// The payload in one attacker-controlled position of each trigger: (name, trigger, event).
/// `text` is the payload as text; `value` the payload as a JSON value for JSON positions.
pub fn placements(
    text: &str,
    value: &Value,
    text_positions: bool,
) -> Vec<(&'static str, Trigger, Value)> {
    let body_json = json!({ "comment": value }).to_string();
    let mut out = vec![
        (
            "API v1 JSON body",
            Trigger::ApiGatewayV1,
            json!({"resource": "/x", "path": "/x", "httpMethod": "POST", "headers": {"Content-Type": "application/json"}, "requestContext": {"stage": "prod"}, "body": body_json, "isBase64Encoded": false}),
        ),
        (
            "API v2 base64 JSON body",
            Trigger::ApiGatewayV2,
            json!({"version": "2.0", "rawPath": "/x", "headers": {"content-type": "application/json"}, "requestContext": {"http": {"method": "POST"}, "domainName": "a.execute-api.us-east-1.amazonaws.com"}, "body": b64(&body_json), "isBase64Encoded": true}),
        ),
        (
            "SQS JSON body, second record",
            Trigger::Sqs,
            json!({"Records": [sqs_record("ok-1", "hello".into()), sqs_record("bad-2", json!({"v": value}).to_string())]}),
        ),
        (
            "SNS in SQS",
            Trigger::Sqs,
            json!({"Records": [sqs_record("bad-1", json!({"Type": "Notification", "TopicArn": "arn:aws:sns:us-east-1:1:t", "Message": json!({"v": value}).to_string()}).to_string())]}),
        ),
        (
            "SNS message",
            Trigger::Sns,
            json!({"Records": [{"EventSource": "aws:sns", "EventSubscriptionArn": "s", "Sns": {"Type": "Notification", "Message": json!({"v": value}).to_string()}}]}),
        ),
        (
            "DynamoDB new image",
            Trigger::DynamoDb,
            json!({"Records": [{"eventID": "e1", "eventSource": "aws:dynamodb", "dynamodb": {"Keys": {"id": {"N": "1"}}, "NewImage": {"id": {"N": "1"}, "v": dynamo_typed(value)}}}]}),
        ),
        (
            "Kinesis base64 data",
            Trigger::Kinesis,
            json!({"Records": [{"eventID": "k1", "eventSource": "aws:kinesis", "kinesis": {"sequenceNumber": "1", "data": b64(&json!({"v": value}).to_string())}}]}),
        ),
        (
            "EventBridge detail",
            Trigger::EventBridge,
            json!({"version": "0", "detail-type": "X", "source": "com.example", "detail": {"v": value}}),
        ),
        ("direct invocation", Trigger::Unknown, json!({ "v": value })),
    ];
    if text_positions {
        out.extend([
            (
                "API v1 query string",
                Trigger::ApiGatewayV1,
                json!({"resource": "/x", "path": "/x", "httpMethod": "GET", "headers": {"Host": "h"}, "queryStringParameters": {"q": text}, "requestContext": {"stage": "prod"}, "body": null}),
            ),
            (
                "function URL text body",
                Trigger::FunctionUrl,
                json!({"version": "2.0", "rawPath": "/", "headers": {"content-type": "text/plain"}, "requestContext": {"http": {"method": "POST"}, "domainName": "x.lambda-url.us-east-1.on.aws"}, "body": b64(text), "isBase64Encoded": true}),
            ),
            (
                "ALB query string (URL-encoded)",
                Trigger::Alb,
                json!({"requestContext": {"elb": {"targetGroupArn": "t"}}, "httpMethod": "GET", "path": "/", "queryStringParameters": {"q": url_encode(text, false)}, "headers": {"host": "h"}, "body": "", "isBase64Encoded": false}),
            ),
            (
                "S3 object key",
                Trigger::S3,
                json!({"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "b"}, "object": {"key": url_encode(text, true)}}}]}),
            ),
            (
                "SQS raw body",
                Trigger::Sqs,
                json!({"Records": [sqs_record("bad-1", text.to_string())]}),
            ),
            (
                "form body",
                Trigger::ApiGatewayV2,
                json!({"version": "2.0", "rawPath": "/f", "headers": {"content-type": "application/x-www-form-urlencoded"}, "requestContext": {"http": {"method": "POST"}, "domainName": "a.execute-api.us-east-1.amazonaws.com"}, "body": format!("name=ana&msg={}", url_encode(text, true)), "isBase64Encoded": false}),
            ),
        ]);
    }
    out
}

fn gzip(s: &str) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(s.as_bytes()).unwrap();
    gz.finish().unwrap()
}

fn b64_bytes(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// Positions beyond the regression corpus's: headers, path parameters, cookies, multi-value
/// queries, authorizer claims, message attributes (string and binary), Firehose, MSK, Amazon
/// MQ, DocumentDB and CloudWatch Logs records, gzip and UTF-16 bodies.
pub fn more_placements(
    text: &str,
    value: &Value,
    text_positions: bool,
) -> Vec<(&'static str, Value)> {
    let doc = json!({ "v": value }).to_string();
    let v2 = |extra: Value| {
        let mut e = json!({"version": "2.0", "rawPath": "/x", "headers": {"content-type": "application/json"},
            "requestContext": {"http": {"method": "POST"}, "domainName": "a.execute-api.us-east-1.amazonaws.com"}});
        if let (Some(e), Some(x)) = (e.as_object_mut(), extra.as_object()) {
            for (k, v) in x {
                e.insert(k.clone(), v.clone());
            }
        }
        e
    };
    let utf16: Vec<u8> = doc.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut out = vec![
        (
            "API v2 gzip JSON body",
            v2(
                json!({"headers": {"content-type": "application/json", "content-encoding": "gzip"}, "body": b64_bytes(&gzip(&doc)), "isBase64Encoded": true}),
            ),
        ),
        (
            "API v2 UTF-16 JSON body",
            v2(
                json!({"headers": {"content-type": "application/json; charset=utf-16le"}, "body": b64_bytes(&utf16), "isBase64Encoded": true}),
            ),
        ),
        (
            "Firehose record",
            json!({"invocationId": "i", "deliveryStreamArn": "arn:aws:firehose:us-east-1:1:deliverystream/s", "region": "us-east-1", "records": [{"recordId": "r1", "approximateArrivalTimestamp": 1, "data": b64(&doc)}]}),
        ),
        (
            "MSK record",
            json!({"eventSource": "aws:kafka", "eventSourceArn": "arn:aws:kafka:us-east-1:1:cluster/c/x", "records": {"orders-0": [{"topic": "orders", "partition": 0, "offset": 1, "timestamp": 1, "timestampType": "CREATE_TIME", "key": b64("k"), "value": b64(&doc), "headers": []}]}}),
        ),
        (
            "Amazon MQ (ActiveMQ) message",
            json!({"eventSource": "aws:mq", "eventSourceArn": "arn:aws:mq:us-east-1:1:broker:b:b-1", "messages": [{"messageID": "ID:1", "messageType": "jms/text-message", "timestamp": 1, "deliveryMode": 1, "correlationID": "", "replyTo": "null", "destination": {"physicalName": "orders"}, "redelivered": false, "type": "", "expiration": 0, "priority": 0, "data": b64(&doc), "brokerInTime": 1, "brokerOutTime": 1, "properties": {"tenant": "acme"}}]}),
        ),
        (
            "Amazon MQ (RabbitMQ) message",
            json!({"eventSource": "aws:rmq", "eventSourceArn": "arn:aws:mq:us-east-1:1:broker:b:b-1", "rmqMessagesByQueue": {"orders::/": [{"basicProperties": {"contentType": "application/json", "contentEncoding": null, "headers": {"n": 1}, "deliveryMode": 1, "priority": 0, "correlationId": null, "replyTo": null, "expiration": "60000", "messageId": null, "timestamp": "Jan 1, 1970, 12:33:41 AM", "type": null, "userId": "AIDAEXAMPLE", "appId": null, "clusterId": null, "bodySize": 80}, "redelivered": false, "data": b64(&doc)}]}}),
        ),
        (
            "DocumentDB change (full document)",
            json!({"eventSourceArn": "arn:aws:rds:us-east-1:1:cluster:c", "events": [{"event": {"_id": {"_data": "0163"}, "clusterTime": {"$timestamp": {"t": 1, "i": 9}}, "documentKey": {"_id": {"$oid": "63ee"}}, "fullDocument": {"_id": {"$oid": "63ee"}, "v": value}, "ns": {"db": "shop", "coll": "users"}, "operationType": "insert"}}], "eventSource": "aws:docdb"}),
        ),
        (
            "CloudWatch Logs subscription",
            json!({"awslogs": {"data": b64_bytes(&gzip(&json!({"messageType": "DATA_MESSAGE", "owner": "1", "logGroup": "g", "logStream": "s", "subscriptionFilters": ["f"], "logEvents": [{"id": "1", "timestamp": 1, "message": doc}]}).to_string()))}}),
        ),
    ];
    if text_positions {
        out.extend([
            (
                "API v1 header (User-Agent)",
                json!({"resource": "/x", "path": "/x", "httpMethod": "GET", "headers": {"User-Agent": text}, "requestContext": {"stage": "prod"}, "body": null}),
            ),
            (
                "API v1 path parameter",
                json!({"resource": "/items/{id}", "path": format!("/items/{}", url_encode(text, false)), "httpMethod": "GET", "headers": {}, "pathParameters": {"id": text}, "requestContext": {"stage": "prod"}, "body": null}),
            ),
            (
                "API v1 multi-value query",
                json!({"resource": "/x", "path": "/x", "httpMethod": "GET", "headers": {}, "multiValueQueryStringParameters": {"q": ["a", text]}, "requestContext": {"stage": "prod"}, "body": null}),
            ),
            ("API v2 cookie", v2(json!({"cookies": ["session=abc", format!("pref={text}")]}))),
            (
                "API v2 JWT claim",
                v2(json!({"requestContext": {"http": {"method": "GET"}, "domainName": "a.execute-api.us-east-1.amazonaws.com", "authorizer": {"jwt": {"claims": {"sub": "1", "name": text}, "scopes": null}}}})),
            ),
            (
                "SQS string attribute",
                json!({"Records": [{"messageId": "bad-1", "body": "hi", "eventSource": "aws:sqs", "messageAttributes": {"note": {"stringValue": text, "dataType": "String"}}}]}),
            ),
            (
                "SQS binary attribute",
                json!({"Records": [{"messageId": "bad-1", "body": "hi", "eventSource": "aws:sqs", "messageAttributes": {"blob": {"binaryValue": b64(text), "dataType": "Binary"}}}]}),
            ),
            (
                "SQS base64 body",
                json!({"Records": [{"messageId": "bad-1", "body": b64(text), "eventSource": "aws:sqs"}]}),
            ),
            (
                "Amazon MQ (RabbitMQ) header",
                json!({"eventSource": "aws:rmq", "rmqMessagesByQueue": {"orders::/": [{"basicProperties": {"headers": {"note": {"bytes": text.bytes().collect::<Vec<u8>>()}}}, "data": b64("hi")}]}}),
            ),
            (
                "SNS message attribute",
                json!({"Records": [{"EventSource": "aws:sns", "EventSubscriptionArn": "s", "Sns": {"Type": "Notification", "Message": "hi", "MessageAttributes": {"note": {"Type": "String", "Value": text}}}}]}),
            ),
        ]);
    }
    out
}

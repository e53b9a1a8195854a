//! A function built on the official Rust runtime client (`lambda_runtime`), for the shield's
//! end-to-end tests: it records each event it sees and answers like a real handler would.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};
use std::io::Write;

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let payload = event.payload;
    if let Ok(path) = std::env::var("SEEN_FILE") {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        writeln!(f, "{payload}")?;
    }
    if let Some(records) = payload.get("Records").and_then(Value::as_array) {
        return Ok(json!({ "batchItemFailures": [], "handled": records.len() }));
    }
    if payload.get("httpMethod").is_some() || payload.get("rawPath").is_some() {
        return Ok(json!({ "statusCode": 200, "body": "handled" }));
    }
    Ok(json!({ "seen": payload }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}

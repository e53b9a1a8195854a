//! The events the timing examples inspect: an HTTP body of text, or a JSON object of its
//! text cut in string fields, decoded under the extension's limits by the built-in rules.
//! (`timing.rs` lays them out and times them; `detector_parts` uses only these builders.)

use fnguard_shield::envelope::Limits;
use fnguard_shield::inspect::Detector;

/// The extension's own limits (6 MB, the largest synchronous payload).
pub const LIMITS: Limits = Limits {
    max_body_bytes: 6 << 20,
    max_depth: 64,
    max_keys: 10_000,
};

/// The built-in rules, or the process ends with their error.
pub fn detector() -> Detector {
    Detector::builtin().unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2);
    })
}

/// An HTTP API event (payload 2.0) with `body` of content type `ct`.
pub fn http_event(body: String, ct: &str) -> serde_json::Value {
    serde_json::json!({"version": "2.0", "rawPath": "/x", "body": body,
        "requestContext": {"http": {"method": "POST"}}, "headers": {"content-type": ct}})
}

/// An HTTP API event whose JSON body holds `value` cut in string fields of `size`
/// characters, at most 9,000 of them (a record may have 10,000 keys).
pub fn json_fields(value: &str, size: usize) -> serde_json::Value {
    let chars: Vec<char> = value.chars().collect();
    let mut fields = serde_json::Map::new();
    for (i, chunk) in chars.chunks(size.max(1)).take(9_000).enumerate() {
        fields.insert(format!("f{i}"), chunk.iter().collect::<String>().into());
    }
    http_event(
        serde_json::Value::Object(fields).to_string(),
        "application/json",
    )
}

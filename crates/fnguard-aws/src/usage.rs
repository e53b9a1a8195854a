//! Observed usage: CloudTrail events of each function's role session, as IAM actions. Lambda
//! names a function's role session after the function, so an event whose identity is
//! `arn:aws:sts::ACCOUNT:assumed-role/ROLE/FUNCTION` was made by that function's code.

use crate::error::LiveError;
use crate::snapshot::Snapshot;
use fnguard_model::{ObservedUsage, Project, Val};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// What the events say, per (role name, session name).
#[derive(Debug, Default)]
pub struct Observed {
    pub by_session: BTreeMap<(String, String), BTreeSet<String>>,
    /// Some event was a data event: the trail logs them.
    pub data_events: bool,
    pub events: usize,
    pub files: usize,
    /// (file, why) for files that could not be read; the others still count.
    pub problems: Vec<(String, String)>,
    /// Functions whose events could not all be read: nothing is claimed about them.
    pub incomplete: BTreeSet<String>,
}

/// The IAM action a CloudTrail event stands for (`s3.amazonaws.com`, `ListObjects` →
/// `s3:ListBucket`). Lambda's event names carry an API version (`GetFunction20150331v2`).
pub fn event_action(source: &str, name: &str) -> Option<String> {
    let service = source.strip_suffix(".amazonaws.com")?;
    let service = match service {
        "monitoring" => "cloudwatch",
        "email" => "ses",
        "streams.dynamodb" => "dynamodb",
        s => s,
    };
    let mut name = name.to_string();
    if service == "lambda" {
        let trimmed = name.trim_end_matches("v2").trim_end_matches("v3");
        let digits = trimmed.len() - trimmed.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 8 {
            name = trimmed[..trimmed.len() - 8].to_string();
        }
        if name == "Invoke" {
            name = "InvokeFunction".into();
        }
    }
    if service == "s3" {
        name = match name.as_str() {
            "ListObjects" | "ListObjectsV2" | "ListObjectVersions" | "HeadBucket" => {
                "ListBucket".into()
            }
            "HeadObject" => "GetObject".into(),
            "GetBucketNotificationConfiguration" => "GetBucketNotification".into(),
            "PutBucketNotificationConfiguration" => "PutBucketNotification".into(),
            "CreateMultipartUpload"
            | "UploadPart"
            | "CompleteMultipartUpload"
            | "UploadPartCopy"
            | "CopyObject" => "PutObject".into(),
            _ => name,
        };
    }
    if service == "sqs" && name == "SendMessageBatch" {
        name = "SendMessage".into();
    }
    if service == "sqs" && name == "DeleteMessageBatch" {
        name = "DeleteMessage".into();
    }
    Some(format!("{service}:{name}"))
}

impl Observed {
    /// One CloudTrail record (the `Records[]` element of a log file, or a `LookupEvents`
    /// event's `CloudTrailEvent`).
    pub fn add_record(&mut self, r: &Value) {
        self.events += 1;
        if r.get("eventCategory").and_then(Value::as_str) == Some("Data")
            || r.get("managementEvent") == Some(&Value::Bool(false))
        {
            self.data_events = true;
        }
        // A denied call used nothing it was granted.
        if r.get("errorCode")
            .and_then(Value::as_str)
            .is_some_and(|c| !c.is_empty())
        {
            return;
        }
        let id = r.get("userIdentity").unwrap_or(&Value::Null);
        if id.get("type").and_then(Value::as_str) != Some("AssumedRole") {
            return;
        }
        let Some(arn) = id.get("arn").and_then(Value::as_str) else {
            return;
        };
        // arn:aws:sts::123456789012:assumed-role/ROLE/SESSION
        let Some(rest) = arn.split(":assumed-role/").nth(1) else {
            return;
        };
        let Some((role, session)) = rest.split_once('/') else {
            return;
        };
        let (Some(source), Some(name)) = (
            r.get("eventSource").and_then(Value::as_str),
            r.get("eventName").and_then(Value::as_str),
        ) else {
            return;
        };
        if let Some(action) = event_action(source, name) {
            self.by_session
                .entry((role.to_string(), session.to_string()))
                .or_default()
                .insert(action);
        }
    }

    /// A CloudTrail log file (`{"Records": [...]}`, gzipped or not), the output of `aws
    /// cloudtrail lookup-events` (`{"Events": [{"CloudTrailEvent": "..."}]}`), a JSON array of
    /// records, or JSON Lines.
    pub fn add_text(&mut self, text: &str) -> Result<(), LiveError> {
        let trimmed = text.trim_start();
        if trimmed.is_empty() {
            return Ok(());
        }
        match serde_json::from_str::<Value>(trimmed) {
            Ok(Value::Object(o)) if o.contains_key("Records") => {
                for r in o["Records"].as_array().into_iter().flatten() {
                    self.add_record(r);
                }
            }
            Ok(Value::Object(o)) if o.contains_key("Events") => {
                for e in o["Events"].as_array().into_iter().flatten() {
                    if let Some(Ok(r)) = e
                        .get("CloudTrailEvent")
                        .and_then(Value::as_str)
                        .map(serde_json::from_str::<Value>)
                    {
                        self.add_record(&r);
                    }
                }
            }
            Ok(Value::Array(a)) => a.iter().for_each(|r| self.add_record(r)),
            Ok(v @ Value::Object(_)) => self.add_record(&v),
            Ok(_) => return Err(LiveError::CloudTrail("not CloudTrail JSON".into())),
            Err(first) => {
                // JSON Lines: one record per line.
                let mut any = false;
                for (i, line) in trimmed.lines().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let r: Value = serde_json::from_str(line).map_err(|e| {
                        LiveError::CloudTrail(if any {
                            format!("line {}: {e}", i + 1)
                        } else {
                            first.to_string()
                        })
                    })?;
                    any = true;
                    self.add_record(&r);
                }
            }
        }
        Ok(())
    }

    /// Every `*.json`/`*.json.gz` file under `dir` (the layout CloudTrail delivers to S3, once
    /// synced locally). Symlinks are not followed; at most 100,000 files and 1 GB unpacked.
    pub fn add_dir(&mut self, dir: &Path) {
        let mut stack: Vec<(PathBuf, usize)> = vec![(dir.to_path_buf(), 0)];
        let mut budget: u64 = 1 << 30;
        while let Some((d, depth)) = stack.pop() {
            let entries = match std::fs::read_dir(&d) {
                Ok(e) => e,
                Err(e) => {
                    self.problems.push((d.display().to_string(), e.to_string()));
                    continue;
                }
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() && depth < 16 {
                    stack.push((path, depth + 1));
                    continue;
                }
                if !kind.is_file() || self.files >= 100_000 {
                    continue;
                }
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let gz = name.ends_with(".json.gz");
                if !gz && !name.ends_with(".json") && !name.ends_with(".jsonl") {
                    continue;
                }
                self.files += 1;
                match read_text(&path, gz, budget) {
                    Ok(text) => {
                        budget = budget.saturating_sub(text.len() as u64);
                        if let Err(why) = self.add_text(&text) {
                            self.problems
                                .push((path.display().to_string(), why.to_string()));
                        }
                    }
                    Err(why) => self.problems.push((path.display().to_string(), why)),
                }
            }
        }
    }
}

fn read_text(path: &Path, gz: bool, budget: u64) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut text = String::new();
    let read = if gz {
        flate2::read::MultiGzDecoder::new(file)
            .take(budget + 1)
            .read_to_string(&mut text)
    } else {
        file.take(budget + 1).read_to_string(&mut text)
    };
    read.map_err(|e| e.to_string())?;
    if text.len() as u64 > budget {
        return Err(
            "the CloudTrail files together exceed 1 GB unpacked; the rest was not read".into(),
        );
    }
    Ok(text)
}

/// Gives each live function what its role session was seen doing.
pub fn attach(project: &mut Project, snap: &Snapshot, observed: &Observed, source: &str) {
    for f in &mut project.functions {
        let name = f
            .name
            .as_ref()
            .and_then(Val::as_str)
            .unwrap_or(&f.id)
            .to_string();
        let Some(live) = snap.functions.iter().find(|l| l.name == name) else {
            continue;
        };
        if observed.incomplete.contains(&name) {
            f.observed = None;
            continue;
        }
        let role = live.role.rsplit('/').next().unwrap_or("").to_string();
        let actions = observed
            .by_session
            .get(&(role, name))
            .cloned()
            .unwrap_or_default();
        f.observed = Some(Box::new(ObservedUsage {
            actions,
            source: source.to_string(),
            data_events: observed.data_events,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_become_iam_actions() {
        assert_eq!(
            event_action("s3.amazonaws.com", "ListObjects").unwrap(),
            "s3:ListBucket"
        );
        assert_eq!(
            event_action("s3.amazonaws.com", "HeadObject").unwrap(),
            "s3:GetObject"
        );
        assert_eq!(
            event_action("lambda.amazonaws.com", "GetFunction20150331v2").unwrap(),
            "lambda:GetFunction"
        );
        assert_eq!(
            event_action("lambda.amazonaws.com", "ListFunctions20150331").unwrap(),
            "lambda:ListFunctions"
        );
        assert_eq!(
            event_action("lambda.amazonaws.com", "Invoke").unwrap(),
            "lambda:InvokeFunction"
        );
        assert_eq!(
            event_action("dynamodb.amazonaws.com", "PutItem").unwrap(),
            "dynamodb:PutItem"
        );
        assert_eq!(
            event_action("monitoring.amazonaws.com", "PutMetricData").unwrap(),
            "cloudwatch:PutMetricData"
        );
        assert!(event_action("signin.aws", "ConsoleLogin").is_none());
    }

    fn record(role: &str, session: &str, source: &str, name: &str) -> Value {
        serde_json::json!({
            "eventSource": source,
            "eventName": name,
            "userIdentity": { "type": "AssumedRole",
                "arn": format!("arn:aws:sts::123456789012:assumed-role/{role}/{session}") },
        })
    }

    #[test]
    fn records_count_per_role_session_and_denied_calls_do_not() {
        let mut o = Observed::default();
        let mut denied = record("app", "orders", "s3.amazonaws.com", "DeleteObject");
        denied["errorCode"] = "AccessDenied".into();
        let text = serde_json::json!({ "Records": [
            record("app", "orders", "dynamodb.amazonaws.com", "GetItem"),
            record("app", "orders", "s3.amazonaws.com", "GetObject"),
            record("app", "billing", "sqs.amazonaws.com", "SendMessage"),
            denied,
            { "eventSource": "iam.amazonaws.com", "eventName": "CreateUser",
              "userIdentity": { "type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/bob" } },
        ]})
        .to_string();
        o.add_text(&text).unwrap();
        assert_eq!(o.events, 5);
        let orders = &o.by_session[&("app".to_string(), "orders".to_string())];
        assert_eq!(
            orders.iter().map(String::as_str).collect::<Vec<_>>(),
            ["dynamodb:GetItem", "s3:GetObject"]
        );
        assert!(!o.data_events);
    }

    #[test]
    fn lookup_events_output_and_json_lines_are_read() {
        let inner = record("app", "orders", "kms.amazonaws.com", "Decrypt").to_string();
        let mut o = Observed::default();
        o.add_text(&serde_json::json!({ "Events": [ { "CloudTrailEvent": inner } ] }).to_string())
            .unwrap();
        let mut data = record("app", "orders", "s3.amazonaws.com", "PutObject");
        data["eventCategory"] = "Data".into();
        o.add_text(&format!(
            "{}\n{}\n",
            data,
            record("app", "x", "sns.amazonaws.com", "Publish")
        ))
        .unwrap();
        assert!(o.data_events);
        assert_eq!(o.by_session.len(), 2);
        assert!(o.add_text("not json").is_err());
    }
}

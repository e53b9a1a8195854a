//! Second-order flows: event data one function stores (a table item, an object, a message) is
//! event data for the functions that read that store or are triggered by it. The first pass
//! of the code analysis records which SDK calls receive event data; this module finds the
//! stores they write and the reads and triggers of those stores in other functions.

use crate::taint::{Origin, Stored};
use fnguard_model::FlowStep;
use fnguard_model::{Function, Project, ResourceKind, SdkCall, TriggerKind, TRIGGERING_BUCKET};
use std::collections::{BTreeMap, HashMap};

/// Actions that store what they are given where another function can read it.
fn is_write(action: &str) -> bool {
    matches!(
        action,
        "dynamodb:PutItem"
            | "dynamodb:UpdateItem"
            | "dynamodb:BatchWriteItem"
            | "dynamodb:TransactWriteItems"
            | "s3:PutObject"
            | "sqs:SendMessage"
            | "sqs:SendMessageBatch"
            | "sns:Publish"
            | "sns:PublishBatch"
            | "kinesis:PutRecord"
            | "kinesis:PutRecords"
            | "events:PutEvents"
    )
}

/// Actions that return what a store holds.
fn is_read(action: &str) -> bool {
    matches!(
        action,
        "dynamodb:GetItem"
            | "dynamodb:Query"
            | "dynamodb:Scan"
            | "dynamodb:BatchGetItem"
            | "dynamodb:TransactGetItems"
            | "s3:GetObject"
            | "sqs:ReceiveMessage"
            | "kinesis:GetRecords"
    )
}

fn kind_of(action: &str) -> Option<ResourceKind> {
    Some(match action.split(':').next()? {
        "dynamodb" => ResourceKind::Table,
        "s3" => ResourceKind::Bucket,
        "sqs" => ResourceKind::Queue,
        "sns" => ResourceKind::Topic,
        "kinesis" => ResourceKind::Stream,
        "events" => ResourceKind::EventBus,
        _ => return None,
    })
}

/// The stores of the project a call acts on, as the code names them (through an environment
/// variable of the function, or the bucket of its S3 trigger).
fn stores_of(p: &Project, f: &Function, c: &SdkCall) -> Vec<String> {
    let Some(kind) = kind_of(&c.action) else {
        return Vec::new();
    };
    let Some(env) = &c.resource_env else {
        return Vec::new();
    };
    let ids: Vec<String> = if env == TRIGGERING_BUCKET {
        f.triggers
            .iter()
            .filter(|t| matches!(t.kind, TriggerKind::S3 { .. }))
            .filter_map(|t| t.kind.source_resource().map(str::to_string))
            .collect()
    } else {
        f.environment
            .iter()
            .filter(|v| &v.name == env)
            .flat_map(|v| v.refs.iter().cloned())
            .collect()
    };
    ids.into_iter()
        .filter(|id| p.resources.iter().any(|r| &r.id == id && r.kind == kind))
        .collect()
}

/// For each function that reads (or is triggered by) a store another function writes its event
/// data to: the reads and the event to treat as event data, with where it came from.
pub(crate) fn sources(p: &Project) -> HashMap<String, Stored> {
    // Store id -> (writing function, how it is described, its path to the write).
    let mut written: BTreeMap<String, (String, String, Vec<FlowStep>)> = BTreeMap::new();
    for f in &p.functions {
        let Some(code) = &f.code else { continue };
        for c in code
            .calls
            .iter()
            .filter(|c| c.reachable && !c.event_data.is_empty() && is_write(&c.action))
        {
            let from = c
                .event_data
                .first()
                .map(|s| format!(", from {}:{}", s.location.file, s.location.line))
                .unwrap_or_default();
            for store in stores_of(p, f, c) {
                let mut hop = c.event_data.clone();
                hop.push(FlowStep {
                    location: c.location.clone(),
                    note: format!("stored in `{store}` by function `{}` ({})", f.id, c.action),
                });
                written.entry(store).or_insert_with(|| {
                    (
                        f.id.clone(),
                        format!(
                            "function `{}` stores its event data there ({} at {}:{}{from})",
                            f.id, c.action, c.location.file, c.location.line
                        ),
                        hop,
                    )
                });
            }
        }
    }
    let mut out = HashMap::new();
    if written.is_empty() {
        return out;
    }
    for f in &p.functions {
        let Some(code) = &f.code else { continue };
        let mut stored = Stored::default();
        for c in code.calls.iter().filter(|c| is_read(&c.action)) {
            let origin = stores_of(p, f, c).into_iter().find_map(|store| {
                let (writer, how, hop) = written.get(&store)?;
                (writer != &f.id).then(|| Origin {
                    note: format!("data read from `{store}`, where {how}"),
                    hop: hop.clone(),
                })
            });
            if let Some(origin) = origin {
                let at = (c.location.file.clone(), c.location.line, c.location.column);
                stored.reads.push((at, origin));
            }
        }
        stored.event = f.triggers.iter().find_map(|t| {
            if !matches!(
                t.kind,
                TriggerKind::Sqs { .. }
                    | TriggerKind::Sns { .. }
                    | TriggerKind::Stream { .. }
                    | TriggerKind::S3 { .. }
                    | TriggerKind::EventBridge { .. }
            ) {
                return None;
            }
            let store = t.kind.source_resource()?;
            let (writer, how, hop) = written.get(store)?;
            (writer != &f.id).then(|| Origin {
                note: format!("records of `{store}`, where {how}"),
                hop: hop.clone(),
            })
        });
        if !stored.reads.is_empty() || stored.event.is_some() {
            out.insert(f.id.clone(), stored);
        }
    }
    out
}

//! Second-order flows: event data one function stores (a table item, an object, a message) is
//! event data for the functions that read that store or are triggered by it. The first pass
//! of the code analysis records which SDK calls receive event data; this module finds the
//! stores they write and the reads and triggers of those stores in other functions.

use crate::taint::{Origin, Stored};
use crate::HashMap;
use fnguard_model::FlowStep;
use fnguard_model::{
    Function, Project, ResourceKind, SdkCall, TriggerKind, Val, DEFAULT_EVENT_BUS,
    TRIGGERING_BUCKET,
};
use std::collections::BTreeMap;

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
    if env == DEFAULT_EVENT_BUS {
        return vec![DEFAULT_BUS.to_string()];
    }
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

/// The default event bus is not a resource of the project; its writes are stored under this
/// name.
const DEFAULT_BUS: &str = "default event bus";

/// A write of event data into a store.
struct Write {
    writer: String,
    /// "function `W` stores its event data there (…)".
    how: String,
    /// The writer's path to the write, ending with the write.
    hop: Vec<FlowStep>,
    /// The `Source` of the events a `PutEvents` puts, when it is a literal.
    event_source: Option<String>,
}

/// The store an EventBridge rule listens on.
fn rule_bus(bus: &Option<Val<String>>) -> Option<&str> {
    match bus {
        None => Some(DEFAULT_BUS),
        Some(b) if b.as_str() == Some("default") => Some(DEFAULT_BUS),
        Some(b) => b.as_str(),
    }
}

/// Whether events a writer puts can match a rule's pattern: only the sources it lists, and
/// events an application puts can never carry an `aws.` source.
fn rule_matches(sources: &Option<Vec<String>>, w: &Write) -> bool {
    match (sources, &w.event_source) {
        (None, _) => true,
        (Some(list), Some(put)) => list.iter().any(|s| s == put),
        (Some(list), None) => list.iter().any(|s| !s.starts_with("aws.")),
    }
}

/// For each function that reads (or is triggered by) a store another function writes its event
/// data to: the reads and the event to treat as event data, with where it came from.
pub(crate) fn sources(p: &Project) -> HashMap<String, Stored> {
    let mut written: BTreeMap<String, Vec<Write>> = BTreeMap::new();
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
            let event_source = c
                .written_keys
                .iter()
                .find(|k| k.field == "source" && k.exact)
                .map(|k| k.prefix.clone());
            for store in stores_of(p, f, c) {
                let mut hop = c.event_data.clone();
                hop.push(FlowStep {
                    location: c.location.clone(),
                    note: format!("stored in `{store}` by function `{}` ({})", f.id, c.action),
                });
                written.entry(store).or_default().push(Write {
                    writer: f.id.clone(),
                    how: format!(
                        "function `{}` stores its event data there ({} at {}:{}{from})",
                        f.id, c.action, c.location.file, c.location.line
                    ),
                    hop,
                    event_source: event_source.clone(),
                });
            }
        }
    }
    let mut out = HashMap::default();
    if written.is_empty() {
        return out;
    }
    let origin = |store: &str, what: &str, w: &Write| Origin {
        note: format!("{what} `{store}`, where {}", w.how),
        hop: w.hop.clone(),
    };
    for f in &p.functions {
        let Some(code) = &f.code else { continue };
        let others = |store: &str| {
            written
                .get(store)
                .into_iter()
                .flatten()
                .filter(|w| w.writer != f.id)
        };
        let mut stored = Stored::default();
        for c in code.calls.iter().filter(|c| is_read(&c.action)) {
            let found = stores_of(p, f, c).into_iter().find_map(|store| {
                let w = others(&store).next()?;
                Some(origin(&store, "data read from", w))
            });
            if let Some(found) = found {
                let at = (c.location.file.clone(), c.location.line, c.location.column);
                stored.reads.push((at, found));
            }
        }
        stored.event = f.triggers.iter().find_map(|t| match &t.kind {
            TriggerKind::EventBridge { bus, sources } => {
                let store = rule_bus(bus)?;
                let w = others(store).find(|w| rule_matches(sources, w))?;
                Some(origin(store, "events of", w))
            }
            TriggerKind::Sqs { .. }
            | TriggerKind::Sns { .. }
            | TriggerKind::Stream { .. }
            | TriggerKind::S3 { .. } => {
                let store = t.kind.source_resource()?;
                let w = others(store).next()?;
                Some(origin(store, "records of", w))
            }
            _ => None,
        });
        if !stored.reads.is_empty() || stored.event.is_some() {
            out.insert(f.id.clone(), stored);
        }
    }
    out
}

//! Findings out: one JSON line per finding on stdout (Lambda sends it to CloudWatch Logs), and
//! optionally OTLP/HTTP log records to a collector. Export never blocks an invocation: records
//! go through a bounded queue and are dropped (and counted) when the collector is slow.

use fnguard_model::{Finding, Location, Practice, Severity};
use serde_json::{json, Value};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

/// The shield's rules (RULES.md, FG951–FG956).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShieldRule {
    EventBlocked,
    TmpExecutable,
    UnexpectedProcess,
    OutboundConnection,
    CodeModified,
    Recycled,
    InspectionIncomplete,
}

impl ShieldRule {
    pub fn id(self) -> &'static str {
        match self {
            ShieldRule::EventBlocked => "FG951",
            ShieldRule::TmpExecutable => "FG952",
            ShieldRule::UnexpectedProcess => "FG953",
            ShieldRule::OutboundConnection => "FG954",
            ShieldRule::CodeModified => "FG955",
            ShieldRule::Recycled => "FG956",
            ShieldRule::InspectionIncomplete => "FG957",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ShieldRule::EventBlocked => "event-blocked",
            ShieldRule::TmpExecutable => "new-executable-in-tmp",
            ShieldRule::UnexpectedProcess => "unexpected-process",
            ShieldRule::OutboundConnection => "outbound-connection-outside-allow-list",
            ShieldRule::CodeModified => "handler-code-modified",
            ShieldRule::Recycled => "environment-recycled",
            ShieldRule::InspectionIncomplete => "inspection-incomplete",
        }
    }

    fn practice(self) -> u8 {
        match self {
            ShieldRule::EventBlocked | ShieldRule::InspectionIncomplete => 2,
            ShieldRule::OutboundConnection => 7,
            _ => 9,
        }
    }

    fn remediation(self) -> &'static str {
        match self {
            ShieldRule::EventBlocked => "Check the handler's input validation for this field; if the event is legitimate, report the false positive with the rule id.",
            ShieldRule::TmpExecutable => "Find what wrote the file (the invocation before this finding); the environment should be recycled (FNGUARD_REFRESH_ON_ALARM=true).",
            ShieldRule::UnexpectedProcess => "A process outlived its invocation: find what started it, or add its name to FNGUARD_ALLOW_PROCESSES if it is expected.",
            ShieldRule::OutboundConnection => "Add the destination to FNGUARD_ALLOW_HOSTS if it is expected; otherwise treat the environment as compromised.",
            ShieldRule::CodeModified => "The deployed code changed at run time: treat the environment as compromised and redeploy.",
            ShieldRule::Recycled => "None needed: the environment was recycled as configured (one cold start).",
            ShieldRule::InspectionIncomplete => "Some values were inspected only at their start and end: when the budget ran out, raise FNGUARD_BUDGET_MS or lower FNGUARD_MAX_BODY_BYTES; values dense with shell operators or SQL keywords from end to end exceed the detectors' work allowance by design. Set FNGUARD_FAIL=closed to block such events.",
        }
    }
}

pub struct Emitter {
    function: String,
    otlp: Option<mpsc::Sender<Value>>,
    pub dropped: Arc<AtomicU64>,
    quiet: bool,
}

impl Emitter {
    pub fn new(function: String, otlp: Option<mpsc::Sender<Value>>) -> Emitter {
        Emitter {
            function,
            otlp,
            dropped: Arc::new(AtomicU64::new(0)),
            quiet: false,
        }
    }

    /// An emitter that only counts (benchmarks).
    pub fn quiet() -> Emitter {
        Emitter {
            quiet: true,
            ..Emitter::new(String::new(), None)
        }
    }

    pub fn finding(
        &self,
        rule: ShieldRule,
        severity: Severity,
        message: String,
        discriminator: &str,
        evidence: Value,
    ) -> Finding {
        let mut f = Finding {
            rule: rule.id(),
            name: rule.name(),
            severity,
            practice: Practice(rule.practice()),
            message,
            function: Some(self.function.clone()),
            functions: vec![self.function.clone()],
            resource: None,
            location: Location::new(format!("lambda:{}", self.function), 0, 0),
            related: Vec::new(),
            remediation: rule.remediation().to_string(),
            fingerprint: String::new(),
            evidence: evidence.into(),
            fixes: Vec::new(),
        };
        f.fingerprint = f.compute_fingerprint(discriminator);
        f
    }

    pub fn emit(&self, f: &Finding) {
        if self.quiet {
            return;
        }
        let line = json!({ "fnguard_shield": "finding", "finding": f });
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        if let Some(tx) = &self.otlp {
            if tx.try_send(otlp_record(f)).is_err() {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The shield's own problems (not findings): configuration, upstream errors, fallbacks.
    pub fn notice(&self, level: &str, message: &str) {
        if self.quiet {
            return;
        }
        let line = json!({ "fnguard_shield": level, "message": message });
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }
}

fn otlp_record(f: &Finding) -> Value {
    let severity_number = match f.severity {
        Severity::Info => 9,
        Severity::Low => 10,
        Severity::Medium => 13,
        Severity::High => 17,
        Severity::Critical => 21,
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    json!({
        "timeUnixNano": now.to_string(),
        "severityNumber": severity_number,
        "severityText": f.severity.as_str(),
        "body": { "stringValue": f.message },
        "attributes": [
            { "key": "fnguard.rule", "value": { "stringValue": f.rule } },
            { "key": "fnguard.name", "value": { "stringValue": f.name } },
            { "key": "fnguard.fingerprint", "value": { "stringValue": f.fingerprint } },
            { "key": "faas.name", "value": { "stringValue": f.function.clone().unwrap_or_default() } },
            { "key": "fnguard.evidence", "value": { "stringValue": f.evidence.json() } },
        ],
    })
}

/// The OTLP/HTTP JSON request for a batch of log records.
pub fn otlp_request(records: Vec<Value>, function: &str) -> Value {
    json!({
        "resourceLogs": [{
            "resource": { "attributes": [
                { "key": "service.name", "value": { "stringValue": "fnguard-shield" } },
                { "key": "faas.name", "value": { "stringValue": function } },
            ]},
            "scopeLogs": [{ "scope": { "name": "fnguard-shield" }, "logRecords": records }],
        }]
    })
}

//! Configuration from environment variables, validated once at start so that a typo is reported
//! at init (where the user sees it) rather than silently ignored.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Findings are reported; every event reaches the handler.
    Monitor,
    /// Malicious events (or records) are answered or removed before the handler sees them.
    Block,
}

/// What happens when the shield itself cannot decide (inspection error, time budget spent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailMode {
    Open,
    Closed,
}

/// What happens to SQS records that are blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchBlocked {
    /// Reported in `batchItemFailures`: with `ReportBatchItemFailures` on, the record returns to
    /// the queue and ends in the dead-letter queue, kept for forensics.
    Report,
    /// Removed from the batch and deleted with it.
    Drop,
}

/// An allow-list entry for outbound connections.
#[derive(Debug, Clone, PartialEq)]
pub enum Egress {
    /// An address or network, optionally one port.
    Net {
        addr: IpAddr,
        prefix: u8,
        port: Option<u16>,
    },
    /// A host name, resolved at start.
    Host { name: String, port: Option<u16> },
}

#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    pub fail: FailMode,
    pub batch_blocked: BatchBlocked,
    pub max_invocations: Option<u64>,
    pub max_lifetime: Option<Duration>,
    /// Recycle the environment after a high-severity watcher finding.
    pub refresh_on_alarm: bool,
    pub allow_hosts: Vec<Egress>,
    /// Any remote on port 443 is allowed (AWS APIs, SaaS); off makes the allow-list strict.
    pub allow_any_https: bool,
    pub allow_processes: Vec<String>,
    pub proxy_port: u16,
    pub telemetry_port: u16,
    /// Host name the Telemetry API posts to (`sandbox.localdomain` in Lambda).
    pub telemetry_host: String,
    pub max_body_bytes: usize,
    pub max_depth: usize,
    pub max_keys: usize,
    /// Inspection time per event; past it the verdict falls back to `fail`.
    pub budget: Duration,
    pub watch_tmp: Vec<String>,
    pub watch_code: Vec<String>,
    pub proc_root: String,
    /// Only processes of the shield's own process group are watched (for hosts shared with
    /// other work, such as the test harness); Lambda sandboxes have their own PID namespace.
    pub proc_group_only: bool,
    pub otlp_endpoint: Option<String>,
    pub watcher: bool,
    /// `fnguard shield policy` output: which event fields reach which sink.
    pub policy: Option<String>,
    /// The policy entry to use [default: `AWS_LAMBDA_FUNCTION_NAME`].
    pub policy_function: Option<String>,
    /// How the fields the policy does not list are treated, overriding the policy's own.
    pub policy_rest: Option<crate::policy::RestMode>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            mode: Mode::Monitor,
            fail: FailMode::Open,
            batch_blocked: BatchBlocked::Report,
            max_invocations: None,
            max_lifetime: None,
            refresh_on_alarm: false,
            allow_hosts: Vec::new(),
            allow_any_https: true,
            allow_processes: Vec::new(),
            proxy_port: 9009,
            telemetry_port: 4243,
            telemetry_host: "sandbox.localdomain".into(),
            max_body_bytes: 6 * 1024 * 1024,
            max_depth: 64,
            max_keys: 10_000,
            budget: Duration::from_millis(20),
            watch_tmp: vec!["/tmp".into()],
            watch_code: vec!["/var/task".into(), "/opt".into()],
            proc_root: "/proc".into(),
            proc_group_only: false,
            otlp_endpoint: None,
            watcher: true,
            policy: None,
            policy_function: None,
            policy_rest: None,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{var}={value:?}: {reason}")]
pub struct ConfigError {
    pub var: String,
    pub value: String,
    pub reason: String,
}

/// Every variable the shield reads; anything else starting with `FNGUARD_` is a typo.
const KNOWN: &[&str] = &[
    "FNGUARD_MODE",
    "FNGUARD_FAIL",
    "FNGUARD_BATCH_BLOCKED",
    "FNGUARD_MAX_INVOCATIONS",
    "FNGUARD_MAX_LIFETIME_S",
    "FNGUARD_REFRESH_ON_ALARM",
    "FNGUARD_ALLOW_HOSTS",
    "FNGUARD_ALLOW_ANY_HTTPS",
    "FNGUARD_ALLOW_PROCESSES",
    "FNGUARD_PROXY_PORT",
    "FNGUARD_TELEMETRY_PORT",
    "FNGUARD_TELEMETRY_HOST",
    "FNGUARD_MAX_BODY_BYTES",
    "FNGUARD_MAX_DEPTH",
    "FNGUARD_MAX_KEYS",
    "FNGUARD_BUDGET_MS",
    "FNGUARD_WATCH_TMP",
    "FNGUARD_WATCH_CODE",
    "FNGUARD_PROC_ROOT",
    "FNGUARD_PROC_SCOPE",
    "FNGUARD_OTLP_ENDPOINT",
    "FNGUARD_WATCHER",
    "FNGUARD_READY_FILE",
    "FNGUARD_POLICY",
    "FNGUARD_POLICY_FUNCTION",
    "FNGUARD_POLICY_REST",
];

/// `FNGUARD_*` variables the shield does not know: most likely typos. Reported as warnings
/// (the rest of the configuration still applies).
pub fn unknown_vars(vars: &HashMap<String, String>) -> Vec<ConfigError> {
    let mut out: Vec<ConfigError> = vars
        .iter()
        .filter(|(k, _)| k.starts_with("FNGUARD_") && !KNOWN.contains(&k.as_str()))
        .map(|(k, v)| ConfigError {
            var: k.clone(),
            value: v.clone(),
            reason: "unknown setting, ignored (see docs/shield.md for the list)".into(),
        })
        .collect();
    out.sort_by(|a, b| a.var.cmp(&b.var));
    out
}

impl Config {
    /// The inspection's time budget and what spending it means for the work left.
    pub fn inspection_budget(&self) -> crate::inspect::Budget {
        crate::inspect::Budget {
            time: self.budget,
            fail_closed: self.fail == FailMode::Closed,
            stop_at_block: self.mode == Mode::Block,
        }
    }

    /// Reads the `FNGUARD_*` variables; every problem is reported, not only the first.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Config, Vec<ConfigError>> {
        let mut c = Config::default();
        let mut errors = Vec::new();
        let mut err = |var: &str, value: &str, reason: &str| {
            errors.push(ConfigError {
                var: var.into(),
                value: value.into(),
                reason: reason.into(),
            })
        };
        let get = |k: &str| vars.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        if let Some(v) = get("FNGUARD_MODE") {
            match v.to_ascii_lowercase().as_str() {
                "monitor" => c.mode = Mode::Monitor,
                "block" => c.mode = Mode::Block,
                _ => err("FNGUARD_MODE", v, "expected `monitor` or `block`"),
            }
        }
        if let Some(v) = get("FNGUARD_FAIL") {
            match v.to_ascii_lowercase().as_str() {
                "open" => c.fail = FailMode::Open,
                "closed" => c.fail = FailMode::Closed,
                _ => err("FNGUARD_FAIL", v, "expected `open` or `closed`"),
            }
        }
        if let Some(v) = get("FNGUARD_BATCH_BLOCKED") {
            match v.to_ascii_lowercase().as_str() {
                "report" => c.batch_blocked = BatchBlocked::Report,
                "drop" => c.batch_blocked = BatchBlocked::Drop,
                _ => err("FNGUARD_BATCH_BLOCKED", v, "expected `report` or `drop`"),
            }
        }
        c.policy = get("FNGUARD_POLICY").map(str::to_string);
        c.policy_function = get("FNGUARD_POLICY_FUNCTION").map(str::to_string);
        if let Some(v) = get("FNGUARD_POLICY_REST") {
            match v.parse::<crate::policy::RestMode>() {
                Ok(m) => c.policy_rest = Some(m),
                Err(reason) => err("FNGUARD_POLICY_REST", v, &reason),
            }
        }
        let mut number = |k: &str, min: u64, max: u64| -> Option<u64> {
            let v = get(k)?;
            match v.parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => Some(n),
                _ => {
                    err(
                        k,
                        v,
                        &format!("expected a whole number from {min} to {max}"),
                    );
                    None
                }
            }
        };
        c.max_invocations = number("FNGUARD_MAX_INVOCATIONS", 1, u64::MAX);
        c.max_lifetime =
            number("FNGUARD_MAX_LIFETIME_S", 1, 7 * 24 * 3600).map(Duration::from_secs);
        if let Some(p) = number("FNGUARD_PROXY_PORT", 1, 65535) {
            c.proxy_port = p as u16;
        }
        if let Some(p) = number("FNGUARD_TELEMETRY_PORT", 1, 65535) {
            c.telemetry_port = p as u16;
        }
        if let Some(n) = number("FNGUARD_MAX_BODY_BYTES", 1024, 1 << 30) {
            c.max_body_bytes = n as usize;
        }
        if let Some(n) = number("FNGUARD_MAX_DEPTH", 2, 10_000) {
            c.max_depth = n as usize;
        }
        if let Some(n) = number("FNGUARD_MAX_KEYS", 10, 10_000_000) {
            c.max_keys = n as usize;
        }
        if let Some(n) = number("FNGUARD_BUDGET_MS", 1, 60_000) {
            c.budget = Duration::from_millis(n);
        }
        let mut flag = |k: &str, default: bool| -> bool {
            match get(k).map(str::to_ascii_lowercase).as_deref() {
                None => default,
                Some("1" | "true" | "yes" | "on") => true,
                Some("0" | "false" | "no" | "off") => false,
                Some(other) => {
                    err(k, other, "expected true or false");
                    default
                }
            }
        };
        c.refresh_on_alarm = flag("FNGUARD_REFRESH_ON_ALARM", false);
        c.allow_any_https = flag("FNGUARD_ALLOW_ANY_HTTPS", true);
        c.watcher = flag("FNGUARD_WATCHER", true);
        if c.mode == Mode::Monitor && get("FNGUARD_FAIL") == Some("closed") {
            // Nothing is ever blocked in monitor mode, so "closed" could only mislead.
            err(
                "FNGUARD_FAIL",
                "closed",
                "fail-closed needs FNGUARD_MODE=block",
            );
        }
        if let Some(v) = get("FNGUARD_ALLOW_HOSTS") {
            for item in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                match parse_egress(item) {
                    Ok(e) => c.allow_hosts.push(e),
                    Err(reason) => err("FNGUARD_ALLOW_HOSTS", item, &reason),
                }
            }
        }
        if let Some(v) = get("FNGUARD_ALLOW_PROCESSES") {
            c.allow_processes = list(v);
        }
        if let Some(v) = get("FNGUARD_TELEMETRY_HOST") {
            c.telemetry_host = v.to_string();
        }
        if let Some(v) = vars.get("FNGUARD_WATCH_TMP") {
            c.watch_tmp = list(v);
        }
        if let Some(v) = vars.get("FNGUARD_WATCH_CODE") {
            c.watch_code = list(v);
        }
        if let Some(v) = get("FNGUARD_PROC_ROOT") {
            c.proc_root = v.to_string();
        }
        if let Some(v) = get("FNGUARD_PROC_SCOPE") {
            match v {
                "all" => c.proc_group_only = false,
                "group" => c.proc_group_only = true,
                _ => err("FNGUARD_PROC_SCOPE", v, "expected `all` or `group`"),
            }
        }
        if let Some(v) = get("FNGUARD_OTLP_ENDPOINT") {
            if v.starts_with("http://") {
                c.otlp_endpoint = Some(v.trim_end_matches('/').to_string());
            } else {
                err(
                    "FNGUARD_OTLP_ENDPOINT",
                    v,
                    "expected an http:// URL of an OTLP/HTTP collector (such as the ADOT layer's http://localhost:4318)",
                );
            }
        }
        if errors.is_empty() {
            Ok(c)
        } else {
            errors.sort_by(|a, b| a.var.cmp(&b.var));
            Err(errors)
        }
    }
}

fn list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// `10.0.0.0/8`, `10.1.2.3:5432`, `[::1]:443`, `api.example.com`, `api.example.com:443`.
fn parse_egress(item: &str) -> Result<Egress, String> {
    let (host, port) = split_port(item)?;
    let (addr_text, prefix) = match host.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (host, None),
    };
    if let Ok(addr) = addr_text.parse::<IpAddr>() {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max => n,
                _ => return Err(format!("prefix length must be 0 to {max}")),
            },
            None => max,
        };
        return Ok(Egress::Net { addr, prefix, port });
    }
    if prefix.is_some() {
        return Err("a network must be written as ADDRESS/PREFIX".into());
    }
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if !valid {
        return Err("expected a host name, an address or a network".into());
    }
    Ok(Egress::Host {
        name: host.to_ascii_lowercase(),
        port,
    })
}

fn split_port(item: &str) -> Result<(&str, Option<u16>), String> {
    let port_of = |p: &str| {
        p.parse::<u16>()
            .map_err(|_| format!("port `{p}` is not a number from 0 to 65535"))
    };
    if let Some(rest) = item.strip_prefix('[') {
        let (addr, after) = rest
            .split_once(']')
            .ok_or_else(|| "unclosed `[` in an IPv6 address".to_string())?;
        return match after.strip_prefix(':') {
            Some(p) => Ok((addr, Some(port_of(p)?))),
            None if after.is_empty() => Ok((addr, None)),
            None => Err("unexpected text after `]`".into()),
        };
    }
    // A bare IPv6 address has several colons and no port.
    if item.matches(':').count() == 1 {
        let (h, p) = item.split_once(':').unwrap_or((item, ""));
        return Ok((h, Some(port_of(p)?)));
    }
    Ok((item, None))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_and_valid_settings() {
        let c = Config::from_vars(&vars(&[])).unwrap();
        assert_eq!(c.mode, Mode::Monitor);
        let c = Config::from_vars(&vars(&[
            ("FNGUARD_MODE", "BLOCK"),
            ("FNGUARD_FAIL", "closed"),
            ("FNGUARD_MAX_INVOCATIONS", "100"),
            ("FNGUARD_MAX_LIFETIME_S", "3600"),
            (
                "FNGUARD_ALLOW_HOSTS",
                "10.0.0.0/8, db.internal:5432, [fd00::1]:443, 192.168.1.1",
            ),
        ]))
        .unwrap();
        assert_eq!(c.mode, Mode::Block);
        assert_eq!(c.fail, FailMode::Closed);
        assert_eq!(c.max_invocations, Some(100));
        assert_eq!(c.max_lifetime, Some(Duration::from_secs(3600)));
        assert_eq!(c.allow_hosts.len(), 4);
        assert_eq!(
            c.allow_hosts[1],
            Egress::Host {
                name: "db.internal".into(),
                port: Some(5432)
            }
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_variable() {
        let errors = Config::from_vars(&vars(&[
            ("FNGUARD_MODE", "blocking"),
            ("FNGUARD_MAX_INVOCATIONS", "0"),
            ("FNGUARD_ALLOW_HOSTS", "10.0.0.0/33,ok.example.com,bad host"),
            ("FNGUARD_MAX_LIFETIME", "60"),
        ]))
        .unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 4, "{text:#?}");
        let unknown = unknown_vars(&vars(&[
            ("FNGUARD_MAX_LIFETIME", "60"),
            ("FNGUARD_MODE", "block"),
        ]));
        assert_eq!(unknown.len(), 1);
        assert!(
            unknown[0].to_string().contains("FNGUARD_MAX_LIFETIME=")
                && unknown[0].reason.contains("unknown")
        );
        assert!(text.iter().any(|t| t.contains("\"blocking\"")));
        assert!(text.iter().any(|t| t.contains("prefix length")));
        assert!(text.iter().any(|t| t.contains("\"bad host\"")));
    }
}

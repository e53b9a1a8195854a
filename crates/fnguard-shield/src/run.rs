//! The extension's life: bind the proxy, say it is ready, register, subscribe to telemetry,
//! then for each invocation wait for its answer, check the environment and decide whether to
//! recycle it.

use crate::config::Config;
use crate::extension::{serve_telemetry, ExtensionClient, LifecycleEvent};
use crate::proxy::{serve, Rules, Shield};
use crate::telemetry::{otlp_request, Emitter, ShieldRule};
use crate::watcher::Watcher;
use bytes::Bytes;
use fnguard_model::Severity;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// Why the extension stops.
#[derive(Debug, PartialEq)]
pub enum Exit {
    /// Lambda is shutting the environment down.
    Shutdown,
    /// The shield recycles the environment (FG956).
    Recycle(String),
    /// The shield cannot work (the Extensions API refused it).
    Failed(String),
}

/// Where the exec wrapper finds the proxy's port; absent means "do not redirect" (fail open).
pub fn ready_file() -> std::path::PathBuf {
    std::env::var_os("FNGUARD_READY_FILE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from("/tmp/.fnguard-shield/proxy-port"))
}

pub async fn run(cfg: Config, api: String, function: String, started: Instant) -> Exit {
    let otlp = cfg.otlp_endpoint.clone().map(|endpoint| {
        let (tx, rx) = mpsc::channel::<Value>(1024);
        tokio::spawn(export_otlp(rx, endpoint, function.clone()));
        tx
    });
    let emitter = Emitter::new(function.clone(), otlp);
    let rules = Rules::compile_in_background();
    // The proxy listens before the extension registers: the runtime starts only after every
    // extension has registered, and must find the proxy there.
    let proxy_listener = match TcpListener::bind(("127.0.0.1", cfg.proxy_port)).await {
        Ok(l) => Some(l),
        Err(e) => {
            emitter.notice(
                "error",
                &format!(
                    "cannot listen on 127.0.0.1:{} ({e}); the runtime will talk to Lambda directly (fail open)",
                    cfg.proxy_port
                ),
            );
            None
        }
    };
    let ready = ready_file();
    match &proxy_listener {
        Some(_) => {
            if let Some(dir) = ready.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            if let Err(e) = std::fs::write(&ready, cfg.proxy_port.to_string()) {
                emitter.notice("error", &format!("cannot write {}: {e}", ready.display()));
            }
        }
        None => {
            let _ = std::fs::remove_file(&ready);
        }
    }
    let telemetry_listener = TcpListener::bind(("0.0.0.0", cfg.telemetry_port))
        .await
        .ok();
    let ext = match ExtensionClient::register(&api).await {
        Ok(e) => e,
        Err(e) => return Exit::Failed(e.to_string()),
    };
    let shield = Shield::new(cfg.clone(), rules, api.clone(), emitter);
    if let Some(path) = &cfg.policy {
        let name = cfg.policy_function.as_deref().unwrap_or(&function);
        match crate::policy::Active::load(path, name, cfg.policy_rest) {
            Ok(p) => {
                shield.emitter.notice(
                    "info",
                    &format!(
                        "policy {path}: {} field(s) checked against their sinks, the rest: {:?}",
                        p.listed, p.rest
                    ),
                );
                let _ = shield.policy.set(p);
            }
            // Without the policy every field gets the generic detectors in the configured
            // mode: a broken policy never weakens the shield.
            Err(e) => shield
                .emitter
                .notice("error", &format!("{e}; inspecting every field generically")),
        }
    }
    if let Some(l) = proxy_listener {
        tokio::spawn(serve(l, shield.clone()));
    }
    match telemetry_listener {
        Some(l) => {
            tokio::spawn(serve_telemetry(l, shield.clone()));
            if let Err(e) = ext
                .subscribe_telemetry(&cfg.telemetry_host, cfg.telemetry_port)
                .await
            {
                shield
                    .emitter
                    .notice("warning", &format!("{e}; continuing without it"));
            }
        }
        None => shield.emitter.notice(
            "warning",
            &format!(
                "cannot listen for telemetry on port {}; continuing without it",
                cfg.telemetry_port
            ),
        ),
    }
    shield.emitter.notice(
        "info",
        &format!(
            "fnguard-shield ready in {} µs: mode {:?}, rules {}, proxy on 127.0.0.1:{}",
            started.elapsed().as_micros(),
            cfg.mode,
            shield
                .rules
                .rule_count()
                .map_or("compiling".to_string(), |n| n.to_string()),
            cfg.proxy_port
        ),
    );
    let service_ports = service_ports(&api, &cfg);
    let mut watcher: Option<Watcher> = None;
    let mut invocations: u64 = 0;
    let mut failures = 0;
    loop {
        let event = match ext.next_event().await {
            Ok(e) => {
                failures = 0;
                e
            }
            Err(e) => {
                failures += 1;
                if failures > 5 {
                    return Exit::Failed(e.to_string());
                }
                shield.emitter.notice("error", &e.to_string());
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        match event {
            LifecycleEvent::Shutdown {
                reason,
                deadline_ms,
            } => {
                flush(&shield, deadline_ms).await;
                let _ = std::fs::remove_file(&ready);
                shield.emitter.notice(
                    "info",
                    &format!("shutdown ({reason}) after {invocations} invocations"),
                );
                return Exit::Shutdown;
            }
            LifecycleEvent::Invoke {
                request_id,
                deadline_ms,
            } => {
                invocations += 1;
                if watcher.is_none() && cfg.watcher {
                    watcher = Some(Watcher::baseline(&cfg, service_ports.clone()));
                }
                let left = Duration::from_millis(deadline_ms.saturating_sub(now_ms()))
                    + Duration::from_secs(1);
                shield.wait_finished(&request_id, left).await;
                let mut alarmed = false;
                if let Some(w) = watcher.as_mut() {
                    for a in w.check() {
                        alarmed |= a.severity >= Severity::High;
                        let f = shield.emitter.finding(
                            a.rule,
                            a.severity,
                            a.message,
                            &a.key,
                            json!({ "request_id": request_id, "detail": a.evidence }),
                        );
                        shield.emitter.emit(&f);
                    }
                }
                if let Some(reason) = recycle_reason(&cfg, invocations, started, alarmed) {
                    // The answer of the last invocation has gone upstream; let any other
                    // in-flight invocation finish too before the environment goes.
                    shield.wait_idle(Duration::from_secs(5)).await;
                    let f = shield.emitter.finding(
                        ShieldRule::Recycled,
                        Severity::Info,
                        format!("execution environment recycled after {invocations} invocations and {} s: {reason}", started.elapsed().as_secs()),
                        "recycle",
                        json!({ "invocations": invocations, "lifetime_s": started.elapsed().as_secs(), "reason": reason }),
                    );
                    shield.emitter.emit(&f);
                    flush(&shield, now_ms() + 500).await;
                    return Exit::Recycle(reason);
                }
            }
        }
    }
}

pub fn recycle_reason(
    cfg: &Config,
    invocations: u64,
    started: Instant,
    alarmed: bool,
) -> Option<String> {
    if let Some(max) = cfg.max_invocations {
        if invocations >= max {
            return Some(format!("FNGUARD_MAX_INVOCATIONS={max} reached"));
        }
    }
    if let Some(max) = cfg.max_lifetime {
        if started.elapsed() >= max {
            return Some(format!("FNGUARD_MAX_LIFETIME_S={} reached", max.as_secs()));
        }
    }
    if alarmed && cfg.refresh_on_alarm {
        return Some("a high-severity watcher finding (FNGUARD_REFRESH_ON_ALARM)".into());
    }
    None
}

fn service_ports(api: &str, cfg: &Config) -> Vec<u16> {
    let mut ports = vec![cfg.proxy_port, cfg.telemetry_port];
    if let Some(p) = api.rsplit(':').next().and_then(|p| p.parse().ok()) {
        ports.push(p);
    }
    if let Some(p) = cfg
        .otlp_endpoint
        .as_deref()
        .and_then(|e| e.trim_start_matches("http://").split('/').next())
        .and_then(|hp| hp.rsplit(':').next())
        .and_then(|p| p.parse().ok())
    {
        ports.push(p);
    }
    ports
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

async fn flush(shield: &Shield, deadline_ms: u64) {
    // Give the exporter until shortly before the deadline to drain its queue.
    let budget = Duration::from_millis(
        deadline_ms
            .saturating_sub(now_ms())
            .saturating_sub(100)
            .min(1500),
    );
    tokio::time::sleep(budget.min(Duration::from_millis(
        if shield.cfg.otlp_endpoint.is_some() {
            200
        } else {
            0
        },
    )))
    .await;
    let dropped = shield
        .emitter
        .dropped
        .load(std::sync::atomic::Ordering::Relaxed);
    if dropped > 0 {
        shield.emitter.notice(
            "warning",
            &format!(
                "{dropped} findings were not exported (collector slow or down); all are in the log"
            ),
        );
    }
}

async fn export_otlp(mut rx: mpsc::Receiver<Value>, endpoint: String, function: String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < 100 {
            match rx.try_recv() {
                Ok(v) => batch.push(v),
                Err(_) => break,
            }
        }
        let body = otlp_request(batch, &function).to_string();
        let Ok(req) = hyper::Request::post(format!("{endpoint}/v1/logs"))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
        else {
            continue;
        };
        // One attempt, bounded: the log line on stdout is the record of truth.
        let _ = tokio::time::timeout(Duration::from_secs(2), client.request(req)).await;
    }
}

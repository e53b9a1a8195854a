//! The Runtime API proxy. The runtime (pointed here by the exec wrapper) talks to this listener
//! as if it were Lambda's Runtime API; every request goes upstream unchanged (method, path,
//! headers, body — streamed, with trailers) except that the event returned by `/next` is
//! inspected first. A blocked event is answered upstream by the shield and `/next` is asked
//! again, so the handler never sees it; the runtime only ever gets a 2xx from `/next`.

use crate::config::{Config, Mode};
use crate::envelope::{decode, Limits};
use crate::inspect::{Detector, Hit};
use crate::telemetry::{Emitter, ShieldRule};
use crate::verdict::{decide, merge_batch_failures, merge_processing_failed, Action, Verdict};
use bytes::Bytes;
use fnguard_model::Severity;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH, HOST};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::json;
use std::collections::{HashMap, HashSet, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::watch;

pub type Body = BoxBody<Bytes, hyper::Error>;

/// The inspection rules, compiled on a thread of their own at start so that compiling (a few
/// milliseconds) overlaps registration and the runtime's init instead of adding to them.
#[derive(Clone)]
pub struct Rules(Arc<std::sync::OnceLock<Result<Detector, String>>>);

impl Rules {
    pub fn compile_in_background() -> Rules {
        let cell = Arc::new(std::sync::OnceLock::new());
        let fill = cell.clone();
        std::thread::spawn(move || {
            let _ = fill.set(Detector::builtin().map_err(|e| e.to_string()));
        });
        Rules(cell)
    }

    pub fn ready(d: Detector) -> Rules {
        let cell = std::sync::OnceLock::new();
        let _ = cell.set(Ok(d));
        Rules(Arc::new(cell))
    }

    /// The rules, waiting for the compile thread if the first event comes before it is done.
    pub fn get(&self) -> Result<&Detector, &str> {
        self.0.wait().as_ref().map_err(String::as_str)
    }

    pub fn rule_count(&self) -> Option<usize> {
        self.0
            .get()
            .and_then(|r| r.as_ref().ok())
            .map(Detector::rule_count)
    }
}

const NEXT: &str = "/2018-06-01/runtime/invocation/next";
const INVOCATION: &str = "/2018-06-01/runtime/invocation/";
const REQUEST_ID: &str = "lambda-runtime-aws-request-id";

#[derive(Default)]
pub struct State {
    pub in_flight: HashSet<String>,
    /// Recently finished invocations (the extension waits for its INVOKE's request id here).
    completed: VecDeque<String>,
    /// Events handed to the handler or answered by the shield.
    pub events: u64,
    pub blocked: u64,
    /// Blocked records to add to the handler's answer, by request id.
    pending_failures: HashMap<String, Pending>,
}

/// Blocked records the handler's answer must name: SQS message ids for `batchItemFailures`,
/// or Firehose records answered `ProcessingFailed`.
enum Pending {
    Sqs(Vec<String>),
    Firehose(Vec<serde_json::Value>),
}

impl Pending {
    fn merge(&self, handler_response: &[u8]) -> Option<Vec<u8>> {
        match self {
            Pending::Sqs(ids) => merge_batch_failures(handler_response, ids),
            Pending::Firehose(records) => merge_processing_failed(handler_response, records),
        }
    }
}

pub struct Shield {
    pub cfg: Config,
    /// Built on its own thread while the extension registers (see `Rules`).
    pub rules: Rules,
    pub upstream: String,
    client: Client<HttpConnector, Body>,
    state: Mutex<State>,
    done: watch::Sender<u64>,
    pub emitter: Emitter,
    /// The static analysis's policy for this function, when `FNGUARD_POLICY` gives one.
    pub policy: std::sync::OnceLock<crate::policy::Active>,
}

fn full(b: impl Into<Bytes>) -> Body {
    Full::new(b.into()).map_err(|never| match never {}).boxed()
}

fn empty() -> Body {
    Empty::<Bytes>::new()
        .map_err(|never| match never {})
        .boxed()
}

impl Shield {
    pub fn new(cfg: Config, rules: Rules, upstream: String, emitter: Emitter) -> Arc<Shield> {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(600))
            .build(connector);
        Arc::new(Shield {
            cfg,
            rules,
            upstream,
            client,
            state: Mutex::new(State::default()),
            done: watch::channel(0).0,
            emitter,
            policy: std::sync::OnceLock::new(),
        })
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means another task panicked mid-update; the counters are still
        // usable, and the shield must keep proxying.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn finish(&self, id: &str) {
        {
            let mut s = self.state();
            s.in_flight.remove(id);
            s.completed.push_back(id.to_string());
            while s.completed.len() > 256 {
                s.completed.pop_front();
            }
        }
        self.done.send_modify(|n| *n += 1);
    }

    /// Marks an invocation finished from outside the proxy (the Telemetry API's
    /// `platform.runtimeDone` when the runtime died without answering).
    pub fn finish_external(&self, id: &str) {
        if self.state().in_flight.contains(id) {
            self.finish(id);
        }
    }

    /// Waits until the invocation has been answered (by the handler or the shield).
    pub async fn wait_finished(&self, id: &str, timeout: Duration) -> bool {
        let mut rx = self.done.subscribe();
        let deadline = Instant::now() + timeout;
        loop {
            if self.state().completed.iter().any(|c| c == id) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || tokio::time::timeout(left, rx.changed()).await.is_err() {
                return false;
            }
        }
    }

    /// Waits until no invocation is in flight (before recycling the environment).
    pub async fn wait_idle(&self, timeout: Duration) -> bool {
        let mut rx = self.done.subscribe();
        let deadline = Instant::now() + timeout;
        loop {
            if self.state().in_flight.is_empty() {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || tokio::time::timeout(left, rx.changed()).await.is_err() {
                return false;
            }
        }
    }

    fn upstream_request(
        &self,
        method: Method,
        path_and_query: &str,
        headers: &hyper::HeaderMap,
        body: Body,
    ) -> Option<Request<Body>> {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("http://{}{}", self.upstream, path_and_query))
            .body(body)
            .ok()?;
        *req.headers_mut() = headers.clone();
        if let Ok(h) = HeaderValue::from_str(&self.upstream) {
            req.headers_mut().insert(HOST, h);
        }
        Some(req)
    }

    async fn forward(&self, req: Request<Incoming>) -> Response<Body> {
        let (parts, body) = req.into_parts();
        let pq = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        let Some(up) = self.upstream_request(parts.method, &pq, &parts.headers, body.boxed())
        else {
            return status(
                StatusCode::BAD_REQUEST,
                "fnguard-shield: request not forwardable",
            );
        };
        match self.client.request(up).await {
            Ok(resp) => resp.map(BodyExt::boxed),
            Err(e) => {
                self.emitter
                    .notice("error", &format!("Runtime API request {pq} failed: {e}"));
                status(
                    StatusCode::BAD_GATEWAY,
                    "fnguard-shield: Runtime API unreachable",
                )
            }
        }
    }

    async fn post_upstream(&self, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> bool {
        let mut map = hyper::HeaderMap::new();
        for (k, v) in headers {
            if let (Ok(k), Ok(v)) = (
                hyper::header::HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                map.insert(k, v);
            }
        }
        map.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        let Some(req) = self.upstream_request(Method::POST, path, &map, full(body)) else {
            return false;
        };
        match self.client.request(req).await {
            Ok(r) => {
                let ok = r.status().is_success();
                let _ = r.into_body().collect().await;
                ok
            }
            Err(e) => {
                self.emitter
                    .notice("error", &format!("answering {path} failed: {e}"));
                false
            }
        }
    }

    /// `/next`: fetch events until one may reach the handler.
    async fn next(&self, req: Request<Incoming>) -> Response<Body> {
        let (parts, _) = req.into_parts();
        let mut delay = Duration::from_millis(10);
        loop {
            let Some(up) = self.upstream_request(Method::GET, NEXT, &parts.headers, empty()) else {
                return status(StatusCode::BAD_REQUEST, "fnguard-shield: bad request");
            };
            match self.client.request(up).await {
                Ok(resp) if resp.status().is_success() => {
                    let (mut rparts, body) = resp.into_parts();
                    let Ok(collected) = body.collect().await else {
                        self.emitter.notice(
                            "error",
                            "the Runtime API closed /next mid-body; asking again",
                        );
                        continue;
                    };
                    let bytes = collected.to_bytes();
                    let id = rparts
                        .headers
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    match self.screen(&id, &bytes).await {
                        None => return Response::from_parts(rparts, full(bytes)),
                        Some(Some(replacement)) => {
                            rparts
                                .headers
                                .insert(CONTENT_LENGTH, HeaderValue::from(replacement.len()));
                            return Response::from_parts(rparts, full(replacement));
                        }
                        // Answered by the shield: the runtime keeps waiting for a real event.
                        Some(None) => continue,
                    }
                }
                Ok(resp) => {
                    let code = resp.status();
                    let _ = resp.into_body().collect().await;
                    // Runtime clients exit on a non-2xx /next: wait and ask again instead.
                    self.emitter.notice(
                        "error",
                        &format!("the Runtime API answered /next with {code}; retrying"),
                    );
                }
                Err(e) => {
                    self.emitter
                        .notice("error", &format!("Runtime API /next failed: {e}; retrying"));
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(1));
        }
    }

    /// `None`: pass the event as is; `Some(Some(bytes))`: hand this instead; `Some(None)`: the
    /// shield answered it.
    async fn screen(&self, id: &str, bytes: &[u8]) -> Option<Option<Vec<u8>>> {
        {
            let mut s = self.state();
            s.in_flight.insert(id.to_string());
            s.events += 1;
        }
        let verdict = self.judge(id, bytes)?;
        match verdict.action {
            Action::Pass => None,
            Action::Respond(answer) => {
                let body = serde_json::to_vec(&answer).unwrap_or_else(|_| b"null".to_vec());
                self.post_upstream(&format!("{INVOCATION}{id}/response"), &[], body)
                    .await;
                self.state().blocked += 1;
                self.finish(id);
                Some(None)
            }
            Action::Error {
                error_type,
                message,
            } => {
                let body = json!({ "errorMessage": message, "errorType": error_type });
                self.post_upstream(
                    &format!("{INVOCATION}{id}/error"),
                    &[
                        ("lambda-runtime-function-error-type", &error_type),
                        ("content-type", "application/json"),
                    ],
                    body.to_string().into_bytes(),
                )
                .await;
                self.state().blocked += 1;
                self.finish(id);
                Some(None)
            }
            Action::Filter {
                event,
                report_failures,
                processing_failed,
            } => {
                let mut s = self.state();
                s.blocked += 1;
                if !report_failures.is_empty() {
                    s.pending_failures
                        .insert(id.to_string(), Pending::Sqs(report_failures));
                } else if !processing_failed.is_empty() {
                    s.pending_failures
                        .insert(id.to_string(), Pending::Firehose(processing_failed));
                }
                drop(s);
                Some(serde_json::to_vec(&event).ok())
            }
        }
    }

    /// Inspects an event and reports what was found; `None` when there is nothing to do.
    pub fn judge(&self, id: &str, bytes: &[u8]) -> Option<Verdict> {
        let (event, pruned) = match crate::envelope::parse_event(bytes) {
            Ok(v) => v,
            // Not JSON: nothing to decode; the handler decides.
            Err(_) => return None,
        };
        let limits = Limits {
            max_body_bytes: self.cfg.max_body_bytes,
            max_depth: self.cfg.max_depth,
            max_keys: self.cfg.max_keys,
        };
        let mut env = decode(&event, &limits);
        if pruned {
            env.mark_pruned();
        }
        let detector = match self.rules.get() {
            Ok(d) => d,
            Err(why) => {
                self.emitter
                    .notice("error", &format!("request {id}: no rules ({why}); passing"));
                return None;
            }
        };
        // Hits on fields the policy does not list follow its rest mode.
        let (ins, monitored) =
            detector.inspect_with_policy(&env, self.cfg.inspection_budget(), self.policy.get());
        let verdict = decide(&event, &env, &ins, &self.cfg);
        if let Some(why) = &verdict.fallback {
            let f = self.emitter.finding(
                ShieldRule::InspectionIncomplete,
                Severity::Medium,
                format!("request {id}: {why}; failing {:?}", self.cfg.fail),
                id,
                json!({
                    "request_id": id,
                    "trigger": env.trigger,
                    "values_inspected": ins.fields_inspected,
                    "values": env.fields.len(),
                    "long_values_inspected_at_start_and_end": ins.partial_fields,
                    "values_judged_in_part": ins.judged_in_part,
                    "fail": format!("{:?}", self.cfg.fail).to_ascii_lowercase(),
                }),
            );
            self.emitter.emit(&f);
        }
        if verdict.blocked.is_empty() && monitored.is_empty() {
            return None;
        }
        let action = match (&verdict.action, self.cfg.mode) {
            _ if verdict.blocked.is_empty() => "monitored (outside the policy's fields)",
            (_, Mode::Monitor) => "monitored",
            (Action::Respond(_), _) => "answered by the shield",
            (Action::Error { .. }, _) => "failed by the shield",
            (
                Action::Filter {
                    processing_failed, ..
                },
                _,
            ) if !processing_failed.is_empty() => {
                "sent to the delivery stream's error output (ProcessingFailed)"
            }
            (Action::Filter { .. }, _) => "removed from the batch",
            (Action::Pass, _) => "passed",
        };
        let summary = if ins.hits.is_empty() && env.violations.is_empty() {
            summarize(&monitored, &[])
        } else {
            summarize(&ins.hits, &env.violations)
        };
        let records = env.records.len();
        let whole = verdict.blocked.contains(&None) || records == 0;
        let what = if whole {
            format!("{} event", env.trigger.label())
        } else {
            format!(
                "{} of {records} {} record{}",
                verdict.blocked.len(),
                env.trigger.label(),
                if records == 1 { "" } else { "s" }
            )
        };
        let f = self.emitter.finding(
            ShieldRule::EventBlocked,
            Severity::High,
            format!("{what} {action}: {summary}"),
            id,
            json!({
                "request_id": id,
                "trigger": env.trigger,
                "action": action,
                "mode": if self.cfg.mode == Mode::Block { "block" } else { "monitor" },
                "records": verdict.blocked.iter().flatten().filter_map(|i| env.records.get(*i)).collect::<Vec<_>>(),
                "hits": ins.hits,
                // Monitor mode stops reading a record after this many of its hits.
                "hits_capped": ins.hits_capped,
                "monitored": monitored,
                "violations": env.violations.iter().map(|v| json!({"path": v.path, "what": v.what})).collect::<Vec<_>>(),
            }),
        );
        self.emitter.emit(&f);
        Some(verdict)
    }

    /// `/response` and `/error`: forward, adding blocked SQS and Firehose records to the
    /// handler's answer.
    async fn answer(&self, req: Request<Incoming>, id: String) -> Response<Body> {
        let pending = if req.uri().path().ends_with("/response") {
            self.state().pending_failures.remove(&id)
        } else {
            self.state().pending_failures.remove(&id);
            None
        };
        let resp = match pending {
            None => self.forward(req).await,
            Some(pending) => {
                let (mut parts, body) = req.into_parts();
                let original = match body.collect().await {
                    Ok(c) => c.to_bytes(),
                    Err(_) => Bytes::new(),
                };
                let merged = pending.merge(&original).unwrap_or_else(|| {
                    self.emitter.notice(
                        "warning",
                        &format!("request {id}: the handler's answer is not a JSON object; blocked records were dropped, not reported"),
                    );
                    original.to_vec()
                });
                parts
                    .headers
                    .insert(CONTENT_LENGTH, HeaderValue::from(merged.len()));
                parts.headers.remove(hyper::header::TRANSFER_ENCODING);
                let pq = parts.uri.path().to_string();
                match self.upstream_request(parts.method, &pq, &parts.headers, full(merged)) {
                    Some(up) => match self.client.request(up).await {
                        Ok(r) => r.map(BodyExt::boxed),
                        Err(_) => status(
                            StatusCode::BAD_GATEWAY,
                            "fnguard-shield: Runtime API unreachable",
                        ),
                    },
                    None => status(StatusCode::BAD_REQUEST, "fnguard-shield: bad request"),
                }
            }
        };
        self.finish(&id);
        resp
    }
}

fn summarize(hits: &[Hit], violations: &[crate::envelope::Violation]) -> String {
    let mut parts: Vec<String> = hits
        .iter()
        .take(3)
        .map(|h| format!("{} in {} (`{}`)", h.class, h.path, h.excerpt))
        .collect();
    parts.extend(
        violations
            .iter()
            .take(2)
            .map(|v| format!("{} is {}", v.path, v.what)),
    );
    let more = hits.len().saturating_sub(3);
    if more > 0 {
        parts.push(format!("{more} more"));
    }
    parts.join("; ")
}

fn status(code: StatusCode, text: &'static str) -> Response<Body> {
    let mut r = Response::new(full(text));
    *r.status_mut() = code;
    r
}

pub async fn handle(
    shield: Arc<Shield>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let path = req.uri().path();
    if req.method() == Method::GET && path == NEXT {
        return Ok(shield.next(req).await);
    }
    if req.method() == Method::POST {
        if let Some(rest) = path.strip_prefix(INVOCATION) {
            if let Some((id, what)) = rest.split_once('/') {
                if what == "response" || what == "error" {
                    let id = id.to_string();
                    return Ok(shield.answer(req, id).await);
                }
            }
        }
    }
    Ok(shield.forward(req).await)
}

/// Accepts runtime connections until the process ends. Each connection is served on its own
/// task, so concurrent invocations (several runtime workers) are proxied independently.
pub async fn serve(listener: TcpListener, shield: Arc<Shield>) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                shield.emitter.notice(
                    "error",
                    &format!("accepting a runtime connection failed: {e}"),
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shield = shield.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| handle(shield.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .max_buf_size(1 << 20)
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

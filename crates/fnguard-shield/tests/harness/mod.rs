//! A stand-in for the Lambda service: the Runtime, Extensions and Telemetry APIs on one port,
//! and a sandbox that starts the shield and a real runtime client the way Lambda does
//! (extension first, runtime after registration, through the exec wrapper), delivers
//! invocations with deadlines, waits for the extension's post-invocation phase, resets the
//! environment when the extension exits, and shuts it down.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{HeaderMap, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::io::BufRead;
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

#[derive(Debug, Clone)]
pub enum Outcome {
    Response {
        body: Vec<u8>,
        headers: HeaderMap,
        trailers: Option<HeaderMap>,
    },
    Error {
        error_type: Option<String>,
        body: Vec<u8>,
    },
    /// No answer: the deadline passed or the environment was reset mid-invocation.
    Lost(String),
}

impl Outcome {
    pub fn json(&self) -> Value {
        match self {
            Outcome::Response { body, .. } => serde_json::from_slice(body).unwrap_or(Value::Null),
            other => panic!("expected a response, got {other:?}"),
        }
    }
}

#[derive(Clone)]
struct Invocation {
    id: String,
    body: Bytes,
    deadline_ms: u64,
    client_context: Option<String>,
}

#[derive(Default)]
struct St {
    runtime_queue: VecDeque<Invocation>,
    ext_queue: VecDeque<Value>,
    registered: Option<(Instant, HeaderMap)>,
    ext_next_calls: u64,
    telemetry_uri: Option<String>,
    outcomes: HashMap<String, Outcome>,
    runtime_next_calls: u64,
    init_errors: Vec<Vec<u8>>,
    /// Every request the service received: `METHOD path`.
    requests: Vec<String>,
    /// Bodies and headers of `/next` answers as sent, by request id.
    sent: HashMap<String, (HeaderMap, Bytes)>,
}

pub struct Service {
    pub addr: SocketAddr,
    st: Mutex<St>,
    changed: Notify,
    pub rt: tokio::runtime::Runtime,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn reply(
    status: StatusCode,
    headers: &[(&str, String)],
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    for (k, v) in headers {
        r.headers_mut().insert(
            hyper::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    r
}

impl Service {
    pub fn start() -> Arc<Service> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let svc = Arc::new(Service {
            addr,
            st: Mutex::new(St::default()),
            changed: Notify::new(),
            rt,
        });
        let s = svc.clone();
        svc.rt.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let s = s.clone();
                tokio::spawn(async move {
                    let svc_fn = hyper::service::service_fn(move |req| {
                        let s = s.clone();
                        async move { Ok::<_, std::convert::Infallible>(s.handle(req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc_fn)
                        .await;
                });
            }
        });
        svc
    }

    fn st(&self) -> std::sync::MutexGuard<'_, St> {
        self.st.lock().unwrap()
    }

    fn poke(&self) {
        self.changed.notify_waiters();
    }

    /// Waits (async) until `ready` returns something.
    async fn wait_for<T>(&self, mut ready: impl FnMut(&mut St) -> Option<T>) -> T {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(v) = ready(&mut self.st()) {
                return v;
            }
            let _ = tokio::time::timeout(Duration::from_millis(50), notified).await;
        }
    }

    async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        self.st().requests.push(format!("{method} {path}"));
        let (parts, body) = req.into_parts();
        let collected = body.collect().await.ok();
        let (bytes, trailers) = match collected {
            Some(c) => {
                let trailers = c.trailers().cloned();
                (c.to_bytes(), trailers)
            }
            None => (Bytes::new(), None),
        };
        let accepted = || reply(StatusCode::ACCEPTED, &[], r#"{"status":"OK"}"#);
        match (method.as_str(), path.as_str()) {
            ("GET", "/2018-06-01/runtime/invocation/next") => {
                self.st().runtime_next_calls += 1;
                self.poke();
                let inv = self.wait_for(|st| st.runtime_queue.pop_front()).await;
                let mut headers = vec![
                    ("Lambda-Runtime-Aws-Request-Id", inv.id.clone()),
                    ("Lambda-Runtime-Deadline-Ms", inv.deadline_ms.to_string()),
                    (
                        "Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:us-east-1:123456789012:function:shielded".into(),
                    ),
                    ("Lambda-Runtime-Trace-Id", format!("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:0;req={}", inv.id)),
                    ("Content-Type", "application/json".into()),
                ];
                if let Some(cc) = &inv.client_context {
                    headers.push(("Lambda-Runtime-Client-Context", cc.clone()));
                }
                let r = reply(StatusCode::OK, &headers, inv.body.clone());
                self.st()
                    .sent
                    .insert(inv.id.clone(), (r.headers().clone(), inv.body.clone()));
                r
            }
            ("POST", p) if p.starts_with("/2018-06-01/runtime/invocation/") => {
                let rest = &p["/2018-06-01/runtime/invocation/".len()..];
                let (id, what) = rest.split_once('/').unwrap_or((rest, ""));
                let outcome = match what {
                    "response" => Outcome::Response {
                        body: bytes.to_vec(),
                        headers: parts.headers.clone(),
                        trailers,
                    },
                    "error" => Outcome::Error {
                        error_type: parts
                            .headers
                            .get("Lambda-Runtime-Function-Error-Type")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string),
                        body: bytes.to_vec(),
                    },
                    _ => return reply(StatusCode::NOT_FOUND, &[], "unknown invocation route"),
                };
                self.st().outcomes.insert(id.to_string(), outcome);
                self.poke();
                accepted()
            }
            ("POST", "/2018-06-01/runtime/init/error") => {
                self.st().init_errors.push(bytes.to_vec());
                self.poke();
                accepted()
            }
            ("POST", "/2020-01-01/extension/register") => {
                if parts.headers.get("Lambda-Extension-Name").is_none() {
                    return reply(StatusCode::FORBIDDEN, &[], "missing Lambda-Extension-Name");
                }
                self.st().registered = Some((Instant::now(), parts.headers.clone()));
                self.poke();
                reply(
                    StatusCode::OK,
                    &[("Lambda-Extension-Identifier", "ext-1".into())],
                    json!({"functionName": "shielded", "functionVersion": "$LATEST", "handler": "app.handler"}).to_string(),
                )
            }
            ("GET", "/2020-01-01/extension/event/next") => {
                self.st().ext_next_calls += 1;
                self.poke();
                let ev = self.wait_for(|st| st.ext_queue.pop_front()).await;
                reply(
                    StatusCode::OK,
                    &[("Lambda-Extension-Event-Identifier", "e".into())],
                    ev.to_string(),
                )
            }
            ("PUT", "/2022-07-01/telemetry") => {
                let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                self.st().telemetry_uri = v
                    .pointer("/destination/URI")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                reply(StatusCode::OK, &[], "OK")
            }
            _ => reply(
                StatusCode::NOT_FOUND,
                &[],
                "{\"errorMessage\":\"not found\"}",
            ),
        }
    }

    pub fn requests(&self) -> Vec<String> {
        self.st().requests.clone()
    }

    pub fn sent(&self, id: &str) -> Option<(HeaderMap, Bytes)> {
        self.st().sent.get(id).cloned()
    }

    pub fn registration_headers(&self) -> Option<HeaderMap> {
        self.st().registered.as_ref().map(|(_, h)| h.clone())
    }

    /// Queues an invocation for the runtime and its INVOKE event for the extension.
    pub fn enqueue(
        &self,
        id: &str,
        event: &[u8],
        timeout: Duration,
        client_context: Option<String>,
    ) {
        let deadline_ms = now_ms() + timeout.as_millis() as u64;
        let mut st = self.st();
        st.runtime_queue.push_back(Invocation {
            id: id.to_string(),
            body: Bytes::copy_from_slice(event),
            deadline_ms,
            client_context,
        });
        st.ext_queue.push_back(json!({
            "eventType": "INVOKE", "requestId": id, "deadlineMs": deadline_ms,
            "invokedFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:shielded",
            "tracing": {"type": "X-Amzn-Trace-Id", "value": "Root=1-5759e988-bd862e3fe1be46a994272793"}
        }));
        drop(st);
        self.poke();
    }

    /// Waits for the answer to an invocation.
    pub fn wait_outcome(&self, id: &str, timeout: Duration) -> Option<Outcome> {
        let id = id.to_string();
        self.rt
            .block_on(async {
                tokio::time::timeout(timeout, self.wait_for(|st| st.outcomes.get(&id).cloned()))
                    .await
            })
            .ok()
    }

    pub fn outcome(&self, id: &str) -> Option<Outcome> {
        self.st().outcomes.get(id).cloned()
    }

    pub fn ext_next_calls(&self) -> u64 {
        self.st().ext_next_calls
    }

    fn reset(&self) {
        let mut st = self.st();
        st.runtime_queue.clear();
        st.ext_queue.clear();
        st.registered = None;
        st.telemetry_uri = None;
        st.ext_next_calls = 0;
        st.runtime_next_calls = 0;
    }

    fn push_ext_event(&self, ev: Value) {
        self.st().ext_queue.push_back(ev);
        self.poke();
    }

    /// Sends `platform.runtimeDone` to the subscribed telemetry listener.
    fn telemetry_runtime_done(&self, id: &str, status: &str) {
        let Some(uri) = self.st().telemetry_uri.clone() else {
            return;
        };
        let body = json!([{ "time": "2024-06-01T00:00:00.000Z", "type": "platform.runtimeDone", "record": { "requestId": id, "status": status } }]).to_string();
        self.rt.spawn(async move {
            let client =
                hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                    .build_http::<Full<Bytes>>();
            let req = Request::post(uri)
                .body(Full::new(Bytes::from(body)))
                .unwrap();
            let _ = client.request(req).await;
        });
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn shield_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_fnguard-shield"))
}

pub fn wrapper() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("layer/fnguard-wrapper")
}

/// Collects a child's output lines on a thread.
fn collect_lines(r: impl std::io::Read + Send + 'static, into: Arc<Mutex<Vec<String>>>) {
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(r).lines().map_while(Result::ok) {
            into.lock().unwrap().push(line);
        }
    });
}

pub struct InvokeResult {
    pub outcome: Outcome,
    /// From queueing the invocation to its answer reaching the service.
    pub latency: Duration,
    /// From the answer to the extension's next `/event/next` (its post-invocation work).
    pub post_invoke: Option<Duration>,
}

pub struct Sandbox {
    pub service: Arc<Service>,
    pub dir: tempfile::TempDir,
    shield: Option<Child>,
    runtime: Option<Child>,
    /// The runtime command (run through the exec wrapper); `None`: the test acts as runtime.
    runtime_cmd: Option<Vec<String>>,
    pub env: Vec<(String, String)>,
    pub shield_lines: Arc<Mutex<Vec<String>>>,
    pub runtime_lines: Arc<Mutex<Vec<String>>>,
    pub cold_starts: u32,
    pub proxy_port: u16,
    pub init_times: Vec<Duration>,
    /// From spawning the extension to its first `/event/next` (its init phase).
    pub init_done_times: Vec<Duration>,
    counter: u64,
}

impl Sandbox {
    /// `runtime_cmd`: e.g. `["python3", "-m", "awslambdaric", "app.handler"]`, run in the
    /// sandbox's `task` directory. Extra environment for both processes in `env`.
    pub fn new(runtime_cmd: Option<Vec<String>>, env: &[(&str, &str)]) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        for d in ["tmp", "task"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        Sandbox {
            service: Service::start(),
            dir,
            shield: None,
            runtime: None,
            runtime_cmd,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            shield_lines: Arc::default(),
            runtime_lines: Arc::default(),
            cold_starts: 0,
            proxy_port: 0,
            init_times: Vec::new(),
            init_done_times: Vec::new(),
            counter: 0,
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn base_env(&self) -> Vec<(String, String)> {
        let mut v = vec![
            (
                "AWS_LAMBDA_FUNCTION_NAME".to_string(),
                "shielded".to_string(),
            ),
            ("AWS_LAMBDA_FUNCTION_VERSION".into(), "$LATEST".into()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(), "128".into()),
            ("AWS_REGION".into(), "us-east-1".into()),
            (
                "LAMBDA_TASK_ROOT".into(),
                self.path("task").display().to_string(),
            ),
            (
                "FNGUARD_READY_FILE".into(),
                self.path("tmp/.fnguard-shield/proxy-port")
                    .display()
                    .to_string(),
            ),
            (
                "FNGUARD_WATCH_TMP".into(),
                self.path("tmp").display().to_string(),
            ),
            (
                "FNGUARD_WATCH_CODE".into(),
                self.path("task").display().to_string(),
            ),
            ("FNGUARD_PROC_SCOPE".into(), "group".into()),
            ("FNGUARD_TELEMETRY_HOST".into(), "127.0.0.1".into()),
        ];
        v.extend(self.env.iter().cloned());
        v
    }

    /// Starts a fresh execution environment: the extension, then (after it registered) the
    /// runtime through the wrapper, in the extension's process group.
    pub fn start(&mut self) {
        self.service.reset();
        let _ = std::fs::remove_file(self.path("tmp/.fnguard-shield/proxy-port"));
        self.proxy_port = free_port();
        let spawned = Instant::now();
        let mut cmd = Command::new(shield_bin());
        // Lambda gives the sandbox its own environment, not the test runner's.
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.base_env())
            .env("AWS_LAMBDA_RUNTIME_API", self.service.addr.to_string())
            .env("FNGUARD_PROXY_PORT", self.proxy_port.to_string())
            .env("FNGUARD_TELEMETRY_PORT", free_port().to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut shield = cmd.spawn().expect("start fnguard-shield");
        collect_lines(shield.stdout.take().unwrap(), self.shield_lines.clone());
        collect_lines(shield.stderr.take().unwrap(), self.shield_lines.clone());
        let service = self.service.clone();
        let registered = self.service.rt.block_on(async {
            tokio::time::timeout(
                Duration::from_secs(10),
                service.wait_for(|st| st.registered.as_ref().map(|(t, _)| *t)),
            )
            .await
        });
        let registered = registered.unwrap_or_else(|_| {
            panic!(
                "the shield did not register: {:?}",
                self.shield_lines.lock().unwrap()
            )
        });
        self.init_times.push(registered - spawned);
        // Init is complete, for Lambda, when the extension asks for its first event.
        let service = self.service.clone();
        let first_next = self.service.rt.block_on(async {
            tokio::time::timeout(
                Duration::from_secs(10),
                service.wait_for(|st| (st.ext_next_calls > 0).then(Instant::now)),
            )
            .await
        });
        if let Ok(t) = first_next {
            self.init_done_times.push(t - spawned);
        }
        let pgid = shield.id();
        self.shield = Some(shield);
        if let Some(rc) = &self.runtime_cmd {
            let mut cmd = Command::new(wrapper());
            cmd.args(rc)
                .current_dir(self.path("task"))
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .envs(self.base_env())
                .env("AWS_LAMBDA_RUNTIME_API", self.service.addr.to_string())
                .env("_HANDLER", rc.last().cloned().unwrap_or_default())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .process_group(pgid as i32);
            let mut rt = cmd.spawn().expect("start the runtime");
            collect_lines(rt.stdout.take().unwrap(), self.runtime_lines.clone());
            collect_lines(rt.stderr.take().unwrap(), self.runtime_lines.clone());
            self.runtime = Some(rt);
            // Init is over when the runtime first asks for an event and the extension waits.
            let service = self.service.clone();
            let ok = self.service.rt.block_on(async {
                tokio::time::timeout(
                    Duration::from_secs(20),
                    service.wait_for(|st| {
                        (st.runtime_next_calls > 0 && st.ext_next_calls > 0).then_some(())
                    }),
                )
                .await
            });
            assert!(
                ok.is_ok(),
                "runtime init did not finish: {:?}",
                self.runtime_lines.lock().unwrap()
            );
        }
        self.cold_starts += 1;
    }

    pub fn shield_pid(&self) -> Option<u32> {
        self.shield.as_ref().map(Child::id)
    }

    pub fn shield_alive(&mut self) -> bool {
        self.shield
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Lambda's reset: every process of the environment goes.
    pub fn kill(&mut self) {
        if let Some(s) = &self.shield {
            let _ = Command::new("kill")
                .args(["-9", "--", &format!("-{}", s.id())])
                .stderr(Stdio::null())
                .status();
        }
        for c in [self.shield.take(), self.runtime.take()]
            .into_iter()
            .flatten()
        {
            let mut c = c;
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn next_id(&mut self) -> String {
        self.counter += 1;
        format!("req-{:04}-{}", self.counter, self.service.addr.port())
    }

    /// One invocation, as Lambda runs it; resets the environment first when the extension is
    /// gone (recycled or killed).
    pub fn invoke(&mut self, event: &[u8], timeout: Duration) -> InvokeResult {
        self.invoke_with(event, timeout, None)
    }

    pub fn invoke_with(
        &mut self,
        event: &[u8],
        timeout: Duration,
        client_context: Option<String>,
    ) -> InvokeResult {
        if !self.shield_alive() {
            self.kill();
            self.start();
        }
        let id = self.next_id();
        let ext_before = self.service.ext_next_calls();
        let start = Instant::now();
        self.service.enqueue(&id, event, timeout, client_context);
        let service = self.service.clone();
        let deadline = start + timeout;
        let mut outcome = None;
        while Instant::now() < deadline {
            let rid = id.clone();
            let s = service.clone();
            let got = self.service.rt.block_on(async {
                tokio::time::timeout(
                    Duration::from_millis(20),
                    s.wait_for(|st| st.outcomes.get(&rid).cloned()),
                )
                .await
            });
            if let Ok(o) = got {
                outcome = Some(o);
                break;
            }
            if !self.shield_alive() {
                // The extension died mid-invocation: Lambda resets the environment.
                break;
            }
        }
        let latency = start.elapsed();
        let Some(outcome) = outcome else {
            let why = if self.shield_alive() {
                "deadline passed"
            } else {
                "environment reset (extension exited)"
            };
            self.kill();
            return InvokeResult {
                outcome: Outcome::Lost(why.into()),
                latency,
                post_invoke: None,
            };
        };
        let status = if matches!(outcome, Outcome::Response { .. }) {
            "success"
        } else {
            "error"
        };
        self.service.telemetry_runtime_done(&id, status);
        // Post-invocation phase: until the extension asks for the next event (or exits).
        let answered = Instant::now();
        let mut post_invoke = None;
        while answered.elapsed() < Duration::from_secs(10) {
            let s = service.clone();
            let done = self.service.rt.block_on(async {
                tokio::time::timeout(
                    Duration::from_millis(20),
                    s.wait_for(|st| (st.ext_next_calls > ext_before).then_some(())),
                )
                .await
            });
            if done.is_ok() {
                post_invoke = Some(answered.elapsed());
                break;
            }
            if !self.shield_alive() {
                break;
            }
        }
        InvokeResult {
            outcome,
            latency,
            post_invoke,
        }
    }

    /// SHUTDOWN to the extension; returns how long it took to exit.
    pub fn shutdown(&mut self) -> Option<Duration> {
        self.service.push_ext_event(json!({"eventType": "SHUTDOWN", "shutdownReason": "spindown", "deadlineMs": now_ms() + 2000}));
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(2) {
            if !self.shield_alive() {
                let t = start.elapsed();
                self.kill();
                return Some(t);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        self.kill();
        None
    }

    /// The shield's findings so far (parsed JSON lines).
    pub fn findings(&self) -> Vec<Value> {
        self.shield_lines
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["fnguard_shield"] == "finding")
            .map(|v| v["finding"].clone())
            .collect()
    }

    pub fn rule_count(&self, rule: &str) -> usize {
        self.findings().iter().filter(|f| f["rule"] == rule).count()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A Python with `awslambdaric`: `$FNGUARD_TEST_PYTHON`, else `python3` if it can import it.
pub fn python_with_ric() -> Option<String> {
    let candidates = [
        std::env::var("FNGUARD_TEST_PYTHON").ok(),
        Some("python3".into()),
    ];
    for c in candidates.into_iter().flatten() {
        let ok = Command::new(&c)
            .args(["-c", "import awslambdaric"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(c);
        }
    }
    if std::env::var("FNGUARD_REQUIRE_RIC").is_ok_and(|v| v == "1") {
        panic!("FNGUARD_REQUIRE_RIC=1 but no Python with awslambdaric (set FNGUARD_TEST_PYTHON)");
    }
    eprintln!(
        "skipping: no Python with awslambdaric (pip install awslambdaric; set FNGUARD_TEST_PYTHON)"
    );
    None
}

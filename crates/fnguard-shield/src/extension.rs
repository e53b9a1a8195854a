//! The Extensions API (register, next event) and the Telemetry API subscription and listener.

use crate::proxy::{Body, Shield};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{json, Value};
use std::convert::Infallible;
use std::sync::Arc;
use tokio::net::TcpListener;

/// The name Lambda knows the extension by: the file name under /opt/extensions.
pub const NAME: &str = "fnguard-shield";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{what}: {source}")]
    Http {
        what: &'static str,
        source: hyper_util::client::legacy::Error,
    },
    #[error("{what}: HTTP {status}: {body}")]
    Status {
        what: &'static str,
        status: u16,
        body: String,
    },
    #[error("{what}: {reason}")]
    Invalid { what: &'static str, reason: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum LifecycleEvent {
    Invoke {
        request_id: String,
        deadline_ms: u64,
    },
    Shutdown {
        reason: String,
        deadline_ms: u64,
    },
}

pub struct ExtensionClient {
    api: String,
    id: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

async fn send(
    client: &Client<HttpConnector, Full<Bytes>>,
    what: &'static str,
    req: Request<Full<Bytes>>,
) -> Result<(hyper::http::response::Parts, Bytes), ApiError> {
    let resp = client
        .request(req)
        .await
        .map_err(|source| ApiError::Http { what, source })?;
    let (parts, body) = resp.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .map_err(|e| ApiError::Invalid {
            what,
            reason: e.to_string(),
        })?;
    if !parts.status.is_success() {
        return Err(ApiError::Status {
            what,
            status: parts.status.as_u16(),
            body: String::from_utf8_lossy(&bytes).chars().take(300).collect(),
        });
    }
    Ok((parts, bytes))
}

fn request(
    method: Method,
    url: String,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Result<Request<Full<Bytes>>, ApiError> {
    let mut b = Request::builder().method(method).uri(url);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Full::new(Bytes::from(body)))
        .map_err(|e| ApiError::Invalid {
            what: "building a request",
            reason: e.to_string(),
        })
}

impl ExtensionClient {
    pub async fn register(api: &str) -> Result<ExtensionClient, ApiError> {
        let client = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
        let req = request(
            Method::POST,
            format!("http://{api}/2020-01-01/extension/register"),
            &[
                ("Lambda-Extension-Name", NAME),
                ("Content-Type", "application/json"),
            ],
            json!({ "events": ["INVOKE", "SHUTDOWN"] })
                .to_string()
                .into_bytes(),
        )?;
        let (parts, _) = send(&client, "registering with the Extensions API", req).await?;
        let id = parts
            .headers
            .get("Lambda-Extension-Identifier")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ApiError::Invalid {
                what: "registering with the Extensions API",
                reason: "no Lambda-Extension-Identifier header in the answer".into(),
            })?
            .to_string();
        Ok(ExtensionClient {
            api: api.to_string(),
            id,
            client,
        })
    }

    pub async fn subscribe_telemetry(&self, host: &str, port: u16) -> Result<(), ApiError> {
        let body = json!({
            "schemaVersion": "2022-12-13",
            "types": ["platform"],
            "buffering": { "maxItems": 1000, "maxBytes": 262144, "timeoutMs": 25 },
            "destination": { "protocol": "HTTP", "URI": format!("http://{host}:{port}") },
        });
        let req = request(
            Method::PUT,
            format!("http://{}/2022-07-01/telemetry", self.api),
            &[
                ("Lambda-Extension-Identifier", &self.id),
                ("Content-Type", "application/json"),
            ],
            body.to_string().into_bytes(),
        )?;
        send(&self.client, "subscribing to the Telemetry API", req).await?;
        Ok(())
    }

    pub async fn next_event(&self) -> Result<LifecycleEvent, ApiError> {
        const WHAT: &str = "waiting for the next lifecycle event";
        let req = request(
            Method::GET,
            format!("http://{}/2020-01-01/extension/event/next", self.api),
            &[("Lambda-Extension-Identifier", &self.id)],
            Vec::new(),
        )?;
        let (_, body) = send(&self.client, WHAT, req).await?;
        let v: Value = serde_json::from_slice(&body).map_err(|e| ApiError::Invalid {
            what: WHAT,
            reason: e.to_string(),
        })?;
        let deadline_ms = v.get("deadlineMs").and_then(Value::as_u64).unwrap_or(0);
        match v.get("eventType").and_then(Value::as_str) {
            Some("INVOKE") => Ok(LifecycleEvent::Invoke {
                request_id: v
                    .get("requestId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                deadline_ms,
            }),
            Some("SHUTDOWN") => Ok(LifecycleEvent::Shutdown {
                reason: v
                    .get("shutdownReason")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                deadline_ms,
            }),
            other => Err(ApiError::Invalid {
                what: WHAT,
                reason: format!("unknown event type {other:?}"),
            }),
        }
    }
}

/// Platform events from the Telemetry API. `platform.runtimeDone` with a status other than
/// success means the runtime will not answer through the proxy (crash, timeout): the
/// invocation is finished all the same.
pub async fn serve_telemetry(listener: TcpListener, shield: Arc<Shield>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shield = shield.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                let shield = shield.clone();
                async move {
                    if let Ok(body) = req.into_body().collect().await {
                        if let Ok(Value::Array(events)) = serde_json::from_slice(&body.to_bytes()) {
                            for e in events {
                                if e.get("type").and_then(Value::as_str)
                                    == Some("platform.runtimeDone")
                                    && e.pointer("/record/status").and_then(Value::as_str)
                                        != Some("success")
                                {
                                    if let Some(id) =
                                        e.pointer("/record/requestId").and_then(Value::as_str)
                                    {
                                        shield.finish_external(id);
                                    }
                                }
                            }
                        }
                    }
                    let mut r = Response::new(
                        Full::new(Bytes::new())
                            .map_err(|never| match never {})
                            .boxed(),
                    );
                    *r.status_mut() = StatusCode::OK;
                    Ok::<Response<Body>, Infallible>(r)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

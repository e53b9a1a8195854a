//! What the shield adds to an invocation, measured against a direct connection in the same run:
//! a runtime client loop (GET /next, POST /response) talks either straight to the stand-in
//! Lambda service or through the shield's proxy, 1,000 invocations per event size, interleaved
//! in blocks of 100 so that machine noise hits both the same. Also: extension init (spawn to
//! first /event/next), the post-invocation phase (watcher), and the shield's peak memory.
//!
//! `cargo bench -p fnguard-shield --bench overhead` (release build).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/harness/mod.rs"]
mod harness;

use bytes::Bytes;
use harness::{Sandbox, Service};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A runtime client loop against `base` on its own thread.
fn runtime_loop(base: String) {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let client =
                hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                    .build_http::<Full<Bytes>>();
            loop {
                let Ok(r) = client
                    .request(
                        Request::get(format!("{base}/2018-06-01/runtime/invocation/next"))
                            .body(Full::new(Bytes::new()))
                            .unwrap(),
                    )
                    .await
                else {
                    return;
                };
                let id = r
                    .headers()
                    .get("lambda-runtime-aws-request-id")
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_string();
                let _ = r.into_body().collect().await;
                let _ = client
                    .request(
                        Request::post(format!(
                            "{base}/2018-06-01/runtime/invocation/{id}/response"
                        ))
                        .body(Full::new(Bytes::from_static(
                            b"{\"statusCode\":200,\"body\":\"ok\"}",
                        )))
                        .unwrap(),
                    )
                    .await;
            }
        });
    });
}

fn event(size: usize) -> Vec<u8> {
    let words = [
        "order", "shipped", "customer", "Ana", "López", "thanks,", "see", "you", "soon;", "the",
        "blue", "mug",
    ];
    let mut body = String::new();
    let mut i = 0;
    while body.len() < size {
        body.push_str(words[i % words.len()]);
        body.push(' ');
        i += 1;
    }
    serde_json::json!({
        "resource": "/orders", "path": "/orders", "httpMethod": "POST",
        "headers": {"Content-Type": "text/plain", "User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"},
        "queryStringParameters": {"page": "2"},
        "requestContext": {"stage": "prod", "requestId": "r"},
        "body": body, "isBase64Encoded": false
    })
    .to_string()
    .into_bytes()
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn run_direct(
    service: &Arc<Service>,
    ev: &[u8],
    n: usize,
    counter: &mut u64,
    out: &mut Vec<Duration>,
) {
    for _ in 0..n {
        *counter += 1;
        let id = format!("direct-{counter}");
        let t = Instant::now();
        service.enqueue(&id, ev, Duration::from_secs(30), None);
        service
            .wait_outcome(&id, Duration::from_secs(30))
            .expect("direct answer");
        out.push(t.elapsed());
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n: usize = std::env::var("FNGUARD_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    println!(
        "fnguard-shield overhead, {n} invocations per size and path, interleaved blocks of 100\n"
    );
    // Direct: the runtime loop talks to its own service.
    let direct = Service::start();
    runtime_loop(format!("http://{}", direct.addr));
    // Shielded: the runtime loop talks to the shield's proxy in front of another service.
    let mut sb = Sandbox::new(None, &[("FNGUARD_MODE", "block")]);
    sb.start();
    runtime_loop(format!("http://127.0.0.1:{}", sb.proxy_port));
    let mut counter = 0;
    println!("| event | direct p50 | shield p50 | added p50 | direct p99 | shield p99 | added p99 | watcher (post-invocation) p50 / p99 |");
    println!("|---|---|---|---|---|---|---|---|");
    for (label, size) in [("1 KB", 1024), ("64 KB", 64 * 1024), ("1 MB", 1024 * 1024)] {
        let ev = event(size);
        // Warm-up: connections, caches, lazily built rules.
        let mut sink = Vec::new();
        run_direct(&direct, &ev, 20, &mut counter, &mut sink);
        for _ in 0..20 {
            sb.invoke(&ev, Duration::from_secs(30));
        }
        let (mut d, mut s, mut w) = (Vec::new(), Vec::new(), Vec::new());
        let blocks = n.div_ceil(100);
        for b in 0..blocks {
            let k = 100.min(n - b * 100);
            run_direct(&direct, &ev, k, &mut counter, &mut d);
            for _ in 0..k {
                let r = sb.invoke(&ev, Duration::from_secs(30));
                assert!(matches!(r.outcome, harness::Outcome::Response { .. }));
                s.push(r.latency);
                w.push(r.post_invoke.expect("post-invocation phase ended"));
            }
        }
        let (d50, s50, d99, s99) = (
            pct(&mut d, 0.5),
            pct(&mut s, 0.5),
            pct(&mut d, 0.99),
            pct(&mut s, 0.99),
        );
        let us = |x: Duration| format!("{:.0} µs", x.as_secs_f64() * 1e6);
        let added = |a: Duration, b: Duration| {
            format!("{:.0} µs", (a.as_secs_f64() - b.as_secs_f64()) * 1e6)
        };
        println!(
            "| {label} | {} | {} | {} | {} | {} | {} | {} / {} |",
            us(d50),
            us(s50),
            added(s50, d50),
            us(d99),
            us(s99),
            added(s99, d99),
            us(pct(&mut w, 0.5)),
            us(pct(&mut w, 0.99))
        );
    }
    let pid = sb.shield_pid().unwrap();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .map(|l| l[k.len()..].trim().to_string())
            .unwrap_or_default()
    };
    println!(
        "\nshield memory after the run: VmRSS {}, peak VmHWM {}",
        field("VmRSS:"),
        field("VmHWM:")
    );
    // Extension init: spawn to first /event/next, over fresh starts.
    let mut init = Vec::new();
    for _ in 0..20 {
        sb.kill();
        sb.start();
        init.push(*sb.init_done_times.last().unwrap());
    }
    println!(
        "extension init (spawn → first /event/next), 20 cold starts: p50 {:.1} ms, max {:.1} ms",
        pct(&mut init, 0.5).as_secs_f64() * 1e3,
        init.iter().max().unwrap().as_secs_f64() * 1e3
    );
}

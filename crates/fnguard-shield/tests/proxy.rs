//! The proxy is byte-faithful: the test plays the runtime client at the HTTP level against the
//! shield in front of the stand-in Lambda service, and compares bytes and headers end to end.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

use bytes::Bytes;
use harness::{Outcome, Sandbox};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::{HeaderMap, Request};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

type AnyBody = http_body_util::combinators::BoxBody<Bytes, std::convert::Infallible>;

fn client() -> Client<hyper_util::client::legacy::connect::HttpConnector, AnyBody> {
    Client::builder(TokioExecutor::new()).build_http()
}

fn full(b: impl Into<Bytes>) -> AnyBody {
    Full::new(b.into()).boxed()
}

async fn get(
    c: &Client<hyper_util::client::legacy::connect::HttpConnector, AnyBody>,
    url: String,
) -> (u16, HeaderMap, Bytes) {
    let r = c
        .request(Request::get(url).body(full(Bytes::new())).unwrap())
        .await
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (
        status,
        headers,
        r.into_body().collect().await.unwrap().to_bytes(),
    )
}

fn events() -> Vec<(String, Vec<u8>)> {
    let dir = format!("{}/tests/corpus/events", env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn benign_events_and_answers_pass_byte_for_byte() {
    let mut sb = Sandbox::new(None, &[("FNGUARD_MODE", "block")]);
    sb.start();
    let base = format!("http://127.0.0.1:{}", sb.proxy_port);
    let c = client();
    // A client context close to Lambda's 3,583-byte limit: large headers pass.
    let context = format!("{{\"custom\":{{\"blob\":\"{}\"}}}}", "x".repeat(3500));
    for (name, event) in events() {
        let id = sb.next_id();
        sb.service
            .enqueue(&id, &event, Duration::from_secs(5), Some(context.clone()));
        let (status, headers, body) = sb.service.rt.block_on(get(
            &c,
            format!("{base}/2018-06-01/runtime/invocation/next"),
        ));
        assert_eq!(status, 200, "{name}");
        assert_eq!(
            body.as_ref(),
            event.as_slice(),
            "{name}: event bytes changed"
        );
        let (sent_headers, _) = sb.service.sent(&id).unwrap();
        for (k, v) in sent_headers.iter() {
            if k.as_str().starts_with("lambda-runtime-") || k == "content-type" {
                assert_eq!(headers.get(k), Some(v), "{name}: header {k}");
            }
        }
        // Answers of any bytes, including invalid UTF-8, arrive unchanged.
        let answer: Vec<u8> = [
            b"{\"ok\":true,\"bin\":\"".as_slice(),
            &[0x00, 0xff, 0xfe],
            b"\"}",
        ]
        .concat();
        let r = sb.service.rt.block_on(
            c.request(
                Request::post(format!(
                    "{base}/2018-06-01/runtime/invocation/{id}/response"
                ))
                .body(full(answer.clone()))
                .unwrap(),
            ),
        );
        assert_eq!(r.unwrap().status().as_u16(), 202, "{name}");
        match sb.service.outcome(&id).unwrap() {
            Outcome::Response { body, .. } => assert_eq!(body, answer, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn every_route_streaming_trailers_and_concurrent_invocations_pass() {
    let mut sb = Sandbox::new(None, &[("FNGUARD_MODE", "block")]);
    sb.start();
    let base = format!("http://127.0.0.1:{}", sb.proxy_port);
    let c = client();
    let (a, b) = (sb.next_id(), sb.next_id());
    let service = sb.service.clone();
    let rt = &service.rt;

    // init/error before any event, and an unknown route with its 404 passed through.
    let r = rt
        .block_on(
            c.request(
                Request::post(format!("{base}/2018-06-01/runtime/init/error"))
                    .header(
                        "Lambda-Runtime-Function-Error-Type",
                        "Runtime.ImportModuleError",
                    )
                    .body(full("{\"errorMessage\":\"no module\"}"))
                    .unwrap(),
            ),
        )
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let (status, _, body) = rt.block_on(get(
        &c,
        format!("{base}/2018-06-01/runtime/restore/next?x=1"),
    ));
    assert_eq!(status, 404);
    assert!(body.starts_with(b"{\"errorMessage\""));
    assert!(sb
        .service
        .requests()
        .iter()
        .any(|r| r == "GET /2018-06-01/runtime/restore/next"));

    // Two runtime workers wait on /next at once (managed-instance concurrency).
    let c1 = client();
    let c2 = client();
    let w1 = rt.spawn(get_owned(
        c1,
        format!("{base}/2018-06-01/runtime/invocation/next"),
    ));
    let w2 = rt.spawn(get_owned(
        c2,
        format!("{base}/2018-06-01/runtime/invocation/next"),
    ));
    std::thread::sleep(Duration::from_millis(100));
    sb.service
        .enqueue(&a, b"{\"n\":1}", Duration::from_secs(5), None);
    sb.service
        .enqueue(&b, b"{\"n\":2}", Duration::from_secs(5), None);
    let r1 = rt.block_on(w1).unwrap();
    let r2 = rt.block_on(w2).unwrap();
    let mut ids = vec![
        r1.1.get("lambda-runtime-aws-request-id")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string(),
        r2.1.get("lambda-runtime-aws-request-id")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string(),
    ];
    ids.sort();
    let mut expected = vec![a.clone(), b.clone()];
    expected.sort();
    assert_eq!(ids, expected);

    // A streamed answer with a trailer, answered for the second invocation first.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, std::convert::Infallible>>(8);
    let stream = StreamBody::new(tokio_stream_from(rx));
    let req = Request::post(format!("{base}/2018-06-01/runtime/invocation/{b}/response"))
        .header("Lambda-Runtime-Function-Response-Mode", "streaming")
        .header("Transfer-Encoding", "chunked")
        .header("Trailer", "Lambda-Runtime-Function-Error-Type")
        .body(BodyExt::boxed(stream))
        .unwrap();
    let pending = rt.spawn(c.request(req));
    rt.block_on(async {
        for chunk in ["part one, ", "part two, ", "the end"] {
            tx.send(Ok(Frame::data(Bytes::from(chunk)))).await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut trailers = HeaderMap::new();
        trailers.insert(
            "Lambda-Runtime-Function-Error-Type",
            "Runtime.StreamError".parse().unwrap(),
        );
        tx.send(Ok(Frame::trailers(trailers))).await.unwrap();
        drop(tx);
    });
    let r = rt.block_on(pending).unwrap().unwrap();
    assert_eq!(r.status().as_u16(), 202);
    match sb.service.outcome(&b).unwrap() {
        Outcome::Response {
            body,
            headers,
            trailers,
        } => {
            assert_eq!(body, b"part one, part two, the end");
            assert_eq!(
                headers
                    .get("lambda-runtime-function-response-mode")
                    .unwrap(),
                "streaming"
            );
            assert_eq!(
                trailers
                    .expect("trailers forwarded")
                    .get("lambda-runtime-function-error-type")
                    .unwrap(),
                "Runtime.StreamError"
            );
        }
        other => panic!("{other:?}"),
    }
    // An error answer keeps its error type header.
    let r = rt
        .block_on(
            c.request(
                Request::post(format!("{base}/2018-06-01/runtime/invocation/{a}/error"))
                    .header("Lambda-Runtime-Function-Error-Type", "Handler.Failed")
                    .body(full("{\"errorMessage\":\"boom\"}"))
                    .unwrap(),
            ),
        )
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    match sb.service.outcome(&a).unwrap() {
        Outcome::Error { error_type, body } => {
            assert_eq!(error_type.as_deref(), Some("Handler.Failed"));
            assert_eq!(body, b"{\"errorMessage\":\"boom\"}");
        }
        other => panic!("{other:?}"),
    }
}

async fn get_owned(
    c: Client<hyper_util::client::legacy::connect::HttpConnector, AnyBody>,
    url: String,
) -> (u16, HeaderMap, Bytes) {
    get(&c, url).await
}

/// A `Stream` over an mpsc receiver, without pulling in tokio-stream.
fn tokio_stream_from<T: Send + 'static>(
    mut rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures_core::Stream<Item = T> + Send + 'static {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

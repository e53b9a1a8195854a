//! `fnguard-shield check` as a user runs it: verdicts on standard output, one per event, and a
//! reader that stops early (`| head -1`) ends the replay quietly.

#![allow(clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn events(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{{\"version\":\"2.0\",\"rawPath\":\"/orders/{i}\",\"body\":\"x; cat /etc/passwd\",\
                 \"requestContext\":{{\"http\":{{\"method\":\"POST\"}}}}}}\n"
            )
        })
        .collect()
}

fn check(stdin: &str) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fnguard-shield"))
        .args(["check", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fnguard-shield runs");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).expect("events written");
    drop(input);
    child
}

#[test]
fn prints_one_verdict_per_event() {
    let out = check(&events(3)).wait_with_output().expect("exits");
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON verdict"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert!(lines.iter().all(|v| v["blocked"] == true));
}

#[test]
fn a_reader_that_stops_early_ends_the_replay_without_a_panic() {
    // More verdicts than a pipe buffers, so the writer meets the closed pipe.
    let mut child = check(&events(2_000));
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("a first verdict");
    assert!(first.contains("\"blocked\":true"), "{first}");
    drop(stdout);
    let out = child.wait_with_output().expect("exits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

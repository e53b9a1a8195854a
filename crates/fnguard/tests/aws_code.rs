//! `fnguard aws scan --with-code`: deployed packages and layers are downloaded from the
//! locations Lambda gives (here a local server standing in for S3's presigned URLs, fed
//! through a snapshot) and the code and dependency analyses run on them.

#![cfg(feature = "aws")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        for (name, text) in files {
            z.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(text.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

/// Serves `/NAME` from `files`; anything else is 403, as an expired presigned URL is.
fn serve(files: Vec<(String, Vec<u8>)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap() == 0 || h.trim().is_empty() {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let mut s = stream;
            match files.iter().find(|(n, _)| path == format!("/{n}")) {
                Some((_, body)) => {
                    write!(
                        s,
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .unwrap();
                    s.write_all(body).unwrap();
                }
                None => {
                    let body = "<Error><Code>AccessDenied</Code></Error>";
                    write!(s, "HTTP/1.1 403 Forbidden\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
                }
            }
        }
    });
    format!("http://{addr}")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn deployed_code_and_layers_are_analysed() {
    let db = tempfile::tempdir().unwrap();
    Command::cargo_bin("fnguard")
        .unwrap()
        .args(["db", "--db"])
        .arg(db.path())
        .arg("import")
        .arg(workspace().join("crates/fnguard-deps/tests/fixtures/osv"))
        .assert()
        .success();
    let handler = "const { exec } = require('child_process');\n\nexports.handler = async (event) => {\n  exec(event.queryStringParameters.cmd);\n  return { statusCode: 200 };\n};\n";
    let base = serve(vec![
        ("api.zip".into(), zip_of(&[("index.js", handler)])),
        (
            "layer.zip".into(),
            zip_of(&[(
                "nodejs/node_modules/lodash/package.json",
                r#"{"name": "lodash", "version": "4.17.15"}"#,
            )]),
        ),
        ("bomb.zip".into(), b"not a zip at all".to_vec()),
    ]);
    let layer = "arn:aws:lambda:us-east-1:123456789012:layer:shared-deps:3";
    let function = |name: &str, location: &str| {
        json!({
            "name": name,
            "arn": format!("arn:aws:lambda:us-east-1:123456789012:function:{name}"),
            "runtime": "nodejs22.x",
            "handler": "index.handler",
            "role": "arn:aws:iam::123456789012:role/app",
            "layers": [layer],
            "code_location": location,
        })
    };
    let snapshot = json!({
        "account": "123456789012",
        "region": "us-east-1",
        "functions": [
            function("api", &format!("{base}/api.zip")),
            function("expired", &format!("{base}/gone.zip")),
            function("garbled", &format!("{base}/bomb.zip")),
        ],
        "layer_locations": { layer: format!("{base}/layer.zip") },
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snapshot.json");
    std::fs::write(&file, snapshot.to_string()).unwrap();
    let out = Command::cargo_bin("fnguard")
        .unwrap()
        .env("FNGUARD_TODAY", "2026-11-28")
        .args(["aws", "scan", "--with-code", "--format", "json", "--db"])
        .arg(db.path())
        .arg("--snapshot")
        .arg(&file)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    let findings = v["findings"].as_array().unwrap();
    let injection = findings
        .iter()
        .find(|f| f["rule"] == "FG501")
        .unwrap_or_else(|| panic!("no FG501 in {findings:#?}"));
    assert_eq!(injection["function"], "api");
    assert_eq!(injection["location"]["file"], "code/api/index.js");
    assert_eq!(injection["location"]["line"], 4);
    let vulnerable: Vec<&Value> = findings.iter().filter(|f| f["rule"] == "FG401").collect();
    assert!(!vulnerable.is_empty(), "{findings:#?}");
    assert!(
        vulnerable
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("lodash")),
        "{vulnerable:#?}"
    );
    // The packages that could not be fetched are named, and did not stop the others.
    let errors = v["errors"].as_array().unwrap();
    let named = |name: &str| {
        errors.iter().any(|e| {
            e["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{name}: "))
        })
    };
    assert!(named("expired") && named("garbled"), "{errors:#?}");
    // Presigned URLs are credentials: never in a saved snapshot.
    let saved = dir.path().join("saved.json");
    Command::cargo_bin("fnguard")
        .unwrap()
        .args(["aws", "scan", "--format", "json", "--snapshot"])
        .arg(&file)
        .arg("--save-snapshot")
        .arg(&saved)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(
        !text.contains("code_location") && !text.contains(&base),
        "{text}"
    );

    // With the code, the saved snapshot records what each function ships, and `deps --recheck`
    // checks those packages again later.
    let with_packages = dir.path().join("with-packages.json");
    Command::cargo_bin("fnguard")
        .unwrap()
        .env("FNGUARD_TODAY", "2026-11-28")
        .args(["aws", "scan", "--with-code", "--format", "json", "--db"])
        .arg(db.path())
        .arg("--snapshot")
        .arg(&file)
        .arg("--save-snapshot")
        .arg(&with_packages)
        .output()
        .unwrap();
    let saved: Value = serde_json::from_slice(&std::fs::read(&with_packages).unwrap()).unwrap();
    let api = saved["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "api")
        .unwrap();
    assert_eq!(
        api["packages"],
        json!([{ "ecosystem": "npm", "name": "lodash", "version": "4.17.15" }]),
        "{saved:#}"
    );
    assert!(saved["taken_at"].as_str().unwrap().ends_with('Z'));
    let out = Command::cargo_bin("fnguard")
        .unwrap()
        .args(["deps", "--format", "json", "--since", "2000-01-01", "--db"])
        .arg(db.path())
        .arg("--recheck")
        .arg(&with_packages)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let lodash: Vec<&Value> = report["disclosures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["package"] == "lodash")
        .collect();
    assert!(!lodash.is_empty(), "{report:#}");
    // The layer ships lodash to every function on it.
    assert!(lodash
        .iter()
        .all(|d| d["used_by"].as_array().unwrap().contains(&json!("api"))));
}

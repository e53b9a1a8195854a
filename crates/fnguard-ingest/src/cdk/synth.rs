//! `fnguard scan --synth`: run a CDK application the way `cdk synth` does (its `app` command
//! from `cdk.json`, with `CDK_OUTDIR` naming where the cloud assembly goes and
//! `CDK_CONTEXT_JSON` carrying the context) into a directory of the caller's, under a time
//! limit. The CDK CLI is not needed; Node.js or Python and the application's own dependencies
//! are.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Lines of the command's output a failure shows.
const TAIL_LINES: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("{path}: cannot read `cdk.json`: {reason}")]
    Config { path: String, reason: String },
    #[error(
        "{path}: `{command}` could not run ({reason}); install the toolchain the app needs \
         (Node.js or Python) and its dependencies (`npm ci`, `pip install -r requirements.txt`), \
         or run `cdk synth` yourself and scan the `cdk.out` it writes{tail}"
    )]
    Toolchain {
        path: String,
        command: String,
        reason: String,
        tail: String,
    },
    #[error("{path}: `{command}` failed ({status}){tail}")]
    Failed {
        path: String,
        command: String,
        status: String,
        tail: String,
    },
    #[error("{path}: `{command}` did not finish within {seconds} s and was stopped{tail}")]
    Timeout {
        path: String,
        command: String,
        seconds: u64,
        tail: String,
    },
    #[error(
        "{path}: `{command}` wrote no templates to its output directory (does the app call \
         `app.synth()`?){tail}"
    )]
    NoTemplates {
        path: String,
        command: String,
        tail: String,
    },
}

/// Runs the application whose `cdk.json` is in `app_dir` (shown as `shown`) and writes its
/// cloud assembly into `out_dir`.
pub fn synthesize(
    app_dir: &Path,
    shown: &str,
    out_dir: &Path,
    timeout: Duration,
) -> Result<(), SynthError> {
    let path = format!("{shown}/cdk.json");
    let config_error = |reason: String| SynthError::Config {
        path: path.clone(),
        reason,
    };
    let text = std::fs::read_to_string(app_dir.join("cdk.json"))
        .map_err(|e| config_error(e.to_string()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| config_error(e.to_string()))?;
    let command = json
        .get("app")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| config_error("it has no `app` command".into()))?
        .to_string();
    // The context the CLI would pass: `cdk.json`'s, then `cdk.context.json`'s cached lookups.
    let mut context = json
        .get("context")
        .and_then(serde_json::Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(cached) = std::fs::read_to_string(app_dir.join("cdk.context.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v.as_object().cloned())
    {
        context.extend(cached);
    }
    let log_path = out_dir.join("fnguard-synth.log");
    let log = std::fs::File::create(&log_path).map_err(|e| config_error(e.to_string()))?;
    let log_err = log.try_clone().map_err(|e| config_error(e.to_string()))?;
    let mut cmd = shell(&command);
    cmd.current_dir(app_dir)
        .env("CDK_OUTDIR", out_dir)
        .env(
            "CDK_CONTEXT_JSON",
            serde_json::Value::Object(context).to_string(),
        )
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group, so a timeout stops what it started too (node, tsc).
        cmd.process_group(0);
    }
    let tail = || tail_of(&log_path);
    let mut child = cmd.spawn().map_err(|e| SynthError::Toolchain {
        path: path.clone(),
        command: command.clone(),
        reason: e.to_string(),
        tail: String::new(),
    })?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                stop(&mut child);
                return Err(SynthError::Timeout {
                    path,
                    command,
                    seconds: timeout.as_secs(),
                    tail: tail(),
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => {
                stop(&mut child);
                return Err(SynthError::Failed {
                    path,
                    command,
                    status: e.to_string(),
                    tail: tail(),
                });
            }
        }
    };
    if !status.success() {
        // A shell reports a command it cannot find (or run) with 127 (126).
        if matches!(status.code(), Some(126 | 127)) {
            return Err(SynthError::Toolchain {
                path,
                command,
                reason: format!("exit status {}", status.code().unwrap_or_default()),
                tail: tail(),
            });
        }
        return Err(SynthError::Failed {
            path,
            command,
            status: status.to_string(),
            tail: tail(),
        });
    }
    if !has_templates(out_dir) {
        return Err(SynthError::NoTemplates {
            path,
            command,
            tail: tail(),
        });
    }
    Ok(())
}

fn shell(command: &str) -> Command {
    if cfg!(windows) {
        let mut c = Command::new("cmd");
        c.arg("/C").arg(command);
        c
    } else {
        let mut c = Command::new("sh");
        c.arg("-c").arg(command);
        c
    }
}

/// Stops the command and everything it started.
fn stop(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        // The group's id is the child's pid (see `process_group(0)`). The `--` matters: some
        // `kill`s (procps-ng 4.0) read a bare `-PID` after the signal as `-1`, every process.
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--"])
            .arg(format!("-{}", child.id()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn has_templates(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|e| {
        let name = e.file_name().to_string_lossy().to_string();
        name.ends_with(".template.json")
            || (name.starts_with("assembly-") && has_templates(&e.path()))
    })
}

/// The last lines the command printed, as the end of an error message.
fn tail_of(log: &Path) -> String {
    let Ok(mut f) = std::fs::File::open(log) else {
        return String::new();
    };
    // The end of a long log is what explains a failure.
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(16 * 1024)));
    let mut bytes = Vec::new();
    let _ = f.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return String::new();
    }
    let start = lines.len().saturating_sub(TAIL_LINES);
    format!(
        "; its last lines:\n{}",
        lines[start..]
            .iter()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

    use super::*;

    fn app(command: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("cdk.json"),
            serde_json::json!({ "app": command, "context": { "stage": "test" } }).to_string(),
        )
        .unwrap();
        dir
    }

    #[test]
    fn the_app_writes_its_assembly_where_cdk_outdir_says_with_the_context() {
        // What an app's `app.synth()` does, in a shell: a template in `$CDK_OUTDIR`.
        let dir = app(
            r#"printf '{"Resources":{"Q":{"Type":"AWS::SQS::Queue"}},"Ctx":%s}' "$CDK_CONTEXT_JSON" > "$CDK_OUTDIR/App.template.json""#,
        );
        let out = tempfile::tempdir().unwrap();
        synthesize(dir.path(), "app", out.path(), Duration::from_secs(30)).unwrap();
        let t = std::fs::read_to_string(out.path().join("App.template.json")).unwrap();
        assert!(t.contains(r#""stage":"test""#), "{t}");
    }

    #[test]
    fn a_failing_app_is_one_error_with_its_last_lines() {
        let dir = app("echo 'Error: Cannot find module aws-cdk-lib' >&2; exit 3");
        let out = tempfile::tempdir().unwrap();
        let e = synthesize(dir.path(), "app", out.path(), Duration::from_secs(30)).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, SynthError::Failed { .. }), "{msg}");
        assert!(msg.starts_with("app/cdk.json: "), "{msg}");
        assert!(msg.contains("Cannot find module aws-cdk-lib"), "{msg}");
    }

    #[test]
    fn a_missing_toolchain_says_what_to_install() {
        let dir = app("fnguard-no-such-runtime app.ts");
        let out = tempfile::tempdir().unwrap();
        let e = synthesize(dir.path(), "app", out.path(), Duration::from_secs(30)).unwrap_err();
        assert!(matches!(e, SynthError::Toolchain { .. }), "{e}");
        assert!(e.to_string().contains("install the toolchain"), "{e}");
    }

    #[test]
    fn an_app_that_hangs_is_stopped() {
        let dir = app("sleep 30");
        let out = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let e = synthesize(dir.path(), "app", out.path(), Duration::from_millis(300)).unwrap_err();
        assert!(matches!(e, SynthError::Timeout { .. }), "{e}");
        assert!(started.elapsed() < Duration::from_secs(20));
    }

    #[test]
    fn an_app_that_writes_nothing_is_an_error() {
        let dir = app("true");
        let out = tempfile::tempdir().unwrap();
        let e = synthesize(dir.path(), "app", out.path(), Duration::from_secs(30)).unwrap_err();
        assert!(matches!(e, SynthError::NoTemplates { .. }), "{e}");
    }
}

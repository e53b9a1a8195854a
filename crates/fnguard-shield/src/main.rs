//! `fnguard-shield`: the Lambda extension binary (installed as /opt/extensions/fnguard-shield).

use fnguard_shield::config::{Config, FailMode, Mode};
use fnguard_shield::run::{run, Exit};
use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

fn main() {
    let started = Instant::now();
    let vars: HashMap<String, String> = std::env::vars().collect();
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("check") {
        std::process::exit(check(args.get(2).map(String::as_str), &vars));
    }
    let function = vars
        .get("AWS_LAMBDA_FUNCTION_NAME")
        .cloned()
        .unwrap_or_else(|| "unknown-function".into());
    for w in fnguard_shield::config::unknown_vars(&vars) {
        println!(
            "{}",
            serde_json::json!({ "fnguard_shield": "warning", "message": format!("configuration: {w}") })
        );
    }
    let cfg = match Config::from_vars(&vars) {
        Ok(c) => c,
        Err(errors) => {
            for e in &errors {
                println!(
                    "{}",
                    serde_json::json!({ "fnguard_shield": "error", "message": format!("invalid configuration: {e}") })
                );
            }
            let closed = vars
                .get("FNGUARD_FAIL")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("closed"));
            if closed {
                // Fail closed: the init fails and Lambda reports it, rather than running unguarded.
                std::process::exit(1);
            }
            println!(
                "{}",
                serde_json::json!({ "fnguard_shield": "warning", "message": "running in monitor mode with default settings until the configuration is fixed (fail open)" })
            );
            Config {
                mode: Mode::Monitor,
                fail: FailMode::Open,
                ..Config::default()
            }
        }
    };
    let Some(api) = vars.get("AWS_LAMBDA_RUNTIME_API").cloned() else {
        eprintln!("fnguard-shield: AWS_LAMBDA_RUNTIME_API is not set; this binary runs as a Lambda extension");
        std::process::exit(2);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("fnguard-shield: cannot start: {e}");
            std::process::exit(1);
        }
    };
    match runtime.block_on(run(cfg, api, function, started)) {
        Exit::Shutdown | Exit::Recycle(_) => std::process::exit(0),
        Exit::Failed(why) => {
            println!(
                "{}",
                serde_json::json!({ "fnguard_shield": "error", "message": format!("stopping: {why}") })
            );
            std::process::exit(1);
        }
    }
}

/// `fnguard-shield check FILE` (or `-` for standard input): one JSON verdict per event on
/// standard output, a summary on standard error. Exit 0 after a replay, 2 when the input or the
/// configuration cannot be used.
fn check(path: Option<&str>, vars: &HashMap<String, String>) -> i32 {
    let Some(path) = path else {
        eprintln!("usage: fnguard-shield check FILE   (JSON Lines of events, or one JSON event; `-` reads standard input)");
        return 2;
    };
    let text = if path == "-" {
        let mut s = String::new();
        match std::io::Read::read_to_string(&mut std::io::stdin(), &mut s) {
            Ok(_) => s,
            Err(e) => {
                eprintln!("fnguard-shield: standard input: {e}");
                return 2;
            }
        }
    } else {
        match std::fs::read_to_string(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("fnguard-shield: {path}: {e}");
                return 2;
            }
        }
    };
    let cfg = match Config::from_vars(vars) {
        Ok(c) => c,
        Err(errors) => {
            for e in &errors {
                eprintln!("fnguard-shield: invalid configuration: {e}");
            }
            return 2;
        }
    };
    let detector = match fnguard_shield::inspect::Detector::builtin() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("fnguard-shield: {e}");
            return 2;
        }
    };
    // `FNGUARD_POLICY` (and `FNGUARD_POLICY_FUNCTION` or `AWS_LAMBDA_FUNCTION_NAME`) replay
    // under the function's policy, as the extension would run.
    let policy = match &cfg.policy {
        None => None,
        Some(p) => {
            let function = cfg
                .policy_function
                .clone()
                .or_else(|| vars.get("AWS_LAMBDA_FUNCTION_NAME").cloned())
                .unwrap_or_default();
            match fnguard_shield::policy::Active::load(p, &function, cfg.policy_rest) {
                Ok(a) => Some(a),
                Err(e) => {
                    eprintln!("fnguard-shield: {e}");
                    return 2;
                }
            }
        }
    };
    let verdicts = fnguard_shield::replay::replay(&text, &detector, &cfg, policy.as_ref());
    let blocked = verdicts.iter().filter(|v| v["blocked"] == true).count();
    let errors = verdicts.iter().filter(|v| v.get("error").is_some()).count();
    // A reader that stops early (`| head`) closes the pipe: the verdicts it took are all it
    // wanted, and that is no error.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = verdicts
        .iter()
        .try_for_each(|v| writeln!(out, "{v}"))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return 0,
        Err(e) => {
            eprintln!("fnguard-shield: standard output: {e}");
            return 2;
        }
    }
    eprintln!(
        "fnguard-shield: {} event{}, {blocked} would be blocked, {errors} not readable",
        verdicts.len(),
        if verdicts.len() == 1 { "" } else { "s" }
    );
    0
}

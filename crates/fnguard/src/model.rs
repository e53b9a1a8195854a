//! `fnguard model`: each project's application model as the documented JSON custom rules read;
//! `fnguard policy test`: the tests of custom rules.

use crate::cli::{ModelArgs, ModelFormat, PolicyArgs, PolicyCommand};
use anyhow::Result;

pub fn run(args: ModelArgs) -> Result<u8> {
    if args.format == ModelFormat::Schema {
        let text = serde_json::to_string_pretty(&fnguard_policy::schema())? + "\n";
        crate::output::write_out(args.output.as_deref(), &text)?;
        return Ok(0);
    }
    let loaded = match crate::load::load(&args.load)? {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let cfg = loaded.cfg;
    let database =
        fnguard_deps::db::Database::open(&fnguard_scan::database_dir(None, cfg.db.as_deref()));
    let today = fnguard_scan::today();
    let mut documents = Vec::new();
    for (mut root, path) in loaded.roots.into_iter().zip(&args.load.paths) {
        for e in &root.errors {
            eprintln!("fnguard: {e}");
        }
        let dir = if path.is_file() {
            path.parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default()
        } else {
            path.clone()
        };
        for e in fnguard_scan::enrich(&dir, &mut root.projects, &database, &cfg.accepted, today) {
            if e.level == fnguard_model::Level::Error {
                eprintln!("fnguard: {e}");
            }
        }
        for p in &root.projects {
            documents.push(fnguard_policy::document(p, &cfg.sensitive_words));
        }
    }
    if documents.is_empty() {
        eprintln!("fnguard: no serverless project found");
        return Ok(2);
    }
    let text = serde_json::to_string_pretty(&documents)? + "\n";
    crate::output::write_out(args.output.as_deref(), &text)?;
    Ok(0)
}

pub fn run_policy(args: PolicyArgs) -> Result<u8> {
    match args.command {
        PolicyCommand::Test { dirs, rego_v0 } => {
            let report = fnguard_policy::test(&dirs, rego_v0);
            for e in &report.errors {
                eprintln!("fnguard: {e}");
            }
            for t in &report.passed {
                println!("PASS {t}");
            }
            for (t, why) in &report.failed {
                println!("FAIL {t}: {why}");
            }
            println!(
                "{} passed, {} failed",
                report.passed.len(),
                report.failed.len()
            );
            if report.passed.is_empty() && report.failed.is_empty() {
                eprintln!("fnguard: no test_* rule in a *_test.rego file");
                return Ok(2);
            }
            Ok(if !report.errors.is_empty() {
                2
            } else {
                u8::from(!report.failed.is_empty())
            })
        }
    }
}

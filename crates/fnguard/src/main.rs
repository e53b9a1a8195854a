mod adopt;
mod aws;
mod cli;
mod deps;
mod drift;
mod fix;
mod iam;
mod live;
mod load;
mod map;
mod model;
mod output;
mod pairing;
mod remediate;
mod sbom;
mod scan;
mod shield;
mod usage;
mod wallet;

use clap::Parser;
use cli::{AwsCommand, Cli, Command, RulesFormat};
use std::io::Write;
use std::process::ExitCode;

/// A scan makes millions of small allocations on every core (trees, strings, paths); with
/// mimalloc a scan of serverless-patterns takes 9 % less CPU than with glibc's allocator, and
/// the 94,000-function template peaks at 488 instead of 564 MiB. Built without transparent huge
/// pages (`no_thp`): mimalloc would ask for them on its arenas, and a scan touches a little of
/// each 2 MiB page, which put the peak of that same scan at 115 MiB instead of 67.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// tree-sitter's C core (parsers, trees, cursors: a quarter of a scan's CPU) calls `malloc`,
/// which the Rust global allocator does not replace; glibc's took 5 % of the CPU of a scan of
/// serverless-patterns. This gives the core mimalloc too. Called first thing in `main`, before
/// any tree exists: memory allocated by one allocator must never be freed by the other.
#[allow(unsafe_code)]
fn give_tree_sitter_mimalloc() {
    use std::ffi::c_void;
    // tree-sitter's own default aborts when an allocation fails; it never checks for null.
    fn checked(p: *mut c_void) -> *mut c_void {
        if p.is_null() {
            eprintln!("fnguard: out of memory in the source parser");
            std::process::abort();
        }
        p
    }
    unsafe extern "C" fn ts_malloc(size: usize) -> *mut c_void {
        // SAFETY: plain C allocation with mimalloc's contract (any size, null on failure).
        checked(unsafe { libmimalloc_sys::mi_malloc(size) })
    }
    unsafe extern "C" fn ts_calloc(count: usize, size: usize) -> *mut c_void {
        // SAFETY: as `calloc`, mimalloc checks `count * size` for overflow.
        checked(unsafe { libmimalloc_sys::mi_calloc(count, size) })
    }
    unsafe extern "C" fn ts_realloc(p: *mut c_void, size: usize) -> *mut c_void {
        // SAFETY: `p` was allocated by `ts_malloc`/`ts_calloc`/`ts_realloc` (or is null).
        checked(unsafe { libmimalloc_sys::mi_realloc(p, size) })
    }
    unsafe extern "C" fn ts_free(p: *mut c_void) {
        // SAFETY: as above; mimalloc accepts null.
        unsafe { libmimalloc_sys::mi_free(p) }
    }
    // SAFETY: nothing has called into tree-sitter yet (this is the first statement of `main`,
    // no other thread exists), so no block allocated by `malloc` can reach `ts_free`.
    unsafe {
        tree_sitter::set_allocator(
            Some(ts_malloc),
            Some(ts_calloc),
            Some(ts_realloc),
            Some(ts_free),
        );
    }
}

/// mimalloc (v3) keeps freed memory for a second before it gives it back to the system. A scan
/// frees most of what it loads (a template's tree, and what parsing it made and dropped) and
/// what the graph rules build well within a second, so the phases after add to a peak of memory
/// nobody uses. With a tenth of a second the 94,830-function template peaks at 264-268 instead
/// of 327-342 MiB and serverless-patterns at 54 instead of 64, in the same time (30 alternating
/// scans of serverless-patterns: 0.647 and 0.650 s mean; with no delay at all it took 5-8 %
/// longer). A `MIMALLOC_PURGE_DELAY` in the environment is left to win.
#[allow(unsafe_code)]
fn purge_freed_memory_sooner() {
    // `mi_option_purge_delay` in mimalloc.h (v2 and v3); the crate names no constant for it.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: options are plain integers mimalloc reads when it purges; setting one is
        // allowed at any time.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 100) }
    }
}

fn main() -> ExitCode {
    give_tree_sitter_mimalloc();
    purge_freed_memory_sooner();
    // Loaders recurse (bounded) over nested input; give worker threads the main thread's stack.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(8 * 1024 * 1024)
        .build_global();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let catalog_dir = match &cli.command {
        Command::Scan(a) => a.catalog.clone(),
        Command::Fix(a) => a.scan.catalog.clone(),
        Command::Iam(a) => a.catalog.clone(),
        _ => None,
    };
    if let Some(dir) = catalog_dir {
        let file = dir.join("iam-catalog.txt");
        match std::fs::read_to_string(&file) {
            Ok(text) if fnguard_iam::install_catalog(&text) => {}
            Ok(_) => {
                eprintln!("fnguard: {} holds no IAM actions", file.display());
                return ExitCode::from(2);
            }
            Err(e) => {
                eprintln!("fnguard: cannot read {}: {e}", file.display());
                return ExitCode::from(2);
            }
        }
    }
    let result = match cli.command {
        Command::Scan(args) => scan::run(*args),
        Command::Fix(args) => fix::run(*args),
        Command::Iam(args) => iam::run(*args),
        Command::Map(args) => map::run(*args),
        Command::Wallet(args) => wallet::run(*args),
        Command::Deps(args) => deps::run_deps(*args),
        Command::Sbom(args) => deps::run_sbom(*args),
        Command::Db(args) => deps::run_db(args),
        Command::Aws(args) => match args.command {
            AwsCommand::Scan(a) => aws::scan(*a),
            AwsCommand::Drift(a) => drift::run(*a),
            AwsCommand::Usage(a) => usage::run(*a),
            AwsCommand::Remediate(a) => remediate::run(*a),
            AwsCommand::Policy(a) => aws::policy(a.remediate),
        },
        Command::Shield(args) => shield::run(args),
        Command::Model(args) => model::run(*args),
        Command::Policy(args) => model::run_policy(args),
        Command::Rules(args) => rules(args.format).map(|_| 0),
        Command::Explain { rule } => explain(&rule),
        Command::Schema => {
            print!("{}", fnguard_report::json_schema());
            Ok(0)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("fnguard: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn rules(format: RulesFormat) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = fnguard_rules::registry()
                .iter()
                .map(|r| {
                    let m = r.meta();
                    serde_json::json!({
                        "id": m.id,
                        "name": m.name,
                        "severity": m.severity.as_str(),
                        "practice": m.practice.0,
                        "default": !m.opt_in,
                        "summary": m.summary(),
                    })
                })
                .collect();
            writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
        }
        RulesFormat::Markdown => {
            writeln!(
                out,
                "| id | name | severity | practice | default |\n|---|---|---|---|---|"
            )?;
            for r in fnguard_rules::registry() {
                let m = r.meta();
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    m.id,
                    m.name,
                    m.severity,
                    m.practice.0,
                    if m.opt_in { "opt-in" } else { "on" }
                )?;
            }
        }
        RulesFormat::Human => {
            for r in fnguard_rules::registry() {
                let m = r.meta();
                writeln!(
                    out,
                    "{}  {:<40} {:<8} {}{}",
                    m.id,
                    m.name,
                    m.severity.as_str(),
                    m.summary().chars().take(90).collect::<String>(),
                    if m.opt_in { " (opt-in)" } else { "" }
                )?;
            }
        }
    }
    Ok(())
}

fn explain(rule: &str) -> anyhow::Result<u8> {
    let Some(r) = fnguard_rules::find_rule(rule) else {
        eprintln!("fnguard: no rule `{rule}`; `fnguard rules` lists them");
        return Ok(2);
    };
    let m = r.meta();
    println!(
        "# {} {}\n\nSeverity: {} · Practice {}: {} · {}\n\n{}",
        m.id,
        m.name,
        m.severity,
        m.practice.0,
        m.practice.title(),
        if m.opt_in { "opt-in" } else { "on by default" },
        m.doc.trim()
    );
    Ok(0)
}

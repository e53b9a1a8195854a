//! `fnguard shield policy`: what the runtime shield should check strictly, from the static
//! analysis. For each function, the event fields that the taint analysis followed into a
//! dangerous sink (FG5xx) and the kind of sink; the shield (`FNGUARD_POLICY`) checks those
//! fields with the sink's grammar and the rest with its generic detectors in the mode given
//! here. Silence is earned: a function whose handler code was not fully read keeps generic
//! blocking everywhere.

use crate::cli::{RestMode, ShieldArgs, ShieldCommand, ShieldPolicyArgs};
use anyhow::{Context, Result};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub fn run(args: ShieldArgs) -> Result<u8> {
    match args.command {
        ShieldCommand::Policy(a) => policy(*a),
    }
}

/// The sink class the shield knows for an FG5xx rule; `None` for rules that are not about
/// event data reaching an interpreter.
pub fn sink_class(rule: &str) -> Option<&'static str> {
    Some(match rule {
        "FG501" => "shell",
        "FG502" | "FG517" => "code",
        "FG503" => "deserialization",
        "FG504" => "sql",
        "FG505" => "nosql",
        "FG506" => "path",
        "FG507" | "FG519" => "url",
        "FG508" => "xxe",
        "FG518" => "html",
        "FG520" => "ldap",
        "FG521" => "xpath",
        "FG523" => "prototype",
        _ => return None,
    })
}

fn policy(args: ShieldPolicyArgs) -> Result<u8> {
    let loaded = match crate::load::load(&args.load)? {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let mut functions: Vec<Value> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for root in &loaded.roots {
        for e in root.errors.iter().chain(&root.code_notices) {
            eprintln!("fnguard: {e}");
        }
        for project in &root.projects {
            for f in &project.functions {
                let (entry, note) = function_policy(f, args.rest);
                notes.extend(note);
                functions.push(entry);
            }
        }
    }
    let file = json!({
        "fnguard_shield_policy": 1,
        "functions": functions,
    });
    let text = serde_json::to_string_pretty(&file)? + "\n";
    match &args.output {
        Some(out) => {
            std::fs::write(out, &text).with_context(|| format!("writing {}", out.display()))?;
            eprintln!(
                "fnguard: wrote the shield policy of {} function(s) to {}",
                functions.len(),
                out.display()
            );
        }
        None => print!("{text}"),
    }
    for n in notes {
        eprintln!("fnguard: {n}");
    }
    Ok(0)
}

fn function_policy(f: &fnguard_model::Function, rest: Option<RestMode>) -> (Value, Option<String>) {
    let mut names = vec![f.id.clone()];
    if let Some(n) = f.name.as_ref().and_then(|n| n.known()) {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    let code = f.code.as_ref();
    let complete = code.is_some_and(|c| {
        c.handler.is_some() && c.unresolved.is_none() && c.not_followed.is_empty()
    });
    // path -> (sinks, because)
    let mut fields: BTreeMap<String, (Vec<&'static str>, Vec<String>)> = BTreeMap::new();
    for cf in code.into_iter().flat_map(|c| &c.findings) {
        let Some(sink) = sink_class(&cf.rule) else {
            continue;
        };
        // A flow the analysis could not tie to a field (the whole event) covers every field.
        let paths: Vec<String> = if cf.event_fields.is_empty() {
            vec![String::new()]
        } else {
            cf.event_fields.clone()
        };
        for p in paths {
            let e = fields.entry(p).or_default();
            if !e.0.contains(&sink) {
                e.0.push(sink);
            }
            let why = format!("{} {}:{}", cf.rule, cf.location.file, cf.location.line);
            if !e.1.contains(&why) {
                e.1.push(why);
            }
        }
    }
    // Generic detectors on the other fields: blocking unless the analysis read all the code,
    // in which case it knows the other fields reach no dangerous sink.
    let default_rest = if complete { "monitor" } else { "block" };
    let rest = match rest {
        Some(RestMode::Block) => "block",
        Some(RestMode::Monitor) => "monitor",
        Some(RestMode::Off) => "off",
        None => default_rest,
    };
    let note = (!complete).then(|| {
        format!(
            "function `{}`: its handler code was not fully analysed{}; the shield keeps blocking with its generic detectors on every field",
            f.id,
            code.and_then(|c| c.unresolved.as_deref())
                .map(|u| format!(" ({u})"))
                .unwrap_or_default()
        )
    });
    let entry = json!({
        "names": names,
        "fields": fields.into_iter().map(|(path, (sinks, because))| json!({
            "path": path,
            "sinks": sinks,
            "because": because,
        })).collect::<Vec<_>>(),
        "complete": complete,
        "rest": rest,
    });
    (entry, note)
}

//! Handler code analysis: find each function's handler file and the AWS SDK calls it (and the
//! local modules it imports) makes, as IAM actions. Python (boto3 clients, resources, DynamoDB
//! tables, paginators) and JavaScript/TypeScript (AWS SDK v3 commands and aggregated clients,
//! `lib-dynamodb`, SDK v2 clients and `DocumentClient`).

mod env;
mod handler;
mod javascript;

mod mapping;
mod python;
pub mod taint;

pub use handler::{analyze_function, Language};
pub use mapping::{action_for, service_prefix};

use fnguard_model::Project;
use std::path::Path;

/// Run the code analysis for every function whose handler and code directory are known,
/// adding the facts to the model. `root` is the directory paths in the projects are relative to.
pub fn analyze_projects(root: &Path, projects: &mut [Project]) {
    use rayon::prelude::*;
    // Functions are independent and parsing dominates a scan, so they are spread over cores.
    projects
        .par_iter_mut()
        .flat_map(|p| p.functions.par_iter_mut())
        .for_each(|f| analyze_one(root, f));
}

fn analyze_one(root: &Path, f: &mut fnguard_model::Function) {
    if f.is_image {
        return;
    }
    let (Some(code), Some(handler)) = (&f.code_path, &f.handler) else {
        return;
    };
    let Some(handler) = handler.value.as_str() else {
        return;
    };
    let runtime = f.runtime.as_ref().and_then(|r| r.value.as_str());
    let Some(lang) = Language::of_runtime(runtime) else {
        return;
    };
    // A custom bootstrap script (`run.sh` behind a web adapter) is not code we read.
    if handler.ends_with(".sh") {
        return;
    }
    let dir = if code.is_empty() {
        root.to_path_buf()
    } else {
        root.join(code)
    };
    // Zip files, S3 locations and build directories that are not checked in cannot be
    // read here.
    if !dir.is_dir() {
        return;
    }
    // serverless-wsgi generates `wsgi_handler.handler` at package time; the application it
    // serves (Flask, Django) is the conventional `app`/`wsgi` module, whose routes are the
    // entry points.
    if handler.starts_with("wsgi_handler.") {
        let app = ["app", "wsgi", "main", "api", "application"]
            .into_iter()
            .find(|m| dir.join(format!("{m}.py")).is_file());
        if let Some(module) = app {
            let mut facts = analyze_function(root, &dir, &format!("{module}.app"), lang);
            // The WSGI app object is not a function: its routes were analysed instead.
            facts.unresolved = None;
            f.code = Some(facts);
        }
        return;
    }
    f.code = Some(analyze_function(root, &dir, handler, lang));
}

/// The IAM actions one source text's SDK calls need (for golden tests and fuzzing).
pub fn actions_in_source(lang: Language, text: &str, typescript: bool) -> Vec<String> {
    let scan = match lang {
        Language::Python => python::scan(text, None),
        Language::JavaScript => javascript::scan_as(text, None, typescript),
    };
    let mut out: Vec<String> = scan.calls.into_iter().map(|c| c.0).collect();
    out.sort();
    out.dedup();
    out
}

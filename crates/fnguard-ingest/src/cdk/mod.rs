//! CDK applications read from their source when no `cdk.out` was synthesized: the constructs
//! the stacks instantiate (TypeScript/JavaScript or Python, CDK v1 and v2 module names alike,
//! since only class names are matched), translated to the CloudFormation resources `cdk synth`
//! writes, and read by the shared model builder. Findings point at the construct's line in
//! the source.

mod grants;
mod source;
pub(crate) mod synth;
mod translate;

use crate::cfn::eval::Evaluator as CfnEvaluator;
use crate::cfn::Builder;
use crate::node::{Kind, Node};
use crate::{Diagnostic, LoadContext, Loaded};
use fnguard_model::{Project, SourceFormat};
use source::Lang;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

/// Source files larger than this are not read (generated or vendored code).
const MAX_SOURCE_BYTES: u64 = 1024 * 1024;
/// At most this many source files per application.
const MAX_SOURCES: usize = 2000;

/// Directories of a CDK application that hold no stack code.
const SKIPPED: &[&str] = &[
    "node_modules",
    "cdk.out",
    ".git",
    "test",
    "tests",
    "__tests__",
    ".venv",
    "venv",
    "__pycache__",
    "dist",
    "build",
];

/// Load the CDK application whose `cdk.json` is `ctx.file`, from its source.
pub(crate) fn load(ctx: &LoadContext, cdk_json: &str) -> Loaded {
    let mut diagnostics = Vec::new();
    let app_dir = ctx.dir().to_path_buf();
    let command = serde_json::from_str::<serde_json::Value>(cdk_json)
        .ok()
        .and_then(|v| v.get("app")?.as_str().map(str::to_string))
        .unwrap_or_default();
    if let Some(language) = unread_language(&command) {
        diagnostics.push(Diagnostic::warning(
            &ctx.rel,
            None,
            format!(
                "the CDK application is written in {language} (`{command}`); fnguard reads CDK \
                 applications written in TypeScript, JavaScript and Python from their source, so \
                 nothing of this one was loaded: synthesize it (`cdk synth`, or `fnguard scan \
                 --synth` where the CDK toolchain is installed) and fnguard reads the templates \
                 in `cdk.out`"
            ),
        ));
        return Loaded {
            project: None,
            diagnostics,
            nested: Vec::new(),
            consumed: Vec::new(),
        };
    }
    let lang = if command.contains("python") || command.contains(".py") {
        Lang::Python
    } else {
        Lang::TypeScript
    };
    let mut files = Vec::new();
    collect(&app_dir, lang, 0, &mut files);
    files.sort();
    if files.len() > MAX_SOURCES {
        diagnostics.push(Diagnostic::warning(
            &ctx.rel,
            None,
            format!(
                "the CDK application has {} source files; only the first {MAX_SOURCES} were read",
                files.len()
            ),
        ));
        files.truncate(MAX_SOURCES);
    }
    let (parsed, entry) = parse_app_sources(ctx, &command, &app_dir, &files, &mut diagnostics);
    let context = serde_json::from_str::<serde_json::Value>(cdk_json)
        .ok()
        .and_then(|v| v.get("context")?.as_object().cloned())
        .unwrap_or_default();
    let mut app = source::App::default();
    source::read_app(&mut app, &parsed, entry, context, (&app_dir, &ctx.root));
    let site = translate::Site {
        root: &ctx.root,
        app_dir: &app_dir,
    };
    let out = translate::translate(&app, &site);
    for (file, line, msg) in app.problems.iter().chain(out.problems.iter()) {
        diagnostics.push(Diagnostic::warning(file, Some(*line), msg.clone()));
    }
    let rel_dir = crate::relative_dir(&ctx.root, &app_dir);
    let project = Project::new(rel_dir, SourceFormat::Cdk);
    diagnostics.push(Diagnostic::warning(
        &ctx.rel,
        None,
        format!(
            "read from the CDK source ({} constructs in {} files), as no `cdk.out` was \
             synthesized; what only running the app computes (loops over collections, aspects, \
             values from outside the repository) is not modelled; `cdk synth` output (or \
             `fnguard scan --synth`) is read instead when present",
            app.constructs.len(),
            files.len()
        ),
    ));
    let ids: HashSet<String> = out.resources.iter().map(|(k, _)| k.name.clone()).collect();
    let anchor = Node::new(Kind::Null, Arc::from(ctx.rel.as_str()), 1, 1);
    let resources = anchor.with_kind(Kind::Map(out.resources));
    let evaluator = CfnEvaluator::new(HashMap::new(), ids, None, None, ctx.options.region.clone());
    let mut builder = Builder::new(
        &evaluator,
        project,
        &ctx.rel,
        ctx.root.clone(),
        ctx.root.clone(),
    );
    builder.add_resources(resources, false);
    let (project, diags) = builder.finish();
    diagnostics.extend(diags);
    Loaded {
        project: Some(project),
        diagnostics,
        nested: Vec::new(),
        consumed: Vec::new(),
    }
}

/// The language of a CDK app whose source fnguard does not read, from its `app` command
/// (`mvn -e -q compile exec:java`, `go mod download && go run app.go`, `dotnet run -p src/App`).
fn unread_language(command: &str) -> Option<&'static str> {
    let words: Vec<&str> = command
        .split(|c: char| c.is_whitespace() || c == '&' || c == ';')
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.iter().any(|x| x.rsplit('/').next() == Some(w));
    if has("mvn") || has("gradle") || has("gradlew") || has("java") || has("./gradlew") {
        Some("Java")
    } else if has("go") {
        Some("Go")
    } else if has("dotnet") {
        Some("C#")
    } else {
        None
    }
}

/// Parses the sources that can define the app: those that name a construct library (`aws-cdk-lib`,
/// `aws_cdk`, `@aws-cdk/...`, `constructs`, `cdk-nag`), the entry file, and the local modules
/// they import, transitively. A function's handler code, tests' helpers and scripts name none
/// and are imported by none of them; they were a fifth of the bytes parsed on
/// serverless-patterns. Returns the parsed files in path order, with the entry's index.
fn parse_app_sources(
    ctx: &LoadContext,
    command: &str,
    app_dir: &Path,
    files: &[std::path::PathBuf],
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<source::Parsed>, Option<usize>) {
    let entry = entry_file(command, app_dir, files);
    let mut texts: Vec<Option<String>> = Vec::with_capacity(files.len());
    let mut rels = Vec::with_capacity(files.len());
    for path in files {
        let rel = crate::relative(&ctx.root, path);
        match std::fs::read_to_string(path) {
            Ok(text) => texts.push(Some(text)),
            Err(_) => {
                diagnostics.push(Diagnostic::warning(
                    &rel,
                    None,
                    "could not be read as UTF-8 text",
                ));
                texts.push(None);
            }
        }
        rels.push(rel);
    }
    let by_path: HashMap<std::path::PathBuf, usize> = rels
        .iter()
        .enumerate()
        .map(|(k, rel)| (crate::normalize_lexically(Path::new(rel)), k))
        .collect();
    let entry_dir = entry.and_then(|k| Path::new(&rels[k]).parent().map(Path::to_path_buf));
    let mut todo: Vec<usize> = texts
        .iter()
        .enumerate()
        .filter(|(k, text)| {
            Some(*k) == entry || text.as_deref().is_some_and(names_a_construct_library)
        })
        .map(|(k, _)| k)
        .collect();
    let mut parsed: Vec<Option<source::Parsed>> = (0..files.len()).map(|_| None).collect();
    while let Some(k) = todo.pop() {
        let Some(text) = texts[k].take() else {
            continue;
        };
        let file_lang = if files[k].extension().is_some_and(|e| e == "py") {
            Lang::Python
        } else {
            Lang::TypeScript
        };
        let Some(p) = source::parse(&rels[k], text, file_lang) else {
            diagnostics.push(Diagnostic::warning(&rels[k], None, "could not be parsed"));
            continue;
        };
        for path in source::imported_paths(&p, entry_dir.as_deref()) {
            if let Some(&i) = by_path.get(&path) {
                if texts[i].is_some() {
                    todo.push(i);
                }
            }
        }
        parsed[k] = Some(p);
    }
    let entry = entry.and_then(|e| {
        parsed[e].as_ref()?;
        Some(parsed[..e].iter().filter(|p| p.is_some()).count())
    });
    (parsed.into_iter().flatten().collect(), entry)
}

/// Whether a source mentions a construct library, so may define stacks or constructs.
fn names_a_construct_library(text: &str) -> bool {
    text.contains("cdk") || text.contains("constructs")
}

/// The file the `app` command runs (`npx ts-node --prefer-ts-exts bin/app.ts`,
/// `python3 app.py`, `node dist/bin/app.js` built from `bin/app.ts`).
fn entry_file(command: &str, app_dir: &Path, files: &[std::path::PathBuf]) -> Option<usize> {
    for word in command.split_whitespace().rev() {
        let word = word.trim_matches(['"', '\'']);
        let stem = word
            .trim_end_matches(".ts")
            .trim_end_matches(".js")
            .trim_end_matches(".py");
        if stem == word {
            continue;
        }
        let candidates = [
            app_dir.join(word),
            app_dir.join(format!("{stem}.ts")),
            // A compiled entry (`dist/bin/app.js`, `build/bin/app.js`) from its source.
            app_dir.join(format!(
                "{}.ts",
                stem.trim_start_matches("dist/")
                    .trim_start_matches("build/")
                    .trim_start_matches("lib/")
            )),
        ];
        for c in candidates {
            let c = crate::normalize_lexically(&c);
            if let Some(i) = files
                .iter()
                .position(|p| crate::normalize_lexically(p) == c)
            {
                return Some(i);
            }
        }
    }
    None
}

fn collect(dir: &Path, lang: Lang, depth: usize, out: &mut Vec<std::path::PathBuf>) {
    if depth > 12 || out.len() > MAX_SOURCES {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let entries: Vec<std::fs::DirEntry> = entries.flatten().collect();
    // Packages pip installed beside the code (a layer's `python/`) are third-party, as in
    // discovery: a layer of boto3 and botocore is a thousand directories to list.
    let installed: HashSet<String> = entries
        .iter()
        .filter_map(|e| {
            let name = e.file_name();
            let name = name.to_str()?;
            name.ends_with(".dist-info").then(|| {
                let top_level = e.path().join("top_level.txt");
                crate::discover::installed_by(name, Some(&top_level))
            })
        })
        .flatten()
        .collect();
    for e in entries {
        let Ok(ft) = e.file_type() else { continue };
        let path = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        // Symlinks are not followed: a loop must not make the walk endless.
        if ft.is_symlink() {
            continue;
        }
        if ft.is_dir() {
            if !SKIPPED.contains(&name.as_str())
                && !name.starts_with('.')
                && !installed.contains(&name)
            {
                collect(&path, lang, depth + 1, out);
            }
            continue;
        }
        let wanted = match lang {
            Lang::Python => name.ends_with(".py"),
            Lang::TypeScript => {
                (name.ends_with(".ts") && !name.ends_with(".d.ts"))
                    || name.ends_with(".js")
                    || name.ends_with(".mjs")
            }
        };
        let test = name.contains(".test.")
            || name.contains(".spec.")
            || (name.starts_with("test_") && name.ends_with(".py"))
            || name.ends_with("_test.py");
        if !wanted || test {
            continue;
        }
        // Only now the system calls: most entries are not sources.
        let small = e.metadata().is_ok_and(|m| m.len() <= MAX_SOURCE_BYTES);
        // `tsc` writes `x.js` beside `x.ts`: the TypeScript is the source the user edits.
        let compiled = name.ends_with(".js") && path.with_extension("ts").is_file();
        if small && !compiled {
            out.push(path);
        }
    }
}

//! Functions deployed from the same code with the same handler share one analysis; a different
//! handler in the same directory gets its own.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use fnguard_model::{Function, Location, Project, Setting, SourceFormat, Val};

const APP: &str = r#"
import os, subprocess, boto3

s3 = boto3.client("s3")
table = boto3.resource("dynamodb").Table(os.environ["TABLE"])

def handler(event, context):
    subprocess.run(event["cmd"], shell=True)
    s3.put_object(Bucket="b", Key="k", Body=b"x")

def other(event, context):
    return table.get_item(Key={"id": event["id"]})
"#;

fn function(id: &str, handler: &str) -> Function {
    let at = Location::new("template.yaml", 1, 1);
    let mut f = Function::new(id, at.clone());
    f.runtime = Some(Setting::new(Val::Known("python3.12".into()), at.clone()));
    f.handler = Some(Setting::new(Val::Known(handler.into()), at));
    f.code_path = Some("src".into());
    f
}

fn calls(f: &Function) -> Vec<String> {
    let mut out: Vec<String> = f
        .code
        .as_ref()
        .unwrap()
        .calls
        .iter()
        .map(|c| c.action.clone())
        .collect();
    out.sort();
    out
}

#[test]
fn functions_with_the_same_code_and_handler_share_one_analysis() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/app.py"), APP).unwrap();
    let mut p = Project::new("template.yaml", SourceFormat::Sam);
    p.functions = vec![
        function("A", "app.handler"),
        function("B", "app.handler"),
        function("C", "app.other"),
    ];
    let mut projects = vec![p];
    fnguard_code::analyze_projects(dir.path(), &mut projects);
    let f = &projects[0].functions;
    let json = |f: &Function| serde_json::to_string(&f.code).unwrap();
    assert_eq!(json(&f[0]), json(&f[1]));
    assert!(calls(&f[0]).contains(&"s3:PutObject".to_string()));
    assert!(
        f[0].code
            .as_ref()
            .unwrap()
            .findings
            .iter()
            .any(|x| x.rule.starts_with("FG5")),
        "{:?}",
        f[0].code
    );
    assert!(calls(&f[2]).contains(&"dynamodb:GetItem".to_string()));
    assert!(
        f[2].code.as_ref().unwrap().findings.is_empty(),
        "{:?}",
        f[2].code
    );
}

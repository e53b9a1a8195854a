#![no_main]
use fnguard_ingest::{load_str, DescriptorKind, LoadOptions};
use fnguard_rules::{run, RuleConfig, Selection};
use libfuzzer_sys::fuzz_target;

// A descriptor from text (serverless or CloudFormation, YAML or JSON): loaded, every rule run,
// and every fix the findings offer applied to the text, then an ignore comment added on every
// finding's line. Edits may be refused; none may panic or hang.
static QUIET: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    // The fixer catches panics inside yamlpath and refuses the edit; libFuzzer's hook would
    // abort on those caught ones. A panic that escapes still aborts (it cannot unwind out).
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    if selector % 5 == 4 {
        // Terraform: every change the fixer writes for it, on arbitrary text.
        use fnguard_model::Change;
        let function = "aws_lambda_function.api".to_string();
        let changes = [
            Change::Tracing { function: function.clone() },
            Change::ReservedConcurrency { function: function.clone(), limit: 10 },
            Change::LogRetention { function, days: 90 },
            Change::NoEcho { parameter: "db_password".into(), remove_default: true },
            Change::UrlAuthIam { function: "x".into(), line: 3 },
            Change::Runtime { functions: vec![], line: 2, from: "python3.8".into(), to: "python3.13".into() },
        ];
        let refs: Vec<&Change> = changes.iter().collect();
        let _ = fnguard_fix::apply(text, fnguard_fix::Syntax::Hcl, &refs);
        return;
    }
    let (kind, name) = match selector % 5 {
        0 => (DescriptorKind::Serverless, "serverless.yml"),
        1 => (DescriptorKind::Serverless, "serverless.json"),
        2 => (DescriptorKind::CloudFormation, "template.yaml"),
        _ => (DescriptorKind::CloudFormation, "template.json"),
    };
    let Some(project) = load_str(kind, name, text, &LoadOptions::default()).project else {
        return;
    };
    let config = RuleConfig {
        selection: Selection { select: vec!["ALL".into()], ..Selection::default() },
        today: (2026, 12, 4),
        ..RuleConfig::default()
    };
    let findings = run(std::slice::from_ref(&project), &config);
    let Some(syntax) = fnguard_fix::Syntax::of(name, text) else { return };
    let changes: Vec<&fnguard_model::Change> =
        findings.iter().flat_map(|f| &f.fixes).map(|x| &x.change).collect();
    let _ = fnguard_fix::apply(text, syntax, &changes);
    let marks: Vec<fnguard_fix::IgnoreMark> = findings
        .iter()
        .map(|f| fnguard_fix::IgnoreMark { line: f.location.line, rules: vec![f.rule.to_string()] })
        .collect();
    let _ = fnguard_fix::add_ignores(text, fnguard_fix::CommentStyle::Hash, &marks, "fuzz");
});

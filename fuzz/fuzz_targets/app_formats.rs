#![no_main]
use fnguard_ingest::{load, load_str, Candidate, DescriptorKind, LoadOptions};
use fnguard_rules::{run, RuleConfig, Selection};
use libfuzzer_sys::fuzz_target;

// Zappa settings (JSON with recovery, YAML, TOML) from text, and a Chalice app (a config and an
// `app.py` written into a scratch directory, split at the first NUL): loaded, code analysed,
// every rule run. None of it may panic or hang.
fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let config = RuleConfig {
        selection: Selection { select: vec!["ALL".into()], ..Selection::default() },
        today: (2026, 11, 28),
        ..RuleConfig::default()
    };
    let projects = match selector % 4 {
        0 | 1 | 2 => {
            let name = ["zappa_settings.json", "zappa_settings.yml", "zappa_settings.toml"]
                [usize::from(selector % 4)];
            load_str(DescriptorKind::Zappa, name, text, &LoadOptions::default())
                .project
                .into_iter()
                .collect::<Vec<_>>()
        }
        _ => {
            let (cfg, app) = text.split_once('\0').unwrap_or(("{}", text));
            let dir = std::env::temp_dir().join(format!("fnguard-fuzz-chalice-{}", std::process::id()));
            let _ = std::fs::create_dir_all(dir.join(".chalice"));
            let _ = std::fs::write(dir.join(".chalice/config.json"), cfg);
            let _ = std::fs::write(dir.join("app.py"), app);
            let c = Candidate { path: dir.join(".chalice/config.json"), kind: DescriptorKind::Chalice };
            let mut ps: Vec<_> = load(&dir, &c, &LoadOptions::default()).project.into_iter().collect();
            fnguard_code::analyze_projects(&dir, &mut ps);
            ps
        }
    };
    let _ = run(&projects, &config);
});

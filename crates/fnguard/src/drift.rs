//! `fnguard aws drift`: the declared application next to what runs in the account (FG612).

use crate::cli::AwsDriftArgs;
use crate::pairing::{compare, drifts};
use anyhow::Result;
use fnguard_model::Finding;
use fnguard_rules::{RuleConfig, Selection};

pub fn run(args: AwsDriftArgs) -> Result<u8> {
    let c = match compare(&args)? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let config = RuleConfig {
        selection: Selection {
            select: vec!["FG612".into()],
            ..Selection::default()
        },
        today: c.today,
        ..RuleConfig::default()
    };
    let drifts = drifts(&c, !args.ignore_undeclared);
    let mut findings: Vec<Finding> = c
        .declared
        .iter()
        .zip(&drifts)
        .flat_map(|(p, d)| fnguard_rules::run_drift(p, d, &config))
        .collect();
    for f in &mut findings {
        c.lines.relocate(&mut f.location);
        for r in &mut f.related {
            c.lines.relocate(r);
        }
    }
    crate::live::emit(&args.report, &c.declared, &c.errors, &findings, &c.cfg)
}

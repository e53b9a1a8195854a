//! CloudFormation intrinsic functions and conditions, evaluated with three-valued logic:
//! whatever depends on an unknown parameter, import or attribute stays an explicit unknown.

use crate::node::{Kind, Node, Unknown};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

const MAX_EVAL_DEPTH: usize = 128;

pub struct Evaluator {
    pub params: HashMap<String, Node>,
    pub resources: HashSet<String>,
    pub region: Option<String>,
    conditions_src: HashMap<String, Node>,
    conditions: RefCell<HashMap<String, Option<bool>>>,
    in_progress: RefCell<HashSet<String>>,
    mappings: Option<Node>,
}

impl Evaluator {
    pub fn new(
        params: HashMap<String, Node>,
        resources: HashSet<String>,
        conditions: Option<&Node>,
        mappings: Option<&Node>,
        region: Option<String>,
    ) -> Self {
        let conditions_src = conditions
            .map(|c| {
                c.entries()
                    .iter()
                    .map(|(k, v)| (k.name.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            params,
            resources,
            region,
            conditions_src,
            conditions: RefCell::new(HashMap::new()),
            in_progress: RefCell::new(HashSet::new()),
            mappings: mappings.cloned(),
        }
    }

    /// The truth of a named condition; `None` when it depends on something unknown.
    pub fn condition(&self, name: &str) -> Option<bool> {
        if let Some(v) = self.conditions.borrow().get(name) {
            return *v;
        }
        if !self.in_progress.borrow_mut().insert(name.to_string()) {
            return None; // a cycle: CloudFormation rejects it, we just don't know
        }
        let value = self
            .conditions_src
            .get(name)
            .and_then(|n| truth(&self.eval(n)));
        self.in_progress.borrow_mut().remove(name);
        self.conditions.borrow_mut().insert(name.to_string(), value);
        value
    }

    pub fn eval(&self, node: &Node) -> Node {
        self.eval_at(node, 0)
    }

    fn eval_at(&self, node: &Node, depth: usize) -> Node {
        if depth > MAX_EVAL_DEPTH {
            return node.unknown("expression nested too deeply", vec![]);
        }
        match &node.kind {
            Kind::Map(entries) => {
                if entries.len() == 1 {
                    let (k, v) = &entries[0];
                    if k.name == "Ref" || k.name == "Condition" || k.name.starts_with("Fn::") {
                        if let Some(r) = self.intrinsic(node, &k.name, v, depth + 1) {
                            return r;
                        }
                    }
                }
                let mut out = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    let ev = self.eval_at(v, depth + 1);
                    if ev.kind != Kind::NoValue {
                        out.push((k.clone(), ev));
                    }
                }
                node.with_kind(Kind::Map(out))
            }
            Kind::Seq(items) => {
                let out = items
                    .iter()
                    .map(|i| self.eval_at(i, depth + 1))
                    .filter(|n| n.kind != Kind::NoValue)
                    .collect();
                node.with_kind(Kind::Seq(out))
            }
            _ => node.clone(),
        }
    }

    fn intrinsic(&self, site: &Node, name: &str, arg: &Node, depth: usize) -> Option<Node> {
        let ev = |n: &Node| self.eval_at(n, depth + 1);
        Some(match name {
            "Ref" => {
                let target = ev(arg).scalar_text()?;
                self.reference(site, &target)
            }
            "Condition" => {
                let n = ev(arg).scalar_text()?;
                tri_node(site, self.condition(&n), &format!("condition {n}"))
            }
            "Fn::GetAtt" => {
                let parts: Vec<String> = match &arg.kind {
                    Kind::Seq(items) => items.iter().filter_map(|i| ev(i).scalar_text()).collect(),
                    Kind::Str(s) => s.splitn(2, '.').map(str::to_string).collect(),
                    _ => Vec::new(),
                };
                let (res, attr) = (parts.first()?, parts.get(1..).map(|a| a.join(".")));
                if self.resources.contains(res) {
                    site.with_kind(Kind::Ref {
                        id: res.clone(),
                        attr,
                    })
                } else {
                    site.unknown(format!("attribute of unknown resource {res}"), vec![])
                }
            }
            "Fn::Sub" => self.sub(site, arg, depth),
            "Fn::Join" => {
                let items = arg.items();
                let delim = items.first().map(ev)?.scalar_text().unwrap_or_default();
                let list = ev(items.get(1)?);
                join(site, &delim, &list)
            }
            "Fn::Select" => {
                let items = arg.items();
                let index = ev(items.first()?).as_i64();
                let list = ev(items.get(1)?);
                match (index, &list.kind) {
                    (Some(i), Kind::Seq(l)) if i >= 0 && (i as usize) < l.len() => {
                        l[i as usize].clone()
                    }
                    _ => site.unknown("Fn::Select of an unknown list", list.refs()),
                }
            }
            "Fn::Split" => {
                let items = arg.items();
                let delim = ev(items.first()?).scalar_text()?;
                let source = ev(items.get(1)?);
                match source.str() {
                    Some(s) if !delim.is_empty() => site.with_kind(Kind::Seq(
                        s.split(delim.as_str())
                            .map(|p| site.with_kind(Kind::Str(p.to_string())))
                            .collect(),
                    )),
                    _ => site.unknown("Fn::Split of an unknown string", source.refs()),
                }
            }
            "Fn::If" => {
                let items = arg.items();
                let cond = ev(items.first()?).scalar_text()?;
                let (a, b) = (items.get(1)?, items.get(2)?);
                match self.condition(&cond) {
                    Some(true) => ev(a),
                    Some(false) => ev(b),
                    None => {
                        let (ea, eb) = (ev(a), ev(b));
                        if ea == eb {
                            ea
                        } else {
                            let mut refs = ea.refs();
                            refs.extend(eb.refs());
                            site.unknown(format!("depends on condition {cond}"), refs)
                        }
                    }
                }
            }
            "Fn::Equals" => {
                let items = arg.items();
                let (a, b) = (ev(items.first()?), ev(items.get(1)?));
                match (a.scalar_text(), b.scalar_text()) {
                    (Some(x), Some(y)) => site.with_kind(Kind::Bool(x == y)),
                    _ => site.unknown("comparison with an unknown value", vec![]),
                }
            }
            "Fn::And" | "Fn::Or" => {
                let vals: Vec<Option<bool>> = arg.items().iter().map(|i| truth(&ev(i))).collect();
                let is_and = name == "Fn::And";
                let decided = if is_and {
                    if vals.contains(&Some(false)) {
                        Some(false)
                    } else if vals.iter().all(|v| *v == Some(true)) {
                        Some(true)
                    } else {
                        None
                    }
                } else if vals.contains(&Some(true)) {
                    Some(true)
                } else if vals.iter().all(|v| *v == Some(false)) {
                    Some(false)
                } else {
                    None
                };
                tri_node(site, decided, name)
            }
            "Fn::Not" => {
                let v = arg.items().first().map(ev).and_then(|n| truth(&n));
                tri_node(site, v.map(|b| !b), "Fn::Not")
            }
            "Fn::FindInMap" => {
                let items = arg.items();
                let keys: Vec<Option<String>> =
                    items.iter().take(3).map(|i| ev(i).scalar_text()).collect();
                let default = items.get(3).and_then(|d| d.get("DefaultValue")).map(&ev);
                let found = match (keys.first(), keys.get(1), keys.get(2)) {
                    (Some(Some(m)), Some(Some(k1)), Some(Some(k2))) => self
                        .mappings
                        .as_ref()
                        .and_then(|maps| maps.path(&[m, k1, k2]))
                        .map(&ev),
                    _ => None,
                };
                match (found, default) {
                    (Some(f), _) => f,
                    (None, Some(d)) => d,
                    (None, None) => site.unknown("Fn::FindInMap with unknown keys", vec![]),
                }
            }
            "Fn::ImportValue" => {
                let what = ev(arg).scalar_text().unwrap_or_else(|| "a value".into());
                site.unknown(format!("imported from another stack ({what})"), vec![])
            }
            "Fn::Base64" => ev(arg),
            "Fn::GetAZs" => site.unknown("availability zones", vec![]),
            "Fn::Cidr" => site.unknown("CIDR blocks", vec![]),
            "Fn::Length" => match ev(arg).kind {
                Kind::Seq(l) => site.with_kind(Kind::Int(l.len() as i64)),
                _ => site.unknown("Fn::Length of an unknown list", vec![]),
            },
            "Fn::ToJsonString" => {
                let v = ev(arg);
                if v.refs().is_empty() {
                    site.with_kind(Kind::Str(v.to_json().to_string()))
                } else {
                    site.unknown("JSON with references", v.refs())
                }
            }
            "Fn::Transform" => site.unknown("output of a macro", vec![]),
            _ => return None,
        })
    }

    fn reference(&self, site: &Node, target: &str) -> Node {
        if let Some(v) = self.params.get(target) {
            let mut v = v.clone();
            v.line = site.line;
            v.column = site.column;
            v.file = site.file.clone();
            return v;
        }
        match target {
            "AWS::NoValue" => site.with_kind(Kind::NoValue),
            "AWS::Partition" => site.with_kind(Kind::Str("aws".into())),
            "AWS::URLSuffix" => site.with_kind(Kind::Str("amazonaws.com".into())),
            "AWS::Region" => match &self.region {
                Some(r) => site.with_kind(Kind::Str(r.clone())),
                None => site.unknown("the deployment region", vec![]),
            },
            t if t.starts_with("AWS::") => site.unknown(format!("pseudo parameter {t}"), vec![]),
            t if self.resources.contains(t) => site.with_kind(Kind::Ref {
                id: t.to_string(),
                attr: None,
            }),
            t => site.unknown(format!("unresolved reference {t}"), vec![]),
        }
    }

    fn sub(&self, site: &Node, arg: &Node, depth: usize) -> Node {
        let (template, vars) = match &arg.kind {
            Kind::Str(s) => (s.clone(), None),
            Kind::Seq(items) => match items.first().and_then(Node::str) {
                Some(s) => (s.to_string(), items.get(1)),
                None => return site.unknown("Fn::Sub with a non-string template", vec![]),
            },
            _ => return site.unknown("Fn::Sub with a non-string template", vec![]),
        };
        let mut out = String::new();
        let mut refs = Vec::new();
        let mut unknown: Option<String> = None;
        let mut rest = template.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let var = &after[..end];
            rest = &after[end + 1..];
            if let Some(literal) = var.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
                continue;
            }
            let value = match vars.and_then(|v| v.get(var)) {
                Some(v) => self.eval_at(v, depth + 1),
                None => match var.split_once('.') {
                    Some((res, attr)) if self.resources.contains(res) => {
                        site.with_kind(Kind::Ref {
                            id: res.to_string(),
                            attr: Some(attr.to_string()),
                        })
                    }
                    Some((res, _)) if !res.starts_with("AWS") => {
                        site.unknown(format!("attribute of unknown resource {res}"), vec![])
                    }
                    _ => self.reference(site, var),
                },
            };
            match value.scalar_text() {
                Some(t) => out.push_str(&t),
                None => {
                    for r in value.refs() {
                        if !refs.contains(&r) {
                            refs.push(r);
                        }
                    }
                    if unknown.is_none() {
                        unknown = Some(match &value.kind {
                            Kind::Unknown(Unknown { reason, .. }) => reason.clone(),
                            _ => format!("${{{var}}}"),
                        });
                    }
                    out.push_str("${");
                    out.push_str(var);
                    out.push('}');
                }
            }
        }
        out.push_str(rest);
        match unknown {
            None => site.with_kind(Kind::Str(out)),
            Some(reason) => {
                // A string that is exactly one reference stays that reference.
                if refs.len() == 1 && template.trim() == format!("${{{}}}", refs[0]) {
                    return site.with_kind(Kind::Ref {
                        id: refs[0].clone(),
                        attr: None,
                    });
                }
                site.with_kind(Kind::Unknown(Unknown {
                    reason: format!("{out} ({reason})"),
                    refs,
                    partial: None,
                }))
            }
        }
    }
}

fn join(site: &Node, delim: &str, list: &Node) -> Node {
    match &list.kind {
        Kind::Seq(items) => {
            let texts: Option<Vec<String>> = items.iter().map(Node::scalar_text).collect();
            match texts {
                Some(t) => site.with_kind(Kind::Str(t.join(delim))),
                None => site.unknown("Fn::Join with unknown parts", list.refs()),
            }
        }
        _ => site.unknown("Fn::Join of an unknown list", list.refs()),
    }
}

pub fn truth(node: &Node) -> Option<bool> {
    node.as_bool()
}

fn tri_node(site: &Node, v: Option<bool>, what: &str) -> Node {
    match v {
        Some(b) => site.with_kind(Kind::Bool(b)),
        None => site.unknown(format!("depends on {what}"), vec![]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    fn str_node(site: &Node, s: &str) -> Node {
        site.with_kind(Kind::Str(s.to_string()))
    }

    fn ev(params: &[(&str, &str)], conds: &str, expr: &str) -> Node {
        let p = parse(expr, "t.yml").root.unwrap();
        let c = parse(conds, "t.yml").root;
        let params = params
            .iter()
            .map(|(k, v)| (k.to_string(), str_node(&p, v)))
            .collect();
        let res = ["Fn", "Bucket"].iter().map(|s| s.to_string()).collect();
        Evaluator::new(params, res, c.as_ref(), None, None).eval(p.get("v").unwrap())
    }

    #[test]
    fn sub_and_refs() {
        let n = ev(
            &[("Stage", "prod")],
            "{}",
            "v: !Sub 'api-${Stage}-${AWS::Partition}'",
        );
        assert_eq!(n.str(), Some("api-prod-aws"));
        let n = ev(
            &[],
            "{}",
            "v: !Sub 'arn:${AWS::Region}:${Fn.Arn}/invocations'",
        );
        assert!(n.is_unknown());
        assert_eq!(n.refs(), vec!["Fn".to_string()]);
        let n = ev(&[], "{}", "v: !Sub '${Bucket}'");
        assert!(matches!(n.kind, Kind::Ref { .. }));
    }

    #[test]
    fn conditions_are_three_valued() {
        let conds = "IsProd: !Equals [!Ref Stage, prod]\nUnknownC: !Equals [!Ref Nope, x]\nBoth: !And [!Condition IsProd, !Condition UnknownC]\n";
        let n = ev(
            &[("Stage", "prod")],
            conds,
            "v: !If [IsProd, AWS_IAM, NONE]",
        );
        assert_eq!(n.str(), Some("AWS_IAM"));
        let n = ev(&[("Stage", "dev")], conds, "v: !If [IsProd, AWS_IAM, NONE]");
        assert_eq!(n.str(), Some("NONE"));
        let n = ev(&[("Stage", "prod")], conds, "v: !If [Both, a, b]");
        assert!(n.is_unknown());
        let n = ev(&[("Stage", "dev")], conds, "v: !If [Both, a, b]");
        assert_eq!(n.str(), Some("b"), "false AND unknown is false");
    }

    #[test]
    fn join_select_split_novalue() {
        let n = ev(&[], "{}", "v: !Join ['-', [a, b, c]]");
        assert_eq!(n.str(), Some("a-b-c"));
        let n = ev(&[], "{}", "v: !Select [1, !Split [',', 'x,y,z']]");
        assert_eq!(n.str(), Some("y"));
        let n = ev(&[], "{}", "v: {a: 1, b: !Ref AWS::NoValue}");
        assert!(n.get("b").is_none());
    }
}

use crate::managed::{managed_name, managed_policy};
use fnguard_model::{wildcard_match, Effect, Location, Role, Setting, Val};

/// One statement of a role's permissions, from an inline policy or an AWS managed policy.
#[derive(Debug, Clone)]
pub struct Grant {
    pub allow: bool,
    /// Action patterns as written; with `not_action`, the ones excluded.
    pub actions: Vec<String>,
    pub not_action: bool,
    /// Resource patterns; `*` for managed policies. Unknown values are kept as unknown.
    pub resources: Vec<Val<String>>,
    /// The statement's `NotResource` (then `resources` is `*` for the checks that ask whether
    /// a grant reaches everything, and a suggestion must carry the exclusion along).
    pub not_resources: Vec<Val<String>>,
    pub condition_keys: Vec<String>,
    pub location: Location,
    /// The AWS managed policy this statement comes from.
    pub managed: Option<&'static str>,
}

impl Grant {
    pub fn matches_action(&self, action: &str) -> bool {
        let hit = self.actions.iter().any(|p| wildcard_match(p, action));
        if self.not_action {
            !hit
        } else {
            hit
        }
    }

    /// Applies to every resource, or to every resource of a type (`arn:aws:iam::*:role/*`,
    /// `arn:aws:lambda:*:*:function:*`), rather than to named ones.
    pub fn on_any_resource(&self) -> bool {
        self.resources
            .iter()
            .any(|r| r.as_str().is_some_and(is_any_resource))
    }

    pub fn on_star(&self) -> bool {
        self.resources.iter().any(|r| r.as_str() == Some("*"))
    }

    pub fn conditioned_on(&self, keys: &[&str]) -> bool {
        self.condition_keys
            .iter()
            .any(|k| keys.iter().any(|x| k.eq_ignore_ascii_case(x)))
    }
}

/// All statements of a role, with the managed policies fnguard knows expanded.
#[derive(Debug, Clone, Default)]
pub struct RolePolicies {
    pub grants: Vec<Grant>,
    /// The permissions boundary's statements, when the role has one fnguard knows.
    pub boundary: Option<Vec<Grant>>,
    /// The role has a boundary whose document is not known.
    pub boundary_unknown: bool,
    /// Managed policies whose documents are not known (customer managed, or not in the table).
    pub unknown_managed: Vec<(String, Location)>,
}

pub fn effective_permissions(role: &Role) -> RolePolicies {
    let mut out = RolePolicies::default();
    for doc in &role.inline_policies {
        for st in &doc.statements {
            let strings = |v: &[Val<String>]| -> Vec<String> {
                v.iter()
                    .filter_map(|a| a.as_str().map(str::to_string))
                    .collect()
            };
            let not_action = !st.not_actions.is_empty();
            out.grants.push(Grant {
                allow: matches!(st.effect, Val::Known(Effect::Allow)),
                actions: if not_action {
                    strings(&st.not_actions)
                } else {
                    strings(&st.actions)
                },
                not_action,
                resources: if st.resources.is_empty() && !st.not_resources.is_empty() {
                    vec![Val::Known("*".to_string())]
                } else {
                    st.resources.clone()
                },
                not_resources: if st.resources.is_empty() {
                    st.not_resources.clone()
                } else {
                    Vec::new()
                },
                condition_keys: st.conditions.iter().map(|c| c.key.clone()).collect(),
                location: st.location.clone(),
                managed: None,
            });
        }
    }
    for m in &role.managed_policies {
        add_managed(&mut out, m);
    }
    if let Some(b) = &role.permissions_boundary {
        let mut bound = RolePolicies::default();
        add_managed(&mut bound, b);
        if bound.unknown_managed.is_empty() {
            out.boundary = Some(bound.grants);
        } else {
            out.boundary_unknown = true;
        }
    }
    out
}

fn add_managed(out: &mut RolePolicies, m: &Setting<String>) {
    let Some(arn) = m.value.as_str() else {
        out.unknown_managed.push((
            m.value
                .unresolved()
                .map(|u| u.reason.clone())
                .unwrap_or_default(),
            m.location.clone(),
        ));
        return;
    };
    match managed_policy(arn) {
        Some(p) => {
            for st in &p.statements {
                let resources: Vec<Val<String>> = if st.resources.is_empty() {
                    // `NotResource` alone: everything but those.
                    vec![Val::Known("*".into())]
                } else {
                    st.resources.iter().cloned().map(Val::Known).collect()
                };
                out.grants.push(Grant {
                    allow: st.allow,
                    actions: st.actions.clone(),
                    not_action: st.not_action,
                    resources,
                    not_resources: st.not_resources.iter().cloned().map(Val::Known).collect(),
                    condition_keys: st.condition_keys.clone(),
                    location: m.location.clone(),
                    managed: Some(p.name.as_str()),
                });
            }
        }
        None => out.unknown_managed.push((
            managed_name(arn).unwrap_or(arn).to_string(),
            m.location.clone(),
        )),
    }
}

impl RolePolicies {
    /// Whether the permissions boundary (if any, and known) lets `action` through.
    pub fn boundary_allows(&self, action: &str) -> bool {
        match &self.boundary {
            None => true,
            Some(b) => b.iter().any(|g| g.allow && g.matches_action(action)),
        }
    }

    /// A known boundary that does not grant everything caps the role below administrator.
    pub fn boundary_caps_admin(&self) -> bool {
        self.boundary.as_ref().is_some_and(|b| {
            !b.iter().any(|g| {
                g.allow && g.on_star() && (g.not_action || g.actions.iter().any(|a| a == "*"))
            })
        })
    }

    /// An unconditional Deny on every resource takes `action` away whatever allows it.
    pub fn denied(&self, action: &str) -> bool {
        self.grants.iter().any(|g| {
            !g.allow && g.matches_action(action) && g.on_star() && g.condition_keys.is_empty()
        })
    }

    /// The statement that allows `action` on any resource without a scoping condition, unless
    /// an unconditional Deny on any resource takes it away.
    pub fn allows_broadly(&self, action: &str, scoping_keys: &[&str]) -> Option<&Grant> {
        let denied = self.grants.iter().any(|g| {
            !g.allow && g.matches_action(action) && g.on_star() && g.condition_keys.is_empty()
        });
        if denied {
            return None;
        }
        self.grants.iter().find(|g| {
            g.allow
                && g.matches_action(action)
                && g.on_any_resource()
                && !g.conditioned_on(scoping_keys)
        })
    }
}

/// Resource-type names that, followed by `/*` or `:*`, mean "all of that type".
const TYPE_WORDS: &[&str] = &[
    "role",
    "user",
    "group",
    "policy",
    "function",
    "instance-profile",
    "table",
    "key",
    "secret",
    "parameter",
    "layer",
    "stack",
    "project",
    "task-definition",
    "cluster",
    "notebook-instance",
    "devendpoint",
    "pipeline",
    "stateMachine",
    "instance",
    "topic",
    "queue",
];

/// `*`, or every resource of a type (`arn:aws:s3:::*`, `arn:aws:iam::*:role/*`).
pub fn is_any_resource(s: &str) -> bool {
    if s == "*" {
        return true;
    }
    let Some(rest) = s.splitn(6, ':').nth(5) else {
        return false;
    };
    if rest == "*" {
        return true;
    }
    let Some(base) = rest.strip_suffix('*') else {
        return false;
    };
    let ty = base.trim_end_matches(['/', ':']);
    base.len() > ty.len() && TYPE_WORDS.iter().any(|w| w.eq_ignore_ascii_case(ty))
}

#[cfg(test)]
mod tests {
    use super::is_any_resource;

    #[test]
    fn any_resource_patterns() {
        for s in [
            "*",
            "arn:aws:iam::*:role/*",
            "arn:aws:lambda:*:*:function:*",
            "arn:aws:s3:::*",
        ] {
            assert!(is_any_resource(s), "{s}");
        }
        for s in [
            "arn:aws:s3:::my-bucket/*",
            "arn:aws:iam::123456789012:role/app",
            "arn:aws:iam::1:role/app-*",
        ] {
            assert!(!is_any_resource(s), "{s}");
        }
    }
}

use super::super::impl_rule;
use crate::secrets::{is_file_path, is_placeholder_or_pointer, is_secret_name};
use crate::Context;
use fnguard_model::{Applicability, Change, Finding};

declare_rule! {
    /// ## What it does
    /// Finds template parameters (CloudFormation `Parameters`, Terraform `variable` blocks) whose
    /// names say they hold a secret (`DbPassword`, `ApiToken`, ...) and that lack `NoEcho: true`
    /// (`sensitive = true` in Terraform), or that carry a literal secret as their default. Parameters of SSM types (`AWS::SSM::Parameter::Value<...>`) are references and
    /// are not reported, nor are parameters whose default is a file path (they hold where the
    /// secret is) or whose names are about a secret's settings (`passwordPolicyCharacters`,
    /// `GenerateSecret`, `RefreshTokenValidity`, `SecretJSONKey`).
    ///
    /// ## Why is this bad?
    /// Without `NoEcho`, CloudFormation shows the value in the console, in `DescribeStacks`
    /// and in events; a default puts the secret in the repository.
    ///
    /// ## Example
    /// ```yaml
    /// Parameters:
    ///   DbPassword:
    ///     Type: String
    /// ```
    ///
    /// ## Fix
    /// Prefer a dynamic reference (`{{resolve:secretsmanager:...}}`); otherwise set
    /// `NoEcho: true` and never give a default.
    ///
    /// `fnguard fix` sets `NoEcho: true` (safe); when the parameter has a literal default,
    /// `--unsafe-fixes` also removes it, so the value must be passed at deploy time.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html#parameters-section-structure-properties>
    pub struct PlaintextSecretParameter {
        id: "FG611",
        name: "plaintext-secret-parameter",
        severity: Medium,
        practice: 6,
        opt_in: false,
    }
}

impl_rule!(PlaintextSecretParameter, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for p in &cx.project.parameters {
        // SSM-typed parameters are references; numbers and booleans are not credentials.
        let non_secret_type = p.type_name.starts_with("AWS::SSM::")
            || p.type_name == "Number"
            || p.type_name.ends_with(": number")
            || p.type_name.ends_with(": bool");
        // `ssh_private_key = "~/.ssh/id_rsa"`: the parameter holds where the secret is.
        let holds_a_path = p.default.as_deref().is_some_and(is_file_path);
        if !is_secret_name(&p.name) || non_secret_type || holds_a_path {
            continue;
        }
        let literal_default = p
            .default
            .as_deref()
            .filter(|d| !is_placeholder_or_pointer(d));
        let terraform = p.type_name.starts_with("terraform variable");
        let (what, flag) = if terraform {
            ("variable", "sensitive")
        } else {
            ("parameter", "NoEcho")
        };
        let message = match (p.no_echo, literal_default) {
            (_, Some(_)) => format!("{what} `{}` has a secret as its default value", p.name),
            (false, None) => format!(
                "{what} `{}` holds a secret but is not marked {flag}",
                p.name
            ),
            (true, None) => continue,
        };
        // Hiding the value changes nothing at deploy time; dropping a default means the value
        // must then be passed with every deployment.
        let (applicability, title) = match (literal_default, terraform) {
            (None, false) => (Applicability::Safe, "set `NoEcho: true` on the parameter"),
            (None, true) => (Applicability::Safe, "mark the variable `sensitive = true`"),
            (Some(_), false) => (
                Applicability::Unsafe,
                "set `NoEcho: true` and remove the default (pass the value at deploy time, ideally from a secret store)",
            ),
            (Some(_), true) => (
                Applicability::Unsafe,
                "mark the variable `sensitive = true` and remove the default (pass the value at apply time, ideally from a secret store)",
            ),
        };
        cx.finding(&PlaintextSecretParameter::META, p.location.clone(), message)
            .key(&p.name)
            .autofix(
                applicability,
                title,
                &p.location.file,
                Change::NoEcho {
                    parameter: p.name.clone(),
                    remove_default: literal_default.is_some(),
                },
            )
            .fix(if terraform {
                "Mark the variable `sensitive = true`, remove the default, and pass the value from a secret store (or read it with a data source)."
            } else {
                "Use a dynamic reference ({{resolve:secretsmanager:...}}) instead, or set NoEcho: true and remove the default."
            })
            .emit(out);
    }
}

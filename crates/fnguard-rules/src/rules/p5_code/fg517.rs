use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports event data used as the template of a server-side template engine: Flask `render_template_string`, `jinja2.Template`, `Environment.from_string`, Mako and Tornado templates in Python; nunjucks, EJS, Pug, Handlebars, lodash and doT templates compiled from a string in JavaScript.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// Template languages run expressions: whoever writes the template reads configuration and secrets, and in Jinja2 or EJS runs code with the function's permissions (server-side template injection).
    ///
    /// ## Example
    /// ```python
    /// @app.route('/hello')
    /// def hello():
    ///     return render_template_string('Hello ' + request.args['name'])
    /// ```
    ///
    /// ## Fix
    /// Keep templates constant (files or literals) and pass event data as variables: `render_template_string('Hello {{ name }}', name=...)`, `nunjucks.renderString(TEMPLATE, { name })`.
    ///
    /// ## References
    /// - <https://portswigger.net/web-security/server-side-template-injection>
    /// - <https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/07-Input_Validation_Testing/18-Testing_for_Server-side_Template_Injection>
    pub struct TemplateInjection {
        id: "FG517",
        name: "template-injection",
        severity: Critical,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(TemplateInjection, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &TemplateInjection::META,
        "Pass event data to a constant template as a variable; never build the template from it.",
        out,
    );
}

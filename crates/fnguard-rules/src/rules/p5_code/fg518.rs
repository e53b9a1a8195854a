use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports event data written into an HTML page without escaping: the text a Flask route
    /// returns (Flask serves it as `text/html`), `make_response`/`Response` bodies without a
    /// non-HTML mimetype, Django `HttpResponse`, FastAPI `HTMLResponse`, `Markup(...)`, Express
    /// `res.send`/`res.write`/`res.end`, and a Lambda proxy response whose `Content-Type` is HTML.
    /// Values passed through an HTML escaper (`html.escape`, `markupsafe.escape`, a function of the
    /// code base named as one, such as `escape_for_html`), rendered by an autoescaping template
    /// (`render_template`) or returned as JSON are not reported.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// The attacker's script runs in the victim's browser with the application's origin: it reads
    /// the session, acts as the user and shows them forged pages. A link or a form on another site
    /// is enough to deliver it.
    ///
    /// ## Example
    /// ```python
    /// @app.route('/hello')
    /// def hello():
    ///     return f"<p>Hello {request.args['name']}</p>"
    /// ```
    ///
    /// ## Fix
    /// Escape every value placed in HTML (`markupsafe.escape`, `html.escape`), or render with an
    /// autoescaping template; return JSON with its content type when the client is not a browser
    /// page.
    ///
    /// ## References
    /// - <https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html>
    pub struct ReflectedXss {
        id: "FG518",
        name: "reflected-xss",
        severity: High,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(ReflectedXss, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &ReflectedXss::META,
        "Escape the value (`markupsafe.escape`, `html.escape`) or render it with an autoescaping template.",
        out,
    );
}

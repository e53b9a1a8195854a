//! The HTML report: one self-contained file (no network), attack paths first, findings by
//! function with source excerpts, the application graph (pan, zoom, click for findings and
//! permissions), the denial-of-wallet table, light and dark themes.

const TEMPLATE: &str = include_str!("../assets/report.html");

/// `data` is the page's payload: `tool_version`, `functions` (count), `findings` (each with an
/// optional `excerpt`), `graph` {nodes, edges}, `wallet` (entry points).
pub fn render_html(data: &impl serde::Serialize) -> String {
    // `</script>` inside the JSON would end the data block: escape every `</`.
    let json = serde_json::to_string(data)
        .unwrap_or_else(|_| "{}".to_string())
        .replace("</", "<\\/");
    TEMPLATE.replace("__FNGUARD_DATA__", &json)
}

//! The part of an EventBridge event pattern the flow analysis needs: which `source` values a
//! rule matches, so that events an application puts on a bus reach only the rules that match
//! them.

use crate::node::Node;

/// The literal `source` values of a pattern (a map, or a JSON string as Terraform and some
/// templates write it). `None` when the pattern does not constrain the source, or constrains it
/// with something other than literals (prefix, anything-but, a value not known before deploy):
/// such a rule may match any source.
pub(crate) fn pattern_sources(pattern: Option<&Node>) -> Option<Vec<String>> {
    literal_sources(pattern?).filter(|s| !s.is_empty())
}

fn literal_sources(pattern: &Node) -> Option<Vec<String>> {
    if let Some(text) = pattern.str() {
        let json: serde_json::Value = serde_json::from_str(text).ok()?;
        let list = json.get("source")?.as_array()?;
        return list
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect();
    }
    let source = pattern.get("source")?;
    let items = source.one_or_many();
    items.iter().map(|v| v.str().map(str::to_string)).collect()
}

#[cfg(test)]
mod tests {
    use super::pattern_sources;
    use crate::yaml::parse;

    fn sources(yaml: &str) -> Option<Vec<String>> {
        let doc = parse(yaml, "t.yaml").root.expect("document");
        pattern_sources(doc.get("p"))
    }

    #[test]
    fn literal_sources_are_read_from_maps_and_json_text() {
        assert_eq!(
            sources("p: {source: [shop.orders, aws.s3]}"),
            Some(vec!["shop.orders".into(), "aws.s3".into()])
        );
        assert_eq!(
            sources("p: {source: shop.orders}"),
            Some(vec!["shop.orders".into()])
        );
        assert_eq!(
            sources(r#"p: '{"source": ["shop.orders"], "detail-type": ["x"]}'"#),
            Some(vec!["shop.orders".into()])
        );
    }

    #[test]
    fn a_pattern_that_does_not_pin_the_source_to_literals_may_match_any() {
        assert_eq!(sources("p: {detail-type: [created]}"), None);
        assert_eq!(sources("p: {source: [{prefix: shop.}]}"), None);
        assert_eq!(sources("p: {source: []}"), None);
        assert_eq!(sources("p: 'not json'"), None);
        assert_eq!(sources("q: 1"), None);
    }
}

//! Template parts kept in other local files: `Fn::Transform: {Name: AWS::Include, Parameters:
//! {Location: ./api.yaml}}`, SAM's `DefinitionUri: ./api.yaml` and `BodyS3Location: ./api.yaml`
//! (which `sam deploy` and `aws cloudformation package` upload). They are read in place, so
//! routes and their authorization defined there are seen; remote locations stay unknown.

use crate::node::{Key, Kind, Node};
use crate::{yaml, Diagnostic, LoadContext};
use std::path::Path;

/// Includes inside included files are followed this deep.
const MAX_INCLUDE_DEPTH: usize = 4;

/// Returns the template with local includes replaced by the documents they name.
pub(crate) fn expand(ctx: &LoadContext, root: &Node, diagnostics: &mut Vec<Diagnostic>) -> Node {
    let mut state = State {
        ctx,
        diagnostics,
        budget: 64,
    };
    state.walk(root, ctx.dir(), 0, 0)
}

struct State<'a, 'b> {
    ctx: &'a LoadContext,
    diagnostics: &'b mut Vec<Diagnostic>,
    /// Files that may still be read for one template.
    budget: usize,
}

impl State<'_, '_> {
    fn walk(&mut self, n: &Node, dir: &Path, depth: usize, includes: usize) -> Node {
        if depth > yaml::MAX_DEPTH {
            return n.clone();
        }
        match &n.kind {
            Kind::Map(entries) => {
                if entries.len() == 1 && entries[0].0.name == "Fn::Transform" {
                    if let Some(included) = self.include(&entries[0].1, dir, depth, includes) {
                        return included;
                    }
                }
                let mut out: Vec<(Key, Node)> = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    // `DefinitionUri`/`BodyS3Location` as a local path: the body itself.
                    if matches!(k.name.as_str(), "DefinitionUri" | "BodyS3Location")
                        && !entries
                            .iter()
                            .any(|(o, _)| o.name == "DefinitionBody" || o.name == "Body")
                    {
                        if let Some(body) = v.str().and_then(|p| self.read(p, dir, v, includes)) {
                            let name = if k.name == "DefinitionUri" {
                                "DefinitionBody"
                            } else {
                                "Body"
                            };
                            out.push((
                                Key {
                                    name: name.to_string(),
                                    line: k.line,
                                    column: k.column,
                                },
                                body,
                            ));
                            continue;
                        }
                    }
                    out.push((k.clone(), self.walk(v, dir, depth + 1, includes)));
                }
                n.with_kind(Kind::Map(out))
            }
            Kind::Seq(items) => n.with_kind(Kind::Seq(
                items
                    .iter()
                    .map(|i| self.walk(i, dir, depth + 1, includes))
                    .collect(),
            )),
            _ => n.clone(),
        }
    }

    /// `{Name: AWS::Include, Parameters: {Location: ./x.yaml}}`
    fn include(&mut self, spec: &Node, dir: &Path, depth: usize, includes: usize) -> Option<Node> {
        if spec.get("Name").and_then(Node::str) != Some("AWS::Include") {
            return None;
        }
        let location = spec.path(&["Parameters", "Location"])?;
        let path = location.str()?;
        let doc = self.read(path, dir, location, includes)?;
        let _ = depth;
        Some(doc)
    }

    /// Reads a local document (nothing for S3 or HTTP locations), with its own includes.
    fn read(&mut self, path: &str, dir: &Path, site: &Node, includes: usize) -> Option<Node> {
        if path.contains("://") || path.starts_with("s3:") || path.contains("${") {
            return None;
        }
        if includes >= MAX_INCLUDE_DEPTH || self.budget == 0 {
            self.diagnostics.push(Diagnostic::warning(
                &site.file,
                Some(site.line),
                format!("`{path}` is included too deeply or too often; not read"),
            ));
            return None;
        }
        self.budget -= 1;
        let full = dir.join(path);
        let (Ok(canonical), Ok(root)) = (full.canonicalize(), self.ctx.root.canonicalize()) else {
            self.diagnostics.push(Diagnostic::warning(
                &site.file,
                Some(site.line),
                format!(
                    "`{path}` does not exist; what it defines (routes, authorizers) is unknown"
                ),
            ));
            return None;
        };
        if !canonical.starts_with(&root) {
            self.diagnostics.push(Diagnostic::warning(
                &site.file,
                Some(site.line),
                format!("`{path}` is outside the scanned directory; not read"),
            ));
            return None;
        }
        let rel = self.ctx.relative(&full);
        let text = match crate::read_text(&full, &rel, self.ctx.options.max_bytes()) {
            Ok(t) => t,
            Err(d) => {
                self.diagnostics.push(d);
                return None;
            }
        };
        let parsed = yaml::parse(&text, &rel);
        self.diagnostics.extend(parsed.diagnostics);
        let doc = parsed.root?;
        let child_dir = full.parent().unwrap_or(dir).to_path_buf();
        Some(self.walk(&doc, &child_dir, 0, includes + 1))
    }
}

#[cfg(test)]
mod tests {
    use crate::{load, Candidate, DescriptorKind, LoadOptions};

    #[test]
    fn local_includes_and_definition_uris_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let write = |p: &str, t: &str| {
            let f = dir.path().join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, t).unwrap();
        };
        write(
            "template.yaml",
            r#"Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        Fn::Transform:
          Name: AWS::Include
          Parameters:
            Location: ./api/openapi.yaml
  Other:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionUri: api/other.yaml
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
"#,
        );
        let route = |path: &str| {
            format!(
                "openapi: 3.0.1\npaths:\n  {path}:\n    get:\n      x-amazon-apigateway-integration:\n        type: aws_proxy\n        httpMethod: POST\n        uri:\n          Fn::Sub: arn:aws:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{Fn.Arn}}/invocations\n"
            )
        };
        write("api/openapi.yaml", &route("/included"));
        write("api/other.yaml", &route("/uri"));
        write("src/app.py", "def handler(e, c):\n    return 1\n");
        let c = Candidate {
            path: dir.path().join("template.yaml"),
            kind: DescriptorKind::Sam,
        };
        let loaded = load(dir.path(), &c, &LoadOptions::default());
        let p = loaded.project.unwrap();
        let paths: Vec<String> = p.functions[0]
            .triggers
            .iter()
            .filter_map(|t| match &t.kind {
                fnguard_model::TriggerKind::Api { path, .. } => Some(path.clone()),
                _ => None,
            })
            .collect();
        assert!(
            paths.contains(&"/included".to_string()),
            "{paths:?} {:?}",
            loaded.diagnostics
        );
        assert!(paths.contains(&"/uri".to_string()), "{paths:?}");
    }

    #[test]
    fn nested_templates_under_build_outputs_are_read_from_their_source() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("child")).unwrap();
        std::fs::write(
            dir.path().join("template.yaml"),
            "Transform: AWS::Serverless-2016-10-31\nResources:\n  Child:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: .aws-sam/build/child/template.yaml\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("child/template.yaml"),
            "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n      InlineCode: x\n",
        )
        .unwrap();
        let c = Candidate {
            path: dir.path().join("template.yaml"),
            kind: DescriptorKind::Sam,
        };
        let loaded = load(dir.path(), &c, &LoadOptions::default());
        assert_eq!(loaded.nested.len(), 1, "{:?}", loaded.diagnostics);
        assert!(loaded.diagnostics.iter().any(|d| d
            .message
            .contains("its source child/template.yaml was read")));
    }
}

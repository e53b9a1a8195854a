use super::super::impl_rule;
use crate::Context;
use fnguard_model::{ApiKind, Finding, TriggerKind};

declare_rule! {
    /// ## What it does
    /// Finds REST API routes that accept a body (`POST`, `PUT`, `PATCH`, `ANY`) with no request
    /// validator or model (SAM `RequestModel`, serverless `request.schemas`,
    /// `RequestValidatorId`/`RequestModels`, `x-amazon-apigateway-request-validator`).
    ///
    /// ## Why is this bad?
    /// Without validation at the edge, every malformed or oversized body reaches the handler,
    /// which then has to defend itself against shapes it never expected.
    ///
    /// ## Example
    /// ```yaml
    /// events:
    ///   - http:
    ///       path: orders
    ///       method: post
    /// ```
    ///
    /// ## Fix
    /// Declare a JSON schema for the body (`request: {schemas: {application/json: ...}}` in
    /// serverless, `RequestModel: {Model: ..., Required: true}` in SAM).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html>
    pub struct BodyWithoutValidation {
        id: "FG204",
        name: "body-without-validation",
        severity: Low,
        practice: 2,
        opt_in: true,
    }
}

impl_rule!(BodyWithoutValidation, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for f in &cx.project.functions {
        for t in &f.triggers {
            let TriggerKind::Api {
                api,
                method,
                path,
                validated: Some(false),
                ..
            } = &t.kind
            else {
                continue;
            };
            if !matches!(method.as_str(), "POST" | "PUT" | "PATCH" | "ANY") {
                continue;
            }
            if cx.index.api(api).is_some_and(|a| a.kind != ApiKind::Rest) {
                continue;
            }
            cx.finding(
                &BodyWithoutValidation::META,
                t.location.clone(),
                format!(
                    "{method} {path} passes request bodies to `{}` without validating them",
                    f.id
                ),
            )
            .function(&f.id)
            .resource(api)
            .key(format!("{api} {method} {path}"))
            .fix("Attach a request model (JSON schema) and a body validator to the route.")
            .emit(out);
        }
    }
}

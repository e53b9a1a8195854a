//! Handler code analysis: find each function's handler file and the AWS SDK calls it (and the
//! local modules it imports) makes, as IAM actions. Python (boto3 clients, resources, DynamoDB
//! tables, paginators) and JavaScript/TypeScript (AWS SDK v3 commands and aggregated clients,
//! `lib-dynamodb`, SDK v2 clients and `DocumentClient`).

mod handler;
mod javascript;

mod mapping;
mod python;

pub use handler::{analyze_function, Language};
pub use mapping::{action_for, service_prefix};

//! fnguard's application model: what a serverless application looks like once deployed,
//! independent of the descriptor format it was written in. No I/O happens here.

mod app;
mod deps;
mod finding;
mod index;
mod location;
mod policy;
pub mod secrets;
mod value;

pub use app::*;
pub use deps::*;
pub use finding::*;
pub use index::ProjectIndex;
pub use location::*;
pub use policy::*;
pub use value::*;

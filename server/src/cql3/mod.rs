//! CQL execution. For now only the interface the transport calls
//! ([`QueryProcessor`]); the language itself arrives with the CQL issue.

pub mod ast;
mod error;
pub mod lexer;
pub mod parser;
mod query_processor;
pub mod rows;
pub mod writes;

pub use error::{CqlError, CqlResult};

pub use query_processor::{
    ClientState, NotImplementedProcessor, ProcessorResponse, QueryProcessor, RequestContext,
};

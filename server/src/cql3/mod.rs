//! CQL execution: the lexer and parser (`ast`, `lexer`, `parser`), values and
//! functions (`values`, `functions`), prepared statements (`statements`), the
//! row codec between CQL and storage (`rows`, `writes`), and the per-shard
//! [`processor::CqlProcessor`] behind the transport's [`QueryProcessor`].

pub mod ast;
pub mod describe;
mod error;
pub mod functions;
pub mod lexer;
pub mod parser;
pub mod processor;
mod query_processor;
pub mod rows;
pub mod statements;
pub mod trace;
pub mod values;
pub mod virtual_tables;
pub mod writes;

pub use error::{CqlError, CqlResult};

pub use query_processor::{
    ClientState, NotImplementedProcessor, ProcessorResponse, QueryProcessor, RequestContext,
};

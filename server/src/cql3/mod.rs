//! CQL execution. For now only the interface the transport calls
//! ([`QueryProcessor`]); the language itself arrives with the CQL issue.

mod query_processor;

pub use query_processor::{
    ClientState, NotImplementedProcessor, ProcessorResponse, QueryProcessor, RequestContext,
};

//! The shard runtime: one pinned glommio executor per core, each owning its
//! slice of the token ring, and the message mesh between them.
//!
//! Nothing mutable crosses a shard boundary except through [`mesh`]; inside a
//! shard, state lives in `Rc`/`RefCell` and is never locked.

pub mod mesh;
mod notify;
mod oneshot;
pub mod runtime;

pub use mesh::{Mesh, MeshEndpoint, ShardMesh, ShardUnavailable};
pub use notify::Notify;
pub use runtime::{ShardSpec, StopSignal};

/// Index of a shard within this node, `0..nr_shards`.
pub type ShardId = usize;

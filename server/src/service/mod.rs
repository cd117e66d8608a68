//! A shard's services: its storage, its view of the schema, node identity,
//! and the routing of reads and writes to the shard that owns the data.
//!
//! One `ShardServices` per shard, reachable from mesh jobs as the shard's
//! context. Shard 0 additionally owns the system engine (node-local tables)
//! and is the only shard that changes the schema.

pub mod locks;
mod node_info;
pub mod proxy;
pub mod startup;

pub use node_info::{NodeInfo, RELEASE_VERSION};

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use sibyl_protocol::response::Event;

use crate::cql3::{CqlError, CqlResult};
use crate::dht::Sharder;
use crate::replica::{Replica, StorageSettings};
use crate::schema::Schema;
use crate::shard::{ShardId, ShardMesh};
use crate::transport::EventRegistry;

pub struct ShardServices {
    pub shard: ShardId,
    pub sharder: Sharder,
    pub mesh: Rc<ShardMesh>,
    pub node: Arc<NodeInfo>,
    pub settings: StorageSettings,
    /// User tables owned by this shard's token ranges.
    pub data: Replica,
    /// Node-local system tables; shard 0 only.
    pub system: Option<Replica>,
    schema: RefCell<Arc<Schema>>,
    pub events: Rc<EventRegistry>,
    /// Serializes schema changes on shard 0.
    pub schema_lock: glommio::sync::Semaphore,
    /// Last timestamp handed to a schema change, to keep them increasing.
    pub last_schema_timestamp_us: Cell<i64>,
    /// Serializes LWT and counter updates per partition on this shard.
    pub partition_locks: locks::PartitionLocks,
    /// This shard's secondary and vector indexes.
    pub indexes: crate::index::IndexManager,
}

impl std::fmt::Debug for ShardServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShardServices")
            .field("shard", &self.shard)
            .finish_non_exhaustive()
    }
}

impl ShardServices {
    #[expect(clippy::too_many_arguments, reason = "built once per shard at startup")]
    pub fn new(
        shard: ShardId,
        sharder: Sharder,
        mesh: Rc<ShardMesh>,
        node: Arc<NodeInfo>,
        settings: StorageSettings,
        data: Replica,
        system: Option<Replica>,
        schema: Arc<Schema>,
        events: Rc<EventRegistry>,
    ) -> Rc<Self> {
        let services = Rc::new(Self {
            shard,
            sharder,
            mesh,
            node,
            settings,
            data,
            system,
            schema: RefCell::new(schema),
            events,
            schema_lock: glommio::sync::Semaphore::new(1),
            last_schema_timestamp_us: Cell::new(0),
            partition_locks: locks::PartitionLocks::default(),
            indexes: crate::index::IndexManager::default(),
        });
        services.mesh.set_context(&services);
        services
    }

    /// The schema as of now; hold the `Arc` for the whole statement.
    pub fn schema(&self) -> Arc<Schema> {
        self.schema.borrow().clone()
    }

    /// Recovers the services from a mesh job's context.
    pub fn from_context(context: Rc<dyn Any>) -> CqlResult<Rc<ShardServices>> {
        context
            .downcast::<ShardServices>()
            .map_err(|_| CqlError::server("shard services are not running"))
    }

    /// Installs a new schema on this shard: creates storage for new tables,
    /// drops storage of removed ones, then publishes `event` to this shard's
    /// registered connections.
    pub async fn install_schema(&self, schema: Arc<Schema>, event: Option<Event>) -> CqlResult<()> {
        for table in schema.tables() {
            if table.is_virtual {
                continue;
            }
            let local = schema
                .keyspace(&table.keyspace)
                .is_some_and(|ks| ks.replication.is_local());
            if local {
                if let Some(system) = &self.system {
                    system.ensure_table(table.storage_schema()).await?;
                }
            } else {
                self.data.ensure_table(table.storage_schema()).await?;
            }
        }
        let live: std::collections::HashSet<u64> = schema.tables().map(|t| t.storage_id).collect();
        for id in self.data.table_ids() {
            if !live.contains(&id) {
                self.data.drop_table(id).await?;
            }
        }
        self.indexes.sync(&self.data, &schema).await?;
        *self.schema.borrow_mut() = schema;
        if let Some(event) = event {
            self.events.publish(&event);
        }
        Ok(())
    }

    /// Applies a mutation of a user table owned by this shard and updates the
    /// table's secondary indexes: the one write path of the owning shard.
    pub async fn write(&self, mutation: &sibyl_storage::mutation::Mutation) -> CqlResult<()> {
        self.data.apply(mutation).await?;
        self.indexes.on_write(&self.schema(), mutation);
        Ok(())
    }

    /// [`ShardServices::write`] of a mutation the caller gives away: without
    /// indexes to feed, its rows move into the memtable instead of being copied.
    pub async fn write_owned(&self, mutation: sibyl_storage::mutation::Mutation) -> CqlResult<()> {
        if self.indexes.covers_table(mutation.table_id) {
            // Boxed to keep the common path's future small.
            return Box::pin(self.write(&mutation)).await;
        }
        self.data.apply_owned(mutation).await
    }

    /// This shard's counter origin: the node's host id with the shard mixed in.
    pub fn counter_origin(&self) -> u128 {
        u128::from_be_bytes(self.node.host_id) ^ self.shard as u128
    }

    /// Current time in microseconds, for default write timestamps.
    pub fn now_us() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64)
    }
}

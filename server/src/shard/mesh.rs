//! Cross-shard messaging: a bounded flume channel per ordered pair of shards,
//! drained in batches by one poller task per shard.
//!
//! Why polled: a glommio channel round trip between cores costs 15-40 µs in
//! park/wake, while `try_send`/`try_recv` from a running task costs ~0.4 µs
//! (DESIGN.md §2). Senders therefore only enqueue and ring the target's
//! doorbell (a bounded(1) channel, so ringing a rung bell is free); the
//! target's poller drains every inbound queue in batches and parks on the
//! doorbell only when all are empty. A busy shard never pays a wake-up.
//!
//! Replies travel back the same way and complete a shard-local oneshot, so the
//! calling task is woken locally.
//!
//! Bounds: each pair queue holds `capacity` messages; a full queue makes the
//! sender wait (backpressure). The poller never waits on a send, so two
//! shards calling each other cannot deadlock.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};

use ahash::AHashMap;

use super::ShardId;
use super::oneshot;

type Reply = Box<dyn Any + Send>;
type LocalJob = Pin<Box<dyn Future<Output = Reply>>>;
/// A job gets the target shard's context (see [`ShardMesh::set_context`]).
type Job = Box<dyn FnOnce(Rc<dyn Any>) -> LocalJob + Send>;

enum Envelope {
    Call {
        from: ShardId,
        call_id: u64,
        job: Job,
    },
    Reply {
        call_id: u64,
        value: Reply,
    },
}

/// Messages drained per inbound queue before looking at the next one.
const DRAIN_BATCH: usize = 128;

/// The whole mesh, built once before the shards start.
#[derive(Debug)]
pub struct Mesh;

impl Mesh {
    /// One endpoint per shard; move each into its shard's thread.
    pub fn build(nr_shards: usize, capacity: usize) -> Vec<MeshEndpoint> {
        let mut senders: Vec<Vec<flume::Sender<Envelope>>> =
            (0..nr_shards).map(|_| Vec::new()).collect();
        let mut receivers: Vec<Vec<flume::Receiver<Envelope>>> =
            (0..nr_shards).map(|_| Vec::new()).collect();
        // senders[from][to] pairs with receivers[to][from].
        for from_senders in senders.iter_mut() {
            for to_receivers in receivers.iter_mut() {
                let (tx, rx) = flume::bounded(capacity);
                from_senders.push(tx);
                to_receivers.push(rx);
            }
        }
        let doorbells: Vec<(flume::Sender<()>, flume::Receiver<()>)> =
            (0..nr_shards).map(|_| flume::bounded(1)).collect();
        let bell_senders: Vec<flume::Sender<()>> =
            doorbells.iter().map(|(tx, _)| tx.clone()).collect();
        senders
            .into_iter()
            .zip(receivers)
            .zip(doorbells)
            .enumerate()
            .map(|(id, ((senders, receivers), (_, doorbell)))| MeshEndpoint {
                id,
                senders,
                receivers,
                doorbell,
                bells: bell_senders.clone(),
            })
            .collect()
    }
}

/// One shard's ends of the mesh, still `Send` so it can move to its thread.
pub struct MeshEndpoint {
    id: ShardId,
    senders: Vec<flume::Sender<Envelope>>,
    receivers: Vec<flume::Receiver<Envelope>>,
    doorbell: flume::Receiver<()>,
    bells: Vec<flume::Sender<()>>,
}

impl std::fmt::Debug for MeshEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeshEndpoint")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Counters of one shard's mesh traffic.
#[derive(Debug, Default)]
pub struct MeshStats {
    pub calls_sent: Cell<u64>,
    pub calls_received: Cell<u64>,
    pub polls_with_messages: Cell<u64>,
    pub parks: Cell<u64>,
}

/// A shard's view of the mesh. Lives on one shard only.
pub struct ShardMesh {
    id: ShardId,
    senders: Vec<flume::Sender<Envelope>>,
    receivers: Vec<flume::Receiver<Envelope>>,
    doorbell: flume::Receiver<()>,
    bells: Vec<flume::Sender<()>>,
    pending: RefCell<AHashMap<u64, oneshot::Sender<Reply>>>,
    next_call_id: Cell<u64>,
    /// The shard's services, held weakly: they own the mesh, not the reverse.
    context: RefCell<Option<Weak<dyn Any>>>,
    stopped: Cell<bool>,
    pub stats: MeshStats,
}

impl std::fmt::Debug for ShardMesh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShardMesh")
            .field("id", &self.id)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// The target shard is gone (shutting down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("shard {0} is not accepting messages")]
pub struct ShardUnavailable(pub ShardId);

impl ShardMesh {
    pub fn new(endpoint: MeshEndpoint) -> Rc<Self> {
        Rc::new(Self {
            id: endpoint.id,
            senders: endpoint.senders,
            receivers: endpoint.receivers,
            doorbell: endpoint.doorbell,
            bells: endpoint.bells,
            pending: RefCell::new(AHashMap::new()),
            next_call_id: Cell::new(0),
            context: RefCell::new(None),
            stopped: Cell::new(false),
            stats: MeshStats::default(),
        })
    }

    pub fn id(&self) -> ShardId {
        self.id
    }

    pub fn nr_shards(&self) -> usize {
        self.senders.len()
    }

    /// Sets what every job run on this shard receives (the shard's services).
    pub fn set_context<C: Any>(&self, context: &Rc<C>) {
        let weak: Weak<dyn Any> = Rc::downgrade(context) as Weak<dyn Any>;
        *self.context.borrow_mut() = Some(weak);
    }

    fn context(&self) -> Rc<dyn Any> {
        self.context
            .borrow()
            .as_ref()
            .and_then(Weak::upgrade)
            .unwrap_or_else(|| Rc::new(()) as Rc<dyn Any>)
    }

    /// Runs `job` on shard `target` and returns its result here. The job's
    /// future may be `!Send`: it is built and polled on the target only. It
    /// receives the target's context; a job that needs none ignores it.
    pub async fn call<R, F, Fut>(&self, target: ShardId, job: F) -> Result<R, ShardUnavailable>
    where
        R: Send + 'static,
        F: FnOnce(Rc<dyn Any>) -> Fut + Send + 'static,
        Fut: Future<Output = R> + 'static,
    {
        if target == self.id {
            return Ok(job(self.context()).await);
        }
        let call_id = self.next_call_id.get();
        self.next_call_id.set(call_id.wrapping_add(1));
        let (tx, rx) = oneshot::channel();
        self.pending.borrow_mut().insert(call_id, tx);
        let job: Job = Box::new(move |context| {
            let fut = job(context);
            Box::pin(async move { Box::new(fut.await) as Reply })
        });
        if self
            .send(
                target,
                Envelope::Call {
                    from: self.id,
                    call_id,
                    job,
                },
            )
            .await
            .is_err()
        {
            self.pending.borrow_mut().remove(&call_id);
            return Err(ShardUnavailable(target));
        }
        self.stats.calls_sent.set(self.stats.calls_sent.get() + 1);
        let reply = rx.await.ok_or(ShardUnavailable(target))?;
        match reply.downcast::<R>() {
            Ok(value) => Ok(*value),
            Err(_) => unreachable!("a call's reply always has the call's result type"),
        }
    }

    async fn send(&self, target: ShardId, envelope: Envelope) -> Result<(), ShardUnavailable> {
        let (Some(queue), Some(bell)) = (self.senders.get(target), self.bells.get(target)) else {
            return Err(ShardUnavailable(target));
        };
        let envelope = match queue.try_send(envelope) {
            Ok(()) => None,
            Err(flume::TrySendError::Full(envelope)) => Some(envelope),
            Err(flume::TrySendError::Disconnected(_)) => return Err(ShardUnavailable(target)),
        };
        if let Some(envelope) = envelope {
            // Ring first so the target drains while we wait for room.
            let _ = bell.try_send(());
            queue
                .send_async(envelope)
                .await
                .map_err(|_| ShardUnavailable(target))?;
        }
        let _ = bell.try_send(());
        Ok(())
    }

    /// Drains inbound queues until [`ShardMesh::stop`]. Spawn once per shard.
    pub async fn run_poller(self: Rc<Self>) {
        while !self.stopped.get() {
            // Empty the doorbell before the queues: a message sent after the
            // drain below rings again, so parking afterwards cannot miss it.
            while self.doorbell.try_recv().is_ok() {}
            let drained = self.drain();
            if drained > 0 {
                self.stats
                    .polls_with_messages
                    .set(self.stats.polls_with_messages.get() + 1);
                futures_lite::future::yield_now().await;
                continue;
            }
            self.stats.parks.set(self.stats.parks.get() + 1);
            if self.doorbell.recv_async().await.is_err() {
                break;
            }
        }
    }

    fn drain(self: &Rc<Self>) -> usize {
        let mut drained = 0;
        for rx in &self.receivers {
            for _ in 0..DRAIN_BATCH {
                let Ok(envelope) = rx.try_recv() else { break };
                drained += 1;
                self.handle(envelope);
            }
        }
        drained
    }

    fn handle(self: &Rc<Self>, envelope: Envelope) {
        match envelope {
            Envelope::Call { from, call_id, job } => {
                self.stats
                    .calls_received
                    .set(self.stats.calls_received.get() + 1);
                let mesh = self.clone();
                let context = self.context();
                glommio::spawn_local(async move {
                    let value = job(context).await;
                    // The caller's shard may be shutting down; nothing to do then.
                    let _ = mesh.send(from, Envelope::Reply { call_id, value }).await;
                })
                .detach();
            }
            Envelope::Reply { call_id, value } => {
                if let Some(tx) = self.pending.borrow_mut().remove(&call_id) {
                    tx.send(value);
                }
            }
        }
    }

    /// Logs the shard's cross-shard traffic (once, at shutdown: the e2e
    /// benchmark reads it to show that shard-aware clients make forwarding
    /// rare).
    pub fn log_traffic(&self) {
        tracing::info!(
            shard = self.id,
            calls_sent = self.stats.calls_sent.get(),
            calls_received = self.stats.calls_received.get(),
            "cross-shard calls during this run"
        );
    }

    /// Stops the poller after its current batch and fails pending calls.
    pub fn stop(&self) {
        self.stopped.set(true);
        if let Some(bell) = self.bells.get(self.id) {
            let _ = bell.try_send(());
        }
        self.pending.borrow_mut().clear();
    }
}

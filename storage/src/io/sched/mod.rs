//! The per-shard I/O scheduler: every disk request of a shard names a
//! priority class ([`IoClass`]: commitlog, foreground reads, memtable flush,
//! compaction), waits in its class's queue, and is sent to the device only
//! while the device holds less than a latency goal's worth of work. Classes
//! share the device by their `shares` (start-time fair queueing over
//! estimated device time), and background classes may fill only part of the
//! budget, so a foreground read never queues behind a device full of
//! compaction. Design and numbers: `docs/dev/io-scheduler.md`.
//!
//! ## Cost model
//! A request's cost is the device time it is expected to take, from the
//! disk's measured capacity (`io_properties.yaml`, [`IoProperties`], this
//! shard's share): `1 s / iops + bytes / bandwidth`, with the read or write
//! figures. The scheduler keeps the cost of requests in flight at most
//! `latency_goal`, and that of background requests at most
//! `background_percent` of it, except that the foreground group (commitlog,
//! reads) and the background group (flush, compaction) may each always have
//! one request in flight, so neither starves however busy the other is.
//! Larger requests are split by the file wrapper ([`disk::SchedFile`]) at
//! `max_request_bytes`.
//!
//! ## Classes of a request
//! The innermost [`IoClass::scope`] around the code issuing the request, else
//! the class of the [`SchedDisk`] the file was opened through (a data disk is
//! [`IoClass::Read`]; the commitlog gets [`IoClass::Commitlog`] through
//! [`classed`]). Flush and compaction wrap their work in a scope; the scope
//! is a thread-local set only while the wrapped future is polled, which is
//! when requests are enqueued.
//!
//! Everything here is shard-local (`Cell`, `RefCell`, no locks, no atomics).
//! Waiting requests are bounded by the tasks that issue them (each task waits
//! for one request at a time; writers keep a fixed number in flight), and
//! their slots are reused, so a busy shard does not allocate per request.

pub mod disk;
pub mod properties;
#[cfg(test)]
mod tests;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

pub use disk::{SchedDisk, classed};
pub use properties::{DiskEntry, IoProperties};

/// Priority classes, in ScyllaDB's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IoClass {
    /// Commitlog appends and syncs: writes are acknowledged after them.
    Commitlog = 0,
    /// Reads that serve a client request.
    Read = 1,
    /// Memtable flushes: must keep up with writes or memtables fill memory.
    Flush = 2,
    /// Compaction reads and writes: only throughput matters.
    Compaction = 3,
}

/// How many classes there are.
pub const CLASS_COUNT: usize = 4;

thread_local! {
    /// Class of the scope being polled on this shard thread.
    static CURRENT: Cell<Option<IoClass>> = const { Cell::new(None) };
}

impl IoClass {
    pub const ALL: [IoClass; CLASS_COUNT] = [
        IoClass::Commitlog,
        IoClass::Read,
        IoClass::Flush,
        IoClass::Compaction,
    ];

    /// ScyllaDB's name of the class (metrics and the REST API).
    pub fn name(self) -> &'static str {
        match self {
            IoClass::Commitlog => "commitlog",
            IoClass::Read => "query",
            IoClass::Flush => "memtable_flush",
            IoClass::Compaction => "compaction",
        }
    }

    /// Background classes may use only part of the in-flight budget.
    pub fn is_background(self) -> bool {
        matches!(self, IoClass::Flush | IoClass::Compaction)
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The class of the innermost scope being polled, if any.
    pub fn current() -> Option<IoClass> {
        CURRENT.with(Cell::get)
    }

    /// Runs `future` with this class for every request it issues.
    pub fn scope<F: Future>(self, future: F) -> Scoped<F> {
        in_class(Some(self), future)
    }
}

/// Runs `future` in `class` (`None`: the caller's class is kept), for
/// spawned tasks that continue work begun in a scope.
pub fn in_class<F: Future>(class: Option<IoClass>, future: F) -> Scoped<F> {
    Scoped {
        class,
        future: Box::pin(future),
    }
}

/// A future polled inside an I/O class (see [`IoClass::scope`]).
#[derive(Debug)]
pub struct Scoped<F> {
    class: Option<IoClass>,
    future: Pin<Box<F>>,
}

/// Restores the previous class even if the wrapped poll panics.
struct Restore(Option<IoClass>);

impl Drop for Restore {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let _restore = self
            .class
            .map(|class| Restore(CURRENT.with(|c| c.replace(Some(class)))));
        self.future.as_mut().poll(cx)
    }
}

/// Direction of a request (selects the read or write capacity).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoKind {
    Read,
    Write,
}

/// Settings of one shard's scheduler.
#[derive(Debug, Clone, PartialEq)]
pub struct SchedulerConfig {
    /// This shard's share of the disk ([`IoProperties::per_shard`]).
    pub properties: IoProperties,
    /// Device time the shard keeps in flight at most (ScyllaDB's
    /// `--io-latency-goal-ms`): the longest a newly dispatched request should
    /// wait inside the device.
    pub latency_goal: Duration,
    /// Part of `latency_goal`, in percent, that flush and compaction may fill.
    pub background_percent: u32,
    /// Shares per class, indexed like [`IoClass::ALL`].
    pub shares: [u32; CLASS_COUNT],
    /// Requests above this size are split (bounds how long one background
    /// request occupies the device).
    pub max_request_bytes: usize,
    /// Whether foreground requests (commitlog, reads) also wait for the
    /// latency goal. Off by default: on a device whose real service time is
    /// far above its `io_properties.yaml` estimate (a virtual disk), holding
    /// reads back in our own queue made quiet read p99 30x worse (5 s vs
    /// 171 ms, `benches/e2e/io_sched.sh`). Foreground then always goes to
    /// the device at once, its cost still counts against the goal, and
    /// background classes get only what foreground leaves of it.
    pub queue_foreground: bool,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            properties: IoProperties::default(),
            latency_goal: Duration::from_millis(1),
            background_percent: 50,
            shares: [1000, 1000, 400, 100],
            max_request_bytes: 128 << 10,
            queue_foreground: false,
        }
    }
}

/// Counters of one class (a snapshot; counts since start unless "now").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClassStats {
    /// Requests waiting now.
    pub queued: u64,
    /// Requests in flight at the device now.
    pub in_flight: u64,
    /// Requests sent to the device.
    pub dispatched: u64,
    /// Of those, how many had to wait in the queue.
    pub delayed: u64,
    /// Bytes of the dispatched requests.
    pub bytes: u64,
    /// Estimated device time of the dispatched requests.
    pub cost_ns: u64,
    /// Time spent waiting in the queue, summed and at most.
    pub queue_time_us_total: u64,
    pub queue_time_us_max: u64,
}

#[derive(Debug)]
struct Waiter {
    waker: Option<Waker>,
    cost_ns: u64,
    bytes: u64,
    enqueued_at: Instant,
    granted: bool,
}

#[derive(Debug, Default)]
struct ClassState {
    queue: VecDeque<usize>,
    /// Virtual finish time of the class's last dispatched request.
    vtime: u64,
    stats: ClassStats,
}

#[derive(Debug, Default, Clone, Copy)]
struct InFlight {
    requests: u64,
    cost_ns: u64,
}

#[derive(Debug, Default)]
struct State {
    waiters: Vec<Waiter>,
    free: Vec<usize>,
    classes: [ClassState; CLASS_COUNT],
    in_flight_cost_ns: u64,
    /// In flight per group: `[foreground, background]`.
    groups: [InFlight; 2],
    /// Start tag of the last dispatched request: an idle class resumes here,
    /// so idleness earns no credit.
    vtime_floor: u64,
}

/// Shares are scaled so that a share of 1 still moves virtual time.
const VTIME_SCALE: u64 = 1 << 10;

/// One shard's I/O scheduler.
#[derive(Debug)]
pub struct IoScheduler {
    config: SchedulerConfig,
    capacity_ns: u64,
    background_capacity_ns: u64,
    read_op_ns: u64,
    write_op_ns: u64,
    read_ps_per_byte: u64,
    write_ps_per_byte: u64,
    state: RefCell<State>,
}

impl IoScheduler {
    pub fn new(config: SchedulerConfig) -> Self {
        let p = config.properties;
        let per = |rate: u64, unit: u64| unit / rate.max(1);
        let capacity_ns = (config.latency_goal.as_nanos() as u64).max(1);
        IoScheduler {
            capacity_ns,
            background_capacity_ns: capacity_ns * u64::from(config.background_percent.min(100))
                / 100,
            read_op_ns: per(p.read_iops, 1_000_000_000),
            write_op_ns: per(p.write_iops, 1_000_000_000),
            read_ps_per_byte: per(p.read_bandwidth_bytes_per_s, 1_000_000_000_000),
            write_ps_per_byte: per(p.write_bandwidth_bytes_per_s, 1_000_000_000_000),
            config: SchedulerConfig {
                max_request_bytes: super::align_up(config.max_request_bytes.max(1) as u64) as usize,
                ..config
            },
            state: RefCell::new(State::default()),
        }
    }

    pub fn config(&self) -> &SchedulerConfig {
        &self.config
    }

    /// Requests larger than this are split by [`SchedDisk`]'s files.
    pub fn max_request_bytes(&self) -> usize {
        self.config.max_request_bytes
    }

    /// Estimated device time of a request.
    pub fn cost_ns(&self, kind: IoKind, bytes: u64) -> u64 {
        let (op, ps) = match kind {
            IoKind::Read => (self.read_op_ns, self.read_ps_per_byte),
            IoKind::Write => (self.write_op_ns, self.write_ps_per_byte),
        };
        op.saturating_add(bytes.saturating_mul(ps) / 1000)
    }

    /// Counters of every class, indexed like [`IoClass::ALL`].
    pub fn stats(&self) -> [ClassStats; CLASS_COUNT] {
        let state = self.state.borrow();
        IoClass::ALL.map(|c| state.classes[c.index()].stats)
    }

    /// Estimated device time in flight now.
    pub fn in_flight_cost_ns(&self) -> u64 {
        self.state.borrow().in_flight_cost_ns
    }

    /// Waits until a request of `class` may go to the device; the returned
    /// permit must live until the request completes.
    pub fn acquire(&self, class: IoClass, kind: IoKind, bytes: u64) -> Acquire<'_> {
        Acquire {
            scheduler: self,
            class,
            cost_ns: self.cost_ns(kind, bytes),
            bytes,
            slot: None,
            finished: false,
        }
    }

    /// Whether a request may go to the device now. Each group (foreground,
    /// background) may always have one request in flight, so neither
    /// starves; beyond that the total stays within `latency_goal` and the
    /// background within its part of it, which leaves the rest free for
    /// foreground requests arriving while background work is queued.
    fn fits(&self, state: &State, class: IoClass, cost_ns: u64) -> bool {
        let background = class.is_background();
        if !background && !self.config.queue_foreground {
            return true;
        }
        let group = &state.groups[usize::from(background)];
        if group.requests == 0 {
            return true;
        }
        let total = state.in_flight_cost_ns.saturating_add(cost_ns);
        total <= self.capacity_ns
            && (!background || group.cost_ns.saturating_add(cost_ns) <= self.background_capacity_ns)
    }

    /// Accounts a request as sent to the device.
    fn start(
        &self,
        state: &mut State,
        class: IoClass,
        cost_ns: u64,
        bytes: u64,
        waited: Option<Duration>,
    ) {
        let shares = u64::from(self.config.shares[class.index()].max(1));
        let floor = state.vtime_floor;
        let c = &mut state.classes[class.index()];
        let start_tag = c.vtime.max(floor);
        c.vtime = start_tag + cost_ns.saturating_mul(VTIME_SCALE) / shares;
        let s = &mut c.stats;
        s.in_flight += 1;
        s.dispatched += 1;
        s.bytes += bytes;
        s.cost_ns += cost_ns;
        if let Some(waited) = waited {
            let us = waited.as_micros() as u64;
            s.delayed += 1;
            s.queue_time_us_total += us;
            s.queue_time_us_max = s.queue_time_us_max.max(us);
        }
        state.in_flight_cost_ns += cost_ns;
        let group = &mut state.groups[usize::from(class.is_background())];
        group.requests += 1;
        group.cost_ns += cost_ns;
        state.vtime_floor = state.vtime_floor.max(start_tag);
    }

    fn release(&self, class: IoClass, cost_ns: u64) {
        let mut state = self.state.borrow_mut();
        state.in_flight_cost_ns -= cost_ns;
        let group = &mut state.groups[usize::from(class.is_background())];
        group.requests -= 1;
        group.cost_ns -= cost_ns;
        state.classes[class.index()].stats.in_flight -= 1;
        self.dispatch(&mut state);
    }

    /// Sends queued requests while they fit: the class with the smallest
    /// virtual time first; a class whose head does not fit lets the next
    /// class try (a full background budget must not block foreground).
    fn dispatch(&self, state: &mut State) {
        loop {
            let mut best: Option<(u64, IoClass, usize)> = None;
            for class in IoClass::ALL {
                let c = &state.classes[class.index()];
                let Some(&slot) = c.queue.front() else {
                    continue;
                };
                let cost = state.waiters[slot].cost_ns;
                if !self.fits(state, class, cost) {
                    continue;
                }
                let tag = c.vtime.max(state.vtime_floor);
                if best.is_none_or(|(t, _, _)| tag < t) {
                    best = Some((tag, class, slot));
                }
            }
            let Some((_, class, slot)) = best else {
                return;
            };
            state.classes[class.index()].queue.pop_front();
            state.classes[class.index()].stats.queued -= 1;
            let (cost, bytes, waited) = {
                let w = &mut state.waiters[slot];
                w.granted = true;
                (w.cost_ns, w.bytes, w.enqueued_at.elapsed())
            };
            self.start(state, class, cost, bytes, Some(waited));
            // glommio's wake only queues the task; nothing re-enters here.
            if let Some(waker) = state.waiters[slot].waker.take() {
                waker.wake();
            }
        }
    }
}

/// Waiting for a dispatch slot ([`IoScheduler::acquire`]).
#[derive(Debug)]
pub struct Acquire<'a> {
    scheduler: &'a IoScheduler,
    class: IoClass,
    cost_ns: u64,
    bytes: u64,
    slot: Option<usize>,
    finished: bool,
}

/// A request's claim on the device; dropping it (when the request has
/// completed) lets the next queued request go.
#[derive(Debug)]
pub struct Permit<'a> {
    scheduler: &'a IoScheduler,
    class: IoClass,
    cost_ns: u64,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.scheduler.release(self.class, self.cost_ns);
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = Permit<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit<'a>> {
        let this = &mut *self;
        let sched = this.scheduler;
        let mut state = sched.state.borrow_mut();
        let slot = match this.slot {
            Some(slot) => slot,
            None => {
                let idle = state.classes.iter().all(|c| c.queue.is_empty());
                if idle && sched.fits(&state, this.class, this.cost_ns) {
                    sched.start(&mut state, this.class, this.cost_ns, this.bytes, None);
                    this.finished = true;
                    return Poll::Ready(this.permit());
                }
                let waiter = Waiter {
                    waker: None,
                    cost_ns: this.cost_ns,
                    bytes: this.bytes,
                    enqueued_at: Instant::now(),
                    granted: false,
                };
                let slot = match state.free.pop() {
                    Some(slot) => {
                        state.waiters[slot] = waiter;
                        slot
                    }
                    None => {
                        state.waiters.push(waiter);
                        state.waiters.len() - 1
                    }
                };
                let floor = state.vtime_floor;
                let c = &mut state.classes[this.class.index()];
                if c.queue.is_empty() {
                    c.vtime = c.vtime.max(floor);
                }
                c.queue.push_back(slot);
                c.stats.queued += 1;
                this.slot = Some(slot);
                sched.dispatch(&mut state);
                slot
            }
        };
        if state.waiters[slot].granted {
            state.free.push(slot);
            this.slot = None;
            this.finished = true;
            return Poll::Ready(this.permit());
        }
        let waiter = &mut state.waiters[slot];
        if !waiter
            .waker
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            waiter.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl<'a> Acquire<'a> {
    fn permit(&self) -> Permit<'a> {
        Permit {
            scheduler: self.scheduler,
            class: self.class,
            cost_ns: self.cost_ns,
        }
    }
}

impl Drop for Acquire<'_> {
    /// A cancelled wait leaves the queue; one granted but never polled again
    /// gives its budget back.
    fn drop(&mut self) {
        let Some(slot) = self.slot.take() else {
            return;
        };
        if self.finished {
            return;
        }
        let granted = {
            let mut state = self.scheduler.state.borrow_mut();
            let granted = state.waiters[slot].granted;
            state.waiters[slot].waker = None;
            state.free.push(slot);
            if !granted {
                let c = &mut state.classes[self.class.index()];
                c.queue.retain(|&s| s != slot);
                c.stats.queued -= 1;
                // The next request of the class may fit where this one did not.
                self.scheduler.dispatch(&mut state);
            }
            granted
        };
        if granted {
            self.scheduler.release(self.class, self.cost_ns);
        }
    }
}

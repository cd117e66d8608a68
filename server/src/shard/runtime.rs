//! Starting the shards: one glommio executor per shard, pinned to its core,
//! and the stop signal that shutdown fires on each of them.

use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::rc::Rc;
use std::task::{Poll, Waker};

use glommio::{LocalExecutorBuilder, Placement};

use super::ShardId;

/// Where one shard runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub id: ShardId,
    /// The CPU to pin to; `None` leaves placement to the OS.
    pub cpu: Option<usize>,
    /// How long an idle shard keeps polling before it parks. Parking makes
    /// the next cross-shard message or I/O completion pay a wake-up (tens of
    /// µs, see benches/RESULTS.md); polling costs CPU only right after work.
    pub idle_poll: std::time::Duration,
}

/// The CPUs this process may run on, in order (from sched_getaffinity).
pub fn allowed_cpus() -> Vec<usize> {
    // SAFETY: cpu_set_t is plain data; sched_getaffinity fills it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: pid 0 is this thread; the size matches the set.
    let rc =
        unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    if rc != 0 {
        return (0..std::thread::available_parallelism().map_or(1, |n| n.get())).collect();
    }
    // SAFETY: CPU_ISSET reads within the set for indexes below CPU_SETSIZE.
    (0..libc::CPU_SETSIZE as usize)
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect()
}

/// Spawns one executor for `spec`, pinned to its CPU, running `shard_main`.
pub fn spawn_shard<F, Fut>(
    spec: ShardSpec,
    shard_main: F,
) -> std::io::Result<glommio::ExecutorJoinHandle<()>>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let placement = match spec.cpu {
        Some(cpu) => Placement::Fixed(cpu),
        None => Placement::Unbound,
    };
    LocalExecutorBuilder::new(placement)
        .name(&format!("shard-{}", spec.id))
        // Leave room under an 8 MiB memlock limit for every shard's ring.
        .io_memory(512 << 10)
        .spin_before_park(spec.idle_poll)
        // glommio's preemption timer stays at its 100 ms default: glommio
        // 0.9 parks (and can hang until the next I/O event) when preempted
        // before running any task queue, which a short timer makes frequent
        // (measured: writes stalled for seconds at 500 us). Background work
        // gives the core back itself (sibyl_storage::engine::background_yield).
        .spawn(shard_main)
        .map_err(|e| std::io::Error::other(format!("starting shard {}: {e}", spec.id)))
}

/// A shard-local "stop now" signal that any number of tasks may await.
#[derive(Debug, Default)]
pub struct StopSignal {
    stopped: Cell<bool>,
    /// One slot per pending wait; `None` is a free slot.
    waiters: RefCell<Vec<Option<Waker>>>,
}

impl StopSignal {
    pub fn new() -> Rc<Self> {
        Rc::new(Self::default())
    }

    pub fn stop(&self) {
        self.stopped.set(true);
        for waker in self.waiters.borrow_mut().drain(..).flatten() {
            waker.wake();
        }
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.get()
    }

    /// Resolves once [`StopSignal::stop`] has been called.
    ///
    /// It is polled again on every wake of the task it races with
    /// (`future::or` in the connection and accept loops), so each wait owns
    /// one slot and replaces its waker there instead of adding clones, which
    /// once piled up until the task's waker refcount overflowed.
    pub async fn wait(&self) {
        struct Slot<'a> {
            signal: &'a StopSignal,
            index: Option<usize>,
        }
        impl Drop for Slot<'_> {
            fn drop(&mut self) {
                if let Some(slot) = self.index.and_then(|i| {
                    self.signal
                        .waiters
                        .borrow_mut()
                        .get_mut(i)
                        .map(Option::take)
                }) {
                    drop(slot);
                }
            }
        }
        let mut slot = Slot {
            signal: self,
            index: None,
        };
        poll_fn(|cx| {
            if self.stopped.get() {
                return Poll::Ready(());
            }
            let mut waiters = self.waiters.borrow_mut();
            match slot.index.and_then(|i| waiters.get_mut(i)) {
                Some(Some(existing)) if existing.will_wake(cx.waker()) => {}
                Some(entry) => *entry = Some(cx.waker().clone()),
                None => {
                    let free = waiters.iter().position(Option::is_none);
                    let index = free.unwrap_or(waiters.len());
                    if free.is_none() {
                        waiters.push(None);
                    }
                    if let Some(entry) = waiters.get_mut(index) {
                        *entry = Some(cx.waker().clone());
                    }
                    slot.index = Some(index);
                }
            }
            Poll::Pending
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::StopSignal;

    #[test]
    fn repeated_polls_of_a_stop_wait_keep_one_waker() {
        let stop = StopSignal::new();
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut wait = pin!(stop.wait());
        for _ in 0..100_000 {
            assert!(matches!(wait.as_mut().poll(&mut cx), Poll::Pending));
        }
        assert_eq!(
            stop.waiters.borrow().len(),
            1,
            "a regression of the waker refcount overflow"
        );
        {
            let mut other = pin!(stop.wait());
            assert!(matches!(other.as_mut().poll(&mut cx), Poll::Pending));
            assert_eq!(stop.waiters.borrow().iter().flatten().count(), 2);
        }
        // A finished wait frees its slot.
        assert_eq!(stop.waiters.borrow().iter().flatten().count(), 1);
        stop.stop();
        assert!(matches!(wait.as_mut().poll(&mut cx), Poll::Ready(())));
    }
}

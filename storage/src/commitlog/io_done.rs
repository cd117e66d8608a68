//! A broadcast "the commitlog's I/O permit was released" event for group
//! commit: writers whose entries an in-flight write may already cover wait
//! here instead of queueing for the permit, then all re-check at once.
//!
//! Single-shard: `Cell`/`RefCell`, no atomics. The waker list is bounded by
//! the number of concurrently waiting writer tasks (each registers at most
//! one waker per generation), which the server bounds by its in-flight limit.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Generation counter plus the wakers of tasks waiting for the next bump.
#[derive(Debug, Default)]
pub(super) struct IoDone {
    generation: Cell<u64>,
    wakers: RefCell<Vec<Waker>>,
}

impl IoDone {
    pub(super) fn generation(&self) -> u64 {
        self.generation.get()
    }

    /// Completes once the generation differs from `seen`.
    pub(super) fn wait(&self, seen: u64) -> impl Future<Output = ()> + '_ {
        WaitNext { done: self, seen }
    }

    pub(super) fn notify_all(&self) {
        self.generation.set(self.generation.get().wrapping_add(1));
        let wakers = std::mem::take(&mut *self.wakers.borrow_mut());
        for w in wakers {
            w.wake();
        }
    }
}

struct WaitNext<'a> {
    done: &'a IoDone,
    seen: u64,
}

impl Future for WaitNext<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.done.generation.get() != self.seen {
            return Poll::Ready(());
        }
        let mut wakers = self.done.wakers.borrow_mut();
        if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
            wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiters_wake_on_the_next_generation_only() {
        crate::testing::run(|| async {
            let done = std::rc::Rc::new(IoDone::default());
            let seen = done.generation();
            let woke = std::rc::Rc::new(Cell::new(0));
            let tasks: Vec<_> = (0..3)
                .map(|_| {
                    let (done, woke) = (std::rc::Rc::clone(&done), std::rc::Rc::clone(&woke));
                    glommio::spawn_local(async move {
                        done.wait(seen).await;
                        woke.set(woke.get() + 1);
                    })
                })
                .collect();
            futures_lite::future::yield_now().await;
            assert_eq!(woke.get(), 0, "nobody may wake before a notification");
            done.notify_all();
            for t in tasks {
                t.await;
            }
            assert_eq!(woke.get(), 3);
            // A stale generation completes at once.
            done.wait(seen).await;
        });
    }
}

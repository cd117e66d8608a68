//! A single-shard, single-use channel: the mesh poller completes it when a
//! reply arrives, waking the waiting task without any cross-thread wake-up.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

struct Slot<T> {
    value: RefCell<Option<T>>,
    waker: Cell<Option<Waker>>,
    closed: Cell<bool>,
}

impl<T> std::fmt::Debug for Slot<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("closed", &self.closed.get())
            .finish_non_exhaustive()
    }
}

/// Completes the matching [`Receiver`] once.
#[derive(Debug)]
pub struct Sender<T>(Rc<Slot<T>>);

/// Resolves to `Some(value)`, or `None` if the sender was dropped unused.
#[derive(Debug)]
pub struct Receiver<T>(Rc<Slot<T>>);

pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let slot = Rc::new(Slot {
        value: RefCell::new(None),
        waker: Cell::new(None),
        closed: Cell::new(false),
    });
    (Sender(slot.clone()), Receiver(slot))
}

impl<T> Sender<T> {
    pub fn send(self, value: T) {
        *self.0.value.borrow_mut() = Some(value);
        // Drop runs next and wakes the receiver.
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.0.closed.set(true);
        if let Some(waker) = self.0.waker.take() {
            waker.wake();
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(value) = self.0.value.borrow_mut().take() {
            return Poll::Ready(Some(value));
        }
        if self.0.closed.get() {
            return Poll::Ready(None);
        }
        self.0.waker.set(Some(cx.waker().clone()));
        Poll::Pending
    }
}

//! How many large bodies are judged at once, in `serve` and in the proxy alike: judging builds
//! the body's JSON tree, which for a megabyte of small members where the schema keeps them
//! (`vendorData` may be anything) is tens of times the body. A process judges at most
//! [`LARGE_AT_ONCE`] bodies of [`LARGE`] bytes or more at a time, so that any number of
//! flooding clients costs that many trees; smaller bodies never wait. One semaphore for both:
//! `serve` waits for it as a task, the proxy's threads on their own thread.

use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

use tokio::sync::{Semaphore, SemaphorePermit};

/// Bodies at least this large wait for a turn.
pub const LARGE: usize = 256 * 1024;
/// How many of them are judged at once.
pub const LARGE_AT_ONCE: usize = 2;

static TURNS: Semaphore = Semaphore::const_new(LARGE_AT_ONCE);

/// A turn to judge a body: given back when dropped.
pub type Turn = SemaphorePermit<'static>;

/// A turn to judge a body of `len` bytes, waited for without holding a thread (`serve`):
/// `None` at once for a small body.
pub async fn turn(len: usize) -> Option<Turn> {
    if len < LARGE {
        return None;
    }
    TURNS.acquire().await.ok()
}

/// The same turn, waited for on this thread (the proxy's, one per client).
pub fn turn_blocking(len: usize) -> Option<Turn> {
    let mut wait = std::pin::pin!(turn(len));
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    loop {
        match wait.as_mut().poll(&mut context) {
            Poll::Ready(turn) => return turn,
            Poll::Pending => std::thread::park(),
        }
    }
}

/// Wakes the thread that waits for a turn.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// However many threads judge large bodies, at most two do at once; small ones never wait.
    #[test]
    fn large_bodies_are_judged_two_at_a_time() {
        static NOW: AtomicUsize = AtomicUsize::new(0);
        static MOST: AtomicUsize = AtomicUsize::new(0);
        let threads: Vec<_> = (0..8)
            .map(|_| {
                std::thread::spawn(|| {
                    let _turn = turn_blocking(LARGE);
                    let now = NOW.fetch_add(1, Ordering::SeqCst) + 1;
                    MOST.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    NOW.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let most = MOST.load(Ordering::SeqCst);
        assert!((1..=LARGE_AT_ONCE).contains(&most), "{most} at once");
        assert!(turn_blocking(LARGE - 1).is_none());
    }
}

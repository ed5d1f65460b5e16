//! How many large bodies are judged at once, in `serve` and in the proxy alike: judging builds
//! the body's JSON tree, which for a megabyte of small members where the schema keeps them
//! (`vendorData` may be anything) is tens of times the body. A process judges at most
//! [`LARGE_AT_ONCE`] bodies of [`LARGE`] bytes or more at a time, so that any number of
//! flooding clients costs that many trees; smaller bodies never wait.

use std::sync::{Condvar, Mutex};

/// Bodies at least this large wait for a turn.
pub const LARGE: usize = 256 * 1024;
/// How many of them are judged at once.
pub const LARGE_AT_ONCE: usize = 2;

static TURNS: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

/// A turn to judge a body: given back when dropped.
pub struct Turn(());

impl Drop for Turn {
    fn drop(&mut self) {
        let (count, freed) = &TURNS;
        if let Ok(mut n) = count.lock() {
            *n -= 1;
        }
        freed.notify_one();
    }
}

/// A turn to judge a body of `len` bytes: `None` (no wait) for a small one, else one of
/// [`LARGE_AT_ONCE`], waited for on this thread (the server calls it on a blocking thread).
pub fn turn(len: usize) -> Option<Turn> {
    if len < LARGE {
        return None;
    }
    let (count, freed) = &TURNS;
    let mut n = count.lock().ok()?;
    while *n >= LARGE_AT_ONCE {
        n = freed.wait(n).ok()?;
    }
    *n += 1;
    Some(Turn(()))
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
                    let _turn = turn(LARGE);
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
        assert!(turn(LARGE - 1).is_none());
    }
}

//! Decompression bombs are rejected with peak memory near the limit: measured with a counting
#![allow(unsafe_code)] // a counting global allocator needs unsafe impl GlobalAlloc
//! allocator, in a test binary of its own so that no other test's allocations are counted.
#![allow(clippy::unwrap_used)] // tests panic with the reason

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use sessionkit::ErrorKind;
use sessionkit::codec::DecodeLimit;
use sessionkit::codec::Encoding;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
        PEAK.fetch_max(now, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let now = CURRENT.fetch_add(new_size, Ordering::SeqCst) + new_size;
        PEAK.fetch_max(now, Ordering::SeqCst);
        let out = unsafe { System.realloc(ptr, layout, new_size) };
        CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
        out
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Peak bytes allocated above the current level while `f` runs.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let out = f();
    (out, PEAK.load(Ordering::SeqCst) - base)
}

#[test]
fn one_gib_bomb_is_rejected_with_peak_memory_near_the_limit() {
    const LIMIT: usize = 1 << 20;
    // A 1 GiB bomb: 1,024 gzip members of 1 MiB of zeros each (about 1 MiB on the wire), and a
    // single 64 MiB stream. Both inflate far past the 1 MiB limit.
    let member = sessionkit::codec::encode(&vec![0u8; 1 << 20], Encoding::Gzip, 9);
    let multi = member.repeat(1024);
    let single = sessionkit::codec::encode(&vec![0u8; 64 << 20], Encoding::Gzip, 9);
    for (name, bomb) in [
        ("1 GiB multi-member", &multi),
        ("64 MiB single stream", &single),
    ] {
        let (result, peak) = peak_during(|| {
            sessionkit::codec::decode(bomb, Encoding::Gzip, DecodeLimit { max_decoded: LIMIT })
        });
        assert_eq!(
            result.unwrap_err().kind(),
            ErrorKind::DecodedTooLarge,
            "{name}"
        );
        eprintln!(
            "{name}: {} wire bytes, peak {peak} bytes above baseline (limit {LIMIT})",
            bomb.len()
        );
        // The output buffer (limit + one chunk) plus the inflater's state (~50 KiB); nothing
        // proportional to the decoded size.
        assert!(
            peak < LIMIT + LIMIT / 2,
            "{name}: peak {peak} bytes for a {LIMIT}-byte limit"
        );
        assert!(
            peak > LIMIT,
            "{name}: peak {peak}: the counter measured nothing"
        );
    }
}

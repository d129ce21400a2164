//! Read buffers of local downloads, reused instead of freed.
//!
//! Large reads make downloads fast, but a large buffer comes from its own `mmap` in glibc, and
//! freeing one raises glibc's mmap threshold: later buffers of that size (the uploads' among
//! them) then come from the heap and stay in it. With 512 KiB buffers allocated per read, ten
//! concurrent uploads grew the server by 15-18 MiB instead of 10.7 (docs/benchmarks.md). So a
//! large buffer is never freed: it goes back to this pool when the response has sent it, and
//! the pool never holds more than [`POOLED`] of them. When all are out (many downloads at
//! once), reads fall back to [`SMALL`] buffers, which stay under the threshold.

use std::sync::{
    Arc, Mutex, PoisonError,
    atomic::{AtomicUsize, Ordering},
};

use bytes::Bytes;

/// Size of a pooled read buffer.
pub const LARGE: usize = 256 * 1024;
/// Size of a read buffer when every pooled one is in use: under glibc's default mmap
/// threshold (128 KiB), so freeing it changes nothing.
pub const SMALL: usize = 64 * 1024;
/// Large buffers that may ever exist (8 MiB in all).
pub const POOLED: usize = 32;

/// The pool; one per local store, shared by its downloads.
#[derive(Debug, Default)]
pub struct Pool {
    /// Large buffers not in use.
    free: Mutex<Vec<Vec<u8>>>,
    /// Large buffers allocated so far (never more than [`POOLED`]).
    allocated: AtomicUsize,
}

impl Pool {
    /// A buffer of [`LARGE`] bytes from the pool (a new one while fewer than [`POOLED`]
    /// exist), or a fresh one of [`SMALL`] bytes when all are in use. Its bytes are
    /// initialised (zeroed once, when allocated).
    pub fn take(&self) -> Vec<u8> {
        if let Some(buf) = self.lock().pop() {
            return buf;
        }
        let grown = self
            .allocated
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < POOLED).then_some(n + 1)
            })
            .is_ok();
        vec![0; if grown { LARGE } else { SMALL }]
    }

    /// Wraps the first `len` bytes of `buf` (from [`Pool::take`]) as `Bytes`, without a copy;
    /// the buffer comes back to the pool when the last handle to them is dropped.
    pub fn freeze(self: &Arc<Self>, buf: Vec<u8>, len: usize) -> Bytes {
        let len = len.min(buf.len());
        Bytes::from_owner(Lent {
            buf,
            len,
            pool: Arc::clone(self),
        })
    }

    /// Large buffers not in use right now.
    #[cfg(test)]
    pub fn idle(&self) -> usize {
        self.lock().len()
    }

    /// Large buffers allocated so far.
    #[cfg(test)]
    pub fn allocated(&self) -> usize {
        self.allocated.load(Ordering::Acquire)
    }

    fn give_back(&self, buf: Vec<u8>) {
        if buf.len() == LARGE {
            self.lock().push(buf);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Vec<u8>>> {
        // The list stays consistent whatever a panicking holder did (a push or a pop).
        self.free.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A buffer lent out as `Bytes`.
struct Lent {
    buf: Vec<u8>,
    len: usize,
    pool: Arc<Pool>,
}

impl AsRef<[u8]> for Lent {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        self.pool.give_back(std::mem::take(&mut self.buf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_buffers_come_back_and_stay_bounded() {
        let pool = Arc::new(Pool::default());
        let mut out: Vec<Vec<u8>> = (0..POOLED).map(|_| pool.take()).collect();
        assert!(out.iter().all(|b| b.len() == LARGE));
        // All large buffers are out: the next one is small, and it is not kept.
        let small = pool.take();
        assert_eq!(small.len(), SMALL);
        drop(pool.freeze(small, 10));
        assert_eq!(pool.idle(), 0);

        let mut first = out.remove(0);
        first[..3].copy_from_slice(b"abc");
        let bytes = pool.freeze(first, 3);
        let slice = bytes.slice(1..);
        drop(bytes);
        assert_eq!(pool.idle(), 0, "a slice still holds the buffer");
        assert_eq!(&slice[..], b"bc");
        drop(slice);
        assert_eq!(pool.idle(), 1);
        assert_eq!(pool.take().len(), LARGE, "the returned buffer is reused");
    }
}

//! Password hashing on a few dedicated threads.
//!
//! Argon2id needs 19 MiB per hash. On tokio's blocking pool every burst of sign-ins ran on new
//! threads, and glibc kept each thread's 19 MiB in its own arena: a server that had signed in a
//! few hundred users held ~700 MiB it never used again. A fixed pool of `available_parallelism`
//! threads bounds that memory, and queues a sign-in flood instead of starting a thread per
//! request (login is rate limited before it gets here).

use std::{
    sync::{Arc, Mutex, mpsc},
    thread,
};

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use tokio::sync::oneshot;

/// Upper bound on hashing threads, whatever the machine.
const MAX_THREADS: usize = 4;

/// One unit of hashing work, run on a hashing thread.
type Job = Box<dyn FnOnce() + Send>;

/// Hashes and verifies passwords off the async runtime. Cheap to clone; the threads end when
/// the last clone is dropped.
#[derive(Clone)]
pub struct Passwords {
    /// Sends jobs to the hashing threads.
    jobs: mpsc::Sender<Job>,
    /// A real hash of a random password, verified against when the account does not exist so
    /// that both paths cost the same.
    dummy_hash: Arc<str>,
}

impl Passwords {
    /// Starts the hashing threads and computes the dummy hash.
    pub async fn new() -> anyhow::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let threads = thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_THREADS);
        for index in 0..threads {
            let queue = Arc::clone(&queue);
            thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || work(&queue))?;
        }
        let mut passwords = Self {
            jobs,
            dummy_hash: Arc::from(""),
        };
        let random = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
        passwords.dummy_hash = passwords.hash(&random).await?.into();
        Ok(passwords)
    }

    /// Hashes a password (Argon2id, random salt, PHC string).
    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let password = password.to_owned();
        self.run(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
        })
        .await?
    }

    /// Verifies a password against a stored hash, or against the dummy when there is none.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> bool {
        let exists = hash.is_some();
        let hash = hash.map_or_else(|| self.dummy_hash.to_string(), str::to_owned);
        let password = password.to_owned();
        let verified = self
            .run(move || {
                Argon2::default()
                    .verify_password(password.as_bytes(), hash.as_str())
                    .is_ok()
            })
            .await;
        exists && verified.unwrap_or(false)
    }

    /// Runs `f` on a hashing thread and waits for its result.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            // The waiter may have gone away (request cancelled): nothing to tell it then.
            let _unwanted = done.send(f());
        });
        self.jobs
            .send(job)
            .map_err(|_| anyhow::anyhow!("password hashing threads have stopped"))?;
        result
            .await
            .map_err(|_| anyhow::anyhow!("password hashing job panicked"))
    }
}

/// A hashing thread: runs jobs until every sender is gone.
fn work(queue: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        let job = {
            let Ok(queue) = queue.lock() else { return };
            match queue.recv() {
                Ok(job) => job,
                Err(mpsc::RecvError) => return,
            }
        };
        // A panic inside argon2 must not take the thread (and with it the pool) down.
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
            tracing::error!("password hashing job panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_unknown_accounts_never_pass() -> anyhow::Result<()> {
        let passwords = Passwords::new().await?;
        let hash = passwords.hash("correct horse battery").await?;
        assert!(hash.starts_with("$argon2id$"));
        assert!(passwords.verify("correct horse battery", Some(&hash)).await);
        assert!(!passwords.verify("wrong horse battery", Some(&hash)).await);
        assert!(!passwords.verify("correct horse battery", None).await);
        assert!(!passwords.verify("anything", Some("not a phc string")).await);
        Ok(())
    }

    #[tokio::test]
    async fn concurrent_work_all_completes() -> anyhow::Result<()> {
        let passwords = Passwords::new().await?;
        let hashes = futures::future::join_all((0..6).map(|i| {
            let p = passwords.clone();
            async move { p.hash(&format!("password number {i}")).await }
        }))
        .await;
        assert_eq!(hashes.iter().filter(|h| h.is_ok()).count(), 6);
        Ok(())
    }
}

//! Password hashing on a few dedicated threads, each with its own Argon2 memory.
//!
//! Argon2id needs 19 MiB of working memory per hash. Allocated per hash, freed 19 MiB blocks
//! are split by later small allocations and glibc's arenas keep growing: a server that had
//! signed in a hundred users held 300-700 MiB it never used again (`docs/benchmarks.md`). Each
//! hashing thread therefore allocates its blocks once and reuses them for every hash and
//! verification, so the memory is bounded by the number of threads; a fixed pool of
//! `available_parallelism` threads also queues a sign-in flood instead of starting a thread per
//! request (login is rate limited before it gets here).

use std::{
    sync::{Arc, Mutex, mpsc},
    thread,
};

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::phc::{Output, ParamsString, PasswordHash, Salt},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;

/// Upper bound on hashing threads, whatever the machine.
const MAX_THREADS: usize = 4;

/// Largest Argon2 memory a stored hash may ask for (256 MiB): more is refused, not allocated.
const MAX_BLOCKS: usize = 256 * 1024;

/// A hashing thread's Argon2 working memory, kept between jobs.
type Memory = Vec<Block>;

/// One unit of hashing work, run on a hashing thread with its memory.
type Job = Box<dyn FnOnce(&mut Memory) + Send>;

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
        self.run(move |memory| hash_with(memory, password.as_bytes()))
            .await?
    }

    /// Verifies a password against a stored hash, or against the dummy when there is none.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> bool {
        let exists = hash.is_some();
        let hash = hash.map_or_else(|| self.dummy_hash.to_string(), str::to_owned);
        let password = password.to_owned();
        let verified = self
            .run(move |memory| verify_with(memory, password.as_bytes(), &hash))
            .await;
        exists && verified.unwrap_or(false)
    }

    /// Runs `f` on a hashing thread and waits for its result.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            // The waiter may have gone away (request cancelled): nothing to tell it then.
            let _unwanted = done.send(f(memory));
        });
        self.jobs
            .send(job)
            .map_err(|_| anyhow::anyhow!("password hashing threads have stopped"))?;
        result
            .await
            .map_err(|_| anyhow::anyhow!("password hashing job panicked"))
    }
}

/// `params`' share of `memory`, grown to it the first time (once per thread for our own
/// hashes); `None` when a stored hash asks for more than [`MAX_BLOCKS`].
fn blocks<'m>(memory: &'m mut Memory, params: &Params) -> Option<&'m mut [Block]> {
    let count = params.block_count();
    if count > MAX_BLOCKS {
        return None;
    }
    if memory.len() < count {
        memory.resize(count, Block::default());
    }
    memory.get_mut(..count)
}

/// Argon2id with the default parameters and a random salt, as a PHC string.
fn hash_with(memory: &mut Memory, password: &[u8]) -> anyhow::Result<String> {
    let failed = |e: &dyn std::fmt::Display| anyhow::anyhow!("password hashing failed: {e}");
    let argon2 = Argon2::default();
    let params = argon2.params();
    let salt: [u8; 16] = rand::random();
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let memory = blocks(memory, params).ok_or_else(|| failed(&"parameters too large"))?;
    argon2
        .hash_password_into_with_memory(password, &salt, &mut output, memory)
        .map_err(|e| failed(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|e| failed(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| failed(&e))?),
        hash: Some(Output::new(&output).map_err(|e| failed(&e))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored`, recomputed with the stored algorithm,
/// version, parameters and salt and compared in constant time. Anything unreadable is a
/// mismatch.
fn verify_with(memory: &mut Memory, password: &[u8], stored: &str) -> bool {
    let Ok(stored) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(stored.algorithm.as_str()) else {
        return false;
    };
    let Ok(version) = stored
        .version
        .map_or(Ok(Version::default()), Version::try_from)
    else {
        return false;
    };
    let Ok(params) = Params::try_from(&stored) else {
        return false;
    };
    let Some(memory) = blocks(memory, &params) else {
        return false;
    };
    let mut output = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt.as_ref(), &mut output, memory)
        .is_ok()
        && bool::from(output.as_slice().ct_eq(expected.as_bytes()))
}

/// A hashing thread: runs jobs until every sender is gone.
fn work(queue: &Mutex<mpsc::Receiver<Job>>) {
    let mut memory = Memory::new();
    loop {
        let job = {
            let Ok(queue) = queue.lock() else { return };
            match queue.recv() {
                Ok(job) => job,
                Err(mpsc::RecvError) => return,
            }
        };
        // A panic inside argon2 must not take the thread (and with it the pool) down.
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut memory))).is_err() {
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

    #[test]
    fn hashes_agree_with_the_argon2_crates_own_hasher_and_verifier() -> anyhow::Result<()> {
        use argon2::{PasswordHasher, PasswordVerifier};
        let mut memory = Memory::new();
        // Stored by the crate's own hasher (as earlier versions did): verified here.
        let theirs = Argon2::default()
            .hash_password(b"stored before")
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .to_string();
        assert!(verify_with(&mut memory, b"stored before", &theirs));
        assert!(!verify_with(&mut memory, b"stored after", &theirs));
        // Made here: the crate's verifier accepts it.
        let ours = hash_with(&mut memory, b"made here")?;
        assert!(
            Argon2::default()
                .verify_password(b"made here", ours.as_str())
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"made there", ours.as_str())
                .is_err()
        );
        // Other algorithms and parameters are read from the string, with the same memory.
        let params = Params::new(8 * 1024, 3, 1, Some(24)).map_err(|e| anyhow::anyhow!("{e}"))?;
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x10, params)
            .hash_password(b"older params")
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .to_string();
        assert!(verify_with(&mut memory, b"older params", &argon2i));
        assert!(!verify_with(&mut memory, b"older param", &argon2i));
        assert_eq!(
            memory.len(),
            Params::default().block_count(),
            "memory reused"
        );
        Ok(())
    }

    #[test]
    fn hostile_stored_hashes_never_match_or_allocate() {
        let mut memory = Memory::new();
        let salt = "c29tZXNhbHRzb21lc2FsdA";
        let output = "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE";
        for stored in [
            format!("$argon2id$v=19$m=4194304,t=2,p=1${salt}${output}"),
            format!("$argon2id$v=19$m=19456,t=2,p=1${salt}"),
            format!("$scrypt$ln=15,r=8,p=1${salt}${output}"),
            format!("$argon2id$v=7$m=19456,t=2,p=1${salt}${output}"),
            String::new(),
        ] {
            assert!(!verify_with(&mut memory, b"anything", &stored), "{stored}");
        }
        assert!(memory.is_empty(), "nothing was allocated for them");
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

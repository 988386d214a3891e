//! A few transfers in flight at once, as the pages keep three: the part uploads of `send` and the
//! ranged part downloads of `receive`. Each worker thread has its own clone of the client (one
//! connection pool); the first failure stops the rest and is the one returned.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::error::{CliError, Result};

/// Transfers in flight at once.
pub const IN_FLIGHT: usize = 3;

/// A pool of `IN_FLIGHT` threads running `work` on each job handed to [`Pool::run`].
pub struct Pool<J: Send + 'static> {
    jobs: Option<SyncSender<J>>,
    workers: Vec<JoinHandle<()>>,
    failed: Arc<Mutex<Option<CliError>>>,
}

impl<J: Send + 'static> Pool<J> {
    pub fn new<F>(work: F) -> Pool<J>
    where
        F: Fn(J) -> Result<()> + Send + Sync + 'static,
    {
        let (tx, rx) = sync_channel::<J>(IN_FLIGHT);
        let rx = Arc::new(Mutex::new(rx));
        let work = Arc::new(work);
        let failed: Arc<Mutex<Option<CliError>>> = Arc::new(Mutex::new(None));
        let workers = (0..IN_FLIGHT)
            .map(|_| {
                let (rx, work, failed) = (Arc::clone(&rx), Arc::clone(&work), Arc::clone(&failed));
                std::thread::spawn(move || worker(&rx, &*work, &failed))
            })
            .collect();
        Pool {
            jobs: Some(tx),
            workers,
            failed,
        }
    }

    /// Hands `job` to a free worker (waiting while all are busy); the first failure so far, if
    /// there was one, instead.
    pub fn run(&self, job: J) -> Result<()> {
        if let Some(e) = self.take_failure() {
            return Err(e);
        }
        match &self.jobs {
            Some(tx) if tx.send(job).is_ok() => Ok(()),
            _ => Err(self
                .take_failure()
                .unwrap_or_else(|| CliError::Local("The transfer threads stopped.".into()))),
        }
    }

    /// Waits for every job handed over; the first failure, if any.
    pub fn finish(mut self) -> Result<()> {
        drop(self.jobs.take());
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        match self.take_failure() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn take_failure(&self) -> Option<CliError> {
        self.failed.lock().ok()?.take()
    }
}

fn worker<J>(
    rx: &Mutex<Receiver<J>>,
    work: &dyn Fn(J) -> Result<()>,
    failed: &Mutex<Option<CliError>>,
) {
    loop {
        let job = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        if failed.lock().map(|f| f.is_some()).unwrap_or(true) {
            continue;
        }
        if let Err(e) = work(job) {
            if let Ok(mut f) = failed.lock() {
                f.get_or_insert(e);
            }
        }
    }
}

//! [`Net`], the runtime and client the whole process shares.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::UrlPolicy;
use super::config::{NetConfig, NetError};
use super::fetch::Fetcher;

/// The network stack: cheap to clone, clones share the runtime and the
/// client. The runtime stops when the last clone goes.
#[derive(Clone)]
pub struct Net {
    inner: Arc<Inner>,
}

struct Inner {
    fetcher: Fetcher,
    handle: tokio::runtime::Handle,
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
}

impl Net {
    /// Starts the runtime (two worker threads: a box has few cores) and
    /// builds the client.
    pub fn new(config: NetConfig) -> Result<Net, NetError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("pillarbox-net")
            .enable_all()
            .build()
            .map_err(|e| NetError::Config(format!("network runtime: {e}")))?;
        #[cfg(feature = "qa")]
        super::counters::RUNTIMES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // reqwest's client must be built inside a runtime context.
        let fetcher = {
            let _guard = runtime.enter();
            Fetcher::new(config)?
        };
        Ok(Net {
            inner: Arc::new(Inner {
                fetcher,
                handle: runtime.handle().clone(),
                runtime: Mutex::new(Some(runtime)),
            }),
        })
    }

    pub fn fetcher(&self) -> &Fetcher {
        &self.inner.fetcher
    }

    pub fn policy(&self) -> &UrlPolicy {
        self.inner.fetcher.policy()
    }

    /// The runtime, for tasks and servers that run on it.
    pub fn handle(&self) -> &tokio::runtime::Handle {
        &self.inner.handle
    }

    pub fn spawn<F>(&self, future: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.handle.spawn(future)
    }

    /// Stops the runtime now, whoever still holds a clone: its tasks are
    /// dropped (long-lived ones, like the catalog refresh, hold clones of
    /// their own). Called outside the runtime, when the app closes.
    pub fn shutdown(&self) {
        if let Some(runtime) = self.inner.runtime.lock().ok().and_then(|mut r| r.take()) {
            runtime.shutdown_timeout(Duration::from_secs(2));
        }
    }

    /// Runs `future` to its end from a thread outside the runtime (the CLI).
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.inner.handle.block_on(future)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let Some(runtime) = self.runtime.lock().ok().and_then(|mut r| r.take()) else {
            return;
        };
        // The last clone may go on one of the runtime's own threads, where
        // waiting for it to stop is not allowed.
        if tokio::runtime::Handle::try_current().is_ok() {
            runtime.shutdown_background();
        } else {
            runtime.shutdown_timeout(Duration::from_secs(2));
        }
    }
}

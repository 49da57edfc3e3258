//! The built-in demo server: serves a folder over HTTP on 127.0.0.1 with
//! byte-range support, in-process, so the demo goes through the same fetch
//! and playback code as a partner's CDN.

use std::net::SocketAddr;
use std::path::Path;
use std::thread::JoinHandle;

use tokio::sync::oneshot;
use tower_http::services::ServeDir;
use url::Url;

pub struct DemoServer {
    base: Url,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl DemoServer {
    /// Serves `dir` on an ephemeral loopback port until dropped.
    pub fn start(dir: &Path) -> std::io::Result<DemoServer> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind(SocketAddr::from((
            [127, 0, 0, 1],
            0,
        ))))?;
        let addr = listener.local_addr()?;
        let app = axum::Router::new().fallback_service(ServeDir::new(dir));
        let (tx, rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("pillarbox-demo-http".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let server = axum::serve(listener, app).with_graceful_shutdown(async {
                        let _ = rx.await;
                    });
                    if let Err(e) = server.await {
                        tracing::error!(error = %e, "demo server stopped");
                    }
                });
            })?;
        let base = Url::parse(&format!("http://{addr}/"))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(DemoServer {
            base,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT/`
    pub fn base(&self) -> &Url {
        &self.base
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

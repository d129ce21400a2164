//! Ordered shutdown on SIGTERM/SIGINT: readiness fails first so load balancers drain, then the
//! server stops accepting and finishes in-flight requests, then resources close.

use crate::state::AppState;

/// Resolves when SIGTERM or SIGINT arrives, after marking the server as shutting down.
pub async fn on_signal(state: AppState) {
    wait_for_signal().await;
    tracing::info!("shutdown signal received: draining");
    state.lifecycle.begin_shutdown();
}

async fn wait_for_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Closes what outlives the HTTP server: the database pools.
pub async fn finish(state: &AppState) {
    state.ctx.store.close().await;
    tracing::info!("shutdown complete");
}

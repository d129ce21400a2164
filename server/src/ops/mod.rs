//! Operations: logging, the request log and request ids, metrics (process metrics included),
//! Sentry, telemetry, alerts.

pub mod health;
pub mod latency;
pub mod logging;
pub mod metrics;
pub mod process;
pub mod sentry;
pub mod telemetry;

/// Installs `ring` as the process-wide TLS crypto provider (used by the HTTP clients for
/// Sentry, webhooks and AI providers). Idempotent.
pub fn install_crypto_provider() {
    // Err means a provider is already installed, which is what we want.
    let _already_installed = rustls::crypto::ring::default_provider().install_default();
}

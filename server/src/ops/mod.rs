//! Operations: logging, the request log and request ids, client addresses.

use std::net::IpAddr;

pub mod alerts;
pub mod logging;
pub mod metrics;
pub mod proxy;
pub mod request;
pub mod sentry;
pub mod telemetry;
pub mod workers;

/// The client's address as the server trusts it (the TCP peer, or the address a trusted proxy
/// reported), put in request extensions by [`request::client_addr`].
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub IpAddr);

/// Installs `ring` as the process-wide TLS crypto provider (used by the HTTP clients for
/// Sentry, webhooks and AI providers). Idempotent.
pub fn install_crypto_provider() {
    // Err means a provider is already installed, which is what we want.
    let _already_installed = rustls::crypto::ring::default_provider().install_default();
}

//! Operations: logging, the request log and request ids, client addresses.

use std::net::IpAddr;

pub mod logging;
pub mod request;

/// The client's address as the server trusts it (the TCP peer, or the address a trusted proxy
/// reported), put in request extensions by [`request::client_addr`].
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub IpAddr);

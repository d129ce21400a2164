//! Validated domain types and the one access policy.
//!
//! Nothing here does I/O: the HTTP handlers, the socket handlers, search and export load the
//! facts they need and ask [`policy`] what the viewer may do.

pub mod id;
pub mod message;
pub mod policy;
pub mod quota;
pub mod room;
pub mod ticket;
pub mod user;

pub use id::Id;

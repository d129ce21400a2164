//! Unit tests of the use cases over a real SQLite store (see [`super::testing`]): each checks
//! what was stored, which domain events were published, and that a refused action publishes
//! none.

mod bans;
mod helpdesk;
mod members;
mod messages;
mod pins;
mod tickets;

//! The integration tests: the real server on port 0, against SQLite and PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cloned_ref_to_slice_refs,
    missing_docs
)]

mod helpers;
mod smtp;

mod admin;
mod archive;
mod assistant;
mod auth;
mod cli;
mod email_notifications;
mod errors;
mod files;
mod history;
mod media;
mod messages;
mod notifications;
mod openapi;
mod ops;
mod pins;
mod policy;
mod previews;
mod profiles;
mod push;
mod reactions;
mod redis_tls;
mod rooms;
mod search;
mod security;
mod tickets;
mod web;

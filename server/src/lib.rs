//! Switchboard: a self-hosted team chat and helpdesk server with its operations built in.
//!
//! Start here:
//! - [`config`]: every setting, read once from the environment.
//! - [`app`]: the shared [`app::AppState`], the router (no I/O) and `serve`.
//! - [`domain`]: validated types and the one access policy ([`domain::policy`]).
//! - [`service`]: use cases shared by REST and sockets (send a message, ban a user, ...).
//! - [`http`]: one module per REST resource; [`realtime`]: Socket.IO.
//! - [`store`]: the `Store` trait with SQLite and PostgreSQL backends.
//! - [`ops`]: logging, the request log; [`error`]: the one error type and its JSON form.

pub mod app;
pub mod assistant;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod mail;
pub mod ops;
pub mod ratelimit;
pub mod realtime;
pub mod redis;
pub mod service;
pub mod shutdown;
pub mod state;
pub mod store;
pub mod views;
pub mod wire;
pub mod workers;

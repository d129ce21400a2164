//! Switchboard: a self-hosted team chat and helpdesk server with its operations built in.
//!
//! Start here (docs/architecture.md has the picture and the path of a message):
//! - [`config`]: every setting, read once from the environment, grouped per concern.
//! - [`app`]: the composition root: `build_state` wires the components and the event
//!   subscribers, `router` (no I/O), `serve`; [`state`]: what handlers are given.
//! - [`domain`]: validated types and the one access policy ([`domain::policy`]).
//! - [`service`]: the use cases shared by REST and sockets (send a message, ban a user, ...),
//!   over a narrow [`service::Ctx`]; they publish [`service::events::Event`]s after the commit.
//! - [`http`]: one module per REST resource; [`realtime`]: Socket.IO, a subscriber of the
//!   events; [`wire`]: what both transports read off a request.
//! - [`workers`]: the job queue and background work (mail, alerts, the assistant).
//! - [`store`]: the `Store` trait, one query set for SQLite and PostgreSQL.
//! - [`ops`]: logging, metrics, Sentry, health; [`error`]: the one error type and its codes.

pub mod app;
pub mod assistant;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod mail;
pub mod media;
pub mod ops;
pub mod previews;
pub mod push;
pub mod ratelimit;
pub mod realtime;
pub mod redis;
pub mod service;
pub mod shutdown;
pub mod state;
pub mod storage;
pub mod store;
pub mod views;
pub mod wire;
pub mod workers;

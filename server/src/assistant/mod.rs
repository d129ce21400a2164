//! The AI ticket assistant: summaries, suggested replies and escalation advice for agents.
//!
//! - [`model`]: the input (a ticket's conversation) and output ([`model::Insights`]) of every
//!   provider, with the validation that model answers must pass.
//! - [`local`]: the default provider, deterministic and offline.

pub mod local;
pub mod model;

//! The AI ticket assistant: summaries, suggested replies and escalation advice for agents.
//!
//! - [`model`]: the input (a ticket's conversation) and output ([`model::Insights`]) of every
//!   provider, with the validation that model answers must pass.
//! - [`provider`]: the provider trait and the default [`provider::LocalProvider`] (offline,
//!   deterministic, the rules in [`local`]).
//! - [`openai`]: any OpenAI-compatible chat-completions server, with a daily token budget.
//! - [`update`]: what an analysis of only the newest messages carries forward from the last one.
//! - [`worker`]: background refreshes through the durable jobs queue.

use std::{sync::Arc, time::Duration};

pub mod local;
pub mod model;
pub mod openai;
pub mod provider;
pub mod update;

use crate::{config::AssistantConfig, ops::telemetry::Telemetry, store::DynStore};
use provider::{LocalProvider, Provider};

/// The provider `AI_PROVIDER` selects.
pub fn provider_from_config(
    config: &AssistantConfig,
    departments: &[String],
    http: reqwest::Client,
    store: DynStore,
    telemetry: Telemetry,
) -> Arc<dyn Provider> {
    let local = LocalProvider {
        departments: departments.to_vec(),
    };
    match config.ai_provider {
        crate::config::AiProvider::Local => Arc::new(local),
        crate::config::AiProvider::Openai => {
            let spent = telemetry.clone();
            let meter = openai::TokenMeter {
                today: Arc::new(move || {
                    let (store, telemetry) = (store.clone(), telemetry.clone());
                    Box::pin(async move {
                        let today = crate::store::now()
                            .date_naive()
                            .and_hms_opt(0, 0, 0)
                            .map(|d| d.and_utc());
                        let stored = match today {
                            Some(today) => store.tokens_since(today).await.unwrap_or(0),
                            None => 0,
                        };
                        u64::try_from(stored).unwrap_or(0) + telemetry.pending_ai_tokens()
                    })
                }),
                spend: Arc::new(move |tokens| spent.record_ai_tokens(tokens)),
            };
            Arc::new(openai::OpenAiProvider::new(
                openai::OpenAiConfig {
                    base_url: config.ai_base_url.expose().to_owned(),
                    model: config.ai_model.clone(),
                    api_key: config.ai_api_key.as_ref().map(|k| k.expose().to_owned()),
                    daily_token_budget: config.ai_daily_token_budget,
                    timeout: Duration::from_secs(config.ai_timeout_secs),
                },
                http,
                local,
                meter,
            ))
        }
    }
}

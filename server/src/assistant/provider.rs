//! The provider interface, and the always-available local provider.

use super::model::{Insights, TicketContext};

/// What a provider produced.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// The insights (validated by the caller).
    pub insights: Insights,
    /// Model tokens this answer cost (0 for the local provider), stored with the insights. The
    /// provider has already counted them (and those of failed attempts) against the budget.
    pub tokens: u64,
    /// Who produced them, as stored and shown (`local`, `openai`, `local (budget)`).
    pub provider: String,
}

/// Why an analysis failed.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// Worth retrying later (network, timeout, 429, 5xx).
    #[error("temporary failure: {0}")]
    Temporary(String),
    /// The answer was unusable (malformed, invalid) or the request was refused.
    #[error("{0}")]
    Invalid(String),
}

/// Something that reads a ticket and returns insights.
#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    /// The provider's name.
    fn name(&self) -> &'static str;
    /// Analyses a ticket.
    async fn analyze(&self, ctx: &TicketContext) -> Result<Analysis, ProviderError>;
}

/// The offline provider: deterministic, fast, no setup.
pub struct LocalProvider {
    /// Departments tickets may be routed to.
    pub departments: Vec<String>,
}

#[async_trait::async_trait]
impl Provider for LocalProvider {
    fn name(&self) -> &'static str {
        "local"
    }

    async fn analyze(&self, ctx: &TicketContext) -> Result<Analysis, ProviderError> {
        Ok(Analysis {
            insights: super::local::analyze(ctx, &self.departments),
            tokens: 0,
            provider: "local".into(),
        })
    }
}

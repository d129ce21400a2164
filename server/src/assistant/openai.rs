//! Any OpenAI-compatible chat-completions server (a hosted API, Ollama, vLLM, llama.cpp): a
//! prompt asking for one JSON object, strict validation of the answer, retries with backoff on
//! 429 and 5xx, token accounting, and a daily token budget after which the local provider
//! answers instead (and says so).

use std::{sync::Arc, time::Duration};

use serde::Deserialize;
use serde_json::json;

use super::{
    model::{AuthorKind, Insights, TicketContext},
    provider::{Analysis, LocalProvider, Provider, ProviderError},
};

/// Attempts per analysis (the first and two retries).
const ATTEMPTS: u32 = 3;

/// Settings of the OpenAI-compatible provider.
#[derive(Clone)]
pub struct OpenAiConfig {
    /// e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1`.
    pub base_url: String,
    /// Model name.
    pub model: String,
    /// Bearer key (optional for local servers).
    pub api_key: Option<String>,
    /// Tokens per UTC day across the cluster; 0 = unlimited.
    pub daily_token_budget: u64,
    /// Per-request timeout.
    pub timeout: Duration,
}

/// Tokens spent today, as the budget sees them.
pub type TokensToday = Arc<dyn Fn() -> futures::future::BoxFuture<'static, u64> + Send + Sync>;
/// Records tokens the model server billed, as soon as an answer reports them (whether or not
/// the answer turns out usable), so the budget sees every token spent.
pub type TokensSpent = Arc<dyn Fn(u64) + Send + Sync>;

/// The budget's view of spending: what today cost so far, and where new spending goes.
#[derive(Clone)]
pub struct TokenMeter {
    /// Tokens spent today across the cluster.
    pub today: TokensToday,
    /// Records new spending.
    pub spend: TokensSpent,
}

/// The model-backed provider, falling back to `local` when the budget is spent.
pub struct OpenAiProvider {
    config: OpenAiConfig,
    http: reqwest::Client,
    local: LocalProvider,
    meter: TokenMeter,
}

impl OpenAiProvider {
    /// A provider talking to `config.base_url`.
    pub fn new(
        config: OpenAiConfig,
        http: reqwest::Client,
        local: LocalProvider,
        meter: TokenMeter,
    ) -> Self {
        Self {
            config,
            http,
            local,
            meter,
        }
    }

    /// Whether today's budget is spent (never with a budget of 0).
    async fn budget_spent(&self) -> bool {
        self.config.daily_token_budget > 0
            && (self.meter.today)().await >= self.config.daily_token_budget
    }

    /// One request; returns the insights and the tokens they cost.
    async fn call(&self, ctx: &TicketContext) -> Result<(Insights, u64), ProviderError> {
        let url = format!(
            "{}/chat/completions",
            self.config.base_url.trim_end_matches('/')
        );
        let body = json!({
            "model": self.config.model,
            "temperature": 0.2,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": prompt(ctx)},
            ],
        });
        let mut request = self
            .http
            .post(&url)
            .timeout(self.config.timeout)
            .json(&body);
        if let Some(key) = &self.config.api_key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.map_err(|e| {
            ProviderError::Temporary(if e.is_timeout() {
                "the model did not answer in time".into()
            } else {
                format!("model unreachable: {e}")
            })
        })?;
        let status = response.status();
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(ProviderError::Temporary(format!(
                "the model server answered {status}"
            )));
        }
        if !status.is_success() {
            return Err(ProviderError::Invalid(format!(
                "the model server refused the request ({status})"
            )));
        }
        let completion: Completion = response
            .json()
            .await
            .map_err(|e| ProviderError::Invalid(format!("not a chat completion: {e}")))?;
        // Billed whether or not the answer is usable: count before judging it.
        let tokens = completion.usage.map_or(0, |u| u.total_tokens);
        if tokens > 0 {
            (self.meter.spend)(tokens);
        }
        let content = completion
            .choices
            .first()
            .and_then(|c| c.message.content.as_deref())
            .ok_or_else(|| ProviderError::Invalid("the completion has no content".into()))?;
        let mut insights = parse_insights(content)?;
        if ctx.previous.is_some() {
            // The model read only the new messages: it may not lower the alarm on its own.
            super::update::carry_forward(&mut insights, ctx);
        }
        Ok((insights, tokens))
    }
}

#[async_trait::async_trait]
impl Provider for OpenAiProvider {
    fn name(&self) -> &'static str {
        "openai"
    }

    async fn analyze(&self, ctx: &TicketContext) -> Result<Analysis, ProviderError> {
        let mut last = ProviderError::Temporary("no attempt made".into());
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(250 * 2u64.pow(attempt))).await;
            }
            // Checked before every request: a failed attempt may have spent the rest.
            if self.budget_spent().await {
                let mut analysis = self.local.analyze(ctx).await?;
                analysis.provider = "local (daily model budget spent)".into();
                return Ok(analysis);
            }
            match self.call(ctx).await {
                Ok((insights, tokens)) => {
                    return Ok(Analysis {
                        insights,
                        tokens,
                        provider: "openai".into(),
                    });
                }
                Err(err @ ProviderError::Temporary(_)) => last = err,
                Err(err) => return Err(err),
            }
        }
        Err(last)
    }
}

/// Parses and validates the model's JSON (a code fence around it is tolerated).
pub fn parse_insights(content: &str) -> Result<Insights, ProviderError> {
    let trimmed = content.trim();
    let json = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|rest| rest.strip_suffix("```"))
        .unwrap_or(trimmed);
    let insights: Insights = serde_json::from_str(json).map_err(|e| {
        ProviderError::Invalid(format!("the model's answer is not the expected JSON: {e}"))
    })?;
    insights
        .validate()
        .map_err(|e| ProviderError::Invalid(format!("the model's answer is invalid: {e}")))?;
    Ok(insights)
}

const SYSTEM_PROMPT: &str = "You are a helpdesk assistant for support agents. Read the ticket and answer with ONE JSON \
object, no prose, with exactly these fields: summary (string, at most 600 characters, what happened so far), problem \
(string, the customer's main problem in one sentence), urgency (one of low, normal, high, critical), sentiment (one of \
negative, neutral, positive), sentimentScore (number from -1 to 1), topic (one of security, outage, billing, account, \
technical, feature_request, general), suggestions (array of 3 to 5 distinct replies the agent could send, each at most \
500 characters, polite and specific), escalation (object: escalate boolean, severity one of low, medium, high, critical, \
department string or null, reason string). Never invent facts that are not in the ticket.";

fn prompt(ctx: &TicketContext) -> String {
    let mut text = format!(
        "Subject: {}\nStatus: {}\nDepartment: {}\nOpened: {}\nNow: {}\n",
        ctx.subject,
        ctx.status,
        ctx.department.as_deref().unwrap_or("none"),
        ctx.created_at.to_rfc3339(),
        ctx.now.to_rfc3339()
    );
    match &ctx.previous {
        Some(previous) => {
            let before = &previous.insights;
            let escalation = if before.escalation.escalate {
                format!(
                    "escalated ({}): {}",
                    label(&before.escalation.severity),
                    before.escalation.reason
                )
            } else {
                "not escalated".to_owned()
            };
            text.push_str(&format!(
                "Summary of earlier messages: {}\nEarlier assessment: urgency {:?}, topic {}, {escalation}\n\
                 Keep the earlier urgency and escalation unless the new messages resolve them.\nNew messages:\n",
                before.summary,
                label(&before.urgency),
                before.topic
            ));
        }
        None => text.push_str("Messages:\n"),
    }
    for message in ctx.unread_messages() {
        let who = match message.author {
            AuthorKind::Customer => "customer",
            AuthorKind::Staff => "staff",
        };
        text.push_str(&format!(
            "[{} {who} {}] {}\n",
            message.created_at.to_rfc3339(),
            message.author_name,
            message.body
        ));
    }
    text
}

/// An enum's wire name (`critical`), as the answer must spell it.
fn label(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChoiceMessage,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    content: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    total_tokens: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_answers_are_failures_not_crashes() {
        assert!(matches!(
            parse_insights("not json"),
            Err(ProviderError::Invalid(_))
        ));
        assert!(matches!(
            parse_insights("{\"summary\": \"x\"}"),
            Err(ProviderError::Invalid(_))
        ));
    }
}

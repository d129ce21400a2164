//! Background refreshes of a ticket's insights (`assistant.refresh` jobs): an update when
//! insights exist (the provider gets the previous analysis with the conversation; a model reads
//! only the new messages, the local provider judges them all), from scratch on demand. Failures
//! are recorded on the ticket, counted, and retried by the jobs queue.

use serde_json::json;

use super::Jobs;
use crate::{
    assistant::{
        model::{AuthorKind, ConversationMessage, Insights, PreviousAnalysis, TicketContext},
        provider::ProviderError,
    },
    domain::{
        Id,
        policy::{self, Capability},
    },
    service::Event,
    store::{JobRow, Page, insights::NewInsights},
};

/// Messages sent to a provider at most (the newest ones).
const MAX_MESSAGES: usize = 200;

/// Runs one refresh job.
pub async fn refresh(jobs: &Jobs, job: &JobRow) -> Result<(), String> {
    let ticket_id: Id = job.payload.0["ticketId"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or("the job has no ticket id")?;
    let full = job.payload.0["full"].as_bool().unwrap_or(false);
    match run(jobs, ticket_id, full).await {
        Ok(()) => Ok(()),
        Err(failure) => {
            metrics::counter!("switchboard_assistant_failures_total", "provider" => jobs.assistant.name()).increment(1);
            // Staff see a short, stable sentence; the provider's own words (which may name
            // its URL or echo the request) stay in the job's error and the log.
            if let Err(err) = jobs
                .ctx
                .store
                .record_insights_failure(ticket_id, failure.public_message())
                .await
            {
                tracing::warn!(error = %err, "could not record an assistant failure");
            }
            Err(failure.detail)
        }
    }
}

/// Why a refresh failed: what staff are shown, and the detail for operators.
struct Failure {
    kind: FailureKind,
    detail: String,
}

#[derive(Clone, Copy)]
enum FailureKind {
    /// The provider did not answer (network, timeout, 429, 5xx).
    Unavailable,
    /// The provider answered with something unusable, or refused the request.
    Unusable,
    /// Our own storage failed.
    Storage,
}

impl Failure {
    fn public_message(&self) -> &'static str {
        match self.kind {
            FailureKind::Unavailable => {
                "The assistant's model did not answer; the refresh will be tried again."
            }
            FailureKind::Unusable => "The assistant's model gave an answer that could not be used.",
            FailureKind::Storage => "The analysis could not be saved; it will be tried again.",
        }
    }
}

impl From<ProviderError> for Failure {
    fn from(err: ProviderError) -> Self {
        let kind = match err {
            ProviderError::Temporary(_) => FailureKind::Unavailable,
            ProviderError::Invalid(_) => FailureKind::Unusable,
        };
        Self {
            kind,
            detail: err.to_string(),
        }
    }
}

async fn run(jobs: &Jobs, ticket_id: Id, full: bool) -> Result<(), Failure> {
    let store_err = |e: crate::store::StoreError| Failure {
        kind: FailureKind::Storage,
        detail: e.to_string(),
    };
    let Some(ticket) = jobs
        .ctx
        .store
        .get_ticket(ticket_id)
        .await
        .map_err(store_err)?
    else {
        return Ok(()); // deleted meanwhile
    };
    let previous = if full {
        None
    } else {
        previous_analysis(jobs, ticket_id)
            .await
            .map_err(store_err)?
    };
    let messages = conversation(jobs, ticket_id).await.map_err(store_err)?;
    let Some(newest) = messages.last().map(|m| m.seq) else {
        return Ok(()); // nothing to read yet
    };
    if previous.as_ref().is_some_and(|p| newest <= p.covered_seq) {
        return Ok(()); // nothing new since the last refresh
    }
    let covered_before = previous.as_ref().map_or(0, |p| p.covered_seq);
    let ctx = TicketContext {
        subject: ticket.subject.clone(),
        department: ticket.department.clone(),
        status: ticket.status.as_str().to_owned(),
        created_at: ticket.created_at,
        now: crate::store::now(),
        previous,
        messages,
    };
    let analysis = jobs.assistant.analyze(&ctx).await?;
    let unusable = |detail: String| Failure {
        kind: FailureKind::Unusable,
        detail,
    };
    analysis.insights.validate().map_err(unusable)?;
    let details = serde_json::to_value(&analysis.insights).map_err(|e| unusable(e.to_string()))?;
    jobs.ctx
        .store
        .save_insights(&NewInsights {
            ticket_id,
            summary: analysis.insights.summary.clone(),
            suggestions: json!(analysis.insights.suggestions),
            escalation: details["escalation"].clone(),
            details,
            covered_seq: newest.max(covered_before),
            provider: analysis.provider.clone(),
            tokens: i64::try_from(analysis.tokens).unwrap_or(i64::MAX),
        })
        .await
        .map_err(store_err)?;
    jobs.ctx
        .events
        .publish(Event::TicketInsights {
            ticket_id,
            requester: ticket.requester_id,
        })
        .await;
    tracing::info!(ticket = %ticket_id, provider = %analysis.provider, covered_seq = newest, "assistant insights refreshed");
    Ok(())
}

/// The stored insights of a ticket and the seq they cover, when they can be read back.
async fn previous_analysis(
    jobs: &Jobs,
    ticket: Id,
) -> Result<Option<PreviousAnalysis>, crate::store::StoreError> {
    let stored = jobs.ctx.store.get_insights(ticket).await?;
    Ok(stored.and_then(|stored| {
        let insights = serde_json::from_value::<Insights>(stored.details.0).ok()?;
        Some(PreviousAnalysis {
            covered_seq: stored.covered_seq,
            insights,
        })
    }))
}

/// The ticket's live messages, the newest [`MAX_MESSAGES`], labelled by their authors' real
/// roles.
async fn conversation(
    jobs: &Jobs,
    ticket: Id,
) -> Result<Vec<ConversationMessage>, crate::store::StoreError> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = jobs
            .ctx
            .store
            .list_messages(ticket, Page::After(after), 500)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        let full = page.len() == 500;
        out.extend(
            page.into_iter()
                .filter(|m| m.deleted_at.is_none())
                .map(|m| ConversationMessage {
                    seq: m.seq,
                    author: if policy::allows(m.author_role, Capability::RequestTickets) {
                        AuthorKind::Customer
                    } else {
                        AuthorKind::Staff
                    },
                    author_name: m.author_name,
                    body: m.body,
                    created_at: m.created_at,
                }),
        );
        if !full {
            break;
        }
    }
    if out.len() > MAX_MESSAGES {
        out.drain(..out.len() - MAX_MESSAGES);
    }
    Ok(out)
}

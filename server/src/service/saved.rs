//! Saved messages: each user's private bookmarks. Anyone who reads a message may save it;
//! the list shows only live messages the user may still read (leaving a private room hides
//! what was saved there until they are back).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Actor, Ctx, messages::message_with_access, search::ResultRoom, spend};
use crate::{
    domain::{Id, policy::Action},
    error::{AppError, AppResult},
    ratelimit::Action as Limit,
    views::MessageView,
};

/// A saved message.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SavedView {
    /// The message.
    pub message: MessageView,
    /// Its room.
    pub room: ResultRoom,
    /// When it was saved.
    pub saved_at: DateTime<Utc>,
}

/// Whether a message is among the actor's saved messages now.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SavedState {
    /// The message.
    pub message_id: Id,
    /// True when saved.
    pub saved: bool,
}

/// Saves (`save`) or unsaves a message the actor may read; both are idempotent. A deleted
/// message cannot be saved (unsaving it still works).
pub async fn set_saved(
    ctx: &Ctx,
    actor: &Actor,
    message_id: Id,
    save: bool,
) -> AppResult<SavedState> {
    let (message, _) = message_with_access(ctx, actor, message_id, Action::Read).await?;
    if save && message.deleted_at.is_some() {
        return Err(AppError::not_found("message"));
    }
    spend(ctx, Limit::Save, actor).await?;
    if save {
        let at = crate::store::now();
        ctx.store.save_message(actor.id(), message_id, at).await?;
    } else {
        ctx.store.unsave_message(actor.id(), message_id).await?;
    }
    Ok(SavedState {
        message_id,
        saved: save,
    })
}

/// The actor's saved messages, the latest saved first, before a (saved_at, message id)
/// cursor.
pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    before: Option<(DateTime<Utc>, Id)>,
    limit: i64,
) -> AppResult<Vec<SavedView>> {
    let saved = ctx
        .store
        .saved_messages(&actor.viewer(), before, limit)
        .await?;
    let rows: Vec<_> = saved.iter().map(|s| s.message.clone()).collect();
    let views = super::messages::view_many(ctx, actor, &rows).await?;
    Ok(saved
        .into_iter()
        .zip(views)
        .map(|(saved, message)| SavedView {
            room: ResultRoom {
                id: message.room_id,
                slug: saved.room_slug,
                title: saved.room_title,
                kind: saved.room_kind,
            },
            saved_at: saved.saved_at,
            message,
        })
        .collect())
}

//! Pinned messages: whoever may post in a room pins messages there for all its readers, up
//! to [`MAX_PINS_PER_ROOM`]; everyone who reads the room sees the list.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{
    Actor, Ctx,
    events::Event,
    messages::{message_with_access, view_many, view_one},
    room_with_access, spend,
};
use crate::{
    domain::{Id, policy::Action},
    error::{AppError, AppResult, Code},
    ratelimit::Action as Limit,
    views::MessageView,
};

/// Pinned messages one room may hold (Slack allows 100).
pub const MAX_PINS_PER_ROOM: i64 = 100;

/// A pinned message.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PinView {
    /// The message.
    pub message: MessageView,
    /// When it was pinned.
    pub pinned_at: DateTime<Utc>,
    /// Who pinned it.
    pub pinned_by: PinnedBy,
}

/// Who pinned a message.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PinnedBy {
    /// Id.
    pub id: Id,
    /// Name.
    pub name: String,
}

/// Pins (`pin`) or unpins a live message; pinning a pinned message (or unpinning an unpinned
/// one) changes nothing and tells no one. Answers the message as it is now.
pub async fn set_pinned(
    ctx: &Ctx,
    actor: &Actor,
    message_id: Id,
    pin: bool,
) -> AppResult<MessageView> {
    let (message, _) = message_with_access(ctx, actor, message_id, Action::Pin).await?;
    if message.deleted_at.is_some() {
        return Err(AppError::not_found("message"));
    }
    spend(ctx, Limit::Pin, actor).await?;
    let changed = match (pin, message.pinned) {
        (true, false) => {
            if ctx.store.count_pins(message.room_id).await? >= MAX_PINS_PER_ROOM {
                return Err(AppError::new(
                    Code::PinLimit,
                    format!("a room holds at most {MAX_PINS_PER_ROOM} pinned messages"),
                ));
            }
            let at = crate::store::now();
            ctx.store
                .pin_message(message_id, message.room_id, actor.id(), at)
                .await?
        }
        (false, true) => ctx.store.unpin_message(message_id).await?,
        _ => false,
    };
    let row = ctx
        .store
        .get_message(message_id)
        .await?
        .ok_or_else(|| AppError::not_found("message"))?;
    let view = view_one(ctx, actor, &row).await?;
    if changed {
        ctx.events
            .publish(Event::MessagePinned {
                room_id: view.room_id,
                message_id,
                pinned: pin,
                by: actor.id(),
            })
            .await;
    }
    Ok(view)
}

/// A room's pinned messages, the latest pinned first.
pub async fn list(ctx: &Ctx, actor: &Actor, room_id: Id) -> AppResult<Vec<PinView>> {
    room_with_access(ctx, actor, room_id, Action::Read).await?;
    let pins = ctx.store.room_pins(room_id, MAX_PINS_PER_ROOM).await?;
    let rows: Vec<_> = pins.iter().map(|p| p.message.clone()).collect();
    let views = view_many(ctx, actor, &rows).await?;
    Ok(pins
        .into_iter()
        .zip(views)
        .map(|(pin, message)| PinView {
            message,
            pinned_at: pin.pinned_at,
            pinned_by: PinnedBy {
                id: pin.pinned_by,
                name: pin.pinned_by_name,
            },
        })
        .collect())
}

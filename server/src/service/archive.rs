//! Archiving rooms. An archived room stays readable and searchable, but nobody writes in it:
//! the access policy refuses every write there with `ROOM_ARCHIVED`, whichever transport
//! asks. It leaves the room lists (the sidebar, Discover) unless they ask for archived rooms,
//! and moderators, owners and admins can restore it.

use serde_json::json;

use super::{Actor, Ctx, audit::Audit, events::Event, room_view_with_access};
use crate::{
    domain::{Id, policy::Action},
    error::{AppError, AppResult},
    store::RoomWithMe,
};

/// Archives a public or private room (moderators, owners, admins); audited, and every reader
/// of the room hears of it. Archiving an archived room changes nothing.
pub async fn archive(ctx: &Ctx, actor: &Actor, room_id: Id) -> AppResult<RoomWithMe> {
    set_archived(ctx, actor, room_id, true).await
}

/// Restores an archived room (moderators, owners, admins); audited and live like
/// [`archive`]. Restoring an active room changes nothing.
pub async fn unarchive(ctx: &Ctx, actor: &Actor, room_id: Id) -> AppResult<RoomWithMe> {
    set_archived(ctx, actor, room_id, false).await
}

async fn set_archived(
    ctx: &Ctx,
    actor: &Actor,
    room_id: Id,
    archive: bool,
) -> AppResult<RoomWithMe> {
    let room = room_view_with_access(ctx, actor, room_id, Action::Archive).await?;
    if room.room.archived_at.is_some() == archive {
        return Ok(room);
    }
    let (action, archived_at, by) = if archive {
        ("room.archive", Some(crate::store::now()), Some(actor.id()))
    } else {
        ("room.unarchive", None, None)
    };
    let audit = Audit::by(
        actor,
        action,
        "room",
        room_id,
        json!({"slug": room.room.slug, "kind": room.room.kind}),
    );
    let after = ctx
        .store
        .set_archived(room_id, archived_at, by, audit.rows())
        .await?
        .ok_or_else(|| AppError::not_found("room"))?;
    audit.committed();
    ctx.events
        .publish(Event::RoomUpdated {
            before: room.access.room,
            after,
        })
        .await;
    // Loaded without a read check: an admin may archive a private room they cannot read.
    ctx.store
        .room_shown(room_id, actor.id())
        .await?
        .ok_or_else(|| AppError::not_found("room"))
}

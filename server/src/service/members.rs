//! Room membership: join, leave, invite, remove, roles, ownership and read cursors.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{Actor, audit::Audit, room_view_with_access, room_with_access, rooms::check};
use super::{Ctx, events::Event};
use crate::{
    domain::{
        Id,
        policy::{self, Action, Capability, Viewer, authorize, may_add_member},
        room::{RoomKind, RoomRole},
    },
    error::{AppError, AppResult, Code},
    store::{MemberRow, RoomWithMe},
};

/// Joins a public room the actor may read.
pub async fn join(ctx: &Ctx, actor: &Actor, room_id: Id) -> AppResult<RoomWithMe> {
    let room = room_with_access(ctx, actor, room_id, Action::Join).await?;
    if room.my_role.is_some() {
        return Err(AppError::new(Code::AlreadyMember, "already a member"));
    }
    ctx.store
        .add_member(room_id, actor.id(), RoomRole::Member, &[])
        .await?;
    ctx.events
        .publish(Event::MemberAdded {
            room_id,
            user_id: actor.id(),
            role: RoomRole::Member,
        })
        .await;
    room_view_with_access(ctx, actor, room_id, Action::Read).await
}

/// Leaves a room. The last owner cannot leave while others remain (transfer ownership first).
pub async fn leave(ctx: &Ctx, actor: &Actor, room_id: Id) -> AppResult<()> {
    let room = room_with_access(ctx, actor, room_id, Action::Read).await?;
    let Some(role) = room.my_role else {
        return Err(AppError::new(Code::NotMember, "not a member of this room"));
    };
    if room.room.kind == RoomKind::Dm {
        return Err(AppError::forbidden("direct messages cannot be left"));
    }
    ensure_not_last_owner(ctx, room_id, role).await?;
    ctx.store.remove_member(room_id, actor.id(), &[]).await?;
    ctx.events
        .publish(Event::MemberRemoved {
            room_id,
            user_id: actor.id(),
        })
        .await;
    Ok(())
}

/// Refuses to remove the only owner of a room that still has other members.
async fn ensure_not_last_owner(ctx: &Ctx, room_id: Id, role: RoomRole) -> AppResult<()> {
    if role != RoomRole::Owner {
        return Ok(());
    }
    let (members, owners) = ctx.store.count_members(room_id).await?;
    if owners <= 1 && members > 1 {
        return Err(AppError::new(
            Code::LastOwner,
            "transfer ownership before the last owner leaves",
        ));
    }
    Ok(())
}

/// A page of members (readers of the room only).
pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    room_id: Id,
    after: Option<(DateTime<Utc>, Id)>,
    limit: i64,
) -> AppResult<Vec<(MemberRow, bool)>> {
    room_with_access(ctx, actor, room_id, Action::Read).await?;
    let rows = ctx.store.list_members(room_id, after, limit).await?;
    let online = ctx
        .presence
        .online_among(rows.iter().map(|m| m.user.id).collect())
        .await;
    Ok(rows
        .into_iter()
        .map(|m| {
            let is_online = online.contains(&m.user.id);
            (m, is_online)
        })
        .collect())
}

/// Adds a user to a room (invite). Only `member` and `moderator` can be granted here.
pub async fn add(
    ctx: &Ctx,
    actor: &Actor,
    room_id: Id,
    user_id: Id,
    role: RoomRole,
) -> AppResult<MemberRow> {
    let room = room_with_access(ctx, actor, room_id, Action::Invite).await?;
    refuse_owner(role)?;
    if role != RoomRole::Member {
        check(actor, &room, Action::ManageMembers)?;
    }
    let user = ctx
        .store
        .get_user(user_id)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    let newcomer = Viewer::new(user.id, user.role, user.department.clone());
    may_add_member(&actor.viewer(), &room.facts(), &newcomer, role)
        .map_err(|d| super::denial_error(d, "room"))?;
    let audit = Audit::by(
        actor,
        "member.add",
        "room",
        room_id,
        json!({"userId": user_id, "role": role}),
    );
    ctx.store
        .add_member(room_id, user_id, role, audit.rows())
        .await?;
    audit.committed();
    ctx.events
        .publish(Event::MemberAdded {
            room_id,
            user_id,
            role,
        })
        .await;
    member(ctx, room_id, user_id).await
}

/// Owners are made by the ownership transfer only.
fn refuse_owner(role: RoomRole) -> AppResult<()> {
    if role == RoomRole::Owner {
        return Err(AppError::invalid(
            "role",
            "use the ownership transfer to make an owner",
        ));
    }
    Ok(())
}

async fn member(ctx: &Ctx, room_id: Id, user_id: Id) -> AppResult<MemberRow> {
    ctx.store
        .get_member(room_id, user_id)
        .await?
        .ok_or_else(|| AppError::new(Code::NotMember, "not a member of this room"))
}

/// Changes a member's role between `member` and `moderator` (owners and admins).
pub async fn set_role(
    ctx: &Ctx,
    actor: &Actor,
    room_id: Id,
    user_id: Id,
    role: RoomRole,
) -> AppResult<MemberRow> {
    let room = room_with_access(ctx, actor, room_id, Action::ManageMembers).await?;
    refuse_owner(role)?;
    if !policy::may_change_roles(&actor.viewer(), &room.facts()) {
        return Err(AppError::forbidden("only owners change room roles"));
    }
    let target = member(ctx, room_id, user_id).await?;
    if target.room_role == RoomRole::Owner {
        return Err(AppError::forbidden(
            "transfer ownership to change the owner's role",
        ));
    }
    let audit = Audit::by(
        actor,
        "member.role_change",
        "room",
        room_id,
        json!({"userId": user_id, "from": target.room_role, "to": role}),
    );
    if ctx
        .store
        .set_member_role(room_id, user_id, role, audit.rows())
        .await?
    {
        audit.committed();
    }
    publish_role(ctx, room_id, user_id, role).await;
    member(ctx, room_id, user_id).await
}

async fn publish_role(ctx: &Ctx, room_id: Id, user_id: Id, role: RoomRole) {
    let changed = Event::MemberRoleChanged {
        room_id,
        user_id,
        role,
    };
    ctx.events.publish(changed).await;
}

/// Removes someone from a room (moderators remove members, owners moderators, admins anyone);
/// removing oneself is leaving.
pub async fn remove(ctx: &Ctx, actor: &Actor, room_id: Id, user_id: Id) -> AppResult<()> {
    if user_id == actor.id() {
        return leave(ctx, actor, room_id).await;
    }
    let room = room_with_access(ctx, actor, room_id, Action::ManageMembers).await?;
    let target = member(ctx, room_id, user_id).await?;
    let actor_rank = policy::removal_rank(&actor.viewer(), &room.facts());
    if target.room_role.rank() >= actor_rank {
        return Err(AppError::forbidden(
            "cannot remove a member of equal or higher room role",
        ));
    }
    ensure_not_last_owner(ctx, room_id, target.room_role).await?;
    let audit = Audit::by(
        actor,
        "member.remove",
        "room",
        room_id,
        json!({"userId": user_id, "role": target.room_role}),
    );
    if ctx
        .store
        .remove_member(room_id, user_id, audit.rows())
        .await?
    {
        audit.committed();
    }
    ctx.events
        .publish(Event::MemberRemoved { room_id, user_id })
        .await;
    Ok(())
}

/// Makes another member the owner; the previous owner becomes a moderator.
pub async fn transfer_ownership(
    ctx: &Ctx,
    actor: &Actor,
    room_id: Id,
    to: Id,
) -> AppResult<MemberRow> {
    let room = room_with_access(ctx, actor, room_id, Action::ManageMembers).await?;
    if room.room.kind != RoomKind::Public && room.room.kind != RoomKind::Private {
        return Err(AppError::forbidden("only rooms have owners"));
    }
    if !policy::may_transfer_ownership(&actor.viewer(), &room.facts()) {
        return Err(AppError::forbidden("only the owner transfers ownership"));
    }
    let from = if room.my_role == Some(RoomRole::Owner) {
        actor.id()
    } else {
        current_owner(ctx, room_id).await?
    };
    let target = member(ctx, room_id, to).await?;
    if target.room_role == RoomRole::Owner {
        return Err(AppError::invalid("userId", "already the owner"));
    }
    authorize(
        &Viewer::new(
            target.user.id,
            target.user.role,
            target.user.department.clone(),
        ),
        &room.facts(),
        Action::Read,
    )
    .map_err(|_| AppError::forbidden("this user cannot own this room"))?;
    if !policy::allows(target.user.role, Capability::OwnRooms) {
        return Err(AppError::forbidden("read-only accounts cannot own rooms"));
    }
    let audit = Audit::by(
        actor,
        "room.ownership_transfer",
        "room",
        room_id,
        json!({"from": from, "to": to}),
    );
    ctx.store
        .transfer_ownership(room_id, from, to, audit.rows())
        .await?;
    audit.committed();
    publish_role(ctx, room_id, from, RoomRole::Moderator).await;
    publish_role(ctx, room_id, to, RoomRole::Owner).await;
    member(ctx, room_id, to).await
}

async fn current_owner(ctx: &Ctx, room_id: Id) -> AppResult<Id> {
    let mut after = None;
    loop {
        let page = ctx.store.list_members(room_id, after, 200).await?;
        if let Some(owner) = page.iter().find(|m| m.room_role == RoomRole::Owner) {
            return Ok(owner.user.id);
        }
        match page.last() {
            Some(last) if page.len() == 200 => after = Some((last.joined_at, last.user.id)),
            _ => return Err(AppError::new(Code::Conflict, "this room has no owner")),
        }
    }
}

/// Moves the actor's read cursor forward; returns the stored cursor.
pub async fn mark_read(ctx: &Ctx, actor: &Actor, room_id: Id, seq: i64) -> AppResult<i64> {
    if seq < 0 {
        return Err(AppError::invalid("seq", "must not be negative"));
    }
    room_with_access(ctx, actor, room_id, Action::Read).await?;
    super::spend(ctx, crate::ratelimit::Action::Read, actor).await?;
    let seq = ctx
        .store
        .mark_read(room_id, actor.id(), seq)
        .await?
        .ok_or_else(|| AppError::new(Code::NotMember, "only members keep a read cursor"))?;
    ctx.events
        .publish(Event::ReadMoved {
            room_id,
            user_id: actor.id(),
            seq,
        })
        .await;
    Ok(seq)
}

/// Whether a member is online anywhere, for the views that show it.
pub async fn with_presence(ctx: &Ctx, row: MemberRow) -> (MemberRow, bool) {
    let online = !ctx
        .presence
        .online_among(vec![row.user.id])
        .await
        .is_empty();
    (row, online)
}

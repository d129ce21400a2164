//! Use cases shared by the REST handlers and the socket handlers: each function takes the
//! ctx, the acting user and validated input, asks the access policy, touches the store and
//! returns views. HTTP and Socket.IO are only transports around these.

pub mod access_cache;
pub mod accounts;
pub mod admin;
pub mod analytics;
pub mod archive;
pub mod assistant;
pub mod audit;
pub mod auth;
pub mod context;
pub mod edit_history;
pub mod events;
pub mod export;
pub mod export_zip;
pub mod files;
pub mod media;
pub mod members;
pub mod mentions;
pub mod messages;
pub mod notifications;
pub mod passwords;
pub mod pins;
pub mod previews;
pub mod profiles;
pub mod push;
pub mod reactions;
pub mod rooms;
pub mod saved;
pub mod search;
pub mod sessions;
pub mod sync;
#[cfg(test)]
pub mod testing;
#[cfg(test)]
mod tests;
pub mod tickets;
pub mod unsubscribe;
pub mod users;

pub use context::{Ctx, Settings};
pub use events::{Event, Events};

use crate::{
    domain::{
        Id,
        policy::{self, Action, Capability, Denial, Viewer},
    },
    error::{AppError, AppResult, Code},
    store::{RoomAccess, RoomWithMe, UserRow},
};

/// Who is acting, and from where (for audit rows and logs).
#[derive(Clone, Debug)]
pub struct Actor {
    /// The signed-in user.
    pub user: UserRow,
    /// The session used, if any (`None` for the CLI and the system).
    pub session_id: Option<Id>,
    /// Client address.
    pub ip: Option<String>,
    /// Request (or socket event) id.
    pub request_id: Option<String>,
    /// The one ticket a follow-link session may read (`None` = the role's full access).
    pub scope: Option<Id>,
}

impl Actor {
    /// The acting user's id.
    pub fn id(&self) -> Id {
        self.user.id
    }

    /// The facts the access policy needs about the actor.
    pub fn viewer(&self) -> Viewer {
        Viewer {
            scope: self.scope,
            ..Viewer::new(self.user.id, self.user.role, self.user.department.clone())
        }
    }
}

/// Turns a policy refusal into the client error it means.
pub fn denial_error(denial: Denial, what: &'static str) -> AppError {
    match denial {
        Denial::NotFound => AppError::not_found(what),
        Denial::ReadOnly => AppError::read_only(),
        Denial::NotMember => AppError::new(Code::NotMember, "join the room first"),
        Denial::Forbidden(why) => AppError::forbidden(why),
        Denial::Archived => AppError::new(
            Code::RoomArchived,
            "this room is archived: it is read-only until it is restored",
        ),
    }
}

/// Refuses the actor a capability the policy does not give their role.
pub fn require(actor: &Actor, capability: Capability) -> AppResult<()> {
    policy::require(&actor.viewer(), capability).map_err(|d| denial_error(d, "resource"))
}

/// Loads a room and the actor's standing in it, and checks `action` on it; unreadable rooms are
/// "not found".
pub async fn room_with_access(
    ctx: &Ctx,
    actor: &Actor,
    room_id: Id,
    action: Action,
) -> AppResult<RoomAccess> {
    let room = ctx
        .store
        .room_access(room_id, actor.id())
        .await?
        .ok_or_else(|| AppError::not_found("room"))?;
    authorize_room(actor, &room, action)?;
    Ok(room)
}

/// [`room_with_access`] for a send: the room and the sender's standing in it come from the
/// access cache when the sender posted there lately (see [`access_cache`]); the policy checks
/// the actor as they are now every time. For checks only: the cached room's seq and the
/// sender's cursors may be behind.
pub async fn room_to_post(
    ctx: &Ctx,
    actor: &Actor,
    room_id: Id,
) -> AppResult<std::sync::Arc<RoomAccess>> {
    let user = actor.id();
    let room = match ctx.access.get(room_id, user) {
        Some(room) => room,
        None => {
            let generation = ctx.access.generation();
            let room = std::sync::Arc::new(
                ctx.store
                    .room_access(room_id, user)
                    .await?
                    .ok_or_else(|| AppError::not_found("room"))?,
            );
            ctx.access
                .put(generation, std::sync::Arc::clone(&room), user);
            room
        }
    };
    authorize_room(actor, &room, Action::Post)?;
    Ok(room)
}

/// [`room_with_access`] with the actor's unread counts, for answers that show the room.
pub async fn room_view_with_access(
    ctx: &Ctx,
    actor: &Actor,
    room_id: Id,
    action: Action,
) -> AppResult<RoomWithMe> {
    let room = ctx
        .store
        .room_shown(room_id, actor.id())
        .await?
        .ok_or_else(|| AppError::not_found("room"))?;
    authorize_room(actor, &room, action)?;
    Ok(room)
}

/// Checks `action` on a loaded room.
fn authorize_room(actor: &Actor, room: &RoomAccess, action: Action) -> AppResult<()> {
    policy::authorize(&actor.viewer(), &room.facts(), action).map_err(|d| denial_error(d, "room"))
}

/// Spends one request of the actor's quota for `action`. Services call it after the access
/// check, so a refused action spends nothing and a forbidden one is never hidden behind a 429.
pub async fn spend(ctx: &Ctx, action: crate::ratelimit::Action, actor: &Actor) -> AppResult<()> {
    ctx.limits.check(action, &actor.id().to_string()).await?;
    Ok(())
}

/// Maps a domain validation message to a 422 for `field`.
pub fn field<T>(field: &'static str, result: Result<T, &'static str>) -> AppResult<T> {
    result.map_err(|problem| AppError::invalid(field, problem))
}

/// A page size: default when absent, at most `max`, and at least 1.
pub fn page_limit(limit: Option<i64>, default: i64, max: i64) -> AppResult<i64> {
    match limit {
        None => Ok(default),
        Some(n) if n >= 1 => Ok(n.min(max)),
        Some(_) => Err(AppError::invalid("limit", "must be at least 1")),
    }
}

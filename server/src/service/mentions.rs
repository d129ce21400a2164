//! Handles and mentions: every account's unique `@handle`, the people a message body mentions
//! (resolved when it is sent or edited, kept to those who may read the room), and the
//! composer's autocomplete.

use std::collections::{HashMap, HashSet};

use super::{Actor, Ctx, field, room_with_access};
use crate::{
    domain::{
        Id,
        mention::{self, Mentions},
        policy::{self, Action, RoomFacts, Viewer},
        room::RoomRole,
    },
    error::{AppError, AppResult},
    store::{Recipient, RoomAccess, StoreError, UserRow},
    views::{MentionView, MessageView, UserView},
};

/// Rooms with more members than this take a moderator to mention `@room` (or `@channel`).
pub const ROOM_MENTION_LIMIT: i64 = 50;

/// Handles tried per account before giving up on a name (then a random suffix is used).
const HANDLE_ATTEMPTS: u32 = 50;

/// Who a message body mentions, as far as the room allows.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    /// People mentioned by handle who may read the room, in order of first mention.
    pub users: Vec<MentionView>,
    /// The body's group mentions.
    pub groups: Mentions,
}

/// Resolves the mentions of `body`, sent by `actor` into `room`. Handles of people who may
/// not read the room (or of nobody) stay text. `@room` in a room of more than
/// [`ROOM_MENTION_LIMIT`] members takes a moderator (403 otherwise).
pub async fn resolve(
    ctx: &Ctx,
    actor: &Actor,
    room: &RoomAccess,
    body: &str,
) -> AppResult<Resolved> {
    let found = mention::extract(body);
    if found.is_empty() {
        return Ok(Resolved::default());
    }
    if found.room {
        let (members, _) = ctx.store.count_members(room.room.id).await?;
        policy::may_mention_everyone(&actor.viewer(), &room.facts(), members, ROOM_MENTION_LIMIT)
            .map_err(|d| super::denial_error(d, "room"))?;
    }
    let users = ctx.store.users_by_handles(&found.handles).await?;
    let ids: Vec<Id> = users.iter().map(|u| u.id).collect();
    let readers = readers_among(ctx, room, &ids).await?;
    let by_handle: HashMap<&str, &UserRow> = users
        .iter()
        .filter(|u| readers.contains(&u.id))
        .filter_map(|u| Some((u.handle.as_deref()?, u)))
        .collect();
    let users = found
        .handles
        .iter()
        .filter_map(|h| by_handle.get(h.as_str()))
        .map(|u| MentionView {
            user_id: u.id,
            handle: u.handle.clone().unwrap_or_default(),
        })
        .collect();
    Ok(Resolved {
        users,
        groups: Mentions {
            handles: Vec::new(),
            ..found
        },
    })
}

/// Which of `ids` may read `room` (members, and readers of a public room or ticket).
pub async fn readers_among(ctx: &Ctx, room: &RoomAccess, ids: &[Id]) -> AppResult<HashSet<Id>> {
    let candidates = ctx.store.recipients(room.room.id, Some(ids)).await?;
    Ok(candidates
        .iter()
        .filter(|c| may_read(room, c))
        .map(|c| c.user_id)
        .collect())
}

/// Whether `candidate` may read `room` (the room as loaded for anyone).
pub fn may_read(room: &RoomAccess, candidate: &Recipient) -> bool {
    let facts = RoomFacts {
        my_role: candidate.is_member.then_some(RoomRole::Member),
        ..room.facts()
    };
    candidate.deactivated_at.is_none()
        && policy::can_read(
            &Viewer::new(
                candidate.user_id,
                candidate.role,
                candidate.department.clone(),
            ),
            &facts,
        )
}

/// Adds their mentions to message views (one query, only for bodies with an `@`).
pub async fn attach(ctx: &Ctx, views: &mut [MessageView]) -> AppResult<()> {
    let ids: Vec<Id> = views
        .iter()
        .filter(|v| v.body.as_deref().is_some_and(|b| b.contains('@')))
        .map(|v| v.id)
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let mut by_message: HashMap<Id, Vec<MentionView>> = HashMap::new();
    for (message_id, user_id, handle) in ctx.store.mentions_for(&ids).await? {
        by_message
            .entry(message_id)
            .or_default()
            .push(MentionView { user_id, handle });
    }
    for view in views {
        if let Some(mentions) = by_message.remove(&view.id) {
            view.mentions = mentions;
        }
    }
    Ok(())
}

/// A free handle for a new account named `name` with address `email`.
pub async fn unique_handle(ctx: &Ctx, name: &str, email: &str) -> AppResult<String> {
    let base = mention::derive_handle(name, email);
    for n in 1..=HANDLE_ATTEMPTS {
        let candidate = mention::numbered(&base, n);
        if !ctx.store.handle_taken(&candidate).await? {
            return Ok(candidate);
        }
    }
    let suffix = Id::new().to_string();
    Ok(format!("{base}-{}", &suffix[suffix.len() - 6..]))
}

/// Gives a handle to every account made before handles existed (at start-up).
pub async fn backfill_handles(ctx: &Ctx) -> AppResult<u64> {
    let mut given = 0;
    loop {
        let users = ctx.store.users_without_handle(200).await?;
        if users.is_empty() {
            return Ok(given);
        }
        for user in users {
            let handle = unique_handle(ctx, &user.name, &user.email).await?;
            match ctx.store.set_handle(user.id, &handle).await {
                Ok(_) => given += 1,
                // Another instance gave it one (or took this handle) meanwhile: next round.
                Err(StoreError::Constraint(_)) => {}
                Err(err) => return Err(err.into()),
            }
        }
    }
}

/// Changes the actor's handle (validated, unique: `HANDLE_TAKEN` otherwise).
pub async fn set_my_handle(ctx: &Ctx, actor: &Actor, raw: &str) -> AppResult<UserView> {
    let handle = field("handle", mention::parse_handle(raw))?;
    if actor.user.handle.as_deref() != Some(handle.as_str()) {
        // A taken handle is the unique index's conflict, answered `HANDLE_TAKEN`.
        ctx.store.set_handle(actor.id(), &handle).await?;
    }
    let user = ctx
        .store
        .get_user(actor.id())
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    Ok(UserView::full(&user))
}

/// People who may read `room_id` whose handle or name starts with `prefix` (the composer's
/// autocomplete), at most `limit`, members first.
pub async fn mentionable(
    ctx: &Ctx,
    actor: &Actor,
    room_id: Id,
    prefix: &str,
    limit: i64,
) -> AppResult<Vec<UserView>> {
    let room = room_with_access(ctx, actor, room_id, Action::Post).await?;
    let prefix = prefix.trim().trim_start_matches('@');
    if prefix.chars().count() > mention::MAX_HANDLE {
        return Ok(Vec::new());
    }
    let limit = limit.clamp(1, 20);
    // Read a few more than asked: some candidates may not read the room.
    let users = ctx.store.users_by_prefix(prefix, limit * 4).await?;
    let ids: Vec<Id> = users.iter().map(|u| u.id).collect();
    let candidates = ctx.store.recipients(room_id, Some(&ids)).await?;
    let members: HashSet<Id> = candidates
        .iter()
        .filter(|c| c.is_member)
        .map(|c| c.user_id)
        .collect();
    let readers: HashSet<Id> = candidates
        .iter()
        .filter(|c| may_read(&room, c))
        .map(|c| c.user_id)
        .collect();
    let mut found: Vec<&UserRow> = users
        .iter()
        .filter(|u| readers.contains(&u.id) && u.id != actor.id())
        .collect();
    found.sort_by_key(|u| !members.contains(&u.id));
    Ok(found
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(20))
        .map(|u| UserView::for_viewer(u, actor.user.role, actor.id()))
        .collect())
}

//! Rooms and DMs: create, read, change, delete, discover.

use serde_json::json;

use super::{
    Actor, audit::Audit, auth::check_department, denial_error, field, require,
    room_view_with_access, room_with_access, spend,
};
use super::{Ctx, events::Event};
use crate::domain::policy::Capability;
use crate::{
    domain::{
        Id,
        policy::{self, Action},
        room::{RoomKind, RoomRole, parse_description, parse_slug, parse_tags, parse_title},
    },
    error::{AppError, AppResult},
    ratelimit::Action as Limit,
    store::{
        ArchivedFilter, DiscoverFilter, DmMemberRow, NewRoom, RoomAccess, RoomPatch, RoomRow,
        RoomWithMe, StoreError,
    },
};

/// The rooms the actor is a member of (and may still read), most recently active first;
/// `archived` says whether archived rooms are among them.
pub async fn my_rooms(
    ctx: &Ctx,
    actor: &Actor,
    archived: ArchivedFilter,
) -> AppResult<Vec<RoomWithMe>> {
    let viewer = actor.viewer();
    let rooms = ctx.store.member_rooms(actor.id()).await?;
    let mut rooms: Vec<RoomWithMe> = rooms
        .into_iter()
        .filter(|room| archived.shows(room.room.archived_at.is_some()))
        .filter(|room| policy::can_read(&viewer, &room.facts()))
        .collect();
    name_dms(ctx, actor, &mut rooms).await?;
    Ok(rooms)
}

/// Names DMs for the viewer: the other members by their names now ("Grace & Linus" to Ada),
/// not the title stored when the DM was opened, which names everyone and goes stale when
/// someone is renamed. Also lists those members (`peers`, for their avatars). Other rooms
/// keep their titles.
pub async fn name_dms(ctx: &Ctx, actor: &Actor, rooms: &mut [RoomWithMe]) -> AppResult<()> {
    let dms: Vec<Id> = rooms
        .iter()
        .filter(|r| r.room.kind == RoomKind::Dm)
        .map(|r| r.room.id)
        .collect();
    if dms.is_empty() {
        return Ok(());
    }
    let mut others: std::collections::HashMap<Id, Vec<DmMemberRow>> =
        std::collections::HashMap::new();
    for member in ctx.store.dm_members(&dms).await? {
        if member.user_id != actor.id() {
            others.entry(member.room_id).or_default().push(member);
        }
    }
    for room in rooms.iter_mut() {
        if let Some(mut peers) = others.remove(&room.room.id) {
            // One order on both databases, whatever their collations.
            peers.sort_by(|a, b| a.name.cmp(&b.name).then(a.user_id.cmp(&b.user_id)));
            let names: Vec<String> = peers.iter().map(|p| p.name.clone()).collect();
            room.room.title = dm_title(&names);
            room.peers = peers;
        }
    }
    Ok(())
}

/// Public rooms the actor may read and join.
pub async fn discover(
    ctx: &Ctx,
    actor: &Actor,
    filter: &DiscoverFilter,
) -> AppResult<Vec<RoomWithMe>> {
    require(actor, Capability::SeeTeam)?;
    Ok(ctx.store.discover_rooms(&actor.viewer(), filter).await?)
}

/// Input of [`create_room`].
pub struct CreateRoom {
    /// Slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// `public` or `private`.
    pub kind: RoomKind,
    /// Department.
    pub department: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
}

/// Creates a public or private room owned by the actor.
pub async fn create_room(ctx: &Ctx, actor: &Actor, input: CreateRoom) -> AppResult<RoomWithMe> {
    require(actor, Capability::StartConversations)?;
    if !matches!(input.kind, RoomKind::Public | RoomKind::Private) {
        return Err(AppError::invalid(
            "kind",
            "must be public or private (DMs via /dms, tickets via /tickets)",
        ));
    }
    let room = NewRoom {
        id: Id::new(),
        slug: field("slug", parse_slug(&input.slug))?,
        title: field("title", parse_title(&input.title))?,
        description: field(
            "description",
            parse_description(input.description.as_deref().unwrap_or("")),
        )?,
        kind: input.kind,
        department: check_department(ctx, input.department.as_deref())?,
        tags: field("tags", parse_tags(&input.tags))?,
        created_by: Some(actor.id()),
        dm_key: None,
        members: vec![(actor.id(), RoomRole::Owner)],
    };
    let audit = room_created(actor, &room, None);
    let created = ctx.store.create_room(&room, audit.rows()).await?;
    audit.committed();
    let id = publish_created(ctx, actor, created).await;
    room_view_with_access(ctx, actor, id, Action::Read).await
}

/// Publishes that `actor` created `room`; its id.
async fn publish_created(ctx: &Ctx, actor: &Actor, room: RoomRow) -> Id {
    let id = room.id;
    let creator = actor.id();
    ctx.events
        .publish(Event::RoomCreated { room, creator })
        .await;
    id
}

/// The audit row of a new room; `with` is the other person of a DM.
fn room_created(actor: &Actor, room: &NewRoom, with: Option<Id>) -> Audit {
    let mut metadata = json!({"slug": room.slug, "kind": room.kind, "department": room.department});
    if let Some(with) = with {
        metadata["with"] = json!(with);
    }
    Audit::by(actor, "room.create", "room", room.id, metadata)
}

/// Input of [`update_room`]; absent fields stay.
#[derive(Default)]
pub struct UpdateRoom {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Department (`Some(None)` = everyone).
    pub department: Option<Option<String>>,
    /// Public or private (owners and admins: it decides who reads the whole history).
    pub kind: Option<RoomKind>,
}

/// Changes a room's title, description, tags or department (moderators, owners, admins), or
/// its kind (owners, admins).
pub async fn update_room(
    ctx: &Ctx,
    actor: &Actor,
    room_id: Id,
    input: UpdateRoom,
) -> AppResult<RoomWithMe> {
    let room = room_with_access(ctx, actor, room_id, Action::UpdateRoom).await?;
    let kind = match input.kind {
        Some(kind) if kind != room.room.kind => {
            check_kind_change(actor, &room, kind)?;
            Some(kind)
        }
        _ => None,
    };
    let before = room.room;
    let patch = RoomPatch {
        kind,
        title: input
            .title
            .as_deref()
            .map(parse_title)
            .transpose()
            .map_err(|p| AppError::invalid("title", p))?,
        description: input
            .description
            .as_deref()
            .map(parse_description)
            .transpose()
            .map_err(|p| AppError::invalid("description", p))?,
        tags: input
            .tags
            .as_deref()
            .map(parse_tags)
            .transpose()
            .map_err(|p| AppError::invalid("tags", p))?,
        department: match input.department {
            Some(d) => Some(check_department(ctx, d.as_deref())?),
            None => None,
        },
    };
    let changed: Vec<&str> = [
        patch.title.as_ref().map(|_| "title"),
        patch.description.as_ref().map(|_| "description"),
        patch.tags.as_ref().map(|_| "tags"),
        patch.department.as_ref().map(|_| "department"),
        patch.kind.as_ref().map(|_| "kind"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let audit = Audit::by(
        actor,
        "room.update",
        "room",
        room_id,
        json!({"fields": changed}),
    );
    let updated = ctx
        .store
        .update_room(room_id, &patch, audit.rows())
        .await?
        .ok_or_else(|| AppError::not_found("room"))?;
    audit.committed();
    ctx.events
        .publish(Event::RoomUpdated {
            before,
            after: updated,
        })
        .await;
    room_view_with_access(ctx, actor, room_id, Action::Read).await
}

/// A room changes between public and private only, by whoever may delete it (its owner, an
/// admin): opening a private room shows its whole history to the department.
fn check_kind_change(actor: &Actor, room: &RoomAccess, kind: RoomKind) -> AppResult<()> {
    let rooms = [RoomKind::Public, RoomKind::Private];
    if !rooms.contains(&kind) || !rooms.contains(&room.room.kind) {
        return Err(AppError::invalid(
            "kind",
            "only rooms change between public and private",
        ));
    }
    check(actor, room, Action::DeleteRoom)
        .map_err(|_| AppError::forbidden("only the owner or an admin changes who may read a room"))
}

/// Deletes a room with its history (owners; admins, except DMs).
pub async fn delete_room(ctx: &Ctx, actor: &Actor, room_id: Id) -> AppResult<RoomRow> {
    let room = room_with_access(ctx, actor, room_id, Action::DeleteRoom).await?;
    let audit = Audit::by(
        actor,
        "room.delete",
        "room",
        room_id,
        json!({"slug": room.room.slug, "kind": room.room.kind, "lastSeq": room.room.last_seq}),
    );
    if ctx.store.delete_room(room_id, audit.rows()).await? {
        audit.committed();
    }
    ctx.events.publish(Event::RoomDeleted { room_id }).await;
    Ok(room.room)
}

/// The fewest and most other people in a group DM.
pub const GROUP_DM_OTHERS: std::ops::RangeInclusive<usize> = 2..=8;

/// Returns the DM between the actor and `other`, creating it when missing. The flag says
/// whether it was created.
pub async fn open_dm(ctx: &Ctx, actor: &Actor, other: Id) -> AppResult<(RoomWithMe, bool)> {
    open_dm_with(ctx, actor, "userId", vec![other]).await
}

/// Returns the group DM between the actor and `others` (2 to 8 other people), creating it
/// when missing. The exact set of members is the conversation: members are never added or
/// removed later, a different set is a different DM.
pub async fn open_group_dm(
    ctx: &Ctx,
    actor: &Actor,
    others: Vec<Id>,
) -> AppResult<(RoomWithMe, bool)> {
    if !GROUP_DM_OTHERS.contains(&others.len()) {
        return Err(AppError::invalid(
            "userIds",
            format!(
                "a group DM has {} to {} other people",
                GROUP_DM_OTHERS.start(),
                GROUP_DM_OTHERS.end()
            ),
        ));
    }
    let mut unique = others.clone();
    unique.sort();
    unique.dedup();
    if unique.len() != others.len() {
        return Err(AppError::invalid("userIds", "each person is listed once"));
    }
    open_dm_with(ctx, actor, "userIds", others).await
}

/// Opens (or finds) the DM and names it for the actor.
async fn open_dm_with(
    ctx: &Ctx,
    actor: &Actor,
    field: &str,
    others: Vec<Id>,
) -> AppResult<(RoomWithMe, bool)> {
    let (room, created) = find_or_create_dm(ctx, actor, field, others).await?;
    let mut room = [room];
    name_dms(ctx, actor, &mut room).await?;
    let [room] = room;
    Ok((room, created))
}

async fn find_or_create_dm(
    ctx: &Ctx,
    actor: &Actor,
    field: &str,
    others: Vec<Id>,
) -> AppResult<(RoomWithMe, bool)> {
    require(actor, Capability::StartConversations)?;
    if others.contains(&actor.id()) {
        return Err(AppError::invalid(field, "cannot open a DM with yourself"));
    }
    let mut names = vec![actor.user.name.clone()];
    for other in &others {
        let peer = ctx
            .store
            .get_user(*other)
            .await?
            .ok_or_else(|| AppError::not_found("user"))?;
        if !policy::allows(peer.role, Capability::SeeTeam) {
            return Err(AppError::forbidden(
                "customers are reached through their tickets",
            ));
        }
        names.push(peer.name);
    }
    let mut everyone = others.clone();
    everyone.push(actor.id());
    let key = dm_key(&everyone);
    if let Some(existing) = ctx.store.find_dm(&key).await? {
        return Ok((
            room_view_with_access(ctx, actor, existing.id, Action::Read).await?,
            false,
        ));
    }
    let mut members = vec![(actor.id(), RoomRole::Member)];
    members.extend(others.iter().map(|id| (*id, RoomRole::Member)));
    let room = NewRoom {
        id: Id::new(),
        slug: format!("dm-{}", Id::new().as_uuid().simple()),
        title: dm_title(&names),
        description: String::new(),
        kind: RoomKind::Dm,
        department: None,
        tags: Vec::new(),
        created_by: Some(actor.id()),
        dm_key: Some(key.clone()),
        members,
    };
    let audit = room_created(actor, &room, (others.len() == 1).then(|| others[0]));
    let created = match ctx.store.create_room(&room, audit.rows()).await {
        Ok(created) => {
            audit.committed();
            let id = publish_created(ctx, actor, created).await;
            for other in &others {
                ctx.events
                    .publish(Event::MemberAdded {
                        room_id: id,
                        user_id: *other,
                        role: RoomRole::Member,
                    })
                    .await;
            }
            (id, true)
        }
        // Two members opened the DM at once: the other request won; use its room.
        Err(StoreError::Constraint(name)) if name == "rooms_dm_key_key" => {
            let existing = ctx
                .store
                .find_dm(&key)
                .await?
                .ok_or_else(|| AppError::not_found("room"))?;
            (existing.id, false)
        }
        Err(e) => return Err(e.into()),
    };
    Ok((
        room_view_with_access(ctx, actor, created.0, Action::Read).await?,
        created.1,
    ))
}

/// The unique key of the DM between a set of users: their ids in order (two for a 1:1 DM).
fn dm_key(members: &[Id]) -> String {
    let mut sorted = members.to_vec();
    sorted.sort();
    sorted
        .iter()
        .map(Id::to_string)
        .collect::<Vec<_>>()
        .join(":")
}

/// "Ada" for one, "Ada & Grace" for two, "Ada, Grace and Linus" for more.
fn dm_title(names: &[String]) -> String {
    match names {
        [a] => a.clone(),
        [a, b] => format!("{a} & {b}"),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => String::new(),
    }
}

/// Loads a room for reading (a DM named for the viewer), or 404.
pub async fn get_room(ctx: &Ctx, actor: &Actor, room_id: Id) -> AppResult<RoomWithMe> {
    let mut room = [room_view_with_access(ctx, actor, room_id, Action::Read).await?];
    name_dms(ctx, actor, &mut room).await?;
    let [room] = room;
    Ok(room)
}

/// Whether the actor may follow a room live without being a member (a public room shown in
/// Discover, a department ticket opened from the queue): the room when they may read it.
/// Members need no watch; the transport subscribes the socket either way.
pub async fn watch(ctx: &Ctx, actor: &Actor, room_id: Id) -> AppResult<RoomWithMe> {
    let room = room_view_with_access(ctx, actor, room_id, Action::Read).await?;
    spend(ctx, Limit::RoomWatch, actor).await?;
    Ok(room)
}

/// Checks an action without loading twice: returns the room when allowed.
pub fn check(actor: &Actor, room: &RoomAccess, action: Action) -> AppResult<()> {
    policy::authorize(&actor.viewer(), &room.facts(), action).map_err(|d| denial_error(d, "room"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dm_keys_do_not_depend_on_who_asks() {
        let (a, b, c) = (Id::new(), Id::new(), Id::new());
        assert_eq!(dm_key(&[a, b]), dm_key(&[b, a]));
        assert_eq!(dm_key(&[a, b, c]), dm_key(&[c, a, b]));
        let (first, second) = if a < b { (a, b) } else { (b, a) };
        assert_eq!(dm_key(&[a, b]), format!("{first}:{second}"));
    }
}

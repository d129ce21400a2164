//! Notifications: the subscriber that decides, after a message or a ticket change is committed,
//! who should hear of it (mentions, DMs, replies in their threads, tickets assigned to them)
//! and stores that; the list, read state and count of a user's notifications; and how each
//! person wants to be notified (per room, and their own preferences).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{Actor, Ctx, events::Event, field, room_view_with_access};
use crate::{
    domain::{
        Id, mention,
        notify::{self, NotificationKind, NotifyLevel, Reason},
        policy::Action,
        room::RoomKind,
    },
    error::{AppError, AppResult},
    store::{NewNotification, PreferencesRow, RoomWithMe, TicketRow},
    views::{MessageView, NotificationView},
};

/// Longest page of notifications.
pub const MAX_PAGE: i64 = 100;

/// People a group mention (`@here`, `@room`) may notify at once; beyond it the room is too big
/// for a group mention to mean anything to everyone.
const GROUP_LIMIT: usize = 1000;

/// The subscriber: stores notifications after the change they are about is committed, and
/// publishes `NotificationCreated` (realtime tells the person's sockets).
pub struct Notifier {
    ctx: Ctx,
}

impl Notifier {
    /// The notifier over `ctx` (whose events should be [`super::events::WeakEvents`] of the
    /// bus this subscribes to).
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx }
    }
}

#[async_trait::async_trait]
impl super::events::Subscriber for Notifier {
    async fn on_event(&self, event: &Event) {
        let done = match event {
            Event::MessageCreated { message, room_kind } => {
                on_message(&self.ctx, message, *room_kind).await
            }
            // An edit may mention someone new; people already notified of it are not again.
            Event::MessageEdited(message) => on_message(&self.ctx, message, RoomKind::Public).await,
            Event::ReadMoved {
                room_id,
                user_id,
                seq,
            } => on_read(&self.ctx, *user_id, *room_id, *seq).await,
            Event::TicketChanged {
                before: Some(before),
                after,
            } => on_ticket_change(&self.ctx, before, after).await,
            _ => Ok(()),
        };
        if let Err(err) = done {
            tracing::error!(error = %err, "notifications could not be stored");
        }
    }
}

/// Who hears of a new (or edited) message, and why.
async fn on_message(ctx: &Ctx, message: &MessageView, room_kind: RoomKind) -> AppResult<()> {
    let Some(body) = message.body.as_deref() else {
        return Ok(());
    };
    let author = message.author.id;
    let mut reasons: HashMap<Id, Reason> = HashMap::new();
    let mut propose = |user: Id, reason: Reason| {
        if user != author {
            let entry = reasons.entry(user).or_insert(reason);
            if rank(reason) < rank(*entry) {
                *entry = reason;
            }
        }
    };
    for m in &message.mentions {
        propose(m.user_id, Reason::Direct);
    }
    let groups = mention::extract(body);
    let needs_members = groups.here || groups.room || room_kind == RoomKind::Dm;
    // Most messages mention nobody, are not in a DM and not in a thread: nothing to look up.
    if message.mentions.is_empty() && !needs_members && message.parent_id.is_none() {
        return Ok(());
    }
    let Some(room) = ctx.store.room_for(message.room_id, author).await? else {
        return Ok(());
    };
    if needs_members {
        let members = ctx.store.recipients(message.room_id, None).await?;
        let ids: Vec<Id> = members.iter().map(|m| m.user_id).collect();
        if room.room.kind == RoomKind::Dm {
            for id in &ids {
                propose(*id, Reason::Dm);
            }
        }
        if groups.room && ids.len() <= GROUP_LIMIT {
            for id in &ids {
                propose(*id, Reason::Group);
            }
        } else if groups.here && ids.len() <= GROUP_LIMIT {
            let online = ctx.presence.online_among(ids.clone()).await;
            for id in ids.iter().filter(|id| online.contains(id)) {
                propose(*id, Reason::Group);
            }
        }
    }
    if let Some(root) = message.parent_id {
        for id in ctx.store.thread_participants(root).await? {
            propose(id, Reason::Reply);
        }
    }
    if reasons.is_empty() {
        return Ok(());
    }
    let ids: Vec<Id> = reasons.keys().copied().collect();
    let candidates = ctx.store.recipients(message.room_id, Some(&ids)).await?;
    let now = crate::store::now();
    let rows: Vec<NewNotification> = candidates
        .iter()
        .filter(|c| super::mentions::may_read(&room, c))
        .filter_map(|c| {
            let reason = *reasons.get(&c.user_id)?;
            notify::notifies(reason, c.notify_level, c.muted_until, now).then(|| NewNotification {
                id: Id::new(),
                user_id: c.user_id,
                kind: reason.kind(),
                room_id: message.room_id,
                message_id: Some(message.id),
                seq: Some(message.seq),
                actor_id: Some(author),
            })
        })
        .collect();
    publish(ctx, &rows).await
}

/// Stronger reasons first: a mention by handle beats a group mention beats a DM beats a reply.
fn rank(reason: Reason) -> u8 {
    match reason {
        Reason::Direct => 0,
        Reason::Group => 1,
        Reason::Dm => 2,
        Reason::Reply => 3,
    }
}

/// A ticket given to someone new tells them.
async fn on_ticket_change(ctx: &Ctx, before: &TicketRow, after: &TicketRow) -> AppResult<()> {
    let Some(assignee) = after.assignee_id else {
        return Ok(());
    };
    if before.assignee_id == Some(assignee) {
        return Ok(());
    }
    let row = NewNotification {
        id: Id::new(),
        user_id: assignee,
        kind: NotificationKind::TicketAssigned,
        room_id: after.id,
        message_id: None,
        seq: None,
        actor_id: None,
    };
    publish(ctx, std::slice::from_ref(&row)).await
}

/// Reading a room reads its notifications up to where the person read.
async fn on_read(ctx: &Ctx, user_id: Id, room_id: Id, seq: i64) -> AppResult<()> {
    // Reads are frequent and rarely clear anything: ask the reader pool before writing.
    if !ctx.store.has_unread_notifications(user_id, room_id).await? {
        return Ok(());
    }
    let changed = ctx
        .store
        .read_room_notifications(user_id, room_id, seq)
        .await?;
    if changed > 0 {
        ctx.events
            .publish(Event::NotificationsRead {
                user_id,
                ids: None,
                room_id: Some(room_id),
            })
            .await;
    }
    Ok(())
}

async fn publish(ctx: &Ctx, rows: &[NewNotification]) -> AppResult<()> {
    for row in ctx.store.add_notifications(rows).await? {
        ctx.events
            .publish(Event::NotificationCreated(NotificationView::new(&row)))
            .await;
    }
    Ok(())
}

/// One page of the actor's notifications, newest first, and the cursor of the next.
pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    unread_only: bool,
    cursor: Option<Id>,
    limit: i64,
) -> AppResult<(Vec<NotificationView>, Option<Id>)> {
    let limit = limit.clamp(1, MAX_PAGE);
    let rows = ctx
        .store
        .list_notifications(actor.id(), unread_only, cursor, limit + 1)
        .await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    let views: Vec<NotificationView> = rows
        .iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(NotificationView::new)
        .collect();
    let next = more.then(|| views.last().map(|v| v.id)).flatten();
    Ok((views, next))
}

/// What to mark read.
pub enum ReadWhat {
    /// These notifications.
    Ids(Vec<Id>),
    /// Every one.
    All,
}

/// Marks the actor's notifications read; how many changed.
pub async fn mark_read(ctx: &Ctx, actor: &Actor, what: ReadWhat) -> AppResult<u64> {
    let ids = match &what {
        ReadWhat::Ids(ids) if ids.len() > usize::try_from(MAX_PAGE).unwrap_or(100) => {
            return Err(AppError::invalid("ids", "at most 100 at a time"));
        }
        ReadWhat::Ids(ids) => Some(ids.as_slice()),
        ReadWhat::All => None,
    };
    let changed = ctx.store.read_notifications(actor.id(), ids).await?;
    if changed > 0 {
        ctx.events
            .publish(Event::NotificationsRead {
                user_id: actor.id(),
                ids: ids.map(<[Id]>::to_vec),
                room_id: None,
            })
            .await;
    }
    Ok(changed)
}

/// The actor's unread notifications.
pub async fn unread_count(ctx: &Ctx, actor: &Actor) -> AppResult<i64> {
    Ok(ctx.store.unread_notifications(actor.id()).await?)
}

/// Sets how the actor hears of a room they are a member of.
pub async fn set_room_level(
    ctx: &Ctx,
    actor: &Actor,
    room_id: Id,
    level: NotifyLevel,
    muted_until: Option<DateTime<Utc>>,
) -> AppResult<RoomWithMe> {
    let mut room = room_view_with_access(ctx, actor, room_id, Action::Read).await?;
    if room.my_role.is_none() {
        return Err(AppError::new(
            crate::error::Code::NotMember,
            "join the room first",
        ));
    }
    let muted_until = muted_until.filter(|until| *until > crate::store::now());
    ctx.store
        .set_room_notify(room_id, actor.id(), level, muted_until)
        .await?;
    room.access.notify_level = level;
    room.access.muted_until = muted_until;
    Ok(room)
}

/// The actor's preferences.
pub async fn preferences(ctx: &Ctx, actor: &Actor) -> AppResult<PreferencesRow> {
    Ok(ctx.store.preferences(actor.id()).await?)
}

/// Changes to the actor's preferences (absent fields stay as they are).
#[derive(Clone, Debug, Default)]
pub struct PreferencesPatch {
    /// `off` or `mentions_dms`.
    pub email_notifications: Option<String>,
    /// 1..=1440 minutes.
    pub email_delay_minutes: Option<i64>,
    /// Browser notifications on or off.
    pub browser_notifications: Option<bool>,
    /// Quiet hours (`HH:MM` to `HH:MM`), or `None` inside to clear them.
    pub quiet_hours: Option<Option<(String, String)>>,
    /// Time zone name.
    pub timezone: Option<String>,
    /// Interface language (a language tag), or `None` inside to follow the browser again.
    pub language: Option<Option<String>>,
}

/// Validates and stores a change of the actor's preferences; the preferences now.
pub async fn update_preferences(
    ctx: &Ctx,
    actor: &Actor,
    patch: PreferencesPatch,
) -> AppResult<PreferencesRow> {
    let mut prefs = ctx.store.preferences(actor.id()).await?;
    if let Some(mode) = patch.email_notifications {
        if !["off", "mentions_dms"].contains(&mode.as_str()) {
            return Err(AppError::invalid(
                "emailNotifications",
                "must be off or mentions_dms",
            ));
        }
        prefs.email_notifications = mode;
    }
    if let Some(minutes) = patch.email_delay_minutes {
        if !(1..=1440).contains(&minutes) {
            return Err(AppError::invalid(
                "emailDelayMinutes",
                "must be 1 to 1440 minutes",
            ));
        }
        prefs.email_delay_minutes = minutes;
    }
    if let Some(on) = patch.browser_notifications {
        prefs.browser_notifications = on;
    }
    if let Some(language) = patch.language {
        prefs.language = language
            .map(|tag| field("language", parse_language(&tag)))
            .transpose()?;
    }
    if let Some(quiet) = patch.quiet_hours {
        let (start, end) = match quiet {
            Some((start, end)) => (
                Some(field("quietHours.start", notify::parse_clock(&start))?),
                Some(field("quietHours.end", notify::parse_clock(&end))?),
            ),
            None => (None, None),
        };
        prefs.quiet_hours_start = start;
        prefs.quiet_hours_end = end;
    }
    if let Some(tz) = patch.timezone {
        prefs.timezone = field("timezone", notify::parse_timezone(&tz))?;
    }
    ctx.store.set_preferences(actor.id(), &prefs).await?;
    Ok(prefs)
}

/// A language tag as the interface names its languages: a two- or three-letter language,
/// optionally with subtags (`fr`, `pt-BR`, `zh-Hant`), at most 35 characters; kept in lower case
/// for the language and as written for the subtags.
fn parse_language(tag: &str) -> Result<String, &'static str> {
    const PROBLEM: &str = "must be a language tag such as en, fr or pt-BR";
    let tag = tag.trim();
    let mut parts = tag.split('-');
    let language = parts.next().unwrap_or_default();
    let language_ok =
        (2..=3).contains(&language.len()) && language.chars().all(|c| c.is_ascii_alphabetic());
    let subtags_ok =
        parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if tag.len() > 35 || !language_ok || !subtags_ok {
        return Err(PROBLEM);
    }
    Ok(match tag.split_once('-') {
        Some((language, rest)) => format!("{}-{rest}", language.to_ascii_lowercase()),
        None => tag.to_ascii_lowercase(),
    })
}

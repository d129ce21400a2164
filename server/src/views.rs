//! The JSON shapes clients see, identical over REST and sockets (DESIGN §6).
//!
//! Field names are camelCase; the database stays snake_case. Each view is built from store rows
//! for one viewer (e-mail addresses and `me` flags depend on who asks).

pub mod markup;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::policy::{self, Capability};
use crate::{
    domain::ticket::{Priority, TicketStatus},
    domain::{
        Id,
        notify::NotifyLevel,
        room::{RoomKind, RoomRole},
        user::Role,
    },
    store::{
        MemberRow, MessageRow, ProfileRow, ReactionCount, RoomRow, RoomWithMe, TicketRow,
        UploadRow, UserRow,
    },
};

/// `{"ok": true, "data": ...}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiOk<T> {
    /// Always `true`.
    pub ok: bool,
    /// The resource or list.
    pub data: T,
}

/// A page of a list: `{items, nextCursor}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` (or `before`) for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page whose next cursor comes from its last item when the page is full.
    pub fn from_items(items: Vec<T>, limit: i64, cursor_of: impl Fn(&T) -> String) -> Self {
        let full = i64::try_from(items.len()).unwrap_or(i64::MAX) >= limit;
        let next_cursor = if full {
            items.last().map(cursor_of)
        } else {
            None
        };
        Self { items, next_cursor }
    }
}

/// A user as others see them.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    /// Id.
    pub id: Id,
    /// E-mail, when the viewer may see it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Display name.
    pub name: String,
    /// The unique `@handle`.
    pub handle: Option<String>,
    /// Global role.
    pub role: Role,
    /// Department.
    pub department: Option<String>,
    /// Account creation.
    pub created_at: DateTime<Utc>,
    /// Their avatar (256 px; add `&size=64` for the small one), `null` when they have none.
    pub avatar_url: Option<String>,
}

/// The signed-in user's own view: their account, whether the address is verified, and the
/// ticket a follow-link session is limited to.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeView {
    /// The account.
    #[serde(flatten)]
    pub user: UserView,
    /// True once the address is proven.
    pub email_verified: bool,
    /// True when the account has a password (invited and form accounts may not).
    pub has_password: bool,
    /// For a follow-link session: the one ticket it may use; `null` otherwise.
    pub ticket_scope: Option<Id>,
    /// Unread notifications.
    pub notification_count: i64,
}

impl MeView {
    /// The view of `row` for a session limited to `scope`.
    pub fn new(row: &UserRow, scope: Option<Id>, notification_count: i64) -> Self {
        Self {
            user: UserView::full(row),
            email_verified: row.email_verified_at.is_some(),
            has_password: row.password_hash.is_some(),
            ticket_scope: scope,
            notification_count,
        }
    }
}

impl UserView {
    /// The full view (the user themself, or the team).
    pub fn full(row: &UserRow) -> Self {
        Self {
            id: row.id,
            email: Some(row.email.clone()),
            name: row.name.clone(),
            handle: row.handle.clone(),
            role: row.role,
            department: row.department.clone(),
            created_at: row.created_at,
            avatar_url: avatar_url(row.id, row.avatar_version),
        }
    }

    /// The view for `viewer`: customers see no one else's e-mail address.
    pub fn for_viewer(row: &UserRow, viewer_role: Role, viewer_id: Id) -> Self {
        let mut view = Self::full(row);
        if !policy::allows(viewer_role, Capability::SeeEmails) && viewer_id != row.id {
            view.email = None;
        }
        view
    }
}

/// A status as shown (expired ones are not).
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct StatusView {
    /// The emoji.
    pub emoji: Option<String>,
    /// The text.
    pub text: Option<String>,
    /// When it stops being shown (`null`: until cleared).
    pub expires_at: Option<DateTime<Utc>>,
}

impl StatusView {
    /// The status of `profile` when one is set and has not expired at `now`.
    pub fn current(profile: &ProfileRow, now: DateTime<Utc>) -> Option<Self> {
        Self::shown(
            profile.status_emoji.as_ref(),
            profile.status_text.as_ref(),
            profile.status_expires_at,
            now,
        )
    }

    /// The status of these parts when one is set and has not expired at `now`.
    pub fn shown(
        emoji: Option<&String>,
        text: Option<&String>,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Option<Self> {
        let set = emoji.is_some() || text.is_some();
        (set && crate::domain::profile::status_current(expires_at, now)).then(|| Self {
            emoji: emoji.cloned(),
            text: text.cloned(),
            expires_at,
        })
    }
}

/// A person's profile (`GET /users/{id}`, `PATCH /me`).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    /// Id.
    pub id: Id,
    /// Display name.
    pub name: String,
    /// `@handle`.
    pub handle: Option<String>,
    /// Global role.
    pub role: Role,
    /// Job title ('' when none).
    pub title: String,
    /// Department.
    pub department: Option<String>,
    /// IANA time zone name.
    pub timezone: Option<String>,
    /// The current status (`null` when none or expired).
    pub status: Option<StatusView>,
    /// Whether they have a live socket.
    pub online: bool,
    /// Their avatar (256 px; add `&size=64` for the small one), `null` when they have none.
    pub avatar_url: Option<String>,
}

impl ProfileView {
    /// The profile of `user` at `now`.
    pub fn new(user: &UserRow, profile: &ProfileRow, online: bool, now: DateTime<Utc>) -> Self {
        Self {
            id: user.id,
            name: user.name.clone(),
            handle: user.handle.clone(),
            role: user.role,
            title: profile.title.clone(),
            department: user.department.clone(),
            timezone: profile.timezone.clone(),
            status: StatusView::current(profile, now),
            online,
            avatar_url: avatar_url(user.id, user.avatar_version),
        }
    }
}

/// A room as one viewer sees it.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomView {
    /// Id.
    pub id: Id,
    /// Slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Kind.
    pub kind: RoomKind,
    /// Department (`null` = everyone).
    pub department: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Seq of the newest message.
    pub last_seq: i64,
    /// Time of the newest message.
    pub last_message_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// The viewer's room role (`null` when not a member).
    pub my_role: Option<RoomRole>,
    /// Unread messages for the viewer.
    pub unread: i64,
    /// Unread notifications for the viewer here: mentions (and, in DMs, messages).
    pub mention_count: i64,
    /// How the viewer wants to hear of the room.
    pub notify_level: NotifyLevel,
    /// The viewer muted the room until then.
    pub muted_until: Option<DateTime<Utc>>,
    /// The viewer's read cursor.
    pub last_read_seq: i64,
    /// When the room was archived (read-only for everyone); `null` while active.
    pub archived_at: Option<DateTime<Utc>>,
    /// In a DM: the other members, sorted by name (for the avatars of the room list).
    /// `null` in other rooms and in broadcasts.
    pub peers: Option<Vec<PeerView>>,
}

/// Someone a DM is with.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PeerView {
    /// Id.
    pub id: Id,
    /// Name.
    pub name: String,
    /// Their avatar (256 px; add `&size=64` for the small one), `null` when they have none.
    pub avatar_url: Option<String>,
}

impl RoomView {
    /// The view of a room for the viewer it was loaded for.
    pub fn from_row(row: &RoomWithMe) -> Self {
        Self {
            my_role: row.my_role,
            unread: row.unread,
            mention_count: row.mention_count,
            notify_level: row.notify_level,
            muted_until: row.muted_until,
            last_read_seq: row.last_read_seq,
            peers: (row.room.kind == RoomKind::Dm && !row.peers.is_empty()).then(|| {
                row.peers
                    .iter()
                    .map(|p| PeerView {
                        id: p.user_id,
                        name: p.name.clone(),
                        avatar_url: avatar_url(p.user_id, p.avatar_version),
                    })
                    .collect()
            }),
            ..Self::plain(&row.room)
        }
    }

    /// The view without viewer fields (for broadcasts).
    pub fn plain(room: &RoomRow) -> Self {
        Self {
            id: room.id,
            slug: room.slug.clone(),
            title: room.title.clone(),
            description: room.description.clone(),
            kind: room.kind,
            department: room.department.clone(),
            tags: room.tags.0.clone(),
            last_seq: room.last_seq,
            last_message_at: room.last_message_at,
            created_at: room.created_at,
            my_role: None,
            unread: 0,
            mention_count: 0,
            notify_level: NotifyLevel::All,
            muted_until: None,
            last_read_seq: 0,
            archived_at: room.archived_at,
            peers: None,
        }
    }
}

/// A message's author.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthorView {
    /// Id.
    pub id: Id,
    /// Name.
    pub name: String,
    /// Global role (customer vs staff matters in tickets).
    pub role: Role,
    /// Their avatar (256 px; add `&size=64` for the small one), `null` when they have none.
    pub avatar_url: Option<String>,
}

/// The URL of a user's avatar of `version` (`None` when they have none). The version makes a
/// new avatar a new URL, so responses can be cached for good.
pub fn avatar_url(user_id: Id, version: Option<i64>) -> Option<String> {
    version.map(|v| format!("/api/v1/users/{user_id}/avatar?v={v}"))
}

/// A message's link preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreviewView {
    /// The URL of the message the preview is of.
    pub url: String,
    /// The page's title.
    pub title: Option<String>,
    /// The page's description.
    pub description: Option<String>,
    /// The site's name.
    pub site_name: Option<String>,
    /// The page's image, stored as an attachment (`/api/v1/attachments/{id}`).
    pub image_url: Option<String>,
}

impl PreviewView {
    /// The view of a stored preview; `None` for a removed one.
    pub fn of(stored: &crate::domain::preview::StoredPreview) -> Option<Self> {
        (!stored.removed).then(|| Self {
            url: stored.url.clone(),
            title: stored.title.clone(),
            description: stored.description.clone(),
            site_name: stored.site_name.clone(),
            image_url: stored
                .image_upload_id
                .map(|id| format!("/api/v1/attachments/{id}")),
        })
    }
}

/// Reactions of one emoji on a message.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReactionView {
    /// Emoji.
    pub emoji: String,
    /// How many users reacted.
    pub count: i64,
    /// Whether the viewer did.
    pub me: bool,
}

/// A message.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    /// Id.
    pub id: Id,
    /// Room.
    pub room_id: Id,
    /// Per-room sequence number.
    pub seq: i64,
    /// The sender's idempotency key.
    pub client_id: String,
    /// Author.
    pub author: AuthorView,
    /// Text as written (clients render the formatting subset of docs/api.md); `null` once
    /// deleted.
    pub body: Option<String>,
    /// Thread root, for replies.
    pub parent_id: Option<Id>,
    /// Number of replies, for roots.
    pub reply_count: i64,
    /// Reactions, in order of first use.
    pub reactions: Vec<ReactionView>,
    /// People the message mentions by handle (resolved when it was sent or edited; only
    /// people who could read the room).
    pub mentions: Vec<MentionView>,
    /// Posting time.
    pub created_at: DateTime<Utc>,
    /// Last edit.
    pub edited_at: Option<DateTime<Utc>>,
    /// Deletion time.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Whether it is pinned to its room.
    pub pinned: bool,
    /// The preview of its first link, once fetched (`null`: none, or removed by the author).
    pub preview: Option<PreviewView>,
    /// Files attached to it, in upload order (`[]` when none, and once deleted).
    pub attachments: Vec<AttachmentView>,
}

impl MessageView {
    /// The view of one message with its reactions.
    pub fn new(row: &MessageRow, reactions: Vec<ReactionView>) -> Self {
        let deleted = row.deleted_at.is_some();
        Self {
            id: row.id,
            room_id: row.room_id,
            seq: row.seq,
            client_id: row.client_id.clone(),
            author: AuthorView {
                id: row.author_id,
                name: row.author_name.clone(),
                role: row.author_role,
                avatar_url: avatar_url(row.author_id, row.author_avatar_version),
            },
            body: (!deleted).then(|| row.body.clone()),
            parent_id: row.parent_id,
            reply_count: row.reply_count,
            reactions,
            mentions: Vec::new(),
            created_at: row.created_at,
            edited_at: row.edited_at,
            deleted_at: row.deleted_at,
            pinned: row.pinned,
            preview: row
                .preview
                .as_ref()
                .filter(|_| !deleted)
                .and_then(|p| crate::domain::preview::StoredPreview::from_json(&p.0))
                .as_ref()
                .and_then(PreviewView::of),
            attachments: Vec::new(),
        }
    }

    /// Views of several messages, attaching their reaction counts.
    pub fn with_reactions(rows: &[MessageRow], reactions: Vec<ReactionCount>) -> Vec<Self> {
        let mut by_message: HashMap<Id, Vec<ReactionView>> = HashMap::new();
        for r in reactions {
            by_message
                .entry(r.message_id)
                .or_default()
                .push(ReactionView {
                    emoji: r.emoji,
                    count: r.count,
                    me: r.me,
                });
        }
        rows.iter()
            .map(|row| Self::new(row, by_message.remove(&row.id).unwrap_or_default()))
            .collect()
    }
}

/// A file: an upload, or a message's attachment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentView {
    /// Id (the upload's).
    pub id: Id,
    /// File name (sanitized).
    pub name: String,
    /// Bytes.
    pub size: i64,
    /// The type detected from the content (not the one the client named).
    pub content_type: String,
    /// Image width in pixels, once known.
    pub width: Option<i32>,
    /// Image height in pixels, once known.
    pub height: Option<i32>,
    /// Where to download it: `/api/v1/attachments/{id}`.
    pub url: String,
    /// Its thumbnail, `/api/v1/attachments/{id}/thumbnail`, when one exists.
    pub thumbnail_url: Option<String>,
}

impl AttachmentView {
    /// The view of an upload.
    pub fn new(row: &UploadRow) -> Self {
        Self {
            id: row.id,
            name: row.name.clone(),
            size: row.size,
            content_type: row.content_type.clone(),
            width: row.width,
            height: row.height,
            url: format!("/api/v1/attachments/{}", row.id),
            thumbnail_url: row
                .thumbnail_key
                .as_ref()
                .map(|_| format!("/api/v1/attachments/{}/thumbnail", row.id)),
        }
    }
}

/// An item of a room's files panel: an attachment with its message.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomAttachmentView {
    /// The file.
    #[serde(flatten)]
    pub attachment: AttachmentView,
    /// The message it is attached to.
    pub message_id: Id,
    /// Who uploaded it (the message's author).
    pub author_id: Id,
    /// Upload time.
    pub created_at: DateTime<Utc>,
}

/// Someone a message mentions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MentionView {
    /// The user.
    pub user_id: Id,
    /// Their handle (as it was when the message was sent or edited).
    pub handle: String,
}

/// A notification: why, where, and the message it opens.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationView {
    /// Id.
    pub id: Id,
    /// Whose it is (not sent: it is always the reader's own).
    #[serde(skip)]
    pub owner: Id,
    /// Why.
    pub kind: crate::domain::notify::NotificationKind,
    /// The room (or DM, or ticket).
    pub room_id: Id,
    /// Its title (empty for DMs).
    pub room_title: String,
    /// Its kind.
    pub room_kind: RoomKind,
    /// The message, to open in context.
    pub message_id: Option<Id>,
    /// Its seq in the room.
    pub seq: Option<i64>,
    /// The thread root when the message is a reply in a thread (clients open the thread).
    pub thread_id: Option<Id>,
    /// The first 200 characters of the message (`null` once deleted).
    pub excerpt: Option<String>,
    /// Who caused it.
    pub actor: Option<AuthorRef>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// True once read.
    pub read: bool,
}

/// Someone named in a notification.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthorRef {
    /// Id.
    pub id: Id,
    /// Name.
    pub name: String,
}

impl NotificationView {
    /// The view of a stored notification.
    pub fn new(row: &crate::store::NotificationRow) -> Self {
        Self {
            id: row.id,
            owner: row.user_id,
            kind: row.kind,
            room_id: row.room_id,
            room_title: row.room_title.clone(),
            room_kind: row.room_kind,
            message_id: row.message_id,
            seq: row.seq,
            thread_id: row.thread_id,
            excerpt: row.body.as_ref().map(|b| b.chars().take(200).collect()),
            actor: row
                .actor_id
                .zip(row.actor_name.clone())
                .map(|(id, name)| AuthorRef { id, name }),
            created_at: row.created_at,
            read: row.read_at.is_some(),
        }
    }
}

/// A room member.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    /// The user.
    pub user: UserView,
    /// Room role.
    pub role: RoomRole,
    /// Join time.
    pub joined_at: DateTime<Utc>,
    /// Read cursor.
    pub last_read_seq: i64,
    /// Delivery cursor.
    pub last_delivered_seq: i64,
    /// Whether the user has a live connection anywhere.
    pub online: bool,
    /// Their status, while it is set and has not expired.
    pub status: Option<StatusView>,
}

impl MemberView {
    /// The view of a member for a viewer.
    pub fn new(row: &MemberRow, viewer_role: Role, viewer_id: Id, online: bool) -> Self {
        Self {
            user: UserView::for_viewer(&row.user, viewer_role, viewer_id),
            role: row.room_role,
            joined_at: row.joined_at,
            last_read_seq: row.last_read_seq,
            last_delivered_seq: row.last_delivered_seq,
            online,
            status: StatusView::shown(
                row.status_emoji.as_ref(),
                row.status_text.as_ref(),
                row.status_expires_at,
                Utc::now(),
            ),
        }
    }
}

/// A person on a ticket.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TicketPerson {
    /// Id.
    pub id: Id,
    /// Name.
    pub name: String,
    /// E-mail (the requester's, for the team and the requester).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A helpdesk ticket.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketView {
    /// Id (the ticket room's id).
    pub id: Id,
    /// Subject.
    pub subject: String,
    /// Status.
    pub status: TicketStatus,
    /// Priority.
    pub priority: Priority,
    /// Department.
    pub department: Option<String>,
    /// The customer.
    pub requester: TicketPerson,
    /// The staff member working it.
    pub assignee: Option<TicketPerson>,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// First staff reply after the customer.
    pub first_response_at: Option<DateTime<Utc>>,
    /// Resolved (cleared on reopen).
    pub resolved_at: Option<DateTime<Utc>>,
    /// Newest message seq of the ticket's conversation.
    pub last_seq: i64,
    /// False while the requester has not proven they own the address: the ticket came from
    /// the public form, and nobody has opened the link mailed to the address yet. Treat the
    /// sender as unknown (share nothing about the account) until it turns true.
    pub requester_verified: bool,
}

impl From<&TicketRow> for TicketView {
    fn from(t: &TicketRow) -> Self {
        Self {
            id: t.id,
            subject: t.subject.clone(),
            status: t.status,
            priority: t.priority,
            department: t.department.clone(),
            // An unverified sender is shown by the name they typed, not the account's.
            requester: TicketPerson {
                id: t.requester_id,
                name: match (&t.submitted_name, t.requester_verified) {
                    (Some(typed), false) => typed.clone(),
                    _ => t.requester_name.clone(),
                },
                email: Some(t.requester_email.clone()),
            },
            assignee: t
                .assignee_id
                .zip(t.assignee_name.clone())
                .map(|(id, name)| TicketPerson {
                    id,
                    name,
                    email: None,
                }),
            created_at: t.created_at,
            updated_at: t.updated_at,
            first_response_at: t.first_response_at,
            resolved_at: t.resolved_at,
            last_seq: t.last_seq,
            requester_verified: t.requester_verified,
        }
    }
}

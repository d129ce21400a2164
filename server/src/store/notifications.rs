//! Handles, mentions, notifications and notification preferences. One query set for both
//! databases.

use chrono::{DateTime, Utc};

use super::{StoreResult, UserRow, both::impl_both, sql::user_select};
use crate::domain::{Id, notify::NotificationKind, notify::NotifyLevel, user::Role};

/// A room member as the notifier sees them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Recipient {
    /// The member.
    pub user_id: Id,
    /// Their global role.
    pub role: Role,
    /// Their department.
    pub department: Option<String>,
    /// How they want to hear of the room.
    pub notify_level: NotifyLevel,
    /// Muted until then.
    pub muted_until: Option<DateTime<Utc>>,
    /// Deactivated accounts are never notified.
    pub deactivated_at: Option<DateTime<Utc>>,
    /// Whether they are a member of the room (the others may still read a public room).
    pub is_member: bool,
}

/// A notification to store.
#[derive(Clone, Debug)]
pub struct NewNotification {
    /// Id.
    pub id: Id,
    /// Who is notified.
    pub user_id: Id,
    /// Why.
    pub kind: NotificationKind,
    /// Where.
    pub room_id: Id,
    /// The message, if it is about one.
    pub message_id: Option<Id>,
    /// Its seq, to open it in context.
    pub seq: Option<i64>,
    /// Who caused it.
    pub actor_id: Option<Id>,
}

/// A stored notification, with what a list shows about it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NotificationRow {
    /// Id.
    pub id: Id,
    /// Who is notified.
    pub user_id: Id,
    /// Why.
    pub kind: NotificationKind,
    /// Where.
    pub room_id: Id,
    /// The room's title (DMs: empty; the client names them by their members).
    pub room_title: String,
    /// The room's kind.
    pub room_kind: crate::domain::room::RoomKind,
    /// The message.
    pub message_id: Option<Id>,
    /// Its seq.
    pub seq: Option<i64>,
    /// The thread root, when the message is a reply in a thread.
    pub thread_id: Option<Id>,
    /// The message's text now (`None` once deleted).
    pub body: Option<String>,
    /// Who caused it.
    pub actor_id: Option<Id>,
    /// Their name.
    pub actor_name: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When it was read (`None`: unread).
    pub read_at: Option<DateTime<Utc>>,
}

/// How a user wants to be notified.
#[derive(Clone, Debug, sqlx::FromRow, PartialEq, Eq)]
pub struct PreferencesRow {
    /// `off` or `mentions_dms`.
    pub email_notifications: String,
    /// Minutes a mention or DM must stay unread before it is e-mailed.
    pub email_delay_minutes: i64,
    /// Whether the web client shows browser notifications.
    pub browser_notifications: bool,
    /// Start of quiet hours (`HH:MM`, the user's time zone).
    pub quiet_hours_start: Option<String>,
    /// End of quiet hours.
    pub quiet_hours_end: Option<String>,
    /// IANA time zone name.
    pub timezone: String,
    /// The interface language chosen (a language tag); `None` follows the browser.
    pub language: Option<String>,
}

impl Default for PreferencesRow {
    fn default() -> Self {
        Self {
            email_notifications: "mentions_dms".into(),
            email_delay_minutes: 15,
            browser_notifications: true,
            quiet_hours_start: None,
            quiet_hours_end: None,
            timezone: "UTC".into(),
            language: None,
        }
    }
}

/// The columns of a [`NotificationRow`] from `notifications n`, joined below.
macro_rules! notification_select {
    () => {
        "SELECT n.id, n.user_id, n.kind, n.room_id, r.title AS room_title, r.kind AS room_kind, \
         n.message_id, n.seq, m.parent_id AS thread_id, \
         CASE WHEN m.deleted_at IS NULL THEN m.body END AS body, \
         n.actor_id, a.name AS actor_name, n.created_at, n.read_at \
         FROM notifications n JOIN rooms r ON r.id = n.room_id \
         LEFT JOIN messages m ON m.id = n.message_id \
         LEFT JOIN users a ON a.id = n.actor_id "
    };
}

pub(crate) use notification_select;

/// The columns of a [`Recipient`] from `users u` and their membership `rm` of the room `$1`.
macro_rules! recipient_select {
    () => {
        "SELECT u.id AS user_id, u.role, u.department, \
         COALESCE(rm.notify_level, 'all') AS notify_level, rm.muted_until, u.deactivated_at, \
         rm.user_id IS NOT NULL AS is_member \
         FROM users u LEFT JOIN room_members rm ON rm.user_id = u.id AND rm.room_id = $1 "
    };
}

impl_both! {
    /// Handles, mentions, notifications and preferences.
    pub trait NotificationStore {
        /// Sets a user's handle; a taken one is a `users_handle_key` conflict.
        async fn set_handle(&self, user_id: Id, handle: &str) -> StoreResult<bool> {
            let query = sqlx::query("UPDATE users SET handle = $2, updated_at = $3 WHERE id = $1")
                .bind(user_id)
                .bind(handle)
                .bind(crate::store::now());
            Ok(Self::execute(self.writer(), query).await? > 0)
        }

        /// Users who have no handle yet (accounts older than handles), a batch at a time.
        async fn users_without_handle(&self, limit: i64) -> StoreResult<Vec<UserRow>> {
            let query = sqlx::query_as(concat!(
                user_select!(),
                "WHERE u.handle IS NULL ORDER BY u.created_at, u.id LIMIT $1"
            ))
            .bind(limit);
            Self::fetch_all_rows(self.writer(), query).await
        }

        /// Whether a handle is taken.
        async fn handle_taken(&self, handle: &str) -> StoreResult<bool> {
            let query = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE handle = $1")
                .bind(handle);
            let n: i64 = Self::fetch_one_value(self.writer(), query).await?;
            Ok(n > 0)
        }

        /// Active users with one of these handles.
        async fn users_by_handles(&self, handles: &[String]) -> StoreResult<Vec<UserRow>> {
            if handles.is_empty() {
                return Ok(Vec::new());
            }
            let query = sqlx::query_as(concat!(
                user_select!(),
                "WHERE u.deactivated_at IS NULL AND u.handle ",
                in_list!("$1")
            ))
            .bind(Self::list(handles)?);
            Self::fetch_all_rows(self.reader(), query).await
        }

        /// People whose handle or name starts with `prefix`, for the composer's autocomplete,
        /// at most `limit`; the caller keeps those who may read the room.
        async fn users_by_prefix(&self, prefix: &str, limit: i64) -> StoreResult<Vec<UserRow>> {
            let pattern = format!(
                "{}%",
                prefix.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
            );
            let query = sqlx::query_as(concat!(
                user_select!(),
                "WHERE u.deactivated_at IS NULL AND u.handle IS NOT NULL \
                 AND (u.handle LIKE $1 ESCAPE '\\' OR LOWER(u.name) LIKE $1 ESCAPE '\\' \
                      OR LOWER(u.name) LIKE $2 ESCAPE '\\') \
                 ORDER BY u.handle LIMIT $3"
            ))
            .bind(&pattern)
            .bind(format!("% {pattern}"))
            .bind(limit);
            Self::fetch_all_rows(self.reader(), query).await
        }

        /// Records who a message mentions (replacing what an earlier version mentioned).
        async fn set_mentions(&self, message_id: Id, user_ids: &[Id]) -> StoreResult<()> {
            let mut tx = self.begin().await?;
            let query = sqlx::query("DELETE FROM message_mentions WHERE message_id = $1");
            Self::execute(&mut *tx, query.bind(message_id)).await?;
            for user_id in user_ids {
                let query = sqlx::query(
                    "INSERT INTO message_mentions (message_id, user_id) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                );
                Self::execute(&mut *tx, query.bind(message_id).bind(user_id)).await?;
            }
            tx.commit().await.map_err(Self::db_err)
        }

        /// Who these messages mention: (message, user, handle).
        async fn mentions_for(&self, message_ids: &[Id]) -> StoreResult<Vec<(Id, Id, String)>> {
            if message_ids.is_empty() {
                return Ok(Vec::new());
            }
            let query = sqlx::query_as(concat!(
                "SELECT mm.message_id, u.id, COALESCE(u.handle, '') FROM message_mentions mm \
                 JOIN users u ON u.id = mm.user_id WHERE mm.message_id ",
                in_list!("$1"),
                " ORDER BY mm.message_id, u.handle"
            ))
            .bind(Self::list(message_ids)?);
            Self::fetch_all_rows(self.reader(), query).await
        }

        /// The room's members with their notification settings, or (`only`) these users,
        /// members or not.
        async fn recipients(&self, room_id: Id, only: Option<&[Id]>) -> StoreResult<Vec<Recipient>> {
            match only {
                Some([]) => Ok(Vec::new()),
                Some(ids) => {
                    let query = sqlx::query_as(concat!(
                        recipient_select!(),
                        "WHERE u.id ",
                        in_list!("$2")
                    ))
                    .bind(room_id)
                    .bind(Self::list(ids)?);
                    Self::fetch_all_rows(self.reader(), query).await
                }
                None => {
                    let query =
                        sqlx::query_as(concat!(recipient_select!(), "WHERE rm.user_id IS NOT NULL"))
                            .bind(room_id);
                    Self::fetch_all_rows(self.reader(), query).await
                }
            }
        }

        /// The author of a thread's root and everyone who replied in it.
        async fn thread_participants(&self, root_id: Id) -> StoreResult<Vec<Id>> {
            let query = sqlx::query_scalar(
                "SELECT author_id FROM messages WHERE id = $1 \
                 UNION SELECT author_id FROM messages WHERE parent_id = $1",
            )
            .bind(root_id);
            Self::fetch_all_values(self.reader(), query).await
        }

        /// Stores notifications (at most one per person and message); returns those stored.
        async fn add_notifications(
            &self,
            rows: &[NewNotification],
        ) -> StoreResult<Vec<NotificationRow>> {
            if rows.is_empty() {
                return Ok(Vec::new());
            }
            let now = crate::store::now();
            let mut stored = Vec::with_capacity(rows.len());
            let mut tx = self.begin().await?;
            for row in rows {
                let query = sqlx::query(
                    "INSERT INTO notifications \
                     (id, user_id, kind, room_id, message_id, seq, actor_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                )
                .bind(row.id)
                .bind(row.user_id)
                .bind(row.kind)
                .bind(row.room_id)
                .bind(row.message_id)
                .bind(row.seq)
                .bind(row.actor_id)
                .bind(now);
                if Self::execute(&mut *tx, query).await? > 0 {
                    stored.push(row.id);
                }
            }
            let query = sqlx::query_as(concat!(
                notification_select!(),
                "WHERE n.id ",
                in_list!("$1"),
                " ORDER BY n.user_id"
            ))
            .bind(Self::list(&stored)?);
            let rows = Self::fetch_all_rows(&mut *tx, query).await?;
            tx.commit().await.map_err(Self::db_err)?;
            Ok(rows)
        }

        /// A user's notifications, newest first (ids are time-ordered), before the id `before`.
        async fn list_notifications(
            &self,
            user_id: Id,
            unread_only: bool,
            before: Option<Id>,
            limit: i64,
        ) -> StoreResult<Vec<NotificationRow>> {
            let query = sqlx::query_as(concat!(
                notification_select!(),
                "WHERE n.user_id = $1 AND ($2 = FALSE OR n.read_at IS NULL) \
                 AND ($3 IS NULL OR n.id < $3) ORDER BY n.id DESC LIMIT $4"
            ))
            .bind(user_id)
            .bind(unread_only)
            .bind(before)
            .bind(limit);
            Self::fetch_all_rows(self.reader(), query).await
        }

        /// Marks notifications read: these (`Some`) or all (`None`); how many changed.
        async fn read_notifications(&self, user_id: Id, ids: Option<&[Id]>) -> StoreResult<u64> {
            let now = crate::store::now();
            match ids {
                Some([]) => Ok(0),
                Some(ids) => {
                    let query = sqlx::query(concat!(
                        "UPDATE notifications SET read_at = $2 \
                         WHERE user_id = $1 AND read_at IS NULL AND id ",
                        in_list!("$3")
                    ))
                    .bind(user_id)
                    .bind(now)
                    .bind(Self::list(ids)?);
                    Self::execute(self.writer(), query).await
                }
                None => {
                    let query = sqlx::query(
                        "UPDATE notifications SET read_at = $2 \
                         WHERE user_id = $1 AND read_at IS NULL",
                    )
                    .bind(user_id)
                    .bind(now);
                    Self::execute(self.writer(), query).await
                }
            }
        }

        /// Marks a room's notifications up to `seq` read (the user read the room that far).
        async fn read_room_notifications(&self, user_id: Id, room_id: Id, seq: i64) -> StoreResult<u64> {
            let query = sqlx::query(
                "UPDATE notifications SET read_at = $4 WHERE user_id = $1 AND room_id = $2 \
                 AND read_at IS NULL AND (seq IS NULL OR seq <= $3)",
            )
            .bind(user_id)
            .bind(room_id)
            .bind(seq)
            .bind(crate::store::now());
            Self::execute(self.writer(), query).await
        }

        /// Whether a user has unread notifications in a room.
        async fn has_unread_notifications(&self, user_id: Id, room_id: Id) -> StoreResult<bool> {
            let query = sqlx::query_scalar(
                "SELECT COUNT(*) FROM notifications \
                 WHERE user_id = $1 AND room_id = $2 AND read_at IS NULL",
            )
            .bind(user_id)
            .bind(room_id);
            let n: i64 = Self::fetch_one_value(self.reader(), query).await?;
            Ok(n > 0)
        }

        /// Unread notifications of a user.
        async fn unread_notifications(&self, user_id: Id) -> StoreResult<i64> {
            let query = sqlx::query_scalar(
                "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
            )
            .bind(user_id);
            Self::fetch_one_value(self.reader(), query).await
        }

        /// Sets how a member hears of a room; false when they are not a member.
        async fn set_room_notify(
            &self,
            room_id: Id,
            user_id: Id,
            level: NotifyLevel,
            muted_until: Option<DateTime<Utc>>,
        ) -> StoreResult<bool> {
            let query = sqlx::query(
                "UPDATE room_members SET notify_level = $3, muted_until = $4 \
                 WHERE room_id = $1 AND user_id = $2",
            )
            .bind(room_id)
            .bind(user_id)
            .bind(level)
            .bind(muted_until);
            Ok(Self::execute(self.writer(), query).await? > 0)
        }

        /// A user's preferences (the defaults until they change them).
        async fn preferences(&self, user_id: Id) -> StoreResult<PreferencesRow> {
            let query = sqlx::query_as(
                "SELECT email_notifications, email_delay_minutes, browser_notifications, \
                 quiet_hours_start, quiet_hours_end, timezone, language FROM user_preferences \
                 WHERE user_id = $1",
            )
            .bind(user_id);
            Ok(Self::fetch_optional_row(self.reader(), query).await?.unwrap_or_default())
        }

        /// Replaces a user's preferences.
        async fn set_preferences(&self, user_id: Id, prefs: &PreferencesRow) -> StoreResult<()> {
            let query = sqlx::query(
                "INSERT INTO user_preferences (user_id, email_notifications, email_delay_minutes, \
                 browser_notifications, quiet_hours_start, quiet_hours_end, timezone, language, \
                 updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (user_id) DO UPDATE SET \
                 email_notifications = excluded.email_notifications, \
                 email_delay_minutes = excluded.email_delay_minutes, \
                 browser_notifications = excluded.browser_notifications, \
                 quiet_hours_start = excluded.quiet_hours_start, \
                 quiet_hours_end = excluded.quiet_hours_end, timezone = excluded.timezone, \
                 language = excluded.language, updated_at = excluded.updated_at",
            )
            .bind(user_id)
            .bind(&prefs.email_notifications)
            .bind(prefs.email_delay_minutes)
            .bind(prefs.browser_notifications)
            .bind(&prefs.quiet_hours_start)
            .bind(&prefs.quiet_hours_end)
            .bind(&prefs.timezone)
            .bind(&prefs.language)
            .bind(crate::store::now());
            Self::execute(self.writer(), query).await?;
            Ok(())
        }
    }
}

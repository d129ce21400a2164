//! SQL fragments both backends share (their dialects agree on these), as macros so that the
//! queries built from them stay `&'static str`.

/// Columns of [`super::UserRow`] from `users u`.
macro_rules! user_columns {
    () => {
        "u.id, u.email, u.name, u.password_hash, u.role, u.department, u.created_at, \
         u.updated_at, u.last_seen_at, u.email_verified_at, u.deactivated_at, u.handle, u.avatar_version"
    };
}
pub(crate) use user_columns;

/// `SELECT` of [`super::UserRow`] from `users u`; add `WHERE ...`.
macro_rules! user_select {
    () => {
        concat!(
            "SELECT ",
            $crate::store::sql::user_columns!(),
            " FROM users u "
        )
    };
}
pub(crate) use user_select;

/// Columns of [`super::UserRow`], unqualified, for `RETURNING`.
macro_rules! user_returning {
    () => {
        "id, email, name, password_hash, role, department, created_at, updated_at, last_seen_at, \
         email_verified_at, deactivated_at, handle, avatar_version"
    };
}
pub(crate) use user_returning;

/// `SELECT` of a [`super::SessionAuth`]: a session `s`, its user `u` and any ban `b`; add
/// `WHERE ...`.
macro_rules! session_auth_select {
    () => {
        concat!(
            "SELECT s.id AS session_id, s.expires_at AS session_expires_at, s.last_used_at, \
             s.ticket_scope, ",
            $crate::store::sql::user_columns!(),
            ", b.reason AS ban_reason, b.banned_by, b.banned_at, b.expires_at AS ban_expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             LEFT JOIN bans b ON b.user_id = s.user_id "
        )
    };
}
pub(crate) use session_auth_select;

/// Columns of [`super::RoomRow`] from `rooms r`.
macro_rules! room_columns {
    () => {
        "r.id, r.slug, r.title, r.description, r.kind, r.department, r.tags, r.created_by, \
         r.created_at, r.updated_at, r.last_seq, r.last_message_at, r.archived_at, r.archived_by"
    };
}
pub(crate) use room_columns;

/// `SELECT` of [`super::RoomRow`] from `rooms r`; add `WHERE ...`.
macro_rules! room_select {
    () => {
        concat!(
            "SELECT ",
            $crate::store::sql::room_columns!(),
            " FROM rooms r "
        )
    };
}
pub(crate) use room_select;

/// Columns of [`super::RoomRow`], unqualified, for `RETURNING`.
macro_rules! room_returning {
    () => {
        "id, slug, title, description, kind, department, tags, created_by, created_at, \
         updated_at, last_seq, last_message_at, archived_at, archived_by"
    };
}
pub(crate) use room_returning;

/// Columns of [`super::RoomAccess`] over the joins of [`room_access_joins`].
macro_rules! room_access_columns {
    () => {
        concat!(
            $crate::store::sql::room_columns!(),
            ", rm.role AS my_role, COALESCE(rm.last_read_seq, 0) AS last_read_seq, \
             COALESCE(rm.notify_level, 'all') AS notify_level, rm.muted_until, \
             t.requester_id, t.assignee_id, t.status AS ticket_status "
        )
    };
}
pub(crate) use room_access_columns;

/// The rooms, the membership of the viewer bound as `$1`, and the ticket of ticket rooms.
macro_rules! room_access_joins {
    () => {
        "FROM rooms r \
         LEFT JOIN room_members rm ON rm.room_id = r.id AND rm.user_id = $1 \
         LEFT JOIN tickets t ON t.room_id = r.id "
    };
}
pub(crate) use room_access_joins;

/// `SELECT` of [`super::RoomAccess`] for the viewer bound as `$1`; add `WHERE ...`.
macro_rules! room_access_select {
    () => {
        concat!(
            "SELECT ",
            $crate::store::sql::room_access_columns!(),
            $crate::store::sql::room_access_joins!()
        )
    };
}
pub(crate) use room_access_select;

/// `SELECT` of [`super::RoomWithMe`] (the access and the unread counts) for the viewer bound
/// as `$1`; add `WHERE ...`.
macro_rules! room_with_me_select {
    () => {
        concat!(
            "SELECT ",
            $crate::store::sql::room_access_columns!(),
            ", CASE WHEN rm.user_id IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM messages m \
               WHERE m.room_id = r.id AND m.seq > rm.last_read_seq \
               AND m.author_id <> rm.user_id AND m.deleted_at IS NULL) END AS unread, \
             CASE WHEN rm.user_id IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM notifications n \
               WHERE n.user_id = rm.user_id AND n.room_id = r.id AND n.read_at IS NULL \
               AND n.kind IN ('mention', 'dm')) END AS mention_count ",
            $crate::store::sql::room_access_joins!()
        )
    };
}
pub(crate) use room_with_me_select;

/// The policy's read rule (`domain::policy::can_read`) in SQL, for the query of
/// [`room_with_me_select`] with `$1` = viewer id, `$2` = viewer role, `$3` = viewer department
/// and `$scope` (the placeholder given) = the session's ticket scope, if any: a follow-link
/// session reads its one ticket, decided here so that pages stay full.
macro_rules! readable_by_viewer {
    ($scope:literal) => {
        concat!(
            "((CASE WHEN $2 = 'customer' \
                THEN r.kind = 'ticket' AND (rm.user_id IS NOT NULL OR t.requester_id = $1 \
                     OR t.assignee_id = $1) \
                ELSE rm.user_id IS NOT NULL OR t.requester_id = $1 OR t.assignee_id = $1 \
                     OR (r.kind IN ('public', 'ticket') \
                         AND ($2 = 'admin' OR r.department IS NULL OR r.department = $3)) \
              END) AND (",
            $scope,
            " IS NULL OR r.id = ",
            $scope,
            "))"
        )
    };
}
pub(crate) use readable_by_viewer;

/// `SELECT` of [`super::MemberRow`] from `room_members rm JOIN users u` (and the status of
/// `user_profiles up`).
macro_rules! member_select {
    () => {
        concat!(
            "SELECT ",
            $crate::store::sql::user_columns!(),
            ", rm.role AS room_role, rm.joined_at, rm.last_read_seq, rm.last_delivered_seq, \
             up.status_emoji, up.status_text, up.status_expires_at \
             FROM room_members rm JOIN users u ON u.id = rm.user_id \
             LEFT JOIN user_profiles up ON up.user_id = u.id "
        )
    };
}
pub(crate) use member_select;

/// Columns of [`super::MessageRow`] from `messages m` and its author `users u`.
macro_rules! message_columns {
    () => {
        "m.id, m.room_id, m.seq, m.author_id, u.name AS author_name, u.role AS author_role, \
         m.client_id, m.body, m.parent_id, m.reply_count, m.created_at, m.edited_at, \
         m.deleted_at, m.deleted_by, m.preview, u.avatar_version AS author_avatar_version, \
         EXISTS (SELECT 1 FROM message_pins pin WHERE pin.message_id = m.id) AS pinned"
    };
}
pub(crate) use message_columns;

/// `RETURNING` of [`super::MessageRow`] for an `INSERT INTO messages`.
macro_rules! message_returning {
    () => {
        " RETURNING id, room_id, seq, author_id, \
           (SELECT u.name FROM users u WHERE u.id = author_id) AS author_name, \
           (SELECT u.role FROM users u WHERE u.id = author_id) AS author_role, \
           (SELECT u.avatar_version FROM users u WHERE u.id = author_id) AS author_avatar_version, \
           client_id, body, parent_id, reply_count, created_at, edited_at, deleted_at, deleted_by"
    };
}
pub(crate) use message_returning;

/// `SELECT` of [`super::MessageRow`] from `messages m JOIN users u`; add `WHERE ...`.
macro_rules! message_select {
    () => {
        concat!(
            "SELECT ",
            $crate::store::sql::message_columns!(),
            " FROM messages m JOIN users u ON u.id = m.author_id "
        )
    };
}
pub(crate) use message_select;

/// Joins of a message search: the room `r`, the viewer's membership `rm` (viewer `$1`) and the
/// ticket `t`, for [`readable_by_viewer`].
macro_rules! message_hit_joins {
    () => {
        " JOIN users u ON u.id = m.author_id JOIN rooms r ON r.id = m.room_id \
          LEFT JOIN room_members rm ON rm.room_id = r.id AND rm.user_id = $1 \
          LEFT JOIN tickets t ON t.room_id = r.id "
    };
}
pub(crate) use message_hit_joins;

/// Search filters (`$5` author pattern, `$6` room slug, `$7` before, `$8` after, `$9` threads
/// only) shared by both backends.
macro_rules! search_filters {
    () => {
        " AND m.deleted_at IS NULL \
          AND ($6 IS NULL OR r.slug = $6) AND ($7 IS NULL OR m.created_at < $7) \
          AND ($8 IS NULL OR m.created_at >= $8) \
          AND ($9 = FALSE OR m.parent_id IS NOT NULL OR m.reply_count > 0) "
    };
}
pub(crate) use search_filters;

/// Columns of [`super::AuditRow`].
macro_rules! audit_columns {
    () => {
        "id, at, actor_id, actor_email, action, target_type, target_id, metadata, ip, request_id"
    };
}
pub(crate) use audit_columns;

/// `$col` matches the pattern `$pattern` (from [`like_pattern`]), ignoring case: the same on
/// both databases (PostgreSQL's `ILIKE` lower-cases both sides the same way; SQLite's `lower`
/// and `LIKE` both fold ASCII only).
macro_rules! like_nocase {
    ($col:literal, $pattern:literal) => {
        concat!("lower(", $col, ") LIKE lower(", $pattern, ") ESCAPE '\\'")
    };
}
pub(crate) use like_nocase;

/// The `from:` filter of a search (`$5`): the author's name, and for team viewers (`$2`) the
/// e-mail address too; customers may not see staff addresses, so they cannot match on them.
macro_rules! author_filter {
    () => {
        concat!(
            " AND ($5 IS NULL OR ",
            $crate::store::sql::like_nocase!("u.name", "$5"),
            " OR ($2 <> 'customer' AND ",
            $crate::store::sql::like_nocase!("u.email", "$5"),
            ")) "
        )
    };
}
pub(crate) use author_filter;

/// A patch field that can also be cleared (`Some(None)`), as the two binds of its
/// `CASE WHEN $set THEN $value ELSE column END`: whether to set it, and to what.
pub(crate) fn set_or_keep<T: Clone>(field: &Option<Option<T>>) -> (bool, Option<T>) {
    match field {
        Some(value) => (true, value.clone()),
        None => (false, None),
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern and wraps it in `%`.
pub(crate) fn like_pattern(q: &str) -> String {
    let mut pattern = String::with_capacity(q.len() + 2);
    pattern.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// `SELECT` of [`super::tickets::TicketRow`] with the viewer's membership joined as `rm`
/// (viewer bound as `$1`, for [`readable_by_viewer`]); add `WHERE ...`.
macro_rules! ticket_select {
    () => {
        "SELECT t.room_id AS id, t.subject, t.status, t.priority, t.department, t.requester_id, \
         rq.name AS requester_name, rq.email AS requester_email, t.assignee_id, \
         asg.name AS assignee_name, t.created_at, t.updated_at, t.first_response_at, \
         t.resolved_at, r.last_seq, t.requester_verified, t.submitted_name \
         FROM tickets t JOIN rooms r ON r.id = t.room_id JOIN users rq ON rq.id = t.requester_id \
         LEFT JOIN users asg ON asg.id = t.assignee_id \
         LEFT JOIN room_members rm ON rm.room_id = r.id AND rm.user_id = $1 "
    };
}
pub(crate) use ticket_select;

/// Shared filters of the ticket queue: `$4` status, `$5` department, `$6` unassigned only,
/// `$7` assignee, `$8` priority, `$9` requester, `$10`/`$11` cursor, `$12` limit; `$13` is the
/// ticket scope of [`readable_by_viewer`].
macro_rules! ticket_filters {
    () => {
        " AND ($4 IS NULL OR t.status = $4) AND ($5 IS NULL OR t.department = $5) \
          AND ($6 = FALSE OR t.assignee_id IS NULL) AND ($7 IS NULL OR t.assignee_id = $7) \
          AND ($8 IS NULL OR t.priority = $8) AND ($9 IS NULL OR t.requester_id = $9) \
          AND ($10 IS NULL OR t.created_at < $10 OR (t.created_at = $10 AND t.room_id < $11)) \
          ORDER BY t.created_at DESC, t.room_id DESC LIMIT $12"
    };
}
pub(crate) use ticket_filters;

/// The ticket analytics aggregates over `tickets`, grouped by `$group` (`$1` = window start).
macro_rules! ticket_counts {
    ($group:literal) => {
        concat!(
            "SELECT ",
            $group,
            ", \
             COALESCE(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END), 0) AS open, \
             COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0) AS pending, \
             COALESCE(SUM(CASE WHEN resolved_at >= $1 THEN 1 ELSE 0 END), 0) AS resolved \
             FROM tickets"
        )
    };
}
pub(crate) use ticket_counts;

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(super::like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}

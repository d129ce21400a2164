//! SQL fragments both backends share (their dialects agree on these), as macros so that the
//! queries built from them stay `&'static str`.

/// Columns of [`super::UserRow`] from `users u`.
macro_rules! user_columns {
    () => {
        "u.id, u.email, u.name, u.password_hash, u.role, u.department, u.created_at, \
         u.updated_at, u.last_seen_at"
    };
}
pub(crate) use user_columns;

/// Columns of [`super::UserRow`], unqualified, for `RETURNING`.
macro_rules! user_returning {
    () => {
        "id, email, name, password_hash, role, department, created_at, updated_at, last_seen_at"
    };
}
pub(crate) use user_returning;

/// Columns of [`super::RoomRow`] from `rooms r`.
macro_rules! room_columns {
    () => {
        "r.id, r.slug, r.title, r.description, r.kind, r.department, r.tags, r.created_by, \
         r.created_at, r.updated_at, r.last_seq, r.last_message_at"
    };
}
pub(crate) use room_columns;

/// Columns of [`super::RoomRow`], unqualified, for `RETURNING`.
macro_rules! room_returning {
    () => {
        "id, slug, title, description, kind, department, tags, created_by, created_at, \
         updated_at, last_seq, last_message_at"
    };
}
pub(crate) use room_returning;

/// `SELECT` of [`super::RoomWithMe`] for the viewer bound as `$1`; add `WHERE ...`.
macro_rules! room_with_me_select {
    () => {
        concat!(
            "SELECT ",
            $crate::store::sql::room_columns!(),
            ", rm.role AS my_role, COALESCE(rm.last_read_seq, 0) AS last_read_seq, \
             CASE WHEN rm.user_id IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM messages m \
               WHERE m.room_id = r.id AND m.seq > rm.last_read_seq \
               AND m.author_id <> rm.user_id AND m.deleted_at IS NULL) END AS unread, \
             t.requester_id, t.assignee_id \
             FROM rooms r \
             LEFT JOIN room_members rm ON rm.room_id = r.id AND rm.user_id = $1 \
             LEFT JOIN tickets t ON t.room_id = r.id "
        )
    };
}
pub(crate) use room_with_me_select;

/// The policy's read rule (`domain::policy::can_read`) in SQL, for the query of
/// [`room_with_me_select`] with `$1` = viewer id, `$2` = viewer role, `$3` = viewer department.
macro_rules! readable_by_viewer {
    () => {
        "(CASE WHEN $2 = 'customer' \
            THEN r.kind = 'ticket' AND (rm.user_id IS NOT NULL OR t.requester_id = $1 \
                 OR t.assignee_id = $1) \
            ELSE rm.user_id IS NOT NULL OR t.requester_id = $1 OR t.assignee_id = $1 \
                 OR (r.kind IN ('public', 'ticket') \
                     AND ($2 = 'admin' OR r.department IS NULL OR r.department = $3)) \
          END)"
    };
}
pub(crate) use readable_by_viewer;

/// `SELECT` of [`super::MemberRow`] from `room_members rm JOIN users u`.
macro_rules! member_select {
    () => {
        concat!(
            "SELECT ",
            $crate::store::sql::user_columns!(),
            ", rm.role AS room_role, rm.joined_at, rm.last_read_seq, rm.last_delivered_seq \
             FROM room_members rm JOIN users u ON u.id = rm.user_id "
        )
    };
}
pub(crate) use member_select;

/// `SELECT` of [`super::MessageRow`] from `messages m JOIN users u`; add `WHERE ...`.
macro_rules! message_select {
    () => {
        "SELECT m.id, m.room_id, m.seq, m.author_id, u.name AS author_name, \
         u.role AS author_role, m.client_id, m.body, m.parent_id, m.reply_count, m.created_at, \
         m.edited_at, m.deleted_at, m.deleted_by \
         FROM messages m JOIN users u ON u.id = m.author_id "
    };
}
pub(crate) use message_select;

/// Columns of [`super::AuditRow`].
macro_rules! audit_columns {
    () => {
        "id, at, actor_id, actor_email, action, target_type, target_id, metadata, ip, request_id"
    };
}
pub(crate) use audit_columns;

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

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(super::like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}

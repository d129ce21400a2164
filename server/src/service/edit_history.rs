//! A message's edit history: every text it had, oldest first, for whoever may read it. Once
//! a message is deleted its texts are withheld from everyone but admins (moderation reviews
//! what was removed; nobody else reads it back).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Actor, Ctx, messages::message_with_access};
use crate::{
    domain::{
        Id,
        policy::{self, Action, Capability},
    },
    error::AppResult,
    store::{EditRow, MessageRow},
};

/// One text a message had.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionView {
    /// The text; `null` when withheld (a deleted message, for everyone but admins) and for
    /// the current version of a deleted message.
    pub body: Option<String>,
    /// When the message got this text (posted, edited or deleted).
    pub at: DateTime<Utc>,
    /// Who gave it this text: the author, or whoever deleted it.
    pub by: Id,
    /// True for the message as it is now (the last version).
    pub current: bool,
}

/// The versions of a message, oldest first, the current one last.
pub async fn versions(ctx: &Ctx, actor: &Actor, message_id: Id) -> AppResult<Vec<VersionView>> {
    let (message, _) = message_with_access(ctx, actor, message_id, Action::Read).await?;
    let edits = ctx.store.message_edits(message_id).await?;
    let show_removed = policy::allows(actor.user.role, Capability::ReadRemovedMessages);
    Ok(assemble(&message, edits, show_removed))
}

/// Each stored text began when the previous one was replaced; the current text began with
/// the last change (or the deletion).
fn assemble(message: &MessageRow, edits: Vec<EditRow>, show_removed: bool) -> Vec<VersionView> {
    let withheld = message.deleted_at.is_some() && !show_removed;
    let (mut at, mut by) = (message.created_at, message.author_id);
    let mut versions = Vec::with_capacity(edits.len() + 1);
    for edit in edits {
        versions.push(VersionView {
            body: (!withheld).then_some(edit.body),
            at,
            by,
            current: false,
        });
        (at, by) = (edit.edited_at, edit.editor_id);
    }
    versions.push(VersionView {
        body: message.deleted_at.is_none().then(|| message.body.clone()),
        at: message.deleted_at.unwrap_or(at),
        by: message.deleted_by.unwrap_or(by),
        current: true,
    });
    versions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::user::Role;

    fn message(author: Id, at: DateTime<Utc>) -> MessageRow {
        MessageRow {
            id: Id::new(),
            room_id: Id::new(),
            seq: 1,
            author_id: author,
            author_name: "Ada".into(),
            author_role: Role::Staff,
            client_id: "c".into(),
            body: "third".into(),
            parent_id: None,
            reply_count: 0,
            created_at: at,
            edited_at: None,
            deleted_at: None,
            deleted_by: None,
            pinned: false,
            preview: None,
            author_avatar_version: None,
        }
    }

    #[test]
    fn versions_start_when_the_previous_text_was_replaced() {
        let (author, start) = (Id::new(), Utc::now());
        let minute = chrono::Duration::minutes(1);
        let edit = |body: &str, at| EditRow {
            body: body.into(),
            edited_at: at,
            editor_id: author,
        };
        let mut row = message(author, start);
        let edits = vec![
            edit("first", start + minute),
            edit("second", start + minute * 2),
        ];
        let versions = assemble(&row, edits.clone(), false);
        let texts: Vec<_> = versions.iter().map(|v| v.body.as_deref()).collect();
        assert_eq!(texts, [Some("first"), Some("second"), Some("third")]);
        let times: Vec<_> = versions.iter().map(|v| v.at).collect();
        assert_eq!(times, [start, start + minute, start + minute * 2]);
        assert!(versions[2].current && !versions[1].current);

        let moderator = Id::new();
        row.body = String::new();
        row.deleted_at = Some(start + minute * 3);
        row.deleted_by = Some(moderator);
        let mut with_deleted = edits;
        with_deleted.push(EditRow {
            body: "third".into(),
            edited_at: start + minute * 3,
            editor_id: moderator,
        });
        let withheld = assemble(&row, with_deleted.clone(), false);
        assert!(withheld.iter().all(|v| v.body.is_none()));
        assert_eq!(withheld.len(), 4);
        let shown = assemble(&row, with_deleted, true);
        let texts: Vec<_> = shown.iter().map(|v| v.body.as_deref()).collect();
        assert_eq!(texts, [Some("first"), Some("second"), Some("third"), None]);
        assert_eq!(shown[3].by, moderator);
        assert_eq!(shown[3].at, start + minute * 3);
    }
}

//! Who reacted to a message: per emoji, the people behind its count, for whoever may read the
//! message (the counts are on every message view; the names are asked for on demand).

use serde::Serialize;
use utoipa::ToSchema;

use super::{Actor, Ctx, messages::message_with_access};
use crate::{
    domain::{Id, policy::Action},
    error::{AppError, AppResult},
    store::ReactorRow,
};

/// Someone who reacted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReactorView {
    /// Their user id.
    pub id: Id,
    /// Their display name.
    pub name: String,
}

/// One emoji on a message and everyone who put it there, the earliest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReactionUsersView {
    /// The emoji.
    pub emoji: String,
    /// How many people reacted with it (the length of `users`).
    pub count: usize,
    /// Who they are.
    pub users: Vec<ReactorView>,
}

/// The reactions of a live message with who reacted, in the order the message view lists
/// them. A deleted message has none (its reactions went with it).
pub async fn reactors(
    ctx: &Ctx,
    actor: &Actor,
    message_id: Id,
) -> AppResult<Vec<ReactionUsersView>> {
    let (message, _) = message_with_access(ctx, actor, message_id, Action::Read).await?;
    if message.deleted_at.is_some() {
        return Err(AppError::not_found("message"));
    }
    let rows = ctx.store.message_reactors(message_id).await?;
    Ok(group(rows))
}

/// Rows ordered by emoji group become one entry per emoji, keeping that order.
fn group(rows: Vec<ReactorRow>) -> Vec<ReactionUsersView> {
    let mut out: Vec<ReactionUsersView> = Vec::new();
    for row in rows {
        let user = ReactorView {
            id: row.user_id,
            name: row.name,
        };
        match out.last_mut() {
            Some(last) if last.emoji == row.emoji => last.users.push(user),
            _ => out.push(ReactionUsersView {
                emoji: row.emoji,
                count: 0,
                users: vec![user],
            }),
        }
    }
    for entry in &mut out {
        entry.count = entry.users.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_group_by_emoji_in_order() {
        let (ada, bob) = (Id::new(), Id::new());
        let row = |emoji: &str, user_id, name: &str| ReactorRow {
            emoji: emoji.into(),
            user_id,
            name: name.into(),
        };
        let grouped = group(vec![
            row("👍", ada, "Ada"),
            row("👍", bob, "Bob"),
            row("🎉", bob, "Bob"),
        ]);
        assert_eq!(grouped.len(), 2);
        assert_eq!(grouped[0].emoji, "👍");
        assert_eq!(grouped[0].count, 2);
        assert_eq!(grouped[0].users[1].name, "Bob");
        assert_eq!(
            grouped[1].users,
            [ReactorView {
                id: bob,
                name: "Bob".into()
            }]
        );
        assert!(group(Vec::new()).is_empty());
    }
}

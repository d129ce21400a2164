//! Catch-up after a reconnect or a gap: every message after each of the client's cursors that
//! the user may read, in seq order, bounded in rooms, messages and bytes per call.
//!
//! A room the answer could not finish says `complete: false`; the client calls again from its
//! new cursor. Cursors naming the same room twice count once (from the lower seq), so a client
//! cannot multiply the work of one call.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::Ctx;
use super::{Actor, messages, room_with_access, spend};
use crate::{
    domain::{Id, policy::Action},
    error::{AppError, AppResult, Code},
    ratelimit::Action as Limit,
    store::Page,
    views::MessageView,
};

/// Most rooms one call answers.
pub const MAX_ROOMS: usize = 100;
/// Default and largest number of messages per room per call.
pub const DEFAULT_LIMIT: i64 = 100;
/// The largest `limit` a client may ask for.
pub const MAX_LIMIT: i64 = 500;
/// Most messages one call answers over all its rooms.
pub const MAX_TOTAL: i64 = 2_000;
/// Most bytes of message JSON one call answers (about 512 KiB): the answer is one Socket.IO
/// packet, held in the socket's queue until written.
pub const MAX_BYTES: usize = 512 * 1024;

/// A client's position in one room.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cursor {
    /// Room.
    pub room_id: Id,
    /// The highest seq the client holds.
    pub seq: i64,
}

/// One room's answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncedRoom {
    /// Room.
    pub room_id: Id,
    /// Messages after the cursor, ascending.
    pub messages: Vec<MessageView>,
    /// False when more remain (call again from the last seq).
    pub complete: bool,
    /// `NOT_FOUND` when the room is gone or no longer readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
}

/// Answers one `sync` call.
pub async fn sync(
    ctx: &Ctx,
    actor: &Actor,
    cursors: Vec<Cursor>,
    limit: Option<i64>,
) -> AppResult<Vec<SyncedRoom>> {
    let cursors = dedupe(cursors);
    if cursors.len() > MAX_ROOMS {
        return Err(AppError::invalid(
            "cursors",
            format!("at most {MAX_ROOMS} rooms per call"),
        ));
    }
    spend(ctx, Limit::Sync, actor).await?;
    let limit = limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let mut budget = Budget {
        messages: MAX_TOTAL,
        bytes: MAX_BYTES,
    };
    let mut rooms = Vec::with_capacity(cursors.len());
    for cursor in cursors {
        rooms.push(sync_room(ctx, actor, cursor, limit, &mut budget).await?);
    }
    Ok(rooms)
}

/// Everything after one cursor the actor may read now, at most `limit` messages: the re-send
/// to a socket that did not acknowledge in time. Spends no quota (the server decided to send,
/// not the client).
pub async fn catch_up(
    ctx: &Ctx,
    actor: &Actor,
    cursor: Cursor,
    limit: i64,
) -> AppResult<SyncedRoom> {
    let mut budget = Budget {
        messages: limit,
        bytes: MAX_BYTES,
    };
    sync_room(ctx, actor, cursor, limit, &mut budget).await
}

/// One cursor per room, the lowest seq asked for, in the order rooms first appear.
fn dedupe(cursors: Vec<Cursor>) -> Vec<Cursor> {
    let mut index: HashMap<Id, usize> = HashMap::with_capacity(cursors.len());
    let mut out: Vec<Cursor> = Vec::with_capacity(cursors.len());
    for cursor in cursors {
        match index.get(&cursor.room_id) {
            Some(&at) => out[at].seq = out[at].seq.min(cursor.seq),
            None => {
                index.insert(cursor.room_id, out.len());
                out.push(cursor);
            }
        }
    }
    out
}

/// What is left of one call's allowance.
struct Budget {
    messages: i64,
    bytes: usize,
}

/// Everything after one cursor the actor may read, within the budget.
async fn sync_room(
    ctx: &Ctx,
    actor: &Actor,
    cursor: Cursor,
    limit: i64,
    budget: &mut Budget,
) -> AppResult<SyncedRoom> {
    let answer = |messages, complete, error| SyncedRoom {
        room_id: cursor.room_id,
        messages,
        complete,
        error,
    };
    match room_with_access(ctx, actor, cursor.room_id, Action::Read).await {
        Ok(_) => {}
        Err(err) if err.code() == Code::NotFound => {
            return Ok(answer(Vec::new(), true, Some("NOT_FOUND")));
        }
        Err(err) => return Err(err),
    }
    let limit = limit.min(budget.messages);
    if limit <= 0 || budget.bytes == 0 {
        // The call's budget is spent: this room waits for the next call.
        return Ok(answer(Vec::new(), false, None));
    }
    let mut rows = ctx
        .store
        .list_messages(cursor.room_id, Page::After(cursor.seq.max(0)), limit + 1)
        .await?;
    let mut complete = i64::try_from(rows.len()).unwrap_or(i64::MAX) <= limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let mut views = messages::view_many(ctx, actor, &rows).await?;
    let mut bytes = 0;
    let fits = views
        .iter()
        .take_while(|view| {
            bytes += approximate_size(view);
            bytes <= budget.bytes
        })
        .count();
    if fits < views.len() {
        views.truncate(fits);
        complete = false;
        budget.bytes = 0;
    } else {
        budget.bytes -= bytes;
    }
    budget.messages -= i64::try_from(views.len()).unwrap_or(budget.messages);
    Ok(answer(views, complete, None))
}

/// The size of a message's JSON, closely enough for a budget: its text plus the fixed fields.
fn approximate_size(view: &MessageView) -> usize {
    const FIXED: usize = 400;
    FIXED
        + view.body.as_deref().map_or(0, str::len)
        + view.author.name.len()
        + view.client_id.len()
        + view
            .reactions
            .iter()
            .map(|r| r.emoji.len() + 32)
            .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_naming_a_room_twice_count_once_from_the_lower_seq() {
        let a = Id::new();
        let b = Id::new();
        let cursors = vec![
            Cursor { room_id: a, seq: 9 },
            Cursor { room_id: b, seq: 1 },
            Cursor { room_id: a, seq: 3 },
            Cursor { room_id: a, seq: 7 },
        ];
        let deduped = dedupe(cursors);
        assert_eq!(deduped.len(), 2);
        assert_eq!((deduped[0].room_id, deduped[0].seq), (a, 3));
        assert_eq!((deduped[1].room_id, deduped[1].seq), (b, 1));
    }
}

//! Messages: the one idempotent send path (REST and sockets), history, threads, edits,
//! deletions and reactions.

use chrono::Duration;
use serde_json::json;

use super::{Actor, audit, field, room_with_access, rooms::check, spend};
use crate::{
    app::AppState,
    domain::{
        Id,
        message::{parse_body, parse_client_id, parse_emoji},
        policy::Action,
        room::RoomKind,
    },
    error::{AppError, AppResult, Code},
    ratelimit::Action as Limit,
    store::{InsertOutcome, MessageRow, NewMessage, Page, RoomWithMe},
    views::MessageView,
};

/// Input of [`send`].
#[derive(Clone, Debug)]
pub struct SendMessage {
    /// Room.
    pub room_id: Id,
    /// The sender's idempotency key.
    pub client_id: String,
    /// Text.
    pub body: String,
    /// Thread root.
    pub parent_id: Option<Id>,
}

/// What a send did.
pub struct Sent {
    /// The stored message.
    pub message: MessageView,
    /// False when the client id had been used already (nothing new was stored).
    pub created: bool,
    /// The room it went to.
    pub room: RoomWithMe,
}

/// Stores a message durably (with the room's next seq) or returns the one already stored for
/// this client id. Only then is it acknowledged and fanned out.
pub async fn send(state: &AppState, actor: &Actor, input: SendMessage) -> AppResult<Sent> {
    let client_id = field("clientId", parse_client_id(&input.client_id))?;
    let body = field("body", parse_body(&input.body))?;
    let room = room_with_access(state, actor, input.room_id, Action::Post).await?;
    let is_ticket = room.room.kind == RoomKind::Ticket;
    if is_ticket {
        super::tickets::check_open_for(state, actor, input.room_id).await?;
    }
    if let Some(parent_id) = input.parent_id {
        check_thread_root(state, input.room_id, parent_id).await?;
    }
    spend(state, Limit::MessageSend, actor).await?;
    let outcome = state
        .store
        .insert_message(NewMessage {
            id: Id::new(),
            room_id: input.room_id,
            author_id: actor.id(),
            client_id,
            body,
            parent_id: input.parent_id,
            created_at: crate::store::now(),
        })
        .await?;
    let (row, created) = match outcome {
        InsertOutcome::Created(row) => (row, true),
        InsertOutcome::Existing(row) if row.room_id == input.room_id => (row, false),
        InsertOutcome::Existing(_) => {
            return Err(AppError::new(
                Code::ClientIdReused,
                "that clientId was already used for a message in another room",
            ));
        }
    };
    let message = if created {
        MessageView::new(&row, Vec::new())
    } else {
        view_one(state, actor, &row).await?
    };
    // Fanned out right after the commit, before anything else can fail. A resend is answered
    // with the stored message and not fanned out again (readers got it the first time, or
    // catch up through sync).
    if created {
        state.realtime.message_new(&message).await;
    }
    if created && is_ticket {
        // The message is stored and on its way: failing to update the ticket's timings must
        // not fail the send (the client would resend and get the same message back).
        match super::tickets::after_message(state, actor, input.room_id).await {
            Ok(Some(changed)) => state.realtime.ticket_changed(None, &changed).await,
            Ok(None) => {}
            Err(err) => {
                tracing::error!(error = %err, room_id = %input.room_id, "ticket timings not updated after a message");
            }
        }
    }
    Ok(Sent {
        message,
        created,
        room,
    })
}

/// A reply's parent must be a live root message of the same room.
async fn check_thread_root(state: &AppState, room_id: Id, parent_id: Id) -> AppResult<()> {
    let parent = state.store.get_message(parent_id).await?;
    match parent {
        Some(p) if p.room_id == room_id && p.parent_id.is_none() && p.deleted_at.is_none() => {
            Ok(())
        }
        Some(p) if p.room_id == room_id && p.parent_id.is_some() => Err(AppError::invalid(
            "parentId",
            "replies go to the thread's root message",
        )),
        _ => Err(AppError::invalid(
            "parentId",
            "no such message in this room",
        )),
    }
}

/// Views for messages, with reactions as seen by the actor.
pub async fn view_many(
    state: &AppState,
    actor: &Actor,
    rows: &[MessageRow],
) -> AppResult<Vec<MessageView>> {
    let ids: Vec<Id> = rows.iter().map(|m| m.id).collect();
    let reactions = state.store.reactions_for(&ids, actor.id()).await?;
    Ok(MessageView::with_reactions(rows, reactions))
}

async fn view_one(state: &AppState, actor: &Actor, row: &MessageRow) -> AppResult<MessageView> {
    let mut views = view_many(state, actor, std::slice::from_ref(row)).await?;
    views.pop().ok_or_else(|| AppError::not_found("message"))
}

/// A slice of a room's history, ascending by seq.
pub async fn history(
    state: &AppState,
    actor: &Actor,
    room_id: Id,
    page: Page,
    limit: i64,
) -> AppResult<Vec<MessageView>> {
    room_with_access(state, actor, room_id, Action::Read).await?;
    let rows = state.store.list_messages(room_id, page, limit).await?;
    view_many(state, actor, &rows).await
}

/// Loads a message and its room, checking `action` in that room.
async fn message_with_access(
    state: &AppState,
    actor: &Actor,
    message_id: Id,
    action: Action,
) -> AppResult<(MessageRow, RoomWithMe)> {
    let message = state
        .store
        .get_message(message_id)
        .await?
        .ok_or_else(|| AppError::not_found("message"))?;
    let room = room_with_access(state, actor, message.room_id, Action::Read)
        .await
        .map_err(|e| match e.code() {
            Code::NotFound => AppError::not_found("message"),
            _ => e,
        })?;
    check(actor, &room, action)?;
    Ok((message, room))
}

/// A thread: its root and replies (asking with a reply returns its root's thread).
pub async fn thread(
    state: &AppState,
    actor: &Actor,
    message_id: Id,
) -> AppResult<(MessageView, Vec<MessageView>)> {
    let (mut root, _) = message_with_access(state, actor, message_id, Action::Read).await?;
    if let Some(parent_id) = root.parent_id {
        root = state
            .store
            .get_message(parent_id)
            .await?
            .ok_or_else(|| AppError::not_found("message"))?;
    }
    let replies = state.store.thread_replies(root.id, 1000).await?;
    let mut all = Vec::with_capacity(replies.len() + 1);
    all.push(root);
    all.extend(replies);
    let mut views = view_many(state, actor, &all).await?.into_iter();
    let root = views.next().ok_or_else(|| AppError::not_found("message"))?;
    Ok((root, views.collect()))
}

/// Edits the actor's own message within the edit window.
pub async fn edit(
    state: &AppState,
    actor: &Actor,
    message_id: Id,
    body: &str,
) -> AppResult<MessageView> {
    let body = field("body", parse_body(body))?;
    let (message, _) = message_with_access(state, actor, message_id, Action::Post).await?;
    if message.author_id != actor.id() {
        return Err(AppError::forbidden("only the author edits a message"));
    }
    if message.deleted_at.is_some() {
        return Err(AppError::not_found("message"));
    }
    let window =
        Duration::seconds(i64::try_from(state.config.edit_window_secs).unwrap_or(i64::MAX));
    if crate::store::now() - message.created_at > window {
        return Err(AppError::new(
            Code::EditWindowPassed,
            "this message can no longer be edited",
        ));
    }
    spend(state, Limit::MessageEdit, actor).await?;
    let row = state
        .store
        .edit_message(message_id, &body, crate::store::now())
        .await?
        .ok_or_else(|| AppError::not_found("message"))?;
    view_one(state, actor, &row).await
}

/// Deletes a message: the author's own, or anyone's for moderators, owners and admins
/// (audited, without the text).
pub async fn delete(state: &AppState, actor: &Actor, message_id: Id) -> AppResult<MessageView> {
    let (message, room) = message_with_access(state, actor, message_id, Action::Read).await?;
    let own = message.author_id == actor.id();
    check(
        actor,
        &room,
        if own {
            Action::Post
        } else {
            Action::DeleteOthers
        },
    )?;
    if message.deleted_at.is_some() {
        return Err(AppError::not_found("message"));
    }
    spend(state, Limit::MessageDelete, actor).await?;
    let row = state
        .store
        .delete_message(message_id, actor.id(), crate::store::now())
        .await?
        .ok_or_else(|| AppError::not_found("message"))?;
    if !own {
        audit::record(
            state,
            actor,
            "message.delete",
            "message",
            message_id,
            json!({"roomId": message.room_id, "authorId": message.author_id, "seq": message.seq}),
        )
        .await?;
    }
    view_one(state, actor, &row).await
}

/// Different emoji one user may put on one message (Slack allows 23).
pub const MAX_REACTIONS_PER_USER: i64 = 20;

/// Whether the actor may type in a room (typing notices are for those who may post); spends
/// the typing quota.
pub async fn typing(state: &AppState, actor: &Actor, room_id: Id) -> AppResult<()> {
    room_with_access(state, actor, room_id, Action::Post).await?;
    spend(state, Limit::Typing, actor).await
}

/// What a reaction change did, for the `reaction:updated` event.
pub struct Reacted {
    /// The message, as the actor now sees it.
    pub message: MessageView,
    /// The emoji.
    pub emoji: String,
    /// True when added, false when removed.
    pub added: bool,
    /// Users with this emoji on the message now.
    pub count: i64,
}

/// Adds (`Some(true)`), removes (`Some(false)`) or toggles (`None`) the actor's reaction.
pub async fn react(
    state: &AppState,
    actor: &Actor,
    message_id: Id,
    emoji: &str,
    add: Option<bool>,
) -> AppResult<Reacted> {
    let emoji = field("emoji", parse_emoji(emoji))?;
    let (message, _) = message_with_access(state, actor, message_id, Action::React).await?;
    if message.deleted_at.is_some() {
        return Err(AppError::not_found("message"));
    }
    spend(state, Limit::Reaction, actor).await?;
    let adding = match add {
        Some(adding) => adding,
        None => {
            !state
                .store
                .has_reaction(message_id, actor.id(), &emoji)
                .await?
        }
    };
    if adding
        && state
            .store
            .user_reaction_count(message_id, actor.id())
            .await?
            >= MAX_REACTIONS_PER_USER
    {
        return Err(AppError::new(
            Code::ReactionLimit,
            format!("at most {MAX_REACTIONS_PER_USER} different reactions per message"),
        ));
    }
    let added = match add {
        Some(true) => {
            state
                .store
                .add_reaction(message_id, actor.id(), &emoji)
                .await?;
            true
        }
        Some(false) => {
            state
                .store
                .remove_reaction(message_id, actor.id(), &emoji)
                .await?;
            false
        }
        None => {
            state
                .store
                .add_reaction(message_id, actor.id(), &emoji)
                .await?
                || !state
                    .store
                    .remove_reaction(message_id, actor.id(), &emoji)
                    .await?
        }
    };
    let count = state.store.count_reaction(message_id, &emoji).await?;
    let message = view_one(state, actor, &message).await?;
    Ok(Reacted {
        message,
        emoji,
        added,
        count,
    })
}

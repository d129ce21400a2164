//! Messages: the one idempotent send path (REST and sockets), history, threads, edits,
//! deletions and reactions.

use serde_json::json;

use super::{Actor, audit::Audit, field, room_to_post, room_with_access, rooms::check, spend};
use super::{Ctx, events::Event};
use crate::{
    domain::{
        Id,
        message::{parse_body, parse_client_id, parse_emoji},
        policy::Action,
    },
    error::{AppError, AppResult, Code},
    ratelimit::Action as Limit,
    store::{InsertOutcome, MessageRow, NewMessage, Page, RoomAccess},
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
    /// Uploads of the sender in this room to attach.
    pub attachment_ids: Vec<Id>,
}

/// What a send did.
pub struct Sent {
    /// The stored message.
    pub message: MessageView,
    /// False when the client id had been used already (nothing new was stored).
    pub created: bool,
}

/// Stores a message durably (with the room's next seq) or returns the one already stored for
/// this client id. Only then is it acknowledged and fanned out.
pub async fn send(ctx: &Ctx, actor: &Actor, input: SendMessage) -> AppResult<Sent> {
    let client_id = field("clientId", parse_client_id(&input.client_id))?;
    // A message of attachments only may have no text.
    let body = if input.attachment_ids.is_empty() || !input.body.trim().is_empty() {
        field("body", parse_body(&input.body))?
    } else {
        String::new()
    };
    let room = room_to_post(ctx, actor, input.room_id).await?;
    let attachment_ids = super::files::check_attachments(
        ctx,
        actor,
        input.room_id,
        &client_id,
        &input.attachment_ids,
    )
    .await?;
    if let Some(parent_id) = input.parent_id {
        check_thread_root(ctx, input.room_id, parent_id).await?;
    }
    // Who the body mentions is decided before it is stored: a forbidden `@room` refuses the
    // send. Bodies without an `@` cost nothing here.
    let mentions = super::mentions::resolve(ctx, actor, &room, &body).await?;
    spend(ctx, Limit::MessageSend, actor).await?;
    let outcome = ctx
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
    // The uploads are linked after the message commits; the link is idempotent, so if it
    // fails, the client's retry with the same client id (answered with the stored message)
    // completes it.
    let linked = ctx
        .store
        .attach_uploads(row.id, &attachment_ids, actor.id(), input.room_id)
        .await?;
    let message = if created {
        if !mentions.users.is_empty() {
            let ids: Vec<Id> = mentions.users.iter().map(|m| m.user_id).collect();
            ctx.store.set_mentions(row.id, &ids).await?;
        }
        let mut view = MessageView {
            mentions: mentions.users,
            ..MessageView::new(&row, Vec::new())
        };
        if !attachment_ids.is_empty() {
            super::files::attach(ctx, std::slice::from_mut(&mut view)).await?;
        }
        view
    } else {
        view_one(ctx, actor, &row).await?
    };
    if !created && linked > 0 {
        // A retry completed the link: readers who got the message without its files get
        // them now.
        ctx.events
            .publish(Event::MessageEdited(message.clone()))
            .await;
    }
    // Fanned out right after the commit, before anything else can fail. A resend is answered
    // with the stored message and not fanned out again (readers got it the first time, or
    // catch up through sync).
    if created {
        ctx.events
            .publish(Event::MessageCreated {
                message: message.clone(),
                room_kind: room.room.kind,
            })
            .await;
    }
    Ok(Sent { message, created })
}

/// A reply's parent must be a live root message of the same room.
async fn check_thread_root(ctx: &Ctx, room_id: Id, parent_id: Id) -> AppResult<()> {
    let parent = ctx.store.get_message(parent_id).await?;
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
    ctx: &Ctx,
    actor: &Actor,
    rows: &[MessageRow],
) -> AppResult<Vec<MessageView>> {
    views_for(ctx, actor.id(), rows).await
}

/// Views for messages, with reactions as seen by `viewer` (background work announcing a
/// change uses the author, as an edit does).
pub(crate) async fn views_for(
    ctx: &Ctx,
    viewer: Id,
    rows: &[MessageRow],
) -> AppResult<Vec<MessageView>> {
    let ids: Vec<Id> = rows.iter().map(|m| m.id).collect();
    let reactions = ctx.store.reactions_for(&ids, viewer).await?;
    let mut views = MessageView::with_reactions(rows, reactions);
    super::mentions::attach(ctx, &mut views).await?;
    super::files::attach(ctx, &mut views).await?;
    Ok(views)
}

/// Publishes a message as it is now after a change besides its text (a preview, a thumbnail):
/// readers get `message:updated`.
pub(crate) async fn announce_changed(ctx: &Ctx, message_id: Id) -> AppResult<()> {
    let Some(row) = ctx.store.get_message(message_id).await? else {
        return Ok(());
    };
    let mut views = views_for(ctx, row.author_id, std::slice::from_ref(&row)).await?;
    if let Some(view) = views.pop() {
        ctx.events.publish(Event::MessageChanged(view)).await;
    }
    Ok(())
}

/// The view of one message, with reactions as seen by the actor.
pub(super) async fn view_one(ctx: &Ctx, actor: &Actor, row: &MessageRow) -> AppResult<MessageView> {
    let mut views = view_many(ctx, actor, std::slice::from_ref(row)).await?;
    views.pop().ok_or_else(|| AppError::not_found("message"))
}

/// A slice of a room's history, ascending by seq.
pub async fn history(
    ctx: &Ctx,
    actor: &Actor,
    room_id: Id,
    page: Page,
    limit: i64,
) -> AppResult<Vec<MessageView>> {
    room_with_access(ctx, actor, room_id, Action::Read).await?;
    let rows = ctx.store.list_messages(room_id, page, limit).await?;
    view_many(ctx, actor, &rows).await
}

/// Loads a message and its room, checking `action` in that room; a message in a room the
/// actor may not read is "not found".
pub(super) async fn message_with_access(
    ctx: &Ctx,
    actor: &Actor,
    message_id: Id,
    action: Action,
) -> AppResult<(MessageRow, RoomAccess)> {
    let message = ctx
        .store
        .get_message(message_id)
        .await?
        .ok_or_else(|| AppError::not_found("message"))?;
    let room = room_with_access(ctx, actor, message.room_id, Action::Read)
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
    ctx: &Ctx,
    actor: &Actor,
    message_id: Id,
) -> AppResult<(MessageView, Vec<MessageView>)> {
    let (mut root, _) = message_with_access(ctx, actor, message_id, Action::Read).await?;
    if let Some(parent_id) = root.parent_id {
        root = ctx
            .store
            .get_message(parent_id)
            .await?
            .ok_or_else(|| AppError::not_found("message"))?;
    }
    let replies = ctx.store.thread_replies(root.id, 1000).await?;
    let mut all = Vec::with_capacity(replies.len() + 1);
    all.push(root);
    all.extend(replies);
    let mut views = view_many(ctx, actor, &all).await?.into_iter();
    let root = views.next().ok_or_else(|| AppError::not_found("message"))?;
    Ok((root, views.collect()))
}

/// Edits the actor's own message within the edit window; the text it replaces stays in the
/// message's edit history. The same text again changes nothing.
pub async fn edit(ctx: &Ctx, actor: &Actor, message_id: Id, body: &str) -> AppResult<MessageView> {
    let body = field("body", parse_body(body))?;
    let (message, room) = message_with_access(ctx, actor, message_id, Action::Post).await?;
    if message.author_id != actor.id() {
        return Err(AppError::forbidden("only the author edits a message"));
    }
    if message.deleted_at.is_some() {
        return Err(AppError::not_found("message"));
    }
    let window = ctx.settings.edit_window;
    if crate::store::now() - message.created_at > window {
        return Err(AppError::new(
            Code::EditWindowPassed,
            "this message can no longer be edited",
        ));
    }
    if message.body == body {
        return view_one(ctx, actor, &message).await;
    }
    let mentions = super::mentions::resolve(ctx, actor, &room, &body).await?;
    spend(ctx, Limit::MessageEdit, actor).await?;
    let row = ctx
        .store
        .edit_message(message_id, &body, actor.id(), crate::store::now())
        .await?
        .ok_or_else(|| AppError::not_found("message"))?;
    let ids: Vec<Id> = mentions.users.iter().map(|m| m.user_id).collect();
    if !ids.is_empty() || message.body.contains('@') {
        ctx.store.set_mentions(message_id, &ids).await?;
    }
    let view = view_one(ctx, actor, &row).await?;
    ctx.events.publish(Event::MessageEdited(view.clone())).await;
    Ok(view)
}

/// Deletes a message: the author's own, or anyone's for moderators, owners and admins
/// (audited, without the text). A moderator's deletion keeps the text in the edit history,
/// where only admins read the texts of a deleted message.
pub async fn delete(ctx: &Ctx, actor: &Actor, message_id: Id) -> AppResult<MessageView> {
    let (message, room) = message_with_access(ctx, actor, message_id, Action::Read).await?;
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
    spend(ctx, Limit::MessageDelete, actor).await?;
    // Deleting one's own message is not a moderation action: it is not audited.
    let audit = if own {
        Audit::none()
    } else {
        Audit::by(
            actor,
            "message.delete",
            "message",
            message_id,
            json!({"roomId": message.room_id, "authorId": message.author_id, "seq": message.seq}),
        )
    };
    let row = ctx
        .store
        .delete_message(
            message_id,
            actor.id(),
            crate::store::now(),
            !own,
            audit.rows(),
        )
        .await?
        .ok_or_else(|| AppError::not_found("message"))?;
    audit.committed();
    let view = view_one(ctx, actor, &row).await?;
    ctx.events
        .publish(Event::MessageDeleted(view.clone()))
        .await;
    Ok(view)
}

/// Different emoji one user may put on one message (Slack allows 23).
pub const MAX_REACTIONS_PER_USER: i64 = 20;

/// Tells a room's readers that the actor types (or stopped); only for those who may post.
pub async fn typing(ctx: &Ctx, actor: &Actor, room_id: Id, typing: bool) -> AppResult<()> {
    room_with_access(ctx, actor, room_id, Action::Post).await?;
    spend(ctx, Limit::Typing, actor).await?;
    ctx.events
        .publish(Event::Typing {
            room_id,
            user_id: actor.id(),
            name: actor.user.name.clone(),
            typing,
        })
        .await;
    Ok(())
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
    ctx: &Ctx,
    actor: &Actor,
    message_id: Id,
    emoji: &str,
    add: Option<bool>,
) -> AppResult<Reacted> {
    let (message, _) = message_with_access(ctx, actor, message_id, Action::React).await?;
    let emoji = match parse_emoji(emoji) {
        Ok(emoji) => emoji,
        // A reaction stored before reactions had to be known emoji can still be taken away.
        Err(_)
            if add == Some(false)
                && ctx
                    .store
                    .has_reaction(message_id, actor.id(), emoji.trim())
                    .await? =>
        {
            emoji.trim().to_owned()
        }
        Err(problem) => return field("emoji", Err(problem)),
    };
    if message.deleted_at.is_some() {
        return Err(AppError::not_found("message"));
    }
    spend(ctx, Limit::Reaction, actor).await?;
    // Only a reaction the actor does not have yet counts against the limit: adding one they
    // have (a retried PUT) changes nothing and must not be refused.
    let adding = match add {
        Some(false) => false,
        Some(true) | None => {
            !ctx.store
                .has_reaction(message_id, actor.id(), &emoji)
                .await?
        }
    };
    if adding
        && ctx
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
            ctx.store
                .add_reaction(message_id, actor.id(), &emoji)
                .await?;
            true
        }
        Some(false) => {
            ctx.store
                .remove_reaction(message_id, actor.id(), &emoji)
                .await?;
            false
        }
        None => {
            ctx.store
                .add_reaction(message_id, actor.id(), &emoji)
                .await?
                || !ctx
                    .store
                    .remove_reaction(message_id, actor.id(), &emoji)
                    .await?
        }
    };
    let count = ctx.store.count_reaction(message_id, &emoji).await?;
    let message = view_one(ctx, actor, &message).await?;
    ctx.events
        .publish(Event::ReactionChanged {
            room_id: message.room_id,
            message_id,
            emoji: emoji.clone(),
            user_id: actor.id(),
            added,
            count,
        })
        .await;
    Ok(Reacted {
        message,
        emoji,
        added,
        count,
    })
}

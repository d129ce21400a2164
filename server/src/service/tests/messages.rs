//! Sending, resending, editing, deleting and reacting.

use crate::{
    domain::{Id, room::RoomKind, user::Role},
    error::Code,
    service::{
        Actor, Event, members,
        messages::{self, SendMessage, Sent},
        testing::{TestCtx, let_events, refusal},
    },
};

fn text(room_id: Id, client_id: &str, body: &str) -> SendMessage {
    SendMessage {
        room_id,
        client_id: client_id.to_owned(),
        body: body.to_owned(),
        parent_id: None,
        attachment_ids: Vec::new(),
    }
}

/// A public room of a new staff owner with one message of theirs; what that published is
/// forgotten.
async fn room_with_message(t: &TestCtx, body: &str) -> anyhow::Result<(Actor, Id, Sent)> {
    let owner = t.user(Role::Staff).await?;
    let room = t.room(&owner, RoomKind::Public).await?;
    let sent = messages::send(&t.ctx, &owner, text(room, "c-1", body)).await?;
    t.take_events();
    Ok((owner, room, sent))
}

/// A new staff member who joined `room` (to act on someone else's message).
async fn other_member(t: &TestCtx, room: Id) -> anyhow::Result<Actor> {
    let member = t.user(Role::Staff).await?;
    members::join(&t.ctx, &member, room).await?;
    t.take_events();
    Ok(member)
}

/// `owner` puts as many different reactions on the message as one user may; what that
/// published is forgotten.
/// The `n`th emoji the `emojis` crate knows: distinct, real emoji for as many reactions as needed.
fn nth_emoji(n: i64) -> &'static str {
    // The crate knows thousands; the tests ask for the first few dozen.
    let n = usize::try_from(n).unwrap_or_default();
    emojis::iter().nth(n).map_or("👍", |e| e.as_str())
}

async fn react_up_to_the_limit(t: &TestCtx, owner: &Actor, message: Id) -> anyhow::Result<()> {
    for i in 0..messages::MAX_REACTIONS_PER_USER {
        messages::react(&t.ctx, owner, message, nth_emoji(i), Some(true)).await?;
    }
    t.take_events();
    Ok(())
}

#[tokio::test]
async fn a_sent_message_is_stored_and_published_with_its_room_kind_and_seq() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let owner = t.user(Role::Staff).await?;
    let room = t.room(&owner, RoomKind::Public).await?;

    let sent = messages::send(&t.ctx, &owner, text(room, "c-1", "hello")).await?;

    assert!(sent.created);
    let stored = t.ctx.store.get_message(sent.message.id).await?;
    assert_eq!(
        stored.map(|m| (m.room_id, m.seq, m.author_id, m.body)),
        Some((room, 1, owner.id(), "hello".to_owned()))
    );
    let_events!(
        t.take_events(),
        [Event::MessageCreated { message, room_kind }]
    );
    assert_eq!(
        (message.id, message.seq, *room_kind),
        (sent.message.id, 1, RoomKind::Public)
    );
    assert_eq!(message.body.as_deref(), Some("hello"));
    Ok(())
}

#[tokio::test]
async fn a_resend_with_the_same_client_id_returns_the_stored_message_and_publishes_nothing()
-> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let owner = t.user(Role::Staff).await?;
    let room = t.room(&owner, RoomKind::Public).await?;
    let first = messages::send(&t.ctx, &owner, text(room, "c-1", "hello")).await?;
    t.take_events();

    let again = messages::send(&t.ctx, &owner, text(room, "c-1", "hello again")).await?;

    assert!(!again.created);
    assert_eq!(again.message.id, first.message.id);
    assert_eq!(again.message.seq, first.message.seq);
    assert_eq!(again.message.body.as_deref(), Some("hello"));
    let history = t.history(room).await?;
    assert_eq!(history.len(), 1);
    assert!(t.take_events().is_empty());
    Ok(())
}

#[tokio::test]
async fn seqs_increase_per_room() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let owner = t.user(Role::Staff).await?;
    let first_room = t.room(&owner, RoomKind::Public).await?;
    let second_room = t.room(&owner, RoomKind::Private).await?;

    let mut seqs = Vec::new();
    for (room, client_id) in [(first_room, "a"), (first_room, "b"), (second_room, "c")] {
        let sent = messages::send(&t.ctx, &owner, text(room, client_id, "hi")).await?;
        seqs.push((room, sent.message.seq));
    }

    assert_eq!(
        seqs,
        vec![(first_room, 1), (first_room, 2), (second_room, 1)]
    );
    let published: Vec<(Id, i64, RoomKind)> = t
        .take_events()
        .iter()
        .map(|event| match event {
            Event::MessageCreated { message, room_kind } => {
                (message.room_id, message.seq, *room_kind)
            }
            other => panic!("expected only MessageCreated, got {other:?}"),
        })
        .collect();
    assert_eq!(
        published,
        vec![
            (first_room, 1, RoomKind::Public),
            (first_room, 2, RoomKind::Public),
            (second_room, 1, RoomKind::Private),
        ]
    );
    Ok(())
}

/// A staff member who is not in a room of `kind` posts there: why it was refused; nothing
/// may be stored or published.
async fn post_as_non_member(kind: RoomKind) -> anyhow::Result<Option<Code>> {
    let t = TestCtx::new().await?;
    let owner = t.user(Role::Staff).await?;
    let outsider = t.user(Role::Staff).await?;
    let room = t.room(&owner, kind).await?;

    let result = messages::send(&t.ctx, &outsider, text(room, "c-1", "let me in")).await;

    assert!(t.history(room).await?.is_empty());
    assert!(t.take_events().is_empty());
    Ok(refusal(result))
}

#[tokio::test]
async fn a_non_member_cannot_post_in_a_private_room_and_nothing_is_published() -> anyhow::Result<()>
{
    // A private room is invisible to non-members: refused as missing, so it does not leak.
    let refused = post_as_non_member(RoomKind::Private).await?;
    assert_eq!(refused, Some(Code::NotFound));
    Ok(())
}

#[tokio::test]
async fn a_non_member_cannot_post_in_a_public_room_and_nothing_is_published() -> anyhow::Result<()>
{
    let refused = post_as_non_member(RoomKind::Public).await?;
    assert_eq!(refused, Some(Code::NotMember));
    Ok(())
}

#[tokio::test]
async fn an_edit_is_stored_and_published() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (owner, _room, sent) = room_with_message(&t, "helo").await?;

    let edited = messages::edit(&t.ctx, &owner, sent.message.id, "hello").await?;

    assert!(edited.edited_at.is_some());
    let stored = t.ctx.store.get_message(sent.message.id).await?;
    assert_eq!(stored.map(|m| m.body), Some("hello".to_owned()));
    let_events!(t.take_events(), [Event::MessageEdited(message)]);
    assert_eq!(
        (message.id, message.seq, message.body.as_deref()),
        (sent.message.id, sent.message.seq, Some("hello"))
    );
    Ok(())
}

#[tokio::test]
async fn only_the_author_edits_a_message() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (_owner, room, sent) = room_with_message(&t, "mine").await?;
    let member = other_member(&t, room).await?;

    let result = messages::edit(&t.ctx, &member, sent.message.id, "theirs").await;

    assert_eq!(refusal(result), Some(Code::Forbidden));
    let stored = t.ctx.store.get_message(sent.message.id).await?;
    assert_eq!(stored.map(|m| m.body), Some("mine".to_owned()));
    assert!(t.take_events().is_empty());
    Ok(())
}

#[tokio::test]
async fn a_deletion_is_stored_and_published_without_the_text() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (owner, _room, sent) = room_with_message(&t, "oops").await?;

    messages::delete(&t.ctx, &owner, sent.message.id).await?;

    let stored = t.ctx.store.get_message(sent.message.id).await?;
    assert_eq!(
        stored.map(|m| (m.deleted_at.is_some(), m.deleted_by)),
        Some((true, Some(owner.id())))
    );
    let_events!(t.take_events(), [Event::MessageDeleted(message)]);
    assert_eq!(message.id, sent.message.id);
    assert!(message.deleted_at.is_some());
    assert_eq!(message.body, None);
    Ok(())
}

#[tokio::test]
async fn a_plain_member_cannot_delete_someone_elses_message() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (_owner, room, sent) = room_with_message(&t, "keep me").await?;
    let member = other_member(&t, room).await?;

    let result = messages::delete(&t.ctx, &member, sent.message.id).await;

    assert_eq!(refusal(result), Some(Code::Forbidden));
    let stored = t.ctx.store.get_message(sent.message.id).await?;
    assert_eq!(stored.map(|m| m.deleted_at), Some(None));
    assert!(t.take_events().is_empty());
    Ok(())
}

#[tokio::test]
async fn a_reaction_is_stored_and_published_with_the_count() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (owner, room, sent) = room_with_message(&t, "ship it?").await?;

    let reacted = messages::react(&t.ctx, &owner, sent.message.id, "👍", Some(true)).await?;

    assert!(reacted.added);
    assert_eq!(reacted.count, 1);
    assert!(
        t.ctx
            .store
            .has_reaction(sent.message.id, owner.id(), "👍")
            .await?
    );
    let_events!(
        t.take_events(),
        [Event::ReactionChanged {
            room_id,
            message_id,
            emoji,
            user_id,
            added,
            count
        }]
    );
    assert_eq!(
        (
            *room_id,
            *message_id,
            emoji.as_str(),
            *user_id,
            *added,
            *count
        ),
        (room, sent.message.id, "👍", owner.id(), true, 1)
    );
    Ok(())
}

#[tokio::test]
async fn toggling_a_reaction_again_removes_it() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (owner, _room, sent) = room_with_message(&t, "ship it?").await?;
    messages::react(&t.ctx, &owner, sent.message.id, "👍", None).await?;
    t.take_events();

    let reacted = messages::react(&t.ctx, &owner, sent.message.id, "👍", None).await?;

    assert_eq!((reacted.added, reacted.count), (false, 0));
    assert_eq!(t.ctx.store.count_reaction(sent.message.id, "👍").await?, 0);
    let_events!(
        t.take_events(),
        [Event::ReactionChanged { added, count, .. }]
    );
    assert_eq!((*added, *count), (false, 0));
    Ok(())
}

#[tokio::test]
async fn a_client_id_cannot_be_reused_in_another_room() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let owner = t.user(Role::Staff).await?;
    let first_room = t.room(&owner, RoomKind::Public).await?;
    let second_room = t.room(&owner, RoomKind::Public).await?;
    messages::send(&t.ctx, &owner, text(first_room, "c-1", "hello")).await?;
    t.take_events();

    let result = messages::send(&t.ctx, &owner, text(second_room, "c-1", "hello")).await;

    assert_eq!(refusal(result), Some(Code::ClientIdReused));
    let history = t.history(second_room).await?;
    assert!(history.is_empty());
    assert!(t.take_events().is_empty());
    Ok(())
}

#[tokio::test]
async fn a_new_reaction_past_the_limit_is_refused() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (owner, _room, sent) = room_with_message(&t, "react to me").await?;
    react_up_to_the_limit(&t, &owner, sent.message.id).await?;

    let result = messages::react(
        &t.ctx,
        &owner,
        sent.message.id,
        nth_emoji(messages::MAX_REACTIONS_PER_USER),
        Some(true),
    )
    .await;

    assert_eq!(refusal(result), Some(Code::ReactionLimit));
    assert_eq!(
        t.ctx
            .store
            .user_reaction_count(sent.message.id, owner.id())
            .await?,
        messages::MAX_REACTIONS_PER_USER
    );
    assert!(t.take_events().is_empty());
    Ok(())
}

#[tokio::test]
async fn adding_a_reaction_one_already_has_is_not_refused_at_the_limit() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (owner, _room, sent) = room_with_message(&t, "react to me").await?;
    react_up_to_the_limit(&t, &owner, sent.message.id).await?;

    // A client retrying a PUT whose answer it lost: the reaction is there already.
    let reacted =
        messages::react(&t.ctx, &owner, sent.message.id, nth_emoji(0), Some(true)).await?;

    assert_eq!((reacted.added, reacted.count), (true, 1));
    assert_eq!(
        t.ctx
            .store
            .user_reaction_count(sent.message.id, owner.id())
            .await?,
        messages::MAX_REACTIONS_PER_USER
    );
    let_events!(
        t.take_events(),
        [Event::ReactionChanged {
            emoji,
            added,
            count,
            ..
        }]
    );
    assert_eq!((emoji.as_str(), *added, *count), (nth_emoji(0), true, 1));
    Ok(())
}

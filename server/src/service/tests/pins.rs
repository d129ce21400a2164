//! Pinning: one `MessagePinned` per change, none for a repeat or a refusal; edits and
//! moderation keep the texts they replace.

use crate::{
    domain::{Id, room::RoomKind, user::Role},
    error::Code,
    service::{
        Actor, Event, edit_history, members,
        messages::{self, SendMessage},
        pins,
        testing::{TestCtx, let_events, refusal},
    },
};

/// Posts `body` to `room` as `author`; what that published is forgotten.
async fn posted(t: &TestCtx, author: &Actor, room: Id, body: &str) -> anyhow::Result<Id> {
    let input = SendMessage {
        room_id: room,
        client_id: Id::new().to_string(),
        body: body.into(),
        parent_id: None,
        attachment_ids: Vec::new(),
    };
    let sent = messages::send(&t.ctx, author, input).await?;
    t.take_events();
    Ok(sent.message.id)
}

#[tokio::test]
async fn a_pin_is_published_once_and_a_repeat_changes_nothing() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let owner = t.user(Role::Staff).await?;
    let room = t.room(&owner, RoomKind::Public).await?;
    let id = posted(&t, &owner, room, "agenda").await?;

    let view = pins::set_pinned(&t.ctx, &owner, id, true).await?;
    assert!(view.pinned);
    let_events!(
        t.take_events(),
        [Event::MessagePinned {
            room_id,
            message_id,
            pinned: true,
            by
        }]
    );
    assert_eq!((*room_id, *message_id, *by), (room, id, owner.id()));
    pins::set_pinned(&t.ctx, &owner, id, true).await?;
    assert!(t.take_events().is_empty(), "a repeat pin tells no one");

    // A reader who may not post is refused, and nothing is published.
    let outsider = t.user(Role::Staff).await?;
    let refused = pins::set_pinned(&t.ctx, &outsider, id, false).await;
    assert_eq!(refusal(refused), Some(Code::NotMember));
    assert!(t.take_events().is_empty());

    members::join(&t.ctx, &outsider, room).await?;
    t.take_events();
    let view = pins::set_pinned(&t.ctx, &outsider, id, false).await?;
    assert!(!view.pinned);
    let_events!(
        t.take_events(),
        [Event::MessagePinned { pinned: false, .. }]
    );
    Ok(())
}

#[tokio::test]
async fn a_moderators_deletion_keeps_the_text_for_admins() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let owner = t.user(Role::Staff).await?;
    let room = t.room(&owner, RoomKind::Public).await?;
    let author = t.user(Role::Staff).await?;
    members::join(&t.ctx, &author, room).await?;
    let id = posted(&t, &author, room, "first").await?;
    messages::edit(&t.ctx, &author, id, "second").await?;
    messages::delete(&t.ctx, &owner, id).await?;

    let admin = t.user(Role::Admin).await?;
    let texts = |versions: Vec<edit_history::VersionView>| {
        versions.into_iter().map(|v| v.body).collect::<Vec<_>>()
    };
    assert_eq!(
        texts(edit_history::versions(&t.ctx, &admin, id).await?),
        [Some("first".to_owned()), Some("second".to_owned()), None]
    );
    assert_eq!(
        texts(edit_history::versions(&t.ctx, &author, id).await?),
        [None, None, None]
    );
    Ok(())
}

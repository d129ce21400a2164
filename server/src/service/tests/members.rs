//! Adding and removing members, room roles and ownership.

use crate::{
    domain::{
        Id,
        room::{RoomKind, RoomRole},
        user::Role,
    },
    error::Code,
    service::{
        Actor, Event, members,
        testing::{TestCtx, let_events, refusal},
    },
};

/// A private room of a new owner, with a second account as a plain member.
async fn room_with_member(t: &TestCtx) -> anyhow::Result<(Actor, Actor, Id)> {
    let owner = t.user(Role::Staff).await?;
    let member = t.user(Role::Staff).await?;
    let room = t.room(&owner, RoomKind::Private).await?;
    members::add(&t.ctx, &owner, room, member.id(), RoomRole::Member).await?;
    t.take_events();
    Ok((owner, member, room))
}

#[tokio::test]
async fn adding_a_member_stores_and_publishes_their_role() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let owner = t.user(Role::Staff).await?;
    let newcomer = t.user(Role::Staff).await?;
    let room = t.room(&owner, RoomKind::Private).await?;

    let added = members::add(&t.ctx, &owner, room, newcomer.id(), RoomRole::Moderator).await?;

    assert_eq!(added.room_role, RoomRole::Moderator);
    assert_eq!(
        t.room_role(room, newcomer.id()).await?,
        Some(RoomRole::Moderator)
    );
    let_events!(
        t.take_events(),
        [Event::MemberAdded {
            room_id,
            user_id,
            role
        }]
    );
    assert_eq!(
        (*room_id, *user_id, *role),
        (room, newcomer.id(), RoomRole::Moderator)
    );
    Ok(())
}

#[tokio::test]
async fn a_customer_cannot_be_added_to_a_room() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let owner = t.user(Role::Staff).await?;
    let customer = t.user(Role::Customer).await?;
    let room = t.room(&owner, RoomKind::Private).await?;

    let result = members::add(&t.ctx, &owner, room, customer.id(), RoomRole::Member).await;

    assert_eq!(refusal(result), Some(Code::Forbidden));
    assert_eq!(t.room_role(room, customer.id()).await?, None);
    assert!(t.take_events().is_empty());
    Ok(())
}

#[tokio::test]
async fn removing_a_member_stores_and_publishes_it() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (owner, member, room) = room_with_member(&t).await?;

    members::remove(&t.ctx, &owner, room, member.id()).await?;

    assert_eq!(t.room_role(room, member.id()).await?, None);
    let_events!(t.take_events(), [Event::MemberRemoved { room_id, user_id }]);
    assert_eq!((*room_id, *user_id), (room, member.id()));
    Ok(())
}

#[tokio::test]
async fn changing_a_members_role_stores_and_publishes_it() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (owner, member, room) = room_with_member(&t).await?;

    let changed = members::set_role(&t.ctx, &owner, room, member.id(), RoomRole::Moderator).await?;

    assert_eq!(changed.room_role, RoomRole::Moderator);
    assert_eq!(
        t.room_role(room, member.id()).await?,
        Some(RoomRole::Moderator)
    );
    let_events!(
        t.take_events(),
        [Event::MemberRoleChanged {
            room_id,
            user_id,
            role
        }]
    );
    assert_eq!(
        (*room_id, *user_id, *role),
        (room, member.id(), RoomRole::Moderator)
    );
    Ok(())
}

#[tokio::test]
async fn a_plain_member_cannot_remove_the_owner() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (owner, member, room) = room_with_member(&t).await?;

    let result = members::remove(&t.ctx, &member, room, owner.id()).await;

    assert_eq!(refusal(result), Some(Code::Forbidden));
    assert_eq!(t.room_role(room, owner.id()).await?, Some(RoomRole::Owner));
    assert!(t.take_events().is_empty());
    Ok(())
}

#[tokio::test]
async fn a_moderator_cannot_remove_the_owner() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (owner, member, room) = room_with_member(&t).await?;
    members::set_role(&t.ctx, &owner, room, member.id(), RoomRole::Moderator).await?;
    t.take_events();

    let result = members::remove(&t.ctx, &member, room, owner.id()).await;

    assert_eq!(refusal(result), Some(Code::Forbidden));
    assert_eq!(t.room_role(room, owner.id()).await?, Some(RoomRole::Owner));
    assert!(t.take_events().is_empty());
    Ok(())
}

#[tokio::test]
async fn the_last_owner_cannot_leave_while_others_remain() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (owner, _member, room) = room_with_member(&t).await?;

    let result = members::leave(&t.ctx, &owner, room).await;

    assert_eq!(refusal(result), Some(Code::LastOwner));
    assert_eq!(t.room_role(room, owner.id()).await?, Some(RoomRole::Owner));
    assert!(t.take_events().is_empty());
    Ok(())
}

#[tokio::test]
async fn handing_over_ownership_publishes_both_role_changes() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (owner, member, room) = room_with_member(&t).await?;

    members::transfer_ownership(&t.ctx, &owner, room, member.id()).await?;

    assert_eq!(
        t.room_role(room, owner.id()).await?,
        Some(RoomRole::Moderator)
    );
    assert_eq!(t.room_role(room, member.id()).await?, Some(RoomRole::Owner));
    let_events!(
        t.take_events(),
        [
            Event::MemberRoleChanged {
                user_id: demoted,
                role: demoted_to,
                ..
            },
            Event::MemberRoleChanged {
                user_id: promoted,
                role: promoted_to,
                ..
            },
        ]
    );
    assert_eq!((*demoted, *demoted_to), (owner.id(), RoomRole::Moderator));
    assert_eq!((*promoted, *promoted_to), (member.id(), RoomRole::Owner));
    Ok(())
}

#[tokio::test]
async fn adding_someone_already_in_the_room_is_refused() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (owner, member, room) = room_with_member(&t).await?;

    let result = members::add(&t.ctx, &owner, room, member.id(), RoomRole::Moderator).await;

    assert_eq!(refusal(result), Some(Code::AlreadyMember));
    assert_eq!(
        t.room_role(room, member.id()).await?,
        Some(RoomRole::Member)
    );
    assert!(t.take_events().is_empty());
    Ok(())
}

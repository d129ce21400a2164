//! Banning and unbanning accounts.

use crate::{
    domain::user::Role,
    error::Code,
    service::{
        Actor, Event,
        auth::{self, ClientMeta, hash_token},
        events::SessionsEnded,
        testing::{TestCtx, let_events, refusal},
        tickets::{self, SupportForm},
        users,
    },
};

/// Signs `user` in; the raw session token.
async fn sign_in(t: &TestCtx, user: &Actor) -> anyhow::Result<String> {
    Ok(
        auth::open_session(&t.ctx, user.user.clone(), ClientMeta::default())
            .await?
            .token,
    )
}

async fn session_exists(t: &TestCtx, token: &str) -> anyhow::Result<bool> {
    Ok(t.ctx
        .store
        .session_by_token_hash(&hash_token(token))
        .await?
        .is_some())
}

/// A new admin, and a new customer they banned; what the ban published is forgotten.
async fn banned_customer(t: &TestCtx) -> anyhow::Result<(Actor, Actor)> {
    let admin = t.user(Role::Admin).await?;
    let customer = t.user(Role::Customer).await?;
    users::ban_user(&t.ctx, &admin, customer.id(), "abuse", None).await?;
    t.take_events();
    Ok((admin, customer))
}

fn support_form(email: &str) -> SupportForm {
    SupportForm {
        name: "Ada Customer".to_owned(),
        email: email.to_owned(),
        subject: "Refund".to_owned(),
        message: "Please refund my order.".to_owned(),
        department: None,
    }
}

#[tokio::test]
async fn a_ban_is_stored_ends_every_session_and_is_published() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let admin = t.user(Role::Admin).await?;
    let staff = t.user(Role::Staff).await?;
    let laptop = sign_in(&t, &staff).await?;
    let phone = sign_in(&t, &staff).await?;

    let ban = users::ban_user(&t.ctx, &admin, staff.id(), "  spam  ", None).await?;

    assert_eq!(ban.reason, "spam");
    let stored = t.ctx.store.get_ban(staff.id()).await?;
    assert_eq!(
        stored.map(|b| (b.reason, b.banned_by, b.expires_at)),
        Some(("spam".to_owned(), Some(admin.id()), None))
    );
    assert!(!session_exists(&t, &laptop).await?);
    assert!(!session_exists(&t, &phone).await?);
    let_events!(t.take_events(), [Event::SessionsEnded { user_id, reason }]);
    assert_eq!((*user_id, *reason), (staff.id(), SessionsEnded::Banned));
    Ok(())
}

#[tokio::test]
async fn a_ban_ends_a_customers_follow_links() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let admin = t.user(Role::Admin).await?;
    let opened =
        tickets::open_from_support_form(&t.ctx, support_form("ada@example.com"), None).await?;
    let Some((token, _url)) = opened.screen_link else {
        panic!("a new address gets a link on screen");
    };
    t.take_events();

    users::ban_user(&t.ctx, &admin, opened.ticket.requester_id, "abuse", None).await?;

    let link = t.ctx.store.ticket_link(&hash_token(&token)).await?;
    assert!(link.is_none());
    assert_eq!(
        refusal(tickets::follow(&t.ctx, &token, ClientMeta::default()).await),
        Some(Code::Unauthenticated)
    );
    Ok(())
}

#[tokio::test]
async fn staff_cannot_ban() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let staff = t.user(Role::Staff).await?;
    let customer = t.user(Role::Customer).await?;
    let token = sign_in(&t, &customer).await?;

    let result = users::ban_user(&t.ctx, &staff, customer.id(), "spam", None).await;

    assert_eq!(refusal(result), Some(Code::Forbidden));
    assert!(t.ctx.store.get_ban(customer.id()).await?.is_none());
    assert!(session_exists(&t, &token).await?);
    assert!(t.take_events().is_empty());
    Ok(())
}

#[tokio::test]
async fn an_admin_cannot_ban_themselves() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let admin = t.user(Role::Admin).await?;

    let result = users::ban_user(&t.ctx, &admin, admin.id(), "oops", None).await;

    assert_eq!(refusal(result), Some(Code::Forbidden));
    assert!(t.ctx.store.get_ban(admin.id()).await?.is_none());
    assert!(t.take_events().is_empty());
    Ok(())
}

#[tokio::test]
async fn a_banned_customer_cannot_open_a_ticket_through_the_support_form() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (_admin, customer) = banned_customer(&t).await?;

    let result =
        tickets::open_from_support_form(&t.ctx, support_form(&customer.user.email), None).await;

    assert_eq!(refusal(result), Some(Code::Banned));
    assert!(t.take_events().is_empty());
    Ok(())
}

#[tokio::test]
async fn unbanning_lifts_the_ban() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (admin, customer) = banned_customer(&t).await?;

    users::unban_user(&t.ctx, &admin, customer.id()).await?;

    assert!(t.ctx.store.get_ban(customer.id()).await?.is_none());
    assert!(users::active_ban(&t.ctx, customer.id()).await?.is_none());
    // The ban ended the sessions already; lifting it has nobody to tell.
    assert!(t.take_events().is_empty());
    let opened =
        tickets::open_from_support_form(&t.ctx, support_form(&customer.user.email), None).await?;
    assert_eq!(opened.ticket.requester_id, customer.id());
    Ok(())
}

#[tokio::test]
async fn unbanning_someone_not_banned_is_not_found() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let admin = t.user(Role::Admin).await?;
    let customer = t.user(Role::Customer).await?;

    let result = users::unban_user(&t.ctx, &admin, customer.id()).await;

    assert_eq!(refusal(result), Some(Code::NotFound));
    assert!(t.take_events().is_empty());
    Ok(())
}

#[tokio::test]
async fn staff_cannot_unban() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (_admin, customer) = banned_customer(&t).await?;
    let staff = t.user(Role::Staff).await?;

    let result = users::unban_user(&t.ctx, &staff, customer.id()).await;

    assert_eq!(refusal(result), Some(Code::Forbidden));
    assert!(t.ctx.store.get_ban(customer.id()).await?.is_some());
    Ok(())
}

//! Account self-service and its admin side: e-mail verification, forgotten and changed
//! passwords, sessions, invitations, deactivation.
//!
//! Anonymous requests that send mail (forgot password, resend verification) answer the same
//! whether or not the address has an account, so they reveal nothing; they are rate limited
//! per address and per client network. Every change is audited.

use serde_json::json;

use super::{
    Actor,
    audit::Audit,
    auth::{self, ClientMeta, SignedIn, hash_token},
    field, require,
    users::{self, CreateUser, get_user},
};
use super::{
    Ctx,
    events::{Event, SessionsEnded},
};
use crate::domain::policy::Capability;
use crate::{
    domain::{
        Id,
        user::{Email, Role, check_password_strength},
    },
    error::{AppError, AppResult, Code},
    mail::{Template, outbox},
    ratelimit::{Action, ip_key},
    store::{AccountToken, EndSessions, SessionRow, TokenPurpose, UserRow},
};

fn token_invalid() -> AppError {
    AppError::new(
        Code::TokenInvalid,
        "this link is invalid, was used already or has expired",
    )
}

/// Spends the anonymous quotas: per client network, and per address when one is given.
async fn anonymous_quota(ctx: &Ctx, ip: Option<&str>, email: Option<&str>) -> AppResult<()> {
    let ip = ip_key(ip.unwrap_or("unknown"));
    ctx.limits.check(Action::AccountIp, &ip).await?;
    if let Some(email) = email {
        ctx.limits.check(Action::AccountEmail, email).await?;
    }
    Ok(())
}

/// The unused, unexpired token of `purpose`, and its account.
async fn find_token(
    ctx: &Ctx,
    token: &str,
    purpose: TokenPurpose,
) -> AppResult<(AccountToken, UserRow)> {
    if token.is_empty() || token.len() > 128 {
        return Err(token_invalid());
    }
    let found = ctx
        .store
        .account_token(&hash_token(token), purpose, crate::store::now())
        .await?
        .ok_or_else(token_invalid)?;
    let user = ctx
        .store
        .get_user(found.user_id)
        .await?
        .ok_or_else(token_invalid)?;
    Ok((found, user))
}

/// Uses a token once: of two racing uses, one fails.
async fn spend(ctx: &Ctx, token: &AccountToken) -> AppResult<()> {
    if ctx
        .store
        .use_account_token(token.id, crate::store::now())
        .await?
    {
        Ok(())
    } else {
        Err(token_invalid())
    }
}

/// The audit row of a link's owner doing `action` to their account, from `ip`.
fn by_owner(user: &UserRow, ip: Option<String>, action: &'static str) -> Audit {
    let actor = Actor {
        user: user.clone(),
        session_id: None,
        ip,
        request_id: crate::error::current_request_id(),
        scope: None,
    };
    Audit::by(&actor, action, "user", user.id, json!({}))
}

/// Spends the link's token and sets the new password of its owner (already checked), with
/// the audit row of `action`; sessions end as `end` says.
async fn set_password_by_link(
    ctx: &Ctx,
    found: &AccountToken,
    user: &UserRow,
    password: &str,
    action: &'static str,
    end: EndSessions,
    ip: Option<String>,
) -> AppResult<()> {
    let hash = ctx.passwords.hash(password).await?;
    spend(ctx, found).await?;
    let audit = by_owner(user, ip, action);
    ctx.store
        .set_password_hash(user.id, &hash, end, audit.rows())
        .await?;
    audit.committed();
    Ok(())
}

/// Reads the user again after a change made through a mailed link and signs them in, if
/// they may.
async fn sign_in_again(ctx: &Ctx, id: Id, meta: ClientMeta) -> AppResult<SignedIn> {
    let user = get_user(ctx, id).await?;
    auth::check_may_sign_in(ctx, &user).await?;
    auth::open_session(ctx, user, meta).await
}

/// Tells the sockets of the ended `sessions` why they end.
async fn publish_ended(ctx: &Ctx, sessions: &[Id], reason: &'static str) {
    for &session_id in sessions {
        let ended = Event::SessionEnded { session_id, reason };
        ctx.events.publish(ended).await;
    }
}

/// Sends the verification link again to a registered, unverified address (no answer says
/// whether there is one).
pub async fn resend_verification(ctx: &Ctx, email: &str, ip: Option<String>) -> AppResult<()> {
    let email = field("email", Email::parse(email))?;
    anonymous_quota(ctx, ip.as_deref(), Some(email.as_str())).await?;
    if let Some(user) = ctx.store.get_user_by_email(email.as_str()).await?
        && user.email_verified_at.is_none()
        && user.password_hash.is_some()
    {
        outbox::queue(
            ctx.store.as_ref(),
            Template::VerifyEmail { user_id: user.id },
        )
        .await?;
    }
    Ok(())
}

/// Verifies an address with the e-mailed link and signs its account in.
pub async fn verify_email(ctx: &Ctx, token: &str, meta: ClientMeta) -> AppResult<SignedIn> {
    anonymous_quota(ctx, meta.ip.as_deref(), None).await?;
    let (found, user) = find_token(ctx, token, TokenPurpose::VerifyEmail).await?;
    spend(ctx, &found).await?;
    let now = crate::store::now();
    let audit = by_owner(&user, meta.ip.clone(), "user.verify_email");
    ctx.store
        .set_email_verified(user.id, now, audit.rows())
        .await?;
    audit.committed();
    sign_in_again(ctx, user.id, meta).await
}

/// "Forgot password": mails a single-use reset link (30 minutes) when the address has an
/// account that may sign in; answers the same either way.
pub async fn forgot_password(ctx: &Ctx, email: &str, ip: Option<String>) -> AppResult<()> {
    let email = field("email", Email::parse(email))?;
    anonymous_quota(ctx, ip.as_deref(), Some(email.as_str())).await?;
    if let Some(user) = ctx.store.get_user_by_email(email.as_str()).await?
        && user.deactivated_at.is_none()
    {
        outbox::queue(
            ctx.store.as_ref(),
            Template::PasswordReset {
                user_id: user.id,
                by_admin: false,
            },
        )
        .await?;
    }
    Ok(())
}

/// Sets a new password with a reset link: every session of the account ends (a reset is what
/// someone does who fears another has their password), the address counts as verified (the
/// link came by mail), and the caller is signed in.
pub async fn reset_password(
    ctx: &Ctx,
    token: &str,
    password: &str,
    meta: ClientMeta,
) -> AppResult<SignedIn> {
    anonymous_quota(ctx, meta.ip.as_deref(), None).await?;
    let (found, user) = find_token(ctx, token, TokenPurpose::PasswordReset).await?;
    field("password", check_password_strength(password))?;
    // The store ends every session and follow link with the change, and adds how many sessions
    // ended to the row (`revokedSessions`).
    let action = "user.password_reset";
    let ip = meta.ip.clone();
    set_password_by_link(ctx, &found, &user, password, action, EndSessions::All, ip).await?;
    ctx.events
        .publish(Event::SessionsEnded {
            user_id: user.id,
            reason: SessionsEnded::PasswordReset,
        })
        .await;
    ctx.store
        .set_email_verified(user.id, crate::store::now(), &[])
        .await?;
    sign_in_again(ctx, user.id, meta).await
}

/// Who an invitation is for, so the page can greet them before they choose a password.
pub async fn invitation(ctx: &Ctx, token: &str, ip: Option<String>) -> AppResult<UserRow> {
    anonymous_quota(ctx, ip.as_deref(), None).await?;
    let (_, user) = find_token(ctx, token, TokenPurpose::Invite).await?;
    Ok(user)
}

/// Accepts an invitation: the invitee chooses their password (and may correct their name),
/// the address is verified, and they are signed in.
pub async fn accept_invite(
    ctx: &Ctx,
    token: &str,
    name: Option<&str>,
    password: &str,
    meta: ClientMeta,
) -> AppResult<SignedIn> {
    anonymous_quota(ctx, meta.ip.as_deref(), None).await?;
    let (found, user) = find_token(ctx, token, TokenPurpose::Invite).await?;
    field("password", check_password_strength(password))?;
    let name = name
        .map(|n| field("name", crate::domain::user::parse_name(n)))
        .transpose()?;
    let action = "user.invite_accept";
    let ip = meta.ip.clone();
    set_password_by_link(ctx, &found, &user, password, action, EndSessions::None, ip).await?;
    ctx.store
        .set_email_verified(user.id, crate::store::now(), &[])
        .await?;
    if let Some(name) = name {
        let patch = crate::store::UserPatch {
            name: Some(name),
            ..Default::default()
        };
        ctx.store.update_user(user.id, &patch, &[]).await?;
    }
    sign_in_again(ctx, user.id, meta).await
}

/// Changes the signed-in user's password (the current one is required); every other session
/// of theirs ends. Returns how many ended.
pub async fn change_password(
    ctx: &Ctx,
    actor: &Actor,
    current: &str,
    new: &str,
) -> AppResult<usize> {
    ctx.limits
        .check(Action::PasswordChange, &actor.id().to_string())
        .await?;
    if !ctx
        .passwords
        .verify(current, actor.user.password_hash.as_deref())
        .await
    {
        return Err(AppError::invalid("currentPassword", "is not your password"));
    }
    field("newPassword", check_password_strength(new))?;
    let hash = ctx.passwords.hash(new).await?;
    let end = match actor.session_id {
        Some(keep) => EndSessions::AllBut(keep),
        None => EndSessions::All,
    };
    // The row gets `revokedSessions` from the store, which ends the sessions with the change.
    let audit = Audit::by(actor, "user.password_change", "user", actor.id(), json!({}));
    let revoked = ctx
        .store
        .set_password_hash(actor.id(), &hash, end, audit.rows())
        .await?;
    audit.committed();
    publish_ended(ctx, &revoked, "password_changed").await;
    Ok(revoked.len())
}

/// The signed-in user's sessions.
pub async fn sessions(ctx: &Ctx, actor: &Actor) -> AppResult<Vec<SessionRow>> {
    Ok(ctx
        .store
        .user_sessions(actor.id(), crate::store::now())
        .await?)
}

/// Ends one of the signed-in user's sessions (its sockets close).
pub async fn revoke_session(ctx: &Ctx, actor: &Actor, session: Id) -> AppResult<()> {
    let audit = Audit::by(
        actor,
        "session.revoke",
        "session",
        session,
        json!({"reason": "revoked_by_owner"}),
    );
    if !ctx
        .store
        .delete_session_of(actor.id(), session, audit.rows())
        .await?
    {
        return Err(AppError::not_found("session"));
    }
    audit.committed();
    publish_ended(ctx, &[session], "signed_out").await;
    Ok(())
}

/// "Sign out everywhere else": ends every session of the user but the current one.
pub async fn revoke_other_sessions(ctx: &Ctx, actor: &Actor) -> AppResult<usize> {
    let keep = actor
        .session_id
        .ok_or_else(|| AppError::forbidden("no current session"))?;
    // The row gets `revokedSessions` from the store.
    let audit = Audit::by(
        actor,
        "session.revoke_others",
        "user",
        actor.id(),
        json!({}),
    );
    let revoked = ctx
        .store
        .delete_other_sessions(actor.id(), keep, audit.rows())
        .await?;
    audit.committed();
    publish_ended(ctx, &revoked, "signed_out").await;
    Ok(revoked.len())
}

/// An admin's invitation.
pub struct Invite {
    /// Address.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Department.
    pub department: Option<String>,
}

/// Invites someone (admins): an account without a password whose owner chooses one through
/// the e-mailed link (7 days).
pub async fn invite(ctx: &Ctx, actor: &Actor, input: Invite) -> AppResult<UserRow> {
    let Invite {
        email,
        name,
        role,
        department,
    } = input;
    let account = CreateUser {
        email,
        name,
        role,
        department,
        password: None,
    };
    let user = users::create_by_admin(ctx, actor, account, false, "invite").await?;
    outbox::queue(
        ctx.store.as_ref(),
        Template::Invite {
            user_id: user.id,
            inviter: actor.user.name.clone(),
        },
    )
    .await?;
    Ok(user)
}

/// Sends a user a password reset link (admins); an invitee who never chose a password gets
/// the invitation again instead.
pub async fn send_password_reset(ctx: &Ctx, actor: &Actor, id: Id) -> AppResult<()> {
    require(actor, Capability::ManageUsers)?;
    let user = get_user(ctx, id).await?;
    if user.deactivated_at.is_some() {
        return Err(AppError::new(
            Code::Deactivated,
            "reactivate the account first",
        ));
    }
    let (template, kind) = if user.password_hash.is_none()
        && !crate::domain::policy::allows(user.role, Capability::RequestTickets)
    {
        (
            Template::Invite {
                user_id: id,
                inviter: actor.user.name.clone(),
            },
            "invite",
        )
    } else {
        (
            Template::PasswordReset {
                user_id: id,
                by_admin: true,
            },
            "password_reset",
        )
    };
    let audit = Audit::by(
        actor,
        "user.password_reset_sent",
        "user",
        id,
        json!({"mail": kind}),
    );
    outbox::queue_audited(ctx.store.as_ref(), template, audit.rows()).await?;
    audit.committed();
    Ok(())
}

/// Deactivates an account (admins): it cannot sign in, its sessions and links end, its
/// messages stay, and its address stays taken (nobody else can become that identity).
pub async fn deactivate(ctx: &Ctx, actor: &Actor, id: Id) -> AppResult<UserRow> {
    require(actor, Capability::ManageUsers)?;
    if id == actor.id() {
        return Err(AppError::forbidden("admins cannot deactivate themselves"));
    }
    let before = get_user(ctx, id).await?;
    if before.deactivated_at.is_some() {
        return Ok(before);
    }
    // The store ends every session and follow link with the change, and adds how many sessions
    // ended to the row (`revokedSessions`).
    let audit = Audit::by(actor, "user.deactivate", "user", id, json!({}));
    let user = ctx
        .store
        .set_deactivated(
            id,
            Some(crate::store::now()),
            EndSessions::All,
            audit.rows(),
        )
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    audit.committed();
    ctx.events
        .publish(Event::SessionsEnded {
            user_id: id,
            reason: SessionsEnded::Deactivated,
        })
        .await;
    ctx.store.drop_account_tokens(id, None).await?;
    Ok(user)
}

/// Reactivates an account (admins); it signs in again with its password.
pub async fn reactivate(ctx: &Ctx, actor: &Actor, id: Id) -> AppResult<UserRow> {
    require(actor, Capability::ManageUsers)?;
    let before = get_user(ctx, id).await?;
    if before.deactivated_at.is_none() {
        return Ok(before);
    }
    let audit = Audit::by(actor, "user.reactivate", "user", id, json!({}));
    let user = ctx
        .store
        .set_deactivated(id, None, EndSessions::None, audit.rows())
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    audit.committed();
    Ok(user)
}

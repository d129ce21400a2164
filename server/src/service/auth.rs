//! Sign-in, registration and sessions.
//!
//! Tokens are 256 random bits; only their SHA-256 is stored. Passwords are hashed by
//! [`super::passwords`]. Unknown e-mail addresses cost the same hashing work as wrong passwords, and both answer
//! `INVALID_CREDENTIALS`, so sign-in does not reveal who has an account.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Duration;
use sha2::{Digest, Sha256};

use super::Ctx;
use super::{Actor, audit::Audit, field};
use crate::{
    config::RegistrationMode,
    domain::{
        Id,
        user::{Email, Role, check_password_strength, parse_name},
    },
    error::{AppError, AppResult, Code},
    ratelimit::Action,
    store::{AuditEntry, NewSession, NewUser, SessionAuth, UserRow},
};

/// A new random session token and the hash that is stored.
pub fn new_token() -> (String, String) {
    let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let hash = hash_token(&token);
    (token, hash)
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a sign-in comes from, recorded on the session.
#[derive(Clone, Debug, Default)]
pub struct ClientMeta {
    /// Client address.
    pub ip: Option<String>,
    /// User agent, truncated to 256 characters.
    pub user_agent: Option<String>,
    /// Limits the session to one ticket (follow links).
    pub ticket_scope: Option<Id>,
}

/// A user with a fresh session token.
pub struct SignedIn {
    /// The user.
    pub user: UserRow,
    /// The raw token (only ever sent to the client).
    pub token: String,
}

/// How long a successful sign-in keeps its address exempt from the per-account limit.
const KNOWN_ADDRESS_DAYS: i64 = 30;

/// Checks credentials and opens a session.
///
/// Two quotas guard it: per client address, and per account. An attacker who knows a victim's
/// address could spend the per-account quota to lock the victim out, so the per-account quota
/// does not apply from an address the account signed in from successfully in the last 30
/// days (the per-address quota still does).
pub async fn login(
    ctx: &Ctx,
    email: &str,
    password: &str,
    meta: ClientMeta,
) -> AppResult<SignedIn> {
    let invalid = || AppError::new(Code::InvalidCredentials, "wrong e-mail or password");
    let normalised = email.trim().to_lowercase();
    let ip = meta.ip.clone().unwrap_or_else(|| "unknown".to_owned());
    let ip_key = crate::ratelimit::ip_key(&ip);
    ctx.limits.check(Action::LoginIp, &ip_key).await?;
    let Ok(email) = Email::parse(email) else {
        ctx.limits.check(Action::LoginEmail, &normalised).await?;
        record_failure(ctx, &normalised, &ip, None).await?;
        return Err(invalid());
    };
    let user = ctx.store.get_user_by_email(email.as_str()).await?;
    let known_address = match &user {
        Some(user) => {
            let since = crate::store::now() - Duration::days(KNOWN_ADDRESS_DAYS);
            ctx.store.login_ip_known(user.id, &ip_key, since).await?
        }
        None => false,
    };
    if !known_address {
        ctx.limits.check(Action::LoginEmail, email.as_str()).await?;
    }
    let hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
    if !ctx.passwords.verify(password, hash).await {
        record_failure(ctx, email.as_str(), &ip, user.as_ref().map(|u| u.id)).await?;
        return Err(invalid());
    }
    let user = user.ok_or_else(invalid)?;
    // Only the password's owner learns why a correct password does not sign in.
    check_may_sign_in(ctx, &user).await?;
    ctx.store
        .note_login_ip(user.id, &ip_key, crate::store::now())
        .await?;
    open_session(ctx, user, meta).await
}

/// Refuses accounts that cannot sign in: deactivated, not yet verified, banned.
pub async fn check_may_sign_in(ctx: &Ctx, user: &UserRow) -> AppResult<()> {
    refuse_deactivated(user)?;
    if user.email_verified_at.is_none() {
        return Err(AppError::new(
            Code::EmailUnverified,
            "confirm your e-mail address first: open the link we sent you",
        ));
    }
    refuse_banned(ctx, user).await
}

/// Refuses a deactivated account.
pub(super) fn refuse_deactivated(user: &UserRow) -> AppResult<()> {
    if user.deactivated_at.is_some() {
        return Err(AppError::new(
            Code::Deactivated,
            "this account has been deactivated",
        ));
    }
    Ok(())
}

/// Refuses an account under a ban in force.
pub(super) async fn refuse_banned(ctx: &Ctx, user: &UserRow) -> AppResult<()> {
    if let Some(ban) = ctx.store.get_ban(user.id).await?
        && ban.is_active(crate::store::now())
    {
        return Err(AppError::new(Code::Banned, "this account is banned"));
    }
    Ok(())
}

/// Counts a failed sign-in; the first failure per (e-mail, IP) in a 15-minute window is
/// audited, so an attack cannot flood the audit log.
async fn record_failure(ctx: &Ctx, email: &str, ip: &str, user: Option<Id>) -> AppResult<()> {
    let email: String = email.chars().take(254).collect();
    let now = crate::store::now();
    let window = now.timestamp() - now.timestamp().rem_euclid(15 * 60);
    let window_start = chrono::DateTime::from_timestamp(window, 0).unwrap_or(now);
    let audit = AuditEntry {
        actor_id: None,
        actor_email: Some(email.clone()),
        action: "auth.login_failed",
        target_type: "user",
        target_id: user.map(|u| u.to_string()),
        metadata: serde_json::json!({"email": email, "windowStart": window_start, "windowMinutes": 15}),
        ip: Some(ip.to_owned()),
        request_id: crate::error::current_request_id(),
    };
    ctx.store
        .record_login_failure(&email, ip, window_start, &[audit])
        .await?;
    Ok(())
}

/// Creates a session for a user whose identity is already proven.
pub async fn open_session(ctx: &Ctx, user: UserRow, meta: ClientMeta) -> AppResult<SignedIn> {
    let (token, token_hash) = new_token();
    let ttl = ctx.settings.session_ttl;
    ctx.store
        .create_session(&NewSession {
            id: Id::new(),
            token_hash,
            user_id: user.id,
            expires_at: crate::store::now() + ttl,
            ip: meta.ip,
            user_agent: meta
                .user_agent
                .map(|ua| ua.chars().take(256).collect::<String>()),
            ticket_scope: meta.ticket_scope,
        })
        .await?;
    Ok(SignedIn { user, token })
}

/// Self-service registration, as `REGISTRATION_MODE` allows. The account cannot sign in
/// until its owner opens the verification link e-mailed to the address, so nobody can make a
/// team account for an address they do not own.
pub async fn register(
    ctx: &Ctx,
    email: &str,
    name: &str,
    password: &str,
    meta: ClientMeta,
) -> AppResult<UserRow> {
    let ip = crate::ratelimit::ip_key(meta.ip.as_deref().unwrap_or("unknown"));
    ctx.limits.check(Action::Register, &ip).await?;
    let email = field("email", Email::parse(email))?;
    match &ctx.settings.registration_mode {
        RegistrationMode::Closed => {
            return Err(AppError::new(
                Code::RegistrationClosed,
                "registration is closed; ask an admin for an account",
            ));
        }
        RegistrationMode::Domain(domain) if email.domain() != domain => {
            return Err(AppError::new(
                Code::RegistrationClosed,
                format!("only @{domain} addresses may register"),
            ));
        }
        RegistrationMode::Open | RegistrationMode::Domain(_) => {}
    }
    let user = create_user(
        ctx,
        NewAccount {
            email: email.as_str(),
            name,
            role: Role::Staff,
            department: None,
            password: Some(password),
            verified: false,
            created_by: Some(("registration", CreatedBy::Itself(meta.ip.clone()))),
        },
    )
    .await?;
    crate::mail::outbox::queue(
        ctx.store.as_ref(),
        crate::mail::Template::VerifyEmail { user_id: user.id },
    )
    .await?;
    Ok(user)
}

/// Who created an account, for its `user.create` audit row.
pub enum CreatedBy<'a> {
    /// A signed-in user (an admin, staff opening a ticket for a customer).
    User(&'a Actor),
    /// The account itself, registering from this address.
    Itself(Option<String>),
    /// The system (the CLI, the bootstrap admin, the public support form), from this address
    /// when a request caused it.
    System(Option<String>),
}

/// The `user.create` row of `user`; `via` says how it came to be (`admin`, `cli`,
/// `bootstrap`, `registration`, `invite`, `ticket`, `support_form`).
fn user_created(user: &NewUser, via: &'static str, by: CreatedBy<'_>) -> Audit {
    let metadata = serde_json::json!({
        "email": user.email, "role": user.role, "department": user.department, "via": via,
    });
    match by {
        CreatedBy::User(actor) => Audit::by(actor, "user.create", "user", user.id, metadata),
        CreatedBy::Itself(ip) => Audit::from(AuditEntry {
            actor_id: Some(user.id),
            actor_email: Some(user.email.clone()),
            action: "user.create",
            target_type: "user",
            target_id: Some(user.id.to_string()),
            metadata,
            ip,
            request_id: crate::error::current_request_id(),
        }),
        CreatedBy::System(ip) => Audit::system("user.create", "user", user.id, metadata, ip),
    }
}

/// The input of [`create_user`].
pub struct NewAccount<'a> {
    /// E-mail address (validated here).
    pub email: &'a str,
    /// Display name (validated here).
    pub name: &'a str,
    /// Global role.
    pub role: Role,
    /// Department (checked against the configured list).
    pub department: Option<&'a str>,
    /// Password, if the account signs in with one.
    pub password: Option<&'a str>,
    /// Whether the address is known to belong to the account's owner (created by an admin,
    /// the CLI or the bootstrap); self-registered and support-form accounts are not.
    pub verified: bool,
    /// How the account came to be and who made it, for its `user.create` audit row (see
    /// [`CreatedBy`]); `None` is not audited (demo data).
    pub created_by: Option<(&'static str, CreatedBy<'a>)>,
}

/// Validates and creates an account (admin API, CLI, bootstrap, registration, demo).
pub async fn create_user(ctx: &Ctx, account: NewAccount<'_>) -> AppResult<UserRow> {
    let email = field("email", Email::parse(account.email))?;
    let name = field("name", parse_name(account.name))?;
    let department = check_department(ctx, account.department)?;
    let password_hash = match account.password {
        Some(password) => {
            field("password", check_password_strength(password))?;
            Some(ctx.passwords.hash(password).await?)
        }
        None => None,
    };
    let handle = super::mentions::unique_handle(ctx, &name, email.as_str()).await?;
    let user = NewUser {
        id: Id::new(),
        email: email.as_str().to_owned(),
        handle: Some(handle),
        name,
        password_hash,
        role: account.role,
        department,
        email_verified_at: account.verified.then(crate::store::now),
    };
    let audit = match account.created_by {
        Some((via, by)) => user_created(&user, via, by),
        None => Audit::none(),
    };
    let created = ctx.store.create_user(user, audit.rows()).await?;
    audit.committed();
    Ok(created)
}

/// Checks a department name against `DEPARTMENTS`.
pub fn check_department(ctx: &Ctx, department: Option<&str>) -> AppResult<Option<String>> {
    match department.map(str::trim) {
        None | Some("") => Ok(None),
        Some(d) if ctx.settings.departments.iter().any(|known| known == d) => {
            Ok(Some(d.to_owned()))
        }
        Some(_) => Err(AppError::invalid(
            "department",
            format!("must be one of: {}", ctx.settings.departments.join(", ")),
        )),
    }
}

/// Resolves a session token to the signed-in user, refusing expired sessions and banned users.
/// Extends the session (sliding expiry) at most every few minutes.
pub async fn authenticate(ctx: &Ctx, token: &str) -> AppResult<SessionAuth> {
    let unauthenticated = || AppError::new(Code::Unauthenticated, "sign in first");
    if token.is_empty() || token.len() > 128 {
        return Err(unauthenticated());
    }
    let auth = ctx
        .store
        .session_by_token_hash(&hash_token(token))
        .await?
        .ok_or_else(unauthenticated)?;
    let now = crate::store::now();
    if auth.expires_at <= now {
        return Err(AppError::new(
            Code::Unauthenticated,
            "the session has expired",
        ));
    }
    if auth.ban.as_ref().is_some_and(|ban| ban.is_active(now)) {
        return Err(AppError::new(Code::Banned, "this account is banned"));
    }
    if auth.user.deactivated_at.is_some() {
        return Err(AppError::new(
            Code::Deactivated,
            "this account has been deactivated",
        ));
    }
    // Follow links are for customers: a link session of an account that became a team
    // account must not carry that account's new access.
    if auth.ticket_scope.is_some() && !crate::domain::policy::link_session_valid(auth.user.role) {
        return Err(unauthenticated());
    }
    if now - auth.last_used_at > Duration::minutes(5) {
        let ttl = ctx.settings.session_ttl;
        ctx.store
            .touch_session(auth.session_id, now, now + ttl)
            .await?;
        ctx.store.touch_user(auth.user.id, now).await?;
    }
    Ok(auth)
}

/// Ends the actor's session (audited as a session revocation).
pub async fn logout(ctx: &Ctx, actor: &Actor) -> AppResult<()> {
    if let Some(session_id) = actor.session_id {
        let audit = Audit::by(
            actor,
            "session.revoke",
            "session",
            session_id,
            serde_json::json!({"reason": "signed_out"}),
        );
        if ctx.store.delete_session(session_id, audit.rows()).await? {
            audit.committed();
        }
        ctx.events
            .publish(super::Event::SessionEnded {
                session_id,
                reason: "signed_out",
            })
            .await;
    }
    Ok(())
}

/// Creates the bootstrap admin from `ADMIN_EMAIL`/`ADMIN_PASSWORD` (`admin`, when set) when
/// that address is unused.
pub async fn bootstrap_admin(ctx: &Ctx, admin: Option<(&str, &str)>) -> anyhow::Result<()> {
    let Some((email, password)) = admin else {
        return Ok(());
    };
    let normalised = Email::parse(email).map_err(|e| anyhow::anyhow!("ADMIN_EMAIL {e}"))?;
    if ctx
        .store
        .get_user_by_email(normalised.as_str())
        .await?
        .is_some()
    {
        return Ok(());
    }
    let created = create_user(
        ctx,
        NewAccount {
            email,
            name: "Administrator",
            role: Role::Admin,
            department: None,
            password: Some(password),
            verified: true,
            created_by: Some(("bootstrap", CreatedBy::System(None))),
        },
    )
    .await;
    match created {
        Ok(_) => {}
        // Another instance starting at the same moment created it first.
        Err(err) if err.code() == Code::EmailTaken => return Ok(()),
        Err(err) => anyhow::bail!("cannot create the bootstrap admin: {err}"),
    }
    tracing::info!(email = normalised.as_str(), "bootstrap admin created");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_token(&a), hash_a);
        assert_eq!(hash_a.len(), 64);
    }
}

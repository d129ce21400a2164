//! User administration and bans (admins), and the team directory.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{
    Actor,
    audit::Audit,
    auth::{CreatedBy, NewAccount, check_department, create_user},
    require,
};
use super::{
    Ctx,
    events::{Event, SessionsEnded},
};
use crate::domain::policy::Capability;
use crate::{
    domain::{
        Id,
        user::{Role, parse_name},
    },
    error::{AppError, AppResult, Code},
    store::{BanRow, EndSessions, UserFilter, UserPatch, UserRow},
};

/// Lists users (the filter carries the page).
pub async fn list_users(ctx: &Ctx, filter: &UserFilter) -> AppResult<Vec<UserRow>> {
    Ok(ctx.store.list_users(filter).await?)
}

/// Users matching `filter`, each with the ban in force (expired bans are left out).
pub async fn list_users_with_bans(
    ctx: &Ctx,
    actor: &Actor,
    filter: &UserFilter,
) -> AppResult<Vec<(UserRow, Option<BanRow>)>> {
    require(actor, Capability::ManageUsers)?;
    let rows = ctx.store.list_users(filter).await?;
    let ids: Vec<Id> = rows.iter().map(|u| u.id).collect();
    let now = Utc::now();
    let mut bans: HashMap<Id, BanRow> = ctx
        .store
        .bans_for(&ids)
        .await?
        .into_iter()
        .filter(|ban| ban.expires_at.is_none_or(|at| at > now))
        .map(|ban| (ban.user_id, ban))
        .collect();
    Ok(rows
        .into_iter()
        .map(|u| {
            let ban = bans.remove(&u.id);
            (u, ban)
        })
        .collect())
}

/// The ban in force on a user, if any (an expired one is no ban).
pub async fn active_ban(ctx: &Ctx, id: Id) -> AppResult<Option<BanRow>> {
    let now = crate::store::now();
    Ok(ctx
        .store
        .get_ban(id)
        .await?
        .filter(|ban| ban.is_active(now)))
}

/// A user by id, or 404.
pub async fn get_user(ctx: &Ctx, id: Id) -> AppResult<UserRow> {
    ctx.store
        .get_user(id)
        .await?
        .ok_or_else(|| AppError::not_found("user"))
}

/// Input of [`admin_create_user`].
pub struct CreateUser {
    /// E-mail.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Department.
    pub department: Option<String>,
    /// Initial password (optional: customers may have none).
    pub password: Option<String>,
}

/// Creates an account (admin).
pub async fn admin_create_user(ctx: &Ctx, actor: &Actor, input: CreateUser) -> AppResult<UserRow> {
    create_by_admin(ctx, actor, input, true, "admin").await
}

/// Creates an account on an admin's behalf, verified or not; `how` (`admin`, `invite`) is
/// recorded in its audit row.
pub(super) async fn create_by_admin(
    ctx: &Ctx,
    actor: &Actor,
    input: CreateUser,
    verified: bool,
    how: &'static str,
) -> AppResult<UserRow> {
    require(actor, Capability::ManageUsers)?;
    create_user(
        ctx,
        NewAccount {
            email: &input.email,
            name: &input.name,
            role: input.role,
            department: input.department.as_deref(),
            password: input.password.as_deref(),
            verified,
            created_by: Some((how, CreatedBy::User(actor))),
        },
    )
    .await
}

/// Input of [`admin_update_user`]; absent fields stay as they are.
#[derive(Default)]
pub struct UpdateUser {
    /// New name.
    pub name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// New department (`Some(None)` clears it).
    pub department: Option<Option<String>>,
}

/// Changes a user's name, role or department (admin). Admins cannot change their own role,
/// so the last admin cannot lock everyone out by accident.
pub async fn admin_update_user(
    ctx: &Ctx,
    actor: &Actor,
    id: Id,
    input: UpdateUser,
) -> AppResult<UserRow> {
    require(actor, Capability::ManageUsers)?;
    let before = get_user(ctx, id).await?;
    if id == actor.id() && input.role.is_some_and(|role| role != before.role) {
        return Err(AppError::forbidden("admins cannot change their own role"));
    }
    let patch = UserPatch {
        name: input
            .name
            .as_deref()
            .map(parse_name)
            .transpose()
            .map_err(|p| AppError::invalid("name", p))?,
        role: input.role,
        department: match input.department {
            Some(d) => Some(check_department(ctx, d.as_deref())?),
            None => None,
        },
    };
    let audit = user_changes(actor, &before, &patch);
    let after = ctx
        .store
        .update_user(id, &patch, audit.rows())
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    audit.committed();
    // New access is granted at the next sign-in, never carried by a session (or a follow link)
    // opened under the old role: a customer's link must not become an admin's session.
    if before.role != after.role || before.department != after.department {
        let reason = if before.role == after.role {
            SessionsEnded::DepartmentChanged
        } else {
            SessionsEnded::RoleChanged
        };
        super::sessions::end_all_sessions(ctx, id, reason).await?;
    }
    Ok(after)
}

/// The audit rows of `patch` applied to `before`: each kind of change is its own action, so
/// the audit filter finds it.
fn user_changes(actor: &Actor, before: &UserRow, patch: &UserPatch) -> Audit {
    let role = patch.role.unwrap_or(before.role);
    let department = patch.department.as_ref().unwrap_or(&before.department);
    let name = patch.name.as_ref().unwrap_or(&before.name);
    let changes = [
        (
            "user.role_change",
            before.role != role,
            json!({"role": {"from": before.role, "to": role}}),
        ),
        (
            "user.department_change",
            &before.department != department,
            json!({"department": {"from": before.department, "to": department}}),
        ),
        (
            "user.update",
            &before.name != name,
            json!({"name": {"from": before.name, "to": name}}),
        ),
    ];
    changes
        .into_iter()
        .filter(|(_, changed, _)| *changed)
        .fold(Audit::none(), |audit, (action, _, metadata)| {
            audit.and(actor, action, "user", before.id, metadata)
        })
}

/// Bans a user (admin): stores the ban, ends every session and follow link, and closes their
/// sockets on every instance.
pub async fn ban_user(
    ctx: &Ctx,
    actor: &Actor,
    id: Id,
    reason: &str,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<BanRow> {
    require(actor, Capability::ManageUsers)?;
    if id == actor.id() {
        return Err(AppError::forbidden("admins cannot ban themselves"));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::invalid("reason", "must be 1 to 500 characters"));
    }
    let now = crate::store::now();
    if expires_at.is_some_and(|at| at <= now) {
        return Err(AppError::invalid("expiresAt", "must be in the future"));
    }
    get_user(ctx, id).await?;
    let ban = BanRow {
        user_id: id,
        reason: reason.to_owned(),
        banned_by: Some(actor.id()),
        banned_at: now,
        expires_at,
    };
    // The store ends every session and follow link with the ban, and adds how many sessions
    // ended to the row (`revokedSessions`).
    let audit = Audit::by(
        actor,
        "user.ban",
        "user",
        id,
        json!({"reason": ban.reason, "expiresAt": expires_at}),
    );
    ctx.store
        .put_ban(&ban, EndSessions::All, audit.rows())
        .await?;
    audit.committed();
    ctx.events
        .publish(Event::SessionsEnded {
            user_id: id,
            reason: SessionsEnded::Banned,
        })
        .await;
    Ok(ban)
}

/// Lifts a ban (admin).
pub async fn unban_user(ctx: &Ctx, actor: &Actor, id: Id) -> AppResult<()> {
    require(actor, Capability::ManageUsers)?;
    let audit = Audit::by(actor, "user.unban", "user", id, json!({}));
    if !ctx.store.delete_ban(id, audit.rows()).await? {
        return Err(AppError::new(Code::NotFound, "this user is not banned"));
    }
    audit.committed();
    Ok(())
}

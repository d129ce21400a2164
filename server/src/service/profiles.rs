//! Profiles and status: `GET /users/{id}` and the profile fields of `PATCH /me`.

use chrono::{DateTime, Utc};

use super::{Actor, Ctx, events::Event, field, mentions, spend};
use crate::{
    domain::{
        Id,
        notify::parse_timezone,
        policy,
        profile::{parse_status, parse_title},
        user::parse_name,
    },
    error::{AppError, AppResult},
    ratelimit::Action as Limit,
    store::{ProfileRow, UserPatch},
    views::{ProfileView, StatusView},
};

/// A status as asked for.
pub struct StatusInput {
    /// The emoji.
    pub emoji: Option<String>,
    /// The text.
    pub text: Option<String>,
    /// When it stops being shown.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Changes to one's own account and profile; absent fields stay (`status: Some(None)`
/// clears it, as `timezone: Some(None)` does).
#[derive(Default)]
pub struct MePatch {
    /// `@handle`.
    pub handle: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Job title ('' clears it).
    pub title: Option<String>,
    /// IANA time zone.
    pub timezone: Option<Option<String>>,
    /// Status.
    pub status: Option<Option<StatusInput>>,
}

/// The profile of `user_id` as `actor` may see it: 404 when they may not.
pub async fn get_profile(ctx: &Ctx, actor: &Actor, user_id: Id) -> AppResult<ProfileView> {
    let user = ctx
        .store
        .get_user(user_id)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    let viewer = actor.viewer();
    // The shared-ticket lookup only when the rest of the rule does not decide.
    let visible = policy::can_see_person(&viewer, user_id, false)
        || policy::can_see_person(
            &viewer,
            user_id,
            ctx.store.share_ticket(actor.id(), user_id).await?,
        );
    if !visible {
        return Err(AppError::not_found("user"));
    }
    let profile = load(ctx, user_id).await?;
    let online = ctx
        .presence
        .online_among(vec![user_id])
        .await
        .contains(&user_id);
    Ok(ProfileView::new(
        &user,
        &profile,
        online,
        crate::store::now(),
    ))
}

async fn load(ctx: &Ctx, user_id: Id) -> AppResult<ProfileRow> {
    Ok(ctx.store.get_profile(user_id).await?.unwrap_or(ProfileRow {
        user_id,
        ..ProfileRow::default()
    }))
}

/// Changes the actor's handle, name, title, time zone or status. Everything is validated
/// before anything is written; a change of name, title or status is published.
pub async fn update_me(ctx: &Ctx, actor: &Actor, patch: MePatch) -> AppResult<ProfileView> {
    let now = crate::store::now();
    if patch.handle.is_none()
        && patch.name.is_none()
        && patch.title.is_none()
        && patch.timezone.is_none()
        && patch.status.is_none()
    {
        return Err(AppError::invalid("handle", "nothing to change"));
    }
    let name = patch
        .name
        .as_deref()
        .map(|n| field("name", parse_name(n)))
        .transpose()?;
    let title = patch
        .title
        .as_deref()
        .map(|t| field("title", parse_title(t)))
        .transpose()?;
    let timezone = match &patch.timezone {
        Some(Some(tz)) => Some(Some(field("timezone", parse_timezone(tz))?)),
        Some(None) => Some(None),
        None => None,
    };
    let status = match &patch.status {
        Some(Some(s)) => Some(Some(
            parse_status(s.emoji.as_deref(), s.text.as_deref(), s.expires_at, now)
                .map_err(|(f, p)| AppError::invalid(f, p))?,
        )),
        Some(None) => Some(None),
        None => None,
    };
    spend(ctx, Limit::ProfileUpdate, actor).await?;
    if let Some(handle) = &patch.handle {
        mentions::set_my_handle(ctx, actor, handle).await?;
    }
    if let Some(name) = &name {
        let change = UserPatch {
            name: Some(name.clone()),
            ..Default::default()
        };
        ctx.store.update_user(actor.id(), &change, &[]).await?;
    }
    let mut profile = load(ctx, actor.id()).await?;
    let before = (profile.title.clone(), StatusView::current(&profile, now));
    if title.is_some() || timezone.is_some() || status.is_some() {
        if let Some(title) = title {
            profile.title = title;
        }
        if let Some(timezone) = timezone {
            profile.timezone = timezone;
        }
        if let Some(status) = status {
            profile.status_emoji = status.as_ref().and_then(|s| s.emoji.clone());
            profile.status_text = status.as_ref().and_then(|s| s.text.clone());
            profile.status_expires_at = status.and_then(|s| s.expires_at);
        }
        ctx.store.put_profile(&profile).await?;
    }
    let user = ctx
        .store
        .get_user(actor.id())
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    let online = ctx
        .presence
        .online_among(vec![user.id])
        .await
        .contains(&user.id);
    let view = ProfileView::new(&user, &profile, online, now);
    if name.is_some() || before != (view.title.clone(), view.status.clone()) {
        ctx.events
            .publish(Event::UserUpdated {
                user_id: user.id,
                name: view.name.clone(),
                title: view.title.clone(),
                status: view.status.clone(),
                avatar_url: view.avatar_url.clone(),
            })
            .await;
    }
    Ok(view)
}

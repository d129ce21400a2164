//! Ending a user's sessions: the one step every account change that must cut access shares
//! (bans, deactivation, role and department changes, password resets).

use super::{
    Ctx,
    events::{Event, SessionsEnded},
};
use crate::{domain::Id, error::AppResult};

/// Ends every session and follow link of a user and closes their sockets (after a role or
/// department change; bans, deactivations and password resets end them in their own
/// transaction).
pub async fn end_all_sessions(ctx: &Ctx, user_id: Id, reason: SessionsEnded) -> AppResult<()> {
    ctx.store.delete_user_sessions(user_id).await?;
    ctx.store.delete_user_ticket_links(user_id).await?;
    ctx.events
        .publish(Event::SessionsEnded { user_id, reason })
        .await;
    Ok(())
}

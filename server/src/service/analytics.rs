//! Staff analytics for admins: per staff member and per department, open and pending tickets,
//! tickets resolved in the last 30 days, and median first-response and resolution times.
//! A handful of aggregate queries, never one per ticket.

use std::collections::HashMap;

use chrono::Duration;
use serde::Serialize;
use utoipa::ToSchema;

use super::Ctx;
use super::{Actor, require};
use crate::domain::policy::Capability;
use crate::{
    domain::{Id, user::Role},
    error::AppResult,
    store::UserFilter,
    views::UserView,
};

/// The analytics window, in days.
pub const WINDOW_DAYS: i64 = 30;

/// One staff member's workload and speed.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StaffStats {
    /// The staff member.
    pub user: UserView,
    /// Open tickets assigned to them.
    pub open: i64,
    /// Pending tickets assigned to them.
    pub pending: i64,
    /// Tickets they resolved in the window.
    pub resolved30d: i64,
    /// Median time to first response on their tickets opened in the window, in seconds.
    pub median_first_response_secs: Option<i64>,
    /// Median time to resolution of their tickets resolved in the window, in seconds.
    pub median_resolution_secs: Option<i64>,
}

/// One department's queue.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentStats {
    /// Department (`null` = not routed).
    pub department: Option<String>,
    /// Open tickets.
    pub open: i64,
    /// Pending tickets.
    pub pending: i64,
    /// Resolved in the window.
    pub resolved30d: i64,
}

/// The whole report.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StaffAnalytics {
    /// Window length in days.
    pub window_days: i64,
    /// Per staff member (admins included), busiest first.
    pub staff: Vec<StaffStats>,
    /// Per department.
    pub departments: Vec<DepartmentStats>,
}

/// Builds the report (admins only).
pub async fn staff_analytics(ctx: &Ctx, actor: &Actor) -> AppResult<StaffAnalytics> {
    require(actor, Capability::ReadOperations)?;
    let since = crate::store::now() - Duration::days(WINDOW_DAYS);
    let (counts, departments, times) = tokio::try_join!(
        ctx.store.assignee_counts(since),
        ctx.store.department_counts(since),
        ctx.store.ticket_times(since),
    )?;
    let mut first_response: HashMap<Id, Vec<i64>> = HashMap::new();
    let mut resolution: HashMap<Id, Vec<i64>> = HashMap::new();
    for t in times
        .iter()
        .filter(|t| t.created_at >= since || t.resolved_at.is_some_and(|r| r >= since))
    {
        let Some(assignee) = t.assignee_id else {
            continue;
        };
        if let Some(at) = t.first_response_at.filter(|_| t.created_at >= since) {
            first_response
                .entry(assignee)
                .or_default()
                .push((at - t.created_at).num_seconds());
        }
        if let Some(at) = t.resolved_at.filter(|at| *at >= since) {
            resolution
                .entry(assignee)
                .or_default()
                .push((at - t.created_at).num_seconds());
        }
    }
    let counts: HashMap<Id, _> = counts.into_iter().map(|c| (c.assignee_id, c)).collect();
    let mut staff = Vec::new();
    let workers = Role::ALL
        .iter()
        .filter(|r| crate::domain::policy::allows(**r, Capability::WorkTickets));
    for role in workers.copied() {
        let users = ctx
            .store
            .list_users(&UserFilter {
                role: Some(role),
                limit: 1000,
                ..UserFilter::default()
            })
            .await?;
        for user in users {
            let c = counts.get(&user.id);
            staff.push(StaffStats {
                open: c.map_or(0, |c| c.open),
                pending: c.map_or(0, |c| c.pending),
                resolved30d: c.map_or(0, |c| c.resolved),
                median_first_response_secs: first_response
                    .get_mut(&user.id)
                    .and_then(|v| median(v)),
                median_resolution_secs: resolution.get_mut(&user.id).and_then(|v| median(v)),
                user: UserView::full(&user),
            });
        }
    }
    staff.sort_by(|a, b| {
        (b.open + b.pending, b.resolved30d)
            .cmp(&(a.open + a.pending, a.resolved30d))
            .then(a.user.name.cmp(&b.user.name))
    });
    let departments = departments
        .into_iter()
        .map(|d| DepartmentStats {
            department: d.department,
            open: d.open,
            pending: d.pending,
            resolved30d: d.resolved,
        })
        .collect();
    Ok(StaffAnalytics {
        window_days: WINDOW_DAYS,
        staff,
        departments,
    })
}

/// The median (the lower middle for even counts), or `None` for no values.
fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some(values[(values.len() - 1) / 2])
}

#[cfg(test)]
mod tests {
    #[test]
    fn medians() {
        assert_eq!(super::median(&mut []), None);
        assert_eq!(super::median(&mut [5]), Some(5));
        assert_eq!(super::median(&mut [9, 1, 5]), Some(5));
        assert_eq!(super::median(&mut [4, 1, 3, 2]), Some(2));
    }
}

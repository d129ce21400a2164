//! What admins read about the whole installation: the audit log (pages and the CSV download)
//! and the telemetry dashboard.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Actor, Ctx, audit, require};
use crate::{
    domain::{Id, policy::Capability, room::RoomKind},
    error::{AppError, AppResult},
    ops::telemetry::{TelemetryPoint, merge},
    store::{AuditFilter, AuditRow},
};

/// What to read of the audit log.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    /// Action, exact (`user.ban`) or a prefix ending in a dot (`user.`).
    pub action: Option<String>,
    /// Actor: a user id or an e-mail address.
    pub actor: Option<String>,
    /// Target id.
    pub target: Option<String>,
    /// Only rows at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only rows before this (time, id) cursor.
    pub before: Option<(DateTime<Utc>, Id)>,
    /// Page size.
    pub limit: i64,
}

async fn audit_filter(ctx: &Ctx, query: AuditQuery) -> AppResult<AuditFilter> {
    let actor_id = match query.actor.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(actor) => Some(audit::actor_id(ctx, actor).await?),
    };
    Ok(AuditFilter {
        action: query.action.filter(|a| !a.is_empty()),
        actor_id,
        target_id: query.target.filter(|t| !t.is_empty()),
        before: query.before,
        since: query.since,
        limit: query.limit,
    })
}

/// A page of the audit log and the names it shows.
pub struct AuditPage {
    /// Rows, newest first.
    pub rows: Vec<AuditRow>,
    /// Today's names of the actors and targets that are users or rooms (tickets included):
    /// the rows keep ids (and the actor's e-mail at the time), which people cannot read.
    pub names: HashMap<Id, String>,
}

/// A page of the audit log, newest first, with the names of whom and what it mentions (admins).
pub async fn audit_page(ctx: &Ctx, actor: &Actor, query: AuditQuery) -> AppResult<AuditPage> {
    require(actor, Capability::ReadAudit)?;
    let filter = audit_filter(ctx, query).await?;
    let rows = ctx.store.list_audit(&filter).await?;
    let ids: HashSet<Id> = rows
        .iter()
        .flat_map(|row| {
            [
                row.actor_id,
                row.target_id.as_deref().and_then(|t| t.parse().ok()),
            ]
        })
        .flatten()
        .collect();
    let ids: Vec<Id> = ids.into_iter().collect();
    let names = ctx.store.audit_names(&ids).await?.into_iter().collect();
    Ok(AuditPage { rows, names })
}

/// Most rows in one CSV download.
const MAX_CSV_ROWS: usize = 100_000;
/// Rows read per query while building the CSV.
const CSV_PAGE: i64 = 500;

/// A CSV download: its file name and text.
pub struct CsvFile {
    /// `audit-YYYYMMDD-HHMMSS.csv`.
    pub filename: String,
    /// RFC 4180 text.
    pub body: String,
}

/// Every matching audit row as CSV (admins; the download is audited).
pub async fn audit_csv(ctx: &Ctx, actor: &Actor, query: AuditQuery) -> AppResult<CsvFile> {
    require(actor, Capability::ReadAudit)?;
    let mut filter = audit_filter(ctx, query).await?;
    filter.limit = CSV_PAGE;
    let mut rows = Vec::new();
    while rows.len() < MAX_CSV_ROWS {
        let page = ctx.store.list_audit(&filter).await?;
        let done = page.len() < usize::try_from(CSV_PAGE).unwrap_or(usize::MAX);
        filter.before = page.last().map(|a| (a.at, a.id));
        rows.extend(page);
        if done {
            break;
        }
    }
    audit::record(
        ctx,
        actor,
        "audit.export",
        "audit",
        "csv",
        serde_json::json!({"rows": rows.len()}),
    )
    .await?;
    Ok(CsvFile {
        filename: format!("audit-{}.csv", crate::store::now().format("%Y%m%d-%H%M%S")),
        body: to_csv(&rows),
    })
}

/// The audit rows as CSV (RFC 4180 quoting; cells that a spreadsheet would run as a formula
/// are prefixed with `'`).
fn to_csv(rows: &[AuditRow]) -> String {
    let mut out = String::from(
        "at,actor_id,actor_email,action,target_type,target_id,ip,request_id,metadata\r\n",
    );
    for row in rows {
        let cells = [
            row.at.to_rfc3339(),
            row.actor_id.map(|a| a.to_string()).unwrap_or_default(),
            row.actor_email.clone().unwrap_or_default(),
            row.action.clone(),
            row.target_type.clone(),
            row.target_id.clone().unwrap_or_default(),
            row.ip.clone().unwrap_or_default(),
            row.request_id.clone().unwrap_or_default(),
            row.metadata.0.to_string(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// The dashboard's data: every instance's rollups merged.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TelemetryView {
    /// The window asked for.
    window: String,
    /// Minutes per point.
    bucket_minutes: i64,
    /// Instances that reported in the window.
    instances: usize,
    /// The points, oldest first.
    series: Vec<TelemetryPoint>,
    /// The busiest rooms of the window.
    top_rooms: Vec<TopRoom>,
}

/// A busy room.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TopRoom {
    /// Room.
    room_id: Id,
    /// Its title (empty when deleted since; never a DM's).
    title: String,
    /// Messages in the window.
    messages: f64,
}

/// Requests, errors, latency, sockets, messages, delivery failures and round trips over
/// `window` (`1h`, `6h`, `24h` or `7d`), across all instances (admins).
pub async fn telemetry(ctx: &Ctx, actor: &Actor, window: &str) -> AppResult<TelemetryView> {
    require(actor, Capability::ReadOperations)?;
    let (span, bucket) = match window {
        "1h" => (chrono::Duration::hours(1), 1),
        "6h" => (chrono::Duration::hours(6), 1),
        "24h" => (chrono::Duration::hours(24), 4),
        "7d" => (chrono::Duration::days(7), 30),
        _ => return Err(AppError::invalid("window", "must be 1h, 6h, 24h or 7d")),
    };
    let rows = ctx.store.read_rollups(crate::store::now() - span).await?;
    let instances = rows
        .iter()
        .map(|r| r.instance_id.as_str())
        .collect::<HashSet<_>>()
        .len();
    let (series, rooms) = merge(&rows, chrono::Duration::minutes(bucket));
    let mut top: Vec<(Id, f64)> = rooms.into_iter().collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut top_rooms = Vec::new();
    for (room_id, messages) in top.into_iter().take(5) {
        // A DM's title names its two people: admins do not read DMs, here either.
        let title = ctx
            .store
            .get_room(room_id)
            .await?
            .map(|r| {
                if r.kind == RoomKind::Dm {
                    "Direct message".to_owned()
                } else {
                    r.title
                }
            })
            .unwrap_or_default();
        top_rooms.push(TopRoom {
            room_id,
            title,
            messages,
        });
    }
    Ok(TelemetryView {
        window: window.to_owned(),
        bucket_minutes: bucket,
        instances,
        series,
        top_rooms,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(super::csv_cell("plain"), "plain");
        assert_eq!(super::csv_cell("a,b"), "\"a,b\"");
        assert_eq!(super::csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(super::csv_cell("=cmd()"), "'=cmd()");
    }
}

//! Room export: the whole conversation with threads, reactions, edits and deletions, as JSON or
//! as one self-contained, escaped HTML page. Access-checked and audited.

use std::{collections::HashMap, fmt::Write};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::Ctx;
use super::{Actor, audit, messages::view_many, room_view_with_access};
use crate::{
    domain::{Id, policy::Action},
    error::AppResult,
    store::Page,
    views::{
        MemberView, MessageView, RoomView,
        markup::{self, escape},
    },
};

/// Messages read per query while exporting.
const BATCH: i64 = 500;

/// A room and everything said in it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomExport {
    /// The room.
    pub room: RoomView,
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// Who made it.
    pub exported_by: Id,
    /// Members.
    pub members: Vec<MemberView>,
    /// Every message in seq order (replies carry `parentId`; deleted ones have no body).
    pub messages: Vec<MessageView>,
}

/// Exports a room the actor may read.
pub async fn export(ctx: &Ctx, actor: &Actor, room_id: Id, format: &str) -> AppResult<RoomExport> {
    let room = room_view_with_access(ctx, actor, room_id, Action::Read).await?;
    let mut messages = Vec::new();
    let mut after = 0;
    loop {
        let rows = ctx
            .store
            .list_messages(room_id, Page::After(after), BATCH)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        let full = i64::try_from(rows.len()).unwrap_or(0) == BATCH;
        messages.extend(view_many(ctx, actor, &rows).await?);
        if !full {
            break;
        }
    }
    let mut members = Vec::new();
    let mut cursor = None;
    loop {
        let page = ctx.store.list_members(room_id, cursor, BATCH).await?;
        cursor = page.last().map(|m| (m.joined_at, m.user.id));
        let full = i64::try_from(page.len()).unwrap_or(0) == BATCH;
        members.extend(
            page.iter()
                .map(|m| MemberView::new(m, actor.user.role, actor.id(), false)),
        );
        if !full {
            break;
        }
    }
    audit::record(
        ctx,
        actor,
        "room.export",
        "room",
        room_id,
        json!({"format": format, "messages": messages.len()}),
    )
    .await?;
    Ok(RoomExport {
        room: RoomView::from_row(&room),
        exported_at: crate::store::now(),
        exported_by: actor.id(),
        members,
        messages,
    })
}

/// One self-contained page: inline styles, no scripts, every user string escaped; replies
/// nested under their thread roots.
pub fn to_html(export: &RoomExport) -> String {
    let mut replies: HashMap<Id, Vec<&MessageView>> = HashMap::new();
    for message in &export.messages {
        if let Some(parent) = message.parent_id {
            replies.entry(parent).or_default().push(message);
        }
    }
    let title = escape(&export.room.title);
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} — export</title>\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <style>body{{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1c1c1e}}\
         .m{{border-bottom:1px solid #e5e5ea;padding:.5rem 0}}.meta{{color:#6e6e73;font-size:13px}}\
         .replies{{margin-left:2rem;border-left:3px solid #d1d1d6;padding-left:1rem}}.deleted{{color:#8e8e93;font-style:italic}}\
         .body{{white-space:pre-wrap;overflow-wrap:anywhere}}.body p{{margin:0 0 .4rem}}.body>:last-child{{margin-bottom:0}}\
         code{{font:13px/1.4 ui-monospace,Menlo,Consolas,monospace;background:#f2f2f7;padding:0 .2em;border-radius:4px}}\
         pre{{background:#f2f2f7;padding:.5rem .75rem;border-radius:6px;overflow-x:auto;white-space:pre;margin:.25rem 0}}pre code{{padding:0}}\
         blockquote{{margin:.25rem 0;padding-left:.75rem;border-left:3px solid #d1d1d6;color:#48484a}}\
         ul,ol{{margin:.25rem 0;padding-left:1.5rem}}.mention{{color:#1f4fd1;font-weight:600}}</style></head><body>\
         <h1>{title}</h1><p class=\"meta\">#{slug} · {kind} · exported {at} · {count} messages</p>",
        slug = escape(&export.room.slug),
        kind = export.room.kind.as_str(),
        at = export.exported_at.to_rfc3339(),
        count = export.messages.len(),
    );
    if !export.room.description.is_empty() {
        let _ = write!(html, "<p>{}</p>", escape(&export.room.description));
    }
    for message in export.messages.iter().filter(|m| m.parent_id.is_none()) {
        write_message(&mut html, message);
        if let Some(thread) = replies.get(&message.id) {
            html.push_str("<div class=\"replies\">");
            for reply in thread {
                write_message(&mut html, reply);
            }
            html.push_str("</div>");
        }
    }
    html.push_str("</body></html>");
    html
}

fn write_message(html: &mut String, message: &MessageView) {
    let body = match &message.body {
        Some(body) => format!("<div class=\"body\">{}</div>", markup::to_html(body)),
        None => "<div class=\"body deleted\">(message deleted)</div>".to_owned(),
    };
    let edited = if message.edited_at.is_some() {
        " · edited"
    } else {
        ""
    };
    let reactions: String = message
        .reactions
        .iter()
        .map(|r| format!("{} {}", escape(&r.emoji), r.count))
        .collect::<Vec<_>>()
        .join(" · ");
    let files: String = message
        .attachments
        .iter()
        .map(|a| format!("📎 {} ({} bytes)", escape(&a.name), a.size))
        .collect::<Vec<_>>()
        .join(" · ");
    let _ = write!(
        html,
        "<div class=\"m\" id=\"seq-{seq}\"><div class=\"meta\"><strong>{author}</strong> · {at}{edited} · #{seq}</div>{body}{files}{reactions}</div>",
        files = if files.is_empty() {
            String::new()
        } else {
            format!("<div class=\"meta\">{files}</div>")
        },
        seq = message.seq,
        author = escape(&message.author.name),
        at = message.created_at.to_rfc3339(),
        reactions = if reactions.is_empty() {
            String::new()
        } else {
            format!("<div class=\"meta\">{reactions}</div>")
        },
    );
}

//! The helpdesk: the public support form, follow links, the staff queue and ticket changes.

use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    auth::set_session_cookie,
    created, double_option,
    extract::{Auth, Client, ClientIp, Json, Path, Query},
    ok, parse_time_cursor, time_cursor,
};
use crate::{
    domain::{
        Id,
        ticket::{Priority, TicketStatus},
    },
    error::{AppError, AppResult, Code, ErrorBody},
    ratelimit::Action as Limit,
    service::{
        assistant::{self, AssistantView},
        page_limit,
        tickets::{self, StaffTicket, SupportForm, TicketChange},
    },
    state::AppState,
    store::{TicketFilter, tickets::AssigneeFilter},
    views::{ApiOk, Page, TicketView, UserView},
};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    // The form may carry files: their limits apply while they stream in, and the JSON body
    // keeps its limit (checked in the handler).
    let form = OpenApiRouter::new()
        .routes(routes!(submit_support_form))
        .layer(axum::extract::DefaultBodyLimit::disable());
    OpenApiRouter::new()
        .merge(form)
        .routes(routes!(follow_link))
        .routes(routes!(list_tickets, create_ticket))
        .routes(routes!(get_ticket, update_ticket))
        .routes(routes!(get_assistant))
        .routes(routes!(refresh_assistant))
}

/// The ticket assistant's insights: summary, problem, urgency, sentiment, suggested replies
/// and escalation advice (staff of the ticket, admins, observers; never customers).
#[utoipa::path(get, path = "/tickets/{id}/assistant", tag = "tickets", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<AssistantView>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn get_assistant(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    Ok(ok(assistant::view(&state.ctx, &actor, id).await?))
}

/// Queues a full refresh of the insights (rate limited per user); `ticket:insights` announces
/// the result.
#[utoipa::path(post, path = "/tickets/{id}/assistant/refresh", tag = "tickets", params(("id" = Id, Path)),
    responses((status = 202, body = ApiOk<Option<bool>>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn refresh_assistant(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    assistant::refresh(&state.ctx, &actor, id).await?;
    Ok((axum::http::StatusCode::ACCEPTED, ok(None::<bool>)))
}

/// `POST /support/tickets` body (the public support form).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportBody {
    /// Your name.
    name: String,
    /// Your e-mail address.
    email: String,
    /// What it is about.
    subject: String,
    /// Your message.
    message: String,
    /// Where it should go (optional).
    department: Option<String>,
}

/// The opened ticket, and how its sender follows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SupportOpened {
    /// The ticket's id.
    ticket_id: Id,
    /// Always true: a link to follow the ticket was mailed to the address.
    emailed: bool,
    /// For an address that had no account: the page that opens this one ticket (shown once,
    /// after the form). `null` when the address belongs to an account: only its mailbox gets
    /// a link.
    follow_url: Option<String>,
    /// The token of `followUrl` (for `POST /auth/link`), or `null`.
    token: Option<String>,
}

/// The support form as `multipart/form-data`: the fields of the JSON body as text parts
/// (before the files), then up to five parts named `file`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SupportMultipart {
    /// Your name.
    name: String,
    /// Your e-mail address.
    email: String,
    /// What it is about.
    subject: String,
    /// Your message.
    message: String,
    /// Where it should go (optional).
    department: Option<String>,
    /// Up to five files (each at most `UPLOAD_MAX_BYTES`), attached to the first message.
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: Vec<String>,
}

/// Files one support form may carry.
pub const MAX_FORM_FILES: usize = 5;
/// Longest text part of a multipart support form, in bytes.
const MAX_TEXT_PART: usize = 64 * 1024;

/// Opens a ticket from the public support form (no account needed; rate limited per client
/// network). The sender is unverified until they open the link mailed to the address. Takes
/// JSON, or `multipart/form-data` with up to five files attached to the first message.
#[utoipa::path(post, path = "/support/tickets", tag = "tickets",
    request_body(content(
        (SupportBody = "application/json"),
        (SupportMultipart = "multipart/form-data"),
    )),
    security(()),
    responses((status = 201, body = ApiOk<SupportOpened>),
              (status = 400, description = "INVALID_ATTACHMENT: more than five files", body = ErrorBody),
              (status = 403, description = "BANNED or DEACTIVATED (the address's account)", body = ErrorBody),
              (status = 409, description = "STAFF_EMAIL", body = ErrorBody),
              (status = 413, description = "PAYLOAD_TOO_LARGE or QUOTA_EXCEEDED", body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn submit_support_form(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    request: axum::extract::Request,
) -> AppResult<impl IntoResponse> {
    let is_multipart = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    let opened = if is_multipart {
        support_multipart(&state, request, ip).await?
    } else {
        let limit = state.config.http.max_body_bytes;
        let limited =
            request.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)));
        let Json(body) = <Json<SupportBody> as axum::extract::FromRequest<AppState>>::from_request(
            limited, &state,
        )
        .await?;
        tickets::open_from_support_form(
            &state.ctx,
            SupportForm {
                name: body.name,
                email: body.email,
                subject: body.subject,
                message: body.message,
                department: body.department,
            },
            ip,
        )
        .await?
    };
    let (token, follow_url) = opened.screen_link.unzip();
    Ok(created(SupportOpened {
        ticket_id: opened.ticket.id,
        emailed: true,
        follow_url,
        token,
    }))
}

/// Reads a multipart support form: its text parts, then its files, streamed into the
/// ticket's room before the ticket is opened with them.
async fn support_multipart(
    state: &AppState,
    request: axum::extract::Request,
    ip: Option<String>,
) -> AppResult<tickets::Opened> {
    use axum::extract::FromRequest;
    let mut multipart = axum::extract::Multipart::from_request(request, state)
        .await
        .map_err(|_| AppError::new(Code::BadRequest, "malformed multipart body"))?;
    let bad = |err: axum::extract::multipart::MultipartError| {
        AppError::new(
            Code::BadRequest,
            format!("malformed multipart body: {}", err.body_text()),
        )
    };
    let mut form = SupportForm {
        name: String::new(),
        email: String::new(),
        subject: String::new(),
        message: String::new(),
        department: None,
    };
    let mut draft = None;
    let mut attachment_ids = Vec::new();
    while let Some(mut part) = multipart.next_field().await.map_err(bad)? {
        let name = part.name().unwrap_or_default().to_owned();
        if name == "file" {
            if draft.is_none() {
                let fields = std::mem::replace(
                    &mut form,
                    SupportForm {
                        name: String::new(),
                        email: String::new(),
                        subject: String::new(),
                        message: String::new(),
                        department: None,
                    },
                );
                draft = Some(tickets::check_support_form(&state.ctx, fields, ip.clone()).await?);
            }
            let Some(checked) = draft.as_ref() else {
                continue;
            };
            if attachment_ids.len() >= MAX_FORM_FILES {
                return Err(AppError::new(
                    Code::InvalidAttachment,
                    format!("at most {MAX_FORM_FILES} files per form"),
                ));
            }
            let file_name = part.file_name().unwrap_or("file").to_owned();
            let ticket_id = checked.ticket_id;
            let actor = checked.actor.clone();
            let stored = super::files::stream_field(part, |body| async move {
                crate::service::files::store_upload(
                    &state.ctx,
                    &actor,
                    Some(ticket_id),
                    &file_name,
                    body,
                )
                .await
            })
            .await?;
            attachment_ids.push(stored.id);
            continue;
        }
        if draft.is_some() {
            return Err(AppError::invalid(name, "text fields go before the files"));
        }
        let mut text = Vec::new();
        while let Some(chunk) = part.chunk().await.map_err(bad)? {
            if text.len() + chunk.len() > MAX_TEXT_PART {
                return Err(AppError::new(
                    Code::PayloadTooLarge,
                    "a text field is too long",
                ));
            }
            text.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(text)
            .map_err(|_| AppError::invalid(name.clone(), "must be UTF-8 text"))?;
        match name.as_str() {
            "name" => form.name = text,
            "email" => form.email = text,
            "subject" => form.subject = text,
            "message" => form.message = text,
            "department" => form.department = Some(text).filter(|d| !d.is_empty()),
            _ => return Err(AppError::invalid(name, "unknown field")),
        }
    }
    let draft = match draft {
        Some(draft) => draft,
        None => tickets::check_support_form(&state.ctx, form, ip).await?,
    };
    tickets::submit_support_form(&state.ctx, draft, attachment_ids).await
}

/// `POST /auth/link` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    /// The token from a follow link.
    token: String,
}

/// A follow-link session.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LinkSession {
    /// The customer.
    user: UserView,
    /// Session token (also set as the cookie).
    token: String,
    /// The ticket this session may read.
    ticket_id: Id,
}

/// Signs a customer in from a follow link; the session reads that ticket only.
#[utoipa::path(post, path = "/auth/link", tag = "auth", request_body = LinkBody,
    responses((status = 200, body = ApiOk<LinkSession>), (status = 401, body = ErrorBody)))]
async fn follow_link(
    State(state): State<AppState>,
    Client(meta): Client,
    Json(body): Json<LinkBody>,
) -> AppResult<Response> {
    let ip_key = crate::ratelimit::ip_key(meta.ip.as_deref().unwrap_or("unknown"));
    state.ctx.limits.check(Limit::LoginIp, &ip_key).await?;
    let (signed_in, ticket_id) = tickets::follow(&state.ctx, &body.token, meta).await?;
    let mut response = ok(LinkSession {
        user: UserView::full(&signed_in.user),
        token: signed_in.token.clone(),
        ticket_id,
    })
    .into_response();
    set_session_cookie(&state, &mut response, &signed_in.token);
    Ok(response)
}

/// Query of `GET /tickets`.
#[derive(Deserialize, IntoParams)]
pub struct TicketQuery {
    /// Status.
    status: Option<TicketStatus>,
    /// Department.
    department: Option<String>,
    /// Assignee: a user id, `me`, or `none` for unassigned.
    assignee: Option<String>,
    /// Priority.
    priority: Option<Priority>,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size (default 50, max 100).
    limit: Option<i64>,
}

/// The ticket queue, newest first: tickets the actor may read (customers: their own).
#[utoipa::path(get, path = "/tickets", tag = "tickets", params(TicketQuery),
    responses((status = 200, body = ApiOk<Page<TicketView>>)))]
async fn list_tickets(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<TicketQuery>,
) -> AppResult<impl IntoResponse> {
    let assignee = match query.assignee.as_deref() {
        None | Some("") => None,
        Some("none") => Some(AssigneeFilter::Unassigned),
        Some("me") => Some(AssigneeFilter::User(actor.id())),
        Some(id) => Some(AssigneeFilter::User(id.parse().map_err(|_| {
            AppError::invalid("assignee", "must be a user id, me or none")
        })?)),
    };
    let filter = TicketFilter {
        status: query.status,
        department: query.department.filter(|d| !d.is_empty()),
        assignee,
        priority: query.priority,
        requester: None,
        before: parse_time_cursor(query.cursor.as_deref())?,
        limit: page_limit(query.limit, 50, 100)?,
    };
    let rows = tickets::list(&state.ctx, &actor, filter.clone()).await?;
    let items: Vec<TicketView> = rows.iter().map(TicketView::from).collect();
    Ok(ok(Page::from_items(items, filter.limit, |t| {
        time_cursor(t.created_at, t.id)
    })))
}

/// `POST /tickets` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateTicketBody {
    /// Subject.
    subject: String,
    /// The customer's e-mail (an account is created when missing).
    requester_email: String,
    /// The customer's name (for a new account).
    requester_name: Option<String>,
    /// A first message, from you.
    message: Option<String>,
    /// Department.
    department: Option<String>,
    /// Priority (default normal).
    priority: Option<Priority>,
    /// Assignee.
    assignee_id: Option<Id>,
}

/// Opens a ticket on a customer's behalf (staff, admins).
#[utoipa::path(post, path = "/tickets", tag = "tickets", request_body = CreateTicketBody,
    responses((status = 201, body = ApiOk<TicketView>), (status = 403, body = ErrorBody),
              (status = 409, description = "STAFF_EMAIL", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_ticket(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<CreateTicketBody>,
) -> AppResult<impl IntoResponse> {
    let ticket = tickets::create_by_staff(
        &state.ctx,
        &actor,
        StaffTicket {
            subject: body.subject,
            requester_email: body.requester_email,
            requester_name: body.requester_name,
            message: body.message,
            department: body.department,
            priority: body.priority,
            assignee_id: body.assignee_id,
        },
    )
    .await?;
    Ok(created(TicketView::from(&ticket)))
}

/// A ticket.
#[utoipa::path(get, path = "/tickets/{id}", tag = "tickets", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<TicketView>), (status = 404, body = ErrorBody)))]
async fn get_ticket(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    let ticket = tickets::read(&state.ctx, &actor, id).await?;
    Ok(ok(TicketView::from(&ticket)))
}

/// `PATCH /tickets/{id}` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateTicketBody {
    /// New status (reopening a resolved or closed ticket is allowed and audited).
    status: Option<TicketStatus>,
    /// New assignee (`null` unassigns).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Id>)]
    assignee_id: Option<Option<Id>>,
    /// New department (`null` = everyone).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    department: Option<Option<String>>,
    /// New priority.
    priority: Option<Priority>,
}

/// Changes a ticket's status, assignee, department or priority (staff of the ticket, admins).
#[utoipa::path(patch, path = "/tickets/{id}", tag = "tickets", params(("id" = Id, Path)),
    request_body = UpdateTicketBody,
    responses((status = 200, body = ApiOk<TicketView>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_ticket(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
    Json(body): Json<UpdateTicketBody>,
) -> AppResult<impl IntoResponse> {
    let (_, after) = tickets::update(
        &state.ctx,
        &actor,
        id,
        TicketChange {
            status: body.status,
            assignee_id: body.assignee_id,
            department: body.department,
            priority: body.priority,
        },
    )
    .await?;
    Ok(ok(TicketView::from(&after)))
}

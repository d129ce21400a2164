//! The OpenAPI document: its frame here, the paths from the handlers' annotations, then the
//! parts every operation shares (who may call it, the error answers) added in one pass, so no
//! handler can forget them.

use axum::{Router, routing::get};
use utoipa::{
    Modify, OpenApi,
    openapi::{
        self, ContentBuilder, HttpMethod, ObjectBuilder, Ref, RefOr, ResponseBuilder,
        path::{Operation, OperationBuilder},
        security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        },
    },
};
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

mod schemas;

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/api/v1/openapi.json";

/// Operations that take no credentials (sign-in and account-link pages, the support form, the
/// public configuration, probes): `security: []`, and no 401 or 403 for a missing session.
const PUBLIC: &[&str] = &[
    "login",
    "register",
    "verify_email",
    "resend_verification",
    "forgot_password",
    "reset_password",
    "invitation",
    "accept_invite",
    "public_config",
    "follow_link",
    "submit_support_form",
    "unsubscribe_page",
    "unsubscribe_one_click",
    "get_push_key",
    "livez",
    "readyz",
    "api_health",
    "get_openapi_document",
];

/// Operations that answer with or without a session (`security: [{}, session, bearer]`).
const SESSION_OPTIONAL: &[&str] = &["session"];

/// Probes: they answer 200 or 503 and nothing else (`/api/health` may also meet the per-address
/// limit of everything under `/api/`).
const PROBES: &[&str] = &["livez", "readyz", "api_health"];

const RATE_LIMITED: &str = "RATE_LIMITED: too many requests; retry after `Retry-After` seconds";

/// Title, version, shared schemas and security schemes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard API",
        description = "Team chat and helpdesk. Success: `{ok: true, data}`; errors: \
                       `{ok: false, code, message, requestId}` with a fitting status.",
        license(name = "AGPL-3.0-only", identifier = "AGPL-3.0-only")
    ),
    servers((url = "/", description = "The server that serves this document")),
    tags(
        (name = "auth", description = "Sign-in, registration, e-mailed account links, the session"),
        (name = "account", description = "The signed-in person's own account, profile and settings"),
        (name = "rooms", description = "Rooms, membership, DMs and exports"),
        (name = "messages", description = "Messages, threads, reactions, pins, saved messages, previews"),
        (name = "files", description = "Uploads, attachments and avatars"),
        (name = "notifications", description = "Notifications, per-room levels and preferences"),
        (name = "push", description = "Web Push: the server's key and this device's subscription"),
        (name = "search", description = "Search and recent activity"),
        (name = "users", description = "The people directory and profiles"),
        (name = "tickets", description = "The helpdesk: support form, tickets, follow links, the assistant"),
        (name = "admin", description = "Administration: users, invitations, bans, audit, telemetry"),
        (name = "ops", description = "Probes, configuration and this document")
    ),
    components(schemas(crate::error::ErrorBody, crate::error::Code)),
    modifiers(&SecuritySchemes),
    security(("session" = []), ("bearer" = []))
)]
pub struct ApiDoc;

/// Adds the cookie and bearer schemes.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("sb_session"))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The documented routes (the API under `/api/v1`, the probes at the root, the document
/// itself) and the document describing them. Needs no state or I/O: `switchboard openapi`
/// prints the same document the server serves.
pub fn routes() -> (Router<AppState>, serde_json::Value) {
    let (routes, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", super::api_router())
        .merge(super::health::router())
        .split_for_parts();
    doc.paths
        .add_path_operation(DOCUMENT_PATH, vec![HttpMethod::Get], document_operation());
    complete(&mut doc);
    let doc = schemas::refer_to_components(doc);
    let served = std::sync::Arc::new(doc.clone());
    let routes = routes.route(
        DOCUMENT_PATH,
        get(move || {
            let served = std::sync::Arc::clone(&served);
            async move { axum::Json(served.as_ref().clone()) }
        }),
    );
    (routes, doc)
}

/// The document alone, as JSON.
pub fn document() -> serde_json::Value {
    routes().1
}

fn document_operation() -> Operation {
    OperationBuilder::new()
        .operation_id(Some("get_openapi_document"))
        .summary(Some("This OpenAPI document"))
        .tag("ops")
        .response(
            "200",
            ResponseBuilder::new()
                .description("The OpenAPI 3.1 document of this server")
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(ObjectBuilder::new().build()))
                        .build(),
                ),
        )
        .build()
}

/// Security per operation, and the error answers every operation can give.
fn complete(doc: &mut openapi::OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        // Everything under /api/ passes the per-address limit (`RATE_LIMIT_REST_IP`).
        let limited = path.starts_with("/api/");
        for (method, op) in [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
        ] {
            if let Some(op) = op.as_mut() {
                complete_operation(op, method, path, limited);
            }
        }
    }
}

fn complete_operation(op: &mut Operation, method: &str, path: &str, limited: bool) {
    let has_path_params = path.contains('{');
    // Writes in a room (its messages included) meet an archived room.
    let room_write = method != "get"
        && (path.starts_with("/api/v1/rooms/{id}") || path.starts_with("/api/v1/messages/{id}"));
    let id = op.operation_id.clone().unwrap_or_default();
    let public = PUBLIC.contains(&id.as_str());
    let optional = SESSION_OPTIONAL.contains(&id.as_str());
    if public {
        op.security = Some(Vec::new());
    } else if optional {
        op.security = Some(vec![
            SecurityRequirement::default(),
            SecurityRequirement::new("session", Vec::<String>::new()),
            SecurityRequirement::new("bearer", Vec::<String>::new()),
        ]);
    }
    for response in op.responses.responses.values_mut() {
        if let RefOr::T(response) = response
            && response.description.is_empty()
        {
            response.description = "See the error `code`".to_owned();
        }
    }
    if op.summary.is_none() {
        op.summary = op
            .description
            .as_deref()
            .and_then(|d| d.lines().next())
            .map(|first| first.trim_end_matches('.').to_owned());
    }
    if PROBES.contains(&id.as_str()) || id == "get_openapi_document" {
        if limited {
            op.responses
                .responses
                .entry("429".to_owned())
                .or_insert_with(|| error_response(RATE_LIMITED));
        }
        return;
    }
    let takes_input = op.request_body.is_some()
        || has_path_params
        || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let json_body = op.request_body.as_ref().is_some_and(|body| match body {
        RefOr::T(body) => body.content.contains_key("application/json"),
        RefOr::Ref(_) => true,
    });
    let mut add = |status: &str, description: &str| {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| error_response(description));
    };
    if takes_input {
        add(
            "400",
            "BAD_REQUEST or INVALID_JSON: the request could not be read",
        );
        add(
            "422",
            "VALIDATION: a field is missing or invalid (`details` names it)",
        );
    }
    if json_body {
        add("413", "PAYLOAD_TOO_LARGE: the body is over the size limit");
        add(
            "415",
            "UNSUPPORTED_MEDIA_TYPE: send the body as application/json",
        );
    }
    if !public {
        add("401", "UNAUTHENTICATED: no valid session or token");
        let write = method != "get";
        add(
            "403",
            if write {
                "FORBIDDEN, READ_ONLY, NOT_MEMBER, CSRF (a cookie write from another origin) or a follow-link session outside its ticket"
            } else {
                "FORBIDDEN or NOT_MEMBER, or a follow-link session outside its ticket"
            },
        );
    }
    if has_path_params {
        add(
            "404",
            "NOT_FOUND: no such resource, or one the caller may not see",
        );
    }
    if room_write {
        add(
            "409",
            "ROOM_ARCHIVED: the room is read-only until it is restored (or another conflict named by `code`)",
        );
    }
    add("429", RATE_LIMITED);
    add("500", "INTERNAL: quote the request id");
    add(
        "503",
        "DB_UNAVAILABLE, TIMEOUT or SHUTTING_DOWN: retry later",
    );
}

/// A response with the error envelope.
fn error_response(description: &str) -> RefOr<openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

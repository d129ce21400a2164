//! The one error type of the HTTP and socket layers, and its JSON form.
//!
//! Every failure a client can see is an [`AppError`] with a stable machine [`Code`]. Internal
//! errors are logged once, here, with their cause chain, and reach clients only as
//! `INTERNAL` with the request id to quote.

use std::{borrow::Cow, time::Duration};

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::store::StoreError;

tokio::task_local! {
    /// The id of the request being served, for error bodies and logs.
    pub static REQUEST_ID: String;
}

/// The request id of the current task, if it serves a request.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Stable, documented error codes. The HTTP status follows from the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum Code {
    BadRequest,
    InvalidJson,
    UnsupportedMediaType,
    Validation,
    PayloadTooLarge,
    QuotaExceeded,
    InvalidAttachment,
    RangeNotSatisfiable,
    Unauthenticated,
    InvalidCredentials,
    Banned,
    Deactivated,
    EmailUnverified,
    TokenInvalid,
    Forbidden,
    ReadOnly,
    Csrf,
    RegistrationClosed,
    NotFound,
    MethodNotAllowed,
    Conflict,
    EmailTaken,
    HandleTaken,
    SlugTaken,
    ClientIdReused,
    AlreadyMember,
    NotMember,
    LastOwner,
    EditWindowPassed,
    StaffEmail,
    ReactionLimit,
    PinLimit,
    RoomArchived,
    PushDisabled,
    RateLimited,
    DbUnavailable,
    ShuttingDown,
    Timeout,
    Internal,
}

impl Code {
    /// The HTTP status that goes with this code.
    pub fn status(self) -> StatusCode {
        use Code::*;
        match self {
            BadRequest | InvalidJson | TokenInvalid => StatusCode::BAD_REQUEST,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Validation => StatusCode::UNPROCESSABLE_ENTITY,
            PayloadTooLarge | QuotaExceeded => StatusCode::PAYLOAD_TOO_LARGE,
            InvalidAttachment => StatusCode::BAD_REQUEST,
            RangeNotSatisfiable => StatusCode::RANGE_NOT_SATISFIABLE,
            Unauthenticated | InvalidCredentials => StatusCode::UNAUTHORIZED,
            Banned | Deactivated | EmailUnverified | Forbidden | ReadOnly | Csrf
            | RegistrationClosed | NotMember | EditWindowPassed => StatusCode::FORBIDDEN,
            NotFound | PushDisabled => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Conflict | EmailTaken | HandleTaken | SlugTaken | ClientIdReused | AlreadyMember
            | LastOwner | StaffEmail | ReactionLimit | PinLimit | RoomArchived => {
                StatusCode::CONFLICT
            }
            RateLimited => StatusCode::TOO_MANY_REQUESTS,
            DbUnavailable | ShuttingDown | Timeout => StatusCode::SERVICE_UNAVAILABLE,
            Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        use Code::*;
        match self {
            BadRequest => "BAD_REQUEST",
            InvalidJson => "INVALID_JSON",
            UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Validation => "VALIDATION",
            PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            QuotaExceeded => "QUOTA_EXCEEDED",
            InvalidAttachment => "INVALID_ATTACHMENT",
            RangeNotSatisfiable => "RANGE_NOT_SATISFIABLE",
            Unauthenticated => "UNAUTHENTICATED",
            InvalidCredentials => "INVALID_CREDENTIALS",
            Banned => "BANNED",
            Deactivated => "DEACTIVATED",
            EmailUnverified => "EMAIL_UNVERIFIED",
            TokenInvalid => "TOKEN_INVALID",
            Forbidden => "FORBIDDEN",
            ReadOnly => "READ_ONLY",
            Csrf => "CSRF",
            RegistrationClosed => "REGISTRATION_CLOSED",
            NotFound => "NOT_FOUND",
            MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Conflict => "CONFLICT",
            EmailTaken => "EMAIL_TAKEN",
            HandleTaken => "HANDLE_TAKEN",
            SlugTaken => "SLUG_TAKEN",
            ClientIdReused => "CLIENT_ID_REUSED",
            AlreadyMember => "ALREADY_MEMBER",
            NotMember => "NOT_MEMBER",
            LastOwner => "LAST_OWNER",
            EditWindowPassed => "EDIT_WINDOW_PASSED",
            StaffEmail => "STAFF_EMAIL",
            ReactionLimit => "REACTION_LIMIT",
            PinLimit => "PIN_LIMIT",
            RoomArchived => "ROOM_ARCHIVED",
            PushDisabled => "PUSH_DISABLED",
            RateLimited => "RATE_LIMITED",
            DbUnavailable => "DB_UNAVAILABLE",
            ShuttingDown => "SHUTTING_DOWN",
            Timeout => "TIMEOUT",
            Internal => "INTERNAL",
        }
    }

    /// True when a client may retry the same request later unchanged.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            Code::RateLimited | Code::DbUnavailable | Code::ShuttingDown | Code::Timeout
        )
    }
}

/// One invalid field of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    /// The field, in the request's own (camelCase) naming; dotted for nested fields.
    pub field: String,
    /// What is wrong with it, for humans.
    pub problem: String,
}

impl FieldProblem {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// Everything that can go wrong while serving a client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The client's fault (or a state it must handle), with a stable code.
    #[error("{code:?}: {message}")]
    Client {
        /// Machine-readable code.
        code: Code,
        /// Human-readable explanation, safe to show.
        message: Cow<'static, str>,
    },
    /// One or more fields failed validation.
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldProblem>),
    /// A quota ran out.
    #[error("rate limited for {retry_after:?}")]
    RateLimited {
        /// When the client may try again.
        retry_after: Duration,
        /// The quota's burst, for `x-ratelimit-limit`.
        limit: u32,
    },
    /// A bug or an outage; logged with its cause, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Shorthand for results of handlers and services.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A client error with a fixed message.
    pub fn new(code: Code, message: impl Into<Cow<'static, str>>) -> Self {
        Self::Client {
            code,
            message: message.into(),
        }
    }

    /// `404 NOT_FOUND` for a missing (or invisible) `what`.
    pub fn not_found(what: &'static str) -> Self {
        Self::new(Code::NotFound, format!("{what} not found"))
    }

    /// `403 FORBIDDEN` with an explanation.
    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Code::Forbidden, message)
    }

    /// `403 READ_ONLY` for observers.
    pub fn read_only() -> Self {
        Self::new(Code::ReadOnly, "this account is read-only")
    }

    /// `422 VALIDATION` for a single field.
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Validation(vec![FieldProblem::new(field, problem)])
    }

    /// The stable code of this error.
    pub fn code(&self) -> Code {
        match self {
            Self::Client { code, .. } => *code,
            Self::Validation(_) => Code::Validation,
            Self::RateLimited { .. } => Code::RateLimited,
            Self::Internal(_) => Code::Internal,
        }
    }

    /// The message shown to clients (never internals).
    pub fn public_message(&self) -> Cow<'static, str> {
        match self {
            Self::Client { message, .. } => message.clone(),
            Self::Validation(_) => "some fields are invalid".into(),
            Self::RateLimited { .. } => "too many requests, slow down".into(),
            Self::Internal(_) => "internal error; quote the request id when reporting it".into(),
        }
    }

    /// The body sent to clients, over HTTP and in socket acks.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            ok: false,
            code: self.code(),
            message: self.public_message().into_owned(),
            request_id: current_request_id(),
            details: match self {
                Self::Validation(details) => Some(details.clone()),
                _ => None,
            },
            retry_after_ms: match self {
                Self::RateLimited { retry_after, .. } => {
                    Some(u64::try_from(retry_after.as_millis()).unwrap_or(u64::MAX))
                }
                _ => None,
            },
        }
    }

    /// Logs internal errors once, with their cause chain.
    pub fn log(&self) {
        if let Self::Internal(err) = self {
            tracing::error!(error = format!("{err:#}"), "internal error");
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                Self::new(
                    Code::DbUnavailable,
                    "the database is unavailable, retry shortly",
                )
            }
            StoreError::Constraint(name) => constraint_error(&name),
            StoreError::Check(name) => check_error(&name),
            StoreError::ForeignKey(name) => {
                tracing::info!(constraint = %name, "foreign key violated");
                Self::new(
                    Code::NotFound,
                    "something this request refers to does not exist (any more)",
                )
            }
            StoreError::InvalidData(sqlstate) => {
                tracing::info!(sqlstate = %sqlstate, "the database refused a value");
                Self::invalid(
                    "request",
                    "holds a value the database cannot store (such as a NUL character)",
                )
            }
            StoreError::Other(err) => Self::Internal(err.into()),
        }
    }
}

/// Maps a named unique-constraint violation to the client error it means; unknown names are
/// a plain `CONFLICT` (the name is logged, never sent).
fn constraint_error(name: &str) -> AppError {
    match name {
        "users_email_key" => AppError::new(Code::EmailTaken, "that e-mail address is taken"),
        "users_handle_key" => AppError::new(Code::HandleTaken, "that handle is taken"),
        "rooms_slug_key" => AppError::new(Code::SlugTaken, "that room slug is taken"),
        "room_members_pkey" => AppError::new(Code::AlreadyMember, "already a member"),
        "messages_author_client_key" => AppError::new(
            Code::ClientIdReused,
            "that clientId was used for another message",
        ),
        other => {
            tracing::info!(constraint = %other, "unique constraint violated");
            AppError::new(Code::Conflict, "conflicts with existing data")
        }
    }
}

/// Maps a CHECK (or NOT NULL) violation to `422 VALIDATION` on the field it guards; the
/// services validate first, so this is the last line of defence, not the usual path.
fn check_error(name: &str) -> AppError {
    let field = match name {
        "users_role_check" | "room_members_role_check" => "role",
        "rooms_kind_check" => "kind",
        "messages_body_check" => "body",
        "tickets_status_check" => "status",
        "tickets_priority_check" => "priority",
        other => {
            tracing::info!(constraint = %other, "check constraint violated");
            "request"
        }
    };
    AppError::invalid(field, "is not an allowed value")
}

/// The JSON body of every error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Always `false`.
    pub ok: bool,
    /// Stable machine-readable code.
    pub code: Code,
    /// Human-readable message.
    pub message: String,
    /// The request id, to quote in reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Invalid fields, for `VALIDATION`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<FieldProblem>>,
    /// When to retry, for `RATE_LIMITED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.code().status();
        let body = self.body();
        let mut response = (status, axum::Json(body)).into_response();
        if let Self::RateLimited { retry_after, limit } = &self {
            let secs = (retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0)).max(1);
            let headers = response.headers_mut();
            for (name, value) in [
                (header::RETRY_AFTER.as_str(), secs.to_string()),
                ("x-ratelimit-limit", limit.to_string()),
                ("x-ratelimit-remaining", "0".to_owned()),
                ("x-ratelimit-reset", secs.to_string()),
            ] {
                if let (Ok(name), Ok(value)) = (
                    header::HeaderName::try_from(name),
                    HeaderValue::from_str(&value),
                ) {
                    headers.insert(name, value);
                }
            }
        }
        if let Self::Internal(err) = &self {
            // The tracing/Sentry layers read this to report the cause with the request.
            response
                .extensions_mut()
                .insert(InternalErrorCause(format!("{err:#}")));
        }
        response
    }
}

/// The cause of a 500, attached to the response for the request log (never sent).
#[derive(Clone, Debug)]
pub struct InternalErrorCause(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_upper_snake() {
        for code in [Code::ReadOnly, Code::DbUnavailable, Code::ClientIdReused] {
            let json = serde_json::to_value(code).unwrap_or_default();
            assert_eq!(json, serde_json::Value::String(code.as_str().into()));
        }
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let err = AppError::Internal(anyhow::anyhow!("password=hunter2 leaked"));
        let body = serde_json::to_string(&err.body()).unwrap_or_default();
        assert!(!body.contains("hunter2"));
        assert!(body.contains("INTERNAL"));
    }
}

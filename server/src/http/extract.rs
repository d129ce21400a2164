//! Extractors whose rejections are [`AppError`]s with stable codes, and the authenticated
//! [`Auth`] extractor with its cross-site write check.

use axum::{
    body::Bytes,
    extract::{
        FromRequest, FromRequestParts, MatchedPath, OptionalFromRequestParts, Request,
        rejection::PathRejection,
    },
    http::{HeaderMap, Method, header, request::Parts},
};
use serde::de::DeserializeOwned;

use crate::{
    domain::policy,
    error::{AppError, Code, FieldProblem, current_request_id},
    service::{
        Actor,
        auth::{self, ClientMeta},
    },
    state::AppState,
    wire::{bearer_token, check_origin, client_ip, cookie, has_nul_escape, nul_path, nul_problem},
};

/// A JSON body: requires `application/json`, maps syntax errors to `INVALID_JSON` (400), type
/// and shape errors (and NUL characters in strings) to `VALIDATION` (422) with the offending
/// field, and oversized bodies to `PAYLOAD_TOO_LARGE` (413).
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(AppError::new(
                Code::UnsupportedMediaType,
                "send the body as application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::new(Code::PayloadTooLarge, "the request body is too large")
            } else {
                AppError::new(Code::BadRequest, "could not read the request body")
            }
        })?;
        parse_json(&bytes).map(Json)
    }
}

/// Parses JSON, sorting errors into syntax (400) and shape (422) problems. Strings may not
/// contain NUL (`\u0000`): PostgreSQL cannot store it, and no field of this API needs it.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => AppError::Validation(vec![FieldProblem::new(
                if path == "." { "body".to_owned() } else { path },
                strip_location(&inner.to_string()),
            )]),
            _ => AppError::new(
                Code::InvalidJson,
                format!("malformed JSON: {}", strip_location(&inner.to_string())),
            ),
        }
    })?;
    deserializer
        .end()
        .map_err(|_| AppError::new(Code::InvalidJson, "malformed JSON: trailing characters"))?;
    if has_nul_escape(bytes) {
        let field = serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .and_then(|value| nul_path(&value, String::new()))
            .unwrap_or_default();
        return Err(nul_problem(if field.is_empty() { "body" } else { &field }));
    }
    Ok(value)
}

/// serde_json appends " at line X column Y"; clients need the problem, not our parser state.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim();
            mime.eq_ignore_ascii_case("application/json")
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
}

/// Path parameters; a malformed id is reported as a missing resource (404).
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);

impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> Self {
        AppError::new(
            Code::NotFound,
            format!("not found ({})", rejection.body_text()),
        )
    }
}

/// Query parameters; malformed ones are a 400 naming the problem, NUL characters a 422
/// `VALIDATION` naming the parameter. Empty values (`?status=`, as forms send for "any")
/// count as absent.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let bad = |e: &dyn std::fmt::Display| {
            AppError::new(Code::BadRequest, format!("invalid query string: {e}"))
        };
        let raw = parts.uri.query().unwrap_or_default();
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw).map_err(|e| bad(&e))?;
        if let Some((key, _)) = pairs
            .iter()
            .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(nul_problem(key));
        }
        let kept: Vec<(String, String)> =
            pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        let query = serde_urlencoded::to_string(&kept).map_err(|e| bad(&e))?;
        serde_urlencoded::from_str(&query)
            .map(Query)
            .map_err(|e| bad(&e))
    }
}

/// The client's address: the TCP peer (proxies are trusted in the ops layer, not here).
#[derive(Clone, Debug)]
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(client_ip(parts)))
    }
}

/// Where a sign-in comes from: the client's address (as [`ClientIp`]) and user agent, for
/// the session it opens.
pub struct Client(pub ClientMeta);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let user_agent = parts.headers.get(header::USER_AGENT);
        Ok(Self(ClientMeta {
            ip: client_ip(parts),
            user_agent: user_agent.and_then(|v| v.to_str().ok()).map(str::to_owned),
            ticket_scope: None,
        }))
    }
}

/// The signed-in user (session cookie or `Authorization: Bearer`), not banned, with the
/// request's address and id. Cookie-authenticated writes must come from an allowed origin.
pub struct Auth(pub Actor);

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let (token, via_cookie) = match bearer_token(&parts.headers) {
            Some(token) => (token, false),
            None => (
                cookie(&parts.headers, state.config.session_cookie_name())
                    .ok_or_else(|| AppError::new(Code::Unauthenticated, "sign in first"))?,
                true,
            ),
        };
        if via_cookie && !is_safe(&parts.method) {
            check_origin(state.config.allowed_origins(), &parts.headers)?;
        }
        let session = auth::authenticate(&state.ctx, &token).await?;
        if let Some(scope) = session.ticket_scope {
            check_link_scope(parts, scope)?;
        }
        tracing::Span::current().record("user_id", tracing::field::display(session.user.id));
        let user_id = session.user.id.to_string();
        sentry::configure_scope(|scope| {
            scope.set_user(Some(sentry::User {
                id: Some(user_id.clone()),
                ..sentry::User::default()
            }));
            scope.set_tag("user_id", user_id);
        });
        Ok(Self(Actor {
            user: session.user,
            session_id: Some(session.session_id),
            ip: client_ip(parts),
            request_id: current_request_id(),
            scope: session.ticket_scope,
        }))
    }
}

/// `Option<Auth>`: `None` for a visitor who is not signed in (no session, or one that ended),
/// so a probe of "who am I" can answer them without an error; other refusals (a ban, a
/// follow link outside its ticket) stay errors.
impl OptionalFromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, AppError> {
        match <Self as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(auth) => Ok(Some(auth)),
            Err(err) if err.code() == Code::Unauthenticated => Ok(None),
            Err(err) => Err(err),
        }
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Holds a follow-link session to the routes of its ticket (the one place this is decided
/// for REST: [`policy::link_session_allows`]).
fn check_link_scope(parts: &Parts, scope: crate::domain::Id) -> Result<(), AppError> {
    let route = parts
        .extensions
        .get::<MatchedPath>()
        .map(|p| p.as_str().trim_start_matches("/api/v1").to_owned())
        .unwrap_or_default();
    let path = parts.uri.path().trim_start_matches("/api/v1");
    if policy::link_session_allows(parts.method.as_str(), &route, path, scope) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "a ticket's link opens that ticket only; sign in for the rest",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_are_classified() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Body {
            name: String,
        }
        let syntax = parse_json::<Body>(b"{").err().map(|e| e.code());
        assert_eq!(syntax, Some(Code::InvalidJson));
        let data = parse_json::<Body>(br#"{"name": 1}"#).err();
        match data {
            Some(AppError::Validation(problems)) => assert_eq!(problems[0].field, "name"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn nul_characters_are_refused_by_field() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Body {
            name: String,
            tags: Vec<String>,
        }
        let field = |json: &str| match parse_json::<Body>(json.as_bytes()) {
            Err(AppError::Validation(problems)) => Some(problems[0].field.clone()),
            _ => None,
        };
        assert_eq!(
            field(r#"{"name": "a\u0000b", "tags": []}"#).as_deref(),
            Some("name")
        );
        assert_eq!(
            field(r#"{"name": "a", "tags": ["x", "\u0000"]}"#).as_deref(),
            Some("tags[1]")
        );
        // An escaped backslash followed by "u0000" is plain text.
        assert!(parse_json::<Body>(br#"{"name": "a\\u0000", "tags": []}"#).is_ok());
    }
}

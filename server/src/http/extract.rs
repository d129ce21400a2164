//! Extractors whose rejections are [`AppError`]s with stable codes, and the authenticated
//! [`Auth`] extractor with its cross-site write check.

use std::net::SocketAddr;

use axum::{
    body::Bytes,
    extract::{
        ConnectInfo, FromRequest, FromRequestParts, MatchedPath, Request, rejection::PathRejection,
    },
    http::{HeaderMap, Method, header, request::Parts},
};
use serde::de::DeserializeOwned;

use crate::{
    app::AppState,
    domain::policy,
    error::{AppError, Code, FieldProblem, current_request_id},
    service::{Actor, auth},
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

/// True when valid JSON text holds a `\u0000` escape (raw control characters are already a
/// syntax error). Outside strings JSON has no backslashes, so escapes pair up from the start.
fn has_nul_escape(json: &[u8]) -> bool {
    let mut i = 0;
    while i < json.len() {
        if json[i] == b'\\' {
            if json.get(i + 1..i + 6) == Some(b"u0000".as_slice()) {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// The dotted path of the first string (or key) holding a NUL, as serde_path_to_error names
/// fields.
fn nul_path(value: &serde_json::Value, path: String) -> Option<String> {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        serde_json::Value::String(s) if s.contains('\0') => Some(path),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_path(item, format!("{path}[{i}]"))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                Some(path.clone())
            } else {
                nul_path(item, join(key))
            }
        }),
        _ => None,
    }
}

/// Refuses a parsed JSON value holding a NUL character in any string or key (socket event
/// payloads arrive parsed).
pub fn reject_nul(value: &serde_json::Value) -> Result<(), AppError> {
    match nul_path(value, String::new()) {
        Some(field) => Err(nul_problem(if field.is_empty() {
            "payload"
        } else {
            &field
        })),
        None => Ok(()),
    }
}

/// `422 VALIDATION`: `field` holds a NUL character.
fn nul_problem(field: &str) -> AppError {
    AppError::invalid(field, "must not contain NUL characters")
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

/// The address a request came from.
pub fn client_ip(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<crate::ops::ClientAddr>()
        .map(|addr| addr.0.to_string())
        .or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip().to_string())
        })
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
            check_origin(&state.config, &parts.headers)?;
        }
        let session = auth::authenticate(state, &token).await?;
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

/// Refuses cookie-authenticated writes (and socket handshakes) from other sites: the `Origin`,
/// when sent, must be an allowed origin; without it, `Sec-Fetch-Site` must not say
/// `cross-site`.
pub fn check_origin(config: &crate::config::Config, headers: &HeaderMap) -> Result<(), AppError> {
    let csrf = || AppError::new(Code::Csrf, "cross-site request refused");
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().map_err(|_| csrf())?.trim_end_matches('/');
        return if config.allowed_origins().any(|allowed| allowed == origin) {
            Ok(())
        } else {
            Err(csrf())
        };
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some("cross-site") => Err(csrf()),
        _ => Ok(()),
    }
}

/// The token of `Authorization: Bearer <token>`.
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// A cookie's value from the `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_owned())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn finds_tokens() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; sb_session=tok; b=2"),
        );
        assert_eq!(cookie(&headers, "sb_session").as_deref(), Some("tok"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(bearer_token(&headers).as_deref(), Some("abc"));
    }

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

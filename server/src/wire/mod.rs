//! What both transports (REST and Socket.IO) read off a request the same way: the session
//! token (cookie or `Authorization: Bearer`), the client's address, the cross-site check of
//! cookie-authenticated requests, and the refusal of NUL characters in JSON.

use std::net::SocketAddr;

use axum::{
    extract::ConnectInfo,
    http::{HeaderMap, header, request::Parts},
};

use crate::error::{AppError, Code};

pub mod proxy;

/// The client's address as the server trusts it (the TCP peer, or the address a trusted proxy
/// reported), put in request extensions by the request middleware.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub std::net::IpAddr);

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

/// The address a request came from.
pub fn client_ip(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<ClientAddr>()
        .map(|addr| addr.0.to_string())
        .or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip().to_string())
        })
}

/// Refuses cookie-authenticated writes (and socket handshakes) from other sites: the `Origin`,
/// when sent, must be an allowed origin; without it, `Sec-Fetch-Site` must not say
/// `cross-site`.
pub fn check_origin<'a>(
    allowed: impl IntoIterator<Item = &'a str>,
    headers: &HeaderMap,
) -> Result<(), AppError> {
    let csrf = || AppError::new(Code::Csrf, "cross-site request refused");
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().map_err(|_| csrf())?.trim_end_matches('/');
        return if allowed.into_iter().any(|allowed| allowed == origin) {
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
pub(crate) fn nul_problem(field: &str) -> AppError {
    AppError::invalid(field, "must not contain NUL characters")
}

/// True when valid JSON text holds a `\u0000` escape (raw control characters are already a
/// syntax error). Outside strings JSON has no backslashes, so escapes pair up from the start.
pub(crate) fn has_nul_escape(json: &[u8]) -> bool {
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
pub(crate) fn nul_path(value: &serde_json::Value, path: String) -> Option<String> {
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
    fn foreign_origins_are_refused() {
        let allowed = ["https://chat.example.com"];
        let mut headers = HeaderMap::new();
        assert!(check_origin(allowed, &headers).is_ok());
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(check_origin(allowed, &headers).is_err());
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://chat.example.com/"),
        );
        assert!(check_origin(allowed, &headers).is_ok());
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(check_origin(allowed, &headers).is_err());
    }
}

//! The web client, embedded in the binary (`web/dist`, built by the crate's build script): files
//! by path, `index.html` for every other page (client-side routing), and the security headers
//! of an app that talks only to its own origin.

use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

use crate::error::{AppError, Code};

/// The built client.
#[derive(RustEmbed)]
#[folder = "$CARGO_MANIFEST_DIR/../web/dist"]
#[allow_missing = true]
struct Assets;

/// The service worker (`web/public/sw.js`): shows Web Push notifications.
const SERVICE_WORKER: &str = "sw.js";

/// Lets the service worker control every page of the origin.
const SERVICE_WORKER_ALLOWED: &str = "service-worker-allowed";

/// Shown when the binary was built without the client (no Node.js at build time).
const PLACEHOLDER: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Switchboard</title></head><body><h1>Switchboard</h1><p>The API is running, but this \
binary was built without the web client. Install Node.js 20+ and rebuild (<code>cargo build \
--release</code> builds <code>web/</code>), or use the API at <code>/api/v1</code>.</p></body></html>";

/// Serves a file of the client, or `index.html` for client-side routes. Every answer has an
/// `ETag` (the file's SHA-256, embedded at build time) and a matching `If-None-Match` gets
/// `304 Not Modified`; brotli or gzip comes from the compression layer around the app.
pub async fn serve(method: Method, uri: Uri, request: HeaderMap, csp: String) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") || path == "/api" || path.starts_with("/socket.io") {
        return AppError::new(Code::NotFound, format!("no route for {path}")).into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return AppError::new(Code::MethodNotAllowed, "the web client only answers GET")
            .into_response();
    }
    let file = path.trim_start_matches('/');
    if let Some(asset) = Assets::get(file).filter(|_| !file.is_empty()) {
        let immutable = file.starts_with("assets/");
        let mime = match file {
            // Browsers register a service worker only when served as JavaScript.
            SERVICE_WORKER => "text/javascript; charset=utf-8",
            "manifest.webmanifest" => "application/manifest+json",
            _ => asset.metadata.mimetype(),
        };
        let page = Page {
            etag: etag(&asset.metadata.sha256_hash()),
            mime,
            immutable,
            csp: None,
        };
        let mut response = page.respond(&request, asset.data.into_owned());
        if file == SERVICE_WORKER {
            // The worker handles pushes for the whole app, not only `/sw.js`'s directory.
            response
                .headers_mut()
                .insert(SERVICE_WORKER_ALLOWED, HeaderValue::from_static("/"));
        }
        return response;
    }
    if file.starts_with("assets/") {
        return AppError::new(Code::NotFound, "no such asset").into_response();
    }
    let (hash, body) = match Assets::get("index.html") {
        Some(index) => (index.metadata.sha256_hash(), index.data.into_owned()),
        None => (
            Sha256::digest(PLACEHOLDER.as_bytes()).into(),
            PLACEHOLDER.as_bytes().to_vec(),
        ),
    };
    Page {
        etag: etag(&hash),
        mime: "text/html; charset=utf-8",
        immutable: false,
        csp: Some(csp.as_str()),
    }
    .respond(&request, body)
}

/// How one file of the client is sent.
struct Page<'a> {
    /// Its validator.
    etag: String,
    /// `Content-Type`.
    mime: &'a str,
    /// True for content-hashed build assets, cached for a year; the rest is revalidated.
    immutable: bool,
    /// The page's Content-Security-Policy (HTML only).
    csp: Option<&'a str>,
}

impl Page<'_> {
    /// The file, or `304` without a body when the browser's copy is current.
    fn respond(&self, request: &HeaderMap, body: Vec<u8>) -> Response {
        let current = matches_etag(request, &self.etag);
        let mut response = if current {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            (StatusCode::OK, Body::from(body)).into_response()
        };
        let headers = response.headers_mut();
        if !current {
            insert(headers, header::CONTENT_TYPE, self.mime);
        }
        insert(headers, header::ETAG, &self.etag);
        insert(
            headers,
            header::CACHE_CONTROL,
            if self.immutable {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            },
        );
        if let Some(csp) = self.csp {
            insert(headers, header::CONTENT_SECURITY_POLICY, csp);
        }
        response
    }
}

/// A weak validator from a file's SHA-256: weak because compression changes the bytes sent,
/// not the file.
fn etag(sha256: &[u8; 32]) -> String {
    format!("W/\"{}\"", URL_SAFE_NO_PAD.encode(&sha256[..18]))
}

/// True when an `If-None-Match` of the request names `etag` (weak comparison, RFC 9110
/// 13.1.2) or is `*`.
fn matches_etag(request: &HeaderMap, etag: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim() == "*" || opaque(tag) == opaque(etag))
}

fn insert(headers: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// The Content-Security-Policy of the client: its own origin only, plus the Sentry ingest
/// host when the browser reports errors.
pub fn content_security_policy(sentry_dsn: Option<&str>) -> String {
    let sentry = sentry_dsn
        .and_then(dsn_origin)
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'{sentry}; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// `https://key@o1.ingest.sentry.io/2` -> `https://o1.ingest.sentry.io`.
fn dsn_origin(dsn: &str) -> Option<String> {
    let (scheme, rest) = dsn.split_once("://")?;
    let host = rest.split('@').next_back()?.split('/').next()?;
    (!host.is_empty() && (scheme == "https" || scheme == "http"))
        .then(|| format!("{scheme}://{host}"))
}

/// Headers every response carries.
pub fn security_headers() -> [(header::HeaderName, HeaderValue); 4] {
    [
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ),
        (
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly() {
        let tag = etag(&[7; 32]);
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static(value));
            headers
        };
        assert!(tag.starts_with("W/\"") && tag.ends_with('"'));
        assert!(matches_etag(&with("*"), &tag));
        assert!(!matches_etag(&with("\"other\""), &tag));
        assert!(!matches_etag(&HeaderMap::new(), &tag));
        let strong = tag.trim_start_matches("W/").to_owned();
        let listed = format!("\"other\", {strong}");
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&listed).unwrap_or_else(|e| panic!("{e}")),
        );
        assert!(matches_etag(&headers, &tag));
    }

    #[test]
    fn csp_allows_only_the_sentry_host() {
        let csp = content_security_policy(Some("https://abc@o42.ingest.sentry.io/7"));
        assert!(csp.contains("connect-src 'self' https://o42.ingest.sentry.io;"));
        assert!(!content_security_policy(None).contains("sentry"));
        assert_eq!(dsn_origin("not a dsn"), None);
    }
}

//! Sentry: server errors, panics, failing socket handlers and background jobs, with release and
//! environment, and with cookies, `Authorization` and tokens scrubbed before anything leaves.
//!
//! Initialised in `main` before the runtime starts (Sentry's panic handler and transport must
//! exist before any task runs); off when `SENTRY_DSN` is unset.

use std::{
    borrow::Cow,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use sentry::{
    ClientInitGuard,
    protocol::{Breadcrumb, Event, Map, Value},
};

use crate::config::Config;

/// Header and field names whose values never leave the server.
const SECRET_KEYS: &[&str] = &[
    "authorization",
    "cookie",
    "set-cookie",
    "token",
    "password",
    "secret",
    "dsn",
    "api_key",
    "apikey",
];

/// The release name: `switchboard@<version>+<git sha>` (the sha when the build knew it).
pub fn release() -> String {
    match option_env!("SWITCHBOARD_GIT_SHA") {
        Some(sha) => format!("switchboard@{}+{sha}", env!("CARGO_PKG_VERSION")),
        None => format!("switchboard@{}", env!("CARGO_PKG_VERSION")),
    }
}

/// True once Sentry runs with a traces sample rate above 0 (spans then become transactions).
static TRACING: AtomicBool = AtomicBool::new(false);

/// Whether requests and socket events are traced to Sentry (see [`init`]).
pub fn tracing_enabled() -> bool {
    TRACING.load(Ordering::Relaxed)
}

/// Starts Sentry when `SENTRY_DSN` is set; keep the guard alive until exit (it flushes).
pub fn init(config: &Config) -> Result<Option<ClientInitGuard>, String> {
    let Some(dsn) = &config.ops.sentry_dsn else {
        return Ok(None);
    };
    let dsn: sentry::types::Dsn = dsn
        .expose()
        .parse()
        .map_err(|e| format!("SENTRY_DSN: {e}"))?;
    let mut options =
        sentry::ClientOptions::new().traces_sample_rate(config.ops.sentry_traces_sample_rate);
    options.dsn = Some(dsn);
    options.release = Some(Cow::Owned(release()));
    options.environment = Some(Cow::Owned(config.ops.sentry_environment.clone()));
    options.send_default_pii = false;
    options.attach_stacktrace = true;
    options.shutdown_timeout = std::time::Duration::from_secs(3);
    options.before_send = Some(Arc::new(|event| Some(scrub_event(event))));
    options.before_breadcrumb = Some(Arc::new(|crumb| Some(scrub_breadcrumb(crumb))));
    TRACING.store(config.sentry_tracing(), Ordering::Relaxed);
    Ok(Some(sentry::init(options)))
}

fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_KEYS.iter().any(|secret| key.contains(secret))
}

/// Removes credentials from an event: request headers, cookies, query tokens, extra data.
pub fn scrub_event(mut event: Event<'static>) -> Event<'static> {
    if let Some(request) = event.request.as_mut() {
        request.cookies = None;
        request.headers.retain(|name, _| !is_secret(name));
        if let Some(query) = request.query_string.as_mut() {
            *query = scrub_query(query);
        }
        if let Some(url) = request.url.as_mut()
            && url.query().is_some()
        {
            let scrubbed = scrub_query(url.query().unwrap_or_default());
            url.set_query(Some(&scrubbed));
        }
        request.data = None;
    }
    if let Some(message) = event.message.as_mut() {
        *message = scrub_text(message);
    }
    for exception in &mut event.exception.values {
        if let Some(value) = exception.value.as_mut() {
            *value = scrub_text(value);
        }
    }
    scrub_map(&mut event.extra);
    for context in event.contexts.values_mut() {
        if let sentry::protocol::Context::Other(map) = context {
            scrub_map(map);
        }
    }
    event
}

fn scrub_breadcrumb(mut crumb: Breadcrumb) -> Breadcrumb {
    if let Some(message) = crumb.message.as_mut() {
        *message = scrub_text(message);
    }
    scrub_map(&mut crumb.data);
    crumb
}

/// Blanks the value of every `token=` in free text (links in log lines and errors: follow
/// links, password resets, invitations), up to the next `&`, quote or white space.
pub fn scrub_text(text: &str) -> String {
    const KEY: &str = "token=";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(KEY) {
        out.push_str(&rest[..at + KEY.len()]);
        rest = &rest[at + KEY.len()..];
        let end = rest
            .find(|c: char| c == '&' || c == '"' || c == '\'' || c.is_whitespace())
            .unwrap_or(rest.len());
        if end > 0 {
            out.push_str("[scrubbed]");
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn scrub_map(map: &mut Map<String, Value>) {
    for (key, value) in map.iter_mut() {
        if is_secret(key) {
            *value = Value::String("[scrubbed]".into());
        } else if let Value::Object(inner) = value {
            let mut nested: Map<String, Value> = std::mem::take(inner).into_iter().collect();
            scrub_map(&mut nested);
            *inner = nested.into_iter().collect();
        }
    }
}

fn scrub_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if is_secret(key) => format!("{key}=[scrubbed]"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_scrubbed() {
        let mut event = Event::default();
        let mut request = sentry::protocol::Request::default();
        request
            .headers
            .insert("Authorization".into(), "Bearer abc".into());
        request
            .headers
            .insert("Cookie".into(), "sb_session=abc".into());
        request
            .headers
            .insert("Accept".into(), "application/json".into());
        request.query_string = Some("token=abc&q=hello".into());
        event.request = Some(request);
        event.extra.insert("password".into(), "hunter2".into());
        let event = scrub_event(event);
        let request = event.request.unwrap_or_default();
        assert_eq!(request.headers.len(), 1);
        assert_eq!(
            request.query_string.as_deref(),
            Some("token=[scrubbed]&q=hello")
        );
        assert_eq!(
            event.extra.get("password"),
            Some(&Value::String("[scrubbed]".into()))
        );
    }

    #[test]
    fn links_in_text_lose_their_tokens() {
        assert_eq!(
            scrub_text("open https://x.example/support/follow?token=abc123&x=1 now"),
            "open https://x.example/support/follow?token=[scrubbed]&x=1 now"
        );
        assert_eq!(
            scrub_text("reset?token=zzz\nand token=yyy"),
            "reset?token=[scrubbed]\nand token=[scrubbed]"
        );
        assert_eq!(scrub_text("no secrets here"), "no secrets here");
        let crumb = Breadcrumb {
            message: Some("mail body: /reset-password?token=secret-value".into()),
            ..Breadcrumb::default()
        };
        assert!(
            !scrub_breadcrumb(crumb)
                .message
                .unwrap_or_default()
                .contains("secret-value")
        );
    }
}

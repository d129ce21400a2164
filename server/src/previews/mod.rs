//! The link preview fetcher: fetches a page (and its image) for a message's preview without
//! letting a message author reach anything but public web servers.
//!
//! - http and https only, no credentials in URLs, no proxy;
//! - every host name is resolved by [`guard::Resolver`], which keeps public addresses only, and
//!   IP literals are checked before connecting ([`guard::check_url`]); the peer of each
//!   response is checked again;
//! - redirects are followed by hand, at most [`MAX_REDIRECTS`], each hop checked the same way;
//! - [`TIMEOUT`] for the whole fetch, at most [`MAX_HTML`] of HTML and [`MAX_IMAGE`] of image;
//! - an honest `User-Agent` ([`USER_AGENT`]).

pub mod guard;
pub mod html;

use std::{sync::Arc, time::Duration};

use reqwest::{StatusCode, header};

pub use guard::{AllowList, Refused};

/// At most this many redirects.
pub const MAX_REDIRECTS: usize = 3;
/// The whole fetch of a page (or of an image), redirects included.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// The most HTML read; a larger page gets no preview.
pub const MAX_HTML: usize = 1024 * 1024;
/// The largest preview image.
pub const MAX_IMAGE: usize = 5 * 1024 * 1024;
/// What the fetcher says it is.
pub const USER_AGENT: &str = concat!(
    "Switchboard-LinkPreview/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/switchboard-chat/switchboard; link previews of chat messages)"
);

/// Why a fetch gave nothing.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URL (or a redirect) leads somewhere the fetcher may not go.
    #[error("refused: {0}")]
    Refused(#[from] Refused),
    /// More than [`MAX_REDIRECTS`] redirects.
    #[error("too many redirects")]
    TooManyRedirects,
    /// The body is larger than allowed.
    #[error("the response is larger than {0} bytes")]
    TooLarge(usize),
    /// Not the kind of content asked for.
    #[error("unexpected content type {0}")]
    ContentType(String),
    /// An answer other than 2xx (after redirects).
    #[error("the server answered {0}")]
    Status(StatusCode),
    /// Connection, TLS, timeout or a malformed URL.
    #[error("{0}")]
    Network(String),
}

/// A fetched body.
#[derive(Debug)]
pub struct Fetched {
    /// The URL it came from, after redirects.
    pub url: url::Url,
    /// Its content type (without parameters, lower-cased).
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

/// The page metadata of a fetched page.
#[derive(Debug)]
pub struct PagePreview {
    /// Where the page ended up (after redirects).
    pub url: url::Url,
    /// Title, description, site name and image.
    pub meta: html::PageMeta,
    /// The image URL, absolute, when there is one.
    pub image: Option<url::Url>,
}

/// Fetches pages and images for previews; cheap to clone.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    allow: AllowList,
    timeout: Duration,
}

impl Fetcher {
    /// A fetcher honouring the allow list (`LINK_PREVIEW_ALLOW`).
    pub fn new(allow: AllowList) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(guard::Resolver::new(allow.clone())))
            .connect_timeout(TIMEOUT)
            .timeout(TIMEOUT)
            .user_agent(USER_AGENT)
            .referer(false)
            .build()
            .map_err(|e| format!("link preview client: {e}"))?;
        Ok(Self {
            client,
            allow,
            timeout: TIMEOUT,
        })
    }

    /// Fetches `url` and reads its metadata; `None`-like errors mean no preview.
    pub async fn page(&self, url: &str) -> Result<PagePreview, FetchError> {
        let url = url::Url::parse(url).map_err(|e| FetchError::Network(e.to_string()))?;
        let fetched = self
            .fetch(
                url,
                MAX_HTML,
                "text/html,application/xhtml+xml;q=0.9",
                |ct| ct == "text/html" || ct == "application/xhtml+xml",
            )
            .await?;
        let text = String::from_utf8_lossy(&fetched.body);
        let meta = html::parse(&text);
        let image = meta
            .image
            .as_deref()
            .and_then(|src| fetched.url.join(src).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"));
        Ok(PagePreview {
            url: fetched.url,
            meta,
            image,
        })
    }

    /// Fetches an image of at most [`MAX_IMAGE`] bytes.
    pub async fn image(&self, url: url::Url) -> Result<Fetched, FetchError> {
        self.fetch(url, MAX_IMAGE, "image/*", |ct| ct.starts_with("image/"))
            .await
    }

    async fn fetch(
        &self,
        url: url::Url,
        max: usize,
        accept: &str,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<Fetched, FetchError> {
        tokio::time::timeout(self.timeout, self.fetch_inner(url, max, accept, wanted))
            .await
            .map_err(|_| FetchError::Network("timed out".into()))?
    }

    async fn fetch_inner(
        &self,
        mut url: url::Url,
        max: usize,
        accept: &str,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<Fetched, FetchError> {
        let mut hops = 0;
        let mut response = loop {
            guard::check_url(&url, &self.allow)?;
            let response = self
                .client
                .get(url.clone())
                .header(header::ACCEPT, accept)
                .send()
                .await
                .map_err(|e| network(&e))?;
            guard::check_peer(&url, response.remote_addr(), &self.allow)?;
            if !response.status().is_redirection() {
                break response;
            }
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .ok_or(FetchError::Status(response.status()))?;
            hops += 1;
            if hops > MAX_REDIRECTS {
                return Err(FetchError::TooManyRedirects);
            }
            url = url
                .join(location)
                .map_err(|e| FetchError::Network(format!("bad redirect: {e}")))?;
        };
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status()));
        }
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_default();
        if !wanted(&content_type) {
            return Err(FetchError::ContentType(content_type));
        }
        if response
            .content_length()
            .is_some_and(|n| n > u64::try_from(max).unwrap_or(u64::MAX))
        {
            return Err(FetchError::TooLarge(max));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| network(&e))? {
            if body.len() + chunk.len() > max {
                return Err(FetchError::TooLarge(max));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            url,
            content_type,
            body,
        })
    }
}

fn network(err: &reqwest::Error) -> FetchError {
    // The chain says why (refused by the resolver, TLS, reset); the URL is in the job already.
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    FetchError::Network(text)
}

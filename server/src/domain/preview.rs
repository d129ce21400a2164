//! Link previews: which URL of a message gets one, and the preview as it is stored.

use serde::{Deserialize, Serialize};

use super::Id;

/// Longest URL that gets a preview.
pub const MAX_URL: usize = 2048;

/// A message's link preview as stored in its `preview` column. One the author removed is kept
/// as `{url, removed: true}`, so the same URL is not fetched again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredPreview {
    /// The URL the preview is of (as written in the message).
    pub url: String,
    /// The page's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The page's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The site's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_name: Option<String>,
    /// The page's image, stored as an upload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_upload_id: Option<Id>,
    /// True once the author removed it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
}

impl StoredPreview {
    /// The marker of a removed preview of `url`.
    pub fn removed(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            removed: true,
            ..Self::default()
        }
    }

    /// Reads a stored value; anything unreadable is no preview.
    pub fn from_json(value: &serde_json::Value) -> Option<Self> {
        serde_json::from_value(value.clone()).ok()
    }
}

/// The first `http(s)` URL of a message body outside code spans and code blocks, if any.
pub fn first_url(body: &str) -> Option<String> {
    let text = without_code(body);
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while from < lower.len() {
        let rest = &lower[from..];
        let found = [rest.find("https://"), rest.find("http://")]
            .into_iter()
            .flatten()
            .min()?;
        let start = from + found;
        from = start + 7;
        // A scheme glued to a word (`xhttp://`) is not a link.
        let glued = text[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '/' || c == '@');
        if glued {
            continue;
        }
        let end = text[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`'))
            .map_or(text.len(), |n| start + n);
        let candidate = trim_trailing(&text[start..end]);
        if candidate.len() > MAX_URL {
            continue;
        }
        if let Ok(url) = url::Url::parse(candidate)
            && matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some_and(|h| !h.is_empty())
        {
            return Some(candidate.to_owned());
        }
    }
    None
}

/// Drops punctuation that ends a sentence rather than the URL, and a closing bracket without
/// its opening one (`(see https://x.example/a)`).
fn trim_trailing(url: &str) -> &str {
    let mut url = url;
    loop {
        let Some(last) = url.chars().next_back() else {
            return url;
        };
        let drop = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' | '_' | '~' => true,
            ')' => url.matches('(').count() < url.matches(')').count(),
            ']' => url.matches('[').count() < url.matches(']').count(),
            _ => false,
        };
        if !drop {
            return url;
        }
        url = &url[..url.len() - last.len_utf8()];
    }
}

/// The body with fenced code blocks and inline code spans blanked out (byte offsets kept).
fn without_code(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut in_block = false;
    for line in body.split_inclusive('\n') {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            out.push_str(&blank(line));
            continue;
        }
        if in_block {
            out.push_str(&blank(line));
            continue;
        }
        let mut in_span = false;
        for c in line.chars() {
            if c == '`' {
                in_span = !in_span;
                out.push(' ');
            } else if in_span {
                out.push_str(&" ".repeat(c.len_utf8()));
            } else {
                out.push(c);
            }
        }
    }
    out
}

fn blank(line: &str) -> String {
    line.chars()
        .map(|c| {
            if c == '\n' {
                "\n".to_owned()
            } else {
                " ".repeat(c.len_utf8())
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::first_url;

    #[test]
    fn finds_the_first_link_outside_code() {
        assert_eq!(
            first_url("see https://example.com/a?b=c.").as_deref(),
            Some("https://example.com/a?b=c")
        );
        assert_eq!(
            first_url("(at http://example.com/x_(y)) and https://b.example").as_deref(),
            Some("http://example.com/x_(y)")
        );
        assert_eq!(
            first_url("`https://code.example` then HTTPS://Real.example/").as_deref(),
            Some("HTTPS://Real.example/")
        );
        assert_eq!(
            first_url("```\nhttps://block.example\n```\nno link here"),
            None
        );
        assert_eq!(first_url("ftp://x.example javascript:alert(1)"), None);
        assert_eq!(first_url("xhttp://glued.example"), None);
        assert_eq!(first_url("http://"), None);
    }
}

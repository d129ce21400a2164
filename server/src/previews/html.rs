//! A small, tolerant reader of the page metadata a preview needs: Open Graph `<meta
//! property="og:...">` tags, `<meta name="description">` and `<title>`. It does not build a
//! document: it scans tags, skipping comments, scripts and styles.

/// What a page says about itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageMeta {
    /// `og:title`, else `<title>`.
    pub title: Option<String>,
    /// `og:description`, else `<meta name="description">`.
    pub description: Option<String>,
    /// `og:site_name`.
    pub site_name: Option<String>,
    /// `og:image` (as written: may be relative).
    pub image: Option<String>,
}

/// Longest title kept (characters).
const MAX_TITLE: usize = 300;
/// Longest description kept (characters).
const MAX_DESCRIPTION: usize = 1000;

/// Reads the metadata of `html`.
pub fn parse(html: &str) -> PageMeta {
    let lower = html.to_ascii_lowercase();
    let (mut og_title, mut og_description, mut site_name, mut image) = (None, None, None, None);
    let (mut title, mut description) = (None, None);
    let mut at = 0;
    while let Some(found) = lower[at..].find('<') {
        let start = at + found;
        let rest = &lower[start..];
        if rest.starts_with("<!--") {
            at = rest.find("-->").map_or(lower.len(), |end| start + end + 3);
            continue;
        }
        if let Some(skipped) = ["script", "style", "noscript", "template"]
            .iter()
            .find(|t| is_tag(rest, t))
        {
            let close = format!("</{skipped}");
            at = rest
                .find(&close)
                .map_or(lower.len(), |end| start + end + close.len());
            continue;
        }
        let Some(tag_end) = tag_end(&lower, start) else {
            break;
        };
        if is_tag(rest, "title") && title.is_none() {
            let content_start = tag_end + 1;
            let content_end = lower[content_start..]
                .find("</title")
                .map_or(lower.len(), |n| content_start + n);
            title = clean(&html[content_start..content_end], MAX_TITLE);
            at = content_end;
            continue;
        }
        if is_tag(rest, "meta") {
            let attrs = attributes(&html[start + 5..tag_end]);
            let key = attrs
                .iter()
                .find(|(n, _)| n == "property" || n == "name")
                .map(|(_, v)| v.to_ascii_lowercase());
            let content = attrs.iter().find(|(n, _)| n == "content").map(|(_, v)| v);
            if let (Some(key), Some(content)) = (key, content) {
                let slot = match key.as_str() {
                    "og:title" => Some((&mut og_title, MAX_TITLE)),
                    "og:description" => Some((&mut og_description, MAX_DESCRIPTION)),
                    "og:site_name" => Some((&mut site_name, MAX_TITLE)),
                    "og:image" | "og:image:url" | "og:image:secure_url" => {
                        Some((&mut image, crate::domain::preview::MAX_URL))
                    }
                    "description" => Some((&mut description, MAX_DESCRIPTION)),
                    _ => None,
                };
                if let Some((slot, max)) = slot
                    && slot.is_none()
                {
                    *slot = clean(content, max);
                }
            }
        }
        if is_tag(rest, "body") && og_title.is_some() {
            break; // everything a preview needs is in the head
        }
        at = tag_end + 1;
    }
    PageMeta {
        title: og_title.or(title),
        description: og_description.or(description),
        site_name,
        image,
    }
}

/// `rest` starts with the tag `<name` followed by a delimiter.
fn is_tag(rest: &str, name: &str) -> bool {
    rest.get(1..=name.len()) == Some(name)
        && rest[1 + name.len()..]
            .chars()
            .next()
            .is_none_or(|c| c.is_ascii_whitespace() || c == '>' || c == '/')
}

/// The `>` closing the tag opened at `start`, skipping quoted attribute values.
fn tag_end(lower: &str, start: usize) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in lower[start..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(start + i),
            _ => {}
        }
    }
    None
}

/// The attributes of a tag's inside (`name="v" name='v' name=v name`), names lower-cased and
/// values unescaped.
fn attributes(inside: &str) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    let mut chars = inside.char_indices().peekable();
    loop {
        while chars
            .peek()
            .is_some_and(|(_, c)| c.is_ascii_whitespace() || *c == '/')
        {
            chars.next();
        }
        let Some(&(name_start, _)) = chars.peek() else {
            break;
        };
        let mut name_end = inside.len();
        while let Some(&(i, c)) = chars.peek() {
            if c.is_ascii_whitespace() || c == '=' || c == '/' {
                name_end = i;
                break;
            }
            chars.next();
        }
        let name = inside[name_start..name_end].to_ascii_lowercase();
        while chars.peek().is_some_and(|(_, c)| c.is_ascii_whitespace()) {
            chars.next();
        }
        if chars.peek().is_some_and(|(_, c)| *c == '=') {
            chars.next();
            while chars.peek().is_some_and(|(_, c)| c.is_ascii_whitespace()) {
                chars.next();
            }
            let value = match chars.peek().copied() {
                Some((i, q @ ('"' | '\''))) => {
                    chars.next();
                    let mut end = inside.len();
                    for (j, c) in chars.by_ref() {
                        if c == q {
                            end = j;
                            break;
                        }
                    }
                    &inside[i + 1..end]
                }
                Some((i, _)) => {
                    let mut end = inside.len();
                    while let Some(&(j, c)) = chars.peek() {
                        if c.is_ascii_whitespace() {
                            end = j;
                            break;
                        }
                        chars.next();
                    }
                    &inside[i..end]
                }
                None => "",
            };
            attrs.push((name, unescape(value)));
        } else if !name.is_empty() {
            attrs.push((name, String::new()));
        } else {
            chars.next();
        }
    }
    attrs
}

/// Unescapes character references, collapses white space and cuts to `max` characters;
/// `None` when nothing is left.
fn clean(raw: &str, max: usize) -> Option<String> {
    let text = unescape(raw);
    let text: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect();
    (!text.is_empty()).then_some(text)
}

/// The common named references and all numeric ones.
fn unescape(raw: &str) -> String {
    if !raw.contains('&') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let entity_end = rest.find(';').filter(|&n| n <= 10);
        let decoded = entity_end.and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some((c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::{PageMeta, parse};

    #[test]
    fn reads_open_graph_and_falls_back() {
        let html = r#"<!doctype html><html><head>
            <!-- <meta property="og:title" content="commented out"> -->
            <script>var s = "<meta property='og:title' content='in a script'>";</script>
            <title> Plain   title </title>
            <META property="og:title" content="Caf&eacute; &amp; &#x1F600; &quot;OG&quot;">
            <meta content='Desc with > inside' property='og:description'/>
            <meta property=og:site_name content=Example>
            <meta property="og:image" content="/img/a.png">
            <meta name="description" content="ignored: og wins">
            </head><body><meta property="og:title" content="late"></body></html>"#;
        assert_eq!(
            parse(html),
            PageMeta {
                title: Some("Caf&eacute; & \u{1F600} \"OG\"".into()),
                description: Some("Desc with > inside".into()),
                site_name: Some("Example".into()),
                image: Some("/img/a.png".into()),
            }
        );
        let plain = parse("<title>Only &lt;title&gt;</title><meta name=description content='D'>");
        assert_eq!(plain.title.as_deref(), Some("Only <title>"));
        assert_eq!(plain.description.as_deref(), Some("D"));
        assert_eq!(
            parse("<html><title>unterminated"),
            PageMeta {
                title: Some("unterminated".into()),
                ..PageMeta::default()
            }
        );
        assert_eq!(parse("<<<>>><meta"), PageMeta::default());
    }
}

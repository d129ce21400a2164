//! Message bodies as HTML, for room exports: the formatting subset the web client renders
//! (docs/api.md, "Message formatting"), with the same rules (`web/src/features/chat/markup/`).
//! Bodies are stored as written; this is only ever a view of them.
//!
//! No HTML from the body passes: every character of it is escaped text, links are only
//! http, https and mailto, and the work is linear in the body (nesting is capped, scans only
//! move forward), so a hostile body costs what a friendly one of the same length does.

mod blocks;
mod inline;
mod shortcodes;

#[cfg(test)]
mod tests;

use blocks::Block;
use inline::{Inline, Tag};

/// What every link carries: a new tab, no opener, no referrer, no endorsement.
pub const LINK_REL: &str = "noopener noreferrer nofollow";

/// Renders a message body as escaped HTML.
pub fn to_html(body: &str) -> String {
    let mut html = String::with_capacity(body.len() + body.len() / 4 + 16);
    write_blocks(&mut html, &blocks::parse(body), false);
    html
}

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

fn write_blocks(html: &mut String, blocks: &[Block], in_item: bool) {
    for (i, block) in blocks.iter().enumerate() {
        match block {
            // A list item's first paragraph sits in the <li> itself (a tight list).
            Block::Paragraph(inlines) if in_item && i == 0 => write_inlines(html, inlines),
            Block::Paragraph(inlines) => {
                html.push_str("<p>");
                write_inlines(html, inlines);
                html.push_str("</p>");
            }
            Block::Code { language, text } => {
                html.push_str("<pre><code");
                if let Some(language) = language {
                    html.push_str(" class=\"language-");
                    push_escaped(html, language);
                    html.push('"');
                }
                html.push('>');
                push_escaped(html, text);
                html.push_str("</code></pre>");
            }
            Block::Quote(inner) => {
                html.push_str("<blockquote>");
                write_blocks(html, inner, false);
                html.push_str("</blockquote>");
            }
            Block::List {
                ordered,
                start,
                items,
            } => write_list(html, *ordered, *start, items),
        }
    }
}

fn write_list(html: &mut String, ordered: bool, start: u32, items: &[Vec<Block>]) {
    let tag = if ordered { "ol" } else { "ul" };
    html.push('<');
    html.push_str(tag);
    if ordered && start != 1 {
        html.push_str(&format!(" start=\"{start}\""));
    }
    html.push('>');
    for item in items {
        html.push_str("<li>");
        write_blocks(html, item, true);
        html.push_str("</li>");
    }
    html.push_str("</");
    html.push_str(tag);
    html.push('>');
}

fn write_inlines(html: &mut String, inlines: &[Inline]) {
    for inline in inlines {
        match inline {
            Inline::Text(text) => push_escaped(html, text),
            Inline::Break => html.push_str("<br>"),
            Inline::Code(text) => {
                html.push_str("<code>");
                push_escaped(html, text);
                html.push_str("</code>");
            }
            Inline::Span(tag, children) => {
                let name = match tag {
                    Tag::Strong => "strong",
                    Tag::Em => "em",
                    Tag::Del => "del",
                };
                html.push_str(&format!("<{name}>"));
                write_inlines(html, children);
                html.push_str(&format!("</{name}>"));
            }
            Inline::Link { href, children } => {
                html.push_str("<a href=\"");
                push_escaped(html, href);
                html.push_str(&format!("\" target=\"_blank\" rel=\"{LINK_REL}\">"));
                write_inlines(html, children);
                html.push_str("</a>");
            }
            Inline::Mention(handle) => {
                html.push_str("<span class=\"mention\">@");
                push_escaped(html, handle);
                html.push_str("</span>");
            }
        }
    }
}

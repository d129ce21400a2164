//! Search (`GET /search`) and the activity feed: parsing the query language, running the
//! access-checked queries, and cutting snippets into highlighted segments.

use chrono::{NaiveDate, TimeZone, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::Ctx;
use super::{Actor, messages::view_many};
use crate::{
    domain::{Id, room::RoomKind},
    error::{AppError, AppResult},
    store::{
        MessageHit, SearchQuery,
        search::{MATCH_END, MATCH_START},
    },
    views::{MessageView, RoomView},
};

/// Most words and phrases in one query.
const MAX_TERMS: usize = 16;

/// Words too common to search for: PostgreSQL's `english` stop list, which its full-text
/// search leaves out of every document. They are dropped from queries on both backends, so
/// SQLite (whose FTS5 index keeps them) finds the same messages.
const STOP_WORDS: &str = "\
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself \
    she her hers herself it its itself they them their theirs themselves what which who whom \
    this that these those am is are was were be been being have has had having do does did \
    doing a an the and but if or because as until while of at by for with about against \
    between into through during before after above below to from up down in out on off over \
    under again further then once here there when where why how all any both each few more \
    most other some such no nor not only own same so than too very s t can will just don \
    should now";

/// Parses `q`: words, `"quoted phrases"`, and the filters `from:`, `in:`, `before:`, `after:`
/// (dates as `YYYY-MM-DD`) and `has:thread`.
pub fn parse_query(q: &str) -> AppResult<SearchQuery> {
    let mut query = SearchQuery::default();
    let mut common = false;
    for token in tokens(q) {
        match token {
            Token::Phrase(phrase) => query.phrases.push(phrase),
            Token::Word(word) => common |= !apply_word(&mut query, &word)?,
        }
    }
    if common && !query.has_terms() && query.from.is_none() && query.room_slug.is_none() {
        return Err(AppError::invalid(
            "q",
            "has only words too common to search for",
        ));
    }
    if query.words.len() + query.phrases.len() > MAX_TERMS {
        return Err(AppError::invalid(
            "q",
            format!("at most {MAX_TERMS} words and phrases"),
        ));
    }
    Ok(query)
}

/// Adds a word or filter to `query`; `false` when the word was dropped as a stop word.
fn apply_word(query: &mut SearchQuery, word: &str) -> AppResult<bool> {
    let bad = |problem: &str| AppError::invalid("q", problem.to_owned());
    match word.split_once(':') {
        Some(("from", who)) if !who.is_empty() => {
            query.from = Some(who.trim_start_matches('@').to_lowercase())
        }
        Some(("in", room)) if !room.is_empty() => {
            query.room_slug = Some(room.trim_start_matches('#').to_lowercase())
        }
        Some(("before", date)) => {
            query.before =
                Some(parse_date(date).ok_or_else(|| bad("before: needs a date like 2026-01-31"))?)
        }
        Some(("after", date)) => {
            query.after =
                Some(parse_date(date).ok_or_else(|| bad("after: needs a date like 2026-01-31"))?)
        }
        Some(("has", "thread")) => query.has_thread = true,
        _ => {
            let cleaned: String = word
                .chars()
                .filter(|c| c.is_alphanumeric() || matches!(c, '\'' | '-' | '_'))
                .collect();
            let cleaned = cleaned.to_lowercase();
            if STOP_WORDS.split(' ').any(|stop| stop == cleaned) {
                return Ok(false);
            }
            if cleaned.chars().any(char::is_alphanumeric) {
                query.words.push(cleaned);
            }
        }
    }
    Ok(true)
}

fn parse_date(date: &str) -> Option<chrono::DateTime<Utc>> {
    let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    Utc.from_local_datetime(&day.and_hms_opt(0, 0, 0)?).single()
}

enum Token {
    Word(String),
    Phrase(String),
}

/// Splits on whitespace, keeping `"quoted phrases"` together.
fn tokens(q: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rest = q.trim();
    while !rest.is_empty() {
        if let Some(after_quote) = rest.strip_prefix('"') {
            let (phrase, tail) = after_quote.split_once('"').unwrap_or((after_quote, ""));
            let phrase = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
            if !phrase.is_empty() {
                tokens.push(Token::Phrase(phrase.to_lowercase()));
            }
            rest = tail.trim_start();
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            tokens.push(Token::Word(rest[..end].to_owned()));
            rest = rest[end..].trim_start();
        }
    }
    tokens
}

/// A piece of a snippet; `match` pieces are highlighted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct SnippetPart {
    /// Text.
    pub text: String,
    /// Whether this piece matched the query.
    #[serde(rename = "match")]
    pub matched: bool,
}

/// Cuts a marked-up snippet into plain and highlighted parts.
pub fn snippet_parts(snippet: &str) -> Vec<SnippetPart> {
    let mut parts = Vec::new();
    let mut matched = false;
    let mut current = String::new();
    for c in snippet.chars() {
        if c == MATCH_START || c == MATCH_END {
            if !current.is_empty() {
                parts.push(SnippetPart {
                    text: std::mem::take(&mut current),
                    matched,
                });
            }
            matched = c == MATCH_START;
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        parts.push(SnippetPart {
            text: current,
            matched,
        });
    }
    parts
}

/// The room a result belongs to.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ResultRoom {
    /// Id.
    pub id: Id,
    /// Slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: RoomKind,
}

/// One search result.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SearchResult {
    /// The message.
    pub message: MessageView,
    /// Its room.
    pub room: ResultRoom,
    /// The matching passage.
    pub snippet: Vec<SnippetPart>,
}

/// Runs a search; every result passes the access policy (a follow-link session's scope
/// included, in the query itself, so pages stay full).
pub async fn search(
    ctx: &Ctx,
    actor: &Actor,
    query: &SearchQuery,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<SearchResult>, Vec<RoomView>)> {
    super::spend(ctx, crate::ratelimit::Action::Search, actor).await?;
    let viewer = actor.viewer();
    let hits = ctx
        .store
        .search_messages(&viewer, query, offset, limit)
        .await?;
    let results = results_from(ctx, actor, hits).await?;
    let rooms =
        if offset == 0 && query.has_terms() && query.room_slug.is_none() && query.from.is_none() {
            ctx.store
                .search_rooms(&viewer, query, 5)
                .await?
                .iter()
                .map(RoomView::plain)
                .collect()
        } else {
            Vec::new()
        };
    Ok((results, rooms))
}

/// The activity feed: recent messages by others in rooms the actor may read.
pub async fn activity(
    ctx: &Ctx,
    actor: &Actor,
    before: Option<(chrono::DateTime<Utc>, Id)>,
    limit: i64,
) -> AppResult<Vec<SearchResult>> {
    let hits = ctx.store.activity(&actor.viewer(), before, limit).await?;
    results_from(ctx, actor, hits).await
}

/// Turns store hits into results.
async fn results_from(
    ctx: &Ctx,
    actor: &Actor,
    hits: Vec<MessageHit>,
) -> AppResult<Vec<SearchResult>> {
    let rows: Vec<_> = hits.iter().map(|h| h.message.clone()).collect();
    let views = view_many(ctx, actor, &rows).await?;
    Ok(hits
        .into_iter()
        .zip(views)
        .map(|(hit, message)| SearchResult {
            room: ResultRoom {
                id: hit.message.room_id,
                slug: hit.room_slug,
                title: hit.room_title,
                kind: hit.room_kind,
            },
            snippet: if hit.snippet.is_empty() {
                snippet_parts(message.body.as_deref().unwrap_or(""))
            } else {
                snippet_parts(&hit.snippet)
            },
            message,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_filters_words_and_phrases() {
        let q = parse_query(
            r#"deploy "pool exhaustion" from:@grace in:#engineering after:2026-01-02 has:thread"#,
        )
        .unwrap_or_default();
        assert_eq!(q.words, ["deploy"]);
        assert_eq!(q.phrases, ["pool exhaustion"]);
        assert_eq!(q.from.as_deref(), Some("grace"));
        assert_eq!(q.room_slug.as_deref(), Some("engineering"));
        assert!(q.after.is_some() && q.has_thread);
        assert!(parse_query("before:yesterday").is_err());
        assert!(parse_query("'; DROP TABLE--").is_ok_and(|q| q.words == ["drop", "table--"]));
        // No operators: `or` is a (dropped) common word, `-lunch` a plain term.
        let q = parse_query("deploy OR -lunch").unwrap_or_default();
        assert_eq!(q.words, ["deploy", "-lunch"]);
        assert!(parse_query("the or").is_err());
    }

    #[test]
    fn snippets_split_on_markers() {
        let parts = snippet_parts("the \u{E000}deploy\u{E001} went fine");
        assert_eq!(parts.len(), 3);
        assert!(parts[1].matched && parts[1].text == "deploy");
        assert!(!parts[0].matched);
    }
}

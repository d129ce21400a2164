//! Profiles: a job title, a time zone and a status that may expire.

use chrono::{DateTime, Utc};

/// The longest job title, in characters.
pub const MAX_TITLE: usize = 80;
/// The longest status text, in characters.
pub const MAX_STATUS_TEXT: usize = 100;
/// The longest status emoji, in characters (a flag or a joined sequence takes several).
pub const MAX_STATUS_EMOJI: usize = 16;

/// Validates a job title ('' clears it).
pub fn parse_title(raw: &str) -> Result<String, &'static str> {
    let title = raw.trim();
    if title.chars().count() > MAX_TITLE {
        return Err("must be at most 80 characters");
    }
    if title.chars().any(char::is_control) {
        return Err("must not contain control characters");
    }
    Ok(title.to_owned())
}

/// A status as set: an emoji, a text or both, until an optional time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// The emoji.
    pub emoji: Option<String>,
    /// The text.
    pub text: Option<String>,
    /// When it stops being shown.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Validates a status set at `now`; the problem names its field.
pub fn parse_status(
    emoji: Option<&str>,
    text: Option<&str>,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Status, (&'static str, &'static str)> {
    let emoji = emoji.map(str::trim).filter(|e| !e.is_empty());
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    if emoji.is_some_and(|e| {
        e.chars().count() > MAX_STATUS_EMOJI
            || e.chars().any(|c| c.is_control() || c.is_whitespace())
    }) {
        return Err(("status.emoji", "must be one emoji"));
    }
    if text.is_some_and(|t| t.chars().count() > MAX_STATUS_TEXT || t.chars().any(char::is_control))
    {
        return Err(("status.text", "must be at most 100 characters on one line"));
    }
    if emoji.is_none() && text.is_none() {
        return Err(("status", "needs an emoji or a text (null clears it)"));
    }
    if expires_at.is_some_and(|at| at <= now) {
        return Err(("status.expiresAt", "must be in the future"));
    }
    Ok(Status {
        emoji: emoji.map(str::to_owned),
        text: text.map(str::to_owned),
        expires_at,
    })
}

/// Whether a status that expires at `expires_at` is still shown at `now`.
pub fn status_current(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    expires_at.is_none_or(|at| at > now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_need_content_and_a_future_expiry() {
        let now = Utc::now();
        assert!(parse_status(Some("🌴"), None, None, now).is_ok());
        assert!(
            parse_status(
                None,
                Some(" away "),
                Some(now + chrono::Duration::hours(1)),
                now
            )
            .is_ok()
        );
        assert_eq!(
            parse_status(None, Some("  "), None, now).err().map(|e| e.0),
            Some("status")
        );
        assert_eq!(
            parse_status(Some("🌴"), None, Some(now), now)
                .err()
                .map(|e| e.0),
            Some("status.expiresAt")
        );
        assert_eq!(
            parse_status(Some("a b"), None, None, now)
                .err()
                .map(|e| e.0),
            Some("status.emoji")
        );
        assert!(!status_current(Some(now), now));
        assert!(status_current(None, now));
    }
}
